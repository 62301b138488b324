//! `sentry issue resolve <issue> [--in <release|@next|@commit[:<repo>@<sha>]>]`.

use clap::Args;
use serde_json::{json, Value};

use crate::commands::issue::status::{change_status, Change};
use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::target::issue::ResolvedIssue;
use crate::target::{str_field, Resolver};

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Issue: numeric ID, short ID, org/CLI-G, cli-G, G, @latest, or an issue URL
    pub issue: String,
    /// Resolve in a release (`1.2.3`), the next release (`@next`) or a commit (`@commit`, `@commit:<repo>@<sha>`)
    #[arg(short = 'i', long = "in", value_name = "SPEC")]
    pub in_spec: Option<String>,
    /// Same as `--in <version>`
    #[arg(long = "in-release", value_name = "VERSION", conflicts_with_all = ["in_spec", "in_next_release"])]
    pub in_release: Option<String>,
    /// Same as `--in @next`
    #[arg(long = "in-next-release", conflicts_with = "in_spec")]
    pub in_next_release: bool,
}

enum Spec {
    Now,
    Release(String),
    Next,
    Commit {
        repo: Option<String>,
        sha: Option<String>,
    },
}

fn parse_spec(args: &ResolveArgs) -> CliResult<Spec> {
    if args.in_next_release {
        return Ok(Spec::Next);
    }
    let raw = match (&args.in_spec, &args.in_release) {
        (Some(s), _) | (None, Some(s)) => s.trim().to_string(),
        (None, None) => return Ok(Spec::Now),
    };
    if raw.is_empty() {
        return Err(CliError::validation(
            "--in needs a value: a version, @next or @commit.",
        ));
    }
    if args.in_release.is_some() {
        return Ok(Spec::Release(raw));
    }
    match raw.as_str() {
        "@next" => Ok(Spec::Next),
        "@commit" => Ok(Spec::Commit {
            repo: None,
            sha: None,
        }),
        s if s.starts_with("@commit:") => {
            let rest = &s["@commit:".len()..];
            match rest.rsplit_once('@') {
                Some((repo, sha)) if !repo.is_empty() && !sha.is_empty() => Ok(Spec::Commit {
                    repo: Some(repo.to_string()),
                    sha: Some(sha.to_string()),
                }),
                _ => Err(CliError::validation(format!(
                    "Invalid --in '{s}': expected @commit:<repo>@<sha>."
                ))),
            }
        }
        s if s.starts_with('@') => Err(CliError::validation(format!(
            "Invalid --in '{s}': use a version, @next, @commit or @commit:<repo>@<sha>."
        ))),
        s => Ok(Spec::Release(s.to_string())),
    }
}

fn git(ctx: &Context, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(&ctx.cwd)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// `owner/name` from a git remote URL (`git@github.com:owner/name.git`, `https://…/owner/name`).
pub fn repo_from_remote(url: &str) -> Option<String> {
    let trimmed = url.trim().trim_end_matches('/').trim_end_matches(".git");
    let path = match trimmed.split_once("://") {
        Some((_, rest)) => rest.split_once('/')?.1.to_string(),
        None => trimmed.split_once(':')?.1.to_string(),
    };
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    (parts.len() >= 2).then(|| parts[parts.len() - 2..].join("/"))
}

fn org_repos(r: &Resolver, org: &str) -> CliResult<Vec<Value>> {
    Ok(r.org(org)?
        .repos()
        .pages(sentry_api::Paging::per_page(10_000, 50))
        .collect::<Value>()
        .map_err(api_error)?
        .items)
}

pub fn run(ctx: &Context, args: &ResolveArgs) -> CliResult<i32> {
    let spec = parse_spec(args)?;
    change_status(ctx, &args.issue, |r, found| change(r, found, spec))
}

/// The body and summary of resolving `found` as `spec` says. A commit given as bare `@commit`
/// is the working tree's `HEAD` in its `origin` repository, which must be connected to the org.
fn change(r: &Resolver, found: &ResolvedIssue, spec: Spec) -> CliResult<Change> {
    Ok(match spec {
        Spec::Now => (
            json!({"status": "resolved"}),
            "Resolved immediately".to_string(),
        ),
        Spec::Release(v) => (
            json!({"status": "resolved", "statusDetails": {"inRelease": v}}),
            format!("Resolved in release {v}"),
        ),
        Spec::Next => (
            json!({"status": "resolved", "statusDetails": {"inNextRelease": true}}),
            "Resolved in the next release".to_string(),
        ),
        Spec::Commit { repo, sha } => {
            let (repo, sha) = match (repo, sha) {
                (Some(repo), Some(sha)) => (repo, sha),
                _ => {
                    let remote = git(r.ctx, &["remote", "get-url", "origin"]).ok_or_else(|| {
                        CliError::validation("@commit needs a git repository with an 'origin' remote here; or use @commit:<repo>@<sha>.")
                    })?;
                    let sha = git(r.ctx, &["rev-parse", "HEAD"]).ok_or_else(|| {
                        CliError::validation(
                            "Could not read the HEAD commit; use @commit:<repo>@<sha>.",
                        )
                    })?;
                    let repo = repo_from_remote(&remote).ok_or_else(|| {
                        CliError::validation(format!(
                            "Cannot tell the repository name from the remote '{remote}'."
                        ))
                    })?;
                    (repo, sha)
                }
            };
            let repos = org_repos(r, &found.org)?;
            let known = repos
                .iter()
                .any(|x| str_field(x, "name").is_some_and(|n| n.eq_ignore_ascii_case(&repo)));
            if !known {
                let names: Vec<String> =
                    repos.iter().filter_map(|x| str_field(x, "name")).collect();
                return Err(CliError::new(
                    exit::NOT_FOUND,
                    format!("Repository '{repo}' is not connected to '{}'.", found.org),
                )
                .with_detail(if names.is_empty() {
                    "The organization has no repositories.".to_string()
                } else {
                    format!("Known repositories: {}", names.join(", "))
                }));
            }
            let short = sha.get(..7).unwrap_or(&sha).to_string();
            (
                json!({"status": "resolved", "statusDetails": {"inCommit": {"commit": sha, "repository": repo}}}),
                format!("Resolved in commit {short} (repo '{repo}')"),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes() {
        assert_eq!(
            repo_from_remote("git@github.com:acme/web.git").as_deref(),
            Some("acme/web")
        );
        assert_eq!(
            repo_from_remote("https://github.com/acme/web").as_deref(),
            Some("acme/web")
        );
        assert_eq!(repo_from_remote("nonsense"), None);
    }
}
