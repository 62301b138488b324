//! `sentry release set-commits [<org>/]<version>`: associates commits with a release.
//!
//! Modes, as 0.49 has them:
//! - `--clear`: `PUT …/releases/{v}/ {"refs": []}` (wins over every other flag).
//! - `--commit REPO@SHA | REPO@PREV..SHA[,…]`: `PUT {"refs": [...]}`; Sentry expands the range
//!   through the repository's integration. A 400 `Invalid repository names: X` is explained
//!   (or, when the org has X under another case, retried with its spelling after a warning).
//! - `--auto`: the `origin` remote is matched against `GET /organizations/{org}/repos/?query=…`
//!   (by URL or name, see `sentry_vcs::matches_repo`), the previous release's last commit read
//!   from `previous-with-commits/`, then `PUT {"refs": [{repository, commit: HEAD,
//!   previousCommit?}]}`.
//! - `--local` (implied by `--path`/`--from`): commits read from the local git history and sent
//!   as `PUT {"commits": [{id, repository?, message, author_name, author_email, timestamp,
//!   patch_set}]}`.
//! - no mode flag: `--auto`, falling back to `--local` with one warning line when the org has
//!   no repository integration or none matches the remote.
//!
//! Where we differ from 0.49 (deliberately): `--local` starts at the previous release's last
//! commit when Sentry knows one (sentry-cli's range; 0.49 always reads `--initial-depth`
//! commits and so re-sends the previous release's), `--ignore-missing` (sentry-cli's) turns a
//! previous commit missing from the history into `--initial-depth`, commits carry `patch_set`
//! like sentry-cli's, and a shallow clone warns only when it actually cut the history short.

use std::io;

use clap::Args;
use serde_json::{json, Value};

use sentry_api::OrgApi;
use sentry_vcs::{Repo, Until, VcsError, WalkOptions};

use super::{card, resolve};
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::target::{failed_to, Resolver};

const USAGE: &str = "sentry release set-commits [<org>/]<version>";
/// `?query=` rounds per repository search (0.49 also stops after a few pages).
const MAX_REPO_PAGES: usize = 5;
/// Similarly named repositories named in an error.
const MAX_CANDIDATES: usize = 3;
const RANGE_NOTE: &str =
    "Range is always <ref>..HEAD — checkout the current release before running.";

#[derive(Debug, Args)]
pub struct SetCommitsArgs {
    /// [<org>/]<version> - Release version
    #[arg(value_name = "org/version")]
    pub release: String,
    /// Auto-discover commits via repository integration (needs a git checkout or CI repository variables)
    #[arg(long)]
    pub auto: bool,
    /// Read commits from local git history
    #[arg(long)]
    pub local: bool,
    /// Clear all commits from the release
    #[arg(long)]
    pub clear: bool,
    /// Explicit commit as REPO@SHA or REPO@PREV..SHA (comma-separated)
    #[arg(long)]
    pub commit: Option<String>,
    /// Filter commits to these paths (comma-separated). Implies --local.
    #[arg(long)]
    pub path: Option<String>,
    /// Read the local range <ref>..HEAD (e.g. previous release tag). Implies --local.
    #[arg(long, allow_hyphen_values = true)]
    pub from: Option<String>,
    /// Number of commits to read with --local
    #[arg(long = "initial-depth", default_value_t = 20, value_name = "N")]
    pub initial_depth: usize,
    /// With --local: when the previous release's commit is not in the history, read
    /// --initial-depth commits instead of failing
    #[arg(long = "ignore-missing")]
    pub ignore_missing: bool,
}

struct CommitsSet {
    release: Value,
}

impl Report for CommitsSet {
    fn json(&self) -> Value {
        self.release.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let v = &self.release;
        let version = text(v, "version");
        let count = v.get("commitCount").and_then(Value::as_u64).unwrap_or(0);
        card(
            out,
            &format!("Commits Set: {version}"),
            vec![("Version", version.clone()), ("Commits", count.to_string())],
        )
    }
}

/// One `refs` entry (both grammars): a repository's head and, for a range, the commit
/// before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ref {
    pub(crate) repository: String,
    pub(crate) commit: String,
    pub(crate) previous: Option<String>,
}

