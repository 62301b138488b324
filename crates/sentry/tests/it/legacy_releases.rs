//! `sentry-cli releases …` and `sentry-cli deploys …` (sentry-cli 3.x's grammar) against the
//! local server: the exact stdout, stderr and exit code 3.8 gives (checked side by side with
//! the 3.8 binary), and the state each command leaves on the server, read back through the API.

use crate::common::{http, run, TestEnv};
use serde_json::Value;

/// The `sentry-cli` binary talking to the test server with its admin token; cwd is the
/// sandbox's work directory (no git checkout, no config file).
fn legacy(env: &TestEnv) -> assert_cmd::Command {
    let mut cmd = bare(env);
    cmd.env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", env.token());
    cmd
}

/// The `sentry-cli` binary with a clean environment (no server, no token).
fn bare(env: &TestEnv) -> assert_cmd::Command {
    let mut cmd = env.command(assert_cmd::cargo::cargo_bin("sentry-cli"));
    cmd.current_dir(env.work());
    assert_cmd::Command::from_std(cmd)
}

fn ok(cmd: &mut assert_cmd::Command, stdout: &str) {
    let (code, out, err) = run(cmd);
    assert_eq!((code, out.as_str(), err.as_str()), (0, stdout, ""));
}

/// 3.x's error block on stderr.
fn error_block(message: &str) -> String {
    format!(
        "error: {message}\n\nAdd --log-level=[info|debug] or export SENTRY_LOG_LEVEL=[info|debug] to see more output.\nPlease attach the full debug log to all bug reports.\n"
    )
}

fn fails(cmd: &mut assert_cmd::Command, code: i32, stderr: &str) {
    let (c, out, err) = run(cmd);
    assert_eq!((c, out.as_str(), err.as_str()), (code, "", stderr));
}

/// `GET /api/0/<path>` with the admin token: (status, body).
fn api(env: &TestEnv, path: &str) -> (u16, Value) {
    let auth = format!("Bearer {}", env.token());
    http(
        env,
        "GET",
        &format!("/api/0/{path}"),
        None,
        &[("Authorization", &auth)],
    )
}

fn release(env: &TestEnv, version: &str) -> Value {
    let (status, v) = api(env, &format!("organizations/local/releases/{version}/"));
    assert_eq!(status, 200, "{v}");
    v
}

