//! Releases, deploys and release commits, shaped like Sentry's release serializer.
//!
//! CI pipelines drive these through `sentry release create/finalize/deploy/set-commits`
//! (and legacy `sentry-cli releases ...`), so the write paths accept both CLIs' bodies.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use crate::api::{
    field_error, find_org, iso, iso_ms, paginate_vec, present, project_in_org, IdOrSlug, JsonBody,
    Page, Params, MAX_PER_PAGE,
};
use crate::auth::needs::{RELEASE_DELETE, RELEASE_READ, RELEASE_WRITE};
use crate::auth::Authed;
use crate::db::{now_iso, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

/// Sentry's OrganizationReleasePermission for every release route.
pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/releases/",
        get(RELEASE_READ, list_org).post(RELEASE_WRITE, create_org),
    )
    .route(
        "/projects/{org}/{project}/releases/",
        get(RELEASE_READ, list_project).post(RELEASE_WRITE, create_project),
    )
    .route(
        "/organizations/{org}/releases/{version}/",
        get(RELEASE_READ, detail)
            .put(RELEASE_WRITE, update)
            .delete(RELEASE_DELETE, remove),
    )
    .route(
        "/organizations/{org}/releases/{version}/deploys/",
        get(RELEASE_READ, list_deploys).post(RELEASE_WRITE, create_deploy),
    )
    .route(
        "/organizations/{org}/releases/{version}/commits/",
        get(RELEASE_READ, list_commits),
    )
    .route(
        "/organizations/{org}/releases/{version}/previous-with-commits/",
        get(RELEASE_READ, previous_with_commits),
    )
}

// ---------------------------------------------------------------------------------------
// Request bodies.

/// Body of creating and updating a release (what both CLIs send).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ReleaseBody {
    version: Option<String>,
    projects: Option<Vec<IdOrSlug>>,
    #[serde(default, deserialize_with = "present")]
    r#ref: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    date_released: Option<Option<SentryDate>>,
    #[serde(default, deserialize_with = "present")]
    date_started: Option<Option<SentryDate>>,
    status: Option<String>,
    /// Commits as `set-commits` sends them; wins over `refs`.
    commits: Option<Vec<CommitIn>>,
    /// Repository heads (`set-commits --auto` without a provider).
    refs: Option<Vec<RefIn>>,
}

#[derive(Deserialize)]
struct CommitIn {
    id: Option<String>,
    message: Option<String>,
    timestamp: Option<String>,
    repository: Option<String>,
    author_name: Option<String>,
    author_email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefIn {
    repository: Option<String>,
    commit: Option<String>,
    /// Accepted and not used: expanding `previousCommit..commit` needs the provider's API.
    #[serde(rename = "previousCommit")]
    _previous_commit: Option<String>,
}

/// `POST …/deploys/`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeployBody {
    environment: Option<String>,
    name: Option<String>,
    url: Option<String>,
    date_started: Option<SentryDate>,
    date_finished: Option<SentryDate>,
}

/// A timestamp as both CLIs send them: RFC 3339 or unix seconds (number or string), kept
/// in Sentry's rendering (microseconds, `Z`).
struct SentryDate(String);

impl<'de> Deserialize<'de> for SentryDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let from_secs = |f: f64| jiff::Timestamp::from_millisecond((f * 1000.0) as i64).ok();
        let ts = match Value::deserialize(d)? {
            Value::Number(n) => n.as_f64().and_then(from_secs),
            Value::String(s) => s
                .parse::<jiff::Timestamp>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(from_secs)),
            _ => None,
        };
        ts.map(|t| SentryDate(iso(t)))
            .ok_or_else(|| serde::de::Error::custom("Datetime has wrong format."))
    }
}

/// `health=1` asks for the (empty, sessions are not kept) health data of each project.
fn wants_health(params: &Params) -> bool {
    matches!(params.get("health"), Some("1" | "true"))
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

/// Resolves the `projects` list of a body (slugs or ids) to project ids.
fn body_projects(c: &Connection, org: i64, projects: &[IdOrSlug]) -> ApiResult<Vec<i64>> {
    let mut ids = Vec::new();
    let mut bad = Vec::new();
    for IdOrSlug(key) in projects {
        match project_in_org(c, org, key).map(|p| p.id) {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(_) => bad.push(key.clone()),
        }
    }
    if !bad.is_empty() {
        return Err(field_error(
            "projects",
            &format!("Invalid project ids or slugs: {}", bad.join(", ")),
        ));
    }
    Ok(ids)
}

/// The repository names in `refs` that the org does not have, joined like Sentry's
/// `InvalidRepository` message; `None` when every ref names a known repository.
fn invalid_refs(c: &Connection, org_id: i64, body: &ReleaseBody) -> ApiResult<Option<String>> {
    let mut bad: Vec<String> = Vec::new();
    for r in body.refs.iter().flatten() {
        let Some(name) = &r.repository else { continue };
        if super::repos::find_repo(c, org_id, name)?.is_none() && !bad.contains(name) {
            bad.push(name.clone());
        }
    }
    Ok((!bad.is_empty()).then(|| format!("Invalid repository names: {}", bad.join(","))))
}

/// Sentry's answer to `refs` naming repositories the org does not have:
/// 400 `{"refs": ["Invalid repository names: a,b"]}`.
fn invalid_refs_response(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "refs": [message] }))).into_response()
}

