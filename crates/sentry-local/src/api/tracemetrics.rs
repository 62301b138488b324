//! The `tracemetrics` explore dataset: trace metric samples (ingested from `trace_metric`
//! envelope items into `trace_metrics`) as rows of the events query, and Sentry's
//! metric-scoped aggregate form `fn(value,<name>,<type>,<unit>)`.
//!
//! A sample row has the columns Sentry's tracemetrics dataset has (`metric.name`,
//! `metric.type`, `metric.unit`, `value`, `timestamp`, `trace`, `project`, ...) plus one
//! column per attribute. `sum(value,llm.token_usage,distribution,none)` aggregates only the
//! samples of that metric: the unit `-` takes every unit, `none` the samples sent without a
//! unit (or with unit `none`), anything else that exact unit. A query whose aggregates name
//! metrics reads only those metrics' samples, so grouping columns list no other metric's
//! values. `GET /organizations/{org}/events/?dataset=tracemetrics&field=metric.name&
//! field=metric.type&field=metric.unit` (no aggregate) is how the official CLI discovers a
//! metric's type and unit.

use rusqlite::Connection;
use serde_json::{json, Map, Value};

use crate::api::iso_ms;
use crate::error::ApiResult;

/// One sample as an explore row.
type Row = Map<String, Value>;

/// The samples of the org's projects (all of them when `projects` is empty) recorded since
/// `since_ms`, newest first.
pub(super) fn rows(
    c: &Connection,
    org: i64,
    projects: &[i64],
    since_ms: i64,
) -> ApiResult<Vec<Row>> {
    let mut stmt = c.prepare(
        "SELECT m.id, m.project_id, p.slug, m.timestamp_ms, m.trace_id, m.span_id, m.name, m.type, m.unit, m.value, m.attributes
         FROM trace_metrics m JOIN projects p ON p.id = m.project_id
         WHERE p.org_id = ?1 AND m.timestamp_ms >= ?2
         ORDER BY m.timestamp_ms DESC, m.id DESC",
    )?;
    let mut out = Vec::new();
    let mut raw = stmt.query(rusqlite::params![org, since_ms])?;
    while let Some(r) = raw.next()? {
        let project: i64 = r.get(1)?;
        if !projects.is_empty() && !projects.contains(&project) {
            continue;
        }
        let attributes: Value = r
            .get::<_, String>(10)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(Value::Null);
        let mut row = Row::new();
        // An attribute asked for by its bare name reads as a string, as it does on the logs
        // dataset (typed reads need `tags[name,number]`).
        if let Value::Object(a) = &attributes {
            for (k, v) in a {
                let v = match v {
                    Value::Object(o) => o.get("value").cloned().unwrap_or(Value::Null),
                    other => other.clone(),
                };
                let v = match v {
                    Value::Null | Value::String(_) => v,
                    other => Value::String(other.to_string()),
                };
                row.insert(k.clone(), v);
            }
        }
        let attr = |k: &str| row.get(k).cloned().unwrap_or(Value::Null);
        let (environment, release) = (attr("sentry.environment"), attr("sentry.release"));
        let (sdk_name, sdk_version) = (attr("sentry.sdk.name"), attr("sentry.sdk.version"));
        let slug: String = r.get(2)?;
        let ts: i64 = r.get(3)?;
        row.insert("id".into(), json!(format!("{:032x}", r.get::<_, i64>(0)?)));
        row.insert("metric.name".into(), json!(r.get::<_, String>(6)?));
        row.insert("metric.type".into(), json!(r.get::<_, String>(7)?));
        row.insert("metric.unit".into(), json!(r.get::<_, Option<String>>(8)?));
        row.insert("value".into(), json!(r.get::<_, f64>(9)?));
        row.insert("timestamp".into(), json!(iso_ms(ts)));
        row.insert("timestamp_precise".into(), json!(ts * 1_000_000));
        row.insert("trace".into(), json!(r.get::<_, Option<String>>(4)?));
        row.insert("span_id".into(), json!(r.get::<_, Option<String>>(5)?));
        row.insert("project".into(), json!(slug));
        row.insert("project.name".into(), json!(slug));
        row.insert("project.id".into(), json!(project));
        row.insert("environment".into(), environment);
        row.insert("release".into(), release);
        row.insert("sdk.name".into(), sdk_name);
        row.insert("sdk.version".into(), sdk_version);
        out.push(row);
    }
    Ok(out)
}

/// The metric an aggregate's arguments `value,<name>,<type>,<unit>` select.
#[derive(Debug, PartialEq)]
pub(super) struct Selector<'a> {
    name: &'a str,
    kind: &'a str,
    unit: &'a str,
}

/// `value,llm.token_usage,distribution,none` → the selector (spaces around the commas are
/// allowed, as Sentry allows them); any other argument list is not metric-scoped.
pub(super) fn selector(args: &str) -> Option<Selector<'_>> {
    let parts: Vec<&str> = args.split(',').map(str::trim).collect();
    match parts.as_slice() {
        ["value", name, kind, unit] if !name.is_empty() && !kind.is_empty() => Some(Selector {
            name,
            kind,
            unit: if unit.is_empty() { "-" } else { unit },
        }),
        _ => None,
    }
}

impl Selector<'_> {
    fn matches(&self, row: &Row) -> bool {
        let text = |k: &str| row.get(k).and_then(Value::as_str);
        text("metric.name") == Some(self.name)
            && text("metric.type") == Some(self.kind)
            && match (self.unit, text("metric.unit")) {
                ("-", _) => true,
                ("none", unit) => unit.is_none_or(|u| u == "none"),
                (wanted, unit) => unit == Some(wanted),
            }
    }
}

