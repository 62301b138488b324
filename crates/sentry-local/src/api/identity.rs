//! Who am I: the API index (`/api/0/`, read by `sentry-cli info`), `auth/`, `users/me/` and
//! the region list the CLI uses to validate tokens and to find projects by DSN.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::user_json;
use crate::auth::needs::ORG_READ;
use crate::auth::{Authed, MaybeAuthed, Need};
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route("/", get(Need::Anyone, index))
        .route("/auth/", get(Need::Token, current_user))
        .route("/users/me/", get(Need::Token, current_user))
        // Sentry's UserRegionEndpointPermissions.
        .route("/users/me/regions/", get(ORG_READ, regions))
}

/// Sentry answers the index anonymously too (`auth`/`user` null); a token that is present but
/// wrong is still a 401 (from the guard), which is what `sentry-cli info` reports.
async fn index(
    State(state): State<AppState>,
    MaybeAuthed(authed): MaybeAuthed,
) -> ApiResult<Json<Value>> {
    let Some(authed) = authed else {
        return Ok(Json(json!({"version": "0", "auth": null, "user": null})));
    };
    let user = match authed.user_id {
        Some(id) => state.db.call(move |c| user_json(c, id)).await?,
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
    Ok(Json(state.db.call(move |c| user_json(c, id)).await?))
}

async fn regions(State(state): State<AppState>) -> Json<Value> {
    Json(json!({"regions": [{"name": "local", "url": &*state.base_url}]}))
}
