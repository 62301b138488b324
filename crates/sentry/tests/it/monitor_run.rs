//! `sentry monitor run` against the local server: the child's exit code (and signal) is ours,
//! the two check-ins are recorded with the final status and a duration, `--schedule` creates
//! the monitor with its configuration, and a server that is down costs one warning, not the
//! run.

use crate::common::{assert_success, run, stdout_json, TestEnv};
use serde_json::Value;

fn api(env: &TestEnv, path: &str) -> Value {
    let out = env.api_cmd().args(["api", path]).output().unwrap();
    assert_success(&out);
    stdout_json(&out)
}

fn monitor_run(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    run(env
        .cmd()
        .env("SENTRY_DSN", env.server().dsn())
        .args(["monitor", "run"])
        .args(args))
}

#[test]
fn schedule_creates_the_monitor_and_check_ins_record_the_outcome() {
    let env = TestEnv::with_server();
    let (code, out, err) = monitor_run(
        &env,
        &[
            "nightly",
            "-s",
            "0 0 * * *",
            "--max-runtime",
            "30",
            "--check-in-margin",
            "5",
            "--timezone",
            "Europe/Vienna",
            "--failure-issue-threshold",
            "2",
            "--recovery-threshold",
            "3",
            "-e",
            "ci",
            "--",
            "sh",
            "-c",
            "echo slug=$SENTRY_MONITOR_SLUG",
        ],
    );
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "slug=nightly\n", "")
    );
    let m = api(&env, "/organizations/local/monitors/nightly/");
    let c = &m["config"];
    assert_eq!(c["schedule_type"], "crontab", "{m}");
    assert_eq!(c["schedule"], "0 0 * * *");
    assert_eq!(c["max_runtime"], 30);
    assert_eq!(c["checkin_margin"], 5);
    assert_eq!(c["timezone"], "Europe/Vienna");
    assert_eq!(c["failure_issue_threshold"], 2);
    assert_eq!(c["recovery_threshold"], 3);

    // The monitor exists now: a run without --schedule checks in to it.
    let (code, _, err) = monitor_run(&env, &["nightly", "-e", "ci", "--", "sh", "-c", "exit 3"]);
    assert_eq!(
        (code, err.as_str()),
        (3, "Error: Process exited with code 3\n")
    );

    let checkins = api(&env, "/organizations/local/monitors/nightly/checkins/");
    let list = checkins.as_array().unwrap();
    assert_eq!(list.len(), 2, "{checkins}");
    assert_eq!(list[0]["status"], "error");
    assert_eq!(list[1]["status"], "ok");
    for c in list {
        assert_eq!(c["environment"], "ci");
        assert!(c["duration"].as_i64().is_some(), "{c}");
    }
}

#[test]
fn without_schedule_an_unknown_monitor_is_not_created() {
    let env = TestEnv::with_server();
    let (code, _, err) = monitor_run(&env, &["adhoc", "--", "true"]);
    assert_eq!((code, err.as_str()), (0, ""));
    // Sentry drops a check-in for an unknown monitor that brings no configuration.
    assert_eq!(
        api(&env, "/organizations/local/monitors/"),
        serde_json::json!([])
    );
}

#[test]
fn signals_and_unstartable_commands_give_shell_exit_codes() {
    let env = TestEnv::with_server();
    let (code, _, err) = monitor_run(
        &env,
        &["sig", "-s", "* * * * *", "--", "sh", "-c", "kill -TERM $$"],
    );
    assert_eq!(
        (code, err.as_str()),
        (143, "Error: Process exited with code 143\n")
    );

    let (code, _, err) = monitor_run(&env, &["sig", "--", "no-such-command-here"]);
    assert_eq!(code, 127);
    assert!(
        err.starts_with("Error: Failed to start \"no-such-command-here\": "),
        "{err}"
    );
    let checkins = api(&env, "/organizations/local/monitors/sig/checkins/");
    let statuses: Vec<&str> = checkins
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["error", "error"]);
}

#[test]
fn a_server_that_is_down_warns_once_and_the_child_still_decides() {
    let env = TestEnv::new();
    let (code, out, err) = run(env.cmd().args([
        "monitor",
        "run",
        "--dsn",
        "http://key@127.0.0.1:9/1",
        "job",
        "--",
        "sh",
        "-c",
        "echo ran; exit 4",
    ]));
    assert_eq!((code, out.as_str()), (4, "ran\n"));
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("Warning:")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].starts_with("Warning: Failed to send in-progress check-in: "),
        "{err}"
    );
    assert!(
        err.ends_with("Error: Process exited with code 4\n"),
        "{err}"
    );
}

#[test]
fn bad_input_is_rejected_before_the_command_runs() {
    let env = TestEnv::with_server();
    let (code, _, err) = monitor_run(&env, &["--max-runtime", "30", "m", "--", "touch", "ran"]);
    assert_eq!(
        (code, err.as_str()),
        (21, "Error: --max-runtime requires --schedule to be set.\n")
    );
    let (code, _, err) = monitor_run(
        &env,
        &[
            "-s",
            "0 * * * *",
            "--max-runtime",
            "0",
            "m",
            "--",
            "touch",
            "ran",
        ],
    );
    assert_eq!(
        (code, err.as_str()),
        (2, "Error: Failed to parse \"0\" for max-runtime: Invalid value: 0. Must be a positive integer.\n")
    );
    let (code, _, err) = monitor_run(&env, &["m"]);
    assert_eq!(
        (code, err.as_str()),
        (
            21,
            "Error: No command provided. Usage: sentry monitor run <monitor-slug> -- <command>\n"
        )
    );
    assert!(!env.work().join("ran").exists());

    let (code, _, err) = run(env
        .cmd()
        .args(["monitor", "run", "m", "--", "touch", "ran"]));
    assert_eq!(code, 20, "{err}");
    assert!(err.starts_with("Error: No DSN found."), "{err}");
    assert!(!env.work().join("ran").exists());
}
