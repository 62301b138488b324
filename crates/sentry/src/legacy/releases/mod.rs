//! `sentry-cli releases [-o ORG] [-p PROJECT]… <new|finalize|propose-version|list|info|delete|
//! archive|restore|set-commits>` and the hidden `releases deploys [VERSION] <new|list>`, in 3.x's grammar
//! and text. The requests are `commands::release::ops`, shared with `sentry release`.
//! `set-commits` reads local git through `sentry-vcs`.

pub mod archive;
pub mod delete;
pub mod finalize;
pub mod info;
pub mod list;
pub mod new;
pub mod propose_version;
pub mod set_commits;

use clap::{Args, Subcommand};

use super::{LegacyGlobal, Scope};
use crate::context::Context;
use crate::error::CliResult;

/// `-o/--org` and `-p/--project` as 3.x declares them on `releases` and `deploys`: global
/// within the group, so they work before or after the subcommand; `-p` repeatable.
#[derive(Debug, Args, Default, Clone)]
pub struct OrgProjectArgs {
    /// The organization ID or slug.
    #[arg(
        verbatim_doc_comment,
        short = 'o',
        long = "org",
        global = true,
        value_name = "ORG"
    )]
    pub org: Option<String>,
    /// The project ID or slug.
    #[arg(
        verbatim_doc_comment,
        short = 'p',
        long = "project",
        global = true,
        value_name = "PROJECT"
    )]
    pub projects: Vec<String>,
}

impl OrgProjectArgs {
    /// What settings resolution sees as `--org`/`--project` (the first `-p`; commands that
    /// take several read them all from here).
    pub fn scope(&self) -> Scope {
        Scope {
            org: self.org.clone(),
            project: self.projects.first().cloned(),
        }
    }
}

#[derive(Debug, Args)]
pub struct ReleasesArgs {
    #[command(flatten)]
    pub scope: OrgProjectArgs,
    #[command(subcommand)]
    pub command: ReleasesCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReleasesCommand {
    /// Archive a release.
    #[command(verbatim_doc_comment)]
    Archive(archive::VersionArg),
    /// Delete a release.
    #[command(verbatim_doc_comment)]
    Delete(delete::DeleteArgs),
    /// Mark a release as finalized and released.
    #[command(verbatim_doc_comment)]
    Finalize(finalize::FinalizeArgs),
    /// Print information about a release.
    #[command(verbatim_doc_comment)]
    Info(info::InfoArgs),
    /// List the most recent releases.
    #[command(verbatim_doc_comment)]
    List(list::ListArgs),
    /// Create a new release.
    #[command(verbatim_doc_comment)]
    New(new::NewArgs),
    /// Propose a version name for a new release.
    #[command(verbatim_doc_comment)]
    ProposeVersion(propose_version::ProposeArgs),
    /// Set commits of a release.
    #[command(verbatim_doc_comment)]
    SetCommits(set_commits::SetCommitsArgs),
    /// Restore a release.
    #[command(verbatim_doc_comment)]
    Restore(archive::VersionArg),
    /// Manage deployments for Sentry releases.
    #[command(verbatim_doc_comment)]
    #[command(hide = true)]
    Deploys(super::deploys::ReleaseDeploysArgs),
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &ReleasesArgs) -> CliResult<i32> {
    let scope = &args.scope;
    match &args.command {
        ReleasesCommand::Archive(a) => archive::run(ctx, global, a, archive::Change::Archive),
        ReleasesCommand::Restore(a) => archive::run(ctx, global, a, archive::Change::Restore),
        ReleasesCommand::Delete(a) => delete::run(ctx, global, a),
        ReleasesCommand::Finalize(a) => finalize::run(ctx, global, scope, a),
        ReleasesCommand::Info(a) => info::run(ctx, global, a),
        ReleasesCommand::List(a) => list::run(ctx, global, scope, a),
        ReleasesCommand::New(a) => new::run(ctx, global, scope, a),
        ReleasesCommand::ProposeVersion(a) => propose_version::run(ctx, global, a),
        ReleasesCommand::SetCommits(a) => set_commits::run(ctx, global, scope, a),
        ReleasesCommand::Deploys(a) => super::deploys::run_for_release(ctx, global, scope, a),
    }
}

/// Prints a command's result whatever `--quiet` says: 3.x honours `--quiet` only in
/// `releases info` among these commands, and scripts that pass it still get the line.
pub(crate) fn print_always(global: &LegacyGlobal, text: &str) -> CliResult<()> {
    let loud = LegacyGlobal {
        quiet: false,
        ..global.clone()
    };
    super::print(&loud, text)
}

/// 3.x's local check of a release version (a clap value parser, so a bad version is a
/// usage error, exit 2, before anything else): no leading/trailing whitespace; not empty,
/// `.` or `..`; no `/`, newline, tab, vertical tab or form feed. Everything else (inner
/// spaces, `latest`) is the server's to judge, as in 3.x.
pub fn parse_version(v: &str) -> Result<String, String> {
    if v.trim() != v {
        return Err(
            "Invalid release version. Releases must not contain leading or trailing spaces.".into(),
        );
    }
    if matches!(v, "" | "." | "..") || v.contains(['/', '\n', '\t', '\x0b', '\x0c']) {
        return Err(
            "Invalid release version. Slashes and certain whitespace characters are not permitted."
                .into(),
        );
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions_checked_like_3x() {
        for ok in ["1.0", "a b", "latest", "a\rb", "pkg@1.0+build", "a\\b"] {
            assert!(parse_version(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            "", ".", "..", "a/b", "a\tb", "a\nb", "a\x0bb", "a\x0cb", " a", "a ",
        ] {
            assert!(parse_version(bad).is_err(), "{bad:?}");
        }
    }
}
