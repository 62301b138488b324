//! `sentry local` without a subcommand: tail a running local server.

use clap::Args;

use crate::context::Context;
use crate::error::{CliError, CliResult};

/// Without a subcommand `sentry local` tails a running server: one line per envelope item.
#[derive(Debug, Args, Clone)]
pub struct TailArgs {
    /// Only show items of these kinds (error, transaction, log, ai); repeatable
    #[arg(short = 'f', long = "filter", value_name = "TYPE")]
    pub filters: Vec<String>,
    /// Print nothing but errors
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Host of the local server
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port of the local server
    #[arg(long, default_value_t = 8969)]
    pub port: u16,
}

/// `sentry local`: reads the server's `/stream` through the CLI's HTTP pipeline (proxy, CA
/// and custom-header settings, and the token rule, as for every request; no token is sent)
/// and prints one line per envelope item until the server ends the stream.
pub fn run(ctx: &Context, a: &TailArgs) -> CliResult<i32> {
    use std::io::Write;
    let url = format!("http://{}:{}", a.host, a.port);
    let stream_url = format!("{url}/stream");
    let failed = |cause: String| {
        CliError::general(format!("Could not tail the local server at {url}: {cause}"))
            .with_hint("Start it with: sentry local serve")
    };
    let client = ctx.client()?;
    let events = match client.get(&stream_url).without_auth().event_stream() {
        Ok(events) => events,
        Err(
            e @ (sentry_api::ApiError::HostScope { .. }
            | sentry_api::ApiError::ProjectConnection { .. }
            | sentry_api::ApiError::Config { .. }
            | sentry_api::ApiError::Auth { .. }),
        ) => return Err(crate::context::api_error(e)),
        Err(sentry_api::ApiError::Network { cause, .. }) => return Err(failed(cause)),
        Err(e) => return Err(failed(e.headline())),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut print = |line: &str| match writeln!(out, "{line}").and_then(|_| out.flush()) {
        // A closed pipe (`sentry local | head`) ends the tail quietly.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(CliError::general(format!("Could not write the tail: {e}"))),
        Ok(()) => Ok(true),
    };
    if !a.quiet && !print(&format!("Listening on {stream_url} (Ctrl-C to stop)"))? {
        return Ok(0);
    }
    for event in events {
        let event = event.map_err(|e| failed(e.to_string()))?;
        for line in sentry_local::describe_message(&event.event, &event.data, &a.filters) {
            if !print(&line)? {
                return Ok(0);
            }
        }
    }
    Ok(0)
}
