//! `sentry feedback resolve <feedback>`: Mark User Feedback as resolved.

use clap::Args;

use crate::commands::feedback::find::change_status;
use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Feedback: @latest, numeric ID, short ID, <org>/SHORT-ID, or <org>/<project>/<suffix>
    pub feedback: String,
}

pub fn run(ctx: &Context, args: &ResolveArgs) -> CliResult<i32> {
    change_status(ctx, &args.feedback, "resolve", "resolved", |short| {
        format!("Resolved feedback {}.", short)
    })
}
