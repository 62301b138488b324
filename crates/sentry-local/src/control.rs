//! `/_test/...` routes: the control plane tests use to program and observe the server.
//!
//! Mounted only when [`crate::ServerConfig::test_control`] is on, which `sentry local serve`
//! never sets: these routes need no token and would let anyone approve a login.
//!
//! * `POST /_test/faults` — add a [`FaultRule`]; `GET` lists active rules; `DELETE` clears.
//! * `GET /_test/requests` — the recorded requests, oldest first; `DELETE` clears the log.
//! * `GET /_test/stats` — `{"requests": n, "refresh_grants": n, "setup_code_grants": n}`.
//! * `POST /_test/device/approve`, `POST /_test/device/deny` — `{"user_code": "ABCD-EFGH"}`.
//! * `POST /_test/setup-codes` — `{"scope"?: "a b", "expires_in"?: secs}`: mints a setup code
//!   for the server's user (`expires_in: 0` makes one that is already expired); answers
//!   `{"setup_code", "url", "scope", "expires_in"}`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::faults::FaultRule;
use crate::oauth::{self, Decision};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/_test/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/_test/requests", get(list_requests).delete(clear_requests))
        .route("/_test/stats", get(stats))
        .route("/_test/device/approve", post(approve))
        .route("/_test/device/deny", post(deny))
        .route("/_test/setup-codes", post(mint_setup_code))
}

async fn add_fault(
    State(state): State<AppState>,
    Json(rule): Json<FaultRule>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if let Some(status) = rule.status {
        if !(100..=999).contains(&status) {
            return Err(ApiError::bad_request(format!("invalid status {status}")));
        }
    }
    if rule.times == Some(0) {
        return Err(ApiError::bad_request("times must be at least 1 (or null)"));
    }
    let active = state.hooks.add_rule(rule);
    Ok((StatusCode::CREATED, Json(json!({ "active": active }))))
}

async fn list_faults(State(state): State<AppState>) -> Json<Vec<FaultRule>> {
    Json(state.hooks.rules())
}

async fn clear_faults(State(state): State<AppState>) -> StatusCode {
    state.hooks.clear_rules();
    StatusCode::NO_CONTENT
}

async fn list_requests(State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.hooks.requests_log()))
}

async fn clear_requests(State(state): State<AppState>) -> StatusCode {
    state.hooks.clear_log();
    StatusCode::NO_CONTENT
}

async fn stats(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "requests": state.hooks.requests.load(Ordering::SeqCst),
        "refresh_grants": state.hooks.refresh_grants.load(Ordering::SeqCst),
        "setup_code_grants": state.hooks.setup_code_grants.load(Ordering::SeqCst),
    }))
}

#[derive(Deserialize)]
struct UserCode {
    user_code: String,
}

async fn approve(
    State(state): State<AppState>,
    Json(body): Json<UserCode>,
) -> ApiResult<Json<Value>> {
    decide(&state, &body.user_code, Decision::Approve).await
}

async fn deny(State(state): State<AppState>, Json(body): Json<UserCode>) -> ApiResult<Json<Value>> {
    decide(&state, &body.user_code, Decision::Deny).await
}

async fn decide(state: &AppState, user_code: &str, decision: Decision) -> ApiResult<Json<Value>> {
    match oauth::decide(state, user_code, decision).await? {
        Ok(code) => Ok(Json(
            json!({ "user_code": code, "status": decision.status() }),
        )),
        Err(problem) => Err(ApiError::new(StatusCode::NOT_FOUND, problem.message())),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MintRequest {
    scope: Option<String>,
    expires_in: Option<u64>,
}

/// The local server's one user, as the device page approves for.
const LOCAL_USER_ID: i64 = 1;

async fn mint_setup_code(
    State(state): State<AppState>,
    Json(body): Json<MintRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let scopes = oauth::parse_scopes(body.scope.as_deref())
        .map_err(|unknown| ApiError::bad_request(format!("Unknown scope: {unknown}")))?;
    let lifetime = body
        .expires_in
        .unwrap_or(state.config.setup_code_lifetime_secs);
    let minted = oauth::mint_setup_code(&state, LOCAL_USER_ID, scopes, lifetime).await?;
    Ok((StatusCode::CREATED, Json(minted.json(&state.base_url))))
}
