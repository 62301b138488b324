//! `project view`, `event view`, `issue view` and `issue events` against the local server:
//! target errors, auto-detection failures, event-ID prefixes, the event body and attachments,
//! with the exact texts upstream 0.49 prints.

use crate::cmds_support;

use crate::cmds_support::{clear_log, fault, logged, send_event};
use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};
use serde_json::{json, Value};

const PROJECT_VIEW_UNDETECTED: &str = "Error: Could not auto-detect organization and project.

Provide them explicitly:
  sentry project view <org>/<project>

Or:
  - Run from a directory with a Sentry DSN in source code or .env files
  - Set SENTRY_ORG and SENTRY_PROJECT (or SENTRY_DSN) environment variables
  - Run 'sentry org list' to find your organization slug
  - Run 'sentry project list <org>/' to find project slugs
";

const EVENT_VIEW_UNDETECTED: &str = "Error: Could not auto-detect organization and project.

Provide them explicitly:
  sentry event view <org>/<project> <event-id>

Or:
  - Run from a directory with a Sentry DSN in source code or .env files
  - Set SENTRY_ORG and SENTRY_PROJECT (or SENTRY_DSN) environment variables
  - Run 'sentry org list' to find your organization slug
  - Run 'sentry project list <org>/' to find project slugs
";

fn add_project(env: &TestEnv, slug: &str) {
    let out = env
        .api_cmd()
        .args(["project", "create", &format!("local/{slug}:python")])
        .output()
        .unwrap();
    assert_success(&out);
}

/// A Python error event with a stack trace carrying source context and a mechanism, as an
/// SDK sends it.
fn python_event() -> Value {
    json!({
        "platform": "python",
        "level": "error",
        "release": "shop@1.4.2",
        "contexts": {"os": {"name": "Linux", "version": "6.8"},
                     "runtime": {"name": "CPython", "version": "3.12.3"}},
        "user": {"id": "7", "email": "grace@example.com"},
        "exception": {"values": [{
            "type": "ZeroDivisionError",
            "value": "division by zero",
            "mechanism": {"type": "generic", "handled": false},
            "stacktrace": {"frames": [
                {"filename": "shop/app.py", "function": "handle_request", "lineno": 88, "in_app": true},
                {"filename": "shop/stats.py", "function": "compute_average", "lineno": 12, "in_app": true,
                 "pre_context": ["def compute_average(total, count):"],
                 "context_line": "    return total / count",
                 "post_context": ["", "# end"]}
            ]}
        }]}
    })
}

const EVENT_A: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const EVENT_B: &str = "a1b2c3d4ffffffffffffffffffffffff";

#[test]
fn project_view_org_only_needs_a_project_and_sends_nothing() {
    let env = TestEnv::with_server();
    clear_log(&env);
    let out = env
        .api_cmd()
        .args(["project", "view", "local/"])
        .output()
        .unwrap();
    assert_exit(&out, 22);
    assert_eq!(
        text(&out.stderr),
        "Error: Specific project is required.

Specify it using:
  sentry project view local/<project>

Or:
  - Specify the full org/project target, not just the organization
"
    );
    assert_eq!(text(&out.stdout), "");
    assert_eq!(logged(&env), Vec::<String>::new());
}

#[test]
fn project_view_of_a_missing_project_is_an_api_failure() {
    let env = TestEnv::with_server();
    for target in ["local/missing", "missing-org/app"] {
        let out = env
            .api_cmd()
            .args(["project", "view", target])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(30), "{target}");
        assert_eq!(
            text(&out.stderr),
            "Error: Failed to get project: 404 Not Found\n  The requested resource does not exist\n",
            "{target}"
        );
        assert_eq!(text(&out.stdout), "");
    }
}

