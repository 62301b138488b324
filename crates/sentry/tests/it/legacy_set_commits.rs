//! `sentry-cli releases set-commits` (3.x's grammar) in real git repositories against the
//! local server: 3.x's lines on stdout (checked side by side with the 3.8 binary), its error
//! block and exit codes, and the commits, refs and repositories the server keeps, read back
//! through the API.

use std::path::Path;

use crate::common::{http, run, TestEnv};
use crate::set_commits::{git, repo};
use serde_json::{json, Value};

/// `sentry-cli <args>` in `dir` with the server's URL and admin token, org `local` and
/// project `app` from the environment, as a CI job sets them.
fn cli(env: &TestEnv, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = env.command(assert_cmd::cargo::cargo_bin("sentry-cli"));
    cmd.current_dir(dir)
        .env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", env.token())
        .env("SENTRY_ORG", "local")
        .env("SENTRY_PROJECT", "app")
        .args(args);
    run(&mut assert_cmd::Command::from_std(cmd))
}

fn get(env: &TestEnv, path: &str) -> (u16, Value) {
    let auth = format!("Bearer {}", env.token());
    http(
        env,
        "GET",
        &format!("/api/0/organizations/local/{path}"),
        None,
        &[("Authorization", &auth)],
    )
}

/// (message, repository, author email) of a release's commits, newest first.
fn commits(env: &TestEnv, version: &str) -> Vec<(String, String, String)> {
    let (status, v) = get(env, &format!("releases/{version}/commits/"));
    assert_eq!(status, 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |p: &str| {
                c.pointer(p)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            (s("/message"), s("/repository/name"), s("/author/email"))
        })
        .collect()
}

fn error_block(message: &str) -> String {
    format!(
        "error: {message}\n\nAdd --log-level=[info|debug] or export SENTRY_LOG_LEVEL=[info|debug] to see more output.\nPlease attach the full debug log to all bug reports.\n"
    )
}

fn commit(dir: &Path, file: &str, message: &str) {
    std::fs::write(dir.join(file), message).unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

const NO_PREVIOUS: &str =
    "Could not find the previous commit. Creating a release with 20 commits.\n";

#[test]
fn legacy_set_commits_local_walks_to_the_previous_release() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 3);
    // No flag is local git; the release is created in the known project first.
    let out = cli(&env, &dir, &["releases", "set-commits", "1.0"]);
    assert_eq!(
        out,
        (
            0,
            format!("{NO_PREVIOUS}Success! Set commits for release 1.0\n"),
            String::new()
        )
    );
    let msg = |i: usize| format!("change {i}\n\nbody {i}");
    let row = |i: usize| {
        (
            msg(i),
            "acme/widgets".to_string(),
            "ann@example.com".to_string(),
        )
    };
    assert_eq!(commits(&env, "1.0"), [row(2), row(1), row(0)]);
    let (_, release) = get(&env, "releases/1.0/");
    assert_eq!(release["projects"][0]["slug"], "app");

    // The next release gets what came after 1.0's last commit.
    commit(&dir, "later", "later");
    let out = cli(&env, &dir, &["releases", "set-commits", "2.0", "--local"]);
    assert_eq!(
        out,
        (
            0,
            "Success! Set commits for release 2.0\n".into(),
            String::new()
        )
    );
    assert_eq!(
        commits(&env, "2.0"),
        [(
            "later".into(),
            "acme/widgets".into(),
            "ann@example.com".into()
        )]
    );

    // Nothing new: the release is left alone.
    let out = cli(&env, &dir, &["releases", "set-commits", "3.0", "--local"]);
    assert_eq!(
        out,
        (0, "No commits found. Leaving release alone. If you believe there should be some, change commits range or initial depth and try again.\n".into(), String::new())
    );
    assert!(commits(&env, "3.0").is_empty());
}

#[test]
fn legacy_set_commits_previous_commit_missing() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 3);
    // The previous release's last commit is not in this checkout (rewritten history, or
    // another branch).
    let mut put = env.api_cmd();
    put.current_dir(env.work())
        .args([
            "api",
            "organizations/local/releases/1.0/",
            "-X",
            "PUT",
            "--input",
            "-",
        ])
        .write_stdin(
            json!({"commits": [{"id": "0123456789abcdef0123456789abcdef01234567"}]}).to_string(),
        );
    let mut create = env.api_cmd();
    create.args(["release", "create", "local/1.0", "-p", "app"]);
    assert_eq!(run(&mut create).0, 0);
    assert_eq!(run(&mut put).0, 0);
    let out = cli(&env, &dir, &["releases", "set-commits", "2.0"]);
    assert_eq!(
        out,
        (1, String::new(), error_block("Could not find the SHA of the previous release in the git history. If you limit the clone depth, try to increase it. Otherwise, it means that the commit we are looking for was amended or squashed and cannot be retrieved. Use --ignore-missing flag to skip it and create a new release with the default commits count."))
    );
    assert!(commits(&env, "2.0").is_empty());
    let out = cli(
        &env,
        &dir,
        &[
            "releases",
            "set-commits",
            "2.0",
            "--ignore-missing",
            "--initial-depth",
            "2",
        ],
    );
    assert_eq!(
        out,
        (0, "Could not find the SHA of the previous release in the git history. Skipping previous release and creating a new one with 2 commits.\nSuccess! Set commits for release 2.0\n".into(), String::new())
    );
    let messages: Vec<String> = commits(&env, "2.0").into_iter().map(|c| c.0).collect();
    assert_eq!(messages, ["change 2\n\nbody 2", "change 1\n\nbody 1"]);
}