fn slugs(release: &Value) -> Vec<String> {
    release["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_string())
        .collect()
}

/// A second project `web` in the local org.
fn add_project(env: &TestEnv, slug: &str) {
    let auth = format!("Bearer {}", env.token());
    let body = format!(r#"{{"name":"{slug}","slug":"{slug}"}}"#);
    let (status, v) = http(
        env,
        "POST",
        "/api/0/teams/local/local/projects/",
        Some((body.as_bytes(), "application/json")),
        &[("Authorization", &auth)],
    );
    assert_eq!(status, 201, "{v}");
}

fn is_timestamp(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok())
}

#[test]
fn legacy_releases_new_finalize_info_and_list() {
    let env = TestEnv::with_server();
    add_project(&env, "web");

    ok(
        legacy(&env).args(["releases", "new", "1.0", "-o", "local", "-p", "app"]),
        "Created release 1.0\n",
    );
    let r = release(&env, "1.0");
    assert_eq!(slugs(&r), ["app"]);
    assert!(is_timestamp(&r["dateStarted"]), "{r}");
    assert_eq!(r["dateReleased"], Value::Null);

    // `-o` before the subcommand, `-p` repeated, `--url` is the release's, not the server's.
    ok(
        legacy(&env).args([
            "releases",
            "-o",
            "local",
            "new",
            "2.0",
            "-p",
            "app",
            "-p",
            "web",
            "--finalize",
            "--url",
            "https://example.com/2.0",
        ]),
        "Created release 2.0\n",
    );
    let r = release(&env, "2.0");
    assert_eq!(slugs(&r), ["app", "web"]);
    assert!(is_timestamp(&r["dateReleased"]), "{r}");
    assert_eq!(r["url"], "https://example.com/2.0");

    ok(
        legacy(&env).args([
            "releases",
            "finalize",
            "1.0",
            "-o",
            "local",
            "--released",
            "1700000000",
        ]),
        "Finalized release 1.0\n",
    );
    assert_eq!(
        release(&env, "1.0")["dateReleased"],
        "2023-11-14T22:13:20.000000Z"
    );
    // RFC 2822 too, and `-p` adds the project.
    ok(
        legacy(&env).args([
            "releases",
            "finalize",
            "1.0",
            "-o",
            "local",
            "-p",
            "web",
            "--released",
            "Wed, 15 Nov 2023 22:13:20 +0000",
        ]),
        "Finalized release 1.0\n",
    );
    let r = release(&env, "1.0");
    assert_eq!(r["dateReleased"], "2023-11-15T22:13:20.000000Z");
    assert_eq!(slugs(&r), ["app", "web"]);

    // info: version and creation date (3.x's UTC rendering), projects one per line.
    let (code, out, err) =
        run(legacy(&env).args(["releases", "info", "2.0", "-o", "local", "-P", "-C"]));
    assert_eq!((code, err.as_str()), (0, ""));
    let lines: Vec<&str> = out.lines().collect();
    let r = release(&env, "2.0");
    let created = r["dateCreated"].as_str().unwrap();
    assert_eq!(lines.len(), 6, "{out}");
    assert!(lines[1].starts_with("| Version | Date created "), "{out}");
    assert!(lines[1].ends_with(" | Projects | Commits |"), "{out}");
    assert!(
        lines[3].starts_with(&format!("| 2.0     | {} ", &created[..10])),
        "{out}"
    );
    assert!(lines[3].ends_with(" UTC | app      | -       |"), "{out}");
    assert!(lines[4].ends_with(" | web      |         |"), "{out}");
    assert_eq!(lines[0], lines[2]);
    assert_eq!(lines[0], lines[5]);

    // An unreleased release alone in its project: the whole table is fixed.
    add_project(&env, "solo");
    ok(
        legacy(&env).args(["releases", "new", "3.0", "-o", "local", "-p", "solo"]),
        "Created release 3.0\n",
    );
    ok(
        legacy(&env).args(["releases", "list", "-o", "local", "-p", "solo", "-P"]),
        "+--------------+---------+----------+------------+------------+\n\
         | Released     | Version | Projects | New Events | Last Event |\n\
         +--------------+---------+----------+------------+------------+\n\
         | (unreleased) | 3.0     | solo     | 0          | -          |\n\
         +--------------+---------+----------+------------+------------+\n",
    );
    // Newest first, raw.
    ok(
        legacy(&env).args(["releases", "list", "-o", "local", "--raw"]),
        "3.0\n2.0\n1.0\n",
    );
    ok(
        legacy(&env).args([
            "releases", "list", "-R", "-D", ",", "-o", "local", "-p", "web",
        ]),
        "2.0,1.0\n",
    );
    // Org and project from the environment.
    ok(
        legacy(&env)
            .env("SENTRY_ORG", "local")
            .env("SENTRY_PROJECT", "solo")
            .args(["releases", "list", "-R"]),
        "3.0\n",
    );
}

#[test]
fn legacy_releases_archive_restore_delete() {
    let env = TestEnv::with_server();
    ok(
        legacy(&env).args(["releases", "new", "1.0", "-o", "local", "-p", "app"]),
        "Created release 1.0\n",
    );
    ok(
        legacy(&env).args(["releases", "archive", "1.0", "-o", "local"]),
        "Archived release 1.0\n",
    );
    assert_eq!(release(&env, "1.0")["status"], "archived");
    // Archived releases leave the (open) list.
    ok(
        legacy(&env).args(["releases", "list", "-o", "local", "-R"]),
        "\n",
    );
    ok(
        legacy(&env).args(["releases", "restore", "1.0", "-o", "local"]),
        "Restored release 1.0\n",
    );
    assert_eq!(release(&env, "1.0")["status"], "open");
    // 3.x posts the status with the version, so an unknown version is created archived.
    ok(
        legacy(&env).args(["releases", "archive", "ghost", "-o", "local"]),
        "Archived release ghost\n",
    );
    assert_eq!(release(&env, "ghost")["status"], "archived");

    ok(
        legacy(&env).args(["releases", "delete", "1.0", "-o", "local"]),
        "Deleted release 1.0!\n",
    );
    assert_eq!(api(&env, "organizations/local/releases/1.0/").0, 404);
    // Deleting again is not an error.
    ok(
        legacy(&env).args(["releases", "delete", "1.0", "-o", "local"]),
        "Did nothing. Release with this version (1.0) does not exist.\n",
    );
}

#[test]
fn legacy_releases_deploys() {
    let env = TestEnv::with_server();
    ok(
        legacy(&env).args(["releases", "new", "1.0", "-o", "local", "-p", "app"]),
        "Created release 1.0\n",
    );
    ok(
        legacy(&env).args(["deploys", "list", "-o", "local", "-r", "1.0"]),
        "No deploys found\n",
    );
    ok(
        legacy(&env).args([
            "deploys",
            "new",
            "-o",
            "local",
            "-r",
            "1.0",
            "-e",
            "production",
        ]),
        "Created new deploy unnamed for 'production'\n",
    );
    // The hidden `releases deploys VERSION` form, explicit times.
    ok(
        legacy(&env).args([
            "releases",
            "deploys",
            "1.0",
            "new",
            "-o",
            "local",
            "-e",
            "staging",
            "-n",
            "d1",
            "-u",
            "https://ci/1",
            "--started",
            "1700000000",
            "--finished",
            "2023-11-14T22:15:00Z",
        ]),
        "Created new deploy d1 for 'staging'\n",
    );
    // `-t` wins over `--started`: finished now, started that long before. The release comes
    // from SENTRY_RELEASE.
    ok(
        legacy(&env).env("SENTRY_RELEASE", "1.0").args([
            "deploys",
            "new",
            "-o",
            "local",
            "-e",
            "qa",
            "-t",
            "60",
            "--started",
            "1",
        ]),
        "Created new deploy unnamed for 'qa'\n",
    );
    let (_, deploys) = api(&env, "organizations/local/releases/1.0/deploys/");
    let by_env = |e: &str| {
        deploys
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["environment"] == e)
            .unwrap_or_else(|| panic!("{e}: {deploys}"))
            .clone()
    };
    let staging = by_env("staging");
    assert_eq!(staging["name"], "d1");
    assert_eq!(staging["url"], "https://ci/1");
    assert_eq!(staging["dateStarted"], "2023-11-14T22:13:20.000000Z");
    assert_eq!(staging["dateFinished"], "2023-11-14T22:15:00.000000Z");
    let qa = by_env("qa");
    let ts = |v: &Value| v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    let span = ts(&qa["dateFinished"]).duration_since(ts(&qa["dateStarted"]));
    assert_eq!(span.as_secs(), 60, "{qa}");
    assert!(is_timestamp(&by_env("production")["dateFinished"]));

    // The list: staging finished in 2023, so its age is in (many) hours.
    let hours = || (jiff::Timestamp::now().as_second() - 1_700_000_100) / 3600;
    let before = hours();
    let (code, out, err) =
        run(legacy(&env).args(["releases", "-o", "local", "deploys", "list", "-r", "1.0"]));
    let after = hours();
    assert_eq!((code, err.as_str()), (0, ""));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    assert!(
        lines[1].starts_with("| Environment | Name    | Finished "),
        "{out}"
    );
    let staging_row = lines.iter().find(|l| l.starts_with("| staging ")).unwrap();
    assert!(
        [before, after]
            .iter()
            .any(|h| staging_row.starts_with(&format!("| staging     | d1      | {h} hours "))),
        "{out}"
    );
    assert!(out.contains("| production  | unnamed | "), "{out}");
}

