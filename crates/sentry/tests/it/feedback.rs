//! `feedback` commands against the local server: User Feedback sent through the DSN (a
//! widget `feedback` item and an older `user_report`) becomes feedback issues; list, view in
//! every ID form, the status commands with their effect read back from the server, and the
//! bad inputs with 0.49's exit codes.

use serde_json::{json, Value};

use crate::cmds_support::{clear_log, http, logged, send_envelope_to, send_event};
use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};

const ERROR_ID: &str = "0123456789abcdef0123456789abcdef";
const FEEDBACK_ID: &str = "fedcba9876543210fedcba9876543210";
const REPLAY_ID: &str = "346789a703f6454384f1de473b8b9fcc";

/// An error (APP-1), a widget feedback about it (APP-2) and a user report (APP-3), sent in
/// that order through the DSN of `local/app`.
fn seeded() -> TestEnv {
    let env = TestEnv::with_server();
    send_event(
        &env,
        ERROR_ID,
        json!({"level": "error", "platform": "javascript", "message": "checkout failed"}),
        &[],
    );
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    let feedback = json!({
        "event_id": FEEDBACK_ID,
        "type": "feedback",
        "platform": "javascript",
        "level": "info",
        "sdk": {"name": "sentry.javascript.browser", "version": "9.1.0"},
        "contexts": {"feedback": {
            "message": "The checkout button does not work\nPlease fix",
            "contact_email": "ada@example.com",
            "name": "Ada",
            "url": "https://shop.example.com/checkout",
            "associated_event_id": ERROR_ID,
        }},
        "tags": {"replay.id": REPLAY_ID},
    });
    send_envelope_to(
        &env,
        project,
        &key,
        FEEDBACK_ID,
        &[(
            json!({"type": "feedback"}),
            serde_json::to_vec(&feedback).unwrap(),
        )],
    );
    let report = json!({"event_id": ERROR_ID, "name": "Bo", "email": "bo@example.com", "comments": "It crashed when I paid"});
    send_envelope_to(
        &env,
        project,
        &key,
        ERROR_ID,
        &[(
            json!({"type": "user_report"}),
            serde_json::to_vec(&report).unwrap(),
        )],
    );
    env
}

fn json_of(env: &TestEnv, args: &[&str]) -> Value {
    let out = env.api_cmd().args(args).arg("--json").output().unwrap();
    assert_success(&out);
    stdout_json(&out)
}

/// The issue as the server has it now (bypassing the CLI).
fn server_issue(env: &TestEnv, id: &str) -> Value {
    let auth = format!("Bearer {}", env.token());
    let (status, v) = http(
        env,
        "GET",
        &format!("/api/0/organizations/local/issues/{id}/"),
        None,
        &[("Authorization", auth.as_str())],
    );
    assert_eq!(status, 200, "{v}");
    v
}

fn short_ids(v: &Value) -> Vec<&str> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["shortId"].as_str().unwrap())
        .collect()
}

#[test]
fn feedback_and_user_reports_become_feedback_issues_outside_the_issue_stream() {
    let env = seeded();
    let v = json_of(&env, &["feedback", "list", "local/app"]);
    assert_eq!(short_ids(&v), ["APP-3", "APP-2"], "{v}");
    assert_eq!(v["hasMore"], json!(false));
    assert_eq!(v["hasPrev"], json!(false));
    let widget = &v["data"][1];
    assert_eq!(widget["issueCategory"], "feedback");
    assert_eq!(widget["issueType"], "feedback");
    assert_eq!(widget["type"], "generic");
    assert_eq!(widget["title"], "User Feedback");
    assert_eq!(widget["priority"], "medium");
    assert_eq!(widget["level"], "info");
    assert_eq!(
        widget["metadata"],
        json!({
            "title": "User Feedback",
            "value": "The checkout button does not work\nPlease fix",
            "message": "The checkout button does not work\nPlease fix",
            "contact_email": "ada@example.com",
            "name": "Ada",
            "source": "new_feedback_envelope",
            "associated_event_id": ERROR_ID,
            "initial_priority": 50,
            "sdk": {"name": "sentry.javascript.browser", "name_normalized": "javascript-browser"},
        })
    );
    let permalink = widget["permalink"].as_str().unwrap();
    assert!(
        permalink.ends_with("/organizations/local/feedback/?feedbackSlug=app%3A2"),
        "{permalink}"
    );
    let report = &v["data"][0];
    assert_eq!(report["metadata"]["source"], "user_report_envelope");
    assert_eq!(report["metadata"]["message"], "It crashed when I paid");
    assert_eq!(report["metadata"]["associated_event_id"], ERROR_ID);

    // Sentry's issue stream leaves feedback out.
    let issues = json_of(&env, &["issue", "list", "local/app"]);
    assert_eq!(short_ids(&issues), ["APP-1"], "{issues}");
    // The org-wide mailbox and the project search find the same two.
    for target in ["local/", "app"] {
        let v = json_of(&env, &["feedback", "list", target]);
        assert_eq!(short_ids(&v), ["APP-3", "APP-2"], "{target}: {v}");
    }
}

