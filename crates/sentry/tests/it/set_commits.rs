//! `sentry release set-commits` against the local server, in real git repositories made with
//! the `git` binary (used only to build the fixtures): what is sent, what the server keeps
//! (read back through the API), the JSON and text printed, and every bad input's one line
//! and exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{assert_contains, assert_not_contains, run, TestEnv};
use serde_json::{json, Value};

pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
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

/// A repository under the sandbox with `n` commits (commit i writes `apps/a{i % 2}/f{i}`,
/// tagged `v{i}`) and `origin` pointing at `acme/widgets` on GitHub.
pub(crate) fn repo(env: &TestEnv, n: usize) -> PathBuf {
    let d = env.work().join("repo");
    std::fs::create_dir_all(&d).unwrap();
    git(&d, &["init", "-q", "-b", "main"]);
    git(&d, &["config", "user.name", "Ann Dev"]);
    git(&d, &["config", "user.email", "ann@example.com"]);
    git(
        &d,
        &["remote", "add", "origin", "git@github.com:acme/widgets.git"],
    );
    for i in 0..n {
        let sub = d.join(format!("apps/a{}", i % 2));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("f{i}")), format!("{i}\n")).unwrap();
        git(&d, &["add", "-A"]);
        git(
            &d,
            &["commit", "-q", "-m", &format!("change {i}\n\nbody {i}")],
        );
        git(&d, &["tag", &format!("v{i}")]);
    }
    d
}

/// Runs `sentry <args>` in `dir`; returns (exit code, stdout, stderr).
fn sentry(env: &TestEnv, dir: &Path, args: &[&str]) -> (i32, String, String) {
    run(env.api_cmd().current_dir(dir).args(args))
}

fn create_release(env: &TestEnv, version: &str) {
    let (code, _, err) = sentry(
        env,
        &env.work(),
        &["release", "create", version, "-p", "app"],
    );
    assert_eq!(code, 0, "{err}");
}

