//! `sentry`: a native Sentry command-line client.
//!
//! The library holds every command; the binaries (`sentry`, and `sentry-cli` for sentry-cli
//! 3.x's grammar) are thin entry points over it, so one build serves both.
//!
//! Start-up does only what the command needs: `--help` and `--version` are answered by clap
//! before any file, database or network is touched.
//!
//! Only the renderer (`output`) writes to stdout and stderr: commands return results and
//! report diagnostics through [`diag!`], so `--json`, `--fields` and `--jq` apply to
//! everything a command prints.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod auth;
mod cli;
mod commands;
mod context;
mod error;
mod explain;
mod ids;
mod jq;
pub mod legacy;
mod logging;
#[allow(clippy::print_stdout, clippy::print_stderr)]
mod output;
mod prompt;
mod regions;
mod target;
mod web;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, CliCommand, Command, ConfigCommand};
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};

/// Runs `sentry` with the process's arguments and returns the exit code.
pub fn run() -> i32 {
    // Shell completion is answered before anything else: no settings, no logging set-up,
    // never a line on stderr (see `commands::complete`).
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("__complete") {
        let env: std::collections::BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = env
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(std::path::PathBuf::from);
        return commands::complete::run(&argv[1..], &env, home.as_deref());
    }
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 2,
                _ => exit::USAGE,
            };
            let _ = e.print();
            return code;
        }
    };
    // `sentry projects list`: say which spelling ran (0.49's tip, on stderr).
    if let Some((plural, sub)) = matches.subcommand() {
        if let (Some(group), Some(name)) = (cli::singular_of(plural), sub.subcommand_name()) {
            crate::diag!("Tip: \"{name}\" is a subcommand. Running: sentry {group} {name}");
        }
    }
    // `release create|finalize|deploy --url` is the release's or deploy's URL (0.49's
    // flag), not the server's: it must not redirect the requests.
    let release = match &cli.command {
        Some(Command::Release(c)) => Some(c),
        Some(Command::Releases(p)) => p.command.as_ref(),
        _ => None,
    };
    if release.is_some_and(commands::release::owns_url_flag) {
        cli.global.url = None;
    }
    let Some(command) = cli.command else {
        // Bare `sentry`: help on stdout, success, like upstream.
        let mut cmd = <Cli as clap::CommandFactory>::command();
        let _ = output::write_stdout(cmd.render_help().to_string().as_bytes());
        return 0;
    };
    // A bad --jq fails while the context is built; it is still reported as JSON (--jq implies it).
    let json_errors = cli.global.json || cli.global.jq.is_some();
    let ctx = match Context::from_process(cli.global) {
        Ok(ctx) => ctx,
        Err(e) => {
            output::emit_error(&e.clone().redacted(), json_errors);
            return e.exit_code;
        }
    };
    let result = dispatch(&ctx, &command);
    ctx.flush_store_warnings();
    match result {
        Ok(code) => code,
        Err(e) => {
            if e.reported {
                return e.exit_code;
            }
            let e = ctx.explain_api_error(e).redacted();
            output::emit_error(&e, ctx.output.json);
            e.exit_code
        }
    }
}

