//! `sentry-cli issues resolve|mute|unresolve`: one bulk `PUT` on the project's issues, the
//! selection in the query as 3.x sends it (`?id=…` for `-i`, `?status=…` for `-s`, nothing
//! for `-a`). Without a selection nothing is sent. 0.49's `issue resolve` changes one issue
//! through the org endpoint and shows it; 3.x's bulk semantics need the project endpoint, so
//! this shares the endpoint layer, not that command.

use clap::Args;
use serde_json::json;

use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::issues::IssuesArgs;
use crate::legacy::remote::{api_failure, client, org, project, NotFound};
use crate::legacy::LegacyGlobal;
use crate::target::Resolver;

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Only select issues in the next release.
    #[arg(short = 'n', long = "next-release")]
    pub next_release: bool,
}

pub fn run(
    ctx: &Context,
    global: &LegacyGlobal,
    args: &IssuesArgs,
    status: &str,
) -> CliResult<i32> {
    let org = org(ctx)?;
    let project = project(ctx)?;
    let query: Vec<(&str, &str)> = if !args.ids.is_empty() {
        args.ids.iter().map(|id| ("id", id.as_str())).collect()
    } else if let Some(s) = args.status {
        vec![("status", s.as_str())]
    } else if args.all {
        Vec::new()
    } else {
        super::super::print(global, "No changes requested.")?;
        return Ok(0);
    };
    let client = client(ctx)?;
    Resolver::new(ctx, &client)
        .org(&org)?
        .update_project_issues(&project)
        .query_pairs(&query)
        .json(&json!({"status": status, "snoozeDuration": null}))
        .map_err(crate::context::api_error)?
        .send()
        .map_err(|e| api_failure(e, NotFound::Project))?;
    super::super::print(
        global,
        &format!("Updated matching issues.\n  new status: {status}"),
    )?;
    Ok(0)
}
