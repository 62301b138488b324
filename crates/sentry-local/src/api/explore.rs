//! Explore queries (`/organizations/{org}/events/?dataset=…`), trace trees, trace metadata
//! and trace logs, computed from the envelope items ingest kept.
//!
//! `sentry log list`, `trace list/view`, `span list` and `explore` read these. Rows are
//! built per dataset from `items` (logs from `log` items, transactions from `transaction`
//! items, spans from the spans inside transactions, errors from `event` items), then
//! filtered by a subset of Sentry's search syntax, aggregated when aggregate fields such as
//! `count()` are requested, sorted and paged. Trace metrics (`dataset=tracemetrics`) come from
//! their own table, see [`super::tracemetrics`].

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::Connection;
use serde_json::{json, Map, Value};

use crate::api::issues::parse_period_ms;
use crate::api::tracemetrics;
use crate::api::{find_org, iso_ms, search_tokens, with_link, Page, Params, MAX_PER_PAGE};
use crate::auth::needs::EVENT_READ;
use crate::auth::Authed;
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

/// Sentry's OrganizationEventPermission (`event:read`) for all three.
pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route("/organizations/{org}/events/", get(EVENT_READ, events))
        .route(
            "/organizations/{org}/trace/{trace_id}/",
            get(EVENT_READ, trace),
        )
        .route(
            "/organizations/{org}/trace-meta/{trace_id}/",
            get(EVENT_READ, trace_meta),
        )
        .route(
            "/organizations/{org}/trace-logs/",
            get(EVENT_READ, trace_logs),
        )
        .route(
            "/projects/{org}/{project}/trace-items/{item_id}/",
            get(EVENT_READ, trace_item),
        )
}

struct Project {
    id: i64,
    slug: String,
}

/// One raw item of the org, newest first.
struct RawItem {
    id: i64,
    project: i64,
    received_ms: i64,
    payload: Value,
}

fn load_items(
    c: &Connection,
    org: i64,
    item_type: &str,
    projects: &[i64],
    since_ms: i64,
    trace: Option<&str>,
) -> ApiResult<(Vec<RawItem>, BTreeMap<i64, Project>)> {
    let mut stmt = c.prepare("SELECT id, slug FROM projects WHERE org_id = ?1")?;
    let all: BTreeMap<i64, Project> = stmt
        .query_map([org], |r| {
            Ok(Project {
                id: r.get(0)?,
                slug: r.get(1)?,
            })
        })?
        .filter_map(Result::ok)
        .map(|p| (p.id, p))
        .collect();
    let ids: Vec<String> = all
        .keys()
        .filter(|id| projects.is_empty() || projects.contains(id))
        .map(|id| id.to_string())
        .collect();
    if ids.is_empty() {
        return Ok((Vec::new(), all));
    }
    let sql = format!(
        "SELECT id, project_id, received_ms, payload FROM items WHERE item_type = ?1
         AND project_id IN ({}) AND received_ms >= ?2 {} ORDER BY received_ms DESC, id DESC",
        ids.join(","),
        if trace.is_some() {
            "AND trace_id = ?3"
        } else {
            "AND ?3 IS NULL"
        }
    );
    let mut stmt = c.prepare(&sql)?;
    let items = stmt
        .query_map(rusqlite::params![item_type, since_ms, trace], |r| {
            Ok(RawItem {
                id: r.get(0)?,
                project: r.get(1)?,
                received_ms: r.get(2)?,
                payload: r
                    .get::<_, Option<String>>(3)?
                    .and_then(|s| serde_json::from_str(&s).ok())
                    .unwrap_or(Value::Null),
            })
        })?
        .filter_map(Result::ok)
        .collect();
    Ok((items, all))
}

/// `v[key]`, or null when absent (rows list every field they know, present or not).
fn field(v: &Value, key: &str) -> Value {
    v.get(key).cloned().unwrap_or(Value::Null)
}

fn ts_secs(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse::<f64>().ok().or_else(|| {
            s.parse::<jiff::Timestamp>()
                .ok()
                .map(|t| t.as_millisecond() as f64 / 1000.0)
        }),
        _ => None,
    }
}

fn iso_secs(secs: f64) -> String {
    iso_ms((secs * 1000.0) as i64)
}

fn attr(attrs: &Value, key: &str) -> Value {
    match attrs.get(key) {
        Some(Value::Object(o)) => o.get("value").cloned().unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    }
}

