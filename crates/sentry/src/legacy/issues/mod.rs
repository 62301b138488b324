//! `sentry-cli issues [-o ORG] [-p PROJECT] [-s STATUS|-a|-i ID…] list|resolve|mute|unresolve`:
//! 3.x's project-scoped issue commands. The selection flags belong to the group (3.x declares
//! them there, so they work before or after the subcommand).

pub mod bulk;
pub mod list;

use clap::{Args, Subcommand, ValueEnum};

use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
pub struct IssuesArgs {
    /// The organization ID or slug.
    #[arg(short = 'o', long, global = true, value_name = "ORG")]
    pub org: Option<String>,
    /// The project ID or slug.
    #[arg(short = 'p', long, global = true, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Select all issues matching a given status.
    #[arg(short = 's', long, global = true, value_enum, value_name = "STATUS")]
    pub status: Option<Status>,
    /// Select all issues (this might be limited).
    #[arg(short = 'a', long, global = true)]
    pub all: bool,
    /// Select the issue with the given ID.
    #[arg(short = 'i', long = "id", global = true, value_name = "ID")]
    pub ids: Vec<String>,
    #[command(subcommand)]
    pub command: IssuesCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    Resolved,
    Muted,
    Unresolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Resolved => "resolved",
            Status::Muted => "muted",
            Status::Unresolved => "unresolved",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum IssuesCommand {
    /// List all issues in your organization.
    List(list::ListArgs),
    /// Bulk mute all selected issues.
    Mute,
    /// Bulk resolve all selected issues.
    Resolve(bulk::ResolveArgs),
    /// Bulk unresolve all selected issues.
    Unresolve,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &IssuesArgs) -> CliResult<i32> {
    match &args.command {
        IssuesCommand::List(a) => list::run(ctx, global, a),
        IssuesCommand::Mute => bulk::run(ctx, global, args, "muted"),
        IssuesCommand::Resolve(a) if a.next_release => {
            bulk::run(ctx, global, args, "resolvedInNextRelease")
        }
        IssuesCommand::Resolve(_) => bulk::run(ctx, global, args, "resolved"),
        IssuesCommand::Unresolve => bulk::run(ctx, global, args, "unresolved"),
    }
}
