//! `sentry-cli`: sentry-cli 3.x's grammar, text output and exit codes for what pipelines run
//! (decisions.md #15). Every command here parses 3.x's flags and calls the same endpoint
//! functions and command cores as `sentry`; only the spelling and the rendering are 3.x's.
//!
//! The rules 3.x scripts depend on, kept in this one place:
//! - `--url` is accepted only before the subcommand (3.x: top-level only); `--header`,
//!   `--auth-token`, `--log-level`, `--quiet`/`--silent` and the hidden `--allow-failure`
//!   anywhere. `-o/--org` and `-p/--project` belong to the command groups that declare them.
//! - Any failure prints `error: <message>` (plus 3.x's closing hint) on stderr and exits 1;
//!   usage errors exit 2 (clap's), `--allow-failure` turns a failure into exit 0 after
//!   printing it. Commands that run a child (`monitors run`) return the child's code.

pub mod deploys;
pub mod releases;
pub mod remote;
pub mod sourcemaps;
pub mod table;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::cli::GlobalArgs;
use crate::context::Context;
use crate::error::{CliError, CliResult};

pub mod bash_hook;
pub mod completions;
pub mod events;
pub mod info;
pub mod issues;
pub mod login;
pub mod monitors;
pub mod organizations;
pub mod projects;
pub mod repos;
pub mod send_envelope;
pub mod send_event;

/// `sentry-cli --version`: 3.x's shape (`sentry-cli X.Y.Z`, which scripts parse) naming the
/// sentry-cli release whose interface this binary implements, then our own version.
pub const VERSION: &str = concat!("3.8.0 (sentry ", env!("CARGO_PKG_VERSION"), ")");

#[derive(Debug, Parser)]
#[command(
    name = "sentry-cli",
    about = "Command line utility for Sentry.",
    long_about = "Command line utility for Sentry.\n\nThis tool helps you manage remote resources on a \
Sentry server like sourcemaps, debug symbols or releases.  Use `--help` on the subcommands to \
learn more about them.",
    max_term_width = 100,
    version = VERSION,
    disable_version_flag = true
)]
pub struct LegacyCli {
    #[command(flatten)]
    pub global: LegacyGlobal,
    #[command(subcommand)]
    pub command: LegacyCommand,
}

/// sentry-cli 3.x's global flags.
#[derive(Debug, clap::Args, Default, Clone)]
pub struct LegacyGlobal {
    /// Fully qualified URL to the Sentry server.
    #[arg(verbatim_doc_comment, long, value_name = "URL")]
    pub url: Option<String>,
    /// Custom headers that should be attached to all requests in key:value format.
    #[arg(
        verbatim_doc_comment,
        long = "header",
        global = true,
        value_name = "KEY:VALUE"
    )]
    pub headers: Vec<String>,
    /// Use the given Sentry auth token.
    #[arg(
        verbatim_doc_comment,
        long = "auth-token",
        global = true,
        value_name = "AUTH_TOKEN"
    )]
    pub auth_token: Option<String>,
    /// Set the log output verbosity.
    #[arg(verbatim_doc_comment, long = "log-level", global = true, value_name = "LOG_LEVEL",
          value_parser = ["trace", "debug", "info", "warn", "error"], ignore_case = true)]
    pub log_level: Option<String>,
    /// Do not print any output while preserving correct exit code. This flag is currently
    /// implemented only for selected subcommands.
    #[arg(verbatim_doc_comment, long, global = true, visible_alias = "silent")]
    pub quiet: bool,
    /// Always return 0 exit code (also SENTRY_ALLOW_FAILURE).
    #[arg(
        verbatim_doc_comment,
        long = "allow-failure",
        global = true,
        hide = true,
        env = "SENTRY_ALLOW_FAILURE",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub allow_failure: bool,
    /// Print version
    #[arg(verbatim_doc_comment, short = 'V', long = "version", action = clap::ArgAction::Version)]
    pub version: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub enum LegacyCommand {
    /// Generate completions for the specified shell.
    #[command(verbatim_doc_comment, arg_required_else_help = true)]
    Completions(completions::CompletionsArgs),
    /// Manage deployments for Sentry releases.
    #[command(verbatim_doc_comment)]
    Deploys(deploys::DeploysArgs),
    /// Manage events on Sentry.
    #[command(verbatim_doc_comment)]
    Events(events::EventsArgs),
    /// Print information about the configuration and verify authentication.
    #[command(verbatim_doc_comment)]
    Info(info::InfoArgs),
    /// Manage issues in Sentry.
    #[command(verbatim_doc_comment)]
    Issues(issues::IssuesArgs),
    /// Authenticate with the Sentry server.
    #[command(verbatim_doc_comment)]
    Login(login::LoginArgs),
    /// Manage cron monitors on Sentry.
    #[command(verbatim_doc_comment)]
    #[command(subcommand)]
    Monitors(monitors::MonitorsCommand),
    /// Manage organizations on Sentry.
    #[command(verbatim_doc_comment)]
    #[command(subcommand)]
    Organizations(organizations::OrganizationsCommand),
    /// Manage projects on Sentry.
    #[command(verbatim_doc_comment)]
    Projects(projects::ProjectsArgs),
    /// Manage releases on Sentry.
    #[command(verbatim_doc_comment)]
    Releases(releases::ReleasesArgs),
    /// Manage repositories on Sentry.
    #[command(verbatim_doc_comment)]
    Repos(repos::ReposArgs),
    /// Manage sourcemaps for Sentry releases.
    Sourcemaps(sourcemaps::SourcemapsArgs),
    /// Send a manual event to Sentry.
    #[command(verbatim_doc_comment)]
    SendEvent(Box<send_event::SendEventArgs>),
    /// Send a stored envelope to Sentry.
    #[command(verbatim_doc_comment)]
    SendEnvelope(send_envelope::SendEnvelopeArgs),
    /// Prints out a bash script that does error handling.
    #[command(verbatim_doc_comment)]
    BashHook(bash_hook::BashHookArgs),
}

