//! `/organizations/{org}/events-timeseries/`: explore aggregates in time buckets, from
//! envelopes sent with fixed timestamps so every bucket is known exactly.

use crate::common::{agent, get};

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

const TRACE: &str = "aaaa1111bbbb2222cccc3333dddd4444";
/// 2024-01-15T09:00:00Z, the first bucket of the ranges below.
const H9: i64 = 1_705_309_200;
/// The range the tests ask for: 09:30 to 12:00 (buckets start at 09:00, 10:00 and 11:00).
const RANGE: &str = "start=2024-01-15T09:30:00.000Z&end=2024-01-15T12:00:00.000Z";

fn envelope(s: &RunningServer, item_header: Value, payload: Value) {
    let body = format!("{{}}\n{item_header}\n{payload}");
    let r = agent()
        .post(format!(
            "{}/api/{}/envelope/?sentry_version=7&sentry_key={}",
            s.url, s.bootstrap.project_id, s.bootstrap.public_key
        ))
        .header("Content-Type", "application/x-sentry-envelope")
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

fn error(s: &RunningServer, id: char, at: i64, env: &str, message: &str) {
    envelope(
        s,
        json!({"type": "event"}),
        json!({"event_id": id.to_string().repeat(32), "level": "error", "timestamp": at,
               "environment": env, "message": message}),
    );
}

/// Errors at 09:10 (before the range), 10:05, 10:50 and 11:20; a transaction at 10:10 with a
/// 500 ms root span and a 100 ms child; logs at 10:30 (info) and 11:40 (error).
fn seed() -> RunningServer {
    let s = start(ServerConfig::for_tests()).unwrap();
    error(&s, 'a', H9 + 600, "prod", "too early");
    error(&s, 'b', H9 + 3900, "prod", "checkout failed");
    error(&s, 'c', H9 + 6600, "dev", "checkout failed");
    error(&s, 'd', H9 + 8400, "prod", "payment failed");
    let tx = (H9 + 4200) as f64;
    envelope(
        &s,
        json!({"type": "transaction"}),
        json!({
            "event_id": "e".repeat(32), "type": "transaction", "transaction": "GET /checkout",
            "start_timestamp": tx, "timestamp": tx + 0.5, "environment": "prod",
            "contexts": {"trace": {"trace_id": TRACE, "span_id": "1000000000000001", "op": "http.server"}},
            "spans": [{"span_id": "2000000000000002", "parent_span_id": "1000000000000001",
                       "op": "db.query", "start_timestamp": tx + 0.1, "timestamp": tx + 0.2}]
        }),
    );
    envelope(
        &s,
        json!({"type": "log", "item_count": 2, "content_type": "application/vnd.sentry.items.log+json"}),
        json!({"items": [
            {"timestamp": H9 + 5400, "trace_id": TRACE, "level": "info", "body": "user logged in",
             "attributes": {"sentry.environment": {"value": "prod", "type": "string"}}},
            {"timestamp": H9 + 9600, "trace_id": TRACE, "level": "error", "body": "payment failed"}
        ]}),
    );
    s
}

fn ms(hours_after_nine: i64) -> i64 {
    (H9 + hours_after_nine * 3600) * 1000
}

#[test]
fn errors_are_counted_per_bucket_with_sentrys_shape() {
    let s = seed();
    let (status, body) = get(
        &s,
        &format!("organizations/local/events-timeseries/?dataset=errors&yAxis=count()&project=1&interval=1h&{RANGE}"),
    );
    assert_eq!(status, 200, "{body}");
    // The 09:10 error is before the range start, though inside the first bucket.
    assert_eq!(
        body,
        json!({
            "meta": {"dataset": "errors", "start": ms(0) + 1_800_000, "end": ms(3)},
            "timeSeries": [{
                "values": [
                    {"timestamp": ms(0), "value": 0, "incomplete": false},
                    {"timestamp": ms(1), "value": 2, "incomplete": false},
                    {"timestamp": ms(2), "value": 1, "incomplete": false},
                ],
                "yAxis": "count()",
                "meta": {"valueType": "integer", "valueUnit": null, "interval": 3_600_000},
            }],
        })
    );
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["meta", "timeSeries"], "Sentry's key order");

    // The query and the environment parameter filter rows before they are counted.
    let (_, q) = get(
        &s,
        &format!("organizations/local/events-timeseries/?yAxis=count()&query=message:checkout*&environment=prod&interval=30m&{RANGE}"),
    );
    let values: Vec<i64> = q["timeSeries"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_i64().unwrap())
        .collect();
    assert_eq!(values, [0, 1, 0, 0, 0], "09:30 … 11:30 in half hours");
    assert_eq!(q["timeSeries"][0]["meta"]["interval"], 1_800_000);

    // A project the data is not in has only empty buckets.
    let (_, other) = get(
        &s,
        &format!("organizations/local/events-timeseries/?project=999&interval=1h&{RANGE}"),
    );
    assert!(other["timeSeries"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["value"] == 0));
}

