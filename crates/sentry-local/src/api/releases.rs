//! Releases, deploys and release commits, shaped like Sentry's release serializer.
//!
//! CI pipelines drive these through `sentry release create/finalize/deploy/set-commits`
//! (and legacy `sentry-cli releases ...`), so the write paths accept both CLIs' bodies.
//! Also home of the release scope sets, which artifact uploads share.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use crate::api::{
    field_error, find_org, iso, iso_ms, paginate_vec, project_in_org, Page, Params, MAX_PER_PAGE,
};
use crate::auth::Authed;
use crate::db::{now_iso, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS releases (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    ref TEXT,
    url TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    date_created TEXT NOT NULL,
    date_created_ms INTEGER NOT NULL,
    date_started TEXT,
    date_released TEXT,
    -- JSON array of commit objects as the API renders them (newest first)
    commits TEXT NOT NULL DEFAULT '[]',
    UNIQUE (org_id, version)
);
CREATE TABLE IF NOT EXISTS release_projects (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (release_id, project_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deploys (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    name TEXT,
    url TEXT,
    date_started TEXT,
    date_finished TEXT NOT NULL
);
"#;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/0/organizations/{org}/releases/",
            get(list_org).post(create_org),
        )
        .route(
            "/api/0/projects/{org}/{project}/releases/",
            get(list_project).post(create_project),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/",
            get(detail).put(update).delete(remove),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/deploys/",
            get(list_deploys).post(create_deploy),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/commits/",
            get(list_commits),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/previous-with-commits/",
            get(previous_with_commits),
        )
}

// ---------------------------------------------------------------------------------------
// Scopes (shared with uploads) and body helpers.

/// Scopes that may read release-like data (Sentry's release permission set).
pub(crate) const READ_SCOPES: &[&str] =
    &["project:read", "project:releases", "org:ci", "event:read"];
/// Scopes that may create or change releases and upload files.
pub(crate) const WRITE_SCOPES: &[&str] = &["project:releases", "project:write", "org:ci"];

/// Accepts RFC 3339 strings and unix seconds (what both CLIs send) and renders Sentry's
/// timestamp format; `Ok(None)` for JSON null.
pub(crate) fn parse_date(field: &str, v: &Value) -> ApiResult<Option<String>> {
    let ts = match v {
        Value::Null => return Ok(None),
        Value::Number(n) => n
            .as_f64()
            .and_then(|f| jiff::Timestamp::from_millisecond((f * 1000.0) as i64).ok()),
        Value::String(s) => s.parse::<jiff::Timestamp>().ok().or_else(|| {
            s.parse::<f64>()
                .ok()
                .and_then(|f| jiff::Timestamp::from_millisecond((f * 1000.0) as i64).ok())
        }),
        _ => None,
    };
    ts.map(|t| Some(iso(t)))
        .ok_or_else(|| field_error(field, "Datetime has wrong format."))
}

/// `health=1` asks for the (empty, sessions are not kept) health data of each project.
fn wants_health(params: &Params) -> bool {
    matches!(params.get("health"), Some("1" | "true"))
}

fn opt_str(body: &Map<String, Value>, field: &str) -> ApiResult<Option<Option<String>>> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(field_error(field, "Not a valid string.")),
    }
}

// ---------------------------------------------------------------------------------------
// Releases.

/// Sentry's rule: no path separators or control whitespace, not `.`/`..`/`latest`, ≤ 200.
pub fn is_valid_version(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 200
        && v.trim() == v
        && !matches!(v, "." | ".." | "latest")
        && !v
            .chars()
            .any(|c| matches!(c, '/' | '\\' | '\n' | '\r' | '\t' | '\x0c'))
}

/// `pkg@1.2.3+build` → `1.2.3+build`; a full commit SHA → its first 12 characters.
pub fn short_version(v: &str) -> String {
    let rest = match v.split_once('@') {
        Some((pkg, rest)) if !pkg.is_empty() && !rest.is_empty() => rest,
        _ => v,
    };
    if (rest.len() == 40 || rest.len() == 64) && rest.chars().all(|c| c.is_ascii_hexdigit()) {
        rest[..12].to_string()
    } else {
        rest.to_string()
    }
}

