//! Explore datasets, trace trees, trace metadata and trace logs built from real envelopes.

use crate::common::{agent, get};

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

const TRACE: &str = "aaaa1111bbbb2222cccc3333dddd4444";

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

fn seed(s: &RunningServer) -> f64 {
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    envelope(
        s,
        json!({"type": "transaction"}),
        json!({
            "event_id": "e".repeat(32), "type": "transaction", "transaction": "GET /users",
            "start_timestamp": now - 2.0, "timestamp": now - 1.5, "release": "1.0", "environment": "production",
            "contexts": {"trace": {"trace_id": TRACE, "span_id": "1000000000000001", "op": "http.server", "status": "ok",
                                   "data": {"http.method": "GET"}}},
            "spans": [
                {"span_id": "2000000000000002", "parent_span_id": "1000000000000001", "op": "db.query",
                 "description": "SELECT * FROM users", "start_timestamp": now - 1.9, "timestamp": now - 1.8,
                 "data": {"http.method": "POST", "cart.total": 12.5, "cached": false}},
                {"span_id": "3000000000000003", "parent_span_id": "2000000000000002", "op": "db.fetch",
                 "description": "fetch rows", "start_timestamp": now - 1.85, "timestamp": now - 1.8}
            ]
        }),
    );
    envelope(
        s,
        json!({"type": "log", "item_count": 2, "content_type": "application/vnd.sentry.items.log+json"}),
        json!({"items": [
            {"timestamp": now - 1.7, "trace_id": TRACE, "level": "info", "body": "user list served",
             "attributes": {"sentry.environment": {"value": "production", "type": "string"}}},
            {"timestamp": now - 1.6, "trace_id": TRACE, "level": "error", "body": "slow query detected"}
        ]}),
    );
    envelope(
        s,
        json!({"type": "event"}),
        json!({"event_id": "f".repeat(32), "level": "error", "timestamp": now - 1.75,
               "exception": {"values": [{"type": "ValueError", "value": "bad id"}]},
               "contexts": {"trace": {"trace_id": TRACE, "span_id": "2000000000000002"}}}),
    );
    now
}

#[test]
fn logs_dataset_with_fields_query_and_sort() {
    let s = start(ServerConfig::for_tests()).unwrap();
    seed(&s);
    let (status, body) = get(&s, "organizations/local/events/?dataset=logs&field=sentry.item_id&field=trace&field=severity&field=timestamp&field=timestamp_precise&field=message&project=1&per_page=100&statsPeriod=30d&sort=-timestamp");
    assert_eq!(status, 200, "{body}");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["message"], "slow query detected", "newest first");
    assert_eq!(data[0]["severity"], "error");
    assert_eq!(data[1]["trace"], TRACE);
    assert_eq!(data[0]["sentry.item_id"].as_str().unwrap().len(), 32);
    assert!(
        data[0]["timestamp_precise"].as_i64().unwrap()
            > data[1]["timestamp_precise"].as_i64().unwrap()
    );
    assert_eq!(body["meta"]["fields"]["timestamp"], "date");
    assert_eq!(
        data[0].as_object().unwrap().len(),
        6,
        "only requested fields"
    );

    let (_, q) = get(
        &s,
        "organizations/local/events/?dataset=logs&field=message&query=severity:error",
    );
    assert_eq!(q["data"], json!([{"message": "slow query detected"}]));
    let (_, q) = get(
        &s,
        "organizations/local/events/?dataset=logs&field=message&query=served",
    );
    assert_eq!(q["data"], json!([{"message": "user list served"}]));
    let id = data[1]["sentry.item_id"].as_str().unwrap();
    let (_, q) = get(&s, &format!("organizations/local/events/?dataset=logs&field=message&field=environment&query=sentry.item_id:[{id}]"));
    assert_eq!(
        q["data"],
        json!([{"message": "user list served", "environment": "production"}])
    );
    let (_, q) = get(
        &s,
        "organizations/local/events/?dataset=logs&field=message&sort=timestamp&field=timestamp",
    );
    assert_eq!(q["data"][0]["message"], "user list served");
}