#[test]
fn span_aggregates_carry_sampling_fields_and_their_column_type() {
    let s = seed();
    let (status, body) = get(
        &s,
        &format!("organizations/local/events-timeseries/?dataset=spans&yAxis=p95(span.duration)&yAxis=count()&interval=1h&{RANGE}"),
    );
    assert_eq!(status, 200, "{body}");
    let empty = |t| json!({"timestamp": t, "value": null, "incomplete": false, "sampleCount": 0, "sampleRate": null, "confidence": null});
    assert_eq!(
        body["timeSeries"][0],
        json!({
            "values": [
                empty(ms(0)),
                // 100 ms and 500 ms: the 95th percentile interpolates between them.
                {"timestamp": ms(1), "value": 480.0, "incomplete": false, "sampleCount": 2, "sampleRate": 1, "confidence": "high"},
                empty(ms(2)),
            ],
            "yAxis": "p95(span.duration)",
            "meta": {"valueType": "duration", "valueUnit": "millisecond", "interval": 3_600_000, "dataScanned": "full"},
        })
    );
    let counts: Vec<&Value> = body["timeSeries"][1]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["value"])
        .collect();
    assert_eq!(counts, [&json!(0), &json!(2), &json!(0)]);
    assert_eq!(body["timeSeries"][1]["meta"]["valueType"], "integer");
    assert_eq!(body["meta"]["dataset"], "spans");

    // Transactions alone, as `explore --dataset transactions` asks for them.
    let (_, tx) = get(
        &s,
        &format!("organizations/local/events-timeseries/?dataset=spans&yAxis=avg(span.duration)&query=is_transaction:true&interval=1h&{RANGE}"),
    );
    assert_eq!(tx["timeSeries"][0]["values"][1]["value"], 500.0);
}

#[test]
fn logs_are_bucketed_by_their_own_timestamp() {
    let s = seed();
    let (_, body) = get(
        &s,
        &format!("organizations/local/events-timeseries/?dataset=logs&yAxis=count()&query=severity:error&interval=1h&{RANGE}"),
    );
    let values = body["timeSeries"][0]["values"].as_array().unwrap();
    assert_eq!(
        values.iter().map(|v| &v["value"]).collect::<Vec<_>>(),
        [&json!(0), &json!(0), &json!(1)]
    );
    assert_eq!(values[2]["sampleCount"], 1);
    assert_eq!(body["meta"]["dataset"], "logs");
}

#[test]
fn buckets_that_have_not_ended_are_incomplete() {
    let s = seed();
    let (status, body) = get(
        &s,
        "organizations/local/events-timeseries/?statsPeriod=1h&interval=15m",
    );
    assert_eq!(status, 200, "{body}");
    let values = body["timeSeries"][0]["values"].as_array().unwrap();
    let last = values.last().unwrap();
    assert_eq!(last["incomplete"], true);
    assert_eq!(last["incompleteReason"], "NOT_ELAPSED");
    assert_eq!(values[0]["incomplete"], false);
    assert!(values[0].get("incompleteReason").is_none());
    let (start, end) = (
        body["meta"]["start"].as_i64().unwrap(),
        body["meta"]["end"].as_i64().unwrap(),
    );
    assert_eq!(end - start, 3_600_000);
    assert_eq!(values[0]["timestamp"], start - start % 900_000);
    // Defaults: the errors dataset, count(), the last 14 days in hours.
    let (_, d) = get(&s, "organizations/local/events-timeseries/");
    assert_eq!(d["meta"]["dataset"], "errors");
    assert_eq!(d["timeSeries"][0]["yAxis"], "count()");
    assert_eq!(d["timeSeries"][0]["meta"]["interval"], 3_600_000);
    let n = d["timeSeries"][0]["values"].as_array().unwrap().len();
    assert!((336..=337).contains(&n), "{n} buckets");
}

