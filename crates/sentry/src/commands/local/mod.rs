//! `sentry local`: run, tail and use the built-in local Sentry-compatible server.
//!
//! One file per leaf command: `tail` (bare `sentry local`), `serve`, `run`, `demo_events`,
//! `setup_code`; `state` is the file through which a running `local serve` is found.

pub mod demo_events;
pub mod run;
pub mod serve;
pub mod setup_code;
mod state;
pub mod tail;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::error::CliResult;

/// Shown under `sentry local --help`: the whole loop, including how to send test events.
const LOCAL_EXAMPLES: &str = "\
Examples:
  sentry local serve                  Start the server; prints its URL, API token and DSN
  sentry local demo-events            Send a few SDK-shaped test error events to it
  sentry local setup-code             A one-time SENTRY_SETUP_CODE for `sentry auth bootstrap`
  sentry local run -- npm start       Run your app with SENTRY_DSN pointing at it
  sentry local                        Tail what arrives, one line per item
  SENTRY_URL=<url> SENTRY_AUTH_TOKEN=<token> sentry issue list local/
                                      Browse the events with the usual commands";

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, after_help = LOCAL_EXAMPLES)]
pub struct LocalArgs {
    #[command(subcommand)]
    pub command: Option<LocalCommand>,
    #[command(flatten)]
    pub tail: tail::TailArgs,
    #[command(flatten)]
    pub not_applicable: NotForLocal,
}

/// Global flags that mean nothing to `sentry local` and its subcommands, which talk to the
/// local server rather than a Sentry host, org or project.
///
/// clap copies every `global = true` flag into each subcommand unless the subcommand
/// already has an argument with the same id. Declaring them here, hidden, with the root's ids
/// keeps them out of the help of `local` and everything below it, while `--org x` and the
/// like are still accepted (their values still reach the root's `GlobalArgs`), so scripts
/// that pass them everywhere keep working. The host flags stay global so the subcommands
/// inherit the hidden versions; the output flags are not (the tail prints lines, not JSON),
/// and the subcommands that print data declare visible ones ([`OutputFlags`]).
#[derive(Debug, Args, Clone, Default)]
pub struct NotForLocal {
    #[arg(long, global = true, hide = true, value_name = "URL")]
    pub url: Option<String>,
    #[arg(long = "auth-token", global = true, hide = true, value_name = "TOKEN")]
    pub auth_token: Option<String>,
    #[arg(long = "header", global = true, hide = true, value_name = "KEY:VALUE")]
    pub headers: Vec<String>,
    #[arg(short = 'o', long, global = true, hide = true, value_name = "ORG")]
    pub org: Option<String>,
    #[arg(short = 'p', long, global = true, hide = true, value_name = "PROJECT")]
    pub project: Option<String>,
    #[arg(long, hide = true)]
    pub json: bool,
    #[arg(long, hide = true, value_name = "FIELDS")]
    pub fields: Option<String>,
    #[arg(long, hide = true, value_name = "EXPRESSION")]
    pub jq: Option<String>,
}

/// The root's output flags, re-declared (same ids, same meaning) for the `local`
/// subcommands that print data; see [`NotForLocal`] for why.
#[derive(Debug, Args, Clone, Default)]
pub struct OutputFlags {
    /// Output as JSON (with --fields to select)
    #[arg(long)]
    pub json: bool,
    /// Comma-separated fields to keep in JSON output; dot paths reach into objects
    #[arg(long, value_name = "FIELDS")]
    pub fields: Option<String>,
    /// Filter JSON output with a jq expression (implies --json); strings print raw
    #[arg(long, value_name = "EXPRESSION")]
    pub jq: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Start the local server in the foreground (Ctrl-C stops it)
    Serve(serve::ServeArgs),
    /// Run a command with SENTRY_DSN and SENTRY_SPOTLIGHT pointing at the local server
    Run(run::RunArgs),
    /// Send SDK-shaped test error events (to the running local server by default)
    DemoEvents(demo_events::DemoEventsArgs),
    /// Print a one-time SENTRY_SETUP_CODE for `sentry auth bootstrap` against the local server
    SetupCode(setup_code::SetupCodeArgs),
}

pub fn run(ctx: &Context, args: &LocalArgs) -> CliResult<i32> {
    match &args.command {
        None => tail::run(ctx, &args.tail),
        Some(LocalCommand::Serve(a)) => serve::run(ctx, a),
        Some(LocalCommand::Run(a)) => run::run(ctx, a),
        Some(LocalCommand::DemoEvents(a)) => demo_events::run(ctx, a),
        Some(LocalCommand::SetupCode(a)) => setup_code::run(ctx, a),
    }
}

/// The server `local serve` and `local run` start: the configured address, its data under
/// the config directory unless `data` names another place or `memory` keeps it in memory.
fn server_config(
    ctx: &Context,
    host: &str,
    port: u16,
    data: Option<PathBuf>,
    memory: bool,
) -> sentry_local::ServerConfig {
    let data = if memory {
        None
    } else {
        Some(
            data.unwrap_or_else(|| ctx.config_dir().join("local"))
                .join("local.db"),
        )
    };
    sentry_local::ServerConfig {
        host: host.to_string(),
        port,
        data,
        ..Default::default()
    }
}
