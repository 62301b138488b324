//! Pieces the `trace`, `span` and `log` commands share: ID validation (bad IDs fail with
//! exit 21 before any request), the `[<org>/[<project>/]]<trace-id>` target, the explore
//! table walk, the trace tree and span details, and the number and time formats of 0.49.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use sentry_api::{OrgApi, Paging};
use serde_json::{json, Map, Value};

use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::target::{self, Resolver, Scope};

/// `[0-9a-f]{len}` (case-insensitive).
pub fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A 32-hex ID (trace or log); a UUID with dashes is accepted and normalised.
fn hex32(raw: &str) -> Option<String> {
    let t = raw.trim();
    let t = if t.len() == 36 && t.matches('-').count() == 4 {
        t.replace('-', "")
    } else {
        t.to_string()
    };
    is_hex(&t, 32).then(|| t.to_ascii_lowercase())
}

/// A trace ID, or exit 21 naming what was wrong.
pub fn trace_id(raw: &str) -> CliResult<String> {
    hex32(raw).ok_or_else(|| {
        CliError::validation(format!(
            "Invalid trace ID \"{raw}\". Expected a 32-character hexadecimal string."
        ))
        .with_hint("Example: abc123def456abc123def456abc123de")
    })
}

/// A log ID (32 hex), or exit 21.
pub fn log_id(raw: &str) -> CliResult<String> {
    hex32(raw).ok_or_else(|| {
        CliError::validation(format!(
            "Invalid log ID \"{raw}\". Expected a 32-character hexadecimal string."
        ))
        .with_hint("Example: abc123def456abc123def456abc123de")
    })
}

/// A span ID (16 hex), or exit 21.
pub fn span_id(raw: &str) -> CliResult<String> {
    let t = raw.trim();
    if is_hex(t, 16) {
        return Ok(t.to_ascii_lowercase());
    }
    Err(CliError::validation(format!(
        "Invalid span ID \"{raw}\". Expected a 16-character hexadecimal string."
    ))
    .with_hint(format!("To search, try `sentry span list --query '{t}'`.")))
}

/// `[<org>/[<project>/]]<trace-id>`.
#[derive(Debug, Clone)]
pub struct TraceTarget {
    pub org: Option<String>,
    pub project: Option<String>,
    pub trace: String,
}

/// Whether an argument ends in a trace ID (`log list`/`span list` switch to trace mode).
pub fn names_trace(raw: &str) -> bool {
    raw.rsplit('/').next().and_then(hex32).is_some()
}

/// Parses the trace target; every ID problem is exit 21, before any request.
pub fn parse_trace_target(raw: &str, usage: &str) -> CliResult<TraceTarget> {
    let parts: Vec<&str> = raw.trim().split('/').collect();
    let missing = || {
        CliError::validation(format!("Trace ID is required in \"{raw}\"."))
            .with_hint(format!("Specify it using:\n  {usage}"))
    };
    let (org, project, id) = match parts.as_slice() {
        [id] => (None, None, *id),
        [org, id] => (Some(*org), None, *id),
        [org, project, id] => (Some(*org), Some(*project), *id),
        _ => return Err(missing()),
    };
    if id.is_empty() || org.is_some_and(str::is_empty) || project.is_some_and(str::is_empty) {
        return Err(missing());
    }
    Ok(TraceTarget {
        org: org.map(str::to_string),
        project: project.map(str::to_string),
        trace: trace_id(id)?,
    })
}

/// The org of a trace target: the one named, else the configured/detected one.
pub fn trace_org(r: &Resolver, t: &TraceTarget) -> CliResult<String> {
    match &t.org {
        Some(o) => Ok(o.clone()),
        None => Ok(r.resolve_org(None)?.0),
    }
}

/// The one project of a project-mode target (`<org>/<project>`, `<project>`, or detected),
/// with its numeric ID (0.49 filters explore queries by `project=<id>`).
pub fn one_project(
    r: &Resolver,
    arg: Option<&str>,
    usage: &str,
) -> CliResult<(String, String, String)> {
    let resolved = r.resolve_target(arg)?;
    let p = match resolved.scope {
        Scope::Projects(ps) if !ps.is_empty() => ps[0].clone(),
        _ => {
            return Err(
                CliError::new(exit::CONTEXT, "Specific project is required.")
                    .with_hint(format!("Specify it using:\n  {usage}")),
            )
        }
    };
    let id = match p.id.clone() {
        Some(id) => id,
        None => match r.project_detail(&p.org, &p.slug)? {
            Some(d) => target::str_field(&d, "id").unwrap_or_default(),
            None => {
                return Err(CliError::new(
                    exit::NOT_FOUND,
                    format!(
                        "Project '{}' not found in organization '{}'.",
                        p.slug, p.org
                    ),
                )
                .with_hint(format!("Try:\n  sentry project list {}/", p.org)))
            }
        },
    };
    Ok((p.org, p.slug, id))
}

