//! `sentry-cli monitors list|run`.

pub mod list;
pub mod run;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::LegacyGlobal;

#[derive(Debug, Subcommand)]
pub enum MonitorsCommand {
    /// List all monitors for an organization.
    List(list::ListArgs),
    /// Wraps a command
    Run(run::RunArgs),
}

impl MonitorsCommand {
    pub fn org(&self) -> Option<String> {
        match self {
            MonitorsCommand::List(a) => a.org.clone(),
            MonitorsCommand::Run(_) => None,
        }
    }
}

pub fn run(ctx: &Context, global: &LegacyGlobal, cmd: &MonitorsCommand) -> CliResult<i32> {
    match cmd {
        MonitorsCommand::List(_) => list::run(ctx, global),
        MonitorsCommand::Run(a) => run::run(ctx, a),
    }
}
