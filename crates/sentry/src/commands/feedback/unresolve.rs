//! `sentry feedback unresolve <feedback>`: Return User Feedback to the inbox (reopen resolved or spam feedback).

use clap::Args;

use crate::commands::feedback::find::change_status;
use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Args)]
pub struct UnresolveArgs {
    /// Feedback: @latest, numeric ID, short ID, <org>/SHORT-ID, or <org>/<project>/<suffix>
    pub feedback: String,
}

pub fn run(ctx: &Context, args: &UnresolveArgs) -> CliResult<i32> {
    change_status(ctx, &args.feedback, "unresolve", "unresolved", |short| {
        format!("Reopened feedback {}.", short)
    })
}
