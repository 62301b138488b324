//! Events: the events of an issue (list, latest/oldest/recommended, by id), project event
//! detail, the event's attachments and the org-wide event-id lookup. Events are rendered
//! from the stored JSON in Sentry's API shape (`entries`, `tags` as pairs, camelCase frames).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::issues::{parse_period_ms, resolve_group};
use super::{find_org, find_project, iso_ms, paginated, project_by_id, Page, Params};
use crate::auth::needs::EVENT_READ;
use crate::auth::Authed;
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::events::event_tags;
use crate::grouping;
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

/// Every event route reads events: Sentry's GroupPermission, ProjectEventPermission and
/// OrganizationEventPermission all take `event:read` for `GET`.
pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/issues/{id}/events/",
        get(EVENT_READ, issue_events_org),
    )
    .route("/issues/{id}/events/", get(EVENT_READ, issue_events_legacy))
    .route(
        "/organizations/{org}/issues/{id}/events/{event}/",
        get(EVENT_READ, issue_event_org),
    )
    .route(
        "/issues/{id}/events/{event}/",
        get(EVENT_READ, issue_event_legacy),
    )
    .route(
        "/projects/{org}/{proj}/events/",
        get(EVENT_READ, project_events),
    )
    .route(
        "/projects/{org}/{proj}/events/{event}/",
        get(EVENT_READ, project_event),
    )
    .route(
        "/projects/{org}/{proj}/events/{event}/attachments/",
        get(EVENT_READ, event_attachments),
    )
    .route(
        "/projects/{org}/{proj}/events/{event}/attachments/{attachment}/",
        get(EVENT_READ, event_attachment),
    )
    .route(
        "/organizations/{org}/eventids/{event}/",
        get(EVENT_READ, event_id_lookup),
    )
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub event_id: String,
    pub project_id: i64,
    pub group_id: Option<i64>,
    pub timestamp_ms: i64,
    pub received_ms: i64,
    pub payload: String,
}

const EVENT_COLUMNS: &str =
    "e.id, e.event_id, e.project_id, e.group_id, e.timestamp_ms, e.received_ms, e.payload";

fn event_from_row(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        event_id: r.get(1)?,
        project_id: r.get(2)?,
        group_id: r.get(3)?,
        timestamp_ms: r.get(4)?,
        received_ms: r.get(5)?,
        payload: r.get(6)?,
    })
}

fn camel_frame(frame: &Value) -> Value {
    let Some(f) = frame.as_object() else {
        return frame.clone();
    };
    let g = |k: &str| f.get(k).cloned().unwrap_or(Value::Null);
    let lineno = f.get("lineno").and_then(Value::as_i64);
    let mut context = Vec::new();
    if let Some(line) = lineno {
        let pre = f
            .get("pre_context")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let start = line - pre.len() as i64;
        for (i, l) in pre.iter().enumerate() {
            context.push(json!([start + i as i64, l]));
        }
        if let Some(cl) = f.get("context_line") {
            context.push(json!([line, cl]));
        }
        for (i, l) in f
            .get("post_context")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            context.push(json!([line + 1 + i as i64, l]));
        }
    }
    json!({
        "filename": g("filename"),
        "absPath": g("abs_path"),
        "module": g("module"),
        "package": g("package"),
        "platform": g("platform"),
        "instructionAddr": g("instruction_addr"),
        "symbolAddr": g("symbol_addr"),
        "function": g("function"),
        "rawFunction": g("raw_function"),
        "symbol": g("symbol"),
        "context": context,
        "lineNo": g("lineno"),
        "colNo": g("colno"),
        "inApp": f.get("in_app").and_then(Value::as_bool).unwrap_or(false),
        "trust": g("trust"),
        "errors": null,
        "lock": null,
        "sourceLink": null,
        "vars": g("vars"),
    })
}

