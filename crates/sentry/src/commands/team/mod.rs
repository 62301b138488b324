//! `sentry team`: teams.

pub mod list;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// List teams
    #[command(alias = "ls")]
    List(list::ListArgs),
}

pub fn run(ctx: &Context, cmd: &TeamCommand) -> CliResult<i32> {
    match cmd {
        TeamCommand::List(a) => list::run(ctx, a),
    }
}
