//! `sentry-cli login [-g]`: `sentry login` ([`crate::commands::login_legacy`]), which checks
//! the token with the server and stores the login where both binaries read it. Without
//! `--auth-token` and without a terminal it fails at once (3.x would prompt forever on a
//! closed stdin).

use clap::Args;

use crate::commands::login_legacy::{self, LegacyLoginArgs};
use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Store authentication token globally rather than locally.
    #[arg(short = 'g', long)]
    pub global: bool,
}

pub fn run(ctx: &Context, args: &LoginArgs) -> CliResult<i32> {
    login_legacy::run(
        ctx,
        &LegacyLoginArgs {
            global: args.global,
        },
    )
    .map_err(|mut e| {
        // 3.x has one failure code.
        e.exit_code = crate::error::exit::GENERAL;
        e
    })
}