/// The columns one custom attribute answers to. By its bare name it is Sentry's string
/// attribute of that name, so 0.49's log schemas, which expect strings for e.g.
/// `code.line.number`, read the same as they do from sentry.io; typed, it is
/// `tags[name,number]` / `tags[name,boolean]` / `tags[name,string]`, as Sentry spells them.
fn attribute_columns(row: &mut Map<String, Value>, name: &str, value: Value) {
    let text = match &value {
        Value::Null => return,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match &value {
        Value::Number(_) => {
            row.insert(format!("tags[{name},number]"), value.clone());
        }
        Value::Bool(_) => {
            row.insert(format!("tags[{name},boolean]"), value.clone());
        }
        _ => {}
    }
    row.insert(format!("tags[{name},string]"), json!(text));
    row.insert(name.to_string(), json!(text));
}

/// Log rows: one per log record (an item holds one record or an `items` container).
fn log_rows(items: &[RawItem], projects: &BTreeMap<i64, Project>) -> Vec<Map<String, Value>> {
    let mut rows = Vec::new();
    for item in items {
        let records: Vec<&Value> = match item.payload.get("items").and_then(Value::as_array) {
            Some(list) => list.iter().collect(),
            None => vec![&item.payload],
        };
        for (idx, rec) in records.into_iter().enumerate() {
            let ts = ts_secs(rec.get("timestamp")).unwrap_or(item.received_ms as f64 / 1000.0);
            let attrs = field(rec, "attributes");
            let level = rec.get("level").and_then(Value::as_str).unwrap_or("info");
            let mut row = Map::new();
            if let Value::Object(a) = &attrs {
                for k in a.keys() {
                    attribute_columns(&mut row, k, attr(&attrs, k));
                }
            }
            let slug = projects.get(&item.project).map(|p| p.slug.clone());
            row.insert(
                "sentry.item_id".into(),
                json!(format!("{:016x}{:016x}", item.id, idx)),
            );
            row.insert("id".into(), row["sentry.item_id"].clone());
            row.insert("trace".into(), field(rec, "trace_id"));
            row.insert(
                "span_id".into(),
                rec.get("span_id")
                    .cloned()
                    .unwrap_or_else(|| attr(&attrs, "sentry.trace.parent_span_id")),
            );
            row.insert("severity".into(), json!(level));
            row.insert(
                "severity_number".into(),
                rec.get("severity_number").cloned().unwrap_or_else(|| {
                    json!(match level {
                        "trace" => 1,
                        "debug" => 5,
                        "info" => 9,
                        "warn" | "warning" => 13,
                        "error" => 17,
                        "fatal" => 21,
                        _ => 9,
                    })
                }),
            );
            row.insert("timestamp".into(), json!(iso_secs(ts)));
            row.insert("timestamp_precise".into(), json!(precise_ns(ts)));
            row.insert("message".into(), field(rec, "body"));
            row.insert("project".into(), json!(slug));
            row.insert("project.id".into(), json!(item.project));
            row.insert("environment".into(), attr(&attrs, "sentry.environment"));
            row.insert("release".into(), attr(&attrs, "sentry.release"));
            row.insert("sdk.name".into(), attr(&attrs, "sentry.sdk.name"));
            row.insert("sdk.version".into(), attr(&attrs, "sentry.sdk.version"));
            rows.push(row);
        }
    }
    rows
}

/// Nanoseconds since the epoch at microsecond precision. The official CLI reads the value
/// as a JavaScript number; a value with at most 16 significant digits prints back exactly,
/// so both CLIs show the same digits.
fn precise_ns(secs: f64) -> i64 {
    (secs * 1e6).round() as i64 * 1000
}

fn transaction_row(item: &RawItem, projects: &BTreeMap<i64, Project>) -> Map<String, Value> {
    let p = &item.payload;
    let trace_ctx = p.pointer("/contexts/trace").cloned().unwrap_or(Value::Null);
    let end = ts_secs(p.get("timestamp")).unwrap_or(item.received_ms as f64 / 1000.0);
    let start = ts_secs(p.get("start_timestamp")).unwrap_or(end);
    let mut row = Map::new();
    row.insert("id".into(), field(p, "event_id"));
    row.insert("trace".into(), field(&trace_ctx, "trace_id"));
    row.insert("transaction".into(), field(p, "transaction"));
    row.insert("transaction.op".into(), field(&trace_ctx, "op"));
    row.insert("timestamp".into(), json!(iso_secs(end)));
    row.insert(
        "transaction.duration".into(),
        json!(((end - start) * 1000.0).round() as i64),
    );
    row.insert(
        "project".into(),
        json!(projects.get(&item.project).map(|p| p.slug.clone())),
    );
    row.insert("project.id".into(), json!(item.project));
    row.insert("release".into(), field(p, "release"));
    row.insert("environment".into(), field(p, "environment"));
    row
}

/// A span of a transaction (the root span comes from `contexts.trace`).
struct Span {
    span_id: String,
    parent: Option<String>,
    op: Value,
    description: Value,
    start: f64,
    end: f64,
    status: Value,
    /// The span's `data` (the root span: the trace context's).
    data: Value,
}

fn spans_of(p: &Value) -> Vec<Span> {
    let trace_ctx = p.pointer("/contexts/trace").cloned().unwrap_or(Value::Null);
    let end = ts_secs(p.get("timestamp")).unwrap_or(0.0);
    let start = ts_secs(p.get("start_timestamp")).unwrap_or(end);
    let mut out = vec![Span {
        span_id: trace_ctx
            .get("span_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        parent: trace_ctx
            .get("parent_span_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        op: field(&trace_ctx, "op"),
        description: field(p, "transaction"),
        start,
        end,
        status: field(&trace_ctx, "status"),
        data: field(&trace_ctx, "data"),
    }];
    for s in p
        .get("spans")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(id) = s.get("span_id").and_then(Value::as_str) else {
            continue;
        };
        let s_end = ts_secs(s.get("timestamp")).unwrap_or(end);
        out.push(Span {
            span_id: id.to_string(),
            parent: s
                .get("parent_span_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            op: field(s, "op"),
            description: field(s, "description"),
            start: ts_secs(s.get("start_timestamp")).unwrap_or(s_end),
            end: s_end,
            status: field(s, "status"),
            data: field(s, "data"),
        });
    }
    out
}

fn span_rows(items: &[RawItem], projects: &BTreeMap<i64, Project>) -> Vec<Map<String, Value>> {
    let mut rows = Vec::new();
    for item in items {
        let tx = transaction_row(item, projects);
        for (i, s) in spans_of(&item.payload).into_iter().enumerate() {
            let mut row = Map::new();
            // The span's data are its custom attributes; the standard columns below win.
            if let Value::Object(d) = &s.data {
                for (k, v) in d {
                    attribute_columns(&mut row, k, v.clone());
                }
            }
            // The first span is the transaction's own (`--dataset transactions`).
            row.insert("is_transaction".into(), json!(i == 0));
            row.insert("id".into(), json!(s.span_id));
            // The transaction's root span: `trace list` asks for `is_transaction:true`.
            row.insert("is_transaction".into(), json!(i == 0));
            row.insert("span_id".into(), json!(s.span_id));
            row.insert("parent_span".into(), json!(s.parent));
            row.insert("span.op".into(), s.op);
            row.insert("description".into(), s.description);
            row.insert(
                "span.duration".into(),
                json!(((s.end - s.start) * 1000.0).round() as i64),
            );
            row.insert("span.status".into(), s.status);
            row.insert("timestamp".into(), json!(iso_secs(s.end)));
            for k in [
                "project",
                "project.id",
                "transaction",
                "trace",
                "release",
                "environment",
            ] {
                row.insert(k.into(), tx.get(k).cloned().unwrap_or(Value::Null));
            }
            row.insert(
                "transaction.id".into(),
                tx.get("id").cloned().unwrap_or(Value::Null),
            );
            rows.push(row);
        }
    }
    rows
}

fn error_rows(items: &[RawItem], projects: &BTreeMap<i64, Project>) -> Vec<Map<String, Value>> {
    items
        .iter()
        .map(|item| {
            let p = &item.payload;
            let exc = p.pointer("/exception/values/0");
            let message = p
                .pointer("/logentry/formatted")
                .or_else(|| p.pointer("/logentry/message"))
                .or_else(|| p.get("message"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let title = match exc {
                Some(e) => format!(
                    "{}: {}",
                    e.get("type").and_then(Value::as_str).unwrap_or("Error"),
                    e.get("value").and_then(Value::as_str).unwrap_or_default()
                ),
                None => message
                    .clone()
                    .unwrap_or_else(|| "<unlabeled event>".into()),
            };
            let ts = ts_secs(p.get("timestamp")).unwrap_or(item.received_ms as f64 / 1000.0);
            let mut row = Map::new();
            row.insert("id".into(), field(p, "event_id"));
            row.insert("title".into(), json!(title));
            row.insert("message".into(), json!(message));
            row.insert(
                "level".into(),
                p.get("level").cloned().unwrap_or(json!("error")),
            );
            row.insert("timestamp".into(), json!(iso_secs(ts)));
            row.insert(
                "trace".into(),
                p.pointer("/contexts/trace/trace_id")
                    .cloned()
                    .unwrap_or(Value::Null),
            );
            row.insert("transaction".into(), field(p, "transaction"));
            row.insert("release".into(), field(p, "release"));
            row.insert("environment".into(), field(p, "environment"));
            row.insert(
                "project".into(),
                json!(projects.get(&item.project).map(|p| p.slug.clone())),
            );
            row.insert("project.id".into(), json!(item.project));
            row
        })
        .collect()
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn wildcard_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern.eq_ignore_ascii_case(text);
    }
    let re = format!(
        "(?i)^{}$",
        pattern
            .split('*')
            .map(regex::escape)
            .collect::<Vec<_>>()
            .join(".*")
    );
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(text))
}

/// Sentry search syntax subset: `key:value`, `!key:value`, `key:[a,b]`, `key:*wild*`,
/// `key:>n` / `key:<n` (numbers or timestamps), and free text against message-like fields,
/// combined with `AND` (or juxtaposition), `OR` and parentheses. The CLI sends its scope terms
/// ANDed with the user's query in parentheses (`environment:prod (a:1 OR b:2)`).
pub(super) fn matches_query(row: &Map<String, Value>, tokens: &[String]) -> bool {
    let mut parts: Vec<&str> = Vec::new();
    for tok in tokens {
        let mut t = tok.as_str();
        while let Some(rest) = t.strip_prefix('(') {
            parts.push("(");
            t = rest;
        }
        let mut closing = 0;
        // A trailing `)` closes a group unless it ends a function call like `count()`.
        while t.ends_with(')')
            && !t.ends_with("()")
            && t.matches('(').count() < t.matches(')').count()
        {
            t = &t[..t.len() - 1];
            closing += 1;
        }
        if !t.is_empty() {
            parts.push(t);
        }
        parts.extend(std::iter::repeat_n(")", closing));
    }
    let mut pos = 0;
    or_expr(row, &parts, &mut pos)
}

/// `term (OR term)*`.
fn or_expr(row: &Map<String, Value>, parts: &[&str], pos: &mut usize) -> bool {
    let mut any = and_expr(row, parts, pos);
    while parts
        .get(*pos)
        .is_some_and(|p| p.eq_ignore_ascii_case("OR"))
    {
        *pos += 1;
        any |= and_expr(row, parts, pos);
    }
    any
}

/// `factor ([AND] factor)*`, stopping at `OR` or a closing parenthesis.
fn and_expr(row: &Map<String, Value>, parts: &[&str], pos: &mut usize) -> bool {
    let mut all = true;
    while let Some(p) = parts.get(*pos) {
        if *p == ")" || p.eq_ignore_ascii_case("OR") {
            break;
        }
        *pos += 1;
        if p.eq_ignore_ascii_case("AND") {
            continue;
        }
        let hit = if *p == "(" {
            let inner = or_expr(row, parts, pos);
            if parts.get(*pos) == Some(&")") {
                *pos += 1;
            }
            inner
        } else {
            term_matches(row, p)
        };
        all &= hit;
    }
    all
}

fn term_matches(row: &Map<String, Value>, tok: &str) -> bool {
    let Some((key, value)) = tok
        .split_once(':')
        .filter(|(k, _)| !k.is_empty() && !k.contains(' '))
    else {
        let needle = tok.to_lowercase();
        return ["message", "title", "description", "transaction"]
            .iter()
            .any(|f| {
                row.get(*f)
                    .is_some_and(|v| value_text(v).to_lowercase().contains(&needle))
            });
    };
    let (negate, key) = match key.strip_prefix('!') {
        Some(k) => (true, k),
        None => (false, key),
    };
    let field = match key {
        "trace" | "trace_id" => "trace",
        "level" if row.contains_key("severity") => "severity",
        k => k,
    };
    let actual = row.get(field).map(value_text).unwrap_or_default();
    let hit = if let Some(rest) = value.strip_prefix(">=").or_else(|| value.strip_prefix('>')) {
        compare(&actual, rest).is_some_and(|o| o.is_gt() || (value.starts_with(">=") && o.is_eq()))
    } else if let Some(rest) = value.strip_prefix("<=").or_else(|| value.strip_prefix('<')) {
        compare(&actual, rest).is_some_and(|o| o.is_lt() || (value.starts_with("<=") && o.is_eq()))
    } else if let Some(list) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        list.split(',').any(|v| wildcard_match(v.trim(), &actual))
    } else {
        wildcard_match(value, &actual)
    };
    hit != negate
}

fn compare(actual: &str, wanted: &str) -> Option<std::cmp::Ordering> {
    if let (Ok(a), Ok(b)) = (actual.parse::<f64>(), wanted.parse::<f64>()) {
        return a.partial_cmp(&b);
    }
    let a = actual.parse::<jiff::Timestamp>().ok()?;
    let b = wanted.parse::<jiff::Timestamp>().ok()?;
    Some(a.cmp(&b))
}

/// One result row: field name → value.
pub(super) type Row = Map<String, Value>;

/// `count()`, `count_unique(f)`, `sum(f)`, `avg(f)`, `min(f)`, `max(f)`, `p50(f)` … `p99(f)`
/// → (function, arg). The arg may be a trace metric selector, `value,<name>,<type>,<unit>`.
pub(super) fn aggregate(field: &str) -> Option<(&str, &str)> {
    let (f, rest) = field.split_once('(')?;
    let arg = rest.strip_suffix(')')?;
    (matches!(f, "count" | "count_unique" | "sum" | "avg" | "min" | "max")
        || percentile(f).is_some())
    .then_some((f, arg))
}

/// `p50` → 0.5, for the percentile functions Sentry has.
fn percentile(func: &str) -> Option<f64> {
    match func {
        "p50" => Some(0.5),
        "p75" => Some(0.75),
        "p90" => Some(0.9),
        "p95" => Some(0.95),
        "p99" => Some(0.99),
        "p100" => Some(1.0),
        _ => None,
    }
}

/// The value an aggregate reads from a row: the column `arg`, or for a trace metric selector
/// the sample's value when the row is a sample of that metric.
pub(super) fn arg_value<'r>(row: &'r Row, arg: &str) -> Option<&'r Value> {
    if arg.contains(',') {
        tracemetrics::selected_value(row, arg)
    } else {
        row.get(arg)
    }
}