/// `--period` as query pairs (`statsPeriod=…`, or `start`/`end`); exit 21 when malformed.
pub fn period_pairs(period: &str) -> CliResult<Vec<(&'static str, String)>> {
    sentry_target::parse_period(period, Timestamp::now()).map_err(target::target_error)
}

/// `--limit` within 1..=1000 (exit 21 otherwise, in 0.49's words).
pub fn limit(n: i64) -> CliResult<usize> {
    Ok(
        sentry_target::validate_limit_between(n, sentry_target::MAX_LIMIT)
            .map_err(target::target_error)? as usize,
    )
}

/// Rows of an explore (`events/?dataset=…`) or `trace-logs` query, following cursors until
/// `limit` rows: (rows, next cursor, had a previous page).
pub fn walk_rows(
    ctx: &Context,
    req: sentry_api::RequestBuilder<'_>,
    limit: usize,
    cursor: Option<String>,
) -> CliResult<(Vec<Value>, Option<String>, bool)> {
    let mut pages = req.pages(Paging::per_page(limit, ctx.max_pages()).from_cursor(cursor));
    let mut rows = Vec::new();
    let mut has_prev = false;
    let mut first = true;
    while let Some(resp) = pages.next_response() {
        let resp = resp.map_err(api_error)?;
        if first {
            has_prev = resp.link().prev.is_some();
            first = false;
        }
        let body: Value = resp.json().map_err(api_error)?;
        let data = body
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| {
                CliError::new(exit::API, "Unexpected response format: no data array.")
            })?;
        rows.extend(data);
        if rows.len() >= limit {
            break;
        }
    }
    let next = pages.cursor().map(str::to_string);
    if rows.len() > limit {
        rows.truncate(limit);
    }
    Ok((rows, next, has_prev))
}

/// A number as JavaScript holds it: integers beyond 2^53 keep only the digits a double
/// carries (`1796438455484705793` → `1796438455484705800`), which is what 0.49 prints for
/// nanosecond timestamps. A numeric string becomes a number, as 0.49's schemas coerce it.
pub fn js_number(v: &Value) -> Value {
    let f = match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) if i.unsigned_abs() <= (1u64 << 53) => return v.clone(),
            _ => n.as_f64(),
        },
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let Some(f) = f.filter(|f| f.is_finite()) else {
        return v.clone();
    };
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // Shortest round-trip digits, padded with zeros like Number.prototype.toString.
        let sci = format!("{f:e}");
        if let Some((mant, exp)) = sci.split_once('e') {
            let exp: i32 = exp.parse().unwrap_or(0);
            let neg = mant.starts_with('-');
            let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
            let zeros = (exp + 1 - digits.len() as i32).max(0) as usize;
            let text = format!(
                "{}{digits}{}",
                if neg { "-" } else { "" },
                "0".repeat(zeros)
            );
            if let Ok(n) = text.parse::<serde_json::Number>() {
                return Value::Number(n);
            }
        }
    }
    json!(f)
}

/// A row with `keys` first in that order, then any others: 0.49 reads rows through schemas
/// that rebuild each object in the schema's key order, so its JSON lists them that way
/// whatever order the server used.
pub fn reorder(row: Value, keys: &[&str]) -> Value {
    let Value::Object(mut m) = row else {
        return row;
    };
    let mut out = Map::new();
    for k in keys {
        if let Some(v) = m.shift_remove(*k) {
            out.insert((*k).to_string(), v);
        }
    }
    out.extend(m);
    Value::Object(out)
}

/// Key order of 0.49's log list row schema.
pub const LOG_KEYS: &[&str] = &[
    "sentry.item_id",
    "timestamp",
    "timestamp_precise",
    "message",
    "severity",
    "trace",
];
/// Key order of 0.49's trace-log row schema.
pub const TRACE_LOG_KEYS: &[&str] = &[
    "id",
    "project.id",
    "trace",
    "severity_number",
    "severity",
    "timestamp",
    "timestamp_precise",
    "message",
];

/// A log row with its numeric columns as 0.49's schemas read them.
pub fn normalize_log(mut row: Value) -> Value {
    if let Value::Object(m) = &mut row {
        for k in ["timestamp_precise", "project.id", "severity_number"] {
            if let Some(v) = m.get(k).filter(|v| !v.is_null()).cloned() {
                m.insert(k.to_string(), js_number(&v));
            }
        }
    }
    row
}