impl Ref {
    pub(crate) fn json(&self) -> Value {
        let mut v = json!({"repository": self.repository, "commit": self.commit});
        if let Some(p) = &self.previous {
            v["previousCommit"] = json!(p);
        }
        v
    }
    fn spec(&self) -> String {
        match &self.previous {
            Some(p) => format!("{p}..{}", self.commit),
            None => self.commit.clone(),
        }
    }
}

fn try_lines(lines: &[String]) -> String {
    let mut s = String::from("\n\nTry:");
    for l in lines {
        s.push_str("\n  ");
        s.push_str(l);
    }
    s
}

/// A 0.49 validation error (exit 21): message, `Try:` lines, optional note.
fn invalid(message: &str, tries: &[String], note: Option<&str>) -> CliError {
    let mut m = format!("{message}{}", try_lines(tries));
    if let Some(n) = note {
        m.push_str("\n\nNote: ");
        m.push_str(n);
    }
    CliError::new(exit::VALIDATION, m)
}

/// `REPO@SHA` or `REPO@PREV..SHA`, comma-separated; the last `@` splits (repository names
/// may contain `@`).
fn parse_commits(spec: &str) -> CliResult<Vec<Ref>> {
    spec.split(',')
        .map(|item| {
            let item = item.trim();
            let at = item.rfind('@').filter(|&i| i > 0).ok_or_else(|| {
                invalid(
                    &format!(
                        "Invalid commit format '{item}'. Expected REPO@SHA or REPO@PREV..SHA."
                    ),
                    &[
                        "sentry release set-commits 1.0.0 --commit owner/repo@abc123".into(),
                        "sentry release set-commits 1.0.0 --commit owner/repo@prev..abc123".into(),
                    ],
                    None,
                )
            })?;
            let (repo, rest) = (&item[..at], &item[at + 1..]);
            let parts: Vec<&str> = rest.split("..").collect();
            Ok(match parts.as_slice() {
                [prev, sha] if !prev.is_empty() && !sha.is_empty() => Ref {
                    repository: repo.to_string(),
                    commit: sha.to_string(),
                    previous: Some(prev.to_string()),
                },
                _ => Ref {
                    repository: repo.to_string(),
                    commit: rest.to_string(),
                    previous: None,
                },
            })
        })
        .collect()
}