/// A commit as Sentry's commit serializer renders it (`author` is `{name, email}`: there are
/// no user accounts to match an email to).
fn commit_json(
    id: &str,
    message: Option<&str>,
    date: String,
    repository: Value,
    author: Value,
) -> Value {
    json!({
        "id": id,
        "message": message,
        "dateCreated": date,
        "pullRequest": null,
        "suspectCommitType": "",
        "repository": repository,
        "author": author,
    })
}

/// The commits a body sets, as the API renders them (newest first); `None` when the body
/// sets none. `commits` items name their repository, created when the org lacks it (Sentry's
/// get_or_create; unnamed ones go to `organization-{id}` like Sentry's). `refs` (already
/// checked by [`invalid_refs`]) record each head commit: Sentry would fetch the range
/// `previousCommit..commit` from the provider, which a local server cannot, so the head is
/// all it knows.
fn body_commits(c: &Connection, org_id: i64, body: &ReleaseBody) -> ApiResult<Option<Vec<Value>>> {
    if let Some(list) = &body.commits {
        let mut commits = Vec::new();
        for item in list {
            let Some(sha) = item
                .id
                .as_deref()
                .filter(|s| !s.is_empty() && s.len() <= 64)
            else {
                return Err(field_error(
                    "commits",
                    "Each commit needs an \"id\" of at most 64 characters.",
                ));
            };
            let repo_name = item
                .repository
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| format!("organization-{org_id}"));
            let repository = super::repos::get_or_create_repo(c, org_id, &repo_name)?;
            let author = match (&item.author_name, &item.author_email) {
                (None, None) => Value::Null,
                (n, e) => json!({"name": n, "email": e}),
            };
            let date = item
                .timestamp
                .as_deref()
                .and_then(|t| serde_json::from_value::<SentryDate>(json!(t)).ok())
                .map_or_else(now_iso, |d| d.0);
            commits.push(commit_json(
                sha,
                item.message.as_deref(),
                date,
                repository,
                author,
            ));
        }
        return Ok(Some(commits));
    }
    if let Some(list) = &body.refs {
        let mut commits = Vec::new();
        for item in list {
            let (Some(repo), Some(sha)) = (&item.repository, &item.commit) else {
                return Err(field_error(
                    "refs",
                    "Each ref needs \"repository\" and \"commit\".",
                ));
            };
            let repository = super::repos::find_repo(c, org_id, repo)?.unwrap_or(Value::Null);
            commits.push(commit_json(sha, None, now_iso(), repository, Value::Null));
        }
        return Ok(Some(commits));
    }
    Ok(None)
}

