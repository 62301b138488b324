//! `sentry feedback spam <feedback>`: Move User Feedback to the spam mailbox (stored as status ignored).

use clap::Args;

use crate::commands::feedback::find::change_status;
use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Args)]
pub struct SpamArgs {
    /// Feedback: @latest, numeric ID, short ID, <org>/SHORT-ID, or <org>/<project>/<suffix>
    pub feedback: String,
}

pub fn run(ctx: &Context, args: &SpamArgs) -> CliResult<i32> {
    change_status(ctx, &args.feedback, "spam", "ignored", |short| {
        format!("Marked feedback {} as spam.", short)
    })
}