/// `--path` and `--from`, checked like 0.49 before any request.
fn local_filters(args: &SetCommitsArgs) -> CliResult<(Vec<String>, Option<String>)> {
    let server_side = args.auto || args.commit.is_some();
    let paths: Vec<String> = args
        .path
        .as_deref()
        .map(|p| {
            p.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if args.path.is_some() && paths.is_empty() {
        return Err(invalid(
            "--path requires at least one non-empty path.",
            &["sentry release set-commits 1.0.0 --path apps/mobile,packages/shared".into()],
            None,
        ));
    }
    if !paths.is_empty() && server_side {
        return Err(invalid(
            "--path cannot be combined with --auto or --commit. Those modes expand commit ranges on the server; --path filters local git history only.",
            &[
                "sentry release set-commits 1.0.0 --local --path apps/mobile".into(),
                "sentry release set-commits 1.0.0 --from v0.9.0 --path apps/mobile".into(),
            ],
            None,
        ));
    }
    let from = args.from.as_deref().map(str::trim);
    if args.from.is_some() && from == Some("") {
        return Err(invalid(
            "--from requires a non-empty git ref (tag, branch, or commit).",
            &["sentry release set-commits 1.0.0 --from v0.9.0".into()],
            Some(RANGE_NOTE),
        ));
    }
    if let Some(f) = from.filter(|f| f.starts_with('-')) {
        return Err(invalid(
            &format!("--from must be a git ref, not a CLI flag (received '{f}')."),
            &["sentry release set-commits 1.0.0 --from v0.9.0".into()],
            Some("Git refs cannot start with '-'. Tokens like '--format=x' are CLI flags, not refs — use a tag or commit (e.g. v0.9.0)."),
        ));
    }
    if from.is_some() && server_side {
        return Err(invalid(
            "--from cannot be combined with --auto or --commit. Those modes expand commit ranges on the server; --from reads local git history.",
            &[
                "sentry release set-commits 1.0.0 --from v0.9.0 --path apps/mobile".into(),
                "sentry release set-commits 1.0.0 --local --initial-depth 50".into(),
            ],
            Some(RANGE_NOTE),
        ));
    }
    Ok((paths, from.map(str::to_string)))
}

/// The org's API plus what every mode needs.
struct Run<'a> {
    ctx: &'a Context,
    api: OrgApi<'a>,
    org: String,
    version: String,
    /// The server's base URL (for the web pages named in hints).
    base: String,
}

impl Run<'_> {
    fn put(&self, body: &Value) -> Result<Value, sentry_api::ApiError> {
        self.api
            .update_release(&self.version)
            .json(body)?
            .send_json::<Value>()
    }

    fn put_or_fail(&self, body: &Value) -> CliResult<Value> {
        self.put(body)
            .map_err(|e| failed_to(&format!("set commits on release '{}'", self.version), e))
    }

    /// Repositories whose name contains `query` (one search, a few pages).
    fn search_repos(&self, query: Option<&str>, per_page: usize) -> CliResult<Vec<Value>> {
        let mut req = self.api.repos();
        if let Some(q) = query {
            req = req.query("query", q);
        }
        let paging =
            sentry_api::Paging::per_page(per_page, if per_page == 1 { 1 } else { MAX_REPO_PAGES });
        let page: sentry_api::Page<Value> = req
            .pages(paging)
            .collect()
            .map_err(|e| failed_to("list repositories", e))?;
        Ok(page.items)
    }

    /// 0.49's search for the Sentry repository of `wanted` (a remote's `owner/repo`):
    /// by the full name, the last segment, and the last segment with `-_.` as spaces.
    /// Returns the match, and the candidates seen.
    fn find_repo(
        &self,
        wanted: &str,
        remote_url: Option<&str>,
    ) -> CliResult<(Option<Value>, Vec<Value>)> {
        let last = wanted.rsplit('/').next().unwrap_or(wanted);
        let spaced: String = last
            .chars()
            .map(|c| if matches!(c, '-' | '_' | '.') { ' ' } else { c })
            .collect();
        let mut queries: Vec<String> = Vec::new();
        for q in [wanted.to_string(), last.to_string(), spaced] {
            if !queries.contains(&q) {
                queries.push(q);
            }
        }
        let mut candidates: Vec<Value> = Vec::new();
        for q in queries {
            let repos = self.search_repos(Some(&q), 100)?;
            let hit = repos.iter().find(|r| {
                let name = text(r, "name");
                let url = r.get("url").and_then(Value::as_str);
                match remote_url {
                    Some(remote) => sentry_vcs::matches_repo(&name, url, remote),
                    None => name.eq_ignore_ascii_case(wanted),
                }
            });
            if let Some(h) = hit {
                return Ok((Some(h.clone()), candidates));
            }
            candidates.extend(repos);
        }
        Ok((None, candidates))
    }

    fn org_has_repos(&self) -> CliResult<bool> {
        Ok(!self.search_repos(None, 1)?.is_empty())
    }

    /// The previous release's last commit, when Sentry knows one (errors count as none).
    fn previous_commit(&self) -> Option<String> {
        let v: Value = self
            .api
            .previous_release_with_commits(&self.version)
            .send_json()
            .ok()?;
        v.get("lastCommit")?.get("id")?.as_str().map(str::to_string)
    }

    /// The org's source-code integrations page (SaaS: the org's subdomain).
    fn integrations_url(&self) -> String {
        let base = self.base.trim_end_matches('/');
        let page = "integrations/?category=source%20code%20management";
        if sentry_api::Origin::parse(base).is_some_and(|o| o.is_saas()) {
            format!("https://{}.sentry.io/settings/{page}", self.org)
        } else {
            format!("{base}/settings/{}/{page}", self.org)
        }
    }

    fn target(&self) -> String {
        format!("{}/{}", self.org, self.version)
    }
}

