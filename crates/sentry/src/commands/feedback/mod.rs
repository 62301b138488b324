//! `sentry feedback`: User Feedback, which Sentry stores as issues of category `feedback`.
//!
//! Every command here is an issue command with a forced category: `list` searches the issue
//! index with `issue.category:feedback`, the others resolve an issue argument (the same forms
//! `issue view` accepts) and refuse any issue that is not feedback before acting on it.

pub mod find;
pub mod list;
pub mod render;
pub mod resolve;
pub mod spam;
pub mod unresolve;
pub mod view;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum FeedbackCommand {
    /// List and search User Feedback
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// View a User Feedback item
    #[command(alias = "show")]
    View(view::ViewArgs),
    /// Mark User Feedback as resolved
    Resolve(resolve::ResolveArgs),
    /// Return User Feedback to the inbox
    #[command(visible_alias = "reopen")]
    Unresolve(unresolve::UnresolveArgs),
    /// Mark User Feedback as spam
    Spam(spam::SpamArgs),
}

pub fn run(ctx: &Context, cmd: &FeedbackCommand) -> CliResult<i32> {
    match cmd {
        FeedbackCommand::List(a) => list::run(ctx, a),
        FeedbackCommand::View(a) => view::run(ctx, a),
        FeedbackCommand::Resolve(a) => resolve::run(ctx, a),
        FeedbackCommand::Unresolve(a) => unresolve::run(ctx, a),
        FeedbackCommand::Spam(a) => spam::run(ctx, a),
    }
}
