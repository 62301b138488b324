//! `sentry release`: releases, their deploys and commits (0.49's grammar).

pub mod archive;
pub mod create;
pub mod delete;
pub mod deploy;
pub mod deploys;
pub mod finalize;
pub mod list;
pub mod ops;
pub mod propose_version;
pub mod set_commits;
pub mod view;

use std::io;

use clap::Subcommand;
use serde_json::Value;

use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::format::text;
use crate::output::Human;
use crate::target::Resolver;

#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// List releases with adoption and health metrics
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// View release details with health metrics
    #[command(visible_alias = "show")]
    View(view::ViewArgs),
    /// Create a release
    #[command(visible_alias = "new")]
    Create(create::CreateArgs),
    /// Finalize a release
    Finalize(finalize::FinalizeArgs),
    /// Delete a release
    #[command(visible_aliases = ["remove", "rm"])]
    Delete(delete::DeleteArgs),
    /// Archive a release
    Archive(archive::StatusArgs),
    /// Restore an archived release
    Restore(archive::StatusArgs),
    /// Create a deploy for a release
    Deploy(deploy::DeployArgs),
    /// List deploys for a release
    Deploys(deploys::DeploysArgs),
    /// Set commits for a release
    SetCommits(set_commits::SetCommitsArgs),
    /// Propose a release version
    ProposeVersion(propose_version::ProposeArgs),
}

pub fn run(ctx: &Context, cmd: &ReleaseCommand) -> CliResult<i32> {
    match cmd {
        ReleaseCommand::List(a) => list::run(ctx, a),
        ReleaseCommand::View(a) => view::run(ctx, a),
        ReleaseCommand::Create(a) => create::run(ctx, a),
        ReleaseCommand::Finalize(a) => finalize::run(ctx, a),
        ReleaseCommand::Delete(a) => delete::run(ctx, a),
        ReleaseCommand::Archive(a) => archive::run(ctx, a, archive::Change::Archive),
        ReleaseCommand::Restore(a) => archive::run(ctx, a, archive::Change::Restore),
        ReleaseCommand::Deploy(a) => deploy::run(ctx, a),
        ReleaseCommand::Deploys(a) => deploys::run(ctx, a),
        ReleaseCommand::SetCommits(a) => set_commits::run(ctx, a),
        ReleaseCommand::ProposeVersion(a) => propose_version::run(ctx, a),
    }
}

/// Whether `--url` belongs to the command (the release's or deploy's URL) rather than naming
/// the server: the global flag shares its id, so clap fills both.
pub fn owns_url_flag(cmd: &ReleaseCommand) -> bool {
    matches!(
        cmd,
        ReleaseCommand::Create(_) | ReleaseCommand::Finalize(_) | ReleaseCommand::Deploy(_)
    )
}

/// An org slug as 0.49 recognizes it before a `/` in `<org/version>`.
fn is_org_slug(s: &str) -> bool {
    let b = s.as_bytes();
    let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match b.len() {
        0 => false,
        1 => ok(&b[0]),
        n => ok(&b[0]) && ok(&b[n - 1]) && b.iter().all(|c| ok(c) || *c == b'-'),
    }
}

/// `[<org>/]<version>` split like 0.49: the text before the first `/` is the org when it
/// is a slug and something follows; otherwise the whole argument is the version (so
/// `sentry-cli@1.0` and `Org/x` stay versions). Empty → usage error before any request.
pub fn split_org_version(raw: &str, usage: &str) -> CliResult<(Option<String>, String)> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(CliError::new(
            exit::USAGE,
            format!(
                "Failed to parse \"{raw}\" for org/version: Release version is required.\n\nSpecify it using:\n  {usage}"
            ),
        ));
    }
    if let Some((org, version)) = s.split_once('/') {
        if is_org_slug(org) && !version.is_empty() {
            return Ok((Some(org.to_string()), version.to_string()));
        }
    }
    Ok((None, s.to_string()))
}

/// A release argument resolved to its org.
pub struct ReleaseTarget {
    pub org: String,
    pub version: String,
    pub detected_from: Option<String>,
}

/// Parses `<org/version>`, routes to the org's account and resolves a missing org from
/// defaults, DSN detection or the only org. Returns the client to use.
pub fn resolve(
    ctx: &Context,
    raw: &str,
    usage: &str,
) -> CliResult<(sentry_api::Client, ReleaseTarget)> {
    let (org, version) = split_org_version(raw, usage)?;
    if let Some(o) = &org {
        ctx.route_to_org(o);
    }
    let client = ctx.authed_client()?;
    let (org, detected_from) = match org {
        Some(o) => (o, None),
        None => {
            let (org, from) = Resolver::new(ctx, &client).resolve_org(None)?;
            (org, from.map(|f| upstream_origin(&f)))
        }
    };
    Ok((
        client,
        ReleaseTarget {
            org,
            version,
            detected_from,
        },
    ))
}

/// Where a detected org came from, in 0.49's words for the sources it names alike.
fn upstream_origin(from: &str) -> String {
    if from == "your only organization" {
        return "your only accessible organization".to_string();
    }
    match from.strip_prefix("env ") {
        Some(var) => format!("{var} env var"),
        None => from.to_string(),
    }
}

pub fn is_dry_run(v: &Value) -> bool {
    v.get("dryRun").and_then(Value::as_bool) == Some(true)
}

/// `Finalized` or `Unreleased`, from `dateReleased`.
pub fn release_status(v: &Value) -> &'static str {
    match v.get("dateReleased") {
        Some(Value::String(s)) if !s.is_empty() => "Finalized",
        _ => "Unreleased",
    }
}

/// `a, b` from the release's `projects[].slug`.
pub fn project_slugs(v: &Value) -> String {
    v.get("projects")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| text(p, "slug"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Heading, blank line, key/value table: 0.49's shape for one changed release.
pub fn card(out: &mut Human, heading: &str, rows: Vec<(&str, String)>) -> io::Result<()> {
    out.heading(heading)?;
    out.blank()?;
    out.table(
        None,
        rows.into_iter()
            .map(|(k, v)| vec![k.to_string(), v])
            .collect(),
    )
}

/// A hint line after a blank line, as 0.49 prints them after the result.
pub fn hint(out: &mut Human, hint: Option<&str>) -> io::Result<()> {
    match hint {
        Some(h) => {
            out.blank()?;
            out.line(h)
        }
        None => Ok(()),
    }
}

/// `—` for an empty value.
pub fn or_dash(s: String) -> String {
    if s.is_empty() {
        "—".to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_org_only_when_slug() {
        let u = "sentry release view [<org>/]<version>";
        assert_eq!(
            split_org_version("my-org/1.0", u).unwrap(),
            (Some("my-org".into()), "1.0".into())
        );
        assert_eq!(split_org_version("1.0", u).unwrap(), (None, "1.0".into()));
        assert_eq!(
            split_org_version("sentry-cli@0.24.0", u).unwrap(),
            (None, "sentry-cli@0.24.0".into())
        );
        assert_eq!(
            split_org_version("My/1.0", u).unwrap(),
            (None, "My/1.0".into())
        );
        assert_eq!(
            split_org_version("o/a/b", u).unwrap(),
            (Some("o".into()), "a/b".into())
        );
        assert_eq!(split_org_version("o/", u).unwrap(), (None, "o/".into()));
        assert_eq!(split_org_version("  ", u).unwrap_err().exit_code, 2);
    }
}
