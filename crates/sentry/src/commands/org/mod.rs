//! `sentry org`: organizations.

pub mod list;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// List the organizations you can access
    #[command(alias = "ls")]
    List(list::ListArgs),
    /// Show one organization
    #[command(alias = "show")]
    View(view::ViewArgs),
}

pub fn run(ctx: &Context, cmd: &OrgCommand) -> CliResult<i32> {
    match cmd {
        OrgCommand::List(a) => list::run(ctx, a),
        OrgCommand::View(a) => view::run(ctx, a),
    }
}
