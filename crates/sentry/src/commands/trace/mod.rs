//! `sentry trace`: list recent traces, view one trace's span tree, and its logs. Bare
//! `sentry trace <trace-id>` is `trace view` (0.49's default command of the group).

pub mod list;
pub mod logs;
pub mod shared;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// List recent traces in a project
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// View details of a specific trace
    View(view::ViewArgs),
    /// View logs associated with a trace
    Logs(logs::LogsArgs),
}

pub fn run(ctx: &Context, cmd: &TraceCommand) -> CliResult<i32> {
    match cmd {
        TraceCommand::List(a) => list::run(ctx, a),
        TraceCommand::View(a) => view::run(ctx, a),
        TraceCommand::Logs(a) => logs::run(ctx, a),
    }
}
