//! `sentry-cli` (the 3.x grammar) against the local server: 3.x's text, stderr lines and exit
//! codes, and what the server received (events, monitors and check-ins, issue statuses).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{assert_success, run, stdout_json, TestEnv};

const HINT: &str = "\nAdd --log-level=[info|debug] or export SENTRY_LOG_LEVEL=[info|debug] to see more output.\nPlease attach the full debug log to all bug reports.\n";

/// `sentry-cli` with the sandbox's clean environment.
fn legacy(env: &TestEnv) -> assert_cmd::Command {
    assert_cmd::Command::from_std(env.command(assert_cmd::cargo::cargo_bin("sentry-cli")))
}

/// `sentry-cli` with the server's URL, token and DSN in the environment.
fn legacy_api(env: &TestEnv) -> assert_cmd::Command {
    let mut cmd = legacy(env);
    cmd.env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", env.token())
        .env("SENTRY_DSN", env.server().dsn());
    cmd
}

/// `sentry api <path>` (the other binary) reading the server back.
fn api(env: &TestEnv, path: &str) -> Value {
    let out = env.api_cmd().args(["api", path]).output().unwrap();
    assert_success(&out);
    stdout_json(&out)
}

/// The project's events once `n` have been stored (ingest is asynchronous).
fn events(env: &TestEnv, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list = api(env, "/projects/local/app/events/");
        let list = list.as_array().cloned().unwrap_or_default();
        if list.len() >= n || Instant::now() > deadline {
            return list;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn error_block(message: &str) -> String {
    format!("error: {message}\n{HINT}")
}

/// A 3.x event ID: a hyphenated UUID.
fn event_id_line(out: &str, prefix: &str) -> String {
    let id = out
        .strip_prefix(prefix)
        .and_then(|s| s.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(
        id.split('-').map(str::len).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{id}"
    );
    id.replace('-', "")
}

#[test]
fn legacy_misc_send_event_reaches_the_server_with_its_flags() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(legacy_api(&env).args([
        "send-event",
        "-m",
        "Hello %s",
        "-a",
        "world",
        "-t",
        "team:web",
        "-e",
        "build:42",
        "-r",
        "1.0",
        "-E",
        "staging",
        "-l",
        "warning",
        "--no-environ",
    ]));
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    let id = event_id_line(&out, "Event dispatched.\nEvent id: ");
    let evs = events(&env, 1);
    assert_eq!(evs.len(), 1);
    let ev = api(&env, &format!("/projects/local/app/events/{id}/"));
    assert_eq!(ev["title"], "Hello world", "{ev}");
    let tags: Vec<(String, String)> = ev["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap().into(),
                t["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [
        ("team", "web"),
        ("release", "1.0"),
        ("environment", "staging"),
        ("level", "warning"),
    ] {
        assert!(
            tags.contains(&(want.0.into(), want.1.into())),
            "{want:?} in {tags:?}"
        );
    }
}

#[test]
fn legacy_misc_send_event_files_and_envelopes() {
    let env = TestEnv::with_server();
    let ev = env.write(
        "ev-1.json",
        r#"{"event_id":"0123456789abcdef0123456789abcdef","message":"from file"}"#,
    );
    let (code, out, _) = run(legacy_api(&env).arg("send-event").arg(&ev));
    assert_eq!(
        (code, out),
        (
            0,
            format!(
                "Event from file {} dispatched: 01234567-89ab-cdef-0123-456789abcdef\n",
                ev.display()
            )
        )
    );
    let envelope = env.write(
        "a.envelope",
        "{\"event_id\":\"fedcba9876543210fedcba9876543210\"}\n{\"type\":\"event\"}\n{\"message\":\"from envelope\"}\n",
    );
    let (code, out, _) = run(legacy_api(&env).arg("send-envelope").arg(&envelope));
    assert_eq!(
        (code, out),
        (
            0,
            format!("Envelope from file {} dispatched\n", envelope.display())
        )
    );
    let titles: Vec<String> = events(&env, 2)
        .iter()
        .map(|e| e["title"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        titles.contains(&"from file".into()) && titles.contains(&"from envelope".into()),
        "{titles:?}"
    );

    let bad = env.write("bad.envelope", "garbage");
    let (code, _, err) = run(legacy_api(&env).arg("send-envelope").arg(&bad));
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!(
            "error: {}: invalid envelope header",
            bad.display()
        )),
        "{err}"
    );
}

#[test]
fn legacy_misc_send_event_bad_input() {
    let env = TestEnv::with_server();
    // No DSN: 3.x's message, exit 1.
    let (code, out, err) = run(legacy(&env).args(["send-event", "-m", "x"]));
    assert_eq!(
        (code, out.as_str(), err),
        (1, "", error_block("DSN missing. Please set the `SENTRY_DSN` environment variable to your project's DSN."))
    );
    // A tag without a colon fails before anything is sent, DSN or not.
    for args in [
        &["-t", "bad"][..],
        &["-t", "a=b"],
        &["-e", "x"],
        &["-u", "y"],
    ] {
        let (code, _, err) = run(legacy_api(&env).args(["send-event", "-m", "x"]).args(args));
        let what = match args[0] {
            "-t" => "tag",
            "-e" => "extra",
            _ => "user",
        };
        assert_eq!(
            (code, err),
            (1, error_block(&format!("missing {what} value"))),
            "{args:?}"
        );
    }
    let (code, _, err) = run(legacy(&env).args(["send-event", "-m", "x", "-t", "bad"]));
    assert_eq!((code, err), (1, error_block("missing tag value")));
    // A bad timestamp is a usage error.
    let (code, _, err) =
        run(legacy_api(&env).args(["send-event", "-m", "x", "--timestamp", "yesterday"]));
    assert_eq!(code, 2);
    assert!(err.starts_with("error: invalid value 'yesterday' for '--timestamp <TIMESTAMP>': Not in valid format. Unix timestamp or ISO 8601 date expected.\n"), "{err}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        api(&env, "/projects/local/app/events/"),
        serde_json::json!([])
    );
}

#[test]
fn legacy_misc_monitors_run_upserts_and_checks_in() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(legacy_api(&env).args([
        "monitors",
        "run",
        "nightly",
        "-s",
        "0 0 * * *",
        "--check-in-margin",
        "5",
        "--max-runtime",
        "30",
        "--timezone",
        "Europe/Vienna",
        "-e",
        "ci",
        "--",
        "sh",
        "-c",
        "echo slug=$SENTRY_MONITOR_SLUG; exit 3",
    ]));
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (3, "slug=nightly\n", "")
    );
    let m = api(&env, "/organizations/local/monitors/nightly/");
    assert_eq!(m["config"]["schedule"], "0 0 * * *", "{m}");
    assert_eq!(m["config"]["max_runtime"], 30);
    assert_eq!(m["config"]["checkin_margin"], 5);

    let (code, out, _) = run(legacy_api(&env).args(["monitors", "run", "nightly", "--", "true"]));
    assert_eq!((code, out.as_str()), (0, ""));
    let checkins = api(&env, "/organizations/local/monitors/nightly/checkins/");
    let list = checkins.as_array().unwrap();
    let statuses: Vec<&str> = list.iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["ok", "error"], "{checkins}");
    assert!(
        list.iter().all(|c| c["duration"].as_i64().is_some()),
        "{checkins}"
    );
    assert_eq!(list[1]["environment"], "ci");

    // 3.x's table of the org's monitors.
    let (code, out, _) = run(legacy_api(&env).args(["monitors", "list", "-o", "local"]));
    assert_eq!(code, 0);
    let id = m["id"].as_str().unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1],
        format!(
            "| {:<w$} | Slug    | Name    | Status |",
            "ID",
            w = id.len()
        )
    );
    assert_eq!(lines[3], format!("| {id} | nightly | nightly | active |"));
}