/// The trace tree (`trace/{id}/`): the last 14 days, then 90 when that finds nothing, as
/// 0.49 asks. `additional` attributes (`additional_attributes=…`, one each) come back in
/// each span's `additional_attributes`. Nodes that carry only `event_id` get it as their
/// `span_id`.
pub fn fetch_trace(api: &OrgApi, trace: &str, additional: &[String]) -> CliResult<Vec<Value>> {
    for period in ["14d", "90d"] {
        let mut req = api.trace(trace).query("statsPeriod", period);
        for a in additional {
            req = req.query("additional_attributes", a.as_str());
        }
        let body: Value = req.send_json().map_err(api_error)?;
        let spans: Vec<Value> = body.as_array().cloned().unwrap_or_default();
        if !spans.is_empty() {
            return Ok(spans.into_iter().map(with_span_id).collect());
        }
    }
    Ok(Vec::new())
}

fn with_span_id(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        let has = m
            .get("span_id")
            .is_some_and(|s| s.as_str().is_some_and(|s| !s.is_empty()));
        if !has {
            if let Some(e) = m.get("event_id").filter(|e| e.is_string()).cloned() {
                m.insert("span_id".into(), e);
            }
        }
        if let Some(Value::Array(children)) = m.get_mut("children") {
            let taken = std::mem::take(children);
            *children = taken.into_iter().map(with_span_id).collect();
        }
    }
    v
}

/// Attributes sentry.io lists for every span that are already columns of the span; they
/// are not repeated in a span's `data`.
const STANDARD_ATTRIBUTES: &[&str] = &[
    "precise.start_ts",
    "precise.finish_ts",
    "received",
    "hash",
    "project_id",
    "client_sample_rate",
    "server_sample_rate",
    "is_transaction",
    "span.duration",
    "span.self_time",
    "span.op",
    "span.name",
    "span.description",
    "span.category",
    "parent_span",
    "transaction",
    "transaction.op",
    "transaction.event_id",
    "transaction.span_id",
    "trace",
    "trace.status",
    "segment.name",
    "origin",
    "platform",
    "sdk.name",
    "sdk.version",
    "environment",
];

/// A span detail's non-standard attributes as `name → value` (a span's `data`).
pub fn custom_attributes(detail: &Value) -> Map<String, Value> {
    detail
        .get("attributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let name = a.get("name")?.as_str()?;
            if STANDARD_ATTRIBUTES.contains(&name) || name.starts_with("tags[") {
                return None;
            }
            Some((
                name.to_string(),
                a.get("value").cloned().unwrap_or(Value::Null),
            ))
        })
        .collect()
}

/// Each span's full attributes (`trace-items/{span}/?item_type=spans`), keyed by span ID.
/// A span that cannot be fetched is warned about and left out, as 0.49 does.
pub fn span_details(
    api: &OrgApi,
    spans: &[(String, Option<String>)],
    fallback_project: &str,
    trace: &str,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (id, project) in spans {
        let project = project
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or(fallback_project);
        if project.is_empty() {
            continue;
        }
        let got = api
            .trace_item(project, id)
            .query("trace_id", trace)
            .query("item_type", "spans")
            .send_json::<Value>();
        match got {
            Ok(v) if v.get("attributes").is_some_and(Value::is_array) => {
                out.insert(id.clone(), v);
            }
            _ => crate::diag!("Warning: Could not fetch details for span {id}"),
        }
    }
    out
}

/// Every node of a span forest, depth first in tree order.
pub fn flatten(spans: &[Value]) -> Vec<&Value> {
    let mut out = Vec::new();
    fn walk<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
        out.push(v);
        for c in v
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(c, out);
        }
    }
    for s in spans {
        walk(s, &mut out);
    }
    out
}

/// A span's duration in ms: its `duration`, else end − start.
pub fn span_duration(s: &Value) -> Option<f64> {
    if let Some(d) = s.get("duration").and_then(Value::as_f64) {
        return Some(d);
    }
    let end = truthy_f64(s.get("end_timestamp")).or_else(|| truthy_f64(s.get("timestamp")))?;
    let start = s.get("start_timestamp").and_then(Value::as_f64)?;
    let d = (end - start) * 1000.0;
    (d >= 0.0).then_some(d)
}

/// A number that is not 0 (JavaScript's `a || b` on numbers).
pub fn truthy_f64(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|f| *f != 0.0)
}

/// A JSON value for an f64 that may be NaN (`null`, as JSON.stringify writes it).
pub fn num(f: f64) -> Value {
    if f.is_finite() {
        json!(f)
    } else {
        Value::Null
    }
}

/// `450ms`, `1.25s`, `2m 5s`; `—` for a missing or negative duration.
pub fn fmt_ms(ms: Option<f64>) -> String {
    let Some(ms) = ms.filter(|m| m.is_finite() && *m >= 0.0) else {
        return "—".into();
    };
    if ms < 1000.0 {
        return format!("{}ms", ms.round() as i64);
    }
    if ms < 60_000.0 {
        let s = (ms / 1000.0 * 100.0).round() / 100.0;
        if s < 60.0 {
            return format!("{s:.2}s");
        }
    }
    let secs = (ms / 1000.0).round() as i64;
    format!("{}m {}s", secs / 60, secs % 60)
}

