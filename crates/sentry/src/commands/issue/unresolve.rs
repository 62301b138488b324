//! `sentry issue unresolve <issue>`: reopen.

use clap::Args;
use serde_json::json;

use crate::commands::issue::status::change_status;
use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Args)]
pub struct UnresolveArgs {
    /// Issue: numeric ID, short ID, org/CLI-G, cli-G, G, @latest, or an issue URL
    pub issue: String,
}

pub fn run(ctx: &Context, args: &UnresolveArgs) -> CliResult<i32> {
    change_status(ctx, &args.issue, |_, _| {
        Ok((json!({"status": "unresolved"}), "Reopened".into()))
    })
}
