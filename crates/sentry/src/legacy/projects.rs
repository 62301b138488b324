//! `sentry-cli projects [-o ORG] list`: the organization's projects in 3.x's table.

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{api_failure, client, org, paging, NotFound};
use crate::legacy::table::Table;
use crate::legacy::LegacyGlobal;
use crate::target::{str_field, Resolver};

#[derive(Debug, Args)]
pub struct ProjectsArgs {
    /// The organization ID or slug.
    #[arg(short = 'o', long, global = true, value_name = "ORG")]
    pub org: Option<String>,
    #[command(subcommand)]
    pub command: ProjectsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProjectsCommand {
    /// List all projects for an organization.
    List,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, _args: &ProjectsArgs) -> CliResult<i32> {
    let org = org(ctx)?;
    let client = client(ctx)?;
    let page = Resolver::new(ctx, &client)
        .org(&org)?
        .projects()
        .pages(paging(usize::MAX))
        .collect::<serde_json::Value>()
        .map_err(|e| api_failure(e, NotFound::Org))?;
    let mut table = Table::new(&["ID", "Slug", "Team", "Name"]);
    for p in &page.items {
        let s = |k: &str| str_field(p, k).unwrap_or_default();
        let team = p
            .get("team")
            .and_then(|t| str_field(t, "name"))
            .unwrap_or_default();
        table.row(vec![s("id"), s("slug"), team, s("name")]);
    }
    if table.is_empty() {
        return super::print(global, "No projects found").map(|_| 0);
    }
    super::print(global, &table.render())?;
    Ok(0)
}