#[test]
fn transactions_spans_and_errors_datasets() {
    let s = start(ServerConfig::for_tests()).unwrap();
    seed(&s);
    let (_, tx) = get(&s, "organizations/local/events/?dataset=transactions&field=trace&field=id&field=transaction&field=timestamp&field=transaction.duration&field=project&project=1&per_page=25&statsPeriod=7d&sort=-timestamp");
    assert_eq!(tx["data"].as_array().unwrap().len(), 1);
    let row = &tx["data"][0];
    assert_eq!(row["trace"], TRACE);
    assert_eq!(row["id"], "e".repeat(32));
    assert_eq!(row["transaction"], "GET /users");
    assert_eq!(row["transaction.duration"], 500);
    assert_eq!(row["project"], "app");
    assert_eq!(tx["meta"]["units"]["transaction.duration"], "millisecond");

    let (_, spans) = get(&s, &format!("organizations/local/events/?dataset=spans&field=id&field=parent_span&field=span.op&field=description&field=span.duration&field=timestamp&field=project&field=transaction&field=trace&project=-1&query=trace:{TRACE}&sort=-span.duration"));
    let spans = spans["data"].as_array().unwrap();
    assert_eq!(spans.len(), 3);
    assert_eq!(spans[0]["id"], "1000000000000001");
    assert_eq!(spans[0]["span.duration"], 500);
    assert_eq!(spans[1]["span.op"], "db.query");
    assert_eq!(spans[1]["parent_span"], "1000000000000001");
    assert_eq!(spans[2]["transaction"], "GET /users");

    let (_, agg) = get(
        &s,
        "organizations/local/events/?dataset=spans&field=span.op&field=count()&sort=-count()",
    );
    assert_eq!(agg["data"].as_array().unwrap().len(), 3);
    assert_eq!(agg["data"][0]["count()"], 1);
    assert_eq!(agg["meta"]["fields"]["count()"], "integer");

    let (_, errs) = get(
        &s,
        "organizations/local/events/?dataset=errors&field=title&field=count()&sort=-count()",
    );
    assert_eq!(
        errs["data"],
        json!([{"title": "ValueError: bad id", "count()": 1}])
    );

    let (status, _) = get(&s, "organizations/local/events/?dataset=nope&field=id");
    assert_eq!(status, 400);
    let (status, _) = get(&s, "organizations/local/events/?dataset=logs");
    assert_eq!(status, 400);
}

#[test]
fn trace_tree_nests_spans_and_attaches_errors() {
    let s = start(ServerConfig::for_tests()).unwrap();
    seed(&s);
    let (status, tree) = get(
        &s,
        &format!("organizations/local/trace/{TRACE}/?timestamp=0&limit=10000&project=-1"),
    );
    assert_eq!(status, 200, "{tree}");
    let roots = tree.as_array().unwrap();
    assert_eq!(roots.len(), 1, "{tree}");
    let root = &roots[0];
    assert_eq!(root["span_id"], "1000000000000001");
    assert_eq!(root["is_transaction"], true);
    assert_eq!(root["op"], "http.server");
    assert_eq!(root["transaction"], "GET /users");
    assert_eq!(root["project_slug"], "app");
    assert_eq!(root["event_id"], "e".repeat(32));
    let child = &root["children"][0];
    assert_eq!(child["span_id"], "2000000000000002");
    assert_eq!(child["description"], "SELECT * FROM users");
    assert_eq!(child["errors"][0]["title"], "ValueError: bad id");
    assert_eq!(child["children"][0]["span_id"], "3000000000000003");
    let dur = root["end_timestamp"].as_f64().unwrap() - root["start_timestamp"].as_f64().unwrap();
    assert!((dur - 0.5).abs() < 1e-6);

    let (_, empty) = get(
        &s,
        &format!("organizations/local/trace/{}/", "0".repeat(32)),
    );
    assert_eq!(empty, json!([]));
    let (status, _) = get(&s, "organizations/local/trace/not-a-trace/");
    assert_eq!(status, 400);
}

#[test]
fn trace_logs_endpoint() {
    let s = start(ServerConfig::for_tests()).unwrap();
    seed(&s);
    let (status, body) = get(&s, &format!("organizations/local/trace-logs/?traceId={TRACE}&statsPeriod=14d&per_page=100&sort=-timestamp"));
    assert_eq!(status, 200, "{body}");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["message"], "slow query detected");
    assert_eq!(data[0]["severity_number"], 17);
    assert_eq!(data[0]["project.id"], 1);
    assert_eq!(data[1]["severity"], "info");
    let (_, other) = get(
        &s,
        &format!("organizations/local/trace-logs/?traceId={}", "1".repeat(32)),
    );
    assert_eq!(other["data"], json!([]));
    let (status, _) = get(&s, "organizations/local/trace-logs/");
    assert_eq!(status, 400);
}

