//! Cron monitors and their check-ins.
//!
//! Check-ins arrive as `check_in` envelope items (`sentry monitor run`), which ingest keeps
//! in `items`. Before answering, the monitor routes fold any new check-in items into
//! `monitors`/`monitor_checkins`: a check-in with `monitor_config` creates or updates its
//! monitor (Sentry's upsert); one for an unknown monitor without config is dropped, as
//! Sentry drops it; a second check-in with the same `check_in_id` closes the first.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use crate::api::{
    field_error, find_org, iso_ms, paginate_vec, project_by_id, project_in_org, project_ref,
    slugify, Page, Params, MAX_PER_PAGE,
};
use crate::auth::Authed;
use crate::db::{now_iso, random_hex};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS monitors (
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    is_muted INTEGER NOT NULL DEFAULT 0,
    -- the API's `config` object as JSON
    config TEXT NOT NULL,
    date_created TEXT NOT NULL,
    UNIQUE (org_id, slug)
);
CREATE TABLE IF NOT EXISTS monitor_checkins (
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    check_in_id TEXT,
    status TEXT NOT NULL,
    environment TEXT NOT NULL,
    -- milliseconds, as the API reports it
    duration INTEGER,
    date_created_ms INTEGER NOT NULL,
    date_updated_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS monitor_checkins_by_monitor ON monitor_checkins (monitor_id, date_created_ms);
-- highest `items.id` already folded into the tables above
CREATE TABLE IF NOT EXISTS monitor_sync (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_item_id INTEGER NOT NULL
);
"#;

const READ_SCOPES: &[&str] = &["org:read", "project:read", "alerts:read", "event:read"];
const WRITE_SCOPES: &[&str] = &["project:write", "alerts:write", "org:write"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/0/organizations/{org}/monitors/",
            get(list).post(create),
        )
        .route(
            "/api/0/organizations/{org}/monitors/{slug}/",
            get(detail).delete(remove),
        )
        .route(
            "/api/0/organizations/{org}/monitors/{slug}/checkins/",
            get(checkins),
        )
}

const CHECKIN_STATUSES: &[&str] = &["in_progress", "ok", "error"];

/// Converts an SDK `monitor_config` into the API's `config` object.
fn config_from_sdk(cfg: &Value) -> Option<Value> {
    let schedule = cfg.get("schedule")?;
    let (schedule_type, schedule_value) = match schedule.get("type").and_then(Value::as_str)? {
        "crontab" => (
            "crontab",
            schedule.get("value")?.as_str().map(|s| json!(s))?,
        ),
        "interval" => (
            "interval",
            json!([
                schedule.get("value")?.as_i64()?,
                schedule.get("unit")?.as_str()?
            ]),
        ),
        _ => return None,
    };
    Some(json!({
        "schedule_type": schedule_type,
        "schedule": schedule_value,
        "checkin_margin": cfg.get("checkin_margin").cloned().unwrap_or(Value::Null),
        "max_runtime": cfg.get("max_runtime").cloned().unwrap_or(Value::Null),
        "timezone": cfg.get("timezone").cloned().unwrap_or_else(|| json!("UTC")),
        "failure_issue_threshold": cfg.get("failure_issue_threshold").cloned().unwrap_or(Value::Null),
        "recovery_threshold": cfg.get("recovery_threshold").cloned().unwrap_or(Value::Null),
        "alert_rule_id": null,
    }))
}

