//! Local git, read for release commits: the repository around a directory, its remotes (and
//! the Sentry repository name each one stands for), HEAD, and the commits between HEAD and a
//! boundary with the paths each one changed.
//!
//! Shared by both grammars: `sentry release set-commits` (0.49) and `sentry-cli releases
//! set-commits` (3.x). It returns data and typed errors and prints nothing; each grammar words
//! the outcome its own way (the [`Walk`] says when a shallow clone cut the history short, and
//! the caller warns).
//!
//! Read through libgit2 (no `git` process, no network): a shallow clone's `.git/shallow` cut
//! is respected, so a walk ends at the boundary instead of failing on a missing parent.

mod remote;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, Oid, Repository, Sort};

pub use remote::{matches_repo, parse_remote_url, repo_name_from_url, RemoteUrl};

/// Why git could not be read.
#[derive(Debug)]
pub enum VcsError {
    /// No repository at or above the directory.
    NotARepository {
        path: PathBuf,
    },
    /// The repository has no commit yet (or HEAD is broken).
    NoHead,
    /// A ref given by the user (`--from v1.0`) names nothing here.
    UnknownRef {
        name: String,
    },
    /// The previous release's commit is not in this history (and the clone is not shallow,
    /// where the walk takes what it has instead).
    PreviousNotFound {
        sha: String,
    },
    Git(git2::Error),
}

impl std::fmt::Display for VcsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VcsError::NotARepository { path } => {
                write!(f, "{} is not a git checkout", path.display())
            }
            VcsError::NoHead => write!(f, "the repository has no commits (HEAD does not resolve)"),
            VcsError::UnknownRef { name } => {
                write!(f, "unknown git ref '{name}': not found in this repository")
            }
            VcsError::PreviousNotFound { sha } => write!(
                f,
                "could not find the previous commit {sha} in the local history"
            ),
            VcsError::Git(e) => write!(f, "{}", e.message()),
        }
    }
}

impl std::error::Error for VcsError {}

impl From<git2::Error> for VcsError {
    fn from(e: git2::Error) -> Self {
        VcsError::Git(e)
    }
}

pub type Result<T> = std::result::Result<T, VcsError>;

/// One git remote: its name and fetch URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub name: String,
    pub url: String,
}

/// How a file changed in a commit, as Sentry's `patch_set` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    /// `A`, `M` or `D`.
    pub fn letter(self) -> &'static str {
        match self {
            ChangeKind::Added => "A",
            ChangeKind::Modified => "M",
            ChangeKind::Deleted => "D",
        }
    }
}

/// One changed path of a commit (against its first parent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
}

/// A commit as Sentry takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Full hex SHA.
    pub id: String,
    /// The whole message, trailing newline removed.
    pub message: String,
    /// The first paragraph on one line (what `git log --format=%s` prints).
    pub summary: String,
    /// After `.mailmap`, like `%aN`/`%aE`.
    pub author_name: String,
    pub author_email: String,
    /// Author time, RFC 3339 with the author's UTC offset (like `%aI`).
    pub timestamp: String,
    /// Paths changed against the first parent. Empty for the commit at a shallow boundary
    /// (its parent is not here, so the change cannot be known) and when not asked for.
    pub patch_set: Vec<Change>,
}

/// Where a walk from HEAD stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Until {
    /// At most this many commits (after path filtering); 0 means no limit.
    Depth(usize),
    /// `REF..HEAD`: every commit not reachable from the ref; no depth limit.
    Ref(String),
    /// Up to (not including) the previous release's commit. When it is not in the history:
    /// a shallow clone takes everything it has (and says so in [`Walk::shallow_cut`]);
    /// otherwise `fallback_depth` applies when `Some` (sentry-cli's `--ignore-missing`), and
    /// [`VcsError::PreviousNotFound`] is returned when `None`.
    Previous {
        sha: String,
        fallback_depth: Option<usize>,
    },
}

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkOptions {
    pub until: Until,
    /// Keep only commits that touch one of these paths (a file or a directory, relative to
    /// the repository root, `/`-separated). Empty keeps every commit.
    pub paths: Vec<String>,
    /// Fill [`Commit::patch_set`] (costs a tree diff per commit; needed anyway for `paths`).
    pub patch_set: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            until: Until::Depth(20),
            paths: Vec::new(),
            patch_set: true,
        }
    }
}

/// The result of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    /// Newest first.
    pub commits: Vec<Commit>,
    /// The walk ran into a shallow clone's boundary before reaching its limit (depth, ref or
    /// previous commit): there may be older commits that this clone does not have.
    pub shallow_cut: bool,
    /// [`Until::Previous`] named a commit that is not in this history, so the walk used the
    /// fallback (its depth, or the whole shallow history).
    pub previous_missing: bool,
}

