//! `sentry event`: view events, list an issue's events, and send an event to a DSN.

pub mod list;
pub mod render;
pub mod send;
pub mod send_envelope;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Show one or more events by ID
    #[command(alias = "show")]
    View(view::ViewArgs),
    /// List the events of an issue (same as `issue events`)
    #[command(alias = "ls")]
    List(list::ListArgs),
    /// Send a Sentry event
    Send(Box<send::SendArgs>),
}

pub fn run(ctx: &Context, cmd: &EventCommand) -> CliResult<i32> {
    match cmd {
        EventCommand::View(a) => view::run(ctx, a),
        EventCommand::List(a) => list::run(ctx, a),
        EventCommand::Send(a) => send::run(ctx, a),
    }
}