#[test]
fn legacy_releases_propose_version() {
    let env = TestEnv::new();
    // No server, no token needed; 3.x's variables only.
    ok(
        bare(&env)
            .env("SOURCE_VERSION", "abc")
            .args(["releases", "propose-version"]),
        "abc\n",
    );
    ok(
        bare(&env)
            .env("SOURCE_VERSION", "abc")
            .env("SENTRY_RELEASE", "rel-1")
            .args(["releases", "propose-version"]),
        "rel-1\n",
    );
    fails(
        bare(&env).env("GITHUB_SHA", "abc").args(["releases", "propose-version"]),
        1,
        &error_block(
            "Could not automatically determine release name:\n\t could not find repository at '.'\n\nPlease ensure your version control system is configured correctly, or provide a release name manually.",
        ),
    );
    // Inside a checkout: HEAD's commit (GITHUB_SHA is not one of 3.x's variables).
    let sha = "0123456789abcdef0123456789abcdef01234567";
    env.write("work/.git/HEAD", "ref: refs/heads/main\n");
    env.write("work/.git/refs/heads/main", &format!("{sha}\n"));
    ok(
        bare(&env)
            .env("GITHUB_SHA", "abc")
            .args(["releases", "propose-version"]),
        &format!("{sha}\n"),
    );
}