fn dispatch(ctx: &Context, command: &Command) -> CliResult<i32> {
    match command {
        Command::Info(a) => commands::info::run(ctx, a),
        Command::Auth(a) => commands::auth::run(ctx, a),
        Command::Whoami(a) => commands::auth::whoami::run(ctx, a),
        Command::Login(a) => commands::login_legacy::run(ctx, a),
        Command::Org(c) => commands::org::run(ctx, c),
        Command::Project(c) => commands::project::run(ctx, c),
        Command::Issue(c) => commands::issue::run(ctx, c),
        Command::Event(c) => commands::event::run(ctx, c),
        Command::Team(c) => commands::team::run(ctx, c),
        Command::Dsn(c) => commands::dsn::run(ctx, c),
        Command::Repo(c) => commands::repo::run(ctx, c),
        Command::SendEvent(a) => commands::event::send::run(ctx, a),
        Command::SendEnvelope(a) => commands::event::send_envelope::run(ctx, a),
        Command::Monitor(p) | Command::Monitors(p) => match &p.command {
            Some(c) => commands::monitor::run(ctx, c),
            None => commands::monitor::list::run(ctx, &p.list),
        },
        Command::Feedback(p) => match &p.command {
            Some(c) => commands::feedback::run(ctx, c),
            None => commands::feedback::view::run_default(ctx, &p.list),
        },
        Command::Attribute(c) => commands::attribute::run(ctx, c),
        Command::Replay(c) => commands::replay::run(ctx, c),
        Command::Explore(a) => commands::explore::run(ctx, a),
        Command::Release(c) => commands::release::run(ctx, c),
        Command::Releases(p) => match &p.command {
            Some(c) => commands::release::run(ctx, c),
            None => commands::release::list::run(ctx, &p.list),
        },
        Command::Orgs(p) => match &p.command {
            Some(c) => commands::org::run(ctx, c),
            None => commands::org::list::run(ctx, &p.list),
        },
        Command::Projects(p) => match &p.command {
            Some(c) => commands::project::run(ctx, c),
            None => commands::project::list::run(ctx, &p.list),
        },
        Command::Issues(p) => match &p.command {
            Some(c) => commands::issue::run(ctx, c),
            None => commands::issue::list::run(ctx, &p.list),
        },
        Command::Events(p) => match &p.command {
            Some(c) => commands::event::run(ctx, c),
            None => commands::event::list::run(ctx, &p.list),
        },
        Command::Teams(p) => match &p.command {
            Some(c) => commands::team::run(ctx, c),
            None => commands::team::list::run(ctx, &p.list),
        },
        Command::Repos(p) => match &p.command {
            Some(c) => commands::repo::run(ctx, c),
            None => commands::repo::list::run(ctx, &p.list),
        },
        Command::Log(p) => match &p.command {
            Some(c) => commands::log::run(ctx, c),
            None => commands::log::view::run(ctx, &p.list),
        },
        Command::Logs(p) => match &p.command {
            Some(c) => commands::log::run(ctx, c),
            None => commands::log::list::run(ctx, &p.list),
        },
        Command::Trace(p) => match &p.command {
            Some(c) => commands::trace::run(ctx, c),
            None => commands::trace::view::run(ctx, &p.list),
        },
        Command::Traces(p) => match &p.command {
            Some(c) => commands::trace::run(ctx, c),
            None => commands::trace::list::run(ctx, &p.list),
        },
        Command::Span(p) => match &p.command {
            Some(c) => commands::span::run(ctx, c),
            None => commands::span::view::run(ctx, &p.list),
        },
        Command::Spans(p) => match &p.command {
            Some(c) => commands::span::run(ctx, c),
            None => commands::span::list::run(ctx, &p.list),
        },
        Command::Config(ConfigCommand::List(a)) => commands::config::list::run(ctx, a),
        Command::Config(ConfigCommand::Get(a)) => commands::config::get::run(ctx, a),
        Command::Cli(CliCommand::Defaults(a)) => commands::cli::defaults::run(ctx, a),
        Command::Cli(CliCommand::Completion(a)) => commands::cli::completion::run(ctx, a),
        Command::Cli(CliCommand::Manpages(a)) => commands::cli::manpages::run(ctx, a),
        Command::Help(a) => commands::help::run(ctx, a),
        Command::Local(a) => commands::local::run(ctx, a),
        Command::Sourcemap(c) => commands::sourcemap::run(ctx, c),
        Command::Api(a) => commands::api::run(ctx, a),
    }
}

#[allow(dead_code)]
fn unexpected(e: impl std::fmt::Display) -> CliError {
    CliError::general(format!("Unexpected error: {e}"))
}
