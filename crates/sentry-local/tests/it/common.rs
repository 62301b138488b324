//! Shared helpers: a real server on a loopback port and a tiny blocking HTTP client.
#![allow(dead_code)]

use std::io::Write;

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::Value;

pub struct Resp {
    pub status: u16,
    pub body: String,
    pub link: Option<String>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn server() -> RunningServer {
    start(ServerConfig::for_tests()).expect("server starts")
}

/// A client that returns error statuses as responses and fails a hung request after 10 s
/// instead of hanging the test run.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .build()
        .into()
}

/// `GET /api/0/<path>` with the bootstrap token: status and JSON body (null if not JSON).
pub fn get(s: &RunningServer, path: &str) -> (u16, Value) {
    let mut r = agent()
        .get(format!("{}/api/0/{path}", s.url))
        .header("Authorization", format!("Bearer {}", s.token()))
        .call()
        .expect("request sent");
    let status = r.status().as_u16();
    (status, r.body_mut().read_json().unwrap_or(Value::Null))
}

pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let req = b
        .body(body.map(<[u8]>::to_vec).unwrap_or_default())
        .unwrap();
    let mut resp = agent().run(req).expect("request sent");
    let status = resp.status().as_u16();
    let link = resp
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.body_mut().read_to_string().unwrap_or_default();
    Resp { status, body, link }
}

/// Authenticated API call with the bootstrap token; `path` is relative to `/api/0/`.
pub fn api(s: &RunningServer, method: &str, path: &str, body: Option<Value>) -> Resp {
    api_with(s, s.token(), method, path, body)
}

pub fn api_with(
    s: &RunningServer,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Resp {
    let url = format!("{}/api/0/{}", s.url, path.trim_start_matches('/'));
    let auth = format!("Bearer {token}");
    let data = body.map(|b| b.to_string().into_bytes());
    request(
        method,
        &url,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        data.as_deref(),
    )
}

/// Adds a token with these space-separated `scopes` (`kind` `org` tokens have no user).
pub fn add_token(s: &RunningServer, token: &str, scopes: &str, org_id: Option<i64>, kind: &str) {
    s.state
        .db
        .with(|c| {
            c.execute(
                "INSERT INTO api_tokens (token, user_id, org_id, scopes, kind, date_created) VALUES (?1, ?2, ?3, ?4, ?5, '2026-01-01T00:00:00Z')",
                rusqlite::params![token, if kind == "org" { None } else { Some(1) }, org_id, scopes, kind],
            )
        })
        .unwrap();
}

/// Posts an envelope to the bootstrap project with the DSN key in `X-Sentry-Auth`.
pub fn send_envelope(s: &RunningServer, body: &[u8]) -> Resp {
    let auth = format!(
        "Sentry sentry_key={}, sentry_version=7",
        s.bootstrap.public_key
    );
    request(
        "POST",
        &format!("{}/api/{}/envelope/", s.url, s.bootstrap.project_id),
        &[("X-Sentry-Auth", &auth)],
        Some(body),
    )
}

/// An envelope with one event item (no `length`).
pub fn event_envelope(event: &Value) -> Vec<u8> {
    let id = event["event_id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:032x}", fastrand_u128()));
    let mut ev = event.clone();
    ev["event_id"] = Value::from(id.clone());
    format!("{{\"event_id\":\"{id}\"}}\n{{\"type\":\"event\"}}\n{ev}\n").into_bytes()
}

fn fastrand_u128() -> u128 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    (t << 16) ^ u128::from(n) ^ (u128::from(std::process::id()) << 100)
}

pub fn exception_event(ty: &str, value: &str) -> Value {
    serde_json::json!({
        "platform": "python",
        "level": "error",
        "exception": {"values": [{"type": ty, "value": value, "stacktrace": {"frames": [
            {"function": "main", "module": "app.main", "filename": "app/main.py", "in_app": true},
            {"function": "handler", "module": "app.views", "filename": "app/views.py", "in_app": true}
        ]}}]}
    })
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}
