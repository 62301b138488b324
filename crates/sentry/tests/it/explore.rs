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