#[test]
fn list_sends_the_mailbox_query_and_pages_with_limit() {
    let env = seeded();
    clear_log(&env);
    let v = json_of(&env, &["feedback", "list", "local/app", "-n", "1"]);
    assert_eq!(short_ids(&v), ["APP-3"]);
    assert_eq!(v["hasMore"], json!(true));
    assert!(v["nextCursor"].is_string(), "{v}");
    let log = logged(&env);
    let search = log
        .iter()
        .find(|l| l.starts_with("GET /api/0/organizations/local/issues/"))
        .unwrap_or_else(|| panic!("{log:?}"));
    for part in [
        "query=issue.category%3Afeedback+status%3Aunresolved",
        "limit=1",
        "sort=date",
        "statsPeriod=14d",
        "project=1",
        "collapse=filtered",
        "collapse=unhandled",
    ] {
        assert!(search.contains(part), "{part} missing from {search}");
    }
    let next = json_of(
        &env,
        &["feedback", "list", "local/app", "-n", "1", "-c", "next"],
    );
    assert_eq!(short_ids(&next), ["APP-2"]);
    assert_eq!(next["hasPrev"], json!(true));

    let out = env
        .api_cmd()
        .args(["feedback", "list", "local/app", "-n", "1"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(s.starts_with("Feedback in local/app\n"), "{s}");
    assert!(s.contains("• From: Bo <bo@example.com>"), "{s}");
    assert!(
        s.contains(
            "Showing 1 feedback item. Next: sentry feedback list local/app -c next --limit 1"
        ),
        "{s}"
    );
    let empty = env
        .api_cmd()
        .args(["feedback", "list", "local/app", "--status", "resolved"])
        .output()
        .unwrap();
    assert_success(&empty);
    assert_eq!(text(&empty.stdout), "No feedback found.\n");
}

#[test]
fn view_in_every_id_form_carries_event_replays_and_attachments() {
    let env = seeded();
    let v = json_of(&env, &["feedback", "view", "local/APP-2"]);
    assert_eq!(v["id"], "2");
    assert_eq!(v["org"], "local");
    assert_eq!(v["event"]["eventID"], FEEDBACK_ID);
    assert_eq!(
        v["event"]["contexts"]["feedback"]["associated_event_id"],
        ERROR_ID
    );
    assert_eq!(v["replayIds"], json!([REPLAY_ID]));
    assert_eq!(v["attachments"], json!([]));
    let url = format!("{}/organizations/local/issues/2/", env.url());
    for form in [
        "APP-2",
        "2",
        "local/2",
        "local/app/2",
        "app-2",
        url.as_str(),
    ] {
        let w = json_of(&env, &["feedback", "view", form]);
        assert_eq!(w["id"], "2", "{form}");
        assert_eq!(w["event"]["eventID"], FEEDBACK_ID, "{form}");
    }
    // `view` is the group's default command; `show` is its hidden alias.
    let d = json_of(&env, &["feedback", "local/APP-2"]);
    assert_eq!(d["id"], "2");
    assert_eq!(d["replayIds"], json!([REPLAY_ID]));
    assert_eq!(json_of(&env, &["feedback", "show", "local/APP-2"]), d);
    // @latest is the newest unresolved feedback, not the newest issue.
    for sel in ["@latest", "local/@latest"] {
        let l = json_of(&env, &["feedback", "view", sel]);
        assert_eq!(l["shortId"], "APP-3", "{sel}");
    }

    let out = env
        .api_cmd()
        .args(["feedback", "view", "local/APP-2"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(s.starts_with("APP-2: User Feedback\n"), "{s}");
    assert!(s.contains("│ From         │ Ada <ada@example.com>"), "{s}");
    assert!(
        s.contains(&format!(
            "│ Linked error │ sentry event view local/app/{ERROR_ID} │"
        )),
        "{s}"
    );
    assert!(
        s.contains("Message\n\n  The checkout button does not work\n  Please fix\n"),
        "{s}"
    );
    assert!(
        s.contains(&format!("Latest Feedback Event ({FEEDBACK_ID})")),
        "{s}"
    );
    assert!(
        s.contains(&format!(
            "ID: {REPLAY_ID}\nLink: {}/explore/replays/{REPLAY_ID}/",
            env.url()
        )),
        "{s}"
    );
}

#[test]
fn status_commands_change_the_server_and_print_the_update() {
    let env = seeded();
    let out = env
        .api_cmd()
        .args(["feedback", "resolve", "local/APP-2"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "Resolved feedback APP-2.\n");
    assert_eq!(server_issue(&env, "2")["status"], "resolved");
    let resolved = json_of(
        &env,
        &["feedback", "list", "local/app", "--status", "resolved"],
    );
    assert_eq!(short_ids(&resolved), ["APP-2"]);

    let v = json_of(
        &env,
        &["feedback", "spam", "APP-3", "--fields", "id,shortId,status"],
    );
    assert_eq!(
        v,
        json!({"id": "3", "shortId": "APP-3", "status": "ignored"})
    );
    assert_eq!(server_issue(&env, "3")["status"], "ignored");
    let spam = json_of(&env, &["feedback", "list", "local/app", "--status", "spam"]);
    assert_eq!(short_ids(&spam), ["APP-3"]);
    let inbox = json_of(&env, &["feedback", "list", "local/app"]);
    assert_eq!(short_ids(&inbox), Vec::<&str>::new());

    let out = env
        .api_cmd()
        .args(["feedback", "reopen", "3"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "Reopened feedback APP-3.\n");
    let v = json_of(&env, &["feedback", "unresolve", "local/APP-2"]);
    assert_eq!(v["status"], "unresolved");
    assert_eq!(server_issue(&env, "2")["status"], "unresolved");
    assert_eq!(server_issue(&env, "3")["status"], "unresolved");
    let out = env
        .api_cmd()
        .args(["feedback", "spam", "local/APP-2"])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "Marked feedback APP-2 as spam.\n");
}

#[test]
fn bad_input_exit_codes_and_wording() {
    let env = seeded();
    // An error issue is refused before any change.
    for cmd in ["view", "resolve", "spam"] {
        let out = env
            .api_cmd()
            .args(["feedback", cmd, "local/APP-1"])
            .output()
            .unwrap();
        assert_exit(&out, 23);
        assert_eq!(
            text(&out.stderr),
            "Error: Issue 'APP-1' is not User Feedback.\n\nTry:\n  sentry issue view local/APP-1\n\nOr:\n  - Use a Feedback ID from: sentry feedback list\n",
            "{cmd}"
        );
    }
    assert_eq!(server_issue(&env, "1")["status"], "unresolved");

    let out = env
        .api_cmd()
        .args(["feedback", "view", "local/APP-99"])
        .output()
        .unwrap();
    assert_exit(&out, 23);
    assert_eq!(
        text(&out.stderr),
        "Error: Feedback 'local/APP-99' not found.\n\nTry:\n  sentry feedback view local/APP-99\n\nOr:\n  - List available Feedback: sentry feedback list\n"
    );
    let out = env
        .api_cmd()
        .args(["feedback", "resolve", "local/99"])
        .output()
        .unwrap();
    assert_exit(&out, 23);
    assert!(
        text(&out.stderr).starts_with(
            "Error: Issue 99 not found.\n\nTry:\n  sentry feedback resolve local/99\n"
        ),
        "{}",
        text(&out.stderr)
    );

    // Validated locally: no request reaches the server.
    clear_log(&env);
    for (args, code) in [
        (vec!["feedback", "view", "@most_frequent"], 21),
        (vec!["feedback", "resolve", "issue-1"], 21),
        (vec!["feedback", "list", "local/app", "-n", "0"], 21),
        (vec!["feedback", "list", "local/app", "-n", "1001"], 21),
        (vec!["feedback", "list", "local/app", "-t", "bogus"], 21),
        (
            vec!["feedback", "list", "local/app", "--status", "bogus"],
            2,
        ),
        (vec!["feedback"], 2),
        (vec!["feedback", "view"], 2),
    ] {
        let out = env.api_cmd().args(&args).output().unwrap();
        assert_exit(&out, code);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(logged(&env), Vec::<String>::new());
    let out = env
        .api_cmd()
        .args(["feedback", "view", "@most_frequent"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stderr),
        "Error: Feedback only supports @latest; @most_frequent is not meaningful for Feedback.\n"
    );
}

#[test]
fn latest_with_no_unresolved_feedback_is_not_found() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["feedback", "view", "local/@latest"])
        .output()
        .unwrap();
    assert_exit(&out, 23);
    assert_eq!(
        text(&out.stderr),
        "Error: Selector '@latest' found no unresolved User Feedback.\n\nTry:\n  sentry feedback list local/ --status all\n\nOr:\n  - The @latest selector only matches unresolved Feedback.\n"
    );
}
