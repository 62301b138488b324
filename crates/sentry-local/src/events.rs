//! Storage of received envelopes: raw items for every reader, plus error events grouped into
//! issues. All functions take an open connection (usually a transaction of the ingest writer),
//! so a whole batch of envelopes commits at once.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

use crate::envelope::{normalize_event_id, Envelope};
use crate::feedback;
use crate::grouping;

/// Item types kept in `items`; everything else (sessions, client reports, ...) is dropped.
pub const KEPT_ITEM_TYPES: &[&str] = &[
    "event",
    "transaction",
    "log",
    "check_in",
    "attachment",
    "feedback",
    "user_report",
    "replay_event",
    "replay_recording",
];

/// Parses Sentry timestamps: float/int epoch seconds, numeric strings, or RFC 3339.
pub fn parse_timestamp_ms(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_f64().map(|f| (f * 1000.0) as i64),
        Value::String(s) => {
            if let Ok(f) = s.parse::<f64>() {
                return Some((f * 1000.0) as i64);
            }
            if let Ok(ts) = s.parse::<jiff::Timestamp>() {
                return Some(ts.as_millisecond());
            }
            // Naive datetimes (no offset) are UTC in the Sentry protocol.
            s.parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp().as_millisecond())
        }
        _ => None,
    }
}