fn camel_stacktrace(st: Option<&Value>) -> Value {
    let Some(st) = st.filter(|s| s.is_object()) else {
        return Value::Null;
    };
    let frames: Vec<Value> = st
        .get("frames")
        .and_then(Value::as_array)
        .map(|fs| fs.iter().map(camel_frame).collect())
        .unwrap_or_default();
    let has_system = frames.iter().any(|f| f["inApp"] == json!(false));
    json!({
        "frames": frames,
        "framesOmitted": null,
        "registers": st.get("registers").cloned().unwrap_or(Value::Null),
        "hasSystemFrames": has_system,
    })
}

fn values_of(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Object(o)) => o
            .get("values")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    }
}

/// Builds Sentry's `entries` list from the event interfaces.
fn entries(ev: &Map<String, Value>) -> Vec<Value> {
    let mut out = Vec::new();
    let excs = values_of(ev.get("exception"));
    if !excs.is_empty() {
        let values: Vec<Value> = excs
            .iter()
            .map(|e| {
                json!({
                    "type": e.get("type").cloned().unwrap_or(Value::Null),
                    "value": e.get("value").cloned().unwrap_or(Value::Null),
                    "module": e.get("module").cloned().unwrap_or(Value::Null),
                    "mechanism": e.get("mechanism").cloned().unwrap_or(Value::Null),
                    "threadId": e.get("thread_id").cloned().unwrap_or(Value::Null),
                    "stacktrace": camel_stacktrace(e.get("stacktrace")),
                    "rawStacktrace": camel_stacktrace(e.get("raw_stacktrace")),
                })
            })
            .collect();
        let has_system = values
            .iter()
            .any(|v| v["stacktrace"]["hasSystemFrames"] == json!(true));
        out.push(json!({"type": "exception", "data": {"values": values, "hasSystemFrames": has_system, "excOmitted": null}}));
    }
    let message = grouping::event_message(ev);
    if !message.is_empty()
        && (excs.is_empty() || ev.contains_key("logentry") || ev.contains_key("message"))
    {
        let le = ev
            .get("logentry")
            .or_else(|| ev.get("message").filter(|m| m.is_object()));
        let template = le.and_then(|l| l.get("message")).cloned();
        let params = le.and_then(|l| l.get("params")).cloned();
        let mut data = json!({"formatted": message});
        if let Some(t) = template {
            data["message"] = t;
        }
        if let Some(p) = params {
            data["params"] = p;
        }
        out.push(json!({"type": "message", "data": data}));
    }
    let crumbs = values_of(ev.get("breadcrumbs"));
    if !crumbs.is_empty() {
        let values: Vec<Value> = crumbs
            .iter()
            .map(|b| {
                let ts = crate::events::parse_timestamp_ms(b.get("timestamp")).map(iso_ms);
                json!({
                    "type": b.get("type").cloned().unwrap_or_else(|| json!("default")),
                    "category": b.get("category").cloned().unwrap_or(Value::Null),
                    "level": b.get("level").cloned().unwrap_or_else(|| json!("info")),
                    "message": b.get("message").cloned().unwrap_or(Value::Null),
                    "data": b.get("data").cloned().unwrap_or(Value::Null),
                    "timestamp": ts,
                    "event_id": null,
                })
            })
            .collect();
        out.push(json!({"type": "breadcrumbs", "data": {"values": values}}));
    }
    if let Some(req) = ev.get("request").filter(|r| r.is_object()) {
        let headers = match req.get("headers") {
            Some(Value::Object(h)) => Value::Array(h.iter().map(|(k, v)| json!([k, v])).collect()),
            Some(other) => other.clone(),
            None => json!([]),
        };
        out.push(json!({"type": "request", "data": {
            "url": req.get("url").cloned().unwrap_or(Value::Null),
            "method": req.get("method").cloned().unwrap_or(Value::Null),
            "query": req.get("query_string").cloned().unwrap_or_else(|| json!([])),
            "fragment": req.get("fragment").cloned().unwrap_or(Value::Null),
            "data": req.get("data").cloned().unwrap_or(Value::Null),
            "headers": headers,
            "cookies": req.get("cookies").cloned().unwrap_or_else(|| json!([])),
            "env": req.get("env").cloned().unwrap_or(Value::Null),
            "inferredContentType": null,
        }}));
    }
    let threads = values_of(ev.get("threads"));
    if !threads.is_empty() {
        let values: Vec<Value> = threads
            .iter()
            .map(|t| {
                json!({
                    "id": t.get("id").cloned().unwrap_or(Value::Null),
                    "name": t.get("name").cloned().unwrap_or(Value::Null),
                    "crashed": t.get("crashed").cloned().unwrap_or(json!(false)),
                    "current": t.get("current").cloned().unwrap_or(json!(false)),
                    "stacktrace": camel_stacktrace(t.get("stacktrace")),
                })
            })
            .collect();
        out.push(json!({"type": "threads", "data": {"values": values}}));
    }
    out
}

