//! `PUT /_test/org-regions` (test control only): makes this server answer as a control silo
//! whose organizations live in other regions, so multi-region routing can be tested with
//! several local servers.
//!
//! The body maps org slugs to region URLs (`{"acme": "http://127.0.0.1:4001"}`); afterwards
//! `links.regionUrl` of those orgs in `GET /api/0/organizations/` and
//! `GET /api/0/organizations/{slug}/` responses is rewritten. `DELETE` clears the map.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::put;
use axum::{Json, Router};
use serde_json::Value;

use crate::routing::API_PREFIX;
use crate::state::AppState;

/// Overrides per server (keyed by its base URL: several servers share one test process).
static OVERRIDES: Mutex<Option<HashMap<String, HashMap<String, String>>>> = Mutex::new(None);

fn with_map<T>(f: impl FnOnce(&mut HashMap<String, HashMap<String, String>>) -> T) -> T {
    let mut g = match OVERRIDES.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    f(g.get_or_insert_with(HashMap::new))
}

/// Adds the control route and the rewriting layer to a test-control router.
pub(crate) fn install(app: Router<AppState>, state: &AppState) -> Router<AppState> {
    app.route("/_test/org-regions", put(set).delete(clear))
        .layer(axum::middleware::from_fn_with_state(state.clone(), rewrite))
}

async fn set(
    State(state): State<AppState>,
    Json(map): Json<HashMap<String, String>>,
) -> StatusCode {
    with_map(|m| m.insert(state.base_url.to_string(), map));
    StatusCode::NO_CONTENT
}

async fn clear(State(state): State<AppState>) -> StatusCode {
    with_map(|m| m.remove(&*state.base_url));
    StatusCode::NO_CONTENT
}

fn patch(org: &mut Value, map: &HashMap<String, String>) {
    let Some(slug) = org.get("slug").and_then(Value::as_str).map(str::to_string) else {
        return;
    };
    if let (Some(url), Some(links)) = (
        map.get(&slug),
        org.get_mut("links").and_then(Value::as_object_mut),
    ) {
        links.insert("regionUrl".into(), Value::String(url.clone()));
    }
}

async fn rewrite(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_org_path = path.starts_with(&format!("{API_PREFIX}/organizations/"))
        && path.trim_end_matches('/').split('/').count() <= 5;
    let map = with_map(|m| m.get(&*state.base_url).cloned());
    let (Some(map), true, true) = (map, is_org_path, req.method() == Method::GET) else {
        return next.run(req).await;
    };
    let resp = next.run(req).await;
    if !resp.status().is_success() {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    match &mut v {
        Value::Array(orgs) => orgs.iter_mut().for_each(|o| patch(o, &map)),
        other => patch(other, &map),
    }
    let out = serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}
