//! `sentry-cli send-envelope [--raw] <PATH>`: stored envelopes to the DSN's envelope endpoint
//! (0.49 dropped the command; `event send --raw` is its spelling there). The sending is the
//! event core's raw-file path ([`crate::commands::event::send::dispatch`]); without `--raw`
//! each file must first parse as an envelope, with the parser the local server ingests with,
//! so a malformed file fails here and not as a 400 from the server.

use clap::Args;

use crate::commands::event::send::{self, Prepared};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::send_event::{configured_dsn, expand};
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
#[command(
    about = "Send a stored envelope to Sentry.",
    long_about = "Send a stored envelope to Sentry.\n\nThis command will validate and attempt to \
send an envelope to Sentry. Due to network errors, rate limits or sampling the envelope is not \
guaranteed to actually arrive. Check debug output for transmission errors by passing \
--log-level=debug or setting `SENTRY_LOG_LEVEL=debug`."
)]
pub struct SendEnvelopeArgs {
    /// The path or glob to the file(s) in envelope format to send as envelope(s).
    #[arg(value_name = "PATH")]
    pub path: String,
    /// Send envelopes without attempting to parse their contents.
    #[arg(long)]
    pub raw: bool,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &SendEnvelopeArgs) -> CliResult<i32> {
    let files = expand(&args.path);
    if !args.raw {
        for f in &files {
            let bytes = std::fs::read(f).map_err(|e| CliError::general(format!("{f}: {e}")))?;
            sentry_local::envelope::parse(&bytes)
                .map_err(|e| CliError::general(format!("{f}: {e}")))?;
        }
    }
    let dsn = configured_dsn(ctx)?;
    let prepared = Prepared::Files { files, raw: true };
    send::dispatch(ctx, &dsn, prepared, |d| {
        let file = d.file.as_deref().unwrap_or_default();
        super::print(global, &format!("Envelope from file {file} dispatched"))
    })?;
    Ok(0)
}
