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

/// 2024-01-15T09:00:00Z: errors at 09:10, 10:05, 10:50 (dev) and 11:20, a transaction at
/// 10:10 (a 500 ms root span and a 100 ms child), logs at 10:30 and 11:40. Fixed times, so
/// the buckets of [`RANGE`] are known exactly and no bucket is still open.
const H9: i64 = 1_705_309_200;
const RANGE: &str = "2024-01-15T09:30:00Z..2024-01-15T12:00:00Z";

fn seeded_at_fixed_times() -> TestEnv {
    let env = TestEnv::with_server();
    for (i, (at, environment, message)) in [
        (600, "prod", "too early"),
        (3900, "prod", "checkout failed"),
        (6600, "dev", "checkout failed"),
        (8400, "prod", "payment failed"),
    ]
    .into_iter()
    .enumerate()
    {
        send_event(
            &env,
            &format!("{:032x}", i + 1),
            json!({"message": message, "level": "error", "environment": environment, "timestamp": H9 + at}),
            &[],
        );
    }
    let tx = (H9 + 4200) as f64;
    let trace = "aaaa1111bbbb2222cccc3333dddd4444";
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    let transaction = json!({
        "event_id": "11112222333344445555666677778888", "type": "transaction", "transaction": "GET /checkout",
        "start_timestamp": tx, "timestamp": tx + 0.5, "environment": "prod",
        "contexts": {"trace": {"trace_id": trace, "span_id": "1111222233334444", "op": "http.server"}},
        "spans": [{"span_id": "5555666677778888", "parent_span_id": "1111222233334444", "trace_id": trace,
                   "op": "db.query", "start_timestamp": tx + 0.1, "timestamp": tx + 0.2}],
    });
    let logs = json!({"items": [
        {"timestamp": H9 + 5400, "trace_id": trace, "level": "info", "body": "user logged in"},
        {"timestamp": H9 + 9600, "trace_id": trace, "level": "error", "body": "payment failed"},
    ]});
    send_envelope_to(
        &env,
        project,
        &key,
        "11112222333344445555666677778888",
        &[
            (
                json!({"type": "transaction"}),
                serde_json::to_vec(&transaction).unwrap(),
            ),
            (
                json!({"type": "log", "item_count": 2, "content_type": "application/vnd.sentry.items.log+json"}),
                serde_json::to_vec(&logs).unwrap(),
            ),
        ],
    );
    env
}