#[test]
fn legacy_set_commits_explicit_refs_clear_and_auto() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 2);
    let head = git(&dir, &["rev-parse", "HEAD"]);
    // No repositories yet: a named one is unknown, --auto reads local git instead.
    let out = cli(
        &env,
        &dir,
        &["releases", "set-commits", "1.0", "-c", "acme/widgets@abc"],
    );
    assert_eq!(
        out,
        (1, String::new(), error_block("Unknown repo 'acme/widgets'"))
    );
    let out = cli(&env, &dir, &["releases", "set-commits", "1.0", "--auto"]);
    assert_eq!(
        out,
        (0, format!("Could not determine any commits to be associated with a repo-based integration. Proceeding to find commits from local git tree.\n{NO_PREVIOUS}Success! Set commits for release 1.0\n"), String::new())
    );
    assert_eq!(commits(&env, "1.0").len(), 2);

    // The local commits created the repository by name (Sentry's get_or_create), so --auto
    // now finds it for the origin remote and sends the HEAD as a ref.
    let table = |rev: &str| {
        format!(
            "+--------------+--------------+\n| Repository   | Revision     |\n+--------------+--------------+\n| acme/widgets | {rev:<12} |\n+--------------+--------------+\n"
        )
    };
    let out = cli(&env, &dir, &["releases", "set-commits", "2.0", "--auto"]);
    assert_eq!(out, (0, table(&head[..12]), String::new()));
    let (_, v) = get(&env, "releases/2.0/commits/");
    assert_eq!(v[0]["id"], json!(head));
    assert_eq!(v[0]["repository"]["name"], "acme/widgets");

    let out = cli(
        &env,
        &dir,
        &[
            "releases",
            "set-commits",
            "3.0",
            "--commit",
            "acme/widgets@prev..abc",
        ],
    );
    assert_eq!(
        out,
        (0, "+--------------+----------+\n| Repository   | Revision |\n+--------------+----------+\n| acme/widgets | abc      |\n+--------------+----------+\n".into(), String::new())
    );
    let (_, v) = get(&env, "releases/3.0/commits/");
    assert_eq!(v[0]["id"], "abc");

    let out = cli(&env, &dir, &["releases", "set-commits", "3.0", "--clear"]);
    assert_eq!(
        out,
        (0, "Clearing commits for release.\n".into(), String::new())
    );
    assert!(commits(&env, "3.0").is_empty());
}

#[test]
fn legacy_set_commits_bad_input() {
    let env = TestEnv::with_server();
    let dir = repo(&env, 1);
    let out = cli(&env, &dir, &["releases", "set-commits", "1.0", "-c", "x@"]);
    assert_eq!(
        out,
        (
            1,
            String::new(),
            error_block("Could not parse commit spec 'x@'")
        )
    );
    let (code, out, err) = cli(
        &env,
        &dir,
        &["releases", "set-commits", "1.0", "--auto", "--local"],
    );
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.starts_with("error: the argument '--auto' cannot be used with '--local'"),
        "{err}"
    );
    // Not a checkout: the one line names the fix.
    let (code, out, err) = cli(
        &env,
        &env.work(),
        &["releases", "set-commits", "1.0", "--local"],
    );
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.starts_with("error: could not find repository at '.'\nset-commits reads local git history: run it inside the checkout, or name the commit with --commit REPO@SHA.\n"),
        "{err}"
    );
    // Without a project the release must exist: 3.x's not-found line.
    let mut cmd = env.command(assert_cmd::cargo::cargo_bin("sentry-cli"));
    cmd.current_dir(&dir)
        .env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", env.token())
        .env("SENTRY_ORG", "local")
        .args(["releases", "set-commits", "9.9", "--local"]);
    let out = run(&mut assert_cmd::Command::from_std(cmd));
    assert_eq!(
        out,
        (1, NO_PREVIOUS.to_string(), error_block("Release not found. Ensure that you configured the correct release, project, and organization."))
    );
    assert_eq!(get(&env, "releases/9.9/").0, 404);
}
