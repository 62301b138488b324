//! `log`, `trace` and `span` against the local server, with telemetry sent through the DSN
//! (a transaction with two child spans and two logs of the same trace): 0.49's requests and
//! JSON (key order included, checked side by side with 0.49 against the same server), the
//! human tables, every bad input (bad IDs exit 21 before any request, unknown traces), and
//! `log list --follow` stopping cleanly on Ctrl-C and giving up on a server that went away.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cmds_support::{clear_log, logged, send_envelope_to};
use crate::common::{run, TestEnv};

const TRACE: &str = "aaaa1111bbbb2222cccc3333dddd4444";
const UNKNOWN: &str = "bbbb1111bbbb2222cccc3333dddd4444";

/// Whole seconds a minute ago, so every timestamp below is exact in binary and in text.
fn base() -> f64 {
    (jiff::Timestamp::now().as_second() - 60) as f64
}

fn iso(secs: f64) -> String {
    let t = jiff::Timestamp::from_millisecond((secs * 1000.0) as i64).unwrap();
    format!("{}000Z", t.strftime("%Y-%m-%dT%H:%M:%S%.3f"))
}

fn send(env: &TestEnv, header: Value, payload: Value) {
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    send_envelope_to(
        env,
        project,
        &key,
        &"c".repeat(32),
        &[(header, serde_json::to_vec(&payload).unwrap())],
    );
}

/// The transaction (root `http.server` span, `db.query` child with data, `db.fetch`
/// grandchild) and two logs, as an SDK sends them.
fn seed(env: &TestEnv) -> f64 {
    let t = base();
    send(
        env,
        json!({"type": "transaction"}),
        json!({
            "event_id": "e".repeat(32), "type": "transaction", "transaction": "GET /users",
            "start_timestamp": t, "timestamp": t + 0.5, "platform": "python",
            "contexts": {"trace": {"trace_id": TRACE, "span_id": "1000000000000001", "op": "http.server", "status": "ok"}},
            "spans": [
                {"span_id": "2000000000000002", "parent_span_id": "1000000000000001", "op": "db.query",
                 "description": "SELECT * FROM users", "start_timestamp": t + 0.125, "timestamp": t + 0.25,
                 "data": {"db.system": "postgresql"}},
                {"span_id": "3000000000000003", "parent_span_id": "2000000000000002", "op": "db.fetch",
                 "description": "fetch rows", "start_timestamp": t + 0.1875, "timestamp": t + 0.25}
            ]
        }),
    );
    send(
        env,
        json!({"type": "log", "item_count": 2, "content_type": "application/vnd.sentry.items.log+json"}),
        json!({"items": [
            {"timestamp": t + 0.25, "trace_id": TRACE, "span_id": "2000000000000002", "level": "info",
             "body": "user list served",
             "attributes": {"sentry.environment": {"value": "production", "type": "string"},
                            "code.function": {"value": "list_users", "type": "string"},
                            "code.line.number": {"value": 42, "type": "integer"}}},
            {"timestamp": t + 0.5, "trace_id": TRACE, "level": "error", "body": "slow query detected"}
        ]}),
    );
    t
}

