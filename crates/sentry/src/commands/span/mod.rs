//! `sentry span`: list spans of a project or trace, view spans in their trace. Bare
//! `sentry span <trace-id> <span-id>` is `span view` (0.49's default command of the group).

pub mod list;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum SpanCommand {
    /// List spans in a project or trace
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// View details of specific spans
    View(view::ViewArgs),
}

pub fn run(ctx: &Context, cmd: &SpanCommand) -> CliResult<i32> {
    match cmd {
        SpanCommand::List(a) => list::run(ctx, a),
        SpanCommand::View(a) => view::run(ctx, a),
    }
}