/// The `q` quantile of `values` (sorted in place), interpolated between the closest ranks.
fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let last = values.len().checked_sub(1)?;
    let pos = q * last as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(values[lo] + (values[hi] - values[lo]) * (pos - lo as f64))
}

fn aggregate_rows(rows: Vec<Map<String, Value>>, fields: &[String]) -> Vec<Map<String, Value>> {
    let keys: Vec<&String> = fields.iter().filter(|f| aggregate(f).is_none()).collect();
    let mut groups: Vec<(Vec<String>, Vec<Row>)> = Vec::new();
    for row in rows {
        let key: Vec<String> = keys
            .iter()
            .map(|k| row.get(*k).map(value_text).unwrap_or_default())
            .collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(row),
            None => groups.push((key, vec![row])),
        }
    }
    groups
        .into_iter()
        .map(|(_, members)| {
            let mut out = Map::new();
            for k in &keys {
                out.insert(
                    (*k).clone(),
                    members[0].get(*k).cloned().unwrap_or(Value::Null),
                );
            }
            for f in fields {
                if let Some((func, arg)) = aggregate(f) {
                    let refs: Vec<&Row> = members.iter().collect();
                    out.insert(f.clone(), aggregate_value(&refs, func, arg));
                }
            }
            out
        })
        .collect()
}