/// `(org id, release id)` of `version` in an org the token may access; 404 otherwise.
fn find_release(c: &Connection, auth: &Authed, org: &str, version: &str) -> ApiResult<(i64, i64)> {
    let org_id = find_org(c, auth, org)?.id;
    let id = c
        .query_row(
            "SELECT id FROM releases WHERE org_id = ?1 AND version = ?2",
            params![org_id, version],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    Ok((org_id, id))
}

fn table_exists(c: &Connection, name: &str) -> bool {
    c.query_row(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |_| Ok(()),
    )
    .is_ok()
}

/// Issues of `project` whose first event carried this release (0 before ingest exists).
fn new_groups(c: &Connection, project: i64, version: &str) -> i64 {
    if !table_exists(c, "groups") || !table_exists(c, "events") {
        return 0;
    }
    c.query_row(
        "SELECT COUNT(*) FROM groups g WHERE g.project_id = ?1 AND (
             SELECT json_extract(e.payload, '$.release') FROM events e
             WHERE e.group_id = g.id ORDER BY e.timestamp_ms, e.id LIMIT 1) = ?2",
        params![project, version],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

fn health_data() -> Value {
    json!({
        "hasHealthData": false,
        "adoption": null, "sessionsAdoption": null,
        "crashFreeUsers": null, "crashFreeSessions": null,
        "totalUsers": 0, "totalUsers24h": null, "totalProjectUsers24h": null,
        "totalSessions": 0, "totalSessions24h": null, "totalProjectSessions24h": null,
        "sessionsCrashed": 0, "sessionsErrored": 0,
        "durationP50": null, "durationP90": null, "stats": {},
    })
}

fn deploy_json(
    id: i64,
    env: String,
    name: Option<String>,
    url: Option<String>,
    started: Option<String>,
    finished: String,
) -> Value {
    json!({
        "id": id.to_string(),
        "environment": env,
        "name": name,
        "url": url,
        "dateStarted": started,
        "dateFinished": finished,
    })
}

fn deploys_of(c: &Connection, release: i64) -> rusqlite::Result<Vec<Value>> {
    let mut stmt = c.prepare(
        "SELECT id, environment, name, url, date_started, date_finished FROM deploys
         WHERE release_id = ?1 ORDER BY date_finished DESC, id DESC",
    )?;
    let rows = stmt.query_map([release], |r| {
        Ok(deploy_json(
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    rows.collect()
}

/// `version, ref, url, status, date_created, date_started, date_released, commits`.
type ReleaseRow = (
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

/// Renders a release the way Sentry's release serializer does (the fields the CLIs read).
pub(crate) fn render_release(c: &Connection, release: i64, health: bool) -> ApiResult<Value> {
    let (version, r#ref, url, status, created, started, released, commits): ReleaseRow = c
        .query_row(
            "SELECT version, ref, url, status, date_created, date_started, date_released, commits
         FROM releases WHERE id = ?1",
            [release],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )?;
    let commits: Vec<Value> = serde_json::from_str(&commits).unwrap_or_default();
    let mut stmt = c.prepare(
        "SELECT p.id, p.slug, p.name, p.platform FROM release_projects rp
         JOIN projects p ON p.id = rp.project_id WHERE rp.release_id = ?1 ORDER BY p.slug",
    )?;
    let projects: Vec<(i64, String, String, Option<String>)> = stmt
        .query_map([release], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut total_new = 0;
    let mut project_json = Vec::new();
    for (id, slug, name, platform) in &projects {
        let n = new_groups(c, *id, &version);
        total_new += n;
        let mut p = json!({
            "id": id,
            "slug": slug,
            "name": name,
            "newGroups": n,
            "platform": platform,
            "platforms": platform.iter().collect::<Vec<_>>(),
            "hasHealthData": false,
        });
        if health {
            p["healthData"] = health_data();
        }
        project_json.push(p);
    }
    // First and last error events of this release in its projects.
    let ids: Vec<String> = projects.iter().map(|p| p.0.to_string()).collect();
    let (first, last): (Option<i64>, Option<i64>) = if ids.is_empty() {
        (None, None)
    } else {
        c.query_row(
            &format!(
                "SELECT MIN(received_ms), MAX(received_ms) FROM items WHERE item_type = 'event'
                 AND project_id IN ({}) AND json_extract(payload, '$.release') = ?1",
                ids.join(",")
            ),
            [&version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
    };
    let deploys = deploys_of(c, release)?;
    let authors: Vec<Value> = {
        let mut seen: Vec<Value> = Vec::new();
        for author in commits.iter().filter_map(|c| c.get("author")) {
            if !author.is_null() && !seen.contains(author) {
                seen.push(author.clone());
            }
        }
        seen
    };
    let (package, raw) = match version.split_once('@') {
        Some((p, v)) if !p.is_empty() && !v.is_empty() => (Some(p.to_string()), v.to_string()),
        _ => (None, version.clone()),
    };
    Ok(json!({
        "id": release,
        "version": version,
        "shortVersion": short_version(&version),
        "versionInfo": {
            "package": package,
            "version": {"raw": raw},
            "description": short_version(&version),
            "buildHash": null,
        },
        "status": status,
        "ref": r#ref,
        "url": url,
        "dateCreated": created,
        "dateStarted": started,
        "dateReleased": released,
        "data": {},
        "newGroups": total_new,
        "owner": null,
        "commitCount": commits.len(),
        "lastCommit": commits.first().cloned(),
        "deployCount": deploys.len(),
        "lastDeploy": deploys.first().cloned(),
        "authors": authors,
        "projects": project_json,
        "firstEvent": first.map(iso_ms),
        "lastEvent": last.map(iso_ms),
        "currentProjectMeta": {},
        "userAgent": null,
    }))
}

fn body_object(body: Value) -> ApiResult<Map<String, Value>> {
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::bad_request(
            "Invalid request body: expected a JSON object",
        )),
    }
}

/// Resolves the `projects` list of a body (slugs or ids) to project ids.
fn body_projects(
    c: &Connection,
    org: i64,
    body: &Map<String, Value>,
) -> ApiResult<Option<Vec<i64>>> {
    let Some(v) = body.get("projects") else {
        return Ok(None);
    };
    let Value::Array(list) = v else {
        return Err(field_error("projects", "Expected a list of items."));
    };
    let mut ids = Vec::new();
    let mut bad = Vec::new();
    for item in list {
        let key = match item {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(field_error("projects", "Expected a list of project slugs.")),
        };
        match project_in_org(c, org, &key).map(|p| p.id) {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(_) => bad.push(key),
        }
    }
    if !bad.is_empty() {
        return Err(field_error(
            "projects",
            &format!("Invalid project ids or slugs: {}", bad.join(", ")),
        ));
    }
    Ok(Some(ids))
}

/// Applies the mutable fields of a create/update body to release `id`.
fn apply_fields(c: &Connection, id: i64, body: &Map<String, Value>) -> ApiResult<()> {
    for (field, column) in [("ref", "ref"), ("url", "url")] {
        if let Some(v) = opt_str(body, field)? {
            c.execute(
                &format!("UPDATE releases SET {column} = ?1 WHERE id = ?2"),
                params![v, id],
            )?;
        }
    }
    for (field, column) in [
        ("dateReleased", "date_released"),
        ("dateStarted", "date_started"),
    ] {
        if let Some(v) = body.get(field) {
            let date = parse_date(field, v)?;
            c.execute(
                &format!("UPDATE releases SET {column} = ?1 WHERE id = ?2"),
                params![date, id],
            )?;
        }
    }
    if let Some(v) = body.get("status") {
        let status = match v.as_str() {
            Some(s @ ("open" | "archived")) => s,
            _ => {
                return Err(field_error(
                    "status",
                    "Invalid status. Use \"open\" or \"archived\".",
                ))
            }
        };
        c.execute(
            "UPDATE releases SET status = ?1 WHERE id = ?2",
            params![status, id],
        )?;
    }
    if let Some(v) = body.get("commits") {
        let Value::Array(list) = v else {
            return Err(field_error("commits", "Expected a list of items."));
        };
        let mut commits = Vec::new();
        for item in list {
            let Some(sha) = item
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty() && s.len() <= 64)
            else {
                return Err(field_error(
                    "commits",
                    "Each commit needs an \"id\" of at most 64 characters.",
                ));
            };
            let author = match (item.get("author_name"), item.get("author_email")) {
                (None, None) => Value::Null,
                (n, e) => {
                    json!({"name": n.cloned().unwrap_or(Value::Null), "email": e.cloned().unwrap_or(Value::Null)})
                }
            };
            commits.push(json!({
                "id": sha,
                "message": item.get("message").cloned().unwrap_or(Value::Null),
                "dateCreated": item.get("timestamp").cloned().unwrap_or(Value::Null),
                "repository": item.get("repository").cloned().unwrap_or(Value::Null),
                "author": author,
            }));
        }
        c.execute(
            "UPDATE releases SET commits = ?1 WHERE id = ?2",
            params![Value::Array(commits).to_string(), id],
        )?;
    } else if let Some(v) = body.get("refs") {
        // Without a repository provider the head commit of each ref is all there is to know.
        let Value::Array(list) = v else {
            return Err(field_error("refs", "Expected a list of items."));
        };
        let mut commits = Vec::new();
        for item in list {
            let (Some(repo), Some(sha)) = (
                item.get("repository").and_then(Value::as_str),
                item.get("commit").and_then(Value::as_str),
            ) else {
                return Err(field_error(
                    "refs",
                    "Each ref needs \"repository\" and \"commit\".",
                ));
            };
            commits.push(json!({
                "id": sha,
                "message": null,
                "dateCreated": now_iso(),
                "repository": {"name": repo},
                "author": null,
                "previousCommit": item.get("previousCommit").cloned().unwrap_or(Value::Null),
            }));
        }
        c.execute(
            "UPDATE releases SET commits = ?1 WHERE id = ?2",
            params![Value::Array(commits).to_string(), id],
        )?;
    }
    Ok(())
}

/// The write shared by create and update: adds `projects` to release `id`, applies the body's
/// fields and renders the result.
fn save_release(
    tx: &Connection,
    id: i64,
    projects: &[i64],
    body: &Map<String, Value>,
) -> ApiResult<Value> {
    for p in projects {
        tx.execute(
            "INSERT OR IGNORE INTO release_projects (release_id, project_id) VALUES (?1, ?2)",
            params![id, p],
        )?;
    }
    apply_fields(tx, id, body)?;
    render_release(tx, id, false)
}

/// Creates (201) or updates an existing (208, as Sentry answers) release.
fn create(
    state: &AppState,
    auth: &Authed,
    org: &str,
    forced_project: Option<&str>,
    body: Value,
) -> ApiResult<Response> {
    auth.require_any(WRITE_SCOPES)?;
    let body = body_object(body)?;
    let version = match body.get("version") {
        Some(Value::String(v)) => v.clone(),
        None | Some(Value::Null) => return Err(field_error("version", "This field is required.")),
        Some(_) => return Err(field_error("version", "Not a valid string.")),
    };
    if !is_valid_version(&version) {
        return Err(field_error(
            "version",
            &format!("Release with name {version} is not allowed"),
        ));
    }
    state.db.with(|c| {
        let org_id = find_org(c, auth, org)?.id;
        let mut projects = body_projects(c, org_id, &body)?.unwrap_or_default();
        if let Some(p) = forced_project {
            let id = project_in_org(c, org_id, p)?.id;
            if !projects.contains(&id) {
                projects.push(id);
            }
        }
        if forced_project.is_none() && !body.contains_key("projects") {
            return Err(field_error("projects", "This field is required."));
        }
        let tx = c.transaction()?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM releases WHERE org_id = ?1 AND version = ?2",
                params![org_id, version],
                |r| r.get(0),
            )
            .optional()?;
        let (id, status) = match existing {
            Some(id) => (id, StatusCode::ALREADY_REPORTED),
            None => {
                tx.execute(
                    "INSERT INTO releases (org_id, version, date_created, date_created_ms) VALUES (?1, ?2, ?3, ?4)",
                    params![org_id, version, now_iso(), now_ms()],
                )?;
                (tx.last_insert_rowid(), StatusCode::CREATED)
            }
        };
        let rendered = save_release(&tx, id, &projects, &body)?;
        tx.commit()?;
        Ok((status, Json(rendered)).into_response())
    })
}

async fn create_org(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    create(&state, &auth, &org, None, body)
}

async fn create_project(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, project)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    create(&state, &auth, &org, Some(&project), body)
}

fn list(
    state: &AppState,
    auth: &Authed,
    org: &str,
    project: Option<&str>,
    params: &Params,
) -> ApiResult<Response> {
    auth.require_any(READ_SCOPES)?;
    let page = Page::from_params(params, MAX_PER_PAGE)?;
    let health = wants_health(params);
    let query = params.get("query").unwrap_or_default().to_lowercase();
    let status = params.get("status").unwrap_or("open");
    let rows = state.db.with(|c| -> ApiResult<Vec<Value>> {
        let org_id = find_org(c, auth, org)?.id;
        let mut project_ids = params.project_ids();
        if let Some(p) = project {
            project_ids = vec![project_in_org(c, org_id, p)?.id];
        }
        let mut stmt = c.prepare(
            "SELECT id, version, status FROM releases WHERE org_id = ?1 ORDER BY date_created_ms DESC, id DESC",
        )?;
        let releases: Vec<(i64, String, String)> = stmt
            .query_map([org_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for (id, version, st) in releases {
            if status != "any" && st != status {
                continue;
            }
            if !query.is_empty() && !version.to_lowercase().contains(&query) {
                continue;
            }
            if !project_ids.is_empty() {
                let hit: bool = c
                    .prepare("SELECT project_id FROM release_projects WHERE release_id = ?1")?
                    .query_map([id], |r| r.get::<_, i64>(0))?
                    .filter_map(Result::ok)
                    .any(|p| project_ids.contains(&p));
                if !hit {
                    continue;
                }
            }
            out.push(render_release(c, id, health)?);
        }
        Ok(out)
    })?;
    Ok(paginate_vec(state, params, page, rows))
}

async fn list_org(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    list(&state, &auth, &org, None, &params)
}

async fn list_project(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, project)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    list(&state, &auth, &org, Some(&project), &params)
}

async fn detail(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    auth.require_any(READ_SCOPES)?;
    let health = wants_health(&params);
    state.db.with(|c| {
        let (_, id) = find_release(c, &auth, &org, &version)?;
        Ok(Json(render_release(c, id, health)?))
    })
}

async fn update(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    auth.require_any(WRITE_SCOPES)?;
    let body = body_object(body)?;
    state.db.with(|c| {
        let (org_id, id) = find_release(c, &auth, &org, &version)?;
        let projects = body_projects(c, org_id, &body)?;
        let tx = c.transaction()?;
        let rendered = save_release(&tx, id, &projects.unwrap_or_default(), &body)?;
        tx.commit()?;
        Ok(Json(rendered))
    })
}

async fn remove(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    auth.require_any(WRITE_SCOPES)?;
    state.db.with(|c| {
        let (_, id) = find_release(c, &auth, &org, &version)?;
        c.execute("DELETE FROM releases WHERE id = ?1", [id])?;
        Ok(StatusCode::NO_CONTENT)
    })
}

async fn list_deploys(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require_any(READ_SCOPES)?;
    state.db.with(|c| {
        let (_, id) = find_release(c, &auth, &org, &version)?;
        Ok(Json(deploys_of(c, id)?))
    })
}

async fn create_deploy(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    auth.require_any(WRITE_SCOPES)?;
    let body = body_object(body)?;
    let environment = match body.get("environment") {
        Some(Value::String(e)) if !e.trim().is_empty() && e.len() <= 64 && !e.contains('/') => {
            e.clone()
        }
        None | Some(Value::Null) => {
            return Err(field_error("environment", "This field is required."))
        }
        Some(_) => {
            return Err(field_error(
                "environment",
                "Enter a valid environment name.",
            ))
        }
    };
    let name = opt_str(&body, "name")?.flatten();
    let url = opt_str(&body, "url")?.flatten();
    let started = match body.get("dateStarted") {
        Some(v) => parse_date("dateStarted", v)?,
        None => None,
    };
    let finished = match body.get("dateFinished") {
        Some(v) => parse_date("dateFinished", v)?,
        None => None,
    }
    .unwrap_or_else(now_iso);
    state.db.with(|c| {
        let (_, id) = find_release(c, &auth, &org, &version)?;
        c.execute(
            "INSERT INTO deploys (release_id, environment, name, url, date_started, date_finished) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, environment, name, url, started, finished],
        )?;
        let deploy = deploy_json(c.last_insert_rowid(), environment, name, url, started, finished);
        Ok((StatusCode::CREATED, Json(deploy)).into_response())
    })
}

async fn list_commits(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    auth.require_any(READ_SCOPES)?;
    state.db.with(|c| {
        let (_, id) = find_release(c, &auth, &org, &version)?;
        let commits: String =
            c.query_row("SELECT commits FROM releases WHERE id = ?1", [id], |r| {
                r.get(0)
            })?;
        Ok(Json(
            serde_json::from_str(&commits).unwrap_or_else(|_| json!([])),
        ))
    })
}

/// The newest older release that has commits, or `{}` (what `set-commits --auto` reads).
async fn previous_with_commits(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    auth.require_any(READ_SCOPES)?;
    state.db.with(|c| {
        let (org_id, id) = find_release(c, &auth, &org, &version)?;
        let created: i64 = c.query_row(
            "SELECT date_created_ms FROM releases WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let prev: Option<i64> = c
            .query_row(
                "SELECT id FROM releases WHERE org_id = ?1 AND id != ?2 AND commits != '[]'
                 AND (date_created_ms < ?3 OR (date_created_ms = ?3 AND id < ?2))
                 ORDER BY date_created_ms DESC, id DESC LIMIT 1",
                params![org_id, id, created],
                |r| r.get(0),
            )
            .optional()?;
        match prev {
            Some(p) => Ok(Json(render_release(c, p, false)?)),
            None => Ok(Json(json!({}))),
        }
    })
}
