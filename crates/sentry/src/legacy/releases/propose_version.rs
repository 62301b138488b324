//! `sentry-cli releases propose-version`: prints the version CI would name the release:
//! the first set variable of 3.x's list (`SENTRY_RELEASE`, Heroku, CodeBuild, CircleCI,
//! Cloudflare Pages, App Engine), else the git `HEAD` commit. Needs no server or token.
//! Detection is `sentry release propose-version`'s, with 3.x's shorter variable list.

use clap::Args;

use super::print_always;
use crate::commands::release::propose_version::{detect, LEGACY_SOURCES};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
pub struct ProposeArgs {
    /// Allow Xcode Info.plist preprocessing with cc. This passes Xcode project settings to the compiler. Do not use with untrusted code!
    #[arg(verbatim_doc_comment, long = "allow-xcode-infoplist-preprocessing")]
    pub allow_xcode_infoplist_preprocessing: bool,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, _args: &ProposeArgs) -> CliResult<i32> {
    let settings = ctx.settings()?;
    let var = |name: &str| settings.env_var(name).map(|s| s.value.clone());
    let Some((version, _source)) = detect(&var, &ctx.cwd, LEGACY_SOURCES) else {
        return Err(CliError::general(
            "Could not automatically determine release name:\n\t could not find repository at '.'\n\nPlease ensure your version control system is configured correctly, or provide a release name manually.",
        ));
    };
    print_always(global, &version)?;
    Ok(0)
}
