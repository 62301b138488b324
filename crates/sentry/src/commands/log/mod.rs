//! `sentry log`: list and stream a project's or a trace's logs, view log entries. Bare
//! `sentry log <log-id>` is `log view` (0.49's default command of the group).

pub mod list;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// List logs from a project (or a trace)
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// View details of one or more log entries
    View(view::ViewArgs),
}

pub fn run(ctx: &Context, cmd: &LogCommand) -> CliResult<i32> {
    match cmd {
        LogCommand::List(a) => list::run(ctx, a),
        LogCommand::View(a) => view::run(ctx, a),
    }
}
