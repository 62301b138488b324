//! `replay list|view|download` against the local server: a two-segment replay sent through
//! the DSN (`replay_event` + `replay_recording` items, one of them zlib-compressed), linked to
//! an error and a trace; every ID form, the recording summary, the rrweb download, and the
//! bad inputs.

use std::io::Write;

use serde_json::{json, Value};

use crate::cmds_support::{clear_log, logged, send_envelope_to, send_event};
use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};

const REPLAY: &str = "346789a703f6454384f1de473b8b9fcc";
const ERROR_ID: &str = "0123456789abcdef0123456789abcdef";
const TRACE: &str = "aaaa1111bbbb2222cccc3333dddd4444";

fn recording(segment: i64, events: &Value, compress: bool) -> Vec<u8> {
    let mut out = serde_json::to_vec(&json!({ "segment_id": segment })).unwrap();
    out.push(b'\n');
    let body = serde_json::to_vec(events).unwrap();
    if compress {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&body).unwrap();
        out.extend(z.finish().unwrap());
    } else {
        out.extend(body);
    }
    out
}

fn seeded() -> TestEnv {
    let env = TestEnv::with_server();
    send_event(
        &env,
        ERROR_ID,
        json!({"message": "checkout failed", "level": "error"}),
        &[],
    );
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    let start = jiff::Timestamp::now().as_second() - 65;
    for seg in 0..2i64 {
        let event = json!({
            "type": "replay_event", "replay_id": REPLAY, "event_id": REPLAY, "segment_id": seg,
            "timestamp": start + 30 * (seg + 1) + 5, "replay_start_timestamp": start,
            "urls": [format!("https://shop.example.com/p{seg}")], "error_ids": [ERROR_ID], "trace_ids": [TRACE],
            "platform": "javascript", "environment": "prod", "release": "1.0", "replay_type": "session",
            "sdk": {"name": "sentry.javascript.browser", "version": "9.1.0"},
            "user": {"email": "ada@example.com", "id": "7"},
            "contexts": {"browser": {"name": "Chrome", "version": "120"}, "os": {"name": "Mac OS X", "version": "14"}},
            "tags": {"plan": "pro"},
        });
        let t = (start + 30 * seg) * 1000;
        let events = json!([
            {"type": if seg == 0 { 2 } else { 3 }, "timestamp": t + 100, "data": {"href": format!("https://shop.example.com/p{seg}")}},
            {"type": 5, "timestamp": (t as f64 + 50.0) / 1000.0, "data": {"tag": "breadcrumb", "payload": {"category": "ui.click", "message": "button#pay"}}},
        ]);
        send_envelope_to(
            &env,
            project,
            &key,
            REPLAY,
            &[
                (
                    json!({"type": "replay_event"}),
                    serde_json::to_vec(&event).unwrap(),
                ),
                (
                    json!({"type": "replay_recording"}),
                    recording(seg, &events, seg == 1),
                ),
            ],
        );
    }
    env
}

fn json_of(env: &TestEnv, args: &[&str]) -> Value {
    let out = env.api_cmd().args(args).arg("--json").output().unwrap();
    assert_success(&out);
    stdout_json(&out)
}