/// `2026-12-05 02:40:55` in the local time zone (0.49's `sv-SE` locale string).
pub fn local_time(t: Timestamp) -> String {
    t.to_zoned_datetime(TimeZone::system())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// [`local_time`] of an ISO timestamp (the text itself when it does not parse).
pub fn local_time_str(ts: &str) -> String {
    ts.parse::<Timestamp>()
        .map(local_time)
        .unwrap_or_else(|_| ts.to_string())
}

/// [`local_time`] of Unix seconds.
pub fn local_time_secs(secs: f64) -> String {
    Timestamp::from_millisecond((secs * 1000.0) as i64)
        .map(local_time)
        .unwrap_or_default()
}

/// `op — description  (dur)  span_id` lines of the span tree, to `depth` levels (0: none).
pub fn span_tree_lines(trace: &str, roots: &[Value], depth: usize) -> Vec<String> {
    if depth == 0 || roots.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![
        String::new(),
        "─── Span Tree ───".to_string(),
        String::new(),
        format!("Trace — {trace}"),
    ];
    fn walk(v: &Value, prefix: &str, last: bool, level: usize, max: usize, out: &mut Vec<String>) {
        let op = str_or(v, &["op", "transaction.op"]).unwrap_or_else(|| "unknown".into());
        let desc =
            str_or(v, &["description", "transaction"]).unwrap_or_else(|| "(no description)".into());
        let id = v.get("span_id").and_then(Value::as_str).unwrap_or_default();
        out.push(format!(
            "{prefix}{} {op} — {desc}  ({})  {id}",
            if last { "└─" } else { "├─" },
            fmt_ms(span_duration(v))
        ));
        if level >= max {
            return;
        }
        let children: Vec<&Value> = v
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let child_prefix = format!("{prefix}{}", if last { "   " } else { "│  " });
        for (i, c) in children.iter().enumerate() {
            walk(
                c,
                &child_prefix,
                i + 1 == children.len(),
                level + 1,
                max,
                out,
            );
        }
    }
    for (i, r) in roots.iter().enumerate() {
        walk(r, "", i + 1 == roots.len(), 1, depth, &mut lines);
    }
    lines
}

/// The first non-empty string among `keys`.
pub fn str_or(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        v.get(*k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    })
}

/// `--spans`: a depth, `all` (unlimited) or `no` (0).
pub fn parse_depth(s: &str) -> Result<usize, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "all" => Ok(usize::MAX),
        "no" | "none" | "off" => Ok(0),
        n => n
            .parse::<usize>()
            .map_err(|_| format!("'{s}' is not a number, \"all\" or \"no\"")),
    }
}

/// `newest` → `-timestamp`, `oldest` → `timestamp`.
pub fn log_sort(s: &str) -> Result<String, String> {
    match s {
        "newest" => Ok("-timestamp".into()),
        "oldest" => Ok("timestamp".into()),
        _ => Err("Sort must be \"newest\" or \"oldest\"".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integers_print_like_javascript_numbers() {
        assert_eq!(
            js_number(&json!(1_796_438_455_484_705_793_i64)).to_string(),
            "1796438455484705800"
        );
        assert_eq!(js_number(&json!(42)), json!(42));
        assert_eq!(js_number(&json!("17")), json!(17));
        assert_eq!(
            js_number(&json!(1_796_438_455_484_706_000_i64)).to_string(),
            "1796438455484706000"
        );
    }

    #[test]
    fn ids_are_validated_before_any_request() {
        assert!(trace_id("AAAA1111bbbb2222cccc3333dddd4444").is_ok());
        assert_eq!(trace_id("xyz").unwrap_err().exit_code, exit::VALIDATION);
        assert_eq!(span_id("zz").unwrap_err().exit_code, exit::VALIDATION);
        assert_eq!(log_id("123").unwrap_err().exit_code, exit::VALIDATION);
        let t = parse_trace_target("o/p/aaaa1111bbbb2222cccc3333dddd4444", "u").unwrap();
        assert_eq!(
            (t.org.as_deref(), t.project.as_deref()),
            (Some("o"), Some("p"))
        );
        assert!(parse_trace_target("o/", "u").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(fmt_ms(Some(500.0)), "500ms");
        assert_eq!(fmt_ms(Some(1250.0)), "1.25s");
        assert_eq!(fmt_ms(Some(125_000.0)), "2m 5s");
        assert_eq!(fmt_ms(None), "—");
    }
}
