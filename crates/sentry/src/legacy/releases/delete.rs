//! `sentry-cli releases delete VERSION`: deletes the release; a version the server does
//! not have is not an error (3.x says so and exits 0, so cleanup scripts can re-run).

use clap::Args;

use super::{parse_version, print_always};
use crate::commands::release::ops;
use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{self, NotFound};
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The version of the release
    #[arg(verbatim_doc_comment, value_name = "VERSION", value_parser = parse_version)]
    pub version: String,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &DeleteArgs) -> CliResult<i32> {
    let client = remote::client(ctx)?;
    let org = remote::org(ctx)?;
    let deleted = ops::delete(&remote::org_api(&client, &org), &args.version)
        .map_err(|e| remote::api_failure(e, NotFound::Release))?;
    let line = if deleted {
        format!("Deleted release {}!", args.version)
    } else {
        format!(
            "Did nothing. Release with this version ({}) does not exist.",
            args.version
        )
    };
    print_always(global, &line)?;
    Ok(0)
}