#[test]
fn list_shows_the_folded_replay() {
    let env = seeded();
    clear_log(&env);
    let v = json_of(&env, &["replay", "list", "local/app"]);
    assert_eq!(v["hasMore"], json!(false));
    let r = &v["data"][0];
    assert_eq!(r["id"], REPLAY);
    assert_eq!(r["count_segments"], 2);
    assert_eq!(r["count_errors"], 1);
    assert_eq!(r["duration"], 65);
    assert_eq!(r["project_id"], "1");
    assert_eq!(
        r["urls"],
        json!(["https://shop.example.com/p0", "https://shop.example.com/p1"])
    );
    assert_eq!(r["user"]["display_name"], "ada@example.com");
    assert_eq!(r["tags"], json!({"plan": ["pro"]}));
    // Only the fields asked for come back.
    assert!(r.get("clicks").is_none(), "{r}");
    let log = logged(&env);
    let req = log.iter().find(|l| l.contains("/replays/")).unwrap();
    for part in [
        "projectSlug=app",
        "sort=-started_at",
        "statsPeriod=7d",
        "per_page=25",
        "field=warning_ids",
    ] {
        assert!(req.contains(part), "{part} missing from {req}");
    }
    let out = env
        .api_cmd()
        .args(["replay", "list", "local/"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(
        s.starts_with("Recent replays in local (all projects):\n"),
        "{s}"
    );
    assert!(s.contains(&format!("│ {REPLAY} │")), "{s}");
    assert!(s.contains("│ 1m 5s      │"), "{s}");
    assert!(
        s.ends_with(&format!(
            "Showing 1 replay. Use 'sentry replay view local/{REPLAY}' for details.\n"
        )),
        "{s}"
    );
    let none = json_of(&env, &["replay", "list", "local/", "-q", "environment:dev"]);
    assert_eq!(none["data"], json!([]));
}

#[test]
fn view_in_every_form_with_activity_and_related() {
    let env = seeded();
    let v = json_of(&env, &["replay", "view", &format!("local/{REPLAY}")]);
    assert_eq!(v["org"], "local");
    assert_eq!(v["id"], REPLAY);
    let labels: Vec<&str> = v["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["page.view", "ui.click", "page.view", "ui.click"]);
    assert_eq!(v["activity"][1]["details"], json!(["message=button#pay"]));
    assert_eq!(
        v["relatedIssues"],
        json!([{"eventId": ERROR_ID, "issueId": "1", "shortId": "APP-1", "title": "checkout failed"}])
    );
    assert_eq!(v["relatedTraces"][0]["traceId"], TRACE);
    let url = format!(
        "{}/organizations/local/explore/replays/{REPLAY}/",
        env.url()
    );
    for form in [
        vec![REPLAY.to_string()],
        vec![format!("local/app/{REPLAY}")],
        vec!["local/app".to_string(), REPLAY.to_string()],
        vec![url],
        // A trace ID finds the replay that recorded it.
        vec![format!("local/{TRACE}")],
    ] {
        let mut args = vec!["replay", "view"];
        args.extend(form.iter().map(String::as_str));
        let w = json_of(&env, &args);
        assert_eq!(w["id"], REPLAY, "{form:?}");
    }
    let out = env
        .api_cmd()
        .args(["replay", "view", &format!("local/{REPLAY}")])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(s.starts_with("Replay 346789a7\n"), "{s}");
    assert!(s.contains("│ Duration    │ 1 minute and 5 seconds"), "{s}");
    assert!(
        s.contains("• APP-1: checkout failed (view: sentry issue view local/APP-1)"),
        "{s}"
    );
    assert!(
        s.ends_with(&format!("Related trace: sentry trace view local/{TRACE}\n")),
        "{s}"
    );
    // The replay is linked from its error's issue.
    let issue = json_of(&env, &["issue", "view", "local/APP-1"]);
    assert_eq!(issue["replayIds"], json!([REPLAY]));
}

#[test]
fn download_writes_one_ordered_rrweb_array() {
    let env = seeded();
    let path = env.work().join("out/replay.json");
    let v = json_of(
        &env,
        &[
            "replay",
            "download",
            &format!("local/{REPLAY}"),
            "--output",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(v["segmentCount"], 2);
    assert_eq!(v["eventCount"], 4);
    assert_eq!(v["output"], path.to_str().unwrap());
    let events: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let ts: Vec<i64> = events
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
    assert!(
        ts.iter().all(|t| *t > 100_000_000_000),
        "seconds left in {ts:?}"
    );
    assert_eq!(v["durationMs"], ts[3] - ts[0]);
}

#[test]
fn bad_and_unknown_ids() {
    let env = seeded();
    clear_log(&env);
    for args in [
        vec!["replay", "view", "nothex"],
        vec!["replay", "view", "a/b/c/d"],
        vec!["replay", "download", "local/xyz"],
    ] {
        let out = env.api_cmd().args(&args).output().unwrap();
        assert_exit(&out, 21);
    }
    let out = env
        .api_cmd()
        .args(["replay", "list", "local/", "--sort", "bogus"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(logged(&env), Vec::<String>::new());
    let out = env
        .api_cmd()
        .args(["replay", "view", "nothex"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stderr),
        "Error: Not a replay ID: \"nothex\". To search, try `sentry replay list --query 'nothex'`.\n\nIf it names a project, pass the replay ID after it: <org>/<project> <replay ID>\n"
    );
    let out = env
        .api_cmd()
        .args(["replay", "view", "local/ffffffffffffffffffffffffffffffff"])
        .output()
        .unwrap();
    assert_exit(&out, 23);
    assert!(text(&out.stderr).starts_with("Error: Replay 'ffffffffffffffffffffffffffffffff' not found.\n\nTry:\n  sentry replay view local/ffffffffffffffffffffffffffffffff\n"), "{}", text(&out.stderr));
    let out = env
        .api_cmd()
        .args(["project", "create", "local/web:javascript"])
        .output()
        .unwrap();
    assert_success(&out);
    let out = env
        .api_cmd()
        .args(["replay", "view", &format!("local/web/{REPLAY}")])
        .output()
        .unwrap();
    assert_exit(&out, 23);
    assert_eq!(
        text(&out.stderr),
        format!("Error: Replay '{REPLAY}' is not in project 'web'.\n\nTry:\n  sentry replay view local/web/{REPLAY}\n\nOr:\n  - Use the org-scoped replay instead: sentry replay view local/{REPLAY}\n")
    );
}

#[test]
fn related_traces_count_what_the_trace_holds() {
    let env = seeded();
    // The replay's trace: a transaction with one child span, a log and an error.
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    let now = jiff::Timestamp::now().as_second() as f64;
    let items = [
        (
            json!({"type": "transaction"}),
            json!({"event_id": "e".repeat(32), "type": "transaction", "transaction": "GET /checkout",
                   "start_timestamp": now - 2.0, "timestamp": now - 1.0,
                   "contexts": {"trace": {"trace_id": TRACE, "span_id": "1000000000000001", "op": "http.server"}},
                   "spans": [{"span_id": "2000000000000002", "parent_span_id": "1000000000000001", "op": "db",
                              "start_timestamp": now - 1.5, "timestamp": now - 1.2}]}),
        ),
        (
            json!({"type": "log", "item_count": 1, "content_type": "application/vnd.sentry.items.log+json"}),
            json!({"items": [{"timestamp": now - 1.1, "trace_id": TRACE, "level": "info", "body": "paid"}]}),
        ),
    ];
    for (header, payload) in items {
        send_envelope_to(
            &env,
            project,
            &key,
            &"c".repeat(32),
            &[(header, serde_json::to_vec(&payload).unwrap())],
        );
    }
    send_event(
        &env,
        &"d".repeat(32),
        json!({"message": "card declined", "level": "error",
               "contexts": {"trace": {"trace_id": TRACE, "span_id": "2000000000000002"}}}),
        &[],
    );
    clear_log(&env);
    let v = json_of(&env, &["replay", "view", &format!("local/{REPLAY}")]);
    assert_eq!(
        v["relatedTraces"],
        json!([{"traceId": TRACE, "errorCount": 1, "logCount": 1, "performanceIssueCount": 0, "spanCount": 2}])
    );
    assert!(logged(&env).contains(&format!(
        "GET /api/0/organizations/local/trace-meta/{TRACE}/?statsPeriod=14d"
    )));
    let out = env
        .api_cmd()
        .args(["replay", "view", &format!("local/{REPLAY}")])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(
        text(&out.stdout).contains(&format!(
            "\n• Trace {TRACE} (2 spans, 1 errors, 1 logs, 0 perf issues) (view: sentry trace view local/{TRACE})\n"
        )),
        "{}",
        text(&out.stdout)
    );
}
