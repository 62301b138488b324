//! `sentry event`: view events and list an issue's events.

pub mod list;
pub mod render;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Show one or more events by ID
    View(view::ViewArgs),
    /// List the events of an issue (same as `issue events`)
    List(list::ListArgs),
}

pub fn run(ctx: &Context, cmd: &EventCommand) -> CliResult<i32> {
    match cmd {
        EventCommand::View(a) => view::run(ctx, a),
        EventCommand::List(a) => list::run(ctx, a),
    }
}