#[test]
fn legacy_releases_bad_versions_are_usage_errors() {
    let env = TestEnv::with_server();
    let slash =
        "Invalid release version. Slashes and certain whitespace characters are not permitted.";
    let spaces = "Invalid release version. Releases must not contain leading or trailing spaces.";
    for (version, why) in [
        ("a/b", slash),
        ("", slash),
        (".", slash),
        ("..", slash),
        ("a\tb", slash),
        (" 1.0", spaces),
        ("1.0 ", spaces),
    ] {
        fails(
            legacy(&env).args(["releases", "new", version, "-o", "local", "-p", "app"]),
            2,
            &format!(
                "error: invalid value '{version}' for '<VERSION>': {why}\n\nFor more information, try '--help'.\n"
            ),
        );
    }
    fails(
        legacy(&env).args(["deploys", "list", "-o", "local", "-r", "a/b"]),
        2,
        &format!("error: invalid value 'a/b' for '--release <RELEASE>': {slash}\n\nFor more information, try '--help'.\n"),
    );
    fails(
        legacy(&env).args(["deploys", "new", "-o", "local", "-r", "1.0", "-e", "x", "--started", "soon"]),
        2,
        "error: invalid value 'soon' for '--started <TIMESTAMP>': Not in valid format. Unix timestamp or ISO 8601 date expected.\n\nFor more information, try '--help'.\n",
    );
    // `latest` passes the local check (as in 3.x) and the server refuses it.
    fails(
        legacy(&env).args(["releases", "new", "latest", "-o", "local", "-p", "app"]),
        1,
        &error_block(
            "API request failed\n\nCaused by:\n    sentry reported an error: version: Release with name latest is not allowed (http status: 400)",
        ),
    );
    // None of them reached the server.
    let (_, list) = api(&env, "organizations/local/releases/");
    assert_eq!(list, serde_json::json!([]));
}