fn trace_id_of(payload: Option<&Map<String, Value>>, envelope: &Envelope) -> Option<String> {
    let from_payload = payload.and_then(|p| {
        p.get("contexts")
            .and_then(|c| c.get("trace"))
            .and_then(|t| t.get("trace_id"))
            .or_else(|| p.get("trace_id"))
            .or_else(|| {
                p.get("items")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(|i| i.get("trace_id"))
            })
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    from_payload.or_else(|| {
        envelope
            .header
            .get("trace")
            .and_then(|t| t.get("trace_id"))
            .and_then(Value::as_str)
            .map(str::to_string)
    })
}

/// Everything storing an envelope needs that no database lookup decides: parsed payloads,
/// ids, grouping keys, tags and serialized rows. Ingest builds it on the request task, in
/// parallel, so the one writer thread (the throughput bottleneck) only runs SQL.
#[derive(Debug)]
pub struct PreparedEnvelope {
    answer: Option<String>,
    items: Vec<PreparedItem>,
    /// The samples of the envelope's `trace_metric` items, stored one row each in
    /// `trace_metrics` (not in `items`: nothing reads the container back).
    metrics: Vec<PreparedMetric>,
}

/// One trace metric sample (`{timestamp, trace_id, span_id, name, type, value, unit,
/// attributes}` as the JavaScript and Python SDKs send them in a `trace_metric` item).
#[derive(Debug)]
struct PreparedMetric {
    timestamp_ms: i64,
    trace_id: Option<String>,
    span_id: Option<String>,
    name: String,
    kind: String,
    unit: Option<String>,
    value: f64,
    attributes: String,
}

/// The metric types Sentry accepts; a sample of another type (or without a name or a numeric
/// value) is dropped, as Relay drops it.
const METRIC_TYPES: &[&str] = &["counter", "gauge", "distribution"];

/// The samples of a `trace_metric` payload: `{"version": 2, "items": [...]}` (a bare sample
/// object is accepted too).
fn trace_metric_samples(payload: &Map<String, Value>, received_ms: i64) -> Vec<PreparedMetric> {
    let one = [Value::Object(payload.clone())];
    let list: &[Value] = match payload.get("items").and_then(Value::as_array) {
        Some(items) => items,
        None => &one,
    };
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    list.iter()
        .filter_map(|m| {
            let name = text(m.get("name"))?;
            let kind = text(m.get("type")).filter(|t| METRIC_TYPES.contains(&t.as_str()))?;
            let value = m.get("value").and_then(Value::as_f64)?;
            let attributes = match m.get("attributes") {
                Some(a @ Value::Object(_)) => a.to_string(),
                _ => "{}".into(),
            };
            Some(PreparedMetric {
                timestamp_ms: parse_timestamp_ms(m.get("timestamp")).unwrap_or(received_ms),
                trace_id: text(m.get("trace_id")).map(|t| t.to_ascii_lowercase()),
                span_id: text(m.get("span_id")).map(|t| t.to_ascii_lowercase()),
                name,
                kind,
                unit: text(m.get("unit")),
                value,
                attributes,
            })
        })
        .collect()
}

#[derive(Debug)]
struct PreparedItem {
    item_type: String,
    event_id: Option<String>,
    trace_id: Option<String>,
    headers: String,
    text: Option<String>,
    data: Option<Vec<u8>>,
    event: Option<PreparedEvent>,
}

/// An error event ready for [`store_prepared`]: grouped, tagged and serialized.
#[derive(Debug)]
pub struct PreparedEvent {
    event_id: String,
    timestamp_ms: i64,
    info: grouping::GroupInfo,
    metadata: String,
    logger: Option<String>,
    user: Option<String>,
    tags: Vec<(String, String)>,
    payload: String,
}

/// Works out the rows of `envelope` (see [`PreparedEnvelope`]); `received_ms` stands in for
/// missing event timestamps.
pub fn prepare_envelope(envelope: &Envelope, received_ms: i64) -> PreparedEnvelope {
    let mut answer = envelope.event_id();
    let mut items = Vec::new();
    let mut metrics = Vec::new();
    for item in &envelope.items {
        let ty = item.item_type();
        if ty == "trace_metric" {
            if let Some(payload) = item.json() {
                metrics.extend(trace_metric_samples(&payload, received_ms));
            }
            continue;
        }
        if !KEPT_ITEM_TYPES.contains(&ty) {
            continue;
        }
        let json = if matches!(ty, "attachment" | "replay_recording") {
            None
        } else {
            item.json()
        };
        let payload_event_id = json
            .as_ref()
            .and_then(|j| j.get("event_id"))
            .and_then(Value::as_str)
            .and_then(normalize_event_id);
        let mut event_id = payload_event_id.or_else(|| envelope.event_id());
        if matches!(ty, "event" | "transaction" | "feedback") && event_id.is_none() {
            event_id = Some(crate::db::random_hex(16));
        }
        if answer.is_none() {
            answer = event_id.clone();
        }
        let headers = serde_json::to_string(&item.header).unwrap_or_else(|_| "{}".into());
        let (text, data) = match std::str::from_utf8(&item.payload) {
            Ok(s) if !matches!(ty, "attachment" | "replay_recording") => {
                (Some(s.to_string()), None)
            }
            _ => (None, Some(item.payload.clone())),
        };
        let trace_id = trace_id_of(json.as_ref(), envelope);
        let event = match (ty, json, &event_id) {
            ("event", Some(mut ev), Some(id)) => {
                ev.insert("event_id".into(), Value::from(id.clone()));
                Some(prepare_event(ev, received_ms))
            }
            ("feedback", Some(mut ev), Some(id)) => {
                ev.insert("event_id".into(), Value::from(id.clone()));
                let info = feedback::group_info(&ev, id, "new_feedback_envelope");
                Some(prepare_event_as(ev, received_ms, info))
            }
            ("user_report", Some(report), _) => {
                let ev = feedback::event_from_user_report(&report, received_ms);
                let id = ev
                    .get("event_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let info = feedback::group_info(&ev, &id, "user_report_envelope");
                Some(prepare_event_as(ev, received_ms, info))
            }
            _ => None,
        };
        items.push(PreparedItem {
            item_type: ty.to_string(),
            event_id,
            trace_id,
            headers,
            text,
            data,
            event,
        });
    }
    PreparedEnvelope {
        answer,
        items,
        metrics,
    }
}

/// Stores a prepared envelope for `project_id`: kept items into `items`, error events into
/// `events` and `groups`. Returns the event id the SDK should be answered with.
pub fn store_prepared(
    c: &Connection,
    project_id: i64,
    envelope: &PreparedEnvelope,
    received_ms: i64,
) -> rusqlite::Result<Option<String>> {
    let mut insert_item = c.prepare_cached(
        "INSERT INTO items (project_id, item_type, event_id, trace_id, received_ms, headers, payload, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for item in &envelope.items {
        insert_item.execute(params![
            project_id,
            item.item_type,
            item.event_id,
            item.trace_id,
            received_ms,
            item.headers,
            item.text,
            item.data
        ])?;
        if let Some(ev) = &item.event {
            // JavaScript frames are un-minified with the uploaded source maps first, so the
            // stored event, its title and its grouping are the original code's.
            match symbolicated(c, project_id, ev, received_ms)? {
                Some(sym) => store_prepared_event(c, project_id, &sym, received_ms)?,
                None => store_prepared_event(c, project_id, ev, received_ms)?,
            };
        }
    }
    if !envelope.metrics.is_empty() {
        let mut insert_metric = c.prepare_cached(
            "INSERT INTO trace_metrics (project_id, timestamp_ms, received_ms, trace_id, span_id, name, type, unit, value, attributes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for m in &envelope.metrics {
            insert_metric.execute(params![
                project_id,
                m.timestamp_ms,
                received_ms,
                m.trace_id,
                m.span_id,
                m.name,
                m.kind,
                m.unit,
                m.value,
                m.attributes
            ])?;
        }
    }
    Ok(envelope.answer.clone())
}

/// The event re-prepared after source maps were applied, or `None` when nothing applied.
fn symbolicated(
    c: &Connection,
    project_id: i64,
    ev: &PreparedEvent,
    received_ms: i64,
) -> rusqlite::Result<Option<PreparedEvent>> {
    if !ev.payload.contains("\"colno\"") {
        return Ok(None);
    }
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(&ev.payload) else {
        return Ok(None);
    };
    if !crate::sourcemaps::symbolicate(c, project_id, &mut map)? {
        return Ok(None);
    }
    Ok(Some(prepare_event(map, received_ms)))
}

/// Collects the tags Sentry shows for an event: the SDK's own plus the built-in ones
/// (level, environment, release, user, url, ...), sorted by key.
pub fn event_tags(ev: &Map<String, Value>) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = Vec::new();
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match ev.get("tags") {
        Some(Value::Object(m)) => {
            for (k, v) in m {
                if let Some(v) = scalar(v) {
                    tags.push((k.clone(), v));
                }
            }
        }
        Some(Value::Array(a)) => {
            for t in a {
                let pair = match t {
                    Value::Array(p) if p.len() == 2 => {
                        p[0].as_str().map(str::to_string).zip(scalar(&p[1]))
                    }
                    Value::Object(o) => o
                        .get("key")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .zip(o.get("value").and_then(scalar)),
                    _ => None,
                };
                tags.extend(pair);
            }
        }
        _ => {}
    }
    let mut builtin = |key: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            if !tags.iter().any(|(k, _)| k == key) {
                tags.push((key.to_string(), v));
            }
        }
    };
    let s = |k: &str| ev.get(k).and_then(scalar);
    builtin("level", Some(s("level").unwrap_or_else(|| "error".into())));
    builtin("environment", s("environment"));
    builtin("release", s("release"));
    builtin("dist", s("dist"));
    builtin("transaction", s("transaction"));
    builtin("server_name", s("server_name"));
    builtin("logger", s("logger"));
    builtin(
        "url",
        ev.get("request")
            .and_then(|r| r.get("url"))
            .and_then(scalar),
    );
    builtin("user", grouping::user_key(ev));
    let excs = grouping::exceptions(ev);
    if let Some(m) = excs.iter().rev().find_map(|e| e.get("mechanism")) {
        if let Some(h) = m.get("handled").and_then(Value::as_bool) {
            builtin("handled", Some(if h { "yes" } else { "no" }.into()));
        }
        builtin("mechanism", m.get("type").and_then(scalar));
    }
    let ctx = |c: &str, k: &str| {
        ev.get("contexts")
            .and_then(|x| x.get(c))
            .and_then(|x| x.get(k))
            .and_then(scalar)
    };
    builtin("os.name", ctx("os", "name"));
    builtin("browser.name", ctx("browser", "name"));
    builtin("runtime.name", ctx("runtime", "name"));
    tags.sort();
    tags.dedup_by(|a, b| a.0 == b.0);
    tags
}