fn user_of(ev: &Map<String, Value>) -> Value {
    match ev.get("user").and_then(Value::as_object) {
        Some(u) => {
            let g = |k: &str| u.get(k).cloned().unwrap_or(Value::Null);
            let id = match u.get("id") {
                Some(Value::Number(n)) => json!(n.to_string()),
                other => other.cloned().unwrap_or(Value::Null),
            };
            let data: Map<String, Value> = u
                .iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "id" | "email" | "username" | "ip_address" | "name" | "geo" | "data"
                    )
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let data = match u.get("data") {
                Some(d) => d.clone(),
                None if data.is_empty() => Value::Null,
                None => Value::Object(data),
            };
            json!({"id": id, "email": g("email"), "username": g("username"), "ip_address": g("ip_address"),
                   "name": g("name"), "geo": g("geo"), "data": data})
        }
        None => Value::Null,
    }
}

/// Renders an event. `full` = the detail shape (entries, contexts, sdk, ...); otherwise the
/// compact shape of event lists.
pub fn event_json(ev_row: &EventRow, full: bool) -> Value {
    let ev: Map<String, Value> = serde_json::from_str(&ev_row.payload).unwrap_or_default();
    let is_feedback = ev.get("type").and_then(Value::as_str) == Some("feedback");
    let info = if is_feedback {
        // Feedback events read like their issue (issue-platform events are `generic`).
        let mut info = crate::feedback::group_info(&ev, &ev_row.event_id, "new_feedback_envelope");
        info.event_type = "generic".into();
        info
    } else {
        grouping::analyze(&ev)
    };
    let tags: Vec<Value> = event_tags(&ev)
        .into_iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    let group_id = ev_row.group_id.map(|g| g.to_string());
    let mut v = json!({
        "id": ev_row.event_id,
        "event.type": info.event_type,
        "groupID": group_id,
        "eventID": ev_row.event_id,
        "projectID": ev_row.project_id.to_string(),
        "message": info.message,
        "title": info.title,
        "location": info.location,
        "culprit": info.culprit,
        "user": user_of(&ev),
        "tags": tags,
        "platform": info.platform,
        "dateCreated": iso_ms(ev_row.timestamp_ms),
        "crashFile": null,
        "metadata": info.metadata,
    });
    if full {
        let m = match v.as_object_mut() {
            Some(m) => m,
            None => return v,
        };
        m.remove("event.type");
        let g = |k: &str| ev.get(k).cloned().unwrap_or(Value::Null);
        m.insert("type".into(), json!(info.event_type));
        m.insert("size".into(), json!(ev_row.payload.len()));
        m.insert("entries".into(), json!(entries(&ev)));
        m.insert("dist".into(), g("dist"));
        m.insert(
            "contexts".into(),
            ev.get("contexts").cloned().unwrap_or_else(|| json!({})),
        );
        m.insert("sdk".into(), g("sdk"));
        m.insert(
            "context".into(),
            ev.get("extra").cloned().unwrap_or_else(|| json!({})),
        );
        m.insert(
            "packages".into(),
            ev.get("modules").cloned().unwrap_or_else(|| json!({})),
        );
        m.insert("dateReceived".into(), json!(iso_ms(ev_row.received_ms)));
        m.insert("errors".into(), json!([]));
        m.insert("occurrence".into(), Value::Null);
        m.insert("_meta".into(), json!({}));
        m.insert("fingerprints".into(), json!([grouping::analyze(&ev).hash]));
        m.insert(
            "groupingConfig".into(),
            json!({"id": "local:2026", "enhancements": ""}),
        );
        m.insert(
            "release".into(),
            match ev.get("release").and_then(Value::as_str) {
                Some(r) => json!({"version": r, "shortVersion": r}),
                None => Value::Null,
            },
        );
        m.insert("environment".into(), g("environment"));
        m.insert("level".into(), json!(info.level));
        m.insert("userReport".into(), Value::Null);
        m.insert("sdkUpdates".into(), json!([]));
        m.insert("resolvedWith".into(), json!([]));
        m.insert("nextEventID".into(), Value::Null);
        m.insert("previousEventID".into(), Value::Null);
    }
    v
}