#[test]
fn project_view_without_a_detectable_target_exits_22_at_once() {
    let env = TestEnv::with_server();
    // One org with one project: upstream's `project view` does not guess it.
    let out = env.api_cmd().args(["project", "view"]).output().unwrap();
    assert_eq!(out.status.code(), Some(22), "{}", text(&out.stdout));
    assert_eq!(text(&out.stderr), PROJECT_VIEW_UNDETECTED);

    // Only an org configured: still no project.
    let out = env
        .api_cmd()
        .env("SENTRY_ORG", "local")
        .args(["project", "view"])
        .output()
        .unwrap();
    assert_exit(&out, 22);
    assert_eq!(text(&out.stderr), PROJECT_VIEW_UNDETECTED);

    // Failing lookups while guessing are "not detected", not an API error.
    for status in [404, 403, 500] {
        fault(
            &env,
            json!({"path_prefix": "/api/0/organizations/", "status": status,
                   "body": "{\"detail\":\"boom\"}"}),
        );
        let out = env
            .api_cmd()
            .env("SENTRY_HTTP_MAX_RETRIES", "0")
            .args(["project", "view"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(22), "{status}");
        assert_eq!(text(&out.stderr), PROJECT_VIEW_UNDETECTED, "{status}");
        cmds_support::http(&env, "DELETE", "/_test/faults", None, &[]);
    }

    // With --json the same error as one object on stderr.
    let out = env
        .api_cmd()
        .args(["project", "view", "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 22);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        err["error"]["message"],
        "Could not auto-detect organization and project."
    );
    assert!(err["error"]["hint"]
        .as_str()
        .unwrap()
        .starts_with("Provide them explicitly:\n  sentry project view <org>/<project>\n"));
}

#[test]
fn event_view_without_a_target_guesses_or_searches_then_exits_22() {
    let env = TestEnv::with_server();
    send_event(&env, EVENT_A, python_event(), &[]);

    // The only org with the only project is used.
    let out = env
        .api_cmd()
        .args(["event", "view", EVENT_A])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(text(&out.stdout).ends_with("\nDetected from your only accessible org/project\n"));

    // A failing project listing while guessing: the event is found org-wide instead.
    fault(
        &env,
        json!({"path_prefix": "/api/0/organizations/local/projects/", "status": 404,
               "body": "{\"detail\":\"The requested resource does not exist\"}"}),
    );
    let out = env
        .api_cmd()
        .args(["event", "view", EVENT_A])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stderr),
        format!("Warning: Found event in local/app. Use: sentry event view local/app {EVENT_A}\n")
    );
    // An unknown event: nothing to go on, exit 22 (not the 404 of the listing, not 30).
    let out = env
        .api_cmd()
        .args(["event", "view", "0123456789abcdef0123456789abcdef"])
        .output()
        .unwrap();
    assert_exit(&out, 22);
    assert_eq!(text(&out.stderr), EVENT_VIEW_UNDETECTED);

    // Two projects: nothing to guess; an unknown event is exit 22 as well.
    cmds_support::http(&env, "DELETE", "/_test/faults", None, &[]);
    add_project(&env, "web");
    let out = env
        .api_cmd()
        .args(["event", "view", "0123456789abcdef0123456789abcdef"])
        .output()
        .unwrap();
    assert_exit(&out, 22);
    assert_eq!(text(&out.stderr), EVENT_VIEW_UNDETECTED);
}

/// [`python_event`] at a fixed time (seconds since the epoch, recent enough for the 90-day
/// prefix lookup), so "newest first" is deterministic.
fn python_event_at(age_secs: i64) -> Value {
    let mut ev = python_event();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    ev["timestamp"] = json!(now - age_secs);
    ev
}

const EVENT_C: &str = "b0b0b0b0c1c1c1c1d2d2d2d2e3e3e3e3";
const SCAN: &str = "GET /api/0/organizations/local/events/?dataset=errors&field=id&query=project%3Aapp&sort=-timestamp&per_page=100&statsPeriod=90d";