pub fn run(ctx: &Context, args: &SetCommitsArgs) -> CliResult<i32> {
    // Flags are checked before anything is resolved or sent.
    let plan = plan(args)?;
    let (client, t) = resolve(ctx, &args.release, USAGE)?;
    let api = Resolver::new(ctx, &client).org(&t.org)?;
    let run = Run {
        ctx,
        api,
        org: t.org.clone(),
        version: t.version.clone(),
        base: client.base_url().to_string(),
    };
    let release = set_commits(&run, args, plan)?;
    emit(&CommitsSet { release }, &ctx.output)?;
    Ok(0)
}

/// What the flags ask for.
enum Plan {
    Clear,
    Commits(Vec<Ref>),
    Local {
        paths: Vec<String>,
        from: Option<String>,
    },
    Auto,
    AutoThenLocal,
}

fn plan(args: &SetCommitsArgs) -> CliResult<Plan> {
    if args.clear {
        return Ok(Plan::Clear);
    }
    let modes = [args.auto, args.local, args.commit.is_some()];
    if modes.iter().filter(|m| **m).count() > 1 {
        return Err(invalid(
            "Only one of --auto, --local, or --commit can be used at a time.",
            &[
                "sentry release set-commits 1.0.0 --auto".into(),
                "sentry release set-commits 1.0.0 --from v0.9.0 --path apps/mobile".into(),
                "sentry release set-commits 1.0.0 --commit owner/repo@abc123..def456".into(),
            ],
            None,
        ));
    }
    let (paths, from) = local_filters(args)?;
    Ok(if let Some(spec) = &args.commit {
        Plan::Commits(parse_commits(spec)?)
    } else if args.local || !paths.is_empty() || from.is_some() {
        Plan::Local { paths, from }
    } else if args.auto {
        Plan::Auto
    } else {
        Plan::AutoThenLocal
    })
}

fn set_commits(run: &Run<'_>, args: &SetCommitsArgs, plan: Plan) -> CliResult<Value> {
    match plan {
        Plan::Clear => run.put_or_fail(&json!({"refs": []})),
        Plan::Commits(refs) => explicit_commits(run, refs),
        Plan::Local { paths, from } => local(run, args, &paths, from.as_deref()),
        Plan::Auto => auto(run).map_err(AutoError::into_cli),
        Plan::AutoThenLocal => match auto(run) {
            Ok(v) => Ok(v),
            Err(AutoError::NoIntegrations(_)) => {
                crate::diag!("Warning: Could not auto-discover commits (no repository integration). Falling back to local git history.");
                local(run, args, &[], None)
            }
            Err(AutoError::NoMatch(e)) if Repo::discover(&run.ctx.cwd).is_ok() => {
                let first = e.message.lines().next().unwrap_or_default().to_string();
                crate::diag!(
                    "Warning: Auto-discovery failed: {first} Falling back to local git history."
                );
                local(run, args, &[], None)
            }
            Err(e) => Err(e.into_cli()),
        },
    }
}