/// Fills `previousEventID` / `nextEventID` within the event's issue (or project).
fn with_neighbours(c: &Connection, row: &EventRow, mut v: Value) -> rusqlite::Result<Value> {
    let scope = match row.group_id {
        Some(g) => ("group_id", g),
        None => ("project_id", row.project_id),
    };
    let prev: Option<String> = c
        .query_row(
            &format!("SELECT event_id FROM events WHERE {} = ?1 AND (timestamp_ms, id) < (?2, ?3) ORDER BY timestamp_ms DESC, id DESC LIMIT 1", scope.0),
            params![scope.1, row.timestamp_ms, row.id],
            |r| r.get(0),
        )
        .optional()?;
    let next: Option<String> = c
        .query_row(
            &format!("SELECT event_id FROM events WHERE {} = ?1 AND (timestamp_ms, id) > (?2, ?3) ORDER BY timestamp_ms, id LIMIT 1", scope.0),
            params![scope.1, row.timestamp_ms, row.id],
            |r| r.get(0),
        )
        .optional()?;
    v["previousEventID"] = json!(prev);
    v["nextEventID"] = json!(next);
    Ok(v)
}

fn time_filter(params: &Params) -> ApiResult<(Option<i64>, Option<i64>)> {
    if let Some(p) = params.get("statsPeriod").filter(|s| !s.is_empty()) {
        let ms = parse_period_ms(p)
            .ok_or_else(|| ApiError::bad_request(format!("Invalid statsPeriod: {p}")))?;
        return Ok((Some(now_ms() - ms), None));
    }
    let parse = |k: &str| -> ApiResult<Option<i64>> {
        params
            .get(k)
            .map(|s| {
                crate::events::parse_timestamp_ms(Some(&Value::from(s)))
                    .ok_or_else(|| ApiError::bad_request(format!("Invalid {k}: {s}")))
            })
            .transpose()
    };
    Ok((parse("start")?, parse("end")?))
}

/// Lists events newest first, scoped by `column = value`, paginated.
fn list_events(
    c: &Connection,
    column: &str,
    value: i64,
    params: &Params,
    page: Page,
) -> ApiResult<Vec<Value>> {
    let (start, end) = time_filter(params)?;
    let query = params.get("query").unwrap_or("").trim().to_lowercase();
    let full = matches!(params.get("full"), Some("true" | "1"));
    let mut stmt = c.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE e.{column} = ?1
           AND (?2 IS NULL OR e.timestamp_ms >= ?2) AND (?3 IS NULL OR e.timestamp_ms <= ?3)
           AND (?4 = '' OR instr(lower(e.payload), ?4) > 0)
         ORDER BY e.timestamp_ms DESC, e.id DESC LIMIT ?5 OFFSET ?6"
    ))?;
    let rows = stmt
        .query_map(
            params![
                value,
                start,
                end,
                query,
                page.limit as i64 + 1,
                page.offset as i64
            ],
            event_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.iter().map(|r| event_json(r, full)).collect())
}

