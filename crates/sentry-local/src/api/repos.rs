//! Repositories linked to an organization (the CLI validates `--in @commit:<repo>@<sha>`
//! against this list). Added through the API since there are no integrations locally.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::params;
use serde_json::{json, Value};

use super::{find_org, json_body, paginated, Page, Params};
use crate::auth::Authed;
use crate::db::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS repositories (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    url TEXT,
    provider TEXT NOT NULL,
    external_slug TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    date_created TEXT NOT NULL,
    UNIQUE (org_id, name)
);
"#;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/0/organizations/{org}/repos/", get(list).post(create))
}

fn repo_json(r: &rusqlite::Row) -> rusqlite::Result<Value> {
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

const COLUMNS: &str = "id, name, url, external_slug, provider, status, date_created";

async fn list(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let status = params.get("status").map(str::to_string);
    let query = params.get("query").unwrap_or("").to_lowercase();
    let items = state.db.with(|c| {
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
        Ok::<_, ApiError>(rows)
    })?;
    Ok(paginated(&state, &params, page, items))
}

async fn create(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    authed.require("org:write")?;
    let body = json_body(&body)?;
    let name = body
        .get("name")
        .or_else(|| body.get("identifier"))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("name: This field is required."))?
        .to_string();
    let provider = body
        .get("provider")
        .and_then(Value::as_str)
        .unwrap_or("integrations:github")
        .to_string();
    let url = body
        .get("url")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            provider
                .contains("github")
                .then(|| format!("https://github.com/{name}"))
        });
    let repo = state.db.with(|c| {
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
    })?;
    Ok((StatusCode::CREATED, Json(repo)).into_response())
}
