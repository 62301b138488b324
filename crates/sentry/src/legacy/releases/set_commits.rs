//! `sentry-cli releases set-commits VERSION [--auto | --local | -c REPO@[PREV..]SHA… | --clear]
//! [--initial-depth N] [--ignore-missing]`, in 3.x's grammar, order of requests and words.
//!
//! 3.x's sequence, kept because scripts depend on its effects: the org's repositories are
//! read first (every mode), the release is created in the known projects (so `set-commits`
//! works before `new`), then:
//! - `--clear`: `refs: []`;
//! - `-c`: `refs` for repositories the org has ("Unknown repo 'X'" otherwise), echoed as a
//!   Repository/Revision table;
//! - `--auto`: `refs` with the HEAD of each org repository a local remote points at; with no
//!   repositories at all it says so and reads local git instead;
//! - `--local` and no flag: local git from HEAD back to the previous release's last commit
//!   (`previous-with-commits`), or `--initial-depth` commits when there is none.
//!
//! Git is read with `sentry-vcs` (libgit2), never by running `git`. A shallow clone that
//! ends the walk early warns and sends what it has (sentry-cli#2157, #987). Local commits
//! carry the repository name of the `origin` remote's URL (`owner/repo`), so they attach to
//! the org's repository; 3.x sent the remote's name (`origin`).

use clap::Args;
use sentry_vcs::{Repo, Until, VcsError, WalkOptions};
use serde_json::{json, Value};

use super::{parse_version, print_always, OrgProjectArgs};
use crate::commands::release::ops::{self, NewRelease};
use crate::commands::release::set_commits::{commits_body, warn_shallow_cut, Ref};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::remote::{self, NotFound};
use crate::legacy::table::Table;
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
pub struct SetCommitsArgs {
    /// The version of the release
    #[arg(verbatim_doc_comment, value_name = "VERSION", value_parser = parse_version)]
    pub version: String,
    /// Clear all current commits from the release.
    #[arg(verbatim_doc_comment, long)]
    pub clear: bool,
    /// Enable completely automated commit management.
    /// This requires that the command is run from within a git repository.  sentry-cli will
    /// then automatically find remotely configured repositories and discover commits.
    #[arg(verbatim_doc_comment, long, conflicts_with_all = ["local", "commits"])]
    pub auto: bool,
    /// When the flag is set and the previous release commit was not found in the repository,
    /// will create a release with the default commits count (or the one specified with
    /// `--initial-depth`) instead of failing the command.
    #[arg(verbatim_doc_comment, long = "ignore-missing")]
    pub ignore_missing: bool,
    /// Set commits of a release from local git.
    /// This requires that the command is run from within a git repository.  sentry-cli will
    /// then automatically find remotely configured repositories and discover commits.
    #[arg(verbatim_doc_comment, long, conflicts_with = "commits")]
    pub local: bool,
    /// Set the number of commits of the initial release. The default is 20.
    #[arg(
        verbatim_doc_comment,
        long = "initial-depth",
        value_name = "INITIAL DEPTH",
        default_value_t = 20
    )]
    pub initial_depth: usize,
    /// Defines a single commit for a repo as identified by the repo name in the remote Sentry
    /// config. The value must be provided as `REPO@SHA` where SHA is at most 64 characters.
    /// To specify a range, use `REPO@PREV_SHA..SHA` format.
    ///
    /// Note: You must specify a previous commit when setting commits for the first release.
    #[arg(
        verbatim_doc_comment,
        short = 'c',
        long = "commit",
        value_name = "SPEC"
    )]
    pub commits: Vec<String>,
}

/// A spec's head commit and, for a range, the commit before it.
type Head = (String, Option<String>);

/// `REPO@SHA` or `REPO@PREV..SHA` (the last `@` splits; names may contain `@`). A spec with
/// no `@` is a repository name alone, which 3.x reports as an unknown repository.
fn parse_spec(spec: &str) -> CliResult<(String, Option<Head>)> {
    let Some(at) = spec.rfind('@') else {
        return Ok((spec.to_string(), None));
    };
    let (repo, rest) = (&spec[..at], &spec[at + 1..]);
    let bad = || CliError::general(format!("Could not parse commit spec '{spec}'"));
    if repo.is_empty() || rest.is_empty() {
        return Err(bad());
    }
    match rest.split_once("..") {
        Some((prev, sha)) if !prev.is_empty() && !sha.is_empty() => Ok((
            repo.to_string(),
            Some((sha.to_string(), Some(prev.to_string()))),
        )),
        Some(_) => Err(bad()),
        None => Ok((repo.to_string(), Some((rest.to_string(), None)))),
    }
}

