//! `sentry attribute`: discover the attribute keys of spans, logs and trace metrics.

pub mod list;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum AttributeCommand {
    /// List attribute keys for spans, logs, or metrics
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
}

pub fn run(ctx: &Context, cmd: &AttributeCommand) -> CliResult<i32> {
    match cmd {
        AttributeCommand::List(a) => list::run(ctx, a),
    }
}