/// The value a metric-scoped aggregate reads from `row`: the sample's `value` when the row
/// is a sample of the selected metric, nothing otherwise.
pub(super) fn selected_value<'r>(row: &'r Row, args: &str) -> Option<&'r Value> {
    selector(args)
        .filter(|s| s.matches(row))
        .and_then(|_| row.get("value"))
}

/// The metrics the metric-scoped aggregates among `fields` select.
fn scoped<'f>(fields: &'f [String]) -> Vec<Selector<'f>> {
    fields
        .iter()
        .filter_map(|f| {
            let (_, rest) = f.split_once('(')?;
            selector(rest.strip_suffix(')')?)
        })
        .collect()
}

/// Keeps the samples of the metrics the query's aggregates name (all samples when none
/// does), so groups are formed only from those metrics.
pub(super) fn scope(rows: &mut Vec<Row>, fields: &[String]) {
    let selectors = scoped(fields);
    if !selectors.is_empty() {
        rows.retain(|r| selectors.iter().any(|s| s.matches(r)));
    }
}

/// Units Sentry reports a duration or size aggregate in.
const DURATION_UNITS: &[&str] = &[
    "nanosecond",
    "microsecond",
    "millisecond",
    "second",
    "minute",
    "hour",
    "day",
    "week",
];
const SIZE_UNITS: &[&str] = &[
    "bit", "byte", "kilobyte", "kibibyte", "megabyte", "mebibyte", "gigabyte", "gibibyte",
    "terabyte", "tebibyte", "petabyte", "pebibyte", "exabyte", "exbibyte",
];

/// The `meta.fields` type and `meta.units` unit of a metric-scoped aggregate: counts are
/// integers without a unit; other aggregates are durations or sizes in the selected unit when
/// it is one, else plain numbers.
pub(super) fn aggregate_meta(
    func: &str,
    args: &str,
) -> Option<(&'static str, Option<&'static str>)> {
    let sel = selector(args)?;
    if func.starts_with("count") {
        return Some(("integer", None));
    }
    if let Some(u) = DURATION_UNITS.iter().find(|u| **u == sel.unit) {
        return Some(("duration", Some(u)));
    }
    if let Some(u) = SIZE_UNITS.iter().find(|u| **u == sel.unit) {
        return Some(("size", Some(u)));
    }
    Some(("number", None))
}

/// The type of a plain tracemetrics column (`value` is the sample's number).
pub(super) fn column_meta(field: &str) -> Option<(&'static str, Option<&'static str>)> {
    match field {
        "value" => Some(("number", None)),
        _ => None,
    }
}

/// The distinct metrics in `rows` with their sample counts, for tests and diagnostics.
#[cfg(test)]
fn metrics_of(rows: &[Row]) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for r in rows {
        let name = r["metric.name"].as_str().unwrap_or_default().to_string();
        *out.entry(name).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, kind: &str, unit: Option<&str>, value: f64) -> Row {
        json!({"metric.name": name, "metric.type": kind, "metric.unit": unit, "value": value})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn selectors_parse_with_or_without_spaces() {
        assert_eq!(
            selector("value, request_duration, distribution, -"),
            Some(Selector {
                name: "request_duration",
                kind: "distribution",
                unit: "-"
            })
        );
        assert_eq!(selector("span.duration"), None);
        assert_eq!(selector("value,a,b"), None);
        assert_eq!(selector("x,a,b,c"), None);
    }

    #[test]
    fn units_select_like_sentry() {
        let rows = [
            row("d", "distribution", None, 1.0),
            row("d", "distribution", Some("none"), 2.0),
            row("d", "distribution", Some("millisecond"), 3.0),
            row("d", "counter", None, 4.0),
        ];
        let picked = |args: &str| -> Vec<f64> {
            rows.iter()
                .filter_map(|r| selected_value(r, args))
                .filter_map(Value::as_f64)
                .collect()
        };
        assert_eq!(picked("value,d,distribution,-"), [1.0, 2.0, 3.0]);
        assert_eq!(picked("value,d,distribution,none"), [1.0, 2.0]);
        assert_eq!(picked("value,d,distribution,millisecond"), [3.0]);
        assert_eq!(picked("value,d,counter,none"), [4.0]);
        assert_eq!(picked("value,e,counter,none"), Vec::<f64>::new());
    }

    #[test]
    fn scoping_keeps_only_the_named_metrics() {
        let mut rows = vec![
            row("a", "counter", None, 1.0),
            row("b", "counter", None, 1.0),
            row("a", "counter", None, 1.0),
        ];
        scope(
            &mut rows,
            &["model".into(), "sum(value,a,counter,none)".into()],
        );
        assert_eq!(
            metrics_of(&rows),
            std::collections::BTreeMap::from([("a".to_string(), 2)])
        );
        let mut all = vec![row("a", "counter", None, 1.0), row("b", "gauge", None, 1.0)];
        scope(&mut all, &["metric.name".into()]);
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn meta_follows_the_unit() {
        assert_eq!(
            aggregate_meta("avg", "value,d,distribution,millisecond"),
            Some(("duration", Some("millisecond")))
        );
        assert_eq!(
            aggregate_meta("sum", "value,d,distribution,byte"),
            Some(("size", Some("byte")))
        );
        assert_eq!(
            aggregate_meta("sum", "value,d,distribution,none"),
            Some(("number", None))
        );
        assert_eq!(
            aggregate_meta("count", "value,d,distribution,millisecond"),
            Some(("integer", None))
        );
        assert_eq!(aggregate_meta("sum", "span.duration"), None);
    }
}