/// Folds check-in items received since the last call into the monitor tables.
pub fn sync_checkins(c: &mut Connection) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    let last: i64 = tx
        .query_row(
            "SELECT last_item_id FROM monitor_sync WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let items: Vec<(i64, i64, i64, Option<String>)> = {
        let mut stmt = tx.prepare(
            "SELECT id, project_id, received_ms, payload FROM items
             WHERE item_type = 'check_in' AND id > ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([last], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut max_id = last;
    for (item_id, project, received, payload) in items {
        max_id = max_id.max(item_id);
        let Some(p) = payload.and_then(|s| serde_json::from_str::<Value>(&s).ok()) else {
            continue;
        };
        let Some(slug) = p
            .get("monitor_slug")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let Some(status) = p
            .get("status")
            .and_then(Value::as_str)
            .filter(|s| CHECKIN_STATUSES.contains(s))
        else {
            continue;
        };
        let org: i64 = tx.query_row(
            "SELECT org_id FROM projects WHERE id = ?1",
            [project],
            |r| r.get(0),
        )?;
        let config = p.get("monitor_config").and_then(config_from_sdk);
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM monitors WHERE org_id = ?1 AND slug = ?2",
                params![org, slug],
                |r| r.get(0),
            )
            .optional()?;
        let monitor = match (existing, &config) {
            (Some(id), Some(cfg)) => {
                tx.execute(
                    "UPDATE monitors SET config = ?1 WHERE id = ?2",
                    params![cfg.to_string(), id],
                )?;
                id
            }
            (Some(id), None) => id,
            (None, Some(cfg)) => {
                tx.execute(
                    "INSERT INTO monitors (guid, org_id, project_id, slug, name, config, date_created) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
                    params![uuid(), org, project, slug, cfg.to_string(), now_iso()],
                )?;
                tx.last_insert_rowid()
            }
            (None, None) => continue,
        };
        let environment = p
            .get("environment")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
            .unwrap_or("production")
            .to_string();
        let duration_ms = p
            .get("duration")
            .and_then(Value::as_f64)
            .map(|secs| (secs * 1000.0).round() as i64);
        let check_in_id = p
            .get("check_in_id")
            .and_then(Value::as_str)
            .map(|s| s.replace('-', "").to_ascii_lowercase());
        let open: Option<(i64, i64)> = match &check_in_id {
            Some(cid) => tx
                .query_row(
                    "SELECT id, date_created_ms FROM monitor_checkins WHERE monitor_id = ?1 AND check_in_id = ?2",
                    params![monitor, cid],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?,
            None => None,
        };
        match open {
            Some((id, created)) => {
                let duration = duration_ms.or(Some(received - created));
                tx.execute(
                    "UPDATE monitor_checkins SET status = ?1, duration = ?2, date_updated_ms = ?3 WHERE id = ?4",
                    params![status, duration, received, id],
                )?;
            }
            None => {
                tx.execute(
                    "INSERT INTO monitor_checkins (guid, monitor_id, check_in_id, status, environment, duration, date_created_ms, date_updated_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                    params![uuid(), monitor, check_in_id, status, environment, duration_ms, received],
                )?;
            }
        }
    }
    tx.execute(
        "INSERT INTO monitor_sync (id, last_item_id) VALUES (1, ?1)
         ON CONFLICT(id) DO UPDATE SET last_item_id = excluded.last_item_id",
        [max_id],
    )?;
    tx.commit()
}

/// A random UUID in its dashed form (monitor and check-in ids are UUIDs in Sentry).
fn uuid() -> String {
    let h = random_hex(16);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn render(c: &Connection, id: i64) -> ApiResult<Value> {
    let (guid, slug, name, status, muted, config, created, project): (String, String, String, String, bool, String, String, i64) =
        c.query_row(
            "SELECT guid, slug, name, status, is_muted, config, date_created, project_id FROM monitors WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
        )?;
    let project_json = project_ref(&project_by_id(c, project)?);
    let mut stmt = c.prepare(
        "SELECT environment, MIN(date_created_ms), MAX(date_created_ms) FROM monitor_checkins
         WHERE monitor_id = ?1 GROUP BY environment ORDER BY environment",
    )?;
    let envs: Vec<(String, i64, i64)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut environments = Vec::new();
    for (env, first, last) in envs {
        let last_status: String = c
            .query_row(
                "SELECT status FROM monitor_checkins WHERE monitor_id = ?1 AND environment = ?2
             AND status != 'in_progress' ORDER BY date_created_ms DESC, id DESC LIMIT 1",
                params![id, env],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_else(|| "active".into());
        environments.push(json!({
            "name": env,
            "status": last_status,
            "isMuted": muted,
            "dateCreated": iso_ms(first),
            "lastCheckIn": iso_ms(last),
            "nextCheckIn": null,
            "nextCheckInLatest": null,
        }));
    }
    Ok(json!({
        "id": guid,
        "slug": slug,
        "name": name,
        "status": status,
        "isMuted": muted,
        "isUpserting": false,
        "config": serde_json::from_str::<Value>(&config).unwrap_or_else(|_| json!({})),
        "dateCreated": created,
        "project": project_json,
        "environments": environments,
        "owner": null,
        "alertRule": null,
    }))
}

/// A monitor (by slug or id) of an org the token may access, after folding in new
/// check-ins so that it reflects everything received; 404 otherwise.
fn find_monitor(c: &mut Connection, auth: &Authed, org: &str, slug: &str) -> ApiResult<i64> {
    sync_checkins(c)?;
    let org = find_org(c, auth, org)?.id;
    c.query_row(
        "SELECT id FROM monitors WHERE org_id = ?1 AND (slug = ?2 OR guid = ?2)",
        params![org, slug],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(ApiError::not_found)
}

async fn list(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    auth.require_any(READ_SCOPES)?;
    let page = Page::from_params(&params, MAX_PER_PAGE)?;
    let query = params.get("query").unwrap_or_default().to_lowercase();
    let projects = params.project_ids();
    let rows = state.db.with(|c| -> ApiResult<Vec<Value>> {
        sync_checkins(c)?;
        let org = find_org(c, &auth, &org)?.id;
        let mut stmt = c.prepare(
            "SELECT id, slug, name, project_id FROM monitors WHERE org_id = ?1 ORDER BY name, id",
        )?;
        let monitors: Vec<(i64, String, String, i64)> = stmt
            .query_map([org], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for (id, slug, name, project) in monitors {
            if !projects.is_empty() && !projects.contains(&project) {
                continue;
            }
            if !query.is_empty()
                && !slug.to_lowercase().contains(&query)
                && !name.to_lowercase().contains(&query)
            {
                continue;
            }
            out.push(render(c, id)?);
        }
        Ok(out)
    })?;
    Ok(paginate_vec(&state, &params, page, rows))
}

/// Validates the API's `config` object (what the Sentry UI and API clients send).
fn api_config(v: Option<&Value>) -> ApiResult<Value> {
    let Some(Value::Object(cfg)) = v else {
        return Err(field_error("config", "This field is required."));
    };
    let schedule_type = cfg
        .get("schedule_type")
        .and_then(Value::as_str)
        .unwrap_or("crontab");
    let schedule = cfg.get("schedule").cloned().unwrap_or(Value::Null);
    let valid = match schedule_type {
        "crontab" => schedule
            .as_str()
            .is_some_and(|s| s.split_whitespace().count() == 5),
        "interval" => schedule.as_array().is_some_and(|a| {
            a.len() == 2 && a[0].as_i64().is_some_and(|n| n > 0) && a[1].is_string()
        }),
        _ => false,
    };
    if !valid {
        return Err(field_error("config", "Invalid schedule."));
    }
    let mut out = Map::new();
    out.insert("schedule_type".into(), json!(schedule_type));
    out.insert("schedule".into(), schedule);
    for key in [
        "checkin_margin",
        "max_runtime",
        "failure_issue_threshold",
        "recovery_threshold",
    ] {
        out.insert(key.into(), cfg.get(key).cloned().unwrap_or(Value::Null));
    }
    out.insert(
        "timezone".into(),
        cfg.get("timezone").cloned().unwrap_or_else(|| json!("UTC")),
    );
    out.insert("alert_rule_id".into(), Value::Null);
    Ok(Value::Object(out))
}

async fn create(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    auth.require_any(WRITE_SCOPES)?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| field_error("name", "This field is required."))?
        .to_string();
    let slug = match body.get("slug").and_then(Value::as_str) {
        Some(s) => slugify(s),
        None => slugify(&name),
    };
    if slug.is_empty() {
        return Err(field_error("slug", "Invalid slug."));
    }
    let project = match body.get("project") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(field_error("project", "This field is required.")),
    };
    let config = api_config(body.get("config"))?;
    let muted = body
        .get("isMuted")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let status = match body.get("status").and_then(Value::as_str) {
        None => "active",
        Some(s @ ("active" | "disabled")) => s,
        Some(_) => return Err(field_error("status", "Invalid status.")),
    };
    state.db.with(|c| {
        let org = find_org(c, &auth, &org)?.id;
        let project = project_in_org(c, org, &project)
            .map(|p| p.id)
            .map_err(|_| field_error("project", "Invalid project."))?;
        let taken: Option<i64> = c
            .query_row(
                "SELECT id FROM monitors WHERE org_id = ?1 AND slug = ?2",
                params![org, slug],
                |r| r.get(0),
            )
            .optional()?;
        if taken.is_some() {
            return Err(field_error("slug", &format!("The slug \"{slug}\" is already in use.")));
        }
        c.execute(
            "INSERT INTO monitors (guid, org_id, project_id, slug, name, status, is_muted, config, date_created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![uuid(), org, project, slug, name, status, muted, config.to_string(), now_iso()],
        )?;
        let id = c.last_insert_rowid();
        Ok((StatusCode::CREATED, Json(render(c, id)?)).into_response())
    })
}

async fn detail(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, slug)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    auth.require_any(READ_SCOPES)?;
    state.db.with(|c| {
        let id = find_monitor(c, &auth, &org, &slug)?;
        Ok(Json(render(c, id)?))
    })
}

async fn remove(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, slug)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    auth.require_any(WRITE_SCOPES)?;
    state.db.with(|c| {
        let id = find_monitor(c, &auth, &org, &slug)?;
        c.execute("DELETE FROM monitors WHERE id = ?1", [id])?;
        // Sentry schedules the deletion and answers 202.
        Ok(StatusCode::ACCEPTED)
    })
}

async fn checkins(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, slug)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    auth.require_any(READ_SCOPES)?;
    let page = Page::from_params(&params, MAX_PER_PAGE)?;
    let environments = params.get_all("environment");
    let rows = state.db.with(|c| -> ApiResult<Vec<Value>> {
        let id = find_monitor(c, &auth, &org, &slug)?;
        let config: String =
            c.query_row("SELECT config FROM monitors WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
        let config: Value = serde_json::from_str(&config).unwrap_or_else(|_| json!({}));
        let mut stmt = c.prepare(
            "SELECT guid, status, environment, duration, date_created_ms, date_updated_ms
             FROM monitor_checkins WHERE monitor_id = ?1 ORDER BY date_created_ms DESC, id DESC",
        )?;
        let rows: Vec<(String, String, String, Option<i64>, i64, i64)> = stmt
            .query_map([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows
            .into_iter()
            .filter(|r| environments.is_empty() || environments.contains(&r.2.as_str()))
            .map(|(guid, status, env, duration, created, updated)| {
                json!({
                    "id": guid,
                    "status": status,
                    "environment": env,
                    "duration": duration,
                    "dateCreated": iso_ms(created),
                    "dateAdded": iso_ms(created),
                    "dateUpdated": iso_ms(updated),
                    "expectedTime": null,
                    "monitorConfig": config,
                })
            })
            .collect())
    })?;
    Ok(paginate_vec(&state, &params, page, rows))
}
