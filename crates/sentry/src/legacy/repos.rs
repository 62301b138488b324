//! `sentry-cli repos [-o ORG] list`: the organization's repositories in 3.x's table.

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{api_failure, client, org, paging, NotFound};
use crate::legacy::table::Table;
use crate::legacy::LegacyGlobal;
use crate::target::{str_field, Resolver};

#[derive(Debug, Args)]
pub struct ReposArgs {
    /// The organization ID or slug.
    #[arg(short = 'o', long, global = true, value_name = "ORG")]
    pub org: Option<String>,
    #[command(subcommand)]
    pub command: ReposCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReposCommand {
    /// List all repositories in your organization.
    List,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, _args: &ReposArgs) -> CliResult<i32> {
    let org = org(ctx)?;
    let client = client(ctx)?;
    let page = Resolver::new(ctx, &client)
        .org(&org)?
        .repos()
        .pages(paging(usize::MAX))
        .collect::<serde_json::Value>()
        .map_err(|e| api_failure(e, NotFound::Org))?;
    let mut table = Table::new(&["Name", "Provider", "URL"]);
    for r in &page.items {
        let provider = r
            .get("provider")
            .and_then(|p| str_field(p, "name"))
            .unwrap_or_default();
        table.row(vec![
            str_field(r, "name").unwrap_or_default(),
            provider,
            str_field(r, "url").unwrap_or_default(),
        ]);
    }
    if table.is_empty() {
        return super::print(global, "No repos found").map(|_| 0);
    }
    super::print(global, &table.render())?;
    Ok(0)
}