/// One aggregate over a set of rows (possibly empty, as a time-series bucket can be: a count
/// or sum is then 0, an average, extreme or percentile null). A trace metric selector
/// (`value,<name>,<type>,<unit>`) reads only that metric's samples, and its count counts them.
pub(super) fn aggregate_value(members: &[&Row], func: &str, arg: &str) -> Value {
    let nums = || {
        members
            .iter()
            .filter_map(|m| arg_value(m, arg).and_then(Value::as_f64))
    };
    let metric = arg.contains(',');
    match func {
        "count" if metric => json!(nums().count()),
        "count" => json!(members.len()),
        "count_unique" => {
            let mut seen: Vec<String> = members
                .iter()
                .filter(|m| !metric || arg_value(m, arg).is_some())
                .map(|m| arg_value(m, arg).map(value_text).unwrap_or_default())
                .collect();
            seen.sort();
            seen.dedup();
            json!(seen.len())
        }
        "sum" => json!(nums().sum::<f64>()),
        "avg" => {
            let v: Vec<f64> = nums().collect();
            if v.is_empty() {
                Value::Null
            } else {
                json!(v.iter().sum::<f64>() / v.len() as f64)
            }
        }
        "min" => nums()
            .reduce(f64::min)
            .map(|v| json!(v))
            .unwrap_or(Value::Null),
        p if percentile(p).is_some() => {
            let mut v: Vec<f64> = nums().collect();
            quantile(&mut v, percentile(p).unwrap_or(0.5))
                .map(|v| json!(v))
                .unwrap_or(Value::Null)
        }
        _ => nums()
            .reduce(f64::max)
            .map(|v| json!(v))
            .unwrap_or(Value::Null),
    }
}

