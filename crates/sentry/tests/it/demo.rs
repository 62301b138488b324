//! The README demo (`scripts/demo.sh`) step by step: `sentry local serve` as a child process,
//! demo events through DSN ingest, then what a user sees from the CLI.

use std::time::{Duration, Instant};

use crate::common::{stdout_json, text, TestEnv};

#[test]
fn demo_steps_show_the_grouped_issue() {
    let env = TestEnv::new();
    let (_server, info, reader) = env.serve_child(&["--port", "0", "--memory"]);
    let (url, token, dsn) = (
        info["url"].as_str().unwrap().to_string(),
        info["token"].as_str().unwrap().to_string(),
        info["dsn"].as_str().unwrap().to_string(),
    );
    assert_eq!(info["org"], "local");
    assert_eq!(info["project"], "app");
    let run = |args: &[&str]| {
        let out = env
            .cmd()
            .env("SENTRY_URL", &url)
            .env("SENTRY_AUTH_TOKEN", &token)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        out
    };
    assert_eq!(
        text(&run(&["local", "demo-events", "--dsn", &dsn]).stdout),
        format!("Sent 4 events to {url}\n")
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    let list = loop {
        let v = stdout_json(&run(&[
            "issue", "list", "local/", "--sort", "freq", "--json",
        ]));
        if v["data"].as_array().map(Vec::len) == Some(3) || Instant::now() > deadline {
            break v;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let top = &list["data"][0];
    assert_eq!(top["title"], "ZeroDivisionError: division by zero");
    assert_eq!(top["count"], "2", "two events group into one issue");
    let short = top["shortId"].as_str().unwrap().to_string();

    assert!(text(&run(&["org", "list"]).stdout).contains("│ local │ Local │"));
    let human = text(&run(&["issue", "list", "local/"]).stdout);
    assert!(
        human.contains(&short) && human.contains("Showing 3 issues"),
        "{human}"
    );
    // Titles are cut to the 80 columns of a non-terminal, not wrapped: two lines per issue.
    assert!(human.lines().all(|l| l.chars().count() <= 80), "{human}");
    assert_eq!(human.lines().filter(|l| l.starts_with("│ APP-")).count(), 3);
    assert_eq!(
        human
            .lines()
            .filter(|l| l.starts_with("│          │"))
            .count(),
        3
    );
    let view = text(&run(&["issue", "view", &short]).stdout);
    assert!(
        view.contains("ZeroDivisionError: division by zero"),
        "{view}"
    );
    assert!(
        view.contains("at compute_average (shop/stats.py:12:?) [in-app]"),
        "{view}"
    );

    let events = stdout_json(&run(&["issue", "events", &short, "--json"]));
    let event_id = events["data"][0]["eventID"].as_str().unwrap().to_string();
    let ev = text(&run(&["event", "view", "local/app", &event_id]).stdout);
    assert!(ev.starts_with(&format!("Event {event_id}")), "{ev}");
    assert!(ev.contains("shop@1.4.2"), "{ev}");
    drop(reader);
}

#[test]
fn demo_script_is_the_first_command_in_the_readme() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let first_block = readme.split("```sh\n").nth(1).unwrap();
    assert!(
        first_block.starts_with("./scripts/demo.sh\n"),
        "{first_block}"
    );
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/demo.sh"
    ))
    .unwrap();
    for step in [
        "local serve --port 0 --memory --json",
        "local demo-events --dsn",
        "run org list",
        "run issue list local/",
        "run issue view",
        "run event view",
    ] {
        assert!(script.contains(step), "demo.sh lacks {step}");
    }
}