/// The `events-timeseries` requests made since the last [`clear_log`], each as its decoded
/// query pairs in the order sent.
fn series_requests(env: &TestEnv) -> Vec<Vec<(String, String)>> {
    crate::cmds_support::requests(env)
        .iter()
        .filter(|r| r["path"] == "/api/0/organizations/local/events-timeseries/")
        .map(|r| {
            url::form_urlencoded::parse(r["query"].as_str().unwrap_or("").as_bytes())
                .into_owned()
                .collect()
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn time_series_json_is_the_servers_answer_plus_the_dataset() {
    let env = seeded_at_fixed_times();
    clear_log(&env);
    let out = env
        .api_cmd()
        .args([
            "explore",
            "local/app",
            "-b",
            "1h",
            "--period",
            RANGE,
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let h = |n: i64| (H9 + n * 3600) * 1000;
    assert_eq!(
        stdout_json(&out),
        json!({
            "meta": {"dataset": "errors", "start": h(0) + 1_800_000, "end": h(3)},
            "timeSeries": [{
                "values": [
                    {"timestamp": h(0), "value": 0, "incomplete": false},
                    {"timestamp": h(1), "value": 2, "incomplete": false},
                    {"timestamp": h(2), "value": 1, "incomplete": false},
                ],
                "yAxis": "count()",
                "meta": {"valueType": "integer", "valueUnit": null, "interval": 3_600_000},
            }],
            "dataset": "errors",
        })
    );
    // The server's key order, `dataset` last, as 0.49 prints it.
    let s = text(&out.stdout);
    let (m, t, d) = (
        s.find("\"meta\"").unwrap(),
        s.find("\"timeSeries\"").unwrap(),
        s.rfind("\"dataset\": \"errors\"").unwrap(),
    );
    assert!(m < t && t < d, "{s}");
    assert_eq!(
        series_requests(&env),
        vec![pairs(&[
            ("dataset", "errors"),
            ("yAxis", "count()"),
            ("project", "1"),
            ("interval", "1h"),
            ("start", "2024-01-15T09:30:00.000Z"),
            ("end", "2024-01-15T12:00:00.000Z"),
        ])]
    );
    // --fields picks keys of each bucket.
    let out = env
        .api_cmd()
        .args([
            "explore",
            "local/app",
            "-b",
            "1h",
            "--period",
            RANGE,
            "--json",
        ])
        .args(["--fields", "value"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out)["timeSeries"][0]["values"],
        json!([{"value": 0}, {"value": 2}, {"value": 1}])
    );
}

#[test]
fn time_series_human_output_is_one_table_per_aggregate() {
    let env = seeded_at_fixed_times();
    let out = env
        .api_cmd()
        .args(["explore", "local/app", "--dataset", "spans"])
        .args(["-F", "p95(span.duration)", "-F", "count()", "-b", "1h"])
        .args(["--period", RANGE])
        .output()
        .unwrap();
    assert_success(&out);
    // Byte for byte what 0.49 prints to a pipe for the same data.
    assert_eq!(
        text(&out.stdout),
        "Querying spans in local/app · Range (UTC): 2024-01-15 09:30:00 to 2024-01-15 12:00:00

p95(span.duration) over time

Interval: 1h

Unit: millisecond

╭─────────────────────┬───────╮
│ TIME (UTC)          │ VALUE │
├─────────────────────┼───────┤
│ 2024-01-15 09:00:00 │     — │
│ 2024-01-15 10:00:00 │ 480ms │
│ 2024-01-15 11:00:00 │     — │
╰─────────────────────┴───────╯


count() over time

Interval: 1h

╭─────────────────────┬───────╮
│ TIME (UTC)          │ VALUE │
├─────────────────────┼───────┤
│ 2024-01-15 09:00:00 │     0 │
│ 2024-01-15 10:00:00 │     2 │
│ 2024-01-15 11:00:00 │     0 │
╰─────────────────────┴───────╯

"
    );
    assert_eq!(text(&out.stderr), "");
    let out = env
        .api_cmd()
        .args(["explore", "local/", "--dataset", "logs", "-F", "count()"])
        .args(["-b", "30m", "--period", RANGE])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        "Querying logs in local · Range (UTC): 2024-01-15 09:30:00 to 2024-01-15 12:00:00

count() over time

Interval: 30m

╭─────────────────────┬───────╮
│ TIME (UTC)          │ VALUE │
├─────────────────────┼───────┤
│ 2024-01-15 09:30:00 │     0 │
│ 2024-01-15 10:00:00 │     0 │
│ 2024-01-15 10:30:00 │     1 │
│ 2024-01-15 11:00:00 │     0 │
│ 2024-01-15 11:30:00 │     1 │
╰─────────────────────┴───────╯

"
    );
}

#[test]
fn open_buckets_get_a_status_column() {
    let env = seeded();
    let out = env
        .api_cmd()
        .args(["explore", "local/app", "-b", "15m", "--period", "1h"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(
        s.starts_with("Querying errors in local/app · Range (UTC): "),
        "{s}"
    );
    assert!(
        s.contains("\n\ncount() over time\n\nInterval: 15m\n\n"),
        "{s}"
    );
    assert!(
        s.contains("│ TIME (UTC)          │ VALUE │ STATUS             │"),
        "{s}"
    );
    // The three errors were sent just now, into the bucket that is still open.
    assert!(s.contains("│     3 │ Window not elapsed │"), "{s}");
}

#[test]
fn time_series_requests_choose_the_interval_and_scope_the_query() {
    let env = seeded_at_fixed_times();
    clear_log(&env);
    for args in [
        vec!["explore", "local/app", "-b"],
        vec!["explore", "local/app", "-b", "auto", "--period", "1h"],
        vec!["explore", "local/app", "--time-series", "--period", "90d"],
        vec!["explore", "local/app", "-b", "", "--period", "7d"],
        vec![
            "explore",
            "local/",
            "--dataset",
            "transactions",
            "-b",
            "--period",
            "2d",
        ],
        vec![
            "explore",
            "local/app",
            "-b",
            "1d",
            "--period",
            "1d",
            "-e",
            "prod",
            "-e",
            "dev",
            "-q",
            "payment OR checkout",
        ],
        vec![
            "explore",
            "local/app",
            "-F",
            "count()",
            "-F",
            "avg(span.duration)",
            "--dataset",
            "spans",
            "-b",
            "15s",
            "--period",
            "1m",
        ],
    ] {
        let out = env.api_cmd().args(&args).arg("--json").output().unwrap();
        assert_success(&out);
    }
    let sent = series_requests(&env);
    assert_eq!(
        sent,
        vec![
            pairs(&[
                ("dataset", "errors"),
                ("yAxis", "count()"),
                ("project", "1"),
                ("interval", "5m"),
                ("statsPeriod", "24h")
            ]),
            pairs(&[
                ("dataset", "errors"),
                ("yAxis", "count()"),
                ("project", "1"),
                ("interval", "1m"),
                ("statsPeriod", "1h")
            ]),
            pairs(&[
                ("dataset", "errors"),
                ("yAxis", "count()"),
                ("project", "1"),
                ("interval", "3h"),
                ("statsPeriod", "90d")
            ]),
            pairs(&[
                ("dataset", "errors"),
                ("yAxis", "count()"),
                ("project", "1"),
                ("interval", "30m"),
                ("statsPeriod", "7d")
            ]),
            pairs(&[
                ("dataset", "spans"),
                ("yAxis", "count()"),
                ("query", "is_transaction:true"),
                ("interval", "10m"),
                ("statsPeriod", "2d")
            ]),
            pairs(&[
                ("dataset", "errors"),
                ("yAxis", "count()"),
                ("query", "environment:[prod,dev] (payment OR checkout)"),
                ("project", "1"),
                ("interval", "1d"),
                ("statsPeriod", "1d")
            ]),
            pairs(&[
                ("dataset", "spans"),
                ("yAxis", "count()"),
                ("yAxis", "avg(span.duration)"),
                ("project", "1"),
                ("interval", "15s"),
                ("statsPeriod", "1m")
            ]),
        ]
    );
    // `transactions` is spans restricted to transactions, and is reported as spans.
    let out = env
        .api_cmd()
        .args([
            "explore",
            "local/",
            "--dataset",
            "transactions",
            "-b",
            "1h",
            "--period",
            RANGE,
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["dataset"], "spans");
    let counts: Vec<&Value> = v["timeSeries"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["value"])
        .collect();
    assert_eq!(counts, [&json!(0), &json!(1), &json!(0)]);
}

#[test]
fn time_series_bad_input() {
    let env = seeded_at_fixed_times();
    let interval_names = "15s, 30s, 1m, 2m, 5m, 10m, 15m, 30m, 1h, 2h, 3h, 4h, 6h, 12h, 1d";
    let table_only = |flag: &str| {
        format!("Error: --{flag} is only available for tables. Time series return all buckets in chronological order; use --period and --time-series to control the range and granularity.\n")
    };
    // Refused before any request.
    for (args, stderr) in [
        (vec!["-b", "7m"], format!("Error: Invalid interval \"7m\". Use auto or one of: {interval_names}.\n")),
        (vec!["-b", "AUTO"], format!("Error: Invalid interval \"AUTO\". Use auto or one of: {interval_names}.\n")),
        (vec!["-b", "--cursor", "next"], table_only("cursor")),
        (vec!["-b", "-n", "5"], table_only("limit")),
        (vec!["-b", "--sort=-count()"], table_only("sort")),
        (vec!["-b", "-F", "title", "-F", "count()", "-F", "release"], "Error: Time series require aggregate fields, such as count() or p95(span.duration). Grouping is not supported: title, release. Use --query to filter these fields or omit --time-series for a grouped table.\n".to_string()),
    ] {
        clear_log(&env);
        let out = env.api_cmd().arg("explore").arg("local/app").args(&args).output().unwrap();
        assert_exit(&out, 21);
        assert_eq!(text(&out.stderr), stderr, "{args:?}");
        assert_eq!(text(&out.stdout), "");
        assert_eq!(logged(&env), Vec::<String>::new(), "{args:?}");
    }
    // Checked against the period once the target is resolved, as 0.49 does; no series request.
    for (args, stderr) in [
        (vec!["-b", "--period", "10s"], "Error: Time series require a time range of at least 15 seconds. Use --period with a positive duration or date range.\n"),
        (vec!["-b", "--period", "2024-01-01T00:00:00Z..2024-01-01T00:00:10Z"], "Error: Time series require a time range of at least 15 seconds. Use --period with a positive duration or date range.\n"),
        (vec!["-b", "1h", "--period", "30m"], "Error: Interval 1h is longer than the requested period. Use a smaller --time-series interval or a wider --period.\n"),
        (vec!["-b", "15s", "--period", "7d"], "Error: Interval 15s produces too many time buckets. Use a larger --time-series interval or a shorter --period.\n"),
    ] {
        clear_log(&env);
        let out = env.api_cmd().arg("explore").arg("local/app").args(&args).output().unwrap();
        assert_exit(&out, 21);
        assert_eq!(text(&out.stderr), stderr, "{args:?}");
        assert_eq!(series_requests(&env), Vec::<Vec<(String, String)>>::new());
    }
    // The server's refusal, worded as 0.49 words it.
    let out = env
        .api_cmd()
        .args(["explore", "local/app", "-b", "-F", "foo(bar)"])
        .output()
        .unwrap();
    assert_exit(&out, 30);
    assert_eq!(
        text(&out.stderr),
        "Error: Failed to query events time series: 400 Bad Request\n  foo(bar) is not a valid yAxis: use an aggregate such as count()\n"
    );
}
/// Trace metrics through the DSN, as the JavaScript and Python SDKs send them: token usage
/// per model, a cache hit rate and a duration in milliseconds.
fn with_metrics(env: &TestEnv) {
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    let sample = |name: &str, value: f64, unit: Option<&str>, model: &str| {
        let mut m = json!({
            "timestamp": now - 1.0, "trace_id": "aaaa1111bbbb2222cccc3333dddd4444",
            "name": name, "type": "distribution", "value": value,
            "attributes": {"gen_ai.request.model": {"value": model, "type": "string"}},
        });
        if let Some(u) = unit {
            m["unit"] = json!(u);
        }
        m
    };
    let payload = json!({"version": 2, "items": [
        sample("llm.token_usage", 120.0, None, "gpt-4o"),
        sample("llm.token_usage", 80.0, None, "gpt-4o"),
        sample("llm.token_usage", 40.0, None, "claude"),
        sample("cache.hit_rate", 100.0, None, "x"),
        sample("cache.hit_rate", 0.0, None, "x"),
        sample("request.duration", 250.0, Some("millisecond"), "x"),
    ]});
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    send_envelope_to(
        env,
        project,
        &key,
        "99999999999999999999999999999999",
        &[(
            json!({"type": "trace_metric", "item_count": 6, "content_type": "application/vnd.sentry.items.trace-metric+json"}),
            serde_json::to_vec(&payload).unwrap(),
        )],
    );
}

const SUM: &str = "sum(value,llm.token_usage,distribution,none)";
const DISCOVERY: &str =
    "dataset=tracemetrics&field=metric.name&field=metric.type&field=metric.unit";

/// Runs explore and returns (exit code, stdout, stderr).
fn explore(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let out = env.api_cmd().arg("explore").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn metric_resolved_through_discovery() {
    let env = seeded();
    with_metrics(&env);
    clear_log(&env);
    let out = env
        .api_cmd()
        .args(["explore", "local/app", "-m", "llm.token_usage", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out),
        json!({
            "data": [{SUM: 240}],
            "meta": {"fields": {SUM: "number"}, "units": {SUM: null}},
            "hasMore": false, "hasPrev": false, "dataset": "tracemetrics",
        })
    );
    // Upstream's warning, consola's blank lines included.
    assert_eq!(
        text(&out.stderr),
        "\n[explore]  WARN  --metric implies --dataset metrics; switching dataset.\n\n"
    );
    let events: Vec<String> = logged(&env)
        .into_iter()
        .filter(|l| l.contains("/events/"))
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    for part in [DISCOVERY, "project=1", "statsPeriod=24h", "per_page=100"] {
        assert!(
            events[0].contains(part),
            "{part} missing from {}",
            events[0]
        );
    }
    assert!(!events[0].contains("sort="), "{}", events[0]);
    for part in [
        "dataset=tracemetrics",
        "field=sum%28value%2Cllm.token_usage%2Cdistribution%2Cnone%29",
        "sort=-sum%28value%2Cllm.token_usage%2Cdistribution%2Cnone%29",
        "project=1",
        "per_page=25",
    ] {
        assert!(
            events[1].contains(part),
            "{part} missing from {}",
            events[1]
        );
    }

    // --agg, a grouping column, and a user aggregate that gives way to the metric's; the
    // discovered unit goes into the field.
    let avg = "avg(value,llm.token_usage,distribution,none)";
    let (code, stdout, stderr) = explore(
        &env,
        &[
            "local/",
            "-m",
            "llm.token_usage",
            "--agg",
            "avg",
            "--dataset",
            "metrics",
            "-F",
            "gen_ai.request.model",
            "-F",
            "count()",
            "--json",
        ],
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap(),
        json!({
            "data": [
                {"gen_ai.request.model": "gpt-4o", avg: 100},
                {"gen_ai.request.model": "claude", avg: 40},
            ],
            "meta": {
                "fields": {"gen_ai.request.model": "string", avg: "number"},
                "units": {"gen_ai.request.model": null, avg: null},
            },
            "hasMore": false, "hasPrev": false, "dataset": "tracemetrics",
        })
    );
    let p95 = "p95(value,request.duration,distribution,millisecond)";
    let v = json_of(
        &env,
        &[
            "explore",
            "local/",
            "-m",
            "request.duration",
            "--agg",
            "p95",
            "-d",
            "metrics",
        ],
    );
    assert_eq!(v["data"], json!([{p95: 250}]));
    assert_eq!(
        v["meta"],
        json!({"fields": {p95: "duration"}, "units": {p95: "millisecond"}})
    );
}

#[test]
fn metric_tables_and_their_paging_hints() {
    let env = seeded();
    with_metrics(&env);
    let avg = "avg(value,llm.token_usage,distribution,none)";
    let (code, stdout, _) = explore(
        &env,
        &[
            "local/app",
            "-F",
            "gen_ai.request.model",
            "-m",
            "llm.token_usage",
            "--agg",
            "avg",
            "-d",
            "metrics",
            "-n",
            "1",
            "-t",
            "2d",
        ],
    );
    assert_eq!(code, 0);
    let width = avg.len();
    assert_eq!(
        stdout,
        format!(
            "Querying metrics in local/app:\n\n\
             ╭──────────────────────┬─{bar}─╮\n\
             │ GEN_AI.REQUEST.MODEL │ {head} │\n\
             ├──────────────────────┼─{bar}─┤\n\
             │ gpt-4o               │ {value:>width$} │\n\
             ╰──────────────────────┴─{bar}─╯\n\n\n\
             Showing 1 result. Next: sentry explore local/app -c next --dataset metrics -m \"llm.token_usage\" --agg avg -F 'gen_ai.request.model' --limit 1 --period 2d\n",
            bar = "─".repeat(width),
            head = avg.to_uppercase(),
            value = "100",
        )
    );
    // The manual form: no discovery, the user's sort and fields repeat in the hint.
    clear_log(&env);
    let (code, stdout, _) = explore(
        &env,
        &[
            "local/app",
            "-F",
            SUM,
            "-F",
            "gen_ai.request.model",
            "--dataset",
            "metric",
            "-n",
            "1",
            "-s",
            SUM,
        ],
    );
    assert_eq!(code, 0);
    assert!(stdout.contains(" 40 │ claude "), "{stdout}");
    assert!(
        stdout.ends_with(&format!("Showing 1 result. Next: sentry explore local/app -c next --dataset metrics --sort \"{SUM}\" -F '{SUM}' -F 'gen_ai.request.model' --limit 1\n")),
        "{stdout}"
    );
    let events: Vec<String> = logged(&env)
        .into_iter()
        .filter(|l| l.contains("/events/"))
        .collect();
    assert_eq!(events.len(), 1, "no discovery: {events:?}");
    assert!(events[0].contains(&format!(
        "sort={}",
        "sum%28value%2Cllm.token_usage%2Cdistribution%2Cnone%29"
    )));
    let v = json_of(
        &env,
        &["explore", "local/", "-F", SUM, "--dataset", "metrics"],
    );
    assert_eq!(v["data"], json!([{SUM: 240}]));
}

#[test]
fn metric_input_errors() {
    let env = seeded();
    with_metrics(&env);
    clear_log(&env);
    let (code, _, stderr) = explore(&env, &["local/", "--dataset", "metrics"]);
    assert_eq!(code, 21);
    assert_eq!(
        stderr,
        "Error: The metrics dataset requires --metric or explicit --field flags.\n\n\
         Auto mode (recommended):\n  \
         sentry explore my-org/ -m llm.token_usage --dataset metrics\n  \
         sentry explore my-org/ -m llm.token_usage --agg avg --dataset metrics\n\n\
         Manual mode (tracemetrics format):\n  \
         sentry explore my-org/ -F \"sum(value,llm.token_usage,distribution,none)\" --dataset metrics\n"
    );
    let (code, _, stderr) = explore(
        &env,
        &[
            "local/",
            "-d",
            "metrics",
            "-F",
            "count()",
            "-F",
            "model",
            "-F",
            "p50(value)",
            "-F",
            SUM,
        ],
    );
    assert_eq!(code, 21);
    assert!(
        stderr.starts_with("Error: Invalid metrics aggregates: count(), p50(value)\n\nThe metrics dataset requires the format: aggregation(value,metric_name,metric_type,unit)\n"),
        "{stderr}"
    );
    let (code, _, stderr) = explore(
        &env,
        &["local/", "-m", "llm.token_usage", "--agg", "median"],
    );
    assert_eq!(code, 23);
    assert!(
        stderr.ends_with("Error: Aggregation 'median' not recognized. Valid aggregations: sum, avg, count, min, max, p50, p75, p90, p95, p99, count_unique.\n\nTry:\n  sentry explore my-org/ -m llm.token_usage --agg sum --dataset metrics\n"),
        "{stderr}"
    );
    assert_eq!(
        logged(&env),
        Vec::<String>::new(),
        "bad input sends nothing"
    );

    let (code, _, stderr) = explore(&env, &["local/", "-m", "llm.token_usag", "-d", "metrics"]);
    assert_eq!(code, 23);
    assert_eq!(
        stderr,
        "Error: Metric 'llm.token_usag' not found in this project.\n\nTry:\n  sentry explore my-org/ -m llm.token_usag --dataset metrics --period 7d\n\nOr:\n  - Similar metrics: llm.token_usage\n"
    );
    let (code, _, stderr) = explore(&env, &["local/", "-m", "nothing_like_it", "-d", "metrics"]);
    assert_eq!(code, 23);
    assert!(
        stderr.ends_with("Or:\n  - Use a wider --period to search for older metrics\n"),
        "{stderr}"
    );
    // Only the discovery of the two lookups went out.
    let logged: Vec<String> = logged(&env)
        .into_iter()
        .filter(|l| l.contains("/events/"))
        .collect();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(logged.iter().all(|l| l.contains(DISCOVERY)), "{logged:?}");
}

/// Two replays: one with a user email, a URL and an error, one bare and older.
fn with_replays(env: &TestEnv) -> i64 {
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    let start = jiff::Timestamp::now().as_second() - 100;
    for (id, started, email, urls) in [
        (
            "346789a703f6454384f1de473b8b9fcc",
            start,
            Some("ada@example.com"),
            vec!["https://shop.example.com/p0"],
        ),
        ("00000000000000000000000000000001", start - 50, None, vec![]),
    ] {
        let mut event = json!({
            "type": "replay_event", "replay_id": id, "segment_id": 0,
            "timestamp": started + 6, "replay_start_timestamp": started, "urls": urls,
            "error_ids": if email.is_some() { json!(["0123456789abcdef0123456789abcdef"]) } else { json!([]) },
            "platform": "javascript", "environment": "prod",
            "contexts": {"browser": {"name": "Chrome", "version": "120"}},
        });
        if let Some(e) = email {
            event["user"] = json!({"email": e});
        }
        send_envelope_to(
            env,
            project,
            &key,
            id,
            &[(
                json!({"type": "replay_event"}),
                serde_json::to_vec(&event).unwrap(),
            )],
        );
    }
    start
}

fn iso(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        .to_string()
}

#[test]
fn replays_dataset_reads_the_replay_index() {
    let env = seeded();
    let start = with_replays(&env);
    clear_log(&env);
    let v = json_of(&env, &["explore", "local/app", "--dataset", "replays"]);
    let ints = ["count_errors", "count_rage_clicks", "count_dead_clicks"];
    assert_eq!(
        v,
        json!({
            "data": [
                {"id": "346789a703f6454384f1de473b8b9fcc", "started_at": iso(start), "duration": 6,
                 "count_errors": 1, "count_rage_clicks": 0, "count_dead_clicks": 0,
                 "url": "https://shop.example.com/p0", "user.email": "ada@example.com"},
                {"id": "00000000000000000000000000000001", "started_at": iso(start - 50), "duration": 6,
                 "count_errors": 0, "count_rage_clicks": 0, "count_dead_clicks": 0, "user.email": null},
            ],
            "meta": {
                "fields": {"id": "string", "started_at": "string", "duration": "duration",
                           ints[0]: "integer", ints[1]: "integer", ints[2]: "integer",
                           "url": "string", "user.email": "string"},
                "units": {"id": null, "started_at": null, "duration": "s", ints[0]: null,
                          ints[1]: null, ints[2]: null, "url": null, "user.email": null},
            },
            "hasMore": false, "hasPrev": false, "dataset": "replays",
        })
    );
    let log = logged(&env);
    assert!(!log.iter().any(|l| l.contains("/events/")), "{log:?}");
    let req = log.iter().find(|l| l.contains("/replays/")).unwrap();
    assert!(
        req.contains("field=id&field=started_at&field=duration&field=count_errors&field=count_rage_clicks&field=count_dead_clicks&field=urls&field=user"),
        "{req}"
    );
    for part in [
        "projectSlug=app",
        "sort=-started_at",
        "statsPeriod=24h",
        "per_page=25",
    ] {
        assert!(req.contains(part), "{part} missing from {req}");
    }

    // Chosen fields as a table; environments as parameters, the sort given.
    clear_log(&env);
    let (code, stdout, _) = explore(
        &env,
        &[
            "local/",
            "--dataset",
            "replay",
            "-F",
            "activity",
            "-F",
            "duration",
            "-F",
            "count_errors",
            "-s",
            "-count_errors",
            "-e",
            "prod",
            "-n",
            "1",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "Querying replays in local:\n\n\
         ╭──────────┬──────────┬──────────────╮\n\
         │ ACTIVITY │ DURATION │ COUNT_ERRORS │\n\
         ├──────────┼──────────┼──────────────┤\n\
         │        3 │      6 s │            1 │\n\
         ╰──────────┴──────────┴──────────────╯\n\n\n\
         Showing 1 result. Next: sentry explore local/ -c next --dataset replays --sort \"-count_errors\" -F 'activity' -F 'duration' -F 'count_errors' --limit 1 -e \"prod\"\n"
    );
    let req = logged(&env)
        .into_iter()
        .find(|l| l.contains("/replays/"))
        .unwrap();
    for part in [
        "environment=prod",
        "field=id&field=activity&field=duration&field=count_errors",
        "sort=-count_errors",
        "per_page=1",
    ] {
        assert!(req.contains(part), "{part} missing from {req}");
    }
    assert!(!req.contains("projectSlug"), "{req}");
    // Shorthands and nested sorts.
    let v = json_of(
        &env,
        &[
            "explore",
            "local/",
            "-d",
            "replays",
            "-F",
            "user",
            "-F",
            "browser",
            "-F",
            "screens",
            "-s",
            "user.email",
        ],
    );
    assert_eq!(
        v["data"],
        json!([
            {"browser": "Chrome", "screens": []},
            {"user": "ada@example.com", "browser": "Chrome", "screens": ["https://shop.example.com/p0"]},
        ])
    );
}

#[test]
fn replay_input_errors() {
    let env = seeded();
    clear_log(&env);
    let (code, _, stderr) = explore(
        &env,
        &["local/app", "--dataset", "replays", "-F", "count()"],
    );
    assert_eq!(code, 21);
    assert_eq!(
        stderr,
        "Error: Unsupported replay field \"count()\". Supported fields include: activity, browser, browser.name, browser.version, clicks, count_dead_clicks, count_errors, count_infos, count_rage_clicks, count_screens, count_segments, count_traces...\n"
    );
    let (code, _, stderr) = explore(&env, &["local/app", "--dataset", "replays", "-s", "bogus"]);
    assert_eq!(code, 21);
    assert_eq!(
        stderr,
        "Error: Invalid replay sort \"bogus\". Use a replay sort like -started_at or -count_errors.\n"
    );
    assert_eq!(logged(&env), Vec::<String>::new());
}

/// `-m` with `-b`: the metric is discovered first, then charted as the one `yAxis` of a
/// tracemetrics time series; only that metric's samples count.
#[test]
fn metric_time_series_charts_the_resolved_aggregate() {
    let env = seeded();
    with_metrics(&env);
    clear_log(&env);
    let (code, stdout, stderr) = explore(
        &env,
        &[
            "local/app",
            "--dataset",
            "metrics",
            "-m",
            "cache.hit_rate",
            "--agg",
            "avg",
            "-b",
            "1h",
            "--period",
            "1d",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    let body: Value = serde_json::from_str(&stdout).unwrap();
    let avg = "avg(value,cache.hit_rate,distribution,none)";
    assert_eq!(body["dataset"], json!("tracemetrics"));
    let series = body["timeSeries"].as_array().unwrap();
    assert_eq!(series.len(), 1, "{body}");
    assert_eq!(series[0]["yAxis"], json!(avg));
    let filled: Vec<&Value> = series[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| !v["value"].is_null())
        .collect();
    assert_eq!(filled.len(), 1, "{body}");
    assert_eq!(filled[0]["value"].as_f64(), Some(50.0));
    assert_eq!(filled[0]["sampleCount"], json!(2));
    let requests = series_requests(&env);
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(
        requests[0],
        pairs(&[
            ("dataset", "tracemetrics"),
            ("yAxis", avg),
            ("project", "1"),
            ("interval", "1h"),
            ("statsPeriod", "1d"),
        ])
    );
    // Discovery ran before the series request.
    let paths: Vec<String> = crate::cmds_support::requests(&env)
        .iter()
        .map(|r| r["path"].as_str().unwrap_or("").to_string())
        .filter(|p| p.contains("/events"))
        .collect();
    assert_eq!(
        paths,
        vec![
            "/api/0/organizations/local/events/",
            "/api/0/organizations/local/events-timeseries/"
        ]
    );
}