pub(super) fn field_meta(field: &str) -> (&'static str, Option<&'static str>) {
    match field {
        "timestamp" => ("date", None),
        "transaction.duration" | "span.duration" => ("duration", Some("millisecond")),
        "timestamp_precise" | "severity_number" | "project.id" => ("integer", None),
        f if aggregate(f).is_some_and(|(_, arg)| arg.contains(',')) => aggregate(f)
            .and_then(|(func, arg)| tracemetrics::aggregate_meta(func, arg))
            .unwrap_or(("number", None)),
        f if f.starts_with("count") => ("integer", None),
        f => match aggregate(f) {
            // An aggregate other than a count keeps its column's type
            // (`p95(span.duration)` is a duration in milliseconds).
            Some((_, arg)) if field_meta(arg).0 == "duration" => field_meta(arg),
            Some(_) => ("number", None),
            None => ("string", None),
        },
    }
}

fn sort_rows(rows: &mut [Map<String, Value>], sort: &str) {
    let (desc, key) = match sort.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, sort),
    };
    // Timestamps sort by the precise value when there is one.
    let key = if key == "timestamp"
        && rows
            .first()
            .is_some_and(|r| r.contains_key("timestamp_precise"))
    {
        "timestamp_precise"
    } else {
        key
    };
    rows.sort_by(|a, b| {
        let (x, y) = (
            a.get(key).unwrap_or(&Value::Null),
            b.get(key).unwrap_or(&Value::Null),
        );
        let ord = match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal),
            _ => value_text(x).cmp(&value_text(y)),
        };
        if desc {
            ord.reverse()
        } else {
            ord
        }
    });
}

fn since(params: &Params, default: &str) -> i64 {
    let period = params.get("statsPeriod").unwrap_or(default);
    if let Some(start) = params
        .get("start")
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
    {
        return start.as_millisecond();
    }
    now_ms() - parse_period_ms(period).unwrap_or(14 * 86_400_000)
}

/// Builds the dataset rows for an explore query.
pub(super) fn dataset_rows(
    c: &Connection,
    org: i64,
    dataset: &str,
    projects: &[i64],
    since_ms: i64,
    trace: Option<&str>,
) -> ApiResult<Vec<Map<String, Value>>> {
    Ok(match dataset {
        "logs" | "ourlogs" => {
            let (items, p) = load_items(c, org, "log", projects, since_ms, trace)?;
            log_rows(&items, &p)
        }
        "transactions" => {
            let (items, p) = load_items(c, org, "transaction", projects, since_ms, trace)?;
            items.iter().map(|i| transaction_row(i, &p)).collect()
        }
        "spans" => {
            let (items, p) = load_items(c, org, "transaction", projects, since_ms, trace)?;
            span_rows(&items, &p)
        }
        "tracemetrics" => tracemetrics::rows(c, org, projects, since_ms)?,
        "errors" | "discover" => {
            let (items, p) = load_items(c, org, "event", projects, since_ms, trace)?;
            error_rows(&items, &p)
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "Unsupported dataset: {other}"
            )))
        }
    })
}

async fn events(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, MAX_PER_PAGE)?;
    let dataset = params.get("dataset").unwrap_or("errors").to_string();
    let fields: Vec<String> = params
        .get_all("field")
        .into_iter()
        .map(str::to_string)
        .collect();
    if fields.is_empty() {
        return Err(ApiError::bad_request("No columns selected"));
    }
    let projects = params.project_ids();
    let tokens = search_tokens(params.get("query").unwrap_or_default());
    let since_ms = since(&params, "14d");
    let ds = dataset.clone();
    let mut rows = state
        .db
        .call(move |c| {
            let org = find_org(c, &auth, &org)?.id;
            dataset_rows(c, org, &ds, &projects, since_ms, None)
        })
        .await?;
    rows.retain(|r| matches_query(r, &tokens));
    if dataset == "tracemetrics" {
        tracemetrics::scope(&mut rows, &fields);
    }
    if fields.iter().any(|f| aggregate(f).is_some()) {
        rows = aggregate_rows(rows, &fields);
    }
    let default_sort = if fields.iter().any(|f| f == "timestamp") {
        "-timestamp".to_string()
    } else {
        String::new()
    };
    let sort = params.get("sort").map_or(default_sort, str::to_string);
    if !sort.is_empty() {
        sort_rows(&mut rows, &sort);
    }
    let data: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            let mut out = Map::new();
            for f in &fields {
                out.insert(f.clone(), r.get(f).cloned().unwrap_or(Value::Null));
            }
            Value::Object(out)
        })
        .collect();
    let mut meta_fields = Map::new();
    let mut units = Map::new();
    for f in &fields {
        let column = (dataset == "tracemetrics")
            .then(|| tracemetrics::column_meta(f))
            .flatten();
        let (t, u) = column.unwrap_or_else(|| field_meta(f));
        meta_fields.insert(f.clone(), json!(t));
        units.insert(f.clone(), json!(u));
    }
    let (data, has_more) = page.slice(data);
    let body = json!({
        "data": data,
        "meta": {"fields": meta_fields, "units": units, "dataset": dataset, "isMetricsData": false},
    });
    Ok(with_link(&state, &params, page, has_more, body))
}

