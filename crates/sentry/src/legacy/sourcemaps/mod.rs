//! `sentry-cli sourcemaps inject|upload` in sentry-cli 3.x's grammar and words, on the same
//! cores as `sentry sourcemap` (`crate::commands::sourcemap`).

pub mod inject;
pub mod upload;

use clap::{Args, Subcommand};

use super::LegacyGlobal;
use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Args)]
pub struct SourcemapsArgs {
    /// The organization ID or slug.
    #[arg(short = 'o', long = "org", global = true, value_name = "ORG")]
    pub org: Option<String>,
    /// The project ID or slug.
    #[arg(short = 'p', long = "project", global = true, value_name = "PROJECT")]
    pub project: Option<String>,
    #[command(subcommand)]
    pub command: SourcemapsCommand,
}

#[derive(Debug, Subcommand)]
pub enum SourcemapsCommand {
    /// Fixes up JavaScript source files and sourcemaps with debug ids.
    Inject(inject::InjectArgs),
    /// Upload sourcemaps for a release.
    Upload(Box<upload::UploadArgs>),
}

pub fn run(ctx: &Context, _global: &LegacyGlobal, args: &SourcemapsArgs) -> CliResult<i32> {
    match &args.command {
        SourcemapsCommand::Inject(a) => inject::run(ctx, a),
        SourcemapsCommand::Upload(a) => upload::run(ctx, a),
    }
}