#[test]
fn issue_events_shows_whole_ids_and_event_view_takes_them_or_a_prefix() {
    let env = TestEnv::with_server();
    send_event(&env, EVENT_A, python_event_at(300), &[]);
    send_event(&env, EVENT_B, python_event_at(200), &[]);
    send_event(&env, EVENT_C, python_event_at(100), &[]);

    // Wide enough that the table does not wrap: the IDs are whole.
    let out = env
        .api_cmd()
        .env("COLUMNS", "200")
        .args(["issue", "events", "local/APP-1"])
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = text(&out.stdout);
    for id in [EVENT_A, EVENT_B, EVENT_C] {
        assert!(stdout.contains(&format!("│ {id} │")), "{stdout}");
    }
    assert!(
        stdout.ends_with("╯\n\n\nShowing 3 events. Use 'sentry event view <EVENT_ID>' to view full event details.\n"),
        "{stdout}"
    );
    let out = env
        .api_cmd()
        .env("COLUMNS", "200")
        .args(["issue", "events", "local/APP-1", "-n", "1"])
        .output()
        .unwrap();
    assert!(text(&out.stdout)
        .ends_with("\n\nShowing 1 event. Next: sentry issue events local/APP-1 -c next\n"));

    // What the list shows is what `event view` takes.
    let out = env
        .api_cmd()
        .args(["event", "view", &format!("local/app/{EVENT_C}")])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(text(&out.stdout).starts_with(&format!("Event {EVENT_C}\n")));
    assert_eq!(text(&out.stderr), "");

    // So does an event URL (the org from the URL, the project from the event).
    let url = format!(
        "{}/organizations/local/issues/1/events/{EVENT_C}/",
        env.url()
    );
    let out = env
        .api_cmd()
        .args(["event", "view", &url, "--json", "--fields", "eventID"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out), json!({"eventID": EVENT_C}));

    // An unambiguous prefix: one lookup among the project's recent events, then the event.
    for (args, shown) in [
        (vec!["local/app/b0b0b0b0c1c1"], "b0b0b0b0c1c1"),
        (vec!["local/app", "B0B0-B0B0"], "B0B0-B0B0"),
        (vec!["b0b0b0b0", "local/app"], "b0b0b0b0"),
    ] {
        clear_log(&env);
        let out = env
            .api_cmd()
            .arg("event")
            .arg("view")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let prefix = shown.to_lowercase().replace('-', "");
        let note = format!(
            "Warning: Interpreting '{shown}' as event {EVENT_C} (matched prefix {prefix}).\n"
        );
        assert!(
            text(&out.stderr).ends_with(&note),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stdout).starts_with(&format!("Event {EVENT_C}\n")));
        let log = logged(&env);
        assert_eq!(log[0], SCAN, "{log:?}");
        assert_eq!(
            log[1],
            format!("GET /api/0/projects/local/app/events/{EVENT_C}/?collapse=adjacentEvents")
        );
    }
    // With the end of the ID after an ellipsis, as other tools shorten IDs.
    let out = env
        .api_cmd()
        .args([
            "event",
            "view",
            "local/app/a1b2c3d4…ffff",
            "--json",
            "--fields",
            "eventID",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out), json!({"eventID": EVENT_B}));
    assert_eq!(
        text(&out.stderr),
        format!("Warning: Interpreting 'a1b2c3d4…ffff' as event {EVENT_B} (matched prefix a1b2c3d4…ffff).\n")
    );
    // Junk after a whole ID is dropped with a warning, without a lookup.
    clear_log(&env);
    let out = env
        .api_cmd()
        .args([
            "event",
            "view",
            &format!("local/app/{EVENT_C}ios"),
            "--json",
            "--fields",
            "eventID",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out), json!({"eventID": EVENT_C}));
    assert_eq!(
        text(&out.stderr),
        format!("Warning: Stripped trailing 'ios' from event ID. Using {EVENT_C}.\n")
    );
    assert!(!logged(&env).contains(&SCAN.to_string()));
}

