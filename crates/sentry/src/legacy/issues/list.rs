//! `sentry-cli issues list [--query Q] [--pages N] [--max-rows N]`: the project's issues in
//! 3.x's table (3.x reads the project endpoint; `-s/-a/-i` do not filter the list).

use clap::Args;

use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{api_failure, client, org, paging, project, NotFound};
use crate::legacy::table::Table;
use crate::legacy::LegacyGlobal;
use crate::target::{str_field, Resolver};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Maximum number of rows to print.
    #[arg(long = "max-rows", value_name = "MAX_ROWS")]
    pub max_rows: Option<usize>,
    /// Maximum number of pages to fetch (100 issues/page).
    #[arg(long, value_name = "PAGES", default_value_t = 5)]
    pub pages: usize,
    /// Query to filter issues. Example: "is:unresolved". If omitted, no filtering is applied.
    /// See https://docs.sentry.io/concepts/search/ for syntax.
    #[arg(long, value_name = "QUERY")]
    pub query: Option<String>,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &ListArgs) -> CliResult<i32> {
    let org = org(ctx)?;
    let project = project(ctx)?;
    let client = client(ctx)?;
    let page = Resolver::new(ctx, &client)
        .org(&org)?
        .project_issues(&project)
        .query("query", args.query.clone().unwrap_or_default())
        .pages(paging(args.pages))
        .collect::<serde_json::Value>()
        .map_err(|e| api_failure(e, NotFound::Project))?;
    let mut table = Table::new(&[
        "Issue ID",
        "Short ID",
        "Title",
        "Last seen",
        "Status",
        "Level",
    ]);
    let rows = args.max_rows.unwrap_or(usize::MAX);
    for i in page.items.iter().take(rows) {
        let s = |k: &str| str_field(i, k).unwrap_or_default();
        table.row(vec![
            s("id"),
            s("shortId"),
            s("title"),
            s("lastSeen"),
            s("status"),
            s("level"),
        ]);
    }
    if table.is_empty() {
        return super::super::print(global, "No issues found").map(|_| 0);
    }
    super::super::print(global, &table.render())?;
    Ok(0)
}