/// Applies the mutable fields of a create/update body to release `id`.
fn apply_fields(c: &Connection, org_id: i64, id: i64, body: &ReleaseBody) -> ApiResult<()> {
    for (value, column) in [(&body.r#ref, "ref"), (&body.url, "url")] {
        if let Some(v) = value {
            c.execute(
                &format!("UPDATE releases SET {column} = ?1 WHERE id = ?2"),
                params![v, id],
            )?;
        }
    }
    for (value, column) in [
        (&body.date_released, "date_released"),
        (&body.date_started, "date_started"),
    ] {
        if let Some(v) = value {
            let date = v.as_ref().map(|d| d.0.as_str());
            c.execute(
                &format!("UPDATE releases SET {column} = ?1 WHERE id = ?2"),
                params![date, id],
            )?;
        }
    }
    if let Some(status) = &body.status {
        if !matches!(status.as_str(), "open" | "archived") {
            return Err(field_error(
                "status",
                "Invalid status. Use \"open\" or \"archived\".",
            ));
        }
        c.execute(
            "UPDATE releases SET status = ?1 WHERE id = ?2",
            params![status, id],
        )?;
    }
    if let Some(commits) = body_commits(c, org_id, body)? {
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
    org_id: i64,
    id: i64,
    projects: &[i64],
    body: &ReleaseBody,
) -> ApiResult<Value> {
    for p in projects {
        tx.execute(
            "INSERT OR IGNORE INTO release_projects (release_id, project_id) VALUES (?1, ?2)",
            params![id, p],
        )?;
    }
    apply_fields(tx, org_id, id, body)?;
    render_release(tx, id, false)
}

/// Creates (201) or updates an existing (208, as Sentry answers) release.
async fn create(
    state: AppState,
    auth: Authed,
    org: String,
    forced_project: Option<String>,
    body: ReleaseBody,
) -> ApiResult<Response> {
    let Some(version) = body.version.clone() else {
        return Err(field_error("version", "This field is required."));
    };
    if !is_valid_version(&version) {
        return Err(field_error(
            "version",
            &format!("Release with name {version} is not allowed"),
        ));
    }
    state.db.call(move |c| {
        let org_id = find_org(c, &auth, &org)?.id;
        let mut projects = match &body.projects {
            Some(list) => body_projects(c, org_id, list)?,
            None => Vec::new(),
        };
        if let Some(p) = &forced_project {
            let id = project_in_org(c, org_id, p)?.id;
            if !projects.contains(&id) {
                projects.push(id);
            }
        }
        if forced_project.is_none() && body.projects.is_none() {
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
        if let Some(message) = invalid_refs(&tx, org_id, &body)? {
            return Ok(invalid_refs_response(message));
        }
        let rendered = save_release(&tx, org_id, id, &projects, &body)?;
        tx.commit()?;
        Ok((status, Json(rendered)).into_response())
    })
    .await
}

async fn create_org(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    JsonBody(body): JsonBody<ReleaseBody>,
) -> ApiResult<Response> {
    create(state, auth, org, None, body).await
}

async fn create_project(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, project)): Path<(String, String)>,
    JsonBody(body): JsonBody<ReleaseBody>,
) -> ApiResult<Response> {
    create(state, auth, org, Some(project), body).await
}

async fn list(
    state: AppState,
    auth: Authed,
    org: String,
    project: Option<String>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, MAX_PER_PAGE)?;
    let health = wants_health(&params);
    state.clone().db.call(move |c| {
        let query = params.get("query").unwrap_or_default().to_lowercase();
        let status = params.get("status").unwrap_or("open");
        let org_id = find_org(c, &auth, &org)?.id;
        let mut project_ids = params.project_ids();
        if let Some(p) = &project {
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
        Ok(paginate_vec(&state, &params, page, out))
    })
    .await
}

async fn list_org(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    list(state, auth, org, None, params).await
}

async fn list_project(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, project)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    list(state, auth, org, Some(project), params).await
}

async fn detail(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let health = wants_health(&params);
    state
        .db
        .call(move |c| {
            let (_, id) = find_release(c, &auth, &org, &version)?;
            Ok(Json(render_release(c, id, health)?))
        })
        .await
}

async fn update(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
    JsonBody(body): JsonBody<ReleaseBody>,
) -> ApiResult<Response> {
    state
        .db
        .call(move |c| {
            let (org_id, id) = find_release(c, &auth, &org, &version)?;
            let projects = match &body.projects {
                Some(list) => body_projects(c, org_id, list)?,
                None => Vec::new(),
            };
            if let Some(message) = invalid_refs(c, org_id, &body)? {
                return Ok(invalid_refs_response(message));
            }
            let tx = c.transaction()?;
            let rendered = save_release(&tx, org_id, id, &projects, &body)?;
            tx.commit()?;
            Ok(Json(rendered).into_response())
        })
        .await
}

async fn remove(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state
        .db
        .call(move |c| {
            let (_, id) = find_release(c, &auth, &org, &version)?;
            c.execute("DELETE FROM releases WHERE id = ?1", [id])?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

async fn list_deploys(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<Json<Vec<Value>>> {
    state
        .db
        .call(move |c| {
            let (_, id) = find_release(c, &auth, &org, &version)?;
            Ok(Json(deploys_of(c, id)?))
        })
        .await
}

async fn create_deploy(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
    JsonBody(body): JsonBody<DeployBody>,
) -> ApiResult<Response> {
    let environment = match body.environment {
        Some(e) if !e.trim().is_empty() && e.len() <= 64 && !e.contains('/') => e,
        None => return Err(field_error("environment", "This field is required.")),
        Some(_) => {
            return Err(field_error(
                "environment",
                "Enter a valid environment name.",
            ))
        }
    };
    let (name, url) = (body.name, body.url);
    let started = body.date_started.map(|d| d.0);
    let finished = body.date_finished.map_or_else(now_iso, |d| d.0);
    state.db.call(move |c| {
        let (_, id) = find_release(c, &auth, &org, &version)?;
        c.execute(
            "INSERT INTO deploys (release_id, environment, name, url, date_started, date_finished) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, environment, name, url, started, finished],
        )?;
        let deploy = deploy_json(c.last_insert_rowid(), environment, name, url, started, finished);
        Ok((StatusCode::CREATED, Json(deploy)).into_response())
    })
    .await
}

async fn list_commits(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    state
        .db
        .call(move |c| {
            let (_, id) = find_release(c, &auth, &org, &version)?;
            let commits: String =
                c.query_row("SELECT commits FROM releases WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            Ok(Json(
                serde_json::from_str(&commits).unwrap_or_else(|_| json!([])),
            ))
        })
        .await
}

/// The newest older release that has commits, or `{}` (what `set-commits --auto` reads).
async fn previous_with_commits(
    State(state): State<AppState>,
    auth: Authed,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    state
        .db
        .call(move |c| {
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
        .await
}
