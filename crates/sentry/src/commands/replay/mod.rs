//! `sentry replay`: search, inspect and download Session Replays.

pub mod download;
pub mod id;
pub mod list;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum ReplayCommand {
    /// List recent Session Replays
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// View a Session Replay
    #[command(alias = "show")]
    View(view::ViewArgs),
    /// Download a Session Replay as rrweb JSON
    Download(download::DownloadArgs),
}

pub fn run(ctx: &Context, cmd: &ReplayCommand) -> CliResult<i32> {
    match cmd {
        ReplayCommand::List(a) => list::run(ctx, a),
        ReplayCommand::View(a) => view::run(ctx, a),
        ReplayCommand::Download(a) => download::run(ctx, a),
    }
}