#[test]
fn top_events_group_series_and_keep_the_rest_as_other() {
    let s = seed();
    let path = format!(
        "organizations/local/events-timeseries/?dataset=errors&yAxis=count()&topEvents=1&groupBy=message&interval=1h&{RANGE}"
    );
    let (status, body) = get(&s, &path);
    assert_eq!(status, 200, "{body}");
    let series = body["timeSeries"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(
        series[0]["groupBy"],
        json!([{"key": "message", "value": "checkout failed"}])
    );
    assert_eq!(
        series[0]["meta"],
        json!({"valueType": "integer", "valueUnit": null, "interval": 3_600_000, "isOther": false, "order": 0})
    );
    let values = |s: &Value| -> Vec<i64> {
        s["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(values(&series[0]), [0, 2, 0]);
    assert_eq!(series[1]["meta"]["isOther"], true);
    assert_eq!(series[1]["meta"]["order"], 1);
    assert!(series[1].get("groupBy").is_none());
    assert_eq!(values(&series[1]), [0, 0, 1]);

    let (_, only) = get(&s, &format!("{path}&excludeOther=1"));
    assert_eq!(only["timeSeries"].as_array().unwrap().len(), 1);
    // Ranked by the sort column, ascending here.
    let (_, asc) = get(&s, &format!("{path}&sort=count()"));
    assert_eq!(
        asc["timeSeries"][0]["groupBy"][0]["value"],
        "payment failed"
    );
}

#[test]
fn bad_parameters_are_400s_with_sentrys_messages() {
    let s = seed();
    for (query, detail) in [
        ("interval=0", "Interval cannot result in a zero duration."),
        ("interval=7x", "Invalid interval: \"7x\""),
        ("interval=1s&statsPeriod=1d", "Your interval and date range would create too many results. Use a larger interval, or a smaller date range."),
        ("start=2024-01-15T00:00:00Z", "start and end are both required"),
        ("start=2024-01-16T00:00:00Z&end=2024-01-15T00:00:00Z", "start must be before end"),
        ("start=yesterday&end=2024-01-15T00:00:00Z", "start is not a valid ISO8601 date query"),
        ("statsPeriod=soon", "Invalid statsPeriod: \"soon\""),
        ("yAxis=title", "title is not a valid yAxis: use an aggregate such as count()"),
        ("dataset=nope", "Unsupported dataset: nope"),
        ("topEvents=11&groupBy=message", "Can only get up to 10 top events"),
        ("topEvents=0&groupBy=message", "topEvents needs to be at least 1"),
        ("topEvents=x", "topEvents must be an integer"),
        ("topEvents=2", "groupBy is a required parameter when doing topEvents"),
        ("topEvents=2&groupBy=timestamp", "Cannot group by timestamp"),
        ("topEvents=2&groupBy=message&sort=-timestamp", "Cannot order by timestamp"),
    ] {
        let (status, body) = get(&s, &format!("organizations/local/events-timeseries/?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body, json!({"detail": detail}), "{query}");
    }
    let r = agent()
        .get(format!(
            "{}/api/0/organizations/local/events-timeseries/",
            s.url
        ))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401, "a token is required");
}

/// The percentiles and column-typed aggregates the series use work in `/events/` too.
#[test]
fn events_table_knows_percentiles_and_duration_aggregates() {
    let s = seed();
    let (status, body) = get(
        &s,
        &format!("organizations/local/events/?dataset=spans&field=p50(span.duration)&field=p99(span.duration)&field=avg(span.duration)&field=count()&{RANGE}"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"],
        json!([{"p50(span.duration)": 300.0, "p99(span.duration)": 496.0, "avg(span.duration)": 300.0, "count()": 2}])
    );
    assert_eq!(
        body["meta"]["fields"],
        json!({"p50(span.duration)": "duration", "p99(span.duration)": "duration", "avg(span.duration)": "duration", "count()": "integer"})
    );
    assert_eq!(body["meta"]["units"]["p99(span.duration)"], "millisecond");
}