fn is_trace_id(s: &str) -> bool {
    s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// A trace ID from the path, lowercased; anything but 32 hex digits is a 400.
fn trace_id_param(raw: &str) -> ApiResult<String> {
    let id = raw.to_ascii_lowercase();
    if is_trace_id(&id) {
        Ok(id)
    } else {
        Err(ApiError::bad_request("Invalid trace id"))
    }
}

/// The trace as a forest of span nodes: transactions nest under the span that started them,
/// spans under their parents; error events hang off the span they happened in.
async fn trace(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, trace_id)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let trace_id = trace_id_param(&trace_id)?;
    let projects = params.project_ids();
    let wanted: Vec<String> = params
        .get_all("additional_attributes")
        .into_iter()
        .map(str::to_string)
        .collect();
    let (txs, errors, slugs) = state
        .db
        .call(move |c| {
            let org = find_org(c, &auth, &org)?.id;
            let (txs, slugs) = load_items(c, org, "transaction", &projects, 0, Some(&trace_id))?;
            let (errors, _) = load_items(c, org, "event", &projects, 0, Some(&trace_id))?;
            Ok((txs, errors, slugs))
        })
        .await?;
    // Flat node list, then link children to parents.
    let mut nodes: Vec<(Option<String>, Value)> = Vec::new();
    for tx in &txs {
        let slug = slugs.get(&tx.project).map(|p| p.slug.clone());
        let event_id = field(&tx.payload, "event_id");
        let transaction = tx
            .payload
            .get("transaction")
            .cloned()
            .unwrap_or(Value::Null);
        let tx_op = tx
            .payload
            .pointer("/contexts/trace/op")
            .cloned()
            .unwrap_or(Value::Null);
        for (i, s) in spans_of(&tx.payload).into_iter().enumerate() {
            nodes.push((
                s.parent.clone(),
                json!({
                    "span_id": s.span_id,
                    "parent_span_id": s.parent,
                    "event_id": event_id,
                    "transaction_id": event_id,
                    "is_transaction": i == 0,
                    "op": s.op,
                    "description": s.description,
                    "transaction": transaction,
                    "transaction.op": tx_op,
                    "start_timestamp": s.start,
                    "end_timestamp": s.end,
                    "duration": ((s.end - s.start) * 1000.0 * 1000.0).round() / 1000.0,
                    "status": s.status,
                    "project_id": tx.project,
                    "project_slug": slug,
                    "errors": [],
                    "additional_attributes": additional_attributes(&s.data, &wanted),
                    "children": [],
                }),
            ));
        }
    }
    let mut orphan_errors = Vec::new();
    for e in &errors {
        let span = e
            .payload
            .pointer("/contexts/trace/span_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        let err = json!({
            "event_id": field(&e.payload, "event_id"),
            "event_type": "error",
            "level": e.payload.get("level").cloned().unwrap_or(json!("error")),
            "title": error_rows(std::slice::from_ref(e), &slugs).first().and_then(|r| r.get("title").cloned()),
            "timestamp": ts_secs(e.payload.get("timestamp")).unwrap_or(e.received_ms as f64 / 1000.0),
            "project_id": e.project,
            "project_slug": slugs.get(&e.project).map(|p| p.slug.clone()),
            "span_id": span,
        });
        match nodes
            .iter_mut()
            .find(|(_, n)| span.is_some() && n["span_id"].as_str() == span.as_deref())
        {
            Some((_, n)) => {
                if let Some(list) = n["errors"].as_array_mut() {
                    list.push(err);
                }
            }
            None => orphan_errors.push(err),
        }
    }
    let ids: Vec<String> = nodes
        .iter()
        .map(|(_, n)| n["span_id"].as_str().unwrap_or_default().to_string())
        .collect();
    fn build(idx: usize, nodes: &[(Option<String>, Value)], ids: &[String], depth: usize) -> Value {
        let mut node = nodes[idx].1.clone();
        if depth < 256 {
            let mut children: Vec<Value> = nodes
                .iter()
                .enumerate()
                .filter(|(j, (parent, _))| {
                    *j != idx && parent.as_deref() == Some(ids[idx].as_str())
                })
                .map(|(j, _)| build(j, nodes, ids, depth + 1))
                .collect();
            children.sort_by(|a, b| {
                a["start_timestamp"]
                    .as_f64()
                    .partial_cmp(&b["start_timestamp"].as_f64())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            node["children"] = json!(children);
        }
        node
    }
    let mut roots: Vec<Value> = nodes
        .iter()
        .enumerate()
        .filter(|(_, (parent, _))| parent.as_ref().is_none_or(|p| !ids.contains(p)))
        .map(|(i, _)| build(i, &nodes, &ids, 0))
        .collect();
    roots.sort_by(|a, b| {
        a["start_timestamp"]
            .as_f64()
            .partial_cmp(&b["start_timestamp"].as_f64())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    roots.extend(orphan_errors);
    Ok(Json(Value::Array(roots)))
}

/// The requested attributes a span has (`additional_attributes=` of the trace endpoint),
/// by the columns [`attribute_columns`] gives them; ones it lacks are left out, as Sentry
/// leaves them out.
fn additional_attributes(data: &Value, wanted: &[String]) -> Value {
    let mut cols = Map::new();
    if let Value::Object(d) = data {
        for (k, v) in d {
            attribute_columns(&mut cols, k, v.clone());
        }
    }
    Value::Object(
        wanted
            .iter()
            .filter_map(|w| Some((w.clone(), cols.get(w)?.clone())))
            .collect(),
    )
}

/// `GET /organizations/{org}/trace-meta/{trace_id}/`: what one trace holds, in the shape
/// of Sentry's EAP endpoint (`errorsCount`, `logsCount`, `metricsCount`,
/// `performanceIssuesCount`, `spansCount`, `transactionChildCountMap` — spans per
/// transaction, ordered by its event ID — and `spansCountMap` — spans per op, most first;
/// `uptimeCount` only with `include_uptime=1`). Within `statsPeriod`/`start` (default 14d)
/// across every project of the org; a trace with nothing in it is all zeros, not a 404.
/// The local server keeps no performance issues, trace metrics or uptime results, so those
/// count 0.
async fn trace_meta(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, trace_id)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let trace_id = trace_id_param(&trace_id)?;
    let since_ms = since(&params, "14d");
    let uptime = params.get("include_uptime") == Some("1");
    let (errors, spans, logs) = state
        .db
        .call(move |c| {
            let org = find_org(c, &auth, &org)?.id;
            let (errors, _) = load_items(c, org, "event", &[], since_ms, Some(&trace_id))?;
            let spans = dataset_rows(c, org, "spans", &[], since_ms, Some(&trace_id))?;
            // One log item can hold records of several traces: count per record.
            let logs = dataset_rows(c, org, "logs", &[], since_ms, None)?
                .into_iter()
                .filter(|r| r.get("trace").and_then(Value::as_str) == Some(trace_id.as_str()))
                .count();
            Ok((errors.len(), spans, logs))
        })
        .await?;
    let mut per_tx: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_op: Vec<(String, u64)> = Vec::new();
    for row in &spans {
        let tx = row
            .get("transaction.id")
            .map(value_text)
            .unwrap_or_default();
        *per_tx.entry(tx).or_default() += 1;
        let op = row.get("span.op").map(value_text).unwrap_or_default();
        match per_op.iter_mut().find(|(o, _)| *o == op) {
            Some((_, n)) => *n += 1,
            None => per_op.push((op, 1)),
        }
    }
    per_op.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut body = json!({
        "errorsCount": errors,
        "logsCount": logs,
        "metricsCount": 0,
        "performanceIssuesCount": 0,
        "spansCount": spans.len(),
        "transactionChildCountMap": per_tx
            .into_iter()
            .map(|(id, n)| json!({"transaction.event_id": id, "count()": n}))
            .collect::<Vec<_>>(),
        "spansCountMap": per_op.into_iter().map(|(op, n)| (op, json!(n))).collect::<Map<String, Value>>(),
    });
    if uptime {
        body["uptimeCount"] = json!(0);
    }
    Ok(Json(body))
}

async fn trace_logs(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let trace_ids: Vec<String> = params
        .get_all("traceId")
        .into_iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    if trace_ids.is_empty() || trace_ids.iter().any(|t| !is_trace_id(t)) {
        return Err(ApiError::bad_request("Need at least one valid traceId"));
    }
    let tokens = search_tokens(params.get("query").unwrap_or_default());
    let since_ms = since(&params, "14d");
    // One log item can hold records of several traces, so filter per record.
    let mut rows = state
        .db
        .call(move |c| {
            let org = find_org(c, &auth, &org)?.id;
            dataset_rows(c, org, "logs", &[], since_ms, None)
        })
        .await?;
    rows.retain(|r| {
        r.get("trace")
            .and_then(Value::as_str)
            .is_some_and(|t| trace_ids.iter().any(|w| w.eq_ignore_ascii_case(t)))
            && matches_query(r, &tokens)
    });
    sort_rows(&mut rows, params.get("sort").unwrap_or("-timestamp"));
    let limit = params
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 9999);
    let fields = [
        "id",
        "project.id",
        "trace",
        "severity_number",
        "severity",
        "timestamp",
        "timestamp_precise",
        "message",
    ];
    let data: Vec<Value> = rows
        .into_iter()
        .take(limit)
        .map(|r| {
            let mut out = Map::new();
            for f in fields {
                out.insert(f.into(), r.get(f).cloned().unwrap_or(Value::Null));
            }
            Value::Object(out)
        })
        .collect();
    let meta: Map<String, Value> = fields
        .iter()
        .map(|f| (f.to_string(), json!(field_meta(f).0)))
        .collect();
    Ok(Json(json!({"data": data, "meta": {"fields": meta}})).into_response())
}

/// One typed attribute of a trace item, as `trace-items/{id}/` lists them.
fn typed_attribute(name: &str, v: &Value) -> Option<Value> {
    let (ty, value) = match v {
        Value::Null => return None,
        Value::String(_) => ("str", v.clone()),
        Value::Bool(_) => ("bool", v.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => ("int", v.clone()),
        Value::Number(_) => ("float", v.clone()),
        Value::Array(_) => ("array", v.clone()),
        Value::Object(_) => ("str", json!(v.to_string())),
    };
    Some(json!({"name": name, "type": ty, "value": value}))
}

/// `GET /projects/{org}/{project}/trace-items/{item_id}/?trace_id=…&item_type=spans|logs`:
/// every attribute of one span or log, `{itemId, timestamp, attributes:[{name,type,value}]}`
/// sorted by name, as sentry.io answers it. `trace view`/`span view` turn the attributes that
/// are not standard columns into a span's `data`; `log view` shows them as custom attributes.
async fn trace_item(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, project, item_id)): Path<(String, String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let trace_id = params
        .get("trace_id")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !is_trace_id(&trace_id) {
        return Err(ApiError::bad_request("trace_id is required"));
    }
    let item_type = params.get("item_type").unwrap_or("spans").to_string();
    let item_id = item_id.to_ascii_lowercase();
    let found = state
        .db
        .call(move |c| {
            let (o, p) = crate::api::find_project(c, &auth, &org, &project)?;
            match item_type.as_str() {
                "logs" => {
                    let (items, slugs) = load_items(c, o.id, "log", &[p.id], 0, None)?;
                    Ok(log_item(&items, &slugs, &item_id, &trace_id))
                }
                "spans" => {
                    let (items, slugs) =
                        load_items(c, o.id, "transaction", &[p.id], 0, Some(&trace_id))?;
                    Ok(span_item(&items, &slugs, &item_id))
                }
                other => Err(ApiError::bad_request(format!(
                    "Unsupported item_type: {other}"
                ))),
            }
        })
        .await?;
    found.map(Json).ok_or_else(ApiError::not_found)
}

fn log_item(
    items: &[RawItem],
    slugs: &BTreeMap<i64, Project>,
    id: &str,
    trace_id: &str,
) -> Option<Value> {
    if !is_trace_id(id) {
        return None;
    }
    let row = log_rows(items, slugs).into_iter().find(|r| {
        r.get("sentry.item_id").and_then(Value::as_str) == Some(id)
            && r.get("trace").and_then(Value::as_str) == Some(trace_id)
    })?;
    // The record's own attributes keep their types; the columns every log has come first.
    let item = items
        .iter()
        .find(|i| format!("{:016x}", i.id) == id[..16])?;
    let idx = usize::from_str_radix(&id[16..], 16).ok()?;
    let rec = match item.payload.get("items").and_then(Value::as_array) {
        Some(list) => list.get(idx)?,
        None => &item.payload,
    };
    let mut attrs: BTreeMap<String, Value> = BTreeMap::new();
    if let Some(Value::Object(a)) = rec.get("attributes") {
        for k in a.keys() {
            attrs.insert(k.clone(), attr(&rec["attributes"], k));
        }
    }
    for k in [
        "severity",
        "severity_number",
        "message",
        "trace",
        "project.id",
        "timestamp_precise",
    ] {
        if let Some(v) = row.get(k) {
            attrs.insert(k.to_string(), v.clone());
        }
    }
    if let Some(span) = row.get("span_id").filter(|v| !v.is_null()) {
        attrs.insert("span_id".into(), span.clone());
    }
    Some(json!({
        "itemId": id,
        "timestamp": row.get("timestamp").cloned().unwrap_or(Value::Null),
        "attributes": attrs.iter().filter_map(|(k, v)| typed_attribute(k, v)).collect::<Vec<_>>(),
        "meta": {},
        "links": null,
    }))
}

fn span_item(items: &[RawItem], slugs: &BTreeMap<i64, Project>, id: &str) -> Option<Value> {
    for item in items {
        let tx = transaction_row(item, slugs);
        for (i, s) in spans_of(&item.payload).into_iter().enumerate() {
            if s.span_id != id {
                continue;
            }
            let mut attrs: BTreeMap<String, Value> = BTreeMap::new();
            if let Value::Object(d) = &s.data {
                for (k, v) in d {
                    attrs.insert(k.clone(), v.clone());
                }
            }
            let std_cols = [
                ("span.op", s.op.clone()),
                ("span.description", s.description.clone()),
                ("span.status", s.status.clone()),
                ("parent_span", json!(s.parent)),
                ("is_transaction", json!(i == 0)),
                ("precise.start_ts", json!(s.start)),
                ("precise.finish_ts", json!(s.end)),
                (
                    "span.duration",
                    json!(((s.end - s.start) * 1000.0 * 1000.0).round() / 1000.0),
                ),
                ("transaction", field(&item.payload, "transaction")),
                ("transaction.event_id", field(&item.payload, "event_id")),
                ("trace", tx.get("trace").cloned().unwrap_or(Value::Null)),
                ("project_id", json!(item.project)),
                ("environment", field(&item.payload, "environment")),
                ("release", field(&item.payload, "release")),
                ("platform", field(&item.payload, "platform")),
                (
                    "sdk.name",
                    item.payload
                        .pointer("/sdk/name")
                        .cloned()
                        .unwrap_or(Value::Null),
                ),
                (
                    "sdk.version",
                    item.payload
                        .pointer("/sdk/version")
                        .cloned()
                        .unwrap_or(Value::Null),
                ),
            ];
            for (k, v) in std_cols {
                attrs.insert(k.to_string(), v);
            }
            return Some(json!({
                "itemId": id,
                "timestamp": iso_secs(s.start),
                "attributes": attrs.iter().filter_map(|(k, v)| typed_attribute(k, v)).collect::<Vec<_>>(),
                "meta": {},
                "links": null,
            }));
        }
    }
    None
}