#[test]
fn legacy_releases_missing_things() {
    let env = TestEnv::with_server();
    ok(
        legacy(&env).args(["releases", "new", "1.0", "-o", "local", "-p", "app"]),
        "Created release 1.0\n",
    );
    // `info` is the existence check scripts use: `--quiet` is silent either way.
    ok(
        legacy(&env).args(["releases", "info", "1.0", "-o", "local", "--quiet"]),
        "",
    );
    fails(
        legacy(&env).args(["releases", "info", "nope", "-o", "local", "--quiet"]),
        1,
        "",
    );
    fails(
        legacy(&env).args(["releases", "info", "nope", "-o", "local"]),
        1,
        &error_block("Release nope does not exist in organization local."),
    );
    let no_release = error_block(
        "Release not found. Ensure that you configured the correct release, project, and organization.",
    );
    fails(
        legacy(&env).args(["releases", "finalize", "nope", "-o", "local"]),
        1,
        &no_release,
    );
    fails(
        legacy(&env).args(["deploys", "new", "-o", "local", "-r", "nope", "-e", "x"]),
        1,
        &no_release,
    );
    fails(
        legacy(&env).args(["deploys", "list", "-o", "local"]),
        1,
        &error_block("A release slug is required (provide with --release or by setting the SENTRY_RELEASE environment variable)"),
    );
    // An invalid SENTRY_RELEASE is ignored with 3.x's warning line (local time, then text).
    let (code, out, err) = run(legacy(&env)
        .env("SENTRY_RELEASE", "a/b")
        .env("TZ", "UTC")
        .args(["deploys", "list", "-o", "local"]));
    assert_eq!((code, out.as_str()), (1, ""));
    let (warning, rest) = err.split_once('\n').unwrap();
    let (ts, text) = warning
        .strip_prefix("  WARN    ")
        .and_then(|w| w.split_at_checked(36))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(ts.ends_with(" +00:00"), "{err}");
    assert_eq!(text, " Ignoring invalid SENTRY_RELEASE environment variable: Invalid release version. Slashes and certain whitespace characters are not permitted.");
    assert_eq!(rest, error_block("A release slug is required (provide with --release or by setting the SENTRY_RELEASE environment variable)"));
    fails(
        legacy(&env).args(["releases", "new", "2.0", "-p", "app"]),
        1,
        &error_block("An organization ID or slug is required (provide with --org, set SENTRY_ORG, or use an org-scoped auth token)"),
    );
    fails(
        legacy(&env).args(["releases", "new", "2.0", "-o", "local"]),
        1,
        &error_block("A project ID or slug is required (provide with --project)"),
    );
    fails(
        legacy(&env).args(["releases", "new", "2.0", "-o", "nope", "-p", "app"]),
        1,
        &error_block("organization not found"),
    );
    fails(
        legacy(&env).args(["releases", "list", "-o", "local", "-p", "nope"]),
        1,
        &error_block(
            "Project not found. Ensure that you configured the correct project and organization.",
        ),
    );
    fails(
        legacy(&env).args(["releases", "new", "2.0", "-o", "local", "-p", "app", "-p", "nope"]),
        1,
        &error_block("API request failed\n\nCaused by:\n    sentry reported an error: projects: Invalid project ids or slugs: nope (http status: 400)"),
    );
    fails(
        bare(&env)
            .env("SENTRY_URL", env.url())
            .args(["releases", "new", "2.0", "-o", "local", "-p", "app"]),
        1,
        &error_block(
            "Auth token is required for this request. Please run `sentry-cli login` and try again!",
        ),
    );
    // `-o` belongs to `releases`, not to the top level.
    let (code, _, err) = run(legacy(&env).args(["-o", "local", "releases", "list"]));
    assert_eq!(code, 2, "{err}");
    // Nothing above created 2.0.
    assert_eq!(api(&env, "organizations/local/releases/2.0/").0, 404);
}

#[test]
fn legacy_releases_org_and_project_from_sentryclirc() {
    let env = TestEnv::with_server();
    env.write(
        "work/.sentryclirc",
        "[defaults]\norg = local\nproject = app\n",
    );
    ok(
        legacy(&env).args(["releases", "new", "7.0"]),
        "Created release 7.0\n",
    );
    assert_eq!(slugs(&release(&env, "7.0")), ["app"]);
    // A flag beats the file.
    fails(
        legacy(&env).args(["releases", "new", "8.0", "-o", "nope"]),
        1,
        &error_block("organization not found"),
    );
}
