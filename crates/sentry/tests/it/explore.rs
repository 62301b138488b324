//! `explore` against the local server: aggregate tables over the errors, spans and logs sent
//! through the DSN, with 0.49's request (sort inference, numeric project scope) and JSON.

use serde_json::{json, Value};

use crate::cmds_support::{clear_log, logged, send_envelope_to, send_event};
use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};

fn seeded() -> TestEnv {
    let env = TestEnv::with_server();
    for i in 0..3 {
        send_event(
            &env,
            &format!("{:032x}", i + 1),
            json!({"message": if i < 2 { "checkout failed" } else { "login failed" }, "level": "error", "environment": "prod"}),
            &[],
        );
    }
    let now = jiff::Timestamp::now().as_second() as f64;
    let tx = json!({
        "event_id": "11112222333344445555666677778888", "type": "transaction", "transaction": "GET /checkout",
        "start_timestamp": now - 1.0, "timestamp": now, "environment": "prod",
        "contexts": {"trace": {"trace_id": "aaaa1111bbbb2222cccc3333dddd4444", "span_id": "1111222233334444", "op": "http.server"}},
        "spans": [{"span_id": "5555666677778888", "parent_span_id": "1111222233334444", "trace_id": "aaaa1111bbbb2222cccc3333dddd4444", "op": "db.query", "start_timestamp": now - 0.5, "timestamp": now - 0.4}],
    });
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    send_envelope_to(
        &env,
        project,
        &key,
        "11112222333344445555666677778888",
        &[(
            json!({"type": "transaction"}),
            serde_json::to_vec(&tx).unwrap(),
        )],
    );
    env
}

fn json_of(env: &TestEnv, args: &[&str]) -> Value {
    let out = env.api_cmd().args(args).arg("--json").output().unwrap();
    assert_success(&out);
    stdout_json(&out)
}

#[test]
fn errors_table_sorted_by_the_first_aggregate() {
    let env = seeded();
    clear_log(&env);
    let v = json_of(&env, &["explore", "local/app"]);
    assert_eq!(
        v,
        json!({
            "data": [{"title": "checkout failed", "count()": 2}, {"title": "login failed", "count()": 1}],
            "meta": {"fields": {"title": "string", "count()": "integer"}, "units": {"title": null, "count()": null}},
            "hasMore": false, "hasPrev": false, "dataset": "errors",
        })
    );
    let log = logged(&env);
    let req = log.iter().find(|l| l.contains("/events/")).unwrap();
    for part in [
        "dataset=errors",
        "field=title",
        "field=count%28%29",
        "sort=-count%28%29",
        "project=1",
        "statsPeriod=24h",
        "per_page=25",
    ] {
        assert!(req.contains(part), "{part} missing from {req}");
    }
    let out = env
        .api_cmd()
        .args(["explore", "local/app", "-n", "1"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(s.starts_with("Querying errors in local/app:\n"), "{s}");
    assert!(s.contains("│ checkout failed │       2 │"), "{s}");
    assert!(
        s.ends_with("Showing 1 result. Next: sentry explore local/app -c next --limit 1\n"),
        "{s}"
    );
}

#[test]
fn spans_transactions_and_environment_scope() {
    let env = seeded();
    let v = json_of(
        &env,
        &[
            "explore",
            "local/",
            "--dataset",
            "spans",
            "-F",
            "span.op",
            "-F",
            "count()",
            "-e",
            "prod",
        ],
    );
    let ops: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["span.op"].as_str().unwrap())
        .collect();
    assert_eq!(ops.len(), 2, "{v}");
    assert!(ops.contains(&"db.query") && ops.contains(&"http.server"));
    let t = json_of(&env, &["explore", "local/app", "--dataset", "transactions"]);
    assert_eq!(t["dataset"], "transactions");
    assert_eq!(
        t["data"],
        json!([{"transaction": "GET /checkout", "count()": 1}])
    );
    let none = json_of(&env, &["explore", "local/app", "-q", "level:fatal"]);
    assert_eq!(none["data"], json!([]));
}

#[test]
fn bad_input_before_any_request() {
    let env = seeded();
    clear_log(&env);
    for args in [
        vec!["explore", "local/", "--dataset", "bogus"],
        vec!["explore", "local/", "-n", "0"],
        vec!["explore", "local/", "-b", "--limit", "5"],
        vec!["explore", "local/", "-t", "bogus"],
    ] {
        let out = env.api_cmd().args(&args).output().unwrap();
        assert_exit(&out, 21);
    }
    assert_eq!(logged(&env), Vec::<String>::new());
    let out = env
        .api_cmd()
        .args(["explore", "local/", "--dataset", "bogus"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stderr),
        "Error: Invalid dataset \"bogus\". Must be one of: errors, spans, metrics, logs, replays\n"
    );
}
