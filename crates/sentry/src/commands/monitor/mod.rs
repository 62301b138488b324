//! `sentry monitor`: run a command with cron check-ins, list an organization's monitors.

pub mod list;
pub mod run;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Wrap a command with cron monitor check-ins
    Run(run::RunArgs),
    /// List cron monitors in an organization
    #[command(alias = "ls")]
    List(crate::commands::team::list::ListArgs),
}

pub fn run(ctx: &Context, cmd: &MonitorCommand) -> CliResult<i32> {
    match cmd {
        MonitorCommand::Run(a) => run::run(ctx, a),
        MonitorCommand::List(a) => list::run(ctx, a),
    }
}