fn api_get(env: &TestEnv, path: &str) -> Value {
    let (code, out, err) = sentry(env, &env.work(), &["api", path]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn add_repo(env: &TestEnv, name: &str, url: &str) {
    let (code, _, err) = sentry(
        env,
        &env.work(),
        &[
            "api",
            "organizations/local/repos/",
            "-X",
            "POST",
            "-F",
            &format!("name={name}"),
            "-F",
            &format!("url={url}"),
        ],
    );
    assert_eq!(code, 0, "{err}");
}

fn ids(commits: &Value) -> Vec<String> {
    commits
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn set_commits_local_sends_the_history_with_authors_and_repository() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 3);
    create_release(&env, "1.0");
    let (code, out, err) = sentry(
        &env,
        &dir,
        &["release", "set-commits", "local/1.0", "--local", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "1.0");
    assert_eq!(v["commitCount"], 3);
    assert_eq!(
        v["authors"],
        json!([{"name": "Ann Dev", "email": "ann@example.com"}])
    );
    let last = &v["lastCommit"];
    assert_eq!(last["id"], git(&dir, &["rev-parse", "HEAD"]));
    // The subject line only, like 0.49's `%s`.
    assert_eq!(last["message"], "change 2");
    assert_eq!(last["dateCreated"], "2024-01-02T02:04:05.000000Z");
    assert_eq!(last["repository"]["name"], "acme/widgets");
    assert_eq!(
        last["author"],
        json!({"name": "Ann Dev", "email": "ann@example.com"})
    );
    // Read back: the commits, and the repository created by name.
    let commits = api_get(&env, "organizations/local/releases/1.0/commits/");
    assert_eq!(ids(&commits), ["change 2", "change 1", "change 0"]);
    let repos = api_get(&env, "organizations/local/repos/");
    assert_eq!(repos[0]["name"], "acme/widgets");

    // Human output: the "Commits Set" card.
    let (code, out, _) = sentry(&env, &dir, &["release", "set-commits", "1.0", "--local"]);
    assert_eq!(code, 0);
    assert_contains(&out, "Commits Set: 1.0");
    assert_contains(&out, "Version");
    assert_contains(&out, "Commits");
    assert_contains(&out, "3");
}

#[test]
fn set_commits_local_starts_after_the_previous_release() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 5);
    create_release(&env, "1.0");
    // 1.0 at v1: two commits.
    git(&dir, &["checkout", "-q", "v1"]);
    let (code, _, err) = sentry(&env, &dir, &["release", "set-commits", "1.0", "--local"]);
    assert_eq!(code, 0, "{err}");
    git(&dir, &["checkout", "-q", "main"]);
    create_release(&env, "2.0");
    let (code, out, err) = sentry(
        &env,
        &dir,
        &["release", "set-commits", "2.0", "--local", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout_json_str(&out)["commitCount"], 3);
    let commits = api_get(&env, "organizations/local/releases/2.0/commits/");
    assert_eq!(ids(&commits), ["change 4", "change 3", "change 2"]);
    // Nothing new since 2.0: 3.0 is left alone (not cleared), with one warning.
    create_release(&env, "3.0");
    let (code, out, err) = sentry(
        &env,
        &dir,
        &["release", "set-commits", "3.0", "--local", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout_json_str(&out)["commitCount"], 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_contains(&err, "No commits since the previous release's last commit");
    assert_eq!(
        api_get(&env, "organizations/local/releases/2.0/")["commitCount"],
        3
    );
}

fn stdout_json_str(out: &str) -> Value {
    serde_json::from_str(out).unwrap()
}

#[test]
fn set_commits_path_and_from_filter_local_history() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 6);
    create_release(&env, "1.0");
    let (code, _, err) = sentry(
        &env,
        &dir,
        &["release", "set-commits", "1.0", "--path", "apps/a1"],
    );
    assert_eq!(code, 0, "{err}");
    let commits = api_get(&env, "organizations/local/releases/1.0/commits/");
    assert_eq!(ids(&commits), ["change 5", "change 3", "change 1"]);

    let (code, _, err) = sentry(
        &env,
        &dir,
        &[
            "release",
            "set-commits",
            "1.0",
            "--from",
            "v2",
            "--path",
            "apps/a0",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let commits = api_get(&env, "organizations/local/releases/1.0/commits/");
    assert_eq!(ids(&commits), ["change 4"]);

    // Nothing in range: a warning, and the release is left with no commits.
    let (code, _, err) = sentry(
        &env,
        &dir,
        &["release", "set-commits", "1.0", "--from", "v5"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.trim(),
        "Warning: No commits found in v5..HEAD. Check the ref."
    );
}

#[test]
fn set_commits_shallow_clone_warns_and_uses_what_it_has() {
    let env = TestEnv::with_server();
    let src = repo(&env, 5);
    let clone_parent = env.work().join("clones");
    std::fs::create_dir_all(&clone_parent).unwrap();
    git(
        &clone_parent,
        &[
            "clone",
            "-q",
            "--depth",
            "2",
            &format!("file://{}", src.display()),
            "c",
        ],
    );
    let dir = clone_parent.join("c");
    create_release(&env, "1.0");
    let (code, out, err) = sentry(
        &env,
        &dir,
        &["release", "set-commits", "1.0", "--local", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(stdout_json_str(&out)["commitCount"], 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_contains(&err, "shallow clone");
    assert_contains(&err, "fetch-depth: 0");

    // The previous release's commit is older than the clone: still a warning, not an error.
    create_release(&env, "0.9");
    let old = git(&src, &["rev-parse", "v0"]);
    let mut put = env.api_cmd();
    put.current_dir(env.work())
        .args([
            "api",
            "organizations/local/releases/0.9/",
            "-X",
            "PUT",
            "--input",
            "-",
        ])
        .write_stdin(json!({"commits": [{"id": old, "repository": "acme/widgets"}]}).to_string());
    let (code, _, err) = run(&mut put);
    assert_eq!(code, 0, "{err}");
    create_release(&env, "2.0");
    let (code, _, err) = sentry(&env, &dir, &["release", "set-commits", "2.0", "--local"]);
    assert_eq!(code, 0, "{err}");
    assert_contains(&err, "shallow clone");
    let commits = api_get(&env, "organizations/local/releases/2.0/commits/");
    assert_eq!(ids(&commits), ["change 4", "change 3"]);
}

#[test]
fn set_commits_previous_missing_fails_unless_ignore_missing() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 3);
    create_release(&env, "0.9");
    let mut put = env.api_cmd();
    put.current_dir(env.work())
        .args([
            "api",
            "organizations/local/releases/0.9/",
            "-X",
            "PUT",
            "--input",
            "-",
        ])
        .write_stdin(
            json!({"commits": [{"id": "0123456789abcdef0123456789abcdef01234567"}]}).to_string(),
        );
    assert_eq!(run(&mut put).0, 0);
    create_release(&env, "1.0");
    let (code, _, err) = sentry(&env, &dir, &["release", "set-commits", "1.0", "--local"]);
    assert_eq!(code, 1, "{err}");
    assert_contains(
        &err,
        "Could not find the previous release's commit 0123456789abcdef0123456789abcdef01234567",
    );
    assert_contains(&err, "--ignore-missing");
    let (code, _, err) = sentry(
        &env,
        &dir,
        &[
            "release",
            "set-commits",
            "1.0",
            "--local",
            "--ignore-missing",
            "--initial-depth",
            "2",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_contains(&err, "not in the local history");
    let commits = api_get(&env, "organizations/local/releases/1.0/commits/");
    assert_eq!(ids(&commits), ["change 2", "change 1"]);
}

#[test]
fn set_commits_commit_refs_and_clear() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 1);
    create_release(&env, "1.0");
    // Not connected: the server's 400 explained in one line (plus what to try).
    let (code, out, err) = sentry(
        &env,
        &dir,
        &[
            "release",
            "set-commits",
            "1.0",
            "--commit",
            "unknown@abc123",
        ],
    );
    assert_eq!(code, 21, "{err}");
    assert_eq!(out, "");
    assert_contains(
        &err,
        "Error: Sentry organization 'local' has no repository named 'unknown'. It has no repositories yet, so it cannot associate commits.",
    );
    add_repo(&env, "Acme/Widgets", "https://github.com/acme/widgets");
    add_repo(&env, "acme/gadgets", "https://github.com/acme/gadgets");
    let (code, _, err) = sentry(
        &env,
        &dir,
        &[
            "release",
            "set-commits",
            "1.0",
            "--commit",
            "acme/other@abc123",
        ],
    );
    assert_eq!(code, 21, "{err}");
    assert_contains(
        &err,
        "Error: Sentry organization 'local' has no repository named 'acme/other'.",
    );
    assert_contains(&err, "sentry repo list local/");

    // Other case: 0.49 retries under Sentry's spelling after a warning.
    let sha = "a".repeat(40);
    let (code, out, err) = sentry(
        &env,
        &dir,
        &[
            "release",
            "set-commits",
            "1.0",
            "--commit",
            &format!("acme/widgets@{}..{sha}", "b".repeat(40)),
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.trim(),
        "Warning: Sentry organization 'local' has no repository named 'acme/widgets'. Using 'Acme/Widgets', the same repository in Sentry."
    );
    let v = stdout_json_str(&out);
    assert_eq!(v["commitCount"], 1);
    assert_eq!(v["lastCommit"]["id"], sha);
    assert_eq!(v["lastCommit"]["repository"]["name"], "Acme/Widgets");

    let (code, out, err) = sentry(
        &env,
        &dir,
        &["release", "set-commits", "1.0", "--clear", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    let v = stdout_json_str(&out);
    assert_eq!(v["commitCount"], 0);
    assert_eq!(v["lastCommit"], Value::Null);
    assert_eq!(
        api_get(&env, "organizations/local/releases/1.0/commits/"),
        json!([])
    );
}

#[test]
fn set_commits_auto_matches_the_origin_remote() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 2);
    create_release(&env, "1.0");
    // No repositories at all: --auto fails like 0.49; no flag falls back to local git.
    let (code, _, err) = sentry(&env, &dir, &["release", "set-commits", "1.0", "--auto"]);
    assert_eq!(code, 30, "{err}");
    assert_contains(
        &err,
        "Error: No repository integrations configured for this organization.",
    );
    let (code, out, err) = sentry(&env, &dir, &["release", "set-commits", "1.0", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.trim(),
        "Warning: Could not auto-discover commits (no repository integration). Falling back to local git history."
    );
    assert_eq!(stdout_json_str(&out)["commitCount"], 2);

    // (The fallback created `acme/widgets` by name, as Sentry's get_or_create does.)
    let repos = api_get(&env, "organizations/local/repos/");
    assert_eq!(repos[0]["name"], "acme/widgets");

    // A repository whose URL is the remote's (name differs): refs with HEAD.
    let env = TestEnv::with_server();
    let dir = repo(&env, 2);
    add_repo(&env, "Widgets Repo", "https://github.com/Acme/widgets");
    let head = git(&dir, &["rev-parse", "HEAD"]);
    create_release(&env, "2.0");
    let (code, out, err) = sentry(
        &env,
        &dir,
        &["release", "set-commits", "2.0", "--auto", "--json"],
    );
    // The search by `acme/widgets` and `widgets` finds it by URL.
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    let v = stdout_json_str(&out);
    assert_eq!(v["lastCommit"]["id"], head);
    assert_eq!(v["lastCommit"]["repository"]["name"], "Widgets Repo");

    // Repositories exist but none matches: --auto names the candidates; no flag falls back.
    let env2 = TestEnv::with_server();
    let dir2 = repo(&env2, 1);
    create_release(&env2, "1.0");
    add_repo(
        &env2,
        "acme/widgets-old",
        "https://github.com/acme/widgets-old",
    );
    let (code, _, err) = sentry(&env2, &dir2, &["release", "set-commits", "1.0", "--auto"]);
    assert_eq!(code, 21, "{err}");
    assert_contains(
        &err,
        "No Sentry repository matching 'acme/widgets' (from the 'origin' git remote). Sentry has similarly named repositories: acme/widgets-old.",
    );
    let (code, _, err) = sentry(&env2, &dir2, &["release", "set-commits", "1.0"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_contains(&err, "Falling back to local git history.");
}

#[test]
fn set_commits_bad_input() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 1);
    create_release(&env, "1.0");
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["--auto", "--local"],
            21,
            "Error: Only one of --auto, --local, or --commit can be used at a time.",
        ),
        (
            &["--auto", "--path", "apps"],
            21,
            "Error: --path cannot be combined with --auto or --commit.",
        ),
        (
            &["--commit", "a@b", "--from", "v0"],
            21,
            "Error: --from cannot be combined with --auto or --commit.",
        ),
        (
            &["--path", ","],
            21,
            "Error: --path requires at least one non-empty path.",
        ),
        (
            &["--from", "--format=x"],
            21,
            "Error: --from must be a git ref, not a CLI flag (received '--format=x').",
        ),
        (
            &["--from", "nope"],
            21,
            "Error: Unknown git ref 'nope': not found in this repository.",
        ),
        (
            &["--commit", "bad"],
            21,
            "Error: Invalid commit format 'bad'. Expected REPO@SHA or REPO@PREV..SHA.",
        ),
    ];
    for (extra, want_code, want) in cases {
        let mut args = vec!["release", "set-commits", "1.0"];
        args.extend_from_slice(extra);
        let (code, out, err) = sentry(&env, &dir, &args);
        assert_eq!(code, *want_code, "{extra:?}: {err}");
        assert_eq!(out, "", "{extra:?}");
        assert!(
            err.lines().next().unwrap_or("").starts_with(want),
            "{extra:?}: {err}"
        );
    }
    // Missing release.
    let (code, _, err) = sentry(&env, &dir, &["release", "set-commits", "nope", "--local"]);
    assert_eq!(code, 30, "{err}");
    assert_contains(&err, "Failed to set commits on release 'nope': 404");
    // Not a git checkout.
    let outside = env.work().join("plain");
    std::fs::create_dir_all(&outside).unwrap();
    let (code, _, err) = sentry(
        &env,
        &outside,
        &["release", "set-commits", "1.0", "--local"],
    );
    assert_eq!(code, 21, "{err}");
    assert_contains(
        &err,
        &format!(
            "Error: Cannot read local commits: {} is not a git checkout.",
            outside.display()
        ),
    );
    // Empty version: the shared usage error before any request.
    let (code, _, err) = sentry(&env, &dir, &["release", "set-commits", " ", "--local"]);
    assert_eq!(code, 2, "{err}");
    assert_not_contains(&err, "panicked");
    // Nothing changed by the failures.
    assert_eq!(
        api_get(&env, "organizations/local/releases/1.0/")["commitCount"],
        0
    );
}