#[test]
fn event_id_prefixes_that_fit_none_or_several_events_or_are_too_short() {
    let env = TestEnv::with_server();
    send_event(&env, EVENT_A, python_event_at(300), &[]);
    send_event(&env, EVENT_B, python_event_at(200), &[]);

    let run = |args: &[&str]| {
        clear_log(&env);
        let out = env
            .api_cmd()
            .arg("event")
            .arg("view")
            .args(args)
            .output()
            .unwrap();
        // The org's region is looked up once per config dir; not part of what is checked.
        let mut log = logged(&env);
        log.retain(|l| l != "GET /api/0/organizations/local/");
        (out.status.code(), text(&out.stdout), text(&out.stderr), log)
    };

    let (code, stdout, stderr, log) = run(&["local/app/a1b2c3d4"]);
    assert_eq!((code, stdout.as_str()), (Some(23), ""));
    assert_eq!(
        stderr,
        format!(
            "Error: Event prefix 'a1b2c3d4' matches 2 events.

Try:
  Re-run with more characters or the full ID: sentry event view local/app/<id>

Or:
  - sentry event view local/app/{EVENT_B}
  - sentry event view local/app/{EVENT_A}
"
        )
    );
    assert_eq!(log, vec![SCAN.to_string()]);

    let (code, _, stderr, log) = run(&["local/app/deadbeef"]);
    assert_eq!(code, Some(23));
    assert_eq!(
        stderr,
        "Error: Event 'deadbeef' not found.

Try:
  sentry event view local/app/<id>

Or:
  - No event matched this prefix in the last 90d. Sentry cannot search by a partial event ID — pass the full 32-character ID printed by `sentry event list`.
"
    );
    assert_eq!(log, vec![SCAN.to_string()]);

    // Without a named project nothing is looked up.
    for (args, command) in [
        (
            vec!["a1b2c3d4e5f6"],
            "sentry event view <org>/<project>/<id>",
        ),
        (
            vec!["local/", "a1b2c3d4e5f6"],
            "sentry event view local/<project>/<id>",
        ),
    ] {
        let (code, _, stderr, log) = run(&args);
        assert_eq!(code, Some(23), "{args:?}");
        assert!(
            stderr.starts_with(&format!(
                "Error: Event 'a1b2c3d4e5f6' not found.\n\nTry:\n  {command}\n\nOr:\n"
            )),
            "{args:?}: {stderr}"
        );
        assert_eq!(log, Vec::<String>::new(), "{args:?}");
    }

    // Too short, a shell leftover, a slug: refused before any request.
    let (code, _, stderr, log) = run(&["local/app/a1b2c3d"]);
    assert_eq!(code, Some(21));
    assert_eq!(
        stderr,
        "Error: Invalid event ID \"a1b2c3d\". Expected a 32-character hexadecimal string.

Example: abc123def456abc123def456abc123de

Need at least 8 hex chars of the event ID to attempt recovery.
"
    );
    assert_eq!(log, Vec::<String>::new());
    let (code, _, stderr, log) = run(&["local/app/null"]);
    assert_eq!(code, Some(21));
    assert!(stderr.ends_with(
        "\n\n'null' is not a hex event ID — this often means a shell variable or pipeline value was empty.\n"
    ));
    assert_eq!(log, Vec::<String>::new());
    let (code, _, stderr, log) = run(&["local/app/my-project"]);
    assert_eq!(code, Some(23));
    assert_eq!(
        stderr,
        "Error: Event 'my-project' is not a valid ID.

Try:
  sentry event view local/app/<id>

Or:
  - 'my-project' looks like a project slug, not a event ID. Try: sentry issue list local/my-project
"
    );
    assert_eq!(log, Vec::<String>::new());
}

const STACK_TRACE: &str = "Stack Trace

ZeroDivisionError: division by zero
mechanism: generic (unhandled)

at compute_average (shop/stats.py:12:?) [in-app]

        11 | def compute_average(total, count):
  >     12 |     return total / count
        13 | 
        14 | # end

at handle_request (shop/app.py:88:?) [in-app]

Tags
";

