//! Projects, their DSN keys and environments; creating (through a team) and deleting them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    find_org, find_project, org_by_id, paginate_vec, paginated, project_from_row, slugify,
    JsonBody, Org, Page, Params, Project, PROJECT_COLUMNS,
};
use crate::auth::needs::{ORG_READ, PROJECT_ADMIN, PROJECT_READ, PROJECT_WRITE};
use crate::auth::Authed;
use crate::db::{now_iso, random_hex};
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, post, ApiRouter};
use crate::server::dsn_for;
use crate::state::AppState;

pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route("/projects/", get(PROJECT_READ, list_all))
        .route(
            "/organizations/{org}/projects/",
            get(ORG_READ, list_org).post(PROJECT_WRITE, create_in_org),
        )
        .route(
            "/projects/{org}/{proj}/",
            get(PROJECT_READ, detail)
                .put(PROJECT_WRITE, update)
                .delete(PROJECT_ADMIN, remove),
        )
        .route(
            "/projects/{org}/{proj}/keys/",
            get(PROJECT_READ, keys).post(PROJECT_WRITE, create_key),
        )
        .route(
            "/organizations/{org}/project-keys/",
            get(PROJECT_READ, org_keys),
        )
        .route(
            "/projects/{org}/{proj}/environments/",
            get(PROJECT_READ, environments),
        )
        .route(
            "/teams/{org}/{team}/projects/",
            post(PROJECT_WRITE, create_in_team).get(PROJECT_READ, team_projects),
        )
}

/// Body of the project creation routes.
#[derive(Deserialize)]
struct NewProject {
    name: Option<String>,
    platform: Option<String>,
    slug: Option<String>,
}

/// `PUT /projects/{org}/{proj}/`: the fields that can change.
#[derive(Deserialize)]
struct ProjectUpdate {
    name: Option<String>,
    platform: Option<String>,
    slug: Option<String>,
}

/// `POST /projects/{org}/{proj}/keys/`.
#[derive(Deserialize)]
struct NewKey {
    name: Option<String>,
}

/// The project fields every project listing carries.
pub fn project_summary(c: &Connection, p: &Project) -> ApiResult<Value> {
    let first_event: Option<i64> = c.query_row(
        "SELECT MIN(received_ms) FROM items WHERE project_id = ?1 AND item_type = 'event'",
        [p.id],
        |r| r.get(0),
    )?;
    let has = |ty: &str| -> rusqlite::Result<bool> {
        c.query_row(
            "SELECT EXISTS (SELECT 1 FROM items WHERE project_id = ?1 AND item_type = ?2)",
            params![p.id, ty],
            |r| r.get(0),
        )
    };
    let team = match p.team_id {
        Some(id) => c
            .query_row("SELECT id, slug, name FROM teams WHERE id = ?1", [id], |r| {
                Ok(json!({"id": r.get::<_, i64>(0)?.to_string(), "slug": r.get::<_, String>(1)?, "name": r.get::<_, String>(2)?}))
            })
            .optional()?,
        None => None,
    };
    Ok(json!({
        "id": p.id.to_string(),
        "slug": p.slug,
        "name": p.name,
        "platform": p.platform,
        "dateCreated": p.date_created,
        "isBookmarked": false,
        "isMember": true,
        "features": [],
        "firstEvent": first_event.map(super::iso_ms),
        "firstTransactionEvent": has("transaction")?,
        "access": ["event:read", "event:write", "project:read", "project:write", "project:releases"],
        "hasAccess": true,
        "hasMinifiedStackTrace": false,
        "hasMonitors": has("check_in")?,
        "hasProfiles": false,
        "hasReplays": false,
        "hasSessions": false,
        "hasFeedbacks": false,
        "hasNewFeedbacks": false,
        "hasLogs": has("log")?,
        "isInternal": false,
        "isPublic": false,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": null},
        "color": "#3f70bf",
        "status": "active",
        "team": team,
        "teams": team.iter().collect::<Vec<_>>(),
    }))
}