/// `--commit`: PUT the refs; a 400 naming unknown repositories is explained in one line, or
/// retried once when the org has the same repository under another case.
fn explicit_commits(run: &Run<'_>, refs: Vec<Ref>) -> CliResult<Value> {
    let body = |refs: &[Ref]| json!({"refs": refs.iter().map(Ref::json).collect::<Vec<_>>()});
    let err = match run.put(&body(&refs)) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let Some(bad) = invalid_repository_names(&err) else {
        return Err(failed_to(
            &format!("set commits on release '{}'", run.version),
            err,
        ));
    };
    // Same repository, other spelling: 0.49 uses Sentry's name after a warning.
    let mut fixed = refs.clone();
    let mut renamed = Vec::new();
    for r in fixed.iter_mut().filter(|r| bad.contains(&r.repository)) {
        let (hit, _) = run.find_repo(&r.repository, None)?;
        match hit.map(|h| text(&h, "name")) {
            Some(name) if name != r.repository => {
                renamed.push((r.repository.clone(), name.clone()));
                r.repository = name;
            }
            _ => {
                renamed.clear();
                break;
            }
        }
    }
    if !renamed.is_empty() {
        for (from, to) in &renamed {
            crate::diag!(
                "Warning: Sentry organization '{}' has no repository named '{from}'. Using '{to}', the same repository in Sentry.",
                run.org
            );
        }
        return run.put_or_fail(&body(&fixed));
    }
    let first = refs
        .iter()
        .find(|r| bad.contains(&r.repository))
        .cloned()
        .unwrap_or_else(|| Ref {
            repository: bad[0].clone(),
            commit: "<commit-sha>".into(),
            previous: None,
        });
    let head = format!(
        "Sentry organization '{}' has no repository named '{}'.",
        run.org, first.repository
    );
    let try_with = |name: &str| {
        format!(
            "sentry release set-commits {} --commit '{name}@{}'",
            run.target(),
            first.spec()
        )
    };
    let (_, candidates) = run.find_repo(&first.repository, None)?;
    if candidates.is_empty() && !run.org_has_repos()? {
        return Err(invalid(
            &format!("{head} It has no repositories yet, so it cannot associate commits."),
            &[format!("sentry integration list {}/", run.org)],
            Some(&connect_hint(run)),
        ));
    }
    let names = candidate_names(&candidates);
    let similar = if names.is_empty() {
        String::new()
    } else {
        format!(
            " It has similarly named repositories: {}.",
            names.join(", ")
        )
    };
    let mut tries: Vec<String> = names.iter().map(|n| try_with(n)).collect();
    tries.push(format!("sentry repo list {}/", run.org));
    Err(invalid(
        &format!("{head}{similar}"),
        &tries,
        Some(&add_repo_hint(run)),
    ))
}

