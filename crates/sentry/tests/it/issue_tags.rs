//! `issue tags <issue> <key>` against the local server: the distribution is counted from the
//! events sent through the DSN, per environment, with 0.49's table, JSON and errors.

use serde_json::json;

use crate::cmds_support::{clear_log, logged, send_event};
use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};

/// Four events of one issue (APP-1): releases 1.1, 1.0, 1.1 in `prod` and one without a
/// release in `dev`.
fn seeded() -> TestEnv {
    let env = TestEnv::with_server();
    for (i, (release, environment)) in [
        (Some("1.1"), "prod"),
        (Some("1.0"), "prod"),
        (Some("1.1"), "prod"),
        (None, "dev"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut ev =
            json!({"message": "checkout failed", "level": "error", "environment": environment});
        if let Some(r) = release {
            ev["release"] = json!(r);
        }
        send_event(&env, &format!("{:032x}", i + 1), ev, &[]);
    }
    env
}

#[test]
fn distribution_json_human_and_environment() {
    let env = seeded();
    let out = env
        .api_cmd()
        .args(["issue", "tags", "local/APP-1", "release", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["key"], "release");
    assert_eq!(v["name"], "Release");
    assert_eq!(v["uniqueValues"], 2);
    assert_eq!(v["totalValues"], 4);
    let top: Vec<_> = v["topValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["value"].as_str().unwrap(), t["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(top, [("1.1", 2), ("1.0", 1)]);
    assert!(v["topValues"][0]["firstSeen"].is_string());

    let out = env
        .api_cmd()
        .args(["issue", "tags", "local/APP-1", "release"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(
        s.starts_with("release — top values\n\nTotal retained events: 4\n"),
        "{s}"
    );
    assert!(s.contains("│ 1.1   │      2 │ 50.0% │"), "{s}");
    assert!(
        s.contains("\n\nOther values (not shown): 1 events (25.0%).\n"),
        "{s}"
    );
    assert!(
        s.ends_with("\n\n\nIssue: APP-1. Environment: all environments. Scope: retained events.\n"),
        "{s}"
    );

    let out = env
        .api_cmd()
        .args([
            "issue",
            "tags",
            "1",
            "release",
            "-e",
            "prod",
            "--json",
            "--fields",
            "totalValues,uniqueValues",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out),
        json!({"totalValues": 3, "uniqueValues": 2})
    );
}

#[test]
fn unknown_key_and_bad_input() {
    let env = seeded();
    let out = env
        .api_cmd()
        .args(["issue", "tags", "local/APP-1", "nokey"])
        .output()
        .unwrap();
    assert_exit(&out, 30);
    assert!(
        text(&out.stderr)
            .starts_with("Error: Failed to retrieve issue tag distribution: 404 Not Found\n"),
        "{}",
        text(&out.stderr)
    );
    let out = env
        .api_cmd()
        .args(["issue", "tags", "local/APP-99", "release"])
        .output()
        .unwrap();
    assert_exit(&out, 23);
    clear_log(&env);
    for (args, code) in [
        (vec!["issue", "tags", "local/APP-1"], 2),
        (vec!["issue", "tags", "issue-1", "release"], 21),
        (vec!["issue", "tags", "local/APP-1", " "], 21),
    ] {
        let out = env.api_cmd().args(&args).output().unwrap();
        assert_exit(&out, code);
    }
    assert_eq!(logged(&env), Vec::<String>::new());
}
