//! `issue` and `event` commands against the local server: every issue-ID form, pagination both
//! ways and past 100, status changes, merge, event lookups, and the validation exit codes.

use std::time::{Duration, Instant};

use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};
use serde_json::Value;

/// Sends events through the DSN ingest path and waits until `issues` issues exist.
fn seed(env: &TestEnv, extra: &[&str], issues: usize) {
    let dsn = env.server().dsn();
    let mut args = vec!["local", "demo-events", "--dsn", dsn.as_str()];
    args.extend_from_slice(extra);
    let out = env.cmd().args(&args).output().unwrap();
    assert_success(&out);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = list(env, &["local/", "-n", "1000"]);
        if v["data"].as_array().map(Vec::len) == Some(issues) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "ingest did not produce {issues} issues: {v}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn list(env: &TestEnv, extra: &[&str]) -> Value {
    let mut args = vec!["issue", "list", "--json"];
    args.extend_from_slice(extra);
    let out = env.api_cmd().args(&args).output().unwrap();
    assert_success(&out);
    stdout_json(&out)
}

fn short_ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["shortId"].as_str().unwrap().to_string())
        .collect()
}

/// The short ID of the issue with two events (the two ZeroDivisionErrors group together).
fn grouped_issue(env: &TestEnv) -> (String, String) {
    let v = list(env, &["local/"]);
    let i = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["count"] == "2")
        .expect("grouped issue");
    (
        i["shortId"].as_str().unwrap().into(),
        i["id"].as_str().unwrap().into(),
    )
}

