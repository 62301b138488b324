//! `sentry project`: projects.

pub mod create;
pub mod delete;
pub mod list;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// List projects
    #[command(alias = "ls")]
    List(list::ListArgs),
    /// Show one or more projects with their DSN
    #[command(alias = "show")]
    View(view::ViewArgs),
    /// Create a project
    #[command(alias = "new")]
    Create(create::CreateArgs),
    /// Delete a project
    #[command(aliases = ["rm", "remove"])]
    Delete(delete::DeleteArgs),
}

pub fn run(ctx: &Context, cmd: &ProjectCommand) -> CliResult<i32> {
    match cmd {
        ProjectCommand::List(a) => list::run(ctx, a),
        ProjectCommand::View(a) => view::run(ctx, a),
        ProjectCommand::Create(a) => create::run(ctx, a),
        ProjectCommand::Delete(a) => delete::run(ctx, a),
    }
}