fn json_of(env: &TestEnv, args: &[&str]) -> Value {
    let (code, out, err) = run(env.api_cmd().args(args).arg("--json"));
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn ns(secs: f64) -> i64 {
    (secs * 1e6).round() as i64 * 1000
}

#[test]
fn log_list_project_and_trace_modes() {
    let env = TestEnv::with_server();
    let t = seed(&env);
    clear_log(&env);
    let v = json_of(&env, &["log", "list", "local/app"]);
    let first_id = v["data"][1]["sentry.item_id"].as_str().unwrap().to_string();
    assert_eq!(
        v,
        json!({"data": [
            {"sentry.item_id": v["data"][0]["sentry.item_id"], "timestamp": iso(t + 0.5),
             "timestamp_precise": ns(t + 0.5), "message": "slow query detected", "severity": "error", "trace": TRACE},
            {"sentry.item_id": first_id, "timestamp": iso(t + 0.25),
             "timestamp_precise": ns(t + 0.25), "message": "user list served", "severity": "info", "trace": TRACE}
        ], "hasMore": false})
    );
    assert_eq!(
        keys(&v["data"][0]),
        [
            "sentry.item_id",
            "timestamp",
            "timestamp_precise",
            "message",
            "severity",
            "trace"
        ]
    );
    assert!(logged(&env).iter().any(|l| l
        == "GET /api/0/organizations/local/events/?dataset=logs&field=sentry.item_id&field=trace&field=severity&field=timestamp&field=timestamp_precise&field=message&project=1&statsPeriod=30d&sort=-timestamp&per_page=100"));

    // --limit below the count: hasMore.
    let v = json_of(&env, &["log", "list", "local/app", "-n", "1"]);
    assert_eq!(
        (v["data"].as_array().unwrap().len(), &v["hasMore"]),
        (1, &json!(true))
    );
    // --query reaches the server.
    let v = json_of(&env, &["log", "list", "local/app", "-q", "severity:error"]);
    assert_eq!(v["data"][0]["message"], "slow query detected");
    assert_eq!(v["data"].as_array().unwrap().len(), 1);

    // Trace mode: trace-logs, its own columns and order.
    clear_log(&env);
    let v = json_of(&env, &["log", "list", &format!("local/{TRACE}")]);
    assert_eq!(
        keys(&v["data"][0]),
        [
            "id",
            "project.id",
            "trace",
            "severity_number",
            "severity",
            "timestamp",
            "timestamp_precise",
            "message"
        ]
    );
    assert_eq!(v["data"][0]["severity_number"], 17);
    assert_eq!(v["data"][1]["id"], first_id.as_str());
    assert_eq!(v["hasMore"], false);
    assert_eq!(
        logged(&env),
        [format!("GET /api/0/organizations/local/trace-logs/?traceId={TRACE}&statsPeriod=14d&sort=-timestamp&per_page=100")]
    );

    // Human: 0.49's markdown table when piped, trace prefix in project mode.
    let (code, out, _) = run(env.api_cmd().args(["log", "list", "local/app"]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "| ID | Timestamp | Level | Message |");
    assert!(
        lines[2].ends_with("| ERROR   | slow query detected [aaaa1111] |"),
        "{out}"
    );
    assert_eq!(lines.last().unwrap(), &"Showing 2 logs.");
}

#[test]
fn log_view_reads_the_detail_columns() {
    let env = TestEnv::with_server();
    let t = seed(&env);
    let list = json_of(&env, &["log", "list", "local/app"]);
    let id = list["data"][1]["sentry.item_id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = json_of(&env, &["log", "view", "local/app", &id]);
    assert_eq!(
        v,
        json!([{
            "sentry.item_id": id, "timestamp": iso(t + 0.25), "timestamp_precise": ns(t + 0.25),
            "message": "user list served", "severity": "info", "trace": TRACE, "project": "app",
            "environment": "production", "release": null, "sdk.name": null, "sdk.version": null,
            "span_id": "2000000000000002", "code.function": "list_users", "code.file.path": null,
            "code.line.number": "42", "sentry.otel.kind": null, "sentry.otel.status_code": null,
            "sentry.otel.instrumentation_scope.name": null
        }])
    );
    // `log <id>` is `log view`; `<org>/<project>/<id>` works too.
    let (code, out, _) = run(env.api_cmd().args(["log", &format!("local/app/{id}")]));
    assert_eq!(code, 0);
    assert!(
        out.contains("user list served") && out.contains("list_users"),
        "{out}"
    );
}

#[test]
fn trace_list_view_and_logs() {
    let env = TestEnv::with_server();
    let t = seed(&env);
    let v = json_of(&env, &["trace", "list", "local/app"]);
    assert_eq!(
        v,
        json!({"data": [{"trace": TRACE, "id": "1000000000000001", "transaction": "GET /users",
                         "timestamp": iso(t + 0.5), "span.duration": 500, "project": "app"}],
               "hasMore": false, "hasPrev": false})
    );
    // `traces` is `trace list`.
    assert_eq!(json_of(&env, &["traces", "local/app"]), v);

    clear_log(&env);
    let v = json_of(&env, &["trace", "view", &format!("local/{TRACE}")]);
    assert_eq!(
        keys(&v),
        [
            "traceId",
            "duration",
            "spanCount",
            "projects",
            "rootTransaction",
            "rootOp",
            "startTimestamp",
            "replayId",
            "spans"
        ]
    );
    // The local server serves replays now: a trace without one says so with null, as 0.49
    // shows it against Sentry.
    assert_eq!(v["replayId"], Value::Null);
    assert_eq!(
        (
            &v["duration"],
            &v["spanCount"],
            &v["projects"],
            &v["rootTransaction"],
            &v["rootOp"]
        ),
        (
            &json!(500),
            &json!(3),
            &json!(["app"]),
            &json!("GET /users"),
            &json!("http.server")
        )
    );
    assert_eq!(v["startTimestamp"].as_f64(), Some(t));
    let child = &v["spans"][0]["children"][0];
    assert_eq!(child["span_id"], "2000000000000002");
    // The span's details were fetched: its custom attribute is `data`, before `children`.
    assert_eq!(child["data"], json!({"db.system": "postgresql"}));
    assert_eq!(keys(child).last(), Some(&"children"));
    let requests = logged(&env);
    assert!(requests.contains(&format!(
        "GET /api/0/projects/local/app/trace-items/2000000000000002/?trace_id={TRACE}&item_type=spans"
    )));
    assert!(requests.contains(&format!(
        "GET /api/0/organizations/local/trace/{TRACE}/?statsPeriod=14d"
    )));

    // Human: summary box and span tree; no detail warnings.
    let (code, out, err) = run(env
        .api_cmd()
        .args(["trace", TRACE])
        .env("SENTRY_ORG", "local"));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.contains("└─ http.server — GET /users  (500ms)  1000000000000001"),
        "{out}"
    );
    assert!(
        out.contains("      └─ db.fetch — fetch rows  (63ms)  3000000000000003"),
        "{out}"
    );

    let v = json_of(&env, &["trace", "logs", &format!("local/{TRACE}")]);
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert_eq!(v["hasMore"], false);
    assert_eq!(v["data"][0]["message"], "slow query detected");
}

#[test]
fn span_list_and_view() {
    let env = TestEnv::with_server();
    let t = seed(&env);
    let v = json_of(&env, &["span", "list", "local/app", "-s", "duration"]);
    assert_eq!(
        v["data"][1],
        json!({"span_id": "2000000000000002", "trace_id": TRACE, "parent_span_id": "1000000000000001",
               "op": "db.query", "description": "SELECT * FROM users", "duration_ms": 125,
               "start_timestamp": t + 0.25, "project_slug": "app", "transaction": "GET /users"})
    );
    assert!(
        v["data"][0].get("parent_span_id").is_none(),
        "root: no parent key"
    );
    assert_eq!(
        (&v["hasMore"], &v["hasPrev"]),
        (&json!(false), &json!(false))
    );

    clear_log(&env);
    let v = json_of(
        &env,
        &["spans", &format!("local/app/{TRACE}"), "-q", "op:db.fetch"],
    );
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["data"][0]["span_id"], "3000000000000003");
    assert!(logged(&env)[0].contains(&format!(
        "project=-1&query=trace%3A{TRACE}+span.op%3Adb.fetch"
    )));

    let v = json_of(
        &env,
        &[
            "span",
            "view",
            &format!("local/app/{TRACE}"),
            "2000000000000002",
        ],
    );
    assert_eq!(
        v,
        json!([{
            "span_id": "2000000000000002", "parent_span_id": "1000000000000001", "trace_id": TRACE,
            "op": "db.query", "description": "SELECT * FROM users", "start_timestamp": t + 0.125,
            "end_timestamp": t + 0.25, "duration": 125, "project_slug": "app", "transaction": "GET /users",
            "depth": 1,
            "ancestors": [{"span_id": "1000000000000001", "op": "http.server", "description": "GET /users"}],
            "children": [{"span_id": "3000000000000003", "op": "db.fetch", "description": "fetch rows"}],
            "data": {"db.system": "postgresql"}
        }])
    );
}

#[test]
fn bad_ids_fail_before_any_request_and_unknown_traces_are_reported() {
    let env = TestEnv::with_server();
    seed(&env);
    clear_log(&env);
    for (args, message) in [
        (
            vec!["trace", "view", "local/xyz123"],
            "Invalid trace ID \"xyz123\"",
        ),
        (
            vec!["trace", "logs", "local/abc"],
            "Invalid trace ID \"abc\"",
        ),
        (
            vec!["span", "view", &format!("local/app/{TRACE}"), "zz"],
            "Invalid span ID \"zz\"",
        ),
        (
            vec!["span", "view", "123", "2000000000000002"],
            "Invalid trace ID \"123\"",
        ),
        (
            vec!["log", "view", "local/app", "123"],
            "Invalid log ID \"123\"",
        ),
        (
            vec!["log", "list", "local/app", "--limit", "0"],
            "Failed to parse \"0\" for limit: --limit must be between 1 and 1000",
        ),
        (
            vec!["log", "list", "local/app", "-n", "9999"],
            "Failed to parse \"9999\" for limit: --limit must be between 1 and 1000",
        ),
        (
            vec!["trace", "list", "local/app", "-n", "0"],
            "must be between 1 and 1000",
        ),
        (
            vec!["span", "list", "local/app", "-n", "1001"],
            "must be between 1 and 1000",
        ),
        (
            vec!["trace", "logs", &format!("local/{TRACE}"), "-n", "0"],
            "--limit",
        ),
    ] {
        let (code, _, err) = run(env.api_cmd().args(&args));
        assert_eq!(code, 21, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    assert_eq!(
        logged(&env),
        Vec::<String>::new(),
        "no request for bad input"
    );

    let (code, _, err) = run(env
        .api_cmd()
        .args(["trace", "view", &format!("local/{UNKNOWN}")]));
    assert_eq!(code, 23);
    assert!(
        err.contains(&format!("Trace '{UNKNOWN}' not found.")),
        "{err}"
    );
    let (code, _, err) = run(env.api_cmd().args([
        "span",
        "view",
        &format!("local/app/{UNKNOWN}"),
        "2000000000000002",
    ]));
    assert_eq!(code, 23);
    assert!(
        err.contains(&format!("Trace \"{UNKNOWN}\" not found.")),
        "{err}"
    );
    let (code, _, err) = run(env.api_cmd().args([
        "span",
        "view",
        &format!("local/app/{TRACE}"),
        "9999999999999999",
    ]));
    assert_eq!(code, 23);
    assert!(
        err.contains(&format!(
            "Span \"9999999999999999\" in trace {TRACE} not found."
        )),
        "{err}"
    );
    let (code, out, _) = run(env
        .api_cmd()
        .args(["trace", "logs", &format!("local/{UNKNOWN}")]));
    assert_eq!(code, 0);
    assert!(
        out.starts_with(&format!(
            "No logs found for trace {UNKNOWN} in the last 14d."
        )),
        "{out}"
    );
    let (code, out, _) = run(env
        .api_cmd()
        .args(["log", "list", &format!("local/{UNKNOWN}")]));
    assert_eq!(code, 0);
    assert!(
        out.starts_with(&format!(
            "No logs found for trace {UNKNOWN} in the last 14d."
        )),
        "{out}"
    );
    let (code, _, err) = run(env
        .api_cmd()
        .args(["log", "view", "local/app", &"f".repeat(32)]));
    assert_eq!(code, 23);
    assert!(
        err.contains(&format!("Log '{}' not found in local/app.", "f".repeat(32))),
        "{err}"
    );
}

/// Waits for the child to exit (at most `secs`), returning its code and stderr.
fn wait(child: &mut std::process::Child, secs: u64) -> (i32, String) {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code().unwrap_or(-1), err);
        }
        if Instant::now() > end {
            child.kill().ok();
            panic!("follow did not exit within {secs}s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn follow_stops_on_ctrl_c_and_gives_up_when_the_server_goes_away() {
    let mut env = TestEnv::with_server();
    seed(&env);
    let spawn = |env: &TestEnv| {
        env.std_cmd()
            .env("SENTRY_URL", env.url())
            .env("SENTRY_AUTH_TOKEN", env.token())
            .args(["log", "list", "local/app", "-f", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut child = spawn(&env);
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let (code, err) = wait(&mut child, 10);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Streaming logs... (poll interval: 1s)"),
        "{err}"
    );

    let mut child = spawn(&env);
    std::thread::sleep(Duration::from_millis(1500));
    env.server.take().unwrap().shutdown();
    let (code, err) = wait(&mut child, 30);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("Warning: Error fetching logs:"),
        "a visible retry line: {err}"
    );
    assert!(err.contains("Giving up after 3 failed attempts"), "{err}");
}

/// An error event of `local/app` (issue `APP-N` in arrival order), with a trace context
/// when `trace` is given.
fn send_error(env: &TestEnv, id: char, message: &str, trace: Option<&str>) {
    let mut event = json!({"message": message, "level": "error", "platform": "python"});
    if let Some(t) = trace {
        event["contexts"] = json!({"trace": {"trace_id": t, "span_id": "2000000000000002"}});
    }
    crate::cmds_support::send_event(env, &id.to_string().repeat(32), event, &[]);
}

#[test]
fn trace_view_recovers_the_trace_of_an_issue_short_id() {
    let env = TestEnv::with_server();
    seed(&env);
    send_error(&env, 'a', "checkout failed", Some(TRACE));
    send_error(&env, 'b', "no trace here", None);
    const WARN: &str = "is an issue short ID, not a trace ID. Looking up the issue's trace.";

    clear_log(&env);
    let (code, out, err) = run(env.api_cmd().args(["trace", "view", "APP-1", "--json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, format!("Warning: 'APP-1' {WARN}\n"));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (&v["traceId"], &v["spanCount"], &v["rootTransaction"]),
        (&json!(TRACE), &json!(3), &json!("GET /users"))
    );
    // The short ID, the issue's latest event (its trace context), then the trace itself.
    let requests = logged(&env);
    let at = |prefix: &str| {
        requests
            .iter()
            .position(|r| r.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {requests:#?}"))
    };
    let short = at("GET /api/0/organizations/local/shortids/APP-1/");
    let latest = at("GET /api/0/organizations/local/issues/");
    assert!(
        requests[latest].ends_with("/events/latest/?collapse=adjacentEvents"),
        "{requests:#?}"
    );
    let trace = at(&format!(
        "GET /api/0/organizations/local/trace/{TRACE}/?statsPeriod=14d"
    ));
    assert!(short < latest && latest < trace, "{requests:#?}");

    // People: the whole trace (no project filter), and its tip.
    let (code, out, _) = run(env.api_cmd().args(["trace", "view", "APP-1"]));
    assert_eq!(code, 0);
    assert!(
        out.ends_with(&format!(
            "\nTip: Open in browser with 'sentry trace view --web {TRACE}'\n"
        )),
        "{out}"
    );

    // An issue whose latest event carries no trace.
    let (code, out, err) = run(env.api_cmd().args(["trace", "view", "APP-2"]));
    assert_eq!((code, out.as_str()), (21, ""));
    assert_eq!(
        err,
        format!("Warning: 'APP-2' {WARN}\nError: Could not find a trace for issue 'APP-2'. The latest event has no trace context.\n\nTry: sentry issue view APP-2\n")
    );
    // An unknown short ID.
    let (code, _, err) = run(env.api_cmd().args(["trace", "view", "APP-99"]));
    assert_eq!(code, 30);
    assert_eq!(
        err,
        format!("Warning: 'APP-99' {WARN}\nError: Short ID 'APP-99' not found in organization 'local'\n  The issue may have been deleted or merged\n  Verify the short ID and org: sentry issue view local/APP-99\n  List issues in this org: sentry issue list local/\n")
    );
    // Only a bare, upper-case short ID is one: `local/APP-1` and `app-1` are trace targets.
    clear_log(&env);
    for arg in ["local/APP-1", "app-1"] {
        let (code, _, err) = run(env.api_cmd().args(["trace", "view", arg]));
        assert_eq!(code, 21, "{arg}: {err}");
        assert!(err.contains("Invalid trace ID"), "{arg}: {err}");
    }
    assert_eq!(logged(&env), Vec::<String>::new());
    // A short ID before a trace ID is a project search, with a hint.
    let (_, _, err) = run(env.api_cmd().args(["trace", "view", "APP-1", TRACE]));
    assert!(
        err.starts_with("Warning: Did you mean: sentry issue view APP-1\n"),
        "{err}"
    );
}

/// A trace whose spans and logs carry custom attributes (`http.method` on the root and the
/// `db.query` span, and on one log).
fn seed_attributes(env: &TestEnv) {
    let t = base();
    send(
        env,
        json!({"type": "transaction"}),
        json!({
            "event_id": "e".repeat(32), "type": "transaction", "transaction": "GET /users",
            "start_timestamp": t, "timestamp": t + 0.5,
            "contexts": {"trace": {"trace_id": TRACE, "span_id": "1000000000000001", "op": "http.server",
                                   "data": {"http.method": "GET"}}},
            "spans": [
                {"span_id": "2000000000000002", "parent_span_id": "1000000000000001", "op": "db.query",
                 "description": "SELECT * FROM users", "start_timestamp": t + 0.125, "timestamp": t + 0.25,
                 "data": {"http.method": "POST", "db.system": "postgresql"}},
                {"span_id": "3000000000000003", "parent_span_id": "2000000000000002", "op": "db.fetch",
                 "description": "fetch rows", "start_timestamp": t + 0.1875, "timestamp": t + 0.25}
            ]
        }),
    );
    send(
        env,
        json!({"type": "log", "item_count": 2, "content_type": "application/vnd.sentry.items.log+json"}),
        json!({"items": [
            {"timestamp": t + 0.25, "trace_id": TRACE, "level": "info", "body": "user list served",
             "attributes": {"http.method": {"value": "GET", "type": "string"},
                            "user.id": {"value": "42", "type": "string"}}},
            {"timestamp": t + 0.5, "trace_id": TRACE, "level": "error", "body": "slow query detected"}
        ]}),
    );
}

#[test]
fn trace_view_fields_request_span_attributes() {
    let env = TestEnv::with_server();
    seed_attributes(&env);
    let target = format!("local/{TRACE}");
    let trace_request = |additional: &str| {
        format!("GET /api/0/organizations/local/trace/{TRACE}/?statsPeriod=14d{additional}")
    };

    // A bare attribute name: asked of the server, kept beside every span's ID.
    clear_log(&env);
    let v = json_of(
        &env,
        &["trace", "view", &target, "--fields", "traceId,http.method"],
    );
    assert_eq!(
        v,
        json!({"traceId": TRACE, "spans": [
            {"span_id": "1000000000000001", "additional_attributes": {"http.method": "GET"}, "children": [
                {"span_id": "2000000000000002", "additional_attributes": {"http.method": "POST"}, "children": [
                    {"span_id": "3000000000000003", "children": []}
                ]}
            ]}
        ]})
    );
    assert!(
        logged(&env).contains(&trace_request("&additional_attributes=http.method")),
        "{:#?}",
        logged(&env)
    );

    // Paths into the spans: the detail `data` of root spans only; no attribute request.
    clear_log(&env);
    let v = json_of(
        &env,
        &[
            "trace",
            "view",
            &target,
            "--fields",
            "spans.span_id,spans.data.http.method",
        ],
    );
    assert_eq!(
        v,
        json!({"spans": [{"span_id": "1000000000000001", "data": {"http.method": "GET"}}]})
    );
    assert!(logged(&env).contains(&trace_request("")));

    // An `additional_attributes` path requests its attribute too.
    clear_log(&env);
    let v = json_of(
        &env,
        &[
            "trace",
            "view",
            &target,
            "--fields",
            "spans.children.additional_attributes.http.method",
        ],
    );
    assert_eq!(
        v,
        json!({"spans": [{"children": [{"additional_attributes": {"http.method": "POST"}}]}]})
    );
    assert!(logged(&env).contains(&trace_request("&additional_attributes=http.method")));

    // `spans` itself keeps whole spans, the server's attributes included.
    let v = json_of(
        &env,
        &["trace", "view", &target, "--fields", "spans,http.method"],
    );
    assert_eq!(
        v["spans"][0]["children"][0]["additional_attributes"],
        json!({"http.method": "POST"})
    );
    assert_eq!(v["spans"][0]["children"][0]["op"], "db.query");

    // People are told how many spans carry the attributes.
    let (code, out, _) =
        run(env
            .api_cmd()
            .args(["trace", "view", &target, "--fields", "http.method"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("\n\n2 spans have additional attributes. Use --json to see them.\n"),
        "{out}"
    );
}

#[test]
fn span_and_log_fields_request_their_attributes() {
    let env = TestEnv::with_server();
    seed_attributes(&env);

    clear_log(&env);
    let v = json_of(
        &env,
        &[
            "span",
            "list",
            "local/app",
            "-s",
            "duration",
            "--fields",
            "span_id,http.method",
        ],
    );
    assert_eq!(
        v,
        json!({"data": [
            {"span_id": "1000000000000001", "http.method": "GET"},
            {"span_id": "2000000000000002", "http.method": "POST"},
            {"span_id": "3000000000000003", "http.method": null}
        ], "hasMore": false, "hasPrev": false})
    );
    assert!(
        logged(&env).iter().any(|r| r
            .contains("field=project&field=transaction&field=trace&field=http.method&project=1&")),
        "{:#?}",
        logged(&env)
    );
    // `gen_ai` stands for the four model attributes; default columns are not asked twice.
    clear_log(&env);
    json_of(
        &env,
        &["span", "list", "local/app", "--fields", "gen_ai,op,span_id"],
    );
    assert!(logged(&env).iter().any(|r| r.contains("field=trace&field=gen_ai.usage.input_tokens&field=gen_ai.usage.output_tokens&field=gen_ai.request.model&field=gen_ai.system&project=1")), "{:#?}", logged(&env));

    clear_log(&env);
    let v = json_of(
        &env,
        &[
            "log",
            "list",
            "local/app",
            "--fields",
            "sentry.item_id,http.method",
        ],
    );
    let served = v["data"][1]["sentry.item_id"].as_str().unwrap().to_string();
    assert_eq!(
        v,
        json!({"data": [
            {"sentry.item_id": v["data"][0]["sentry.item_id"], "http.method": null},
            {"sentry.item_id": served, "http.method": "GET"}
        ], "hasMore": false})
    );
    assert_eq!(
        logged(&env).last().map(String::as_str),
        Some("GET /api/0/organizations/local/events/?dataset=logs&field=sentry.item_id&field=trace&field=severity&field=timestamp&field=timestamp_precise&field=message&field=http.method&project=1&statsPeriod=30d&sort=-timestamp&per_page=100")
    );
    // People get every --fields name as a column.
    let (code, out, _) =
        run(env
            .api_cmd()
            .args(["log", "list", "local/app", "--fields", "http.method"]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "| ID | Timestamp | Level | Message | http.method |",
            "| --- | --- | --- | --- | --- |"
        ]
    );
    assert!(
        lines[3].ends_with("| user list served [aaaa1111] | GET |"),
        "{out}"
    );
    assert!(
        lines[2].ends_with("| slow query detected [aaaa1111] |  |"),
        "{out}"
    );
    // A trace's logs come from trace-logs, which takes no fields.
    clear_log(&env);
    let (code, out, err) = run(env.api_cmd().args([
        "log",
        "list",
        &format!("local/{TRACE}"),
        "--json",
        "--fields",
        "message,http.method",
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        err,
        "Warning: --fields is not supported for trace-scoped log queries. Use project-scoped mode instead.\n"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"data": [{"message": "slow query detected"}, {"message": "user list served"}], "hasMore": false})
    );
    assert!(logged(&env)
        .iter()
        .any(|r| r.contains("/trace-logs/?traceId=")));

    // log view: the extra column, and for people the log's custom attributes.
    clear_log(&env);
    let v = json_of(
        &env,
        &[
            "log",
            "view",
            "local/app",
            &served,
            "--fields",
            "sentry.item_id,http.method",
        ],
    );
    assert_eq!(v, json!([{"sentry.item_id": served, "http.method": "GET"}]));
    assert!(
        logged(&env).iter().any(|r| r.contains(
            "&field=sentry.otel.instrumentation_scope.name&field=http.method&project=1&"
        )),
        "{:#?}",
        logged(&env)
    );
    let (code, out, _) = run(env.api_cmd().args(["log", "view", "local/app", &served]));
    assert_eq!(code, 0);
    let custom = out
        .split("Custom Attributes\n\n")
        .nth(1)
        .unwrap_or_default();
    assert!(
        custom.contains("│ http.method │ GET │") && custom.contains("│ user.id     │ 42  │"),
        "{out}"
    );
    let (_, out, _) =
        run(env
            .api_cmd()
            .args(["log", "view", "local/app", &served, "--fields", "user.id"]));
    let custom = out
        .split("Custom Attributes\n\n")
        .nth(1)
        .unwrap_or_default();
    assert!(
        custom.contains("user.id") && !custom.contains("http.method"),
        "{out}"
    );
}

/// `log list -f 1 <extra>` with stdout captured: the JSON values it printed once `want` of
/// them arrived (a new log is sent once it is polling), then Ctrl-C; returns them and the
/// exit code.
fn follow_json(env: &TestEnv, extra: &[&str], want: usize) -> (Vec<Value>, i32) {
    use std::sync::{Arc, Mutex};
    let mut child = env
        .std_cmd()
        .env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", env.token())
        .args(["log", "list", "local/app", "-f", "1", "--json"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let buf = Arc::new(Mutex::new(String::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = buf.clone();
    let reader = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    });
    let parsed = || -> Vec<Value> {
        serde_json::Deserializer::from_str(&buf.lock().unwrap())
            .into_iter::<Value>()
            .map_while(Result::ok)
            .collect()
    };
    // The seeded logs first, then a new one sent through the DSN.
    let end = Instant::now() + Duration::from_secs(20);
    while parsed().is_empty() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    send(
        env,
        json!({"type": "log", "item_count": 1, "content_type": "application/vnd.sentry.items.log+json"}),
        json!({"items": [{"timestamp": now, "trace_id": TRACE, "level": "warn", "body": "streamed",
                          "attributes": {"http.method": {"value": "PUT", "type": "string"}}}]}),
    );
    while parsed().len() < want && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let (code, err) = wait(&mut child, 10);
    reader.join().unwrap();
    assert_eq!(err, "", "JSON mode prints no banner");
    (parsed(), code)
}

#[test]
fn follow_json_streams_one_object_per_log() {
    let env = TestEnv::with_server();
    seed_attributes(&env);
    // Every log its own object: the two already there (oldest first), then the new one.
    let (values, code) = follow_json(&env, &[], 3);
    assert_eq!(code, 0);
    let messages: Vec<&Value> = values.iter().map(|v| &v["message"]).collect();
    assert_eq!(
        messages,
        [
            &json!("user list served"),
            &json!("slow query detected"),
            &json!("streamed")
        ]
    );
    assert_eq!(
        keys(&values[2]),
        [
            "sentry.item_id",
            "timestamp",
            "timestamp_precise",
            "message",
            "severity",
            "trace"
        ]
    );

    // With --fields the first batch is one envelope, later logs single objects.
    let (values, code) = follow_json(&env, &["--fields", "message,http.method"], 2);
    assert_eq!(code, 0);
    assert_eq!(
        values,
        [
            json!({"data": [
                {"message": "user list served", "http.method": "GET"},
                {"message": "slow query detected", "http.method": null},
                {"message": "streamed", "http.method": "PUT"}
            ], "hasMore": false}),
            json!({"message": "streamed", "http.method": "PUT"})
        ]
    );
}
