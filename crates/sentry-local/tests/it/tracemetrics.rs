//! Trace metrics: `trace_metric` envelope items as the SDKs send them, stored per sample and
//! read back through the events query's `tracemetrics` dataset (discovery columns, the
//! metric-scoped aggregate form, grouping by attributes, units in `meta`).

use crate::common::{agent, api, get};

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

const TRACE: &str = "aaaa1111bbbb2222cccc3333dddd4444";

/// Sends one `trace_metric` item (`{"version":2,"items":[…]}`) to `project` with `key`.
fn send_metrics(s: &RunningServer, project: &str, key: &str, items: Value) {
    let payload = json!({"version": 2, "items": items}).to_string();
    let n = items.as_array().map_or(0, Vec::len);
    let body = format!(
        "{{}}\n{{\"type\":\"trace_metric\",\"item_count\":{n},\"content_type\":\"application/vnd.sentry.items.trace-metric+json\",\"length\":{}}}\n{payload}\n",
        payload.len()
    );
    let r = agent()
        .post(format!(
            "{}/api/{project}/envelope/?sentry_version=7&sentry_key={key}",
            s.url
        ))
        .header("Content-Type", "application/x-sentry-envelope")
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

fn sample(name: &str, kind: &str, value: Value, unit: Option<&str>, model: &str, ts: f64) -> Value {
    let mut m = json!({
        "timestamp": ts, "trace_id": TRACE, "span_id": "1111222233334444",
        "name": name, "type": kind, "value": value,
        "attributes": {
            "gen_ai.request.model": {"value": model, "type": "string"},
            "tokens.cached": {"value": 3, "type": "integer"},
            "sentry.environment": {"value": "prod", "type": "string"},
            "sentry.release": {"value": "1.0", "type": "string"},
        },
    });
    if let Some(u) = unit {
        m["unit"] = json!(u);
    }
    m
}

fn seeded() -> (RunningServer, f64) {
    let s = start(ServerConfig::for_tests()).unwrap();
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    let (project, key) = (
        s.bootstrap.project_id.to_string(),
        s.bootstrap.public_key.clone(),
    );
    send_metrics(
        &s,
        &project,
        &key,
        json!([
            sample(
                "llm.token_usage",
                "distribution",
                json!(120),
                None,
                "gpt-4o",
                now - 3.0
            ),
            sample(
                "llm.token_usage",
                "distribution",
                json!(80),
                None,
                "gpt-4o",
                now - 2.0
            ),
            sample(
                "llm.token_usage",
                "distribution",
                json!(40),
                Some("none"),
                "claude",
                now - 1.0
            ),
            sample(
                "request.duration",
                "distribution",
                json!(250.5),
                Some("millisecond"),
                "x",
                now - 1.5
            ),
            sample(
                "request.duration",
                "distribution",
                json!(100),
                Some("second"),
                "x",
                now - 1.6
            ),
            sample(
                "jobs.processed",
                "counter",
                json!(3),
                None,
                "worker",
                now - 1.2
            ),
            // Dropped, as Relay drops them: no name, an unknown type, a value that is no number.
            sample("", "counter", json!(1), None, "x", now),
            sample("bad.type", "set", json!(1), None, "x", now),
            sample("bad.value", "gauge", json!("many"), None, "x", now),
            // Outside a 24h window.
            sample(
                "llm.token_usage",
                "distribution",
                json!(1000),
                None,
                "old",
                now - 3.0 * 86_400.0
            ),
        ]),
    );
    (s, now)
}

fn events(s: &RunningServer, query: &str) -> Value {
    let (status, body) = get(
        s,
        &format!("organizations/local/events/?dataset=tracemetrics&statsPeriod=24h&{query}"),
    );
    assert_eq!(status, 200, "{body}");
    body
}

#[test]
fn discovery_lists_every_sample_newest_first() {
    let (s, _) = seeded();
    let body = events(
        &s,
        "field=metric.name&field=metric.type&field=metric.unit&project=1&per_page=100",
    );
    assert_eq!(
        body["data"],
        json!([
            {"metric.name": "llm.token_usage", "metric.type": "distribution", "metric.unit": "none"},
            {"metric.name": "jobs.processed", "metric.type": "counter", "metric.unit": null},
            {"metric.name": "request.duration", "metric.type": "distribution", "metric.unit": "millisecond"},
            {"metric.name": "request.duration", "metric.type": "distribution", "metric.unit": "second"},
            {"metric.name": "llm.token_usage", "metric.type": "distribution", "metric.unit": null},
            {"metric.name": "llm.token_usage", "metric.type": "distribution", "metric.unit": null},
        ])
    );
    assert_eq!(
        body["meta"]["fields"],
        json!({"metric.name": "string", "metric.type": "string", "metric.unit": "string"})
    );
    // A wider period reaches the old sample; another project sees nothing.
    let (_, wide) = get(
        &s,
        "organizations/local/events/?dataset=tracemetrics&field=value&statsPeriod=7d&sort=-value",
    );
    assert_eq!(wide["data"][0], json!({"value": 1000.0}));
    assert_eq!(wide["meta"]["fields"], json!({"value": "number"}));
    let other = events(&s, "field=metric.name&project=999");
    assert_eq!(other["data"], json!([]));
}

#[test]
fn metric_scoped_aggregates_group_by_attributes() {
    let (s, _) = seeded();
    let sum = "sum(value,llm.token_usage,distribution,none)";
    let body = events(
        &s,
        &format!(
            "field=gen_ai.request.model&field={}&sort=-{}",
            urlenc(sum),
            urlenc(sum)
        ),
    );
    assert_eq!(
        body["data"],
        json!([
            {"gen_ai.request.model": "gpt-4o", sum: 200.0},
            {"gen_ai.request.model": "claude", sum: 40.0},
        ]),
        "only that metric's samples form groups"
    );
    assert_eq!(
        body["meta"],
        json!({
            "fields": {"gen_ai.request.model": "string", sum: "number"},
            "units": {"gen_ai.request.model": null, sum: null},
            "dataset": "tracemetrics", "isMetricsData": false,
        })
    );
    // Non-string attributes read as strings, as on the logs dataset.
    let cached = events(&s, "field=tokens.cached&field=count()");
    assert_eq!(
        cached["data"],
        json!([{"tokens.cached": "3", "count()": 6}])
    );
}

#[test]
fn units_and_functions_like_sentry() {
    let (s, _) = seeded();
    let fields = [
        "count(value,request.duration,distribution,-)",
        "avg(value,request.duration,distribution,millisecond)",
        "p50(value,llm.token_usage,distribution,none)",
        "p95(value,llm.token_usage,distribution,none)",
        "max(value, llm.token_usage, distribution, -)",
        "count_unique(value,llm.token_usage,distribution,none)",
        "sum(value,jobs.processed,counter,none)",
        "min(value,nothing,counter,none)",
    ];
    let q: String = fields
        .iter()
        .map(|f| format!("field={}&", urlenc(f)))
        .collect();
    let body = events(&s, &q);
    assert_eq!(
        body["data"],
        json!([{
            fields[0]: 2,
            fields[1]: 250.5,
            fields[2]: 80.0,
            fields[3]: 116.0,
            fields[4]: 120.0,
            fields[5]: 3,
            fields[6]: 3.0,
            fields[7]: null,
        }])
    );
    assert_eq!(body["meta"]["fields"][fields[0]], "integer");
    assert_eq!(body["meta"]["fields"][fields[1]], "duration");
    assert_eq!(body["meta"]["units"][fields[1]], "millisecond");
    assert_eq!(body["meta"]["fields"][fields[5]], "integer");
    assert_eq!(body["meta"]["units"][fields[2]], Value::Null);
    // The search narrows samples; parentheses and OR as the CLI sends them.
    let q = urlenc("environment:prod (gen_ai.request.model:claude OR gen_ai.request.model:nope)");
    let one = events(
        &s,
        &format!(
            "field={}&query={q}",
            urlenc("sum(value,llm.token_usage,distribution,-)")
        ),
    );
    assert_eq!(
        one["data"],
        json!([{"sum(value,llm.token_usage,distribution,-)": 40.0}])
    );
}

#[test]
fn samples_belong_to_the_project_that_sent_them() {
    let (s, _) = seeded();
    let created = api(
        &s,
        "POST",
        "teams/local/local/projects/",
        Some(json!({"name": "web"})),
    )
    .json();
    let id = created["id"].as_str().unwrap().to_string();
    let keys = api(&s, "GET", "projects/local/web/keys/", None).json();
    let key = keys[0]["public"].as_str().unwrap().to_string();
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    send_metrics(
        &s,
        &id,
        &key,
        json!([sample(
            "web.vitals.lcp",
            "distribution",
            json!(2.5),
            Some("second"),
            "web",
            now
        )]),
    );
    let web = events(&s, &format!("field=metric.name&field=project&project={id}"));
    assert_eq!(
        web["data"],
        json!([{"metric.name": "web.vitals.lcp", "project": "web"}])
    );
    let all = events(&s, "field=project&field=count()&sort=project");
    assert_eq!(
        all["data"],
        json!([{"project": "app", "count()": 6}, {"project": "web", "count()": 1}])
    );
}

#[test]
fn metric_attributes_are_discoverable() {
    let (s, _) = seeded();
    let (status, body) = get(
        &s,
        "organizations/local/trace-items/attributes/?itemType=tracemetrics&attributeType=string&statsPeriod=24h",
    );
    assert_eq!(status, 200, "{body}");
    let keys: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "gen_ai.request.model",
            "metric.name",
            "metric.type",
            "metric.unit",
            "project",
            "trace"
        ],
        "the samples' own keys, sentry.* ones left to the built-ins"
    );
    let (_, numbers) = get(
        &s,
        "organizations/local/trace-items/attributes/?itemType=tracemetrics&attributeType=number&statsPeriod=24h",
    );
    let keys: Vec<&str> = numbers
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["tags[tokens.cached,number]", "value"]);
}