/// Detail shape: the summary plus `organization` (the CLI reads `organization.slug` to learn
/// the org of a DSN) and the settings fields Sentry returns.
pub fn project_detail(c: &Connection, state: &AppState, p: &Project, o: &Org) -> ApiResult<Value> {
    let mut v = project_summary(c, p)?;
    v["organization"] = super::orgs::org_summary(state, o);
    v["plugins"] = json!([]);
    v["platforms"] = json!(p.platform.iter().collect::<Vec<_>>());
    v["processingIssues"] = json!(0);
    v["latestRelease"] = Value::Null;
    v["options"] = json!({});
    v["subjectPrefix"] = json!("");
    v["resolveAge"] = json!(0);
    v["dataScrubber"] = json!(false);
    v["scrubIPAddresses"] = json!(false);
    v["allowedDomains"] = json!(["*"]);
    v["verifySSL"] = json!(false);
    v["eventProcessing"] = json!({"symbolicationDegraded": false});
    Ok(v)
}

fn key_json(state: &AppState, project_id: i64, r: &rusqlite::Row) -> rusqlite::Result<Value> {
    let public: String = r.get(0)?;
    let secret: String = r.get(1)?;
    let base = state.base_url.trim_end_matches('/');
    let public_dsn = dsn_for(base, &public, project_id);
    let secret_dsn = dsn_for(base, &format!("{public}:{secret}"), project_id);
    Ok(json!({
        "id": public,
        "name": r.get::<_, String>(2)?,
        "label": r.get::<_, String>(2)?,
        "public": public,
        "secret": secret,
        "projectId": project_id,
        "isActive": r.get::<_, bool>(3)?,
        "dateCreated": r.get::<_, String>(4)?,
        "dsn": {
            "secret": secret_dsn,
            "public": public_dsn,
            "csp": format!("{base}/api/{project_id}/csp-report/?sentry_key={public}"),
            "security": format!("{base}/api/{project_id}/security/?sentry_key={public}"),
            "minidump": format!("{base}/api/{project_id}/minidump/?sentry_key={public}"),
            "nel": format!("{base}/api/{project_id}/nel/?sentry_key={public}"),
            "unreal": format!("{base}/api/{project_id}/unreal/{public}/"),
            "cdn": format!("{base}/js-sdk-loader/{public}.min.js"),
            "crons": format!("{base}/api/{project_id}/cron/___MONITOR_SLUG___/{public}/"),
            "otlp_traces": format!("{base}/api/{project_id}/otlp/v1/traces"),
            "otlp_logs": format!("{base}/api/{project_id}/otlp/v1/logs"),
        },
        "browserSdkVersion": "latest",
        "browserSdk": {"choices": [["latest", "latest"]]},
        "rateLimit": null,
        "dynamicSdkLoaderOptions": {"hasReplay": false, "hasPerformance": false, "hasDebug": false},
    }))
}

