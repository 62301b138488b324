//! `sentry repo`: repositories connected to an organization.

pub mod list;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// List repositories
    #[command(alias = "ls")]
    List(crate::commands::team::list::ListArgs),
}

pub fn run(ctx: &Context, cmd: &RepoCommand) -> CliResult<i32> {
    match cmd {
        RepoCommand::List(a) => list::run(ctx, a),
    }
}
