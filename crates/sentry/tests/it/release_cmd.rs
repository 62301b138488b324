//! `sentry release …` (0.49's grammar) against the local server: the JSON each command
//! prints, the state it leaves, dry runs that send nothing, and bad input with 0.49's
//! messages and exit codes.

use crate::common::{assert_success, run, stdout_json, TestEnv};
use serde_json::{json, Value};

fn release_json(env: &TestEnv, args: &[&str]) -> Value {
    let out = env.api_cmd().args(args).arg("--json").output().unwrap();
    assert_success(&out);
    stdout_json(&out)
}

#[test]
fn create_finalize_archive_restore_deploy_and_delete() {
    let env = TestEnv::with_server();
    let v = release_json(
        &env,
        &[
            "release",
            "create",
            "local/1.0",
            "-p",
            "app",
            "--ref",
            "main",
            "--url",
            "https://example.com/1.0",
        ],
    );
    assert_eq!(v["version"], "1.0");
    assert_eq!(v["ref"], "main");
    // `--url` is the release's URL, not the server's.
    assert_eq!(v["url"], "https://example.com/1.0");
    assert_eq!(v["projects"][0]["slug"], "app");
    assert_eq!(v["dateReleased"], Value::Null);

    let v = release_json(&env, &["release", "view", "local/1.0"]);
    assert_eq!(v["version"], "1.0");
    assert!(v["projects"][0]["healthData"].is_object(), "{v}");

    let v = release_json(
        &env,
        &[
            "release",
            "finalize",
            "local/1.0",
            "--released",
            "2025-01-01T00:00:00Z",
        ],
    );
    assert_eq!(v["dateReleased"], "2025-01-01T00:00:00.000000Z");

    let v = release_json(&env, &["release", "archive", "local/1.0"]);
    assert_eq!(v["status"], "archived");
    let list = release_json(&env, &["release", "list", "local/"]);
    assert_eq!(list["data"], json!([]));
    let (code, out, _) = run(env.api_cmd().args(["release", "list", "local/"]));
    assert_eq!(
        (code, out.as_str()),
        (0, "No releases found in organization 'local'.\n")
    );
    let list = release_json(&env, &["release", "list", "local/", "--status", "archived"]);
    assert_eq!(list["data"][0]["version"], "1.0");
    let v = release_json(&env, &["release", "restore", "local/1.0"]);
    assert_eq!(v["status"], "open");

    let d = release_json(
        &env,
        &[
            "release",
            "deploy",
            "local/1.0",
            "production",
            "Deploy #1",
            "--url",
            "https://d.example",
        ],
    );
    assert_eq!(
        (&d["environment"], &d["name"], &d["url"], &d["dateStarted"]),
        (
            &json!("production"),
            &json!("Deploy #1"),
            &json!("https://d.example"),
            &Value::Null
        )
    );
    assert!(d["id"].is_string() && d["dateFinished"].is_string(), "{d}");
    let d2 = release_json(
        &env,
        &["release", "deploy", "local/1.0", "staging", "-t", "60"],
    );
    assert!(d2["dateStarted"].is_string(), "{d2}");
    let deploys = release_json(&env, &["release", "deploys", "local/1.0"]);
    let envs: Vec<&Value> = deploys
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["environment"])
        .collect();
    assert_eq!(envs, [&json!("staging"), &json!("production")]);

    let (code, out, err) = run(env.api_cmd().args(["release", "deploys", "local/1.0"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.contains("ENVIRONMENT") && out.contains("Deploy #1"),
        "{out}"
    );

    let v = release_json(&env, &["release", "delete", "local/1.0", "--yes"]);
    assert_eq!(
        v,
        json!({"deleted": true, "org": "local", "version": "1.0"})
    );
    let (code, out, err) = run(env.api_cmd().args(["release", "view", "local/1.0"]));
    assert_eq!((code, out.as_str()), (30, ""));
    assert_eq!(
        err,
        "Error: Failed to get release '1.0': 404 Not Found\n  The requested resource does not exist\n"
    );
}

#[test]
fn human_output_of_create_and_finalize() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(env
        .api_cmd()
        .args(["release", "create", "local/2.0", "-p", "app"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.contains("Release Created: 2.0"), "{out}");
    assert!(
        out.contains("Unreleased") && out.contains("│ Projects │ app"),
        "{out}"
    );
    assert!(
        out.ends_with("Release created. Finalize with: sentry release finalize 2.0\n"),
        "{out}"
    );
    let (code, out, _) = run(env.api_cmd().args([
        "release",
        "finalize",
        "local/2.0",
        "--released",
        "2025-01-01T00:00:00Z",
    ]));
    assert_eq!(code, 0);
    assert!(
        out.contains("Release Finalized: 2.0") && out.contains("2025-01-01T00:00:00.000000Z"),
        "{out}"
    );
    let (code, out, _) = run(env.api_cmd().args(["release", "archive", "local/2.0"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("Release Archived: 2.0") && out.contains("Archived"),
        "{out}"
    );
    let (code, out, _) = run(env.api_cmd().args(["release", "restore", "local/2.0"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("Release Restored: 2.0") && out.contains("Open"),
        "{out}"
    );
}

#[test]
fn dry_runs_print_what_would_be_sent_and_change_nothing() {
    let env = TestEnv::with_server();
    let v = release_json(
        &env,
        &[
            "release",
            "create",
            "local/3.0",
            "-p",
            "app,web",
            "--ref",
            "main",
            "--dry-run",
        ],
    );
    assert_eq!(
        v,
        json!({"dryRun": true, "version": "3.0", "projects": [{"slug": "app"}, {"slug": "web"}], "ref": "main"})
    );
    let (code, out, _) =
        run(env
            .api_cmd()
            .args(["release", "create", "local/3.0", "-p", "app", "-n"]));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "Would create release 3.0 in projects: app (dry run)\n\nDry run — no release was created.\n"
    );
    let (code, _, _) = run(env.api_cmd().args(["release", "view", "local/3.0"]));
    assert_eq!(code, 30, "the dry run created the release");

    release_json(&env, &["release", "create", "local/3.0", "-p", "app"]);
    let v = release_json(
        &env,
        &[
            "release",
            "finalize",
            "local/3.0",
            "--released",
            "2025-02-02T00:00:00Z",
            "--dry-run",
        ],
    );
    assert_eq!(
        v,
        json!({"dryRun": true, "version": "3.0", "org": "local", "released": "2025-02-02T00:00:00Z"})
    );
    for verb in ["archive", "restore"] {
        let v = release_json(&env, &["release", verb, "local/3.0", "--dry-run"]);
        assert_eq!(v, json!({"dryRun": true, "version": "3.0", "org": "local"}));
    }
    let v = release_json(&env, &["release", "delete", "local/3.0", "--dry-run"]);
    assert_eq!(
        v,
        json!({"deleted": false, "org": "local", "version": "3.0", "dryRun": true})
    );
    let v = release_json(
        &env,
        &[
            "release",
            "deploy",
            "local/3.0",
            "production",
            "--started",
            "2025-01-01T00:00:00Z",
            "--dry-run",
        ],
    );
    assert_eq!(
        v,
        json!({"dryRun": true, "version": "3.0", "environment": "production", "dateStarted": "2025-01-01T00:00:00Z"})
    );
    let v = release_json(&env, &["release", "view", "local/3.0"]);
    assert_eq!(
        (&v["dateReleased"], &v["status"], &v["deployCount"]),
        (&Value::Null, &json!("open"), &json!(0))
    );
}

#[test]
fn list_pages_org_wide_and_lists_a_project_flat() {
    let env = TestEnv::with_server();
    for v in ["a1", "a2", "a3"] {
        release_json(
            &env,
            &["release", "create", &format!("local/{v}"), "-p", "app"],
        );
    }
    let page = release_json(&env, &["release", "list", "local/", "-n", "2"]);
    let versions = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["version"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(versions(&page["data"]), ["a3", "a2"]);
    assert_eq!(
        (&page["hasMore"], &page["hasPrev"]),
        (&json!(true), &json!(false))
    );
    assert!(page["nextCursor"].is_string(), "{page}");
    assert_eq!(page["data"][0]["orgSlug"], "local");
    let next = release_json(
        &env,
        &["release", "list", "local/", "-n", "2", "-c", "next"],
    );
    assert_eq!(versions(&next["data"]), ["a1"]);
    assert_eq!(
        (&next["hasMore"], &next["hasPrev"]),
        (&json!(false), &json!(true))
    );

    let flat = release_json(&env, &["release", "list", "local/app"]);
    assert_eq!(versions(&flat), ["a3", "a2", "a1"]);
    assert_eq!(flat[0]["orgSlug"], "local");
    assert!(flat[0].get("targetProject").is_none(), "{flat}");

    let (code, out, _) = run(env
        .api_cmd()
        .args(["release", "list", "local/app", "-n", "2"]));
    assert_eq!(code, 0);
    assert!(
        out.ends_with("\n\nShowing 2 of 3 releases.\nTip: Use 'sentry release list local/' to see all releases in the org\n"),
        "{out}"
    );
    let (code, out, err) = run(env.api_cmd().args(["release", "list", "local/nope"]));
    assert_eq!((code, out.as_str()), (30, ""));
    assert_eq!(
        err,
        "Error: Failed to get project: 404 Not Found\n  The requested resource does not exist\n"
    );

    // `sentry releases` is `release list`; nothing detected here → an empty list.
    assert_eq!(release_json(&env, &["releases"]), json!([]));
    let (code, out, _) = run(env.api_cmd().args(["releases"]));
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "No project detected. Specify a target: sentry release list <org>/<project>\n"
        )
    );
    let (code, out, _) = run(env.api_cmd().args(["release", "ls", "local/", "-n", "1"]));
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "Showing 1 releases (more available)\nNext: sentry release list local/ -c next"
        ),
        "{out}"
    );
}

#[test]
fn bad_input_fails_before_any_request() {
    // No server: anything that reached the network would fail differently.
    let env = TestEnv::new();
    let cmd = || {
        let mut c = env.cmd();
        c.env("SENTRY_URL", "http://127.0.0.1:9")
            .env("SENTRY_AUTH_TOKEN", "sntrys_unused");
        c
    };
    let (code, out, err) = run(cmd().args(["release", "view"]));
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("<org/version>"), "{err}");
    let (code, _, err) = run(cmd().args(["release", "view", " "]));
    assert_eq!(code, 2);
    assert!(err.contains("Release version is required."), "{err}");
    let (code, _, err) = run(cmd().args(["release", "deploy", "local/1.0"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(cmd().args(["release", "deploy", "local/1.0", ""]));
    assert_eq!(
        (code, err.as_str()),
        (22, "Error: Environment is required.\n\nSpecify it using:\n  sentry release deploy [<org>/]<version> <environment> [name]\n")
    );
    let (code, _, err) = run(cmd().args([
        "release",
        "deploy",
        "local/1.0",
        "prod",
        "-t",
        "5",
        "--started",
        "2025-01-01T00:00:00Z",
    ]));
    assert_eq!(code, 21);
    assert!(
        err.contains("--time cannot be used with --started or --finished."),
        "{err}"
    );
    let (code, _, err) = run(cmd().args(["release", "list", "local/", "--sort", "nope"]));
    assert_eq!(code, 2);
    assert!(err.contains("Invalid sort value"), "{err}");
    let (code, _, err) =
        run(cmd().args(["release", "set-commits", "local/1.0", "--auto", "--local"]));
    assert_eq!(code, 21, "{err}");
    assert!(
        err.starts_with("Error: Only one of --auto, --local, or --commit can be used at a time."),
        "{err}"
    );
}

#[test]
fn unknown_releases_and_refused_deletes() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(env.api_cmd().args(["release", "deploys", "local/9.9"]));
    assert_eq!((code, out.as_str()), (30, ""));
    assert!(
        err.starts_with("Error: Failed to list deploys for release '9.9': 404 Not Found"),
        "{err}"
    );
    let (code, _, err) = run(env.api_cmd().args(["release", "finalize", "local/9.9"]));
    assert_eq!(code, 30);
    assert!(
        err.starts_with("Error: Failed to update release '9.9': 404"),
        "{err}"
    );
    let (code, _, err) = run(env
        .api_cmd()
        .args(["release", "delete", "local/9.9", "--yes"]));
    assert_eq!(code, 30);
    assert!(
        err.starts_with("Error: Failed to get release '9.9': 404"),
        "{err}"
    );
    let (code, _, err) = run(env
        .api_cmd()
        .args(["release", "deploy", "local/9.9", "prod"]));
    assert_eq!(code, 30);
    assert!(
        err.starts_with("Error: Failed to create deploy: 404"),
        "{err}"
    );
    let (code, _, err) = run(env.api_cmd().args(["release", "create", "local/4.0"]));
    assert_eq!(code, 30);
    assert!(err.contains("projects: This field is required."), "{err}");

    release_json(&env, &["release", "create", "local/4.0", "-p", "app"]);
    let (code, out, err) = run(env.api_cmd().args(["release", "delete", "local/4.0"]));
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "Error: Destructive operation refused in non-interactive mode. Use --yes or --force to confirm.\n"
    );
    release_json(&env, &["release", "view", "local/4.0"]);
}

#[test]
fn org_defaults_and_versions_that_look_like_paths() {
    let env = TestEnv::with_server();
    // No org prefix: the only org is used. `pkg@1.0` and `Not-A-Slug/x` stay versions.
    let v = release_json(&env, &["release", "create", "pkg@1.0", "-p", "app"]);
    assert_eq!(v["version"], "pkg@1.0");
    let v = release_json(&env, &["release", "view", "local/pkg@1.0"]);
    assert_eq!(v["version"], "pkg@1.0");
    // `local/a/b` is version `a/b` in org `local`, which the server refuses (as Sentry does).
    let (code, out, err) = run(env
        .api_cmd()
        .args(["release", "create", "local/a/b", "-p", "app"]));
    assert_eq!((code, out.as_str()), (30, ""));
    assert_eq!(
        err,
        "Error: Failed to create release: 400 Bad Request\n  version: Release with name a/b is not allowed\n"
    );
    // An uppercase prefix is no org slug: the whole argument is the version.
    let (code, _, err) = run(env.api_cmd().args(["release", "view", "Org/1.0"]));
    assert_eq!(code, 30);
    assert!(
        err.starts_with("Error: Failed to get release 'Org/1.0': 404"),
        "{err}"
    );
}

#[test]
fn propose_version_from_ci_variables_then_git_head() {
    let env = TestEnv::with_server();
    let v = release_json_env(&env, &[("SENTRY_RELEASE", " v7 "), ("GITHUB_SHA", "abc")]);
    assert_eq!(v, json!({"version": "v7", "source": "SENTRY_RELEASE"}));
    let v = release_json_env(&env, &[("GITHUB_SHA", "abc"), ("CI_COMMIT_SHA", "def")]);
    assert_eq!(
        v,
        json!({"version": "abc", "source": "GITHUB_SHA (GitHub Actions)"})
    );

    let (code, _, err) = run(env.api_cmd().args(["release", "propose-version"]));
    assert_eq!(code, 21);
    assert_eq!(
        err,
        "Error: Not a git repository. Run this command from within a git working tree.\n"
    );

    let sha = "0123456789abcdef0123456789abcdef01234567";
    let git = env.work().join(".git");
    std::fs::create_dir_all(git.join("refs/heads")).unwrap();
    std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(git.join("refs/heads/main"), format!("{sha}\n")).unwrap();
    let v = release_json_env(&env, &[]);
    assert_eq!(v, json!({"version": sha, "source": "git"}));
    let (code, out, _) = run(env.api_cmd().args(["release", "propose-version"]));
    assert_eq!(
        (code, out),
        (0, format!("{sha}\n\nDetected from git HEAD\n"))
    );
}

fn release_json_env(env: &TestEnv, vars: &[(&str, &str)]) -> Value {
    let mut cmd = env.api_cmd();
    cmd.args(["release", "propose-version", "--json"]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert_success(&out);
    stdout_json(&out)
}

#[test]
fn a_project_with_production_defaults_to_it() {
    // The demo events are in `production`, so the project has that environment.
    let env = TestEnv::with_demo_issues();
    release_json(&env, &["release", "create", "local/9.0", "-p", "app"]);
    let (code, out, err) = run(env.api_cmd().args(["release", "list", "local/app"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.ends_with("╯\n\n\nEnvironment: production (use -e to change)\n"),
        "{out}"
    );
    let (code, out, _) = run(env
        .api_cmd()
        .args(["release", "list", "local/app", "-e", "staging"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("Showing 1 releases\nTip: Use 'sentry release list local/'"),
        "{out}"
    );
}
