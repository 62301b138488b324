//! Organizations: the list (control silo) and the detail the CLI probes for `links.regionUrl`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::{find_org, org_from_row, paginated, Org, Page, Params};
use crate::auth::needs::{ORG_ADMIN, ORG_READ, ORG_WRITE};
use crate::auth::{Authed, Need};
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    // Any valid token lists organizations; an org token sees its own one only.
    api.route(
        "/organizations/",
        get(Need::Token, list)
            .post(ORG_WRITE, method_not_allowed)
            .delete(ORG_ADMIN, method_not_allowed),
    )
    .route("/organizations/{org}/", get(ORG_READ, detail))
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed.")
}

/// Features the local server really supports; the CLI only displays them.
const FEATURES: &[&str] = &["issue-stream-search", "event-attachments"];

pub fn org_summary(state: &AppState, o: &Org) -> Value {
    json!({
        "id": o.id.to_string(),
        "slug": o.slug,
        "status": {"id": "active", "name": "active"},
        "name": o.name,
        "dateCreated": o.date_created,
        "isEarlyAdopter": false,
        "require2FA": false,
        "requireEmailVerification": false,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": null, "avatarUrl": null},
        "features": FEATURES,
        "links": {"organizationUrl": &*state.base_url, "regionUrl": &*state.base_url},
        "hasAuthProvider": false,
        "allowMemberInvite": true,
        "allowMemberProjectCreation": true,
        "allowSuperuserAccess": false,
    })
}

fn org_detail(c: &Connection, state: &AppState, authed: &Authed, o: &Org) -> ApiResult<Value> {
    let mut v = org_summary(state, o);
    let teams = super::teams::teams_of_org(c, o, false)?;
    let mut stmt = c.prepare(&format!(
        "SELECT {} FROM projects p WHERE p.org_id = ?1 ORDER BY p.slug",
        super::PROJECT_COLUMNS
    ))?;
    let projects = stmt
        .query_map([o.id], super::project_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .iter()
        .map(|p| super::projects::project_summary(c, p))
        .collect::<ApiResult<Vec<_>>>()?;
    let m = v
        .as_object_mut()
        .ok_or_else(|| ApiError::internal("org shape"))?;
    m.insert("access".into(), json!(authed.scopes));
    m.insert("role".into(), json!("owner"));
    m.insert("orgRole".into(), json!("owner"));
    m.insert("teams".into(), json!(teams));
    m.insert("projects".into(), json!(projects));
    m.insert("onboardingTasks".into(), json!([]));
    m.insert("openMembership".into(), json!(true));
    m.insert("defaultRole".into(), json!("member"));
    m.insert("isDefault".into(), json!(false));
    m.insert("pendingAccessRequests".into(), json!(0));
    Ok(v)
}

async fn list(
    State(state): State<AppState>,
    authed: Authed,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    let rows = state
        .db
        .call(move |c| {
            let mut stmt = c.prepare(
                "SELECT id, slug, name, date_created FROM organizations
             WHERE ?1 IS NULL OR id = ?1 ORDER BY slug LIMIT ?2 OFFSET ?3",
            )?;
            let rows = stmt
                .query_map(
                    rusqlite::params![authed.org_id, page.limit as i64 + 1, page.offset as i64],
                    org_from_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await?;
    let items = rows.iter().map(|o| org_summary(&state, o)).collect();
    Ok(paginated(&state, &params, page, items))
}

async fn detail(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
) -> ApiResult<Json<Value>> {
    let st = state.clone();
    state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            org_detail(c, &st, &authed, &o).map(Json)
        })
        .await
}
