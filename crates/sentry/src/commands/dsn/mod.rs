//! `sentry dsn`: a project's client keys (DSNs).

pub mod list;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum DsnCommand {
    /// List DSNs
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
}

pub fn run(ctx: &Context, cmd: &DsnCommand) -> CliResult<i32> {
    match cmd {
        DsnCommand::List(a) => list::run(ctx, a),
    }
}
