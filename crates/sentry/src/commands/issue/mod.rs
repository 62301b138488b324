//! `sentry issue`: list, inspect and triage issues.

pub mod archive;
pub mod list;
pub mod merge;
pub mod render;
pub mod resolve;
pub mod status;
pub mod tags;
pub mod unresolve;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum IssueCommand {
    /// List issues
    #[command(alias = "ls")]
    List(list::ListArgs),
    /// Show an issue with its latest event
    #[command(alias = "show")]
    View(view::ViewArgs),
    /// List the events of an issue
    Events(crate::commands::event::list::ListArgs),
    /// Mark an issue resolved (now, in a release, in the next release or in a commit)
    Resolve(resolve::ResolveArgs),
    /// Reopen a resolved or archived issue
    Unresolve(unresolve::UnresolveArgs),
    /// Archive (ignore) an issue, forever or until a condition
    Archive(archive::ArchiveArgs),
    /// Merge issues into one
    Merge(merge::MergeArgs),
    /// Show the top values of an issue tag
    Tags(tags::TagsArgs),
}

pub fn run(ctx: &Context, cmd: &IssueCommand) -> CliResult<i32> {
    match cmd {
        IssueCommand::List(a) => list::run(ctx, a),
        IssueCommand::View(a) => view::run(ctx, a),
        // The same command as `event list`, which owns it.
        IssueCommand::Events(a) => crate::commands::event::list::run(ctx, a),
        IssueCommand::Resolve(a) => resolve::run(ctx, a),
        IssueCommand::Unresolve(a) => unresolve::run(ctx, a),
        IssueCommand::Archive(a) => archive::run(ctx, a),
        IssueCommand::Merge(a) => merge::run(ctx, a),
        IssueCommand::Tags(a) => tags::run(ctx, a),
    }
}