async fn list_org(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let query = params.get("query").unwrap_or("").to_lowercase();
    let items = state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let mut stmt = c.prepare(&format!(
                "SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.org_id = ?1
               AND (instr(lower(p.slug), ?2) > 0 OR instr(lower(p.name), ?2) > 0)
             ORDER BY p.slug LIMIT ?3 OFFSET ?4"
            ))?;
            let rows = stmt
                .query_map(
                    params![o.id, query, page.limit as i64 + 1, page.offset as i64],
                    project_from_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.iter()
                .map(|p| project_summary(c, p))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(paginated(&state, &params, page, items))
}

/// Every project the token can see; `query=dsn:<public key>` finds the project of a DSN.
async fn list_all(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let query = params.get("query").unwrap_or("").trim().to_string();
    let st = state.clone();
    let items = state.db.call(move |c| {
        let (dsn_key, text) = match query.strip_prefix("dsn:") {
            Some(k) => (Some(k.trim().to_string()), String::new()),
            None => (None, query.to_lowercase()),
        };
        let mut stmt = c.prepare(&format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p
             WHERE (?1 IS NULL OR p.org_id = ?1)
               AND (?2 IS NULL OR EXISTS (SELECT 1 FROM project_keys k WHERE k.project_id = p.id AND k.public_key = ?2))
               AND (instr(lower(p.slug), ?3) > 0 OR instr(lower(p.name), ?3) > 0)
             ORDER BY p.id LIMIT ?4 OFFSET ?5"
        ))?;
        let rows = stmt
            .query_map(
                params![authed.org_id, dsn_key, text, page.limit as i64 + 1, page.offset as i64],
                project_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.iter()
            .map(|p| {
                let o = org_by_id(c, p.org_id)?;
                let mut v = project_summary(c, p)?;
                v["organization"] = super::orgs::org_summary(&st, &o);
                Ok(v)
            })
            .collect::<ApiResult<Vec<_>>>()
    })
    .await?;
    Ok(paginated(&state, &params, page, items))
}

async fn detail(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let st = state.clone();
    state
        .db
        .call(move |c| {
            let (o, p) = find_project(c, &authed, &org, &proj)?;
            project_detail(c, &st, &p, &o).map(Json)
        })
        .await
}

async fn update(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
    JsonBody(body): JsonBody<ProjectUpdate>,
) -> ApiResult<Json<Value>> {
    let st = state.clone();
    state
        .db
        .call(move |c| {
            let (o, p) = find_project(c, &authed, &org, &proj)?;
            if let Some(name) = body.name {
                c.execute(
                    "UPDATE projects SET name = ?1 WHERE id = ?2",
                    params![name, p.id],
                )?;
            }
            if let Some(platform) = body.platform {
                c.execute(
                    "UPDATE projects SET platform = ?1 WHERE id = ?2",
                    params![platform, p.id],
                )?;
            }
            if let Some(slug) = body.slug {
                if slugify(&slug) != slug || slug.is_empty() {
                    return Err(ApiError::bad_request("slug: Enter a valid slug."));
                }
                let n = c.execute(
                    "UPDATE OR IGNORE projects SET slug = ?1 WHERE id = ?2",
                    params![slug, p.id],
                )?;
                if n == 0 {
                    return Err(ApiError::bad_request(format!(
                        "slug: Another project ({slug}) is already using that slug"
                    )));
                }
            }
            let p = super::project_by_id(c, p.id)?;
            project_detail(c, &st, &p, &o).map(Json)
        })
        .await
}

async fn remove(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state
        .db
        .call(move |c| {
            let (_, p) = find_project(c, &authed, &org, &proj)?;
            c.execute("DELETE FROM projects WHERE id = ?1", [p.id])?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn keys(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let st = state.clone();
    let items = state
        .db
        .call(move |c| {
            let (_, p) = find_project(c, &authed, &org, &proj)?;
            Ok(keys_where(c, &st, "k.project_id = ?1", p.id)?)
        })
        .await?;
    Ok(paginate_vec(&state, &params, page, items))
}

/// The keys (as the API shows them) of the projects `filter` selects (`?1` = `id`), oldest
/// first.
fn keys_where(
    c: &Connection,
    st: &AppState,
    filter: &str,
    id: i64,
) -> rusqlite::Result<Vec<Value>> {
    let mut stmt = c.prepare(&format!(
        "SELECT k.public_key, k.secret_key, k.label, k.is_active, k.date_created, k.project_id
         FROM project_keys k JOIN projects p ON p.id = k.project_id
         WHERE {filter} ORDER BY k.id"
    ))?;
    let rows = stmt
        .query_map([id], |r| key_json(st, r.get(5)?, r))?
        .collect();
    rows
}

/// `GET /organizations/{org}/project-keys/`: the client keys of every project of the org
/// (each names its `projectId`), as `sentry dsn list <org>/` reads them.
async fn org_keys(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let st = state.clone();
    let items = state
        .db
        .call(move |c| {
            let o = super::find_org(c, &authed, &org)?;
            Ok(keys_where(c, &st, "p.org_id = ?1", o.id)?)
        })
        .await?;
    Ok(paginate_vec(&state, &params, page, items))
}

fn insert_key(c: &Connection, project_id: i64, label: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO project_keys (project_id, public_key, secret_key, label, date_created) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![project_id, random_hex(16), random_hex(16), label, now_iso()],
    )?;
    Ok(())
}

async fn create_key(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
    JsonBody(body): JsonBody<NewKey>,
) -> ApiResult<Response> {
    let label = body.name.unwrap_or_else(|| "Default".to_string());
    let st = state.clone();
    let key = state.db.call(move |c| {
        let (_, p) = find_project(c, &authed, &org, &proj)?;
        insert_key(c, p.id, &label)?;
        let id = c.last_insert_rowid();
        Ok(c.query_row(
            "SELECT public_key, secret_key, label, is_active, date_created FROM project_keys WHERE id = ?1",
            [id],
            |r| key_json(&st, p.id, r),
        )?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(key)).into_response())
}

async fn environments(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let names = state
        .db
        .call(move |c| {
            let (_, p) = find_project(c, &authed, &org, &proj)?;
            let mut stmt = c.prepare(
                "SELECT DISTINCT t.value FROM group_tags t JOIN groups g ON g.id = t.group_id
             WHERE g.project_id = ?1 AND t.key = 'environment' ORDER BY t.value",
            )?;
            let rows = stmt
                .query_map([p.id], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await?;
    Ok(Json(Value::Array(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"id": (i + 1).to_string(), "name": n, "isHidden": false}))
            .collect(),
    )))
}

/// Creates a project; a slug derived from the name that is taken gets a numeric suffix, an
/// explicit slug that is taken is a 409 as in Sentry.
fn create_project(
    c: &Connection,
    state: &AppState,
    o: &Org,
    team_id: i64,
    body: NewProject,
) -> ApiResult<Value> {
    let name = body
        .name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("name: This field is required."))?
        .to_string();
    let platform = body.platform;
    let explicit = body.slug;
    let taken = |slug: &str| -> rusqlite::Result<bool> {
        c.query_row(
            "SELECT EXISTS (SELECT 1 FROM projects WHERE org_id = ?1 AND slug = ?2)",
            params![o.id, slug],
            |r| r.get(0),
        )
    };
    let slug = match explicit {
        Some(s) => {
            if s.is_empty() || slugify(&s) != s {
                return Err(ApiError::bad_request(
                    "slug: Enter a valid slug consisting of lowercase letters, numbers, underscores or hyphens.",
                ));
            }
            if taken(&s)? {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "A project with this slug already exists.",
                ));
            }
            s
        }
        None => {
            let base = slugify(&name);
            let base = if base.is_empty() {
                "project".to_string()
            } else {
                base
            };
            let mut candidate = base.clone();
            let mut n = 2;
            while taken(&candidate)? {
                candidate = format!("{base}-{n}");
                n += 1;
            }
            candidate
        }
    };
    c.execute(
        "INSERT INTO projects (org_id, team_id, slug, name, platform, date_created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![o.id, team_id, slug, name, platform, now_iso()],
    )?;
    let id = c.last_insert_rowid();
    insert_key(c, id, "Default")?;
    let p = super::project_by_id(c, id)?;
    project_detail(c, state, &p, o)
}

async fn create_in_team(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, team)): Path<(String, String)>,
    JsonBody(body): JsonBody<NewProject>,
) -> ApiResult<Response> {
    let st = state.clone();
    let project = state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let t = super::teams::find_team(c, o.id, &team)?;
            create_project(c, &st, &o, t.id, body)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(project)).into_response())
}

async fn create_in_org(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    JsonBody(body): JsonBody<NewProject>,
) -> ApiResult<Response> {
    let st = state.clone();
    let project = state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let team: Option<(i64, String)> = c
                .query_row(
                    "SELECT id, slug FROM teams WHERE org_id = ?1 ORDER BY id LIMIT 1",
                    [o.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (team_id, team_slug) = team.ok_or_else(|| {
                ApiError::bad_request("The organization has no team to own the project.")
            })?;
            let mut v = create_project(c, &st, &o, team_id, body)?;
            v["team_slug"] = json!(team_slug);
            Ok(v)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(project)).into_response())
}

async fn team_projects(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, team)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let items = state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let t = super::teams::find_team(c, o.id, &team)?;
            let mut stmt = c.prepare(&format!(
                "SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.team_id = ?1 ORDER BY p.slug"
            ))?;
            let rows = stmt
                .query_map([t.id], project_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.iter()
                .map(|p| project_summary(c, p))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(paginate_vec(&state, &params, page, items))
}
