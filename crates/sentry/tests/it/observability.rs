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
