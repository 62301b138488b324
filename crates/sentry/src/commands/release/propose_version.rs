//! `sentry release propose-version`: the version CI would name the release, from the
//! first set variable of 0.49's list, else the git HEAD commit (read from `.git`, no `git`
//! process).

use std::io;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value};

use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct ProposeArgs {}

/// `(variable, how it is named as the source)`, in 0.49's order.
const SOURCES: &[(&str, &str)] = &[
    ("SENTRY_RELEASE", "SENTRY_RELEASE"),
    ("SOURCE_VERSION", "SOURCE_VERSION (Heroku)"),
    ("HEROKU_BUILD_COMMIT", "HEROKU_BUILD_COMMIT"),
    ("HEROKU_SLUG_COMMIT", "HEROKU_SLUG_COMMIT"),
    (
        "CODEBUILD_RESOLVED_SOURCE_VERSION",
        "CODEBUILD_RESOLVED_SOURCE_VERSION (AWS)",
    ),
    ("CIRCLE_SHA1", "CIRCLE_SHA1 (CircleCI)"),
    ("CF_PAGES_COMMIT_SHA", "CF_PAGES_COMMIT_SHA (Cloudflare)"),
    ("GAE_DEPLOYMENT_ID", "GAE_DEPLOYMENT_ID (Google App Engine)"),
    ("GITHUB_SHA", "GITHUB_SHA (GitHub Actions)"),
    ("VERCEL_GIT_COMMIT_SHA", "VERCEL_GIT_COMMIT_SHA (Vercel)"),
    ("RENDER_GIT_COMMIT", "RENDER_GIT_COMMIT (Render)"),
    ("NETLIFY_COMMIT_SHA", "NETLIFY_COMMIT_SHA (Netlify)"),
    ("CI_COMMIT_SHA", "CI_COMMIT_SHA (GitLab CI)"),
    ("BITBUCKET_COMMIT", "BITBUCKET_COMMIT (Bitbucket Pipelines)"),
    ("TRAVIS_COMMIT", "TRAVIS_COMMIT (Travis CI)"),
];

struct Proposed {
    version: String,
    source: String,
}

impl Report for Proposed {
    fn json(&self) -> Value {
        json!({"version": self.version, "source": self.source})
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(&self.version)?;
        let from = match self.source.as_str() {
            "git" => "git HEAD",
            s => s,
        };
        out.blank()?;
        out.line(format!("Detected from {from}"))
    }
}

/// The git directory of the checkout containing `start` and its common directory (where
/// refs live; differs for linked worktrees).
fn git_dirs(start: &Path) -> Option<(PathBuf, PathBuf)> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let dot = d.join(".git");
        let git_dir = if dot.is_dir() {
            Some(dot)
        } else if dot.is_file() {
            let text = std::fs::read_to_string(&dot).ok()?;
            let target = text.trim().strip_prefix("gitdir:")?.trim().to_string();
            Some(d.join(target))
        } else {
            None
        };
        if let Some(g) = git_dir {
            let common = match std::fs::read_to_string(g.join("commondir")) {
                Ok(c) => g.join(c.trim()),
                Err(_) => g.clone(),
            };
            return Some((g, common));
        }
        dir = d.parent();
    }
    None
}

fn is_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A ref's commit: loose file (worktree dir, then common dir), else `packed-refs`.
fn read_ref(git: &Path, common: &Path, name: &str, depth: u8) -> Option<String> {
    if depth > 5 {
        return None;
    }
    for base in [git, common] {
        if let Ok(v) = std::fs::read_to_string(base.join(name)) {
            let v = v.trim();
            if let Some(next) = v.strip_prefix("ref:") {
                return read_ref(git, common, next.trim(), depth + 1);
            }
            if is_sha(v) {
                return Some(v.to_ascii_lowercase());
            }
        }
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
    packed.lines().find_map(|l| {
        let (sha, r) = l.split_once(' ')?;
        (r.trim() == name && is_sha(sha)).then(|| sha.to_ascii_lowercase())
    })
}

/// The commit `HEAD` points at in the checkout containing `cwd`.
pub fn head_sha(cwd: &Path) -> Option<String> {
    let (git, common) = git_dirs(cwd)?;
    read_ref(&git, &common, "HEAD", 0)
}

/// sentry-cli 3.x reads only the first eight of these (through `GAE_DEPLOYMENT_ID`), then git.
pub const LEGACY_SOURCES: &[(&str, &str)] = SOURCES.split_at(8).0;

/// The proposed version and where it came from (the source's label, or `git`): the first
/// non-empty variable of `sources` (looked up through `var`, so each grammar picks its
/// environment), else the commit `HEAD` of the checkout containing `cwd`. Values are
/// returned as set; each grammar decides about whitespace.
pub fn detect(
    var: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    sources: &[(&str, &str)],
) -> Option<(String, String)> {
    for (name, source) in sources {
        if let Some(v) = var(name).filter(|v| !v.trim().is_empty()) {
            return Some((v, source.to_string()));
        }
    }
    head_sha(cwd).map(|sha| (sha, "git".to_string()))
}

pub fn run(ctx: &Context, _args: &ProposeArgs) -> CliResult<i32> {
    // 0.49 asks for authentication before any command that is not `auth`.
    ctx.authed_client()?;
    let (version, source) =
        detect(&|k| ctx.env.get(k).cloned(), &ctx.cwd, SOURCES).ok_or_else(|| {
            CliError::validation(
                "Not a git repository. Run this command from within a git working tree.",
            )
        })?;
    let version = match source.as_str() {
        "git" => version,
        _ => version.trim().to_string(),
    };
    emit(&Proposed { version, source }, &ctx.output)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_loose_packed_and_detached_heads() {
        let tmp = std::env::temp_dir().join(format!("propose-{}", std::process::id()));
        let git = tmp.join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        let sub = tmp.join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(
            git.join("packed-refs"),
            format!("# pack\n{b} refs/heads/main\n"),
        )
        .unwrap();
        assert_eq!(head_sha(&sub), Some(b.clone()));
        std::fs::write(git.join("refs/heads/main"), format!("{a}\n")).unwrap();
        assert_eq!(head_sha(&sub), Some(a.clone()));
        std::fs::write(git.join("HEAD"), format!("{b}\n")).unwrap();
        assert_eq!(head_sha(&tmp), Some(b));
        std::fs::write(git.join("HEAD"), "ref: refs/heads/unborn\n").unwrap();
        assert_eq!(head_sha(&tmp), None);
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
