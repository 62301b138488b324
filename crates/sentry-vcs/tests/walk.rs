//! Walks over real repositories made with the `git` binary (used here only to build fixtures).

use std::path::Path;
use std::process::Command;

use sentry_vcs::{ChangeKind, Repo, Until, VcsError, WalkOptions};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_DATE", "2024-01-02T03:04:05+01:00")
        .env("GIT_COMMITTER_DATE", "2024-01-02T03:04:05+01:00")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `n` commits; commit i writes `dir{i % 2}/f{i}.txt`, the third deletes `dir0/f0.txt`.
fn fixture(n: usize) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["config", "user.name", "Ann Dev"]);
    git(d, &["config", "user.email", "ann@example.com"]);
    for i in 0..n {
        let sub = d.join(format!("dir{}", i % 2));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("f{i}.txt")), format!("{i}\n")).unwrap();
        if i == 2 {
            std::fs::remove_file(d.join("dir0/f0.txt")).unwrap();
        }
        git(d, &["add", "-A"]);
        git(
            d,
            &["commit", "-q", "-m", &format!("change {i}\n\nbody {i}")],
        );
        git(d, &["tag", &format!("v{i}")]);
    }
    t
}

fn ids(w: &sentry_vcs::Walk) -> Vec<String> {
    w.commits.iter().map(|c| c.summary.clone()).collect()
}

#[test]
fn walks_head_back_to_depth_with_patch_sets() {
    let t = fixture(4);
    let repo = Repo::discover(&t.path().join("dir1")).unwrap();
    assert_eq!(
        repo.head_sha().unwrap(),
        git(t.path(), &["rev-parse", "HEAD"])
    );
    let w = repo
        .commits(&WalkOptions {
            until: Until::Depth(3),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&w), ["change 3", "change 2", "change 1"]);
    let c = &w.commits[1];
    assert_eq!(c.message, "change 2\n\nbody 2");
    assert_eq!(c.author_name, "Ann Dev");
    assert_eq!(c.author_email, "ann@example.com");
    assert_eq!(c.timestamp, "2024-01-02T03:04:05+01:00");
    let mut ps: Vec<(String, ChangeKind)> = c
        .patch_set
        .iter()
        .map(|p| (p.path.clone(), p.kind))
        .collect();
    ps.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        ps,
        [
            ("dir0/f0.txt".to_string(), ChangeKind::Deleted),
            ("dir0/f2.txt".to_string(), ChangeKind::Added)
        ]
    );
    assert!(!w.shallow_cut);
}

#[test]
fn path_filter_ref_range_and_previous() {
    let t = fixture(5);
    let repo = Repo::discover(t.path()).unwrap();
    let only_dir1 = repo
        .commits(&WalkOptions {
            paths: vec!["dir1".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&only_dir1), ["change 3", "change 1"]);
    let range = repo
        .commits(&WalkOptions {
            until: Until::Ref("v2".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&range), ["change 4", "change 3"]);
    let v1 = git(t.path(), &["rev-parse", "v1"]);
    let prev = repo
        .commits(&WalkOptions {
            until: Until::Previous {
                sha: v1,
                fallback_depth: None,
            },
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&prev), ["change 4", "change 3", "change 2"]);
    assert!(matches!(
        repo.commits(&WalkOptions {
            until: Until::Ref("nope".into()),
            ..Default::default()
        }),
        Err(VcsError::UnknownRef { .. })
    ));
    let missing = "0123456789abcdef0123456789abcdef01234567".to_string();
    assert!(matches!(
        repo.commits(&WalkOptions {
            until: Until::Previous {
                sha: missing.clone(),
                fallback_depth: None
            },
            ..Default::default()
        }),
        Err(VcsError::PreviousNotFound { .. })
    ));
    let ignored = repo
        .commits(&WalkOptions {
            until: Until::Previous {
                sha: missing,
                fallback_depth: Some(2),
            },
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&ignored), ["change 4", "change 3"]);
    assert!(ignored.previous_missing);
}

#[test]
fn shallow_clone_walk_stops_at_the_boundary_and_says_so() {
    let t = fixture(5);
    let clone = tempfile::tempdir().unwrap();
    let src = format!("file://{}", t.path().display());
    git(clone.path(), &["clone", "-q", "--depth", "2", &src, "c"]);
    let repo = Repo::discover(&clone.path().join("c")).unwrap();
    assert!(repo.is_shallow());
    let w = repo.commits(&WalkOptions::default()).unwrap();
    assert_eq!(ids(&w), ["change 4", "change 3"]);
    assert!(w.shallow_cut);
    // The boundary commit's parent is missing: its change is unknown, not "everything added".
    assert!(w.commits[1].patch_set.is_empty());
    assert_eq!(w.commits[0].patch_set.len(), 1);
    // A previous release commit older than the clone: what is there, not an error.
    let old = git(t.path(), &["rev-parse", "v0"]);
    let w = repo
        .commits(&WalkOptions {
            until: Until::Previous {
                sha: old,
                fallback_depth: None,
            },
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&w), ["change 4", "change 3"]);
    assert!(w.previous_missing && w.shallow_cut);
    // Exactly as deep as asked: nothing was cut.
    let w = repo
        .commits(&WalkOptions {
            until: Until::Depth(2),
            ..Default::default()
        })
        .unwrap();
    assert!(!w.shallow_cut);
    let remotes = repo.remotes();
    assert_eq!(remotes[0].name, "origin");
}

#[test]
fn outside_a_repository() {
    let t = tempfile::tempdir().unwrap();
    assert!(matches!(
        Repo::discover(t.path()),
        Err(VcsError::NotARepository { .. })
    ));
}
