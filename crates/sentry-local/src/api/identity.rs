//! Who am I: the API index (`/api/0/`, read by `sentry-cli info`), `auth/`, `users/me/` and
//! the region list the CLI uses to validate tokens and to find projects by DSN.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::user_json;
use crate::auth::{lookup_token, Authed};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/0/", get(index))
        .route("/api/0/auth/", get(current_user))
        .route("/api/0/users/me/", get(current_user))
        .route("/api/0/users/me/regions/", get(regions))
}

/// Sentry answers the index anonymously too (`auth`/`user` null); a token that is present but
/// wrong is still a 401, which is what `sentry-cli info` reports.
async fn index(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Ok(Json(json!({"version": "0", "auth": null, "user": null})));
    };
    let authed = lookup_token(&state, token)?;
    let user = match authed.user_id {
        Some(id) => state.db.with(|c| user_json(c, id))?,
        None => Value::Null,
    };
    Ok(Json(json!({
        "version": "0",
        "auth": {"scopes": authed.scopes},
        "user": user,
    })))
}

async fn current_user(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<Value>> {
    let Some(id) = authed.user_id else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "This endpoint requires user authentication; organization tokens have no user.",
        ));
    };
    Ok(Json(state.db.with(|c| user_json(c, id))?))
}

async fn regions(State(state): State<AppState>, _authed: Authed) -> Json<Value> {
    Json(json!({"regions": [{"name": "local", "url": &*state.base_url}]}))
}
