//! `sentry local --help` says how to send test events, and the help of `local` and its
//! subcommands lists only the flags that mean something there (the global Sentry-host flags
//! such as `--org` or `--auth-token` are accepted but not shown).

use std::io::BufRead;
use std::process::Stdio;

use crate::common::*;

/// The long (or short-only) flag names in the Options section of a help text.
fn options(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Options:"))
        .filter_map(|l| {
            let t = l.trim_start();
            if !t.starts_with('-') {
                return None;
            }
            let flag = t
                .split([' ', ','])
                .find(|w| w.starts_with("--"))
                .or_else(|| t.split(' ').next())?;
            Some(flag.split(['=', '<']).next()?.to_string())
        })
        .collect()
}

fn help(env: &TestEnv, args: &[&str]) -> String {
    let out = env.cmd().args(args).arg("--help").output().unwrap();
    assert_success(&out);
    text(&out.stdout)
}

#[test]
fn local_serve_help_lists_only_flags_that_apply() {
    let env = TestEnv::new();
    let serve = help(&env, &["local", "serve"]);
    let mut flags = options(&serve);
    flags.sort();
    assert_eq!(
        flags,
        [
            "--data",
            "--fields",
            "--help",
            "--host",
            "--jq",
            "--json",
            "--log-level",
            "--log-requests",
            "--memory",
            "--port",
            "--verbose",
            "--version"
        ],
        "{serve}"
    );

    let local = help(&env, &["local"]);
    let mut flags = options(&local);
    flags.sort();
    assert_eq!(
        flags,
        [
            "--filter",
            "--help",
            "--host",
            "--log-level",
            "--port",
            "--quiet",
            "--verbose",
            "--version"
        ],
        "{local}"
    );

    // Other commands keep every global flag.
    let issues = options(&help(&env, &["issue", "list"]));
    for f in [
        "--org",
        "--project",
        "--auth-token",
        "--url",
        "--json",
        "--jq",
    ] {
        assert!(issues.iter().any(|o| o == f), "{f} in {issues:?}");
    }
}

#[test]
fn local_help_says_how_to_send_test_events() {
    let env = TestEnv::new();
    let local = help(&env, &["local"]);
    assert!(
        local
            .lines()
            .any(|l| l.trim_start().starts_with("demo-events ")),
        "demo-events listed under Commands:\n{local}"
    );
    assert!(
        local.contains("sentry local demo-events"),
        "an example that sends test events:\n{local}"
    );
    let demo = help(&env, &["local", "demo-events"]);
    assert!(demo.contains("--dsn"), "{demo}");
}

/// Hidden is not removed: scripts that pass `--org` everywhere keep working.
#[test]
fn hidden_global_flags_are_still_accepted() {
    let env = TestEnv::new();
    let mut child = ChildGuard(
        env.std_cmd()
            .args([
                "local", "serve", "--port", "0", "--memory", "--org", "x", "--jq", ".org",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    std::io::BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "local\n");
}

/// `local demo-events` without `--dsn` sends to the running `local serve`.
#[test]
fn demo_events_default_to_the_running_local_server() {
    let env = TestEnv::new();
    let (_child, info, _reader) = env.serve_child(&["--port", "0", "--memory"]);
    let out = env
        .cmd()
        .args(["local", "demo-events", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["eventIds"].as_array().unwrap().len(), 4);
    let out = env
        .cmd()
        .env("SENTRY_URL", info["url"].as_str().unwrap())
        .env("SENTRY_AUTH_TOKEN", info["token"].as_str().unwrap())
        .args([
            "issue",
            "list",
            "local/app",
            "--json",
            "--jq",
            ".data | length",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "3\n", "{}", text(&out.stderr));

    // Nothing running and no --dsn: a clear error, not a panic or a hang.
    let other = TestEnv::new();
    let out = other.cmd().args(["local", "demo-events"]).output().unwrap();
    assert_exit(&out, 20);
    assert!(
        text(&out.stderr).contains("No --dsn given and no running `sentry local serve` found"),
        "{}",
        text(&out.stderr)
    );
}