#[test]
fn legacy_misc_monitors_run_failures() {
    let env = TestEnv::with_server();
    // A command that cannot start: a shell's 127, 3.x's line, an error check-in.
    let (code, _, err) = run(legacy_api(&env).args([
        "monitors",
        "run",
        "gone",
        "-s",
        "* * * * *",
        "--",
        "/no/such/program",
    ]));
    assert_eq!(code, 127);
    assert_eq!(
        err,
        "error could not invoke program '/no/such/program': No such file or directory (os error 2)\n"
    );
    let checkins = api(&env, "/organizations/local/monitors/gone/checkins/");
    assert_eq!(checkins[0]["status"], "error", "{checkins}");

    // Check-in server down: the child still runs and decides; one warning.
    let (code, out, err) = run(legacy(&env)
        .env("SENTRY_DSN", "http://key@127.0.0.1:9/1")
        .args([
            "monitors",
            "run",
            "job",
            "--",
            "sh",
            "-c",
            "echo ran; exit 4",
        ]));
    assert_eq!((code, out.as_str()), (4, "ran\n"));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("Warning: Failed to send in-progress check-in"),
        "{err}"
    );

    // No DSN: the child is not run.
    let marker = env.work().join("ran");
    let (code, _, err) = run(legacy(&env)
        .args(["monitors", "run", "job", "--", "touch"])
        .arg(&marker));
    assert_eq!(
        (code, err),
        (1, error_block("DSN missing. Please set the `SENTRY_DSN` environment variable to your project's DSN."))
    );
    assert!(!marker.exists());

    // 3.x's schedule check, and its usage errors.
    let (code, _, err) =
        run(legacy_api(&env).args(["monitors", "run", "x", "-s", "@daily", "--", "true"]));
    assert_eq!((code, err), (1, error_block("\"@daily\" is not a valid crontab schedule.\n\t For help determining why this schedule is invalid, you can use this site: https://crontab.guru/#@daily")));
    for args in [
        &["x", "true"][..],
        &["x", "--max-runtime", "3", "--", "true"],
    ] {
        let (code, _, _) = run(legacy_api(&env).args(["monitors", "run"]).args(args));
        assert_eq!(code, 2, "{args:?}");
    }
}

