//! Repositories linked to an organization (the CLI validates `--in @commit:<repo>@<sha>`
//! against this list). Added through the API since there are no integrations locally.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::params;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{find_org, paginated, JsonBody, Page, Params};
use crate::auth::needs::{REPO_READ, REPO_WRITE};
use crate::auth::Authed;
use crate::db::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/repos/",
        get(REPO_READ, list).post(REPO_WRITE, create),
    )
}

/// `POST /organizations/{org}/repos/` (`identifier` is what Sentry's integrations send).
#[derive(Deserialize)]
struct NewRepo {
    name: Option<String>,
    identifier: Option<String>,
    provider: Option<String>,
    url: Option<String>,
}

pub(super) fn repo_json(r: &rusqlite::Row) -> rusqlite::Result<Value> {
    let provider: String = r.get(4)?;
    let provider_name = match provider.as_str() {
        "integrations:github" | "github" => "GitHub",
        "integrations:gitlab" | "gitlab" => "GitLab",
        "integrations:bitbucket" | "bitbucket" => "Bitbucket",
        _ => "Unknown Provider",
    };
    Ok(json!({
        "id": r.get::<_, i64>(0)?.to_string(),
        "name": r.get::<_, String>(1)?,
        "url": r.get::<_, Option<String>>(2)?,
        "provider": {"id": provider, "name": provider_name},
        "status": r.get::<_, String>(5)?,
        "dateCreated": r.get::<_, String>(6)?,
        "integrationId": null,
        "externalSlug": r.get::<_, Option<String>>(3)?,
        "externalId": null,
    }))
}

pub(super) const COLUMNS: &str = "id, name, url, external_slug, provider, status, date_created";

/// The repository `name` of an org as the API renders it, `None` when the org has none.
pub(super) fn find_repo(
    c: &rusqlite::Connection,
    org_id: i64,
    name: &str,
) -> rusqlite::Result<Option<Value>> {
    use rusqlite::OptionalExtension;
    c.query_row(
        &format!("SELECT {COLUMNS} FROM repositories WHERE org_id = ?1 AND name = ?2"),
        params![org_id, name],
        repo_json,
    )
    .optional()
}

/// Sentry's `Repository.objects.get_or_create(organization_id, name)` for commits that name a
/// repository the org does not have yet: created without a provider or URL (rendered, like
/// Sentry's, as provider `{"id": "unknown", "name": "Unknown Provider"}`).
pub(super) fn get_or_create_repo(
    c: &rusqlite::Connection,
    org_id: i64,
    name: &str,
) -> rusqlite::Result<Value> {
    if let Some(repo) = find_repo(c, org_id, name)? {
        return Ok(repo);
    }
    c.execute(
        "INSERT INTO repositories (org_id, name, url, provider, external_slug, date_created)
         VALUES (?1, ?2, NULL, 'unknown', NULL, ?3)",
        params![org_id, name, now_iso()],
    )?;
    Ok(find_repo(c, org_id, name)?.expect("just inserted"))
}

async fn list(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let status = params.get("status").map(str::to_string);
    let query = params.get("query").unwrap_or("").to_lowercase();
    let items = state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let mut stmt = c.prepare(&format!(
                "SELECT {COLUMNS} FROM repositories WHERE org_id = ?1
               AND (?2 IS NULL OR status = ?2) AND instr(lower(name), ?3) > 0
             ORDER BY name LIMIT ?4 OFFSET ?5"
            ))?;
            let rows = stmt
                .query_map(
                    params![
                        o.id,
                        status,
                        query,
                        page.limit as i64 + 1,
                        page.offset as i64
                    ],
                    repo_json,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await?;
    Ok(paginated(&state, &params, page, items))
}

async fn create(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    JsonBody(body): JsonBody<NewRepo>,
) -> ApiResult<Response> {
    let name = body
        .name
        .or(body.identifier)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("name: This field is required."))?;
    let provider = body
        .provider
        .unwrap_or_else(|| "integrations:github".to_string());
    let url = body.url.or_else(|| {
        provider
            .contains("github")
            .then(|| format!("https://github.com/{name}"))
    });
    let repo = state.db.call(move |c| {
        let o = find_org(c, &authed, &org)?;
        let inserted = c.execute(
            "INSERT OR IGNORE INTO repositories (org_id, name, url, provider, external_slug, date_created)
             VALUES (?1, ?2, ?3, ?4, ?2, ?5)",
            params![o.id, name, url, provider, now_iso()],
        )?;
        if inserted == 0 {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "A repository with that name already exists",
            ));
        }
        Ok(c.query_row(
            &format!("SELECT {COLUMNS} FROM repositories WHERE id = ?1"),
            [c.last_insert_rowid()],
            repo_json,
        )?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(repo)).into_response())
}