#[test]
fn span_attributes_are_columns_and_trace_additional_attributes() {
    let s = start(ServerConfig::for_tests()).unwrap();
    seed(&s);
    // By its bare name an attribute is a string; `tags[name,number|boolean]` keeps its type.
    let (status, body) = get(&s, "organizations/local/events/?dataset=spans&field=id&field=http.method&field=tags%5Bcart.total%2Cnumber%5D&field=tags%5Bcached%2Cboolean%5D&field=cart.total&sort=id");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"],
        json!([
            {"id": "1000000000000001", "http.method": "GET", "tags[cart.total,number]": null,
             "tags[cached,boolean]": null, "cart.total": null},
            {"id": "2000000000000002", "http.method": "POST", "tags[cart.total,number]": 12.5,
             "tags[cached,boolean]": false, "cart.total": "12.5"},
            {"id": "3000000000000003", "http.method": null, "tags[cart.total,number]": null,
             "tags[cached,boolean]": null, "cart.total": null}
        ])
    );
    let (_, q) = get(
        &s,
        "organizations/local/events/?dataset=spans&field=id&query=http.method:POST",
    );
    assert_eq!(q["data"], json!([{"id": "2000000000000002"}]));

    // The trace tree: each span's requested attributes it has, `{}` when none was asked.
    let (_, tree) = get(&s, &format!("organizations/local/trace/{TRACE}/?statsPeriod=14d&additional_attributes=http.method&additional_attributes=tags%5Bcart.total%2Cnumber%5D"));
    let root = &tree[0];
    assert_eq!(root["additional_attributes"], json!({"http.method": "GET"}));
    assert_eq!(
        root["children"][0]["additional_attributes"],
        json!({"http.method": "POST", "tags[cart.total,number]": 12.5})
    );
    assert_eq!(
        root["children"][0]["children"][0]["additional_attributes"],
        json!({})
    );
    let (_, plain) = get(&s, &format!("organizations/local/trace/{TRACE}/"));
    assert_eq!(plain[0]["additional_attributes"], json!({}));
}

#[test]
fn trace_meta_counts_what_the_trace_holds() {
    let s = start(ServerConfig::for_tests()).unwrap();
    seed(&s);
    // Another trace's log and error (one log item holding both traces' records) are not counted.
    let other = "1".repeat(32);
    envelope(
        &s,
        json!({"type": "log", "item_count": 2, "content_type": "application/vnd.sentry.items.log+json"}),
        json!({"items": [
            {"timestamp": 1, "trace_id": other, "level": "info", "body": "elsewhere"},
            {"timestamp": 1, "trace_id": TRACE, "level": "debug", "body": "third"}
        ]}),
    );
    envelope(
        &s,
        json!({"type": "event"}),
        json!({"event_id": "d".repeat(32), "level": "error", "message": "other",
               "contexts": {"trace": {"trace_id": other, "span_id": "9000000000000009"}}}),
    );
    let (status, meta) = get(
        &s,
        &format!("organizations/local/trace-meta/{TRACE}/?statsPeriod=14d"),
    );
    assert_eq!(status, 200, "{meta}");
    assert_eq!(
        meta,
        json!({
            "errorsCount": 1, "logsCount": 3, "metricsCount": 0, "performanceIssuesCount": 0,
            "spansCount": 3,
            "transactionChildCountMap": [{"transaction.event_id": "e".repeat(32), "count()": 3}],
            "spansCountMap": {"db.fetch": 1, "db.query": 1, "http.server": 1}
        })
    );
    // Sentry's key order, and the per-op map most first.
    assert_eq!(
        meta.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "errorsCount",
            "logsCount",
            "metricsCount",
            "performanceIssuesCount",
            "spansCount",
            "transactionChildCountMap",
            "spansCountMap"
        ]
    );
    let (_, meta) = get(
        &s,
        &format!("organizations/local/trace-meta/{other}/?include_uptime=1"),
    );
    assert_eq!(
        meta,
        json!({
            "errorsCount": 1, "logsCount": 1, "metricsCount": 0, "performanceIssuesCount": 0,
            "spansCount": 0, "transactionChildCountMap": [], "spansCountMap": {}, "uptimeCount": 0
        })
    );
    // Outside the window, or an unknown trace: zeros, not a 404.
    let (status, meta) = get(
        &s,
        &format!("organizations/local/trace-meta/{TRACE}/?start=2999-01-01T00:00:00Z&end=2999-01-02T00:00:00Z"),
    );
    assert_eq!(status, 200);
    assert_eq!(
        (
            &meta["spansCount"],
            &meta["logsCount"],
            &meta["errorsCount"]
        ),
        (&json!(0), &json!(0), &json!(0))
    );
    let (_, meta) = get(
        &s,
        &format!("organizations/local/trace-meta/{}/", "2".repeat(32)),
    );
    assert_eq!(meta["spansCount"], 0);
    let (status, _) = get(&s, "organizations/local/trace-meta/not-a-trace/");
    assert_eq!(status, 400);
    let (status, _) = get(&s, &format!("organizations/nope/trace-meta/{TRACE}/"));
    assert_eq!(status, 404);
}