#[test]
fn legacy_misc_signals_pass_through() {
    let env = TestEnv::with_server();
    let out = legacy_api(&env)
        .args(["monitors", "run", "sig", "--", "sh", "-c", "kill -TERM $$"])
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(15), "{:?}", out.status);
}

#[test]
fn legacy_misc_lists_as_3x_draws_them() {
    let env = TestEnv::with_server();
    let (code, out, _) = run(legacy_api(&env).args([
        "send-event",
        "-m",
        "boom",
        "-u",
        "id:7",
        "-u",
        "username:bob",
    ]));
    assert_eq!(code, 0);
    let id = event_id_line(&out, "Event dispatched.\nEvent id: ");
    events(&env, 1);

    let (code, out, _) = run(legacy_api(&env).args(["organizations", "list"]));
    let today = api(&env, "/organizations/local/")["dateCreated"]
        .as_str()
        .unwrap()[..10]
        .to_string();
    assert_eq!(
        (code, out),
        (
            0,
            format!(
                "+----+-------+-------+--------------+---------------+--------------+\n\
             | ID | Name  | Slug  | Date Created | Early Adopter | Requires 2FA |\n\
             +----+-------+-------+--------------+---------------+--------------+\n\
             | 1  | Local | local | {today}   | false         | false        |\n\
             +----+-------+-------+--------------+---------------+--------------+\n"
            )
        )
    );
    let (code, out, _) = run(legacy_api(&env).args(["projects", "-o", "local", "list"]));
    assert_eq!(
        (code, out.as_str()),
        (0, "+----+------+-------+------+\n| ID | Slug | Team  | Name |\n+----+------+-------+------+\n| 1  | app  | Local | app  |\n+----+------+-------+------+\n")
    );
    let (code, out, _) = run(legacy_api(&env).args(["repos", "list", "-o", "local"]));
    assert_eq!((code, out.as_str()), (0, "No repos found\n"));

    let (code, out, _) =
        run(legacy_api(&env).args(["events", "-o", "local", "-p", "app", "list", "-U"]));
    assert_eq!(code, 0);
    let row = out.lines().nth(3).unwrap().to_string();
    let hyph = format!(
        "{}-{}-{}-{}-{}",
        &id[..8],
        &id[8..12],
        &id[12..16],
        &id[16..20],
        &id[20..]
    );
    assert!(row.starts_with(&format!("| {hyph} | ")), "{out}");
    assert!(row.ends_with("| boom  | ID: 7Username: bob |"), "{out}");

    let (code, out, _) = run(legacy_api(&env)
        .env("SENTRY_ORG", "local")
        .env("SENTRY_PROJECT", "app")
        .args(["issues", "list"]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1],
        format!(
            "| Issue ID | Short ID | Title | Last seen{} | Status     | Level |",
            " ".repeat(lines[3].split('|').nth(4).unwrap().len() - 11)
        )
    );
    assert!(
        lines[3].starts_with("| 1        | APP-1    | boom  | "),
        "{out}"
    );
    assert!(lines[3].ends_with(" | unresolved | error |"), "{out}");
}