#[test]
fn issue_list_human_and_json() {
    let env = TestEnv::with_server();
    seed(&env, &[], 3);
    let v = list(&env, &["local/"]);
    assert_eq!(v["hasMore"], false);
    assert_eq!(v["hasPrev"], false);
    assert!(v.get("nextCursor").is_none());
    assert_eq!(short_ids(&v), vec!["APP-3", "APP-2", "APP-1"]);
    assert!(v.get("_searchSyntax").is_none(), "only on empty results");

    let out = env
        .api_cmd()
        .args(["issues", "local/app"])
        .output()
        .unwrap();
    let human = text(&out.stdout);
    assert!(human.starts_with("Issues in local/app:\n"), "{human}");
    assert!(human.contains("SHORT ID") && human.contains("TRIAGE"));
    assert!(human.contains("APP-1") && human.contains("ZeroDivisionError"));
    // Project mode ends like upstream's: the tip about `issue view`, no count.
    assert!(
        human.ends_with("\n\nTip: Use 'sentry issue view <ID>' to view details (bold part works as shorthand).\n"),
        "{human}"
    );
    let org_mode = text(
        &env.api_cmd()
            .args(["issues", "local/"])
            .output()
            .unwrap()
            .stdout,
    );
    assert!(
        org_mode.ends_with("╯\n\n\nShowing 3 issues\n"),
        "{org_mode}"
    );
    // Count columns are right-aligned under left-aligned headers, like upstream.
    let app1 = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["shortId"] == "APP-1")
        .unwrap();
    let row = human
        .lines()
        .find(|l| l.starts_with("│ APP-1 "))
        .unwrap_or_else(|| panic!("{human}"));
    let cells: Vec<&str> = row.split('│').collect();
    assert_eq!(
        cells[5],
        format!(" {:>6} ", app1["count"].as_str().unwrap()),
        "{row}"
    );
    assert_eq!(
        cells[6],
        format!(" {:>5} ", app1["userCount"].to_string()),
        "{row}"
    );
    assert!(human.contains("│ EVENTS │ USERS │"), "{human}");

    // Query and sort reach the server.
    let v = list(&env, &["local/", "-q", "ZeroDivisionError", "-s", "freq"]);
    assert_eq!(short_ids(&v), vec!["APP-1"]);
    let v = list(&env, &["local/", "-t", ">=2020-01-01"]);
    assert_eq!(short_ids(&v).len(), 3);

    // Validation before any request.
    for (args, code, msg) in [
        (
            vec!["issue", "list", "local/", "-n", "0"],
            21,
            "--limit must be at least 1",
        ),
        (
            vec!["issue", "list", "local/", "-n", "1001"],
            21,
            "--limit cannot exceed 1000",
        ),
        (
            vec!["issue", "list", "local/", "-c", "5"],
            21,
            "bare number",
        ),
        (
            vec!["issue", "list", "local/", "-t", "yesterday"],
            21,
            "period",
        ),
        (vec!["issue", "list", "@bad/"], 21, ""),
    ] {
        let out = env.api_cmd().args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(msg),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn pagination_forward_back_and_past_100() {
    let env = TestEnv::with_server();
    seed(&env, &["--distinct", "250"], 250);

    let v = list(&env, &["local/", "--limit", "250"]);
    assert_eq!(v["data"].as_array().unwrap().len(), 250);
    assert_eq!(v["hasMore"], false);
    let all = short_ids(&v);
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 250, "pages overlapped");

    let p1 = list(&env, &["local/", "-n", "100"]);
    assert_eq!(p1["hasMore"], true);
    assert_eq!(p1["hasPrev"], false);
    assert!(p1["nextCursor"].is_string());
    assert_eq!(short_ids(&p1), all[..100].to_vec());
    let p2 = list(&env, &["local/", "-n", "100", "-c", "next"]);
    assert_eq!(short_ids(&p2), all[100..200].to_vec());
    assert_eq!(p2["hasPrev"], true);
    let p3 = list(&env, &["local/", "-n", "100", "-c", "next"]);
    assert_eq!(short_ids(&p3), all[200..].to_vec());
    assert_eq!(p3["hasMore"], false);
    let out = env
        .api_cmd()
        .args(["issue", "list", "local/", "-n", "100", "-c", "next"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(21), "no page after the last");
    let back = list(&env, &["local/", "-n", "100", "-c", "prev"]);
    assert_eq!(short_ids(&back), all[100..200].to_vec());
    let back = list(&env, &["local/", "-n", "100", "-c", "prev"]);
    assert_eq!(short_ids(&back), all[..100].to_vec());
    assert_eq!(back["hasPrev"], false);
    let first = list(&env, &["local/", "-n", "100", "-c", "first"]);
    assert_eq!(short_ids(&first), all[..100].to_vec());
    // A raw cursor is sent as is.
    let cursor = p1["nextCursor"].as_str().unwrap().to_string();
    let raw = list(&env, &["local/", "-n", "100", "-c", &cursor]);
    assert_eq!(short_ids(&raw), all[100..200].to_vec());
}

#[test]
fn every_issue_id_form_resolves() {
    let env = TestEnv::with_server();
    seed(&env, &[], 3);
    let (short, id) = grouped_issue(&env);
    assert_eq!(short, "APP-1");
    let suffix = short.rsplit('-').next().unwrap().to_string();
    let url = env.url();
    let forms: Vec<(Vec<(&str, String)>, String)> = vec![
        (vec![], id.clone()),
        (vec![], format!("local/{id}")),
        (vec![], short.clone()),
        (vec![], short.to_lowercase()),
        (vec![], format!("local/{short}")),
        (vec![], format!("local/app/{suffix}")),
        (vec![], format!("local/app#{short}")),
        (vec![], format!("app#{suffix}")),
        (vec![], format!("#{short}")),
        (vec![], format!("APP:{suffix}")),
        (vec![], format!("APP:{short}")),
        (vec![], format!("app-{suffix}")),
        (
            vec![
                ("SENTRY_ORG", "local".into()),
                ("SENTRY_PROJECT", "app".into()),
            ],
            suffix.clone(),
        ),
        (vec![], "@most_frequent".into()),
        (vec![], "local/@most_frequent".to_string()),
        (vec![], format!("{url}/organizations/local/issues/{id}/")),
    ];
    for (envs, form) in forms {
        let mut cmd = env.api_cmd();
        for (k, v) in &envs {
            cmd.env(k, v);
        }
        let out = cmd
            .args([
                "issue",
                "view",
                &form,
                "--json",
                "--fields",
                "id,shortId,org",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{form}: {}", text(&out.stderr));
        assert_eq!(
            stdout_json(&out),
            serde_json::json!({"id": id, "shortId": short, "org": "local"}),
            "{form}"
        );
    }
    // @latest is the most recently seen issue.
    let out = env
        .api_cmd()
        .args(["issue", "view", "@latest", "--json", "--fields", "shortId"])
        .output()
        .unwrap();
    assert_success(&out);

    // Malformed: exit 21 before any request; unknown: 23; suffix without project: 22.
    for (form, code) in [
        ("issue-1", 21),
        ("a b/c", 21),
        ("local/G", 23),
        ("APP-ZZZZ", 23),
        ("999999", 23),
        ("G", 22),
    ] {
        let out = env
            .api_cmd()
            .args(["issue", "view", form])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{form}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn issue_view_shows_latest_event_and_json_extras() {
    let env = TestEnv::with_server();
    seed(&env, &[], 3);
    let out = env
        .api_cmd()
        .args(["issue", "view", "APP-1"])
        .output()
        .unwrap();
    let human = text(&out.stdout);
    assert!(
        human.starts_with("APP-1: ZeroDivisionError: division by zero\n"),
        "{human}"
    );
    for needle in [
        "● Unresolved",
        "Latest Event (",
        "Stack Trace",
        "at compute_average (shop/stats.py:12:?) [in-app]",
        "Tags",
        "route",
        "No trace data available",
    ] {
        assert!(human.contains(needle), "missing {needle}: {human}");
    }
    let v = stdout_json(
        &env.api_cmd()
            .args(["issue", "view", "APP-1", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["org"], "local");
    assert_eq!(v["replayIds"], serde_json::json!([]));
    assert_eq!(v["trace"], Value::Null);
    assert_eq!(v["event"]["groupID"], v["id"]);

    let out = env
        .api_cmd()
        .args(["issue", "view", "APP-1", "-w"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}/organizations/local/issues/{}/\n",
            env.url(),
            v["id"].as_str().unwrap()
        )
    );
}

#[test]
fn issue_events_and_event_view() {
    let env = TestEnv::with_server();
    seed(&env, &[], 3);
    let v = stdout_json(
        &env.api_cmd()
            .args(["issue", "events", "APP-1", "--json"])
            .output()
            .unwrap(),
    );
    let events = v["data"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(v["hasMore"], false);
    let v1 = stdout_json(
        &env.api_cmd()
            .args(["event", "list", "APP-1", "-n", "1", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v1["data"].as_array().unwrap().len(), 1);
    assert_eq!(v1["hasMore"], true);
    let event_id = events[0]["eventID"].as_str().unwrap().to_string();

    let out = env
        .api_cmd()
        .args(["event", "view", "local/app", &event_id])
        .output()
        .unwrap();
    assert_success(&out);
    let human = text(&out.stdout);
    assert!(human.starts_with(&format!("Event {event_id}\n")), "{human}");
    assert!(
        human.contains("Stack Trace") && human.contains("Linux"),
        "{human}"
    );

    let v = stdout_json(
        &env.api_cmd()
            .args(["event", "view", &format!("local/app/{event_id}"), "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["eventID"], event_id.as_str());
    assert_eq!(v["trace"], Value::Null);
    // Bare ID: found through the only org/project (or the eventids lookup).
    let v = stdout_json(
        &env.api_cmd()
            .args(["event", "view", &event_id, "--json", "--fields", "eventID"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["eventID"], event_id.as_str());
    // Two IDs: an array.
    let other = events[1]["eventID"].as_str().unwrap();
    let v = stdout_json(
        &env.api_cmd()
            .args(["event", "view", "local/app", &event_id, other, "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v.as_array().map(Vec::len), Some(2));

    for (args, code) in [
        (vec!["event", "view", "local/app"], 22),
        (vec!["event", "view", "nothex"], 21),
        // Shaped like a slug: upstream calls it "not a valid ID" (exit 23).
        (vec!["event", "view", "not-an-id"], 23),
        (
            vec![
                "event",
                "view",
                "local/app",
                "0123456789abcdef0123456789abcdef",
            ],
            23,
        ),
    ] {
        let out = env.api_cmd().args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn resolve_archive_unresolve_and_merge() {
    let env = TestEnv::with_server();
    seed(&env, &[], 3);
    let v = stdout_json(
        &env.api_cmd()
            .args(["issue", "resolve", "APP-2", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["status"], "resolved");
    let out = env
        .api_cmd()
        .args(["issue", "resolve", "APP-2", "--in", "@bogus"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    let v = stdout_json(
        &env.api_cmd()
            .args(["issue", "resolve", "APP-2", "--in", "1.2.3", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["status"], "resolved");
    let out = env
        .api_cmd()
        .args(["issue", "resolve", "APP-2", "--in-next-release"])
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).starts_with("Resolved in the next release\n"),
        "{}",
        text(&out.stdout)
    );
    let out = env
        .api_cmd()
        .args([
            "issue",
            "resolve",
            "APP-2",
            "--in",
            "@commit:acme/shop@abc1234",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(23),
        "unknown repo: {}",
        text(&out.stderr)
    );

    let out = env
        .api_cmd()
        .args(["issue", "unresolve", "APP-2"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).starts_with("Reopened\n"));
    let v = stdout_json(
        &env.api_cmd()
            .args(["issue", "archive", "APP-2", "-u", "escalating", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["status"], "ignored");
    assert_eq!(v["substatus"], "archived_until_escalating");

    let v = stdout_json(
        &env.api_cmd()
            .args([
                "issue", "merge", "APP-2", "APP-3", "--into", "APP-3", "--json",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(v["org"], "local");
    let parent = v["parent"]["shortId"].as_str().unwrap();
    assert!(parent == "APP-3" || parent == "APP-2", "{v}");
    assert_eq!(v["children"].as_array().unwrap().len(), 1);
    let out = env
        .api_cmd()
        .args(["issue", "merge", "APP-1", "APP-1"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
}

#[test]
fn empty_issue_list_json_explains_the_search_syntax() {
    let env = TestEnv::with_server();
    let v = list(&env, &["local/app", "--fields", "shortId"]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["data", "hasMore", "hasPrev", "_searchSyntax"]);
    assert_eq!(v["data"], serde_json::json!([]));
    let syntax = &v["_searchSyntax"];
    assert_eq!(syntax["_type"], "sentry_search_syntax");
    assert_eq!(syntax["docs"], "https://docs.sentry.io/concepts/search/");
    assert_eq!(
        syntax["operators"]["or"],
        "NOT supported \u{2014} use key:[val1,val2] in-list syntax instead"
    );
    assert_eq!(
        syntax["operators"]["comparison"],
        serde_json::json!([">=", "<=", ">", "<", "=", "!="])
    );
    assert_eq!(syntax["filterTypes"].as_array().map(Vec::len), Some(9));
    assert_eq!(syntax["commonFilters"][12], "times_seen:>100");
}
