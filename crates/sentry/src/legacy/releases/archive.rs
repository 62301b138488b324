//! `sentry-cli releases archive|restore VERSION`: sets the release's status to `archived` or
//! back to `open`. Like 3.x this posts the version with its status (the create endpoint
//! updates an existing release), so archiving a version the server does not know creates
//! it archived, as 3.x does.

use clap::Args;

use super::{parse_version, print_always};
pub use crate::commands::release::archive::Change;
use crate::commands::release::ops::{self, NewRelease};
use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{self, NotFound};
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
pub struct VersionArg {
    /// The version of the release
    #[arg(verbatim_doc_comment, value_name = "VERSION", value_parser = parse_version)]
    pub version: String,
}

pub fn run(
    ctx: &Context,
    global: &LegacyGlobal,
    args: &VersionArg,
    change: Change,
) -> CliResult<i32> {
    let client = remote::client(ctx)?;
    let org = remote::org(ctx)?;
    let release = NewRelease {
        version: args.version.clone(),
        projects: Some(Vec::new()),
        status: Some(change.status()),
        ..NewRelease::default()
    };
    ops::create(&remote::org_api(&client, &org), &release)
        .map_err(|e| remote::api_failure(e, NotFound::Org))?;
    let done = match change {
        Change::Archive => "Archived",
        Change::Restore => "Restored",
    };
    print_always(global, &format!("{done} release {}", args.version))?;
    Ok(0)
}