/// Percent-encodes a query value.
fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A metric selector as a time-series `yAxis`: only that metric's samples land in the
/// buckets, and the sample count says how many each bucket read.
#[test]
fn a_metric_selector_buckets_only_that_metrics_samples() {
    let (s, _) = seeded();
    let (status, body) = get(
        &s,
        "organizations/local/events-timeseries/?dataset=tracemetrics&yAxis=sum(value,llm.token_usage,distribution,-)&yAxis=count(value,llm.token_usage,distribution,-)&interval=86400&statsPeriod=1d",
    );
    assert_eq!(status, 200, "{body}");
    let totals: Vec<(Value, Value, Value)> = body["timeSeries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|series| {
            // Summed over the buckets, so a day boundary inside the samples changes nothing.
            let values = series["values"].as_array().unwrap();
            let sum = |k: &str| values.iter().filter_map(|v| v[k].as_f64()).sum::<f64>();
            (
                series["yAxis"].clone(),
                json!(sum("value")),
                json!(sum("sampleCount")),
            )
        })
        .collect();
    assert_eq!(
        totals,
        vec![
            (
                json!("sum(value,llm.token_usage,distribution,-)"),
                json!(240.0),
                json!(3.0)
            ),
            (
                json!("count(value,llm.token_usage,distribution,-)"),
                json!(3.0),
                json!(3.0)
            ),
        ]
    );
}