/// A git repository found from a directory.
pub struct Repo {
    repo: Repository,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("path", &self.repo.path())
            .finish()
    }
}

impl Repo {
    /// The repository containing `dir` (searching upwards, like `git` does).
    pub fn discover(dir: &Path) -> Result<Repo> {
        match Repository::discover(dir) {
            Ok(repo) => Ok(Repo { repo }),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Err(VcsError::NotARepository {
                path: dir.to_path_buf(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The working tree's root (`None` for a bare repository).
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The full SHA of HEAD.
    pub fn head_sha(&self) -> Result<String> {
        let head = self.repo.head().map_err(|_| VcsError::NoHead)?;
        let commit = head.peel_to_commit().map_err(|_| VcsError::NoHead)?;
        Ok(commit.id().to_string())
    }

    /// Whether this is a shallow clone (`git clone --depth N`, CI checkouts).
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// Every remote with a URL, `origin` first, then by name.
    pub fn remotes(&self) -> Vec<Remote> {
        let mut out: Vec<Remote> = self
            .repo
            .remotes()
            .map(|names| {
                names
                    .iter()
                    .flatten()
                    .filter_map(|name| self.remote_url(name).map(|url| (name, url)))
                    .map(|(name, url)| Remote {
                        name: name.to_string(),
                        url,
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by(|a, b| (a.name != "origin", &a.name).cmp(&(b.name != "origin", &b.name)));
        out
    }

    /// The URL of one remote.
    pub fn remote_url(&self, name: &str) -> Option<String> {
        let remote = self.repo.find_remote(name).ok()?;
        remote.url().map(str::to_string)
    }

    /// The full SHA a revision (branch, tag, SHA, `HEAD~2`) names.
    pub fn resolve(&self, rev: &str) -> Result<String> {
        let unknown = || VcsError::UnknownRef {
            name: rev.to_string(),
        };
        if rev.starts_with('-') {
            return Err(unknown());
        }
        let obj = self.repo.revparse_single(rev).map_err(|_| unknown())?;
        let commit = obj.peel_to_commit().map_err(|_| unknown())?;
        Ok(commit.id().to_string())
    }

    /// Whether `sha` (full or abbreviated) is a commit in this repository.
    pub fn has_commit(&self, sha: &str) -> bool {
        self.repo
            .revparse_single(sha)
            .and_then(|o| o.peel_to_commit())
            .is_ok()
    }

    /// The commits from HEAD back to the boundary `opts.until` sets, newest first.
    pub fn commits(&self, opts: &WalkOptions) -> Result<Walk> {
        let head = self.head_sha()?;
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
        walk.push(Oid::from_str(&head)?)?;
        let mut limit = 0usize;
        let mut previous_missing = false;
        match &opts.until {
            Until::Depth(n) => limit = *n,
            Until::Ref(name) => {
                let sha = self.resolve(name)?;
                walk.hide(Oid::from_str(&sha)?)?;
            }
            Until::Previous {
                sha,
                fallback_depth,
            } => match self.resolve(sha) {
                Ok(full) => {
                    walk.hide(Oid::from_str(&full)?)?;
                }
                Err(_) if self.is_shallow() => previous_missing = true,
                Err(_) => match fallback_depth {
                    Some(n) => {
                        previous_missing = true;
                        limit = *n;
                    }
                    None => return Err(VcsError::PreviousNotFound { sha: sha.clone() }),
                },
            },
        }
        let shallow: HashSet<Oid> = self.shallow_boundary();
        let mailmap = self.repo.mailmap().ok();
        let mut commits = Vec::new();
        let mut reached_boundary = false;
        let mut stopped_by_limit = false;
        for oid in walk {
            let oid = oid?;
            if limit > 0 && commits.len() >= limit {
                stopped_by_limit = true;
                break;
            }
            if shallow.contains(&oid) {
                reached_boundary = true;
            }
            let commit = self.repo.find_commit(oid)?;
            let changes = if shallow.contains(&oid) {
                None
            } else if opts.patch_set || !opts.paths.is_empty() {
                self.changes(&commit)?
            } else {
                Some(Vec::new())
            };
            if !opts.paths.is_empty() {
                // At a shallow boundary the change is unknown, so the commit is left out.
                let touches = changes
                    .as_deref()
                    .is_some_and(|c| c.iter().any(|ch| touches(&ch.path, &opts.paths)));
                if !touches {
                    continue;
                }
            }
            commits.push(to_commit(
                &commit,
                mailmap.as_ref(),
                if opts.patch_set {
                    changes.unwrap_or_default()
                } else {
                    Vec::new()
                },
            ));
        }
        // The history ran out at the boundary while the walk still wanted older commits.
        let shallow_cut =
            reached_boundary && !stopped_by_limit && (limit == 0 || commits.len() < limit);
        Ok(Walk {
            commits,
            shallow_cut,
            previous_missing,
        })
    }

    /// The commits at a shallow clone's boundary (their parents are not here).
    fn shallow_boundary(&self) -> HashSet<Oid> {
        if !self.repo.is_shallow() {
            return HashSet::new();
        }
        std::fs::read_to_string(self.repo.path().join("shallow"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| Oid::from_str(l.trim()).ok())
            .collect()
    }

    /// Paths changed against the first parent; every path as added for a root commit;
    /// `None` when the parent cannot be read. (libgit2 shows a shallow boundary commit as
    /// parentless, so the caller checks the boundary first.)
    fn changes(&self, commit: &git2::Commit<'_>) -> Result<Option<Vec<Change>>> {
        let parent_tree = if commit.parent_count() == 0 {
            None
        } else {
            match commit.parent(0).and_then(|p| p.tree()) {
                Ok(t) => Some(t),
                Err(_) => return Ok(None),
            }
        };
        let tree = commit.tree()?;
        let mut diff_opts = DiffOptions::new();
        diff_opts.ignore_submodules(true);
        let diff =
            self.repo
                .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut diff_opts))?;
        let mut out = Vec::new();
        for delta in diff.deltas() {
            let (kind, file) = match delta.status() {
                Delta::Added | Delta::Copied | Delta::Untracked => {
                    (ChangeKind::Added, delta.new_file())
                }
                Delta::Deleted => (ChangeKind::Deleted, delta.old_file()),
                _ => (ChangeKind::Modified, delta.new_file()),
            };
            if let Some(path) = file.path() {
                out.push(Change {
                    path: path.to_string_lossy().replace('\\', "/"),
                    kind,
                });
            }
        }
        Ok(Some(out))
    }
}

/// Whether `path` is one of `filters` or lies under one (component-wise: `app` covers
/// `app/x.rs`, not `apple.rs`).
fn touches(path: &str, filters: &[String]) -> bool {
    filters.iter().any(|f| {
        let f = f.trim_matches('/');
        f.is_empty()
            || f == "."
            || path == f
            || (path.len() > f.len() && path.starts_with(f) && path.as_bytes()[f.len()] == b'/')
    })
}

fn to_commit(
    c: &git2::Commit<'_>,
    mailmap: Option<&git2::Mailmap>,
    patch_set: Vec<Change>,
) -> Commit {
    let author = match mailmap {
        Some(m) => c.author_with_mailmap(m).unwrap_or_else(|_| c.author()),
        None => c.author(),
    };
    let time = author.when();
    Commit {
        id: c.id().to_string(),
        message: String::from_utf8_lossy(c.message_bytes())
            .trim_end()
            .to_string(),
        summary: c.summary().unwrap_or("").to_string(),
        author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        timestamp: rfc3339(time.seconds(), time.offset_minutes()),
        patch_set,
    }
}

/// `2024-01-02T03:04:05+01:00` (`Z` is never used: git keeps the author's offset).
fn rfc3339(secs: i64, offset_minutes: i32) -> String {
    let ts = jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let offset =
        jiff::tz::Offset::from_seconds(offset_minutes * 60).unwrap_or(jiff::tz::Offset::UTC);
    let dt = offset.to_datetime(ts);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let m = offset_minutes.unsigned_abs();
    format!(
        "{}{sign}{:02}:{:02}",
        dt.strftime("%Y-%m-%dT%H:%M:%S"),
        m / 60,
        m % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_filter_is_component_wise() {
        let f = vec!["apps/a".to_string()];
        assert!(touches("apps/a/x.rs", &f));
        assert!(touches("apps/a", &f));
        assert!(!touches("apps/ab/x.rs", &f));
        assert!(!touches("apps", &f));
        assert!(touches("apps/a/x", &["apps/a/".to_string()]));
    }

    #[test]
    fn timestamps_keep_the_author_offset() {
        assert_eq!(rfc3339(1_700_000_000, 60), "2023-11-14T23:13:20+01:00");
        assert_eq!(rfc3339(1_700_000_000, -330), "2023-11-14T16:43:20-05:30");
        assert_eq!(rfc3339(1_700_000_000, 0), "2023-11-14T22:13:20+00:00");
    }
}
