//! `sentry-cli releases finalize VERSION [--released TIMESTAMP] [--url URL]`: sets the
//! release date (now by default); `-p` also adds the release to those projects.

use clap::Args;

use super::{parse_version, print_always, OrgProjectArgs};
use crate::commands::release::ops::{self, ReleaseChanges};
use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{self, NotFound};
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
pub struct FinalizeArgs {
    /// The version of the release
    #[arg(verbatim_doc_comment, value_name = "VERSION", value_parser = parse_version)]
    pub version: String,
    /// Optional URL to the release for information purposes.
    #[arg(verbatim_doc_comment, long, value_name = "URL")]
    pub url: Option<String>,
    /// Set the release time. [defaults to the current time]
    #[arg(verbatim_doc_comment, long, value_name = "TIMESTAMP", value_parser = remote::parse_timestamp)]
    pub released: Option<String>,
}

pub fn run(
    ctx: &Context,
    global: &LegacyGlobal,
    scope: &OrgProjectArgs,
    args: &FinalizeArgs,
) -> CliResult<i32> {
    let client = remote::client(ctx)?;
    let org = remote::org(ctx)?;
    let projects = remote::projects(ctx, &scope.projects)?;
    let changes = ReleaseChanges {
        projects: (!projects.is_empty()).then(|| remote::project_values(&projects)),
        url: args.url.clone(),
        date_released: Some(args.released.clone().unwrap_or_else(remote::now)),
        status: None,
    };
    ops::update(&remote::org_api(&client, &org), &args.version, &changes)
        .map_err(|e| remote::api_failure(e, NotFound::Release))?;
    print_always(global, &format!("Finalized release {}", args.version))?;
    Ok(0)
}