/// The names in Sentry's `{"refs": ["Invalid repository names: a,b"]}` (or a `detail`).
fn invalid_repository_names(e: &sentry_api::ApiError) -> Option<Vec<String>> {
    if e.status() != Some(400) {
        return None;
    }
    let body = String::from_utf8_lossy(e.body()?).into_owned();
    let start = body.find("Invalid repository names: ")? + "Invalid repository names: ".len();
    let rest = &body[start..];
    let end = rest.find(['"', ']']).unwrap_or(rest.len());
    Some(
        rest[..end]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

fn candidate_names(candidates: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for c in candidates {
        let n = text(c, "name");
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
        if names.len() == MAX_CANDIDATES {
            break;
        }
    }
    names
}

fn connect_hint(run: &Run<'_>) -> String {
    format!(
        "Connect GitHub, GitLab, Bitbucket, or Azure DevOps to Sentry and add the repository: {}",
        run.integrations_url()
    )
}

fn add_repo_hint(run: &Run<'_>) -> String {
    format!(
        "Add the repository to Sentry through your source code integration: {}",
        run.integrations_url()
    )
}

/// Why `--auto` could not set commits; the no-flag mode falls back to local git on the first
/// two.
enum AutoError {
    NoIntegrations(CliError),
    NoMatch(CliError),
    Other(CliError),
}

impl AutoError {
    fn into_cli(self) -> CliError {
        match self {
            AutoError::NoIntegrations(e) | AutoError::NoMatch(e) | AutoError::Other(e) => e,
        }
    }
}

impl From<CliError> for AutoError {
    fn from(e: CliError) -> Self {
        AutoError::Other(e)
    }
}

fn auto(run: &Run<'_>) -> Result<Value, AutoError> {
    let cwd = &run.ctx.cwd;
    let repo = Repo::discover(cwd).ok();
    let origin = repo.as_ref().and_then(|r| r.remote_url("origin"));
    let Some((name, url)) = origin
        .as_deref()
        .and_then(|u| sentry_vcs::repo_name_from_url(u).map(|n| (n, u.to_string())))
    else {
        let mut tries = vec![format!(
            "sentry release set-commits {} --commit owner/repo@<commit-sha>",
            run.target()
        )];
        if repo.is_some() {
            tries.push("git remote add origin <url>".into());
            tries.push(format!(
                "sentry release set-commits {} --local",
                run.target()
            ));
        }
        let note = if repo.is_some() {
            None
        } else {
            Some("Docker builds often exclude .git (.dockerignore). Pass the commit in, for example with --commit owner/repo@$GIT_SHA.")
        };
        return Err(AutoError::NoMatch(invalid(
            "Could not determine the repository: there is no 'origin' git remote. --auto needs one to match a Sentry repository.",
            &tries,
            note,
        )));
    };
    let (hit, candidates) = run.find_repo(&name, Some(&url))?;
    let Some(hit) = hit else {
        if candidates.is_empty() && !run.org_has_repos()? {
            let mut tries = vec![format!("sentry integration list {}/", run.org)];
            tries.push(format!(
                "sentry release set-commits {} --local",
                run.target()
            ));
            let e = CliError::new(
                exit::API,
                format!(
                    "No repository integrations configured for this organization.\n  Endpoint: organizations/{}/repos/\n  {}{}",
                    run.org,
                    connect_hint(run),
                    try_lines(&tries)
                ),
            );
            return Err(AutoError::NoIntegrations(e));
        }
        let names = candidate_names(&candidates);
        let similar = if names.is_empty() {
            String::new()
        } else {
            format!(
                " Sentry has similarly named repositories: {}.",
                names.join(", ")
            )
        };
        let head = repo.as_ref().and_then(|r| r.head_sha().ok());
        let sha = head.unwrap_or_else(|| "<commit-sha>".into());
        let mut tries: Vec<String> = names
            .iter()
            .map(|n| {
                format!(
                    "sentry release set-commits {} --commit '{n}@{sha}'",
                    run.target()
                )
            })
            .collect();
        tries.push(format!(
            "sentry release set-commits {} --local",
            run.target()
        ));
        return Err(AutoError::NoMatch(invalid(
            &format!(
                "No Sentry repository matching '{name}' (from the 'origin' git remote).{similar}"
            ),
            &tries,
            Some(&add_repo_hint(run)),
        )));
    };
    let head = repo
        .as_ref()
        .ok_or_else(|| not_a_checkout(run))?
        .head_sha()
        .map_err(|e| vcs_error(run, e))?;
    let r = Ref {
        repository: text(&hit, "name"),
        commit: head,
        previous: run.previous_commit(),
    };
    Ok(run.put_or_fail(&json!({"refs": [r.json()]}))?)
}

fn not_a_checkout(run: &Run<'_>) -> CliError {
    invalid(
        &format!(
            "Cannot read local commits: {} is not a git checkout.",
            run.ctx.cwd.display()
        ),
        &[
            format!(
                "sentry release set-commits {} --commit owner/repo@<commit-sha>",
                run.target()
            ),
            format!("sentry release set-commits {} --auto", run.target()),
        ],
        Some("--local reads git history, so it needs the .git directory. Builds that exclude it (Docker, Vercel) can pass the commit with --commit."),
    )
}

fn vcs_error(run: &Run<'_>, e: VcsError) -> CliError {
    match e {
        VcsError::NotARepository { .. } => not_a_checkout(run),
        VcsError::UnknownRef { name } => invalid(
            &format!("Unknown git ref '{name}': not found in this repository."),
            &[
                format!("git rev-parse {name}"),
                "sentry release set-commits <org>/<version> --from v0.9.0".into(),
            ],
            Some("Range is always <ref>..HEAD — checkout the current release tag first."),
        ),
        VcsError::PreviousNotFound { sha } => CliError::new(
            exit::GENERAL,
            format!(
                "Could not find the previous release's commit {sha} in the local git history (amended, squashed or on another branch).\n\nTry:\n  sentry release set-commits {} --local --ignore-missing",
                run.target()
            ),
        ),
        other => CliError::general(format!("Cannot read local commits: {other}")),
    }
}

/// `--local`: commits from local git, sent with the `origin` remote's repository name.
fn local(
    run: &Run<'_>,
    args: &SetCommitsArgs,
    paths: &[String],
    from: Option<&str>,
) -> CliResult<Value> {
    let repo = Repo::discover(&run.ctx.cwd).map_err(|e| vcs_error(run, e))?;
    let previous = if from.is_none() {
        run.previous_commit()
    } else {
        None
    };
    let until = match from {
        Some(r) => Until::Ref(r.to_string()),
        None => match previous.clone() {
            Some(sha) => Until::Previous {
                sha,
                fallback_depth: args.ignore_missing.then_some(args.initial_depth),
            },
            None => Until::Depth(args.initial_depth),
        },
    };
    let walk = repo
        .commits(&WalkOptions {
            until,
            paths: paths.to_vec(),
            patch_set: true,
        })
        .map_err(|e| vcs_error(run, e))?;
    if walk.shallow_cut {
        warn_shallow_cut(walk.commits.len());
    } else if walk.previous_missing {
        crate::diag!(
            "Warning: The previous release's commit is not in the local history; using the last {} commit(s).",
            args.initial_depth
        );
    }
    if let (true, Some(prev), false) = (walk.commits.is_empty(), &previous, walk.previous_missing) {
        // Nothing since the previous release: sentry-cli leaves the release alone rather
        // than clearing its commits.
        crate::diag!(
            "Warning: No commits since the previous release's last commit ({}); the release is left unchanged.",
            &prev[..prev.len().min(12)]
        );
        return run
            .api
            .release(&run.version)
            .send_json::<Value>()
            .map_err(|e| failed_to(&format!("get release '{}'", run.version), e));
    }
    if walk.commits.is_empty() && (from.is_some() || !paths.is_empty()) {
        let touching = if paths.is_empty() {
            String::new()
        } else {
            format!(" touching {}", paths.join(", "))
        };
        let range = match from {
            Some(f) => format!("in {f}..HEAD"),
            None => format!("within the last {} commits", args.initial_depth),
        };
        let check = match (from.is_some(), paths.is_empty()) {
            (true, false) => "Check the ref and path(s).",
            (true, true) => "Check the ref.",
            (false, _) => "Check the path(s) or increase --initial-depth.",
        };
        crate::diag!("Warning: No commits found{touching} {range}. {check}");
    }
    run.put_or_fail(&commits_body(&repo, &walk.commits, false))
}

/// The one line both grammars print when a shallow clone ended the walk early.
pub(crate) fn warn_shallow_cut(count: usize) {
    crate::diag!(
        "Warning: This is a shallow clone: its history ends after {count} commit(s), so older commits are not included. Fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout) to include them."
    );
}

/// `{"commits": […]}` for `PUT …/releases/{v}/` from local commits, named after the
/// `origin` remote's repository (`owner/repo`) so they attach to the org's repository.
/// `whole_message`: 3.x sends the full message, 0.49 the subject line.
pub(crate) fn commits_body(
    repo: &Repo,
    commits: &[sentry_vcs::Commit],
    whole_message: bool,
) -> Value {
    let repository = repo
        .remote_url("origin")
        .and_then(|u| sentry_vcs::repo_name_from_url(&u));
    let commits: Vec<Value> = commits
        .iter()
        .map(|c| {
            let message = if whole_message {
                &c.message
            } else {
                &c.summary
            };
            commit_json(c, repository.as_deref(), message)
        })
        .collect();
    json!({ "commits": commits })
}

/// One local commit as `PUT …/releases/{v}/ {"commits": […]}` carries it.
fn commit_json(c: &sentry_vcs::Commit, repository: Option<&str>, message: &str) -> Value {
    let mut v = json!({"id": c.id});
    if let Some(r) = repository {
        v["repository"] = json!(r);
    }
    v["message"] = json!(message);
    v["author_name"] = json!(c.author_name);
    v["author_email"] = json!(c.author_email);
    v["timestamp"] = json!(c.timestamp);
    v["patch_set"] = c
        .patch_set
        .iter()
        .map(|p| json!({"path": p.path, "type": p.kind.letter()}))
        .collect();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commit_specs() {
        assert_eq!(
            parse_commits("owner/repo@abc, a@b@prev..head").unwrap(),
            [
                Ref {
                    repository: "owner/repo".into(),
                    commit: "abc".into(),
                    previous: None
                },
                Ref {
                    repository: "a@b".into(),
                    commit: "head".into(),
                    previous: Some("prev".into())
                }
            ]
        );
        assert_eq!(parse_commits("x@..b").unwrap()[0].commit, "..b");
        assert_eq!(
            parse_commits("bad").unwrap_err().exit_code,
            exit::VALIDATION
        );
        assert_eq!(
            parse_commits("@abc").unwrap_err().exit_code,
            exit::VALIDATION
        );
    }
}