#[test]
fn legacy_misc_issue_status_changes() {
    let env = TestEnv::with_server();
    for m in ["one", "two"] {
        assert_eq!(run(legacy_api(&env).args(["send-event", "-m", m])).0, 0);
    }
    events(&env, 2);
    let status = |env: &TestEnv| -> Vec<String> {
        let mut v: Vec<(String, String)> = api(env, "/projects/local/app/issues/")
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["id"].as_str().unwrap().into(),
                    i["status"].as_str().unwrap().into(),
                )
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, s)| s).collect()
    };
    let issues = |args: &[&str]| {
        run(legacy_api(&env)
            .args(["issues", "-o", "local", "-p", "app"])
            .args(args))
    };

    assert_eq!(
        issues(&["resolve"]),
        (0, "No changes requested.\n".into(), String::new())
    );
    assert_eq!(
        issues(&["resolve", "-i", "1"]),
        (
            0,
            "Updated matching issues.\n  new status: resolved\n".into(),
            String::new()
        )
    );
    assert_eq!(status(&env), ["resolved", "unresolved"]);
    assert_eq!(issues(&["mute", "-s", "unresolved"]).0, 0);
    assert_eq!(status(&env)[1], "ignored");
    assert_eq!(
        issues(&["unresolve", "--all"]),
        (
            0,
            "Updated matching issues.\n  new status: unresolved\n".into(),
            String::new()
        )
    );
    assert_eq!(status(&env), ["unresolved", "unresolved"]);
}

#[test]
fn legacy_misc_missing_scope_token_and_unknown_org() {
    let env = TestEnv::with_server();
    let (code, _, err) = run(legacy_api(&env).args(["issues", "-o", "local", "list"]));
    assert_eq!(
        (code, err),
        (
            1,
            error_block("A project ID or slug is required (provide with --project)")
        )
    );
    let (code, _, err) = run(legacy_api(&env).args(["projects", "list"]));
    assert_eq!((code, err), (1, error_block("An organization ID or slug is required (provide with --org, set SENTRY_ORG, or use an org-scoped auth token)")));
    let (code, _, err) = run(legacy(&env)
        .env("SENTRY_URL", env.url())
        .args(["organizations", "list"]));
    assert_eq!((code, err), (1, error_block("Auth token is required for this request. Please run `sentry-cli login` and try again!")));
    let (code, _, err) = run(legacy_api(&env).args(["projects", "-o", "nope", "list"]));
    assert_eq!((code, err), (1, error_block("organization not found")));
    let (code, _, err) = run(legacy_api(&env).args(["issues", "-o", "nope", "-p", "app", "list"]));
    assert_eq!((code, err), (1, error_block("Project not found. Ensure that you configured the correct project and organization.")));
}

