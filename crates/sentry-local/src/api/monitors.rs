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
use axum::Json;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{
    field_error, find_org, iso_ms, paginate_vec, project_by_id, project_in_org, project_ref,
    slugify, IdOrSlug, JsonBody, Page, Params, MAX_PER_PAGE,
};
use crate::auth::needs::MONITOR;
use crate::auth::Authed;
use crate::db::{now_iso, random_hex};
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

/// Sentry's OrganizationMonitorPermission: `org:read` for every method.
pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/monitors/",
        get(MONITOR, list).post(MONITOR, create),
    )
    .route(
        "/organizations/{org}/monitors/{slug}/",
        get(MONITOR, detail).delete(MONITOR, remove),
    )
    .route(
        "/organizations/{org}/monitors/{slug}/checkins/",
        get(MONITOR, checkins),
    )
}

/// `POST /organizations/{org}/monitors/`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewMonitor {
    name: Option<String>,
    slug: Option<String>,
    project: Option<IdOrSlug>,
    config: Option<MonitorConfig>,
    is_muted: Option<bool>,
    status: Option<String>,
}

/// The API's `config` object (what the Sentry UI and API clients send).
#[derive(Deserialize)]
struct MonitorConfig {
    schedule_type: Option<String>,
    schedule: Option<Schedule>,
    checkin_margin: Option<i64>,
    max_runtime: Option<i64>,
    failure_issue_threshold: Option<i64>,
    recovery_threshold: Option<i64>,
    timezone: Option<String>,
}

/// `"0 * * * *"` (crontab) or `[1, "day"]` (interval).
#[derive(Deserialize)]
#[serde(untagged)]
enum Schedule {
    Crontab(String),
    Interval(i64, String),
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
    let page = Page::from_params(&params, MAX_PER_PAGE)?;
    let query = params.get("query").unwrap_or_default().to_lowercase();
    let projects = params.project_ids();
    let rows = state
        .db
        .call(move |c| {
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
        })
        .await?;
    Ok(paginate_vec(&state, &params, page, rows))
}

/// Validates the API's `config` object and renders it as stored.
fn api_config(cfg: Option<MonitorConfig>) -> ApiResult<Value> {
    let Some(cfg) = cfg else {
        return Err(field_error("config", "This field is required."));
    };
    let schedule_type = cfg.schedule_type.as_deref().unwrap_or("crontab");
    let schedule = match (schedule_type, cfg.schedule) {
        ("crontab", Some(Schedule::Crontab(s))) if s.split_whitespace().count() == 5 => json!(s),
        ("interval", Some(Schedule::Interval(n, unit))) if n > 0 => json!([n, unit]),
        _ => return Err(field_error("config", "Invalid schedule.")),
    };
    Ok(json!({
        "schedule_type": schedule_type,
        "schedule": schedule,
        "checkin_margin": cfg.checkin_margin,
        "max_runtime": cfg.max_runtime,
        "failure_issue_threshold": cfg.failure_issue_threshold,
        "recovery_threshold": cfg.recovery_threshold,
        "timezone": cfg.timezone.unwrap_or_else(|| "UTC".to_string()),
        "alert_rule_id": null,
    }))
}

async fn create(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    JsonBody(body): JsonBody<NewMonitor>,
) -> ApiResult<Response> {
    let name = body
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| field_error("name", "This field is required."))?
        .to_string();
    let slug = match &body.slug {
        Some(s) => slugify(s),
        None => slugify(&name),
    };
    if slug.is_empty() {
        return Err(field_error("slug", "Invalid slug."));
    }
    let Some(IdOrSlug(project)) = body.project else {
        return Err(field_error("project", "This field is required."));
    };
    let config = api_config(body.config)?;
    let muted = body.is_muted.unwrap_or(false);
    let status = match body.status.as_deref() {
        None => "active",
        Some("active") => "active",
        Some("disabled") => "disabled",
        Some(_) => return Err(field_error("status", "Invalid status.")),
    };
    state.db.call(move |c| {
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
    .await
}

async fn detail(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, slug)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    state
        .db
        .call(move |c| {
            let id = find_monitor(c, &auth, &org, &slug)?;
            Ok(Json(render(c, id)?))
        })
        .await
}

async fn remove(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, slug)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state
        .db
        .call(move |c| {
            let id = find_monitor(c, &auth, &org, &slug)?;
            c.execute("DELETE FROM monitors WHERE id = ?1", [id])?;
            // Sentry schedules the deletion and answers 202.
            Ok(StatusCode::ACCEPTED)
        })
        .await
}

async fn checkins(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, slug)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, MAX_PER_PAGE)?;
    let environments: Vec<String> = params
        .get_all("environment")
        .into_iter()
        .map(str::to_string)
        .collect();
    let rows = state
        .db
        .call(move |c| {
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
                .filter(|r| environments.is_empty() || environments.contains(&r.2))
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
        })
        .await?;
    Ok(paginate_vec(&state, &params, page, rows))
}