#[test]
fn event_and_issue_view_show_source_lines_mechanism_and_whole_ids() {
    let env = TestEnv::with_server();
    send_event(&env, EVENT_A, python_event(), &[]);

    let out = env
        .api_cmd()
        .args(["event", "view", &format!("local/app/{EVENT_A}")])
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!("Event {EVENT_A}\n")),
        "{stdout}"
    );
    assert!(stdout.contains(STACK_TRACE), "{stdout}");
    // Environment is browser, OS and device only.
    assert!(
        stdout.contains(
            "Environment\n\n╭────┬───────────╮\n│ OS │ Linux 6.8 │\n╰────┴───────────╯\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("╯\n\nNo trace data available for this event.\n"),
        "{stdout}"
    );

    let out = env
        .api_cmd()
        .args(["issue", "view", "local/APP-1"])
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "Function: compute_average\nLatest Event ({EVENT_A})\n"
        )),
        "{stdout}"
    );
    assert!(stdout.contains(STACK_TRACE), "{stdout}");

    // --spans no: no trace lookup and no trace note.
    let out = env
        .api_cmd()
        .args([
            "event",
            "view",
            &format!("local/app/{EVENT_A}"),
            "--spans",
            "no",
        ])
        .output()
        .unwrap();
    assert!(text(&out.stdout).ends_with("╯\n"), "{}", text(&out.stdout));
}

#[test]
fn event_view_json_carries_attachments_with_download_urls() {
    let env = TestEnv::with_server();
    send_event(&env, EVENT_A, python_event(), &[]);
    let out = env
        .api_cmd()
        .args(["event", "view", &format!("local/app/{EVENT_A}"), "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["attachments"], json!([]));

    let log_bytes = b"line one\nline two\n".to_vec();
    let dump = vec![0u8; 3000];
    send_event(
        &env,
        EVENT_B,
        python_event(),
        &[
            (
                json!({"type": "attachment", "filename": "app.log", "content_type": "text/plain"}),
                log_bytes.clone(),
            ),
            (
                json!({"type": "attachment", "filename": "core dump.bin"}),
                dump,
            ),
        ],
    );
    clear_log(&env);
    let out = env
        .api_cmd()
        .args(["event", "view", &format!("local/app/{EVENT_B}"), "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let atts = stdout_json(&out)["attachments"].clone();
    let atts = atts.as_array().expect("attachments array");
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0]["name"], "app.log");
    assert_eq!(atts[0]["mimetype"], "text/plain");
    assert_eq!(atts[0]["size"], 18);
    assert_eq!(atts[0]["type"], "event.attachment");
    assert_eq!(atts[0]["event_id"], EVENT_B);
    assert_eq!(atts[1]["name"], "core dump.bin");
    assert_eq!(atts[1]["mimetype"], "application/octet-stream");
    let id = atts[0]["id"].as_str().unwrap().to_string();
    let download = format!(
        "{}/api/0/projects/local/app/events/{EVENT_B}/attachments/{id}/?download=1",
        env.url()
    );
    assert_eq!(atts[0]["download"], download.as_str());
    assert!(logged(&env).contains(&format!(
        "GET /api/0/projects/local/app/events/{EVENT_B}/attachments/?per_page=100"
    )));

    // Human: listed under the span-tree note, with a download hint.
    let out = env
        .api_cmd()
        .args(["event", "view", &format!("local/app/{EVENT_B}")])
        .output()
        .unwrap();
    let id2 = atts[1]["id"].as_str().unwrap();
    assert!(
        text(&out.stdout).ends_with(&format!(
            "No trace data available for this event.
Attachments

• app.log (text/plain, 18 B) — {id}
• core dump.bin (application/octet-stream, 2.9 KB) — {id2}

Download attachment: sentry api '{download}' > 'app.log' (1 more)
"
        )),
        "{}",
        text(&out.stdout)
    );

    // The hint's command works: the bytes come back as sent.
    let out = env.api_cmd().args(["api", &download]).output().unwrap();
    assert_success(&out);
    assert_eq!(out.stdout, log_bytes);
}