#[test]
fn legacy_misc_info_and_login() {
    let env = TestEnv::with_server();
    let url = env.url();
    let (code, out, err) = run(legacy_api(&env).args(["info", "--no-defaults"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.starts_with(&format!(
            "Sentry Server: {url}\n\nAuthentication Info:\n  Method: Auth Token\n"
        )),
        "{out}"
    );
    let (code, out, err) = run(legacy(&env).env("SENTRY_URL", &url).arg("info"));
    assert_eq!(
        (code, out, err),
        (1, format!("Sentry Server: {url}\nDefault Organization: -\nDefault Project: -\n\nAuthentication Info:\n  Method: Unauthorized\n"),
         error_block("Auth token is required for this request. Please run `sentry-cli login` and try again!"))
    );
    let (code, out, _) = run(legacy_api(&env).args(["info", "--quiet"]));
    assert_eq!((code, out.as_str()), (1, ""));
    let (code, out, _) = run(legacy_api(&env).args(["info", "--config-status-json"]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["auth"],
        serde_json::json!({"type": "token", "successful": true})
    );
    assert_eq!(v["have_dsn"], true);

    // No token and no terminal: fails at once instead of prompting.
    let (code, _, err) = run(legacy(&env)
        .env("SENTRY_URL", &url)
        .arg("login")
        .write_stdin(""));
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: No auth token given and no terminal to ask for one."),
        "{err}"
    );
    let (code, _, _) = run(legacy(&env).args(["--url", &url, "login", "--auth-token", "bad"]));
    assert_eq!(code, 1);
    let (code, _, err) =
        run(legacy(&env).args(["--url", &url, "login", "--auth-token", &env.token()]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(legacy(&env).args(["--url", &url, "info", "--no-defaults"]));
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn legacy_misc_bash_hook_sends_the_failure_and_completions() {
    let env = TestEnv::with_server();
    let (code, hook, _) =
        run(legacy(&env).args(["bash-hook", "--tag", "ci:yes", "--release", "9.9"]));
    assert_eq!(code, 0);
    assert!(hook.starts_with("set -e\n"), "{hook}");
    let bin = assert_cmd::cargo::cargo_bin("sentry-cli");
    assert!(hook.contains(&format!("'{}' bash-hook --send-event --traceback \"$_SENTRY_TRACEBACK_FILE\" --tag 'ci:yes' --release '9.9' --log", bin.display())), "{hook}");
    let (_, no_exit, _) = run(legacy(&env).args(["bash-hook", "--no-exit", "--cli", "/x/sc"]));
    assert!(
        !no_exit.contains("set -e") && no_exit.contains("'/x/sc' bash-hook --send-event"),
        "{no_exit}"
    );

    let script = env.write(
        "job.sh",
        &format!(
            "eval \"$({} bash-hook)\"\necho working\nfalse\necho never\n",
            bin.display()
        ),
    );
    let out = env
        .command("bash")
        .arg(&script)
        .env("SENTRY_DSN", env.server().dsn())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let ev = &events(&env, 1)[0];
    assert_eq!(
        ev["title"], "BashError: command \"false\" exited with status 1",
        "{ev}"
    );

    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, out, _) = run(legacy(&env).args(["completions", shell]));
        assert_eq!(code, 0, "{shell}");
        assert!(
            out.contains("send-event") && out.contains("monitors"),
            "{shell}"
        );
    }
    assert_eq!(run(legacy(&env).args(["completions", "tcsh"])).0, 2);
}

/// `--allow-failure` (or SENTRY_ALLOW_FAILURE) keeps the error on stderr and adds 3.x's
/// closing line, but exits 0; a falsey variable does not count.
#[test]
fn legacy_allow_failure_reports_and_exits_zero() {
    let env = TestEnv::new();
    let tail = "\nCommand failed, however, \"SENTRY_ALLOW_FAILURE\" variable or \"allow-failure\" flag was set. Exiting with 0 exit code.\n";
    let mut cmd = env.command(assert_cmd::cargo::cargo_bin("sentry-cli"));
    cmd.args(["releases", "-o", "acme", "info", "1.0", "--allow-failure"]);
    let (code, out, err) = run(&mut assert_cmd::Command::from_std(cmd));
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.starts_with("error: Auth token is required"), "{err}");
    assert!(err.ends_with(tail), "{err}");
    for (value, expected) in [("1", 0), ("0", 1)] {
        let mut cmd = env.command(assert_cmd::cargo::cargo_bin("sentry-cli"));
        cmd.env("SENTRY_ALLOW_FAILURE", value)
            .args(["releases", "-o", "acme", "info", "1.0"]);
        let (code, _, err) = run(&mut assert_cmd::Command::from_std(cmd));
        assert_eq!(code, expected, "{value}: {err}");
        assert_eq!(err.ends_with(tail), expected == 0, "{err}");
    }
}

/// `sentry-cli completions` without a shell prints the command's help on stderr and exits 2,
/// as 3.8 does, whatever `$SHELL` is.
#[test]
fn legacy_completions_without_a_shell_show_help() {
    let env = TestEnv::new();
    let mut cmd = env.command(assert_cmd::cargo::cargo_bin("sentry-cli"));
    cmd.env("SHELL", "/bin/zsh").arg("completions");
    let (code, out, err) = run(&mut assert_cmd::Command::from_std(cmd));
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.starts_with("Generate completions for the specified shell.\n\nUsage: sentry-cli completions [OPTIONS] [shell]\n"),
        "{err}"
    );
}
