//! Teams of an organization. The local server has one user who belongs to every team.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{find_org, find_project, paginate_vec, slugify, JsonBody, Org, Page, Params};
use crate::auth::needs::{ORG_READ, PROJECT_READ, TEAM_CREATE, TEAM_JOIN, TEAM_READ};
use crate::auth::Authed;
use crate::db::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, post, ApiRouter};
use crate::state::AppState;

pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/teams/",
        get(ORG_READ, list).post(TEAM_CREATE, create),
    )
    .route(
        "/organizations/{org}/members/me/teams/{team}/",
        post(TEAM_JOIN, join),
    )
    .route(
        "/projects/{org}/{proj}/teams/",
        get(PROJECT_READ, project_teams),
    )
    .route("/teams/{org}/{team}/", get(TEAM_READ, detail))
}

/// `POST /organizations/{org}/teams/`.
#[derive(Deserialize)]
struct NewTeam {
    name: Option<String>,
    slug: Option<String>,
}

const TEAM_ACCESS: &[&str] = &[
    "event:read",
    "event:write",
    "project:read",
    "project:write",
    "team:read",
    "team:write",
];

#[derive(Debug, Clone)]
pub struct Team {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub date_created: String,
}

fn team_from_row(r: &rusqlite::Row) -> rusqlite::Result<Team> {
    Ok(Team {
        id: r.get(0)?,
        slug: r.get(1)?,
        name: r.get(2)?,
        date_created: r.get(3)?,
    })
}

pub fn team_json(c: &Connection, t: &Team, with_projects: bool) -> ApiResult<Value> {
    let mut v = json!({
        "id": t.id.to_string(),
        "slug": t.slug,
        "name": t.name,
        "dateCreated": t.date_created,
        "isMember": true,
        "teamRole": "admin",
        "flags": {"idp:provisioned": false},
        "access": TEAM_ACCESS,
        "hasAccess": true,
        "isPending": false,
        "memberCount": 1,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": null},
        "externalTeams": [],
    });
    if with_projects {
        let mut stmt = c.prepare(&format!(
            "SELECT {} FROM projects p WHERE p.team_id = ?1 ORDER BY p.slug",
            super::PROJECT_COLUMNS
        ))?;
        let projects = stmt
            .query_map([t.id], super::project_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .iter()
            .map(|p| super::projects::project_summary(c, p))
            .collect::<ApiResult<Vec<_>>>()?;
        v["projects"] = json!(projects);
    }
    Ok(v)
}

pub fn teams_of_org(c: &Connection, o: &Org, with_projects: bool) -> ApiResult<Vec<Value>> {
    let mut stmt = c.prepare(
        "SELECT id, slug, name, date_created FROM teams WHERE org_id = ?1 ORDER BY slug",
    )?;
    let teams = stmt
        .query_map([o.id], team_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    teams
        .iter()
        .map(|t| team_json(c, t, with_projects))
        .collect()
}

pub fn find_team(c: &Connection, org_id: i64, slug: &str) -> ApiResult<Team> {
    c.query_row(
        "SELECT id, slug, name, date_created FROM teams WHERE org_id = ?1 AND slug = ?2",
        params![org_id, slug],
        team_from_row,
    )
    .optional()?
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "The requested resource does not exist",
        )
    })
}

async fn list(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let detailed = params.get("detailed") != Some("0");
    let items = state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            teams_of_org(c, &o, detailed)
        })
        .await?;
    Ok(paginate_vec(&state, &params, page, items))
}

async fn detail(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, team)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let t = find_team(c, o.id, &team)?;
            team_json(c, &t, true).map(Json)
        })
        .await
}

async fn create(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    JsonBody(body): JsonBody<NewTeam>,
) -> ApiResult<Response> {
    let name = body.name;
    let slug = body
        .slug
        .or_else(|| name.as_deref().map(slugify))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("slug: This field is required."))?;
    if slugify(&slug) != slug {
        return Err(ApiError::bad_request(
            "slug: Enter a valid slug consisting of lowercase letters, numbers, underscores or hyphens.",
        ));
    }
    let team = state.db.call(move |c| {
        let o = find_org(c, &authed, &org)?;
        let n = c.execute(
            "INSERT OR IGNORE INTO teams (org_id, slug, name, date_created) VALUES (?1, ?2, ?3, ?4)",
            params![o.id, slug, name.clone().unwrap_or_else(|| slug.clone()), now_iso()],
        )?;
        if n == 0 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "A team with this slug already exists.",
            ));
        }
        let t = find_team(c, o.id, &slug)?;
        team_json(c, &t, true)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(team)).into_response())
}

/// The only user is a member of every team already, so joining changes nothing (204, as
/// Sentry answers for an existing membership).
async fn join(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, team)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            find_team(c, o.id, &team)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn project_teams(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let items = state
        .db
        .call(move |c| {
            let (_, p) = find_project(c, &authed, &org, &proj)?;
            let mut out = Vec::new();
            if let Some(team_id) = p.team_id {
                let t = c.query_row(
                    "SELECT id, slug, name, date_created FROM teams WHERE id = ?1",
                    [team_id],
                    team_from_row,
                )?;
                out.push(team_json(c, &t, false)?);
            }
            Ok(out)
        })
        .await?;
    Ok(paginate_vec(&state, &params, page, items))
}
