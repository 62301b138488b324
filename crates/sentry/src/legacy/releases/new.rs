//! `sentry-cli releases new VERSION [--finalize] [--url URL]`: creates the release in the
//! given projects (at least one), started now and, with `--finalize`, released now.

use clap::Args;

use super::{parse_version, print_always, OrgProjectArgs};
use crate::commands::release::ops::{self, NewRelease};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::remote::{self, NotFound};
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The version of the release
    #[arg(verbatim_doc_comment, value_name = "VERSION", value_parser = parse_version)]
    pub version: String,
    /// Optional URL to the release for information purposes.
    #[arg(verbatim_doc_comment, long, value_name = "URL")]
    pub url: Option<String>,
    /// Immediately finalize the release. (sets it to released)
    #[arg(verbatim_doc_comment, long)]
    pub finalize: bool,
}

pub fn run(
    ctx: &Context,
    global: &LegacyGlobal,
    scope: &OrgProjectArgs,
    args: &NewArgs,
) -> CliResult<i32> {
    let client = remote::client(ctx)?;
    let org = remote::org(ctx)?;
    let projects = remote::projects(ctx, &scope.projects)?;
    if projects.is_empty() {
        return Err(CliError::general(remote::NO_PROJECT));
    }
    let now = remote::now();
    let release = NewRelease {
        version: args.version.clone(),
        projects: Some(remote::project_values(&projects)),
        url: args.url.clone(),
        date_released: args.finalize.then(|| now.clone()),
        date_started: Some(now),
        ..NewRelease::default()
    };
    ops::create(&remote::org_api(&client, &org), &release)
        .map_err(|e| remote::api_failure(e, NotFound::Org))?;
    print_always(global, &format!("Created release {}", args.version))?;
    Ok(0)
}