/// Groups, tags and serializes one error event (see [`PreparedEvent`]).
pub fn prepare_event(ev: Map<String, Value>, received_ms: i64) -> PreparedEvent {
    let info = grouping::analyze(&ev);
    prepare_event_as(ev, received_ms, info)
}

/// Tags and serializes an event whose issue is already decided (`info`): error events after
/// grouping, feedback events (one issue each).
fn prepare_event_as(
    mut ev: Map<String, Value>,
    received_ms: i64,
    info: grouping::GroupInfo,
) -> PreparedEvent {
    let timestamp_ms = parse_timestamp_ms(ev.get("timestamp")).unwrap_or(received_ms);
    let event_id = ev
        .get("event_id")
        .and_then(Value::as_str)
        .and_then(normalize_event_id)
        .unwrap_or_else(|| crate::db::random_hex(16));
    ev.insert("event_id".into(), Value::from(event_id.clone()));
    PreparedEvent {
        metadata: info.metadata.to_string(),
        logger: ev.get("logger").and_then(Value::as_str).map(str::to_string),
        user: grouping::user_key(&ev),
        tags: event_tags(&ev),
        event_id,
        timestamp_ms,
        info,
        payload: Value::Object(ev).to_string(),
    }
}

/// Stores one error event and folds it into its issue (creating the issue on first sight).
fn store_prepared_event(
    c: &Connection,
    project_id: i64,
    ev: &PreparedEvent,
    received_ms: i64,
) -> rusqlite::Result<i64> {
    let (info, event_id, ts) = (&ev.info, &ev.event_id, ev.timestamp_ms);
    // A re-sent event (same id) is not counted twice, as Sentry deduplicates by event id.
    let dup: Option<i64> = c
        .prepare_cached("SELECT group_id FROM events WHERE project_id = ?1 AND event_id = ?2")?
        .query_row(params![project_id, event_id], |r| r.get(0))
        .optional()?;
    if let Some(g) = dup {
        return Ok(g);
    }
    let existing: Option<(i64, String)> = c
        .prepare_cached(
            "SELECT g.id, g.status FROM group_hashes h JOIN groups g ON g.id = h.group_id
             WHERE h.project_id = ?1 AND h.hash = ?2",
        )?
        .query_row(params![project_id, info.hash], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let group_id = match existing {
        Some((id, status)) => {
            // A new event on a resolved issue reopens it as a regression, as Sentry does.
            let regressed = status == "resolved";
            c.prepare_cached(
                "UPDATE groups SET times_seen = times_seen + 1,
                    first_seen_ms = MIN(first_seen_ms, ?2),
                    last_seen_ms = MAX(last_seen_ms, ?2),
                    level = ?3,
                    is_unhandled = MAX(is_unhandled, ?4),
                    status = CASE WHEN ?5 THEN 'unresolved' ELSE status END,
                    substatus = CASE WHEN ?5 THEN 'regressed' ELSE substatus END,
                    status_details = CASE WHEN ?5 THEN '{}' ELSE status_details END
                 WHERE id = ?1",
            )?
            .execute(params![id, ts, info.level, info.is_unhandled, regressed])?;
            id
        }
        None => {
            let short: i64 = c
                .prepare_cached("UPDATE projects SET next_short_id = next_short_id + 1 WHERE id = ?1 RETURNING next_short_id - 1")?
                .query_row([project_id], |r| r.get(0))?;
            c.prepare_cached(
                "INSERT INTO groups (project_id, short_id, title, culprit, event_type, metadata, level,
                    platform, logger, status, substatus, is_unhandled, times_seen, first_seen_ms, last_seen_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'unresolved', 'new', ?10, 1, ?11, ?11)",
            )?
            .execute(params![
                project_id,
                short,
                info.title,
                info.culprit,
                info.event_type,
                ev.metadata,
                info.level,
                info.platform,
                ev.logger,
                info.is_unhandled,
                ts
            ])?;
            let id = c.last_insert_rowid();
            c.prepare_cached(
                "INSERT INTO group_hashes (project_id, hash, group_id) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![project_id, info.hash, id])?;
            id
        }
    };
    if let Some(user) = &ev.user {
        let added = c
            .prepare_cached(
                "INSERT OR IGNORE INTO group_users (group_id, user_key) VALUES (?1, ?2)",
            )?
            .execute(params![group_id, user])?;
        if added > 0 {
            c.prepare_cached("UPDATE groups SET user_count = user_count + 1 WHERE id = ?1")?
                .execute([group_id])?;
        }
    }
    {
        let mut tag_stmt = c.prepare_cached(
            "INSERT OR IGNORE INTO group_tags (group_id, key, value) VALUES (?1, ?2, ?3)",
        )?;
        for (k, v) in &ev.tags {
            tag_stmt.execute(params![group_id, k, v])?;
        }
    }
    c.prepare_cached(
        "INSERT INTO events (event_id, project_id, group_id, timestamp_ms, received_ms, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        event_id,
        project_id,
        group_id,
        ts,
        received_ms,
        ev.payload
    ])?;
    Ok(group_id)
}
