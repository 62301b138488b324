//! `sentry sourcemap` (alias `sourcemaps`): inject debug IDs, upload artifact bundles and
//! resolve minified positions (0.49's grammar).

pub mod bundle;
pub mod inject;
pub mod scan;
pub mod upload;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

#[derive(Debug, Subcommand)]
pub enum SourcemapCommand {
    /// Inject debug IDs into JavaScript files and sourcemaps
    Inject(inject::InjectArgs),
    /// Upload JavaScript source maps and sources as an artifact bundle
    Upload(upload::UploadArgs),
}

pub fn run(ctx: &Context, cmd: &SourcemapCommand) -> CliResult<i32> {
    match cmd {
        SourcemapCommand::Inject(a) => inject::run(ctx, a),
        SourcemapCommand::Upload(a) => upload::run(ctx, a),
    }
}
