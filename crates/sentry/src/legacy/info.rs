//! `sentry-cli info [--config-status-json] [--no-defaults]`: the check of `sentry info`
//! ([`crate::commands::info::check`]), whose text is already 3.x's; the failures worded as
//! 3.x words them, and 3.x's global `--quiet` (exit code only, stricter about defaults).

use clap::Args;

use crate::commands::info::{check, quiet_code, Failure};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::remote::{api_failure, NotFound};
use crate::legacy::LegacyGlobal;
use crate::output::emit;

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Return the status of the config that sentry-cli loads as JSON dump. This can be used
    /// by external tools to aid the user towards configuration.
    #[arg(long = "config-status-json")]
    pub config_status_json: bool,
    /// Skip default organization and project checks. This allows you to verify your
    /// authentication method, without the need for setting other defaults.
    #[arg(long = "no-defaults")]
    pub no_defaults: bool,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &InfoArgs) -> CliResult<i32> {
    let (info, failure) = check(ctx, args.no_defaults, args.config_status_json)?;
    if args.config_status_json {
        let mut opts = ctx.output.clone();
        opts.json = true;
        emit(&info, &opts)?;
        return Ok(0);
    }
    if global.quiet {
        return Ok(quiet_code(&info, failure.as_ref()));
    }
    emit(&info, &ctx.output)?;
    match failure {
        None => Ok(0),
        Some(Failure::NoToken) => Err(CliError::general(
            "Auth token is required for this request. Please run `sentry-cli login` and try again!",
        )),
        Some(Failure::NotAccepted) => Err(CliError::general(
            "API request failed\n\nCaused by:\n    sentry reported an error: Invalid token (http status: 401)",
        )),
        Some(Failure::Api(e)) => Err(api_failure(e, NotFound::Resource)),
        Some(Failure::Other(e)) => Err(e),
    }
}
