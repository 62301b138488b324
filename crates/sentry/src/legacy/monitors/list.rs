//! `sentry-cli monitors list [-o ORG]`: the organization's cron monitors in 3.x's table
//! (nothing at all when there are none, as 3.x).

use clap::Args;

use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{api_failure, client, org, paging, NotFound};
use crate::legacy::table::Table;
use crate::legacy::LegacyGlobal;
use crate::target::{str_field, Resolver};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The organization ID or slug.
    #[arg(short = 'o', long, value_name = "ORG")]
    pub org: Option<String>,
}

pub fn run(ctx: &Context, global: &LegacyGlobal) -> CliResult<i32> {
    let org = org(ctx)?;
    let client = client(ctx)?;
    let page = Resolver::new(ctx, &client)
        .org(&org)?
        .monitors()
        .pages(paging(usize::MAX))
        .collect::<serde_json::Value>()
        .map_err(|e| api_failure(e, NotFound::Resource))?;
    let mut table = Table::new(&["ID", "Slug", "Name", "Status"]);
    for m in &page.items {
        let s = |k: &str| str_field(m, k).unwrap_or_default();
        table.row(vec![s("id"), s("slug"), s("name"), s("status")]);
    }
    if !table.is_empty() {
        super::super::print(global, &table.render())?;
    }
    Ok(0)
}