async fn issue_events(
    state: AppState,
    authed: Authed,
    org: Option<String>,
    id: String,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    state
        .clone()
        .db
        .call(move |c| {
            let (g, _, _) = resolve_group(c, &authed, org.as_deref(), &id)?;
            let items = list_events(c, "group_id", g.id, &params, page)?;
            Ok(paginated(&state, &params, page, items))
        })
        .await
}

async fn issue_events_org(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, id)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    issue_events(state, authed, Some(org), id, params).await
}

async fn issue_events_legacy(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    issue_events(state, authed, None, id, params).await
}

async fn issue_event(
    state: AppState,
    authed: Authed,
    org: Option<String>,
    id: String,
    which: String,
) -> ApiResult<Json<Value>> {
    state.db.call(move |c| {
        let which = which.as_str();
        let (g, _, _) = resolve_group(c, &authed, org.as_deref(), &id)?;
        let sql = match which {
            // "recommended" in Sentry prefers a complete, recent event; the newest is the best
            // local approximation.
            "latest" | "recommended" => format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.group_id = ?1 ORDER BY e.timestamp_ms DESC, e.id DESC LIMIT 1"),
            "oldest" => format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.group_id = ?1 ORDER BY e.timestamp_ms, e.id LIMIT 1"),
            _ => format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.group_id = ?1 AND e.event_id = ?2"),
        };
        let wanted = crate::envelope::normalize_event_id(which).unwrap_or_else(|| which.to_string());
        let row = if matches!(which, "latest" | "recommended" | "oldest") {
            c.query_row(&sql, params![g.id], event_from_row).optional()?
        } else {
            c.query_row(&sql, params![g.id, wanted], event_from_row).optional()?
        };
        let row = row.ok_or_else(ApiError::not_found)?;
        Ok(Json(with_neighbours(c, &row, event_json(&row, true))?))
    })
    .await
}

async fn issue_event_org(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, id, event)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    issue_event(state, authed, Some(org), id, event).await
}

async fn issue_event_legacy(
    State(state): State<AppState>,
    authed: Authed,
    Path((id, event)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    issue_event(state, authed, None, id, event).await
}

async fn project_events(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    state
        .clone()
        .db
        .call(move |c| {
            let (_, p) = find_project(c, &authed, &org, &proj)?;
            let items = list_events(c, "project_id", p.id, &params, page)?;
            Ok(paginated(&state, &params, page, items))
        })
        .await
}

async fn project_event(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj, event)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let event_id = crate::envelope::normalize_event_id(&event).ok_or_else(ApiError::not_found)?;
    state.db.call(move |c| {
        let (_, p) = find_project(c, &authed, &org, &proj)?;
        let row = c
            .query_row(
                &format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.project_id = ?1 AND e.event_id = ?2"),
                params![p.id, event_id],
                event_from_row,
            )
            .optional()?
            .ok_or_else(ApiError::not_found)?;
        Ok(Json(with_neighbours(c, &row, event_json(&row, true))?))
    })
    .await
}

async fn event_id_lookup(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, event)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let event_id = crate::envelope::normalize_event_id(&event).ok_or_else(ApiError::not_found)?;
    state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let row = c
                .query_row(
                    &format!(
                    "SELECT {EVENT_COLUMNS} FROM events e JOIN projects p ON p.id = e.project_id
                     WHERE p.org_id = ?1 AND e.event_id = ?2"
                ),
                    params![o.id, event_id],
                    event_from_row,
                )
                .optional()?
                .ok_or_else(ApiError::not_found)?;
            let p = project_by_id(c, row.project_id)?;
            Ok(Json(json!({
                "organizationSlug": o.slug,
                "projectSlug": p.slug,
                "groupId": row.group_id.map(|g| g.to_string()),
                "eventId": row.event_id,
                "event": with_neighbours(c, &row, event_json(&row, true))?,
            })))
        })
        .await
}

