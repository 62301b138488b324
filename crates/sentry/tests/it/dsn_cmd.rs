//! `sentry dsn list` against the local server: a project's keys, the org-wide key list with
//! each key's project, and the JSON envelope 0.49 prints.

use crate::common::{assert_success, run, stdout_json, TestEnv};
use serde_json::json;

#[test]
fn project_and_org_wide_listings_show_the_servers_key() {
    let env = TestEnv::with_server();
    let dsn = env.server().dsn();
    let out = env
        .api_cmd()
        .args(["dsn", "list", "local/app", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    let created = v["data"][0]["dateCreated"].clone();
    assert!(created.is_string(), "{v}");
    let want = json!({
        "data": [{"name": "Default", "isActive": true, "dateCreated": created, "dsn": dsn,
            "org": "local", "project": "app"}],
        "hasMore": false,
        "hasPrev": false,
    });
    assert_eq!(v, want);

    let out = env
        .api_cmd()
        .args(["dsn", "ls", "local/", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out), want);

    let (code, out, err) = run(env.api_cmd().args(["dsn", "list", "local/app"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.contains("local/app") && out.contains("Enabled"),
        "{out}"
    );
}

#[test]
fn an_unknown_project_is_not_found_like_upstream() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(env.api_cmd().args(["dsn", "list", "local/nope"]));
    assert_eq!((code, out.as_str()), (23, ""));
    assert_eq!(
        err,
        "Error: Project 'nope' not found in organization 'local'.\n\nTry:\n  sentry project list local/\n"
    );
}
