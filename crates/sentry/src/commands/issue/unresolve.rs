//! `sentry issue unresolve <issue>`: reopen.

use clap::Args;
use serde_json::json;

use crate::commands::issue::resolve::{put_status, StatusChange};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::emit;
use crate::target::Resolver;

#[derive(Debug, Args)]
pub struct UnresolveArgs {
    /// Issue: numeric ID, short ID, org/CLI-G, cli-G, G, @latest, or an issue URL
    pub issue: String,
}

pub fn run(ctx: &Context, args: &UnresolveArgs) -> CliResult<i32> {
    crate::target::issue::parse(&args.issue)?;
    ctx.route_to_target(Some(&args.issue));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let found = r.resolve_issue(&args.issue)?;
    let issue = put_status(&r, &found, &json!({"status": "unresolved"}))?;
    emit(
        &StatusChange {
            summary: "Reopened".into(),
            issue,
        },
        &ctx.output,
    )?;
    Ok(0)
}