/// One stored `attachment` envelope item: its row id and what the envelope said about it.
struct AttachmentRow {
    id: i64,
    event_id: String,
    received_ms: i64,
    headers: Value,
    data: Vec<u8>,
}

impl AttachmentRow {
    fn name(&self) -> String {
        self.headers
            .get("filename")
            .and_then(Value::as_str)
            .unwrap_or("attachment")
            .to_string()
    }
    fn mimetype(&self) -> String {
        self.headers
            .get("content_type")
            .and_then(Value::as_str)
            .unwrap_or("application/octet-stream")
            .to_string()
    }
    /// Sentry's attachment serializer shape.
    fn json(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "event_id": self.event_id,
            "type": self.headers.get("attachment_type").and_then(Value::as_str).unwrap_or("event.attachment"),
            "name": self.name(),
            "mimetype": self.mimetype(),
            "dateCreated": iso_ms(self.received_ms),
            "size": self.data.len(),
            "headers": {"Content-Type": self.mimetype()},
            "sha1": sha1_smol::Sha1::from(&self.data).digest().to_string(),
        })
    }
}

/// The attachments of an event of project `p`, oldest first; 404 when the event is unknown
/// (as Sentry answers for an event it does not have).
fn attachments_of(c: &Connection, project_id: i64, event: &str) -> ApiResult<Vec<AttachmentRow>> {
    let event_id = crate::envelope::normalize_event_id(event).ok_or_else(ApiError::not_found)?;
    let known: Option<i64> = c
        .query_row(
            "SELECT id FROM events WHERE project_id = ?1 AND event_id = ?2",
            params![project_id, event_id],
            |r| r.get(0),
        )
        .optional()?;
    known.ok_or_else(ApiError::not_found)?;
    let mut stmt = c.prepare(
        "SELECT id, event_id, received_ms, headers, data FROM items
         WHERE project_id = ?1 AND item_type = 'attachment' AND event_id = ?2 ORDER BY id",
    )?;
    let rows = stmt
        .query_map(params![project_id, event_id], |r| {
            let headers: String = r.get(3)?;
            Ok(AttachmentRow {
                id: r.get(0)?,
                event_id: r.get(1)?,
                received_ms: r.get(2)?,
                headers: serde_json::from_str(&headers).unwrap_or(Value::Null),
                data: r.get::<_, Option<Vec<u8>>>(4)?.unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

async fn event_attachments(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj, event)): Path<(String, String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let items = state
        .db
        .call(move |c| {
            let (_, p) = find_project(c, &authed, &org, &proj)?;
            let rows = attachments_of(c, p.id, &event)?;
            Ok(rows.iter().map(AttachmentRow::json).collect::<Vec<_>>())
        })
        .await?;
    Ok(super::paginate_vec(&state, &params, page, items))
}

/// One attachment's metadata, or with `?download=1` its bytes.
async fn event_attachment(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj, event, attachment)): Path<(String, String, String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let row = state
        .db
        .call(move |c| {
            let (_, p) = find_project(c, &authed, &org, &proj)?;
            attachments_of(c, p.id, &event)?
                .into_iter()
                .find(|a| a.id.to_string() == attachment)
                .ok_or_else(ApiError::not_found)
        })
        .await?;
    if matches!(params.get("download"), Some("1" | "true")) {
        let disposition = format!(
            "attachment; filename=\"{}\"",
            row.name().replace(['"', '\\', '\r', '\n'], "_")
        );
        return Ok((
            [
                (header::CONTENT_TYPE, row.mimetype()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            row.data,
        )
            .into_response());
    }
    Ok(Json(row.json()).into_response())
}