/// The org and project a command line names (`-o`/`-p` of the group that declares them),
/// fed into settings resolution as flags.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    pub org: Option<String>,
    pub project: Option<String>,
}

impl LegacyCommand {
    fn scope(&self) -> Scope {
        match self {
            LegacyCommand::Events(a) => Scope {
                org: a.org.clone(),
                project: a.project.clone(),
            },
            LegacyCommand::Issues(a) => Scope {
                org: a.org.clone(),
                project: a.project.clone(),
            },
            LegacyCommand::Monitors(c) => Scope {
                org: c.org(),
                project: None,
            },
            LegacyCommand::Projects(a) => Scope {
                org: a.org.clone(),
                project: None,
            },
            LegacyCommand::Repos(a) => Scope {
                org: a.org.clone(),
                project: None,
            },
            LegacyCommand::Sourcemaps(a) => Scope {
                org: a.org.clone(),
                project: a.project.clone(),
            },
            LegacyCommand::Completions(_)
            | LegacyCommand::Info(_)
            | LegacyCommand::Login(_)
            | LegacyCommand::Organizations(_)
            | LegacyCommand::SendEvent(_)
            | LegacyCommand::SendEnvelope(_)
            | LegacyCommand::BashHook(_) => Scope::default(),
            LegacyCommand::Releases(a) => a.scope.scope(),
            LegacyCommand::Deploys(a) => a.scope(),
        }
    }
}

/// Runs `sentry-cli` with the process's arguments and returns the exit code.
pub fn run() -> i32 {
    let command = LegacyCli::command();
    let parsed = command
        .try_get_matches()
        .and_then(|m| LegacyCli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
            let _ = e.print();
            return code;
        }
    };
    let allow_failure = cli.global.allow_failure;
    let scope = cli.command.scope();
    let global = GlobalArgs {
        url: cli.global.url.clone(),
        auth_token: cli.global.auth_token.clone(),
        headers: cli.global.headers.clone(),
        log_level: cli.global.log_level.clone(),
        org: scope.org,
        project: scope.project,
        ..GlobalArgs::default()
    };
    let result = Context::from_process(global).and_then(|ctx| {
        let r = dispatch(&ctx, &cli.global, &cli.command);
        ctx.flush_store_warnings();
        r.map_err(|e| ctx.explain_api_error(e))
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            if !e.reported {
                print_error(&e.redacted());
            }
            if allow_failure {
                allowed_failure();
                0
            } else {
                1
            }
        }
    }
}

fn dispatch(ctx: &Context, global: &LegacyGlobal, command: &LegacyCommand) -> CliResult<i32> {
    match command {
        LegacyCommand::Completions(a) => completions::run(ctx, a),
        LegacyCommand::Events(a) => events::run(ctx, global, a),
        LegacyCommand::Info(a) => info::run(ctx, global, a),
        LegacyCommand::Issues(a) => issues::run(ctx, global, a),
        LegacyCommand::Login(a) => login::run(ctx, a),
        LegacyCommand::Monitors(c) => monitors::run(ctx, global, c),
        LegacyCommand::Organizations(c) => organizations::run(ctx, global, c),
        LegacyCommand::Projects(a) => projects::run(ctx, global, a),
        LegacyCommand::Repos(a) => repos::run(ctx, global, a),
        LegacyCommand::SendEvent(a) => send_event::run(ctx, global, a),
        LegacyCommand::SendEnvelope(a) => send_envelope::run(ctx, global, a),
        LegacyCommand::BashHook(a) => bash_hook::run(ctx, global, a),
        LegacyCommand::Releases(a) => releases::run(ctx, global, a),
        LegacyCommand::Deploys(a) => deploys::run(ctx, global, a),
        LegacyCommand::Sourcemaps(a) => sourcemaps::run(ctx, global, a),
    }
}

/// Writes a command's output to stdout, unless `--quiet`/`--silent` asked for none (3.x: the
/// exit code still tells the outcome). Text only; every legacy command renders through here.
pub(crate) fn print(global: &LegacyGlobal, text: &str) -> CliResult<()> {
    if global.quiet {
        return Ok(());
    }
    let mut text = text.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    crate::output::write_stdout(text.as_bytes())
}

/// 3.x's closing line when `--allow-failure`/`SENTRY_ALLOW_FAILURE` turns a failure into
/// exit 0, so a log still shows that something failed.
fn allowed_failure() {
    crate::diag!(
        "\nCommand failed, however, \"SENTRY_ALLOW_FAILURE\" variable or \"allow-failure\" flag was set. Exiting with 0 exit code."
    );
}

/// 3.x's error block: `error: <message>`, its causes, then the hint about log levels.
#[allow(clippy::print_stderr)]
fn print_error(e: &CliError) {
    eprintln!("error: {}", e.full_message());
    if let Some(h) = &e.hint {
        eprintln!("{h}");
    }
    eprintln!();
    eprintln!(
        "Add --log-level=[info|debug] or export SENTRY_LOG_LEVEL=[info|debug] to see more output."
    );
    eprintln!("Please attach the full debug log to all bug reports.");
}