pub fn run(
    ctx: &Context,
    global: &LegacyGlobal,
    scope: &OrgProjectArgs,
    args: &SetCommitsArgs,
) -> CliResult<i32> {
    let client = remote::client(ctx)?;
    let org_slug = remote::org(ctx)?;
    let org = remote::org_api(&client, &org_slug);
    let projects = remote::projects(ctx, &scope.projects)?;
    let repos: Vec<Value> = org
        .repos()
        .pages(crate::legacy::remote::paging(usize::MAX))
        .collect()
        .map_err(|e| remote::api_failure(e, NotFound::Org))?
        .items;
    if !projects.is_empty() {
        let release = NewRelease {
            version: args.version.clone(),
            projects: Some(remote::project_values(&projects)),
            ..NewRelease::default()
        };
        ops::create(&org, &release).map_err(|e| remote::api_failure(e, NotFound::Org))?;
    }
    let put = |body: Value| -> CliResult<Value> {
        org.update_release(&args.version)
            .json(&body)
            .and_then(|r| r.send_json::<Value>())
            .map_err(|e| remote::api_failure(e, NotFound::Release))
    };
    let repo_name = |r: &Value| r.get("name").and_then(Value::as_str).map(str::to_string);

    if args.clear {
        print_always(global, "Clearing commits for release.")?;
        put(json!({"refs": []}))?;
        return Ok(0);
    }
    if !args.commits.is_empty() {
        let mut refs = Vec::new();
        for spec in &args.commits {
            let (name, head) = parse_spec(spec)?;
            let known = repos.iter().filter_map(repo_name).find(|n| *n == name);
            let (Some(repository), Some((commit, previous))) = (known, head) else {
                return Err(CliError::general(format!("Unknown repo '{name}'")));
            };
            refs.push(Ref {
                repository,
                commit,
                previous,
            });
        }
        return send_refs(global, &put, &refs);
    }
    if args.auto && !repos.is_empty() {
        let repo = Repo::discover(&ctx.cwd).map_err(git_error)?;
        let head = repo.head_sha().map_err(git_error)?;
        let remotes = repo.remotes();
        let refs: Vec<Ref> = repos
            .iter()
            .filter(|r| {
                let (Some(name), url) = (repo_name(r), r.get("url").and_then(Value::as_str)) else {
                    return false;
                };
                remotes
                    .iter()
                    .any(|rem| sentry_vcs::matches_repo(&name, url, &rem.url))
            })
            .filter_map(|r| {
                Some(Ref {
                    repository: repo_name(r)?,
                    commit: head.clone(),
                    previous: None,
                })
            })
            .collect();
        if !refs.is_empty() {
            return send_refs(global, &put, &refs);
        }
    }
    if args.auto {
        print_always(global, "Could not determine any commits to be associated with a repo-based integration. Proceeding to find commits from local git tree.")?;
    }
    local(ctx, global, &org, args, &put)
}

/// PUTs `refs` and echoes them as 3.x's Repository/Revision table (12-character SHAs).
fn send_refs(
    global: &LegacyGlobal,
    put: &dyn Fn(Value) -> CliResult<Value>,
    refs: &[Ref],
) -> CliResult<i32> {
    put(json!({"refs": refs.iter().map(Ref::json).collect::<Vec<_>>()}))?;
    let mut table = Table::new(&["Repository", "Revision"]);
    for r in refs {
        table.row(vec![
            r.repository.clone(),
            r.commit.chars().take(12).collect(),
        ]);
    }
    print_always(global, &table.render())?;
    Ok(0)
}

/// Local git, from HEAD back to the previous release's last commit (or `--initial-depth`).
fn local(
    ctx: &Context,
    global: &LegacyGlobal,
    org: &sentry_api::OrgApi<'_>,
    args: &SetCommitsArgs,
    put: &dyn Fn(Value) -> CliResult<Value>,
) -> CliResult<i32> {
    let repo = Repo::discover(&ctx.cwd).map_err(git_error)?;
    // 3.x reads the previous release's commit leniently: a failure means "none".
    let previous = org
        .previous_release_with_commits(&args.version)
        .send_json::<Value>()
        .ok()
        .and_then(|v| v.pointer("/lastCommit/id")?.as_str().map(str::to_string));
    let depth = args.initial_depth;
    let until = match &previous {
        Some(sha) => Until::Previous {
            sha: sha.clone(),
            fallback_depth: args.ignore_missing.then_some(depth),
        },
        None => {
            print_always(
                global,
                &format!(
                    "Could not find the previous commit. Creating a release with {depth} commits."
                ),
            )?;
            Until::Depth(depth)
        }
    };
    let walk = repo
        .commits(&WalkOptions {
            until,
            paths: Vec::new(),
            patch_set: true,
        })
        .map_err(git_error)?;
    if walk.previous_missing {
        print_always(
            global,
            &format!("Could not find the SHA of the previous release in the git history. Skipping previous release and creating a new one with {depth} commits."),
        )?;
    }
    if walk.shallow_cut {
        warn_shallow_cut(walk.commits.len());
    }
    if walk.commits.is_empty() {
        print_always(global, "No commits found. Leaving release alone. If you believe there should be some, change commits range or initial depth and try again.")?;
        return Ok(0);
    }
    put(commits_body(&repo, &walk.commits, true))?;
    print_always(
        global,
        &format!("Success! Set commits for release {}", args.version),
    )?;
    Ok(0)
}

/// Git failures in 3.x's words where scripts may match them.
fn git_error(e: VcsError) -> CliError {
    match e {
        VcsError::PreviousNotFound { .. } => CliError::general(
            "Could not find the SHA of the previous release in the git history. If you limit the clone depth, try to increase it. Otherwise, it means that the commit we are looking for was amended or squashed and cannot be retrieved. Use --ignore-missing flag to skip it and create a new release with the default commits count.",
        ),
        VcsError::NotARepository { .. } => {
            CliError::general("could not find repository at '.'").with_hint(
                "set-commits reads local git history: run it inside the checkout, or name the commit with --commit REPO@SHA.",
            )
        }
        other => CliError::general(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_spec;

    #[test]
    fn specs_parse_like_3x() {
        assert_eq!(
            parse_spec("acme/app@abc").unwrap(),
            ("acme/app".into(), Some(("abc".into(), None)))
        );
        assert_eq!(
            parse_spec("a@b@p..h").unwrap(),
            ("a@b".into(), Some(("h".into(), Some("p".into()))))
        );
        assert_eq!(parse_spec("bad").unwrap(), ("bad".into(), None));
        for bad in ["x@", "@abc", "x@..h", "x@p.."] {
            assert_eq!(
                parse_spec(bad).unwrap_err().message,
                format!("Could not parse commit spec '{bad}'")
            );
        }
    }
}
