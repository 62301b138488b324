//! Fault injection and request recording for tests.
//!
//! CLI tests need a server that misbehaves on demand (5xx, 429 with `Retry-After`, HTML
//! bodies from a proxy, stalls, connection resets) and that can tell afterwards which
//! requests reached it. Rules are installed through the `/_test/faults` control routes
//! (see [`crate::control`]); the middleware here applies them to every other route. Both
//! are mounted only when [`crate::ServerConfig::test_control`] is on.
//!
//! A reset needs the connection itself: the server's accept loop ([`crate::serve`]) gives
//! each connection of a test server a [`ConnKill`] switch that the middleware pulls.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::state::AppState;

/// How many recorded requests are kept; older ones fall off the front.
pub const REQUEST_LOG_CAPACITY: usize = 1000;

/// Paths under this prefix are the test control plane: never faulted, never recorded.
pub const CONTROL_PREFIX: &str = "/_test/";

/// A programmed misbehaviour, as posted to `POST /_test/faults`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FaultRule {
    /// Only requests with this method (case-insensitive); `None` matches every method.
    pub method: Option<String>,
    /// Only requests whose path starts with this; `None` matches every path.
    pub path_prefix: Option<String>,
    /// Answer with this status instead of running the real handler.
    pub status: Option<u16>,
    /// Extra response headers (only with `status`).
    pub headers: BTreeMap<String, String>,
    /// Response body (only with `status`).
    pub body: Option<String>,
    /// Binary response body, base64 (only with `status`; wins over `body`): compressed
    /// payloads such as a gzip bomb, sent with the `content-encoding` header of `headers`.
    pub body_base64: Option<String>,
    /// Wait this long before answering (or before running the real handler when no
    /// `status` is set): longer than a client's timeout, it is a stall.
    pub delay_ms: u64,
    /// Abort the TCP connection with a RST instead of answering.
    pub reset: bool,
    /// How many matching requests the rule still applies to; `None` = forever.
    pub times: Option<u64>,
}

impl FaultRule {
    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
    }
}

/// One request as the server saw it, for `GET /_test/requests`.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    /// Increasing number over the server's lifetime (survives clearing the log).
    pub seq: u64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Request headers, names lower-cased; `authorization` is masked so that tokens never
    /// end up in test output.
    pub headers: BTreeMap<String, String>,
    /// Response status; `None` when the connection was reset instead.
    pub status: Option<u16>,
    /// Set when a fault rule answered (`"status"`, `"reset"`, `"delay"`).
    pub fault: Option<String>,
    pub duration_ms: u64,
}

/// Everything the test control plane shares with the request path.
#[derive(Default)]
pub struct TestHooks {
    rules: Mutex<Vec<FaultRule>>,
    log: Mutex<VecDeque<RecordedRequest>>,
    seq: AtomicU64,
    /// Requests that reached the server outside the control plane.
    pub requests: AtomicU64,
    /// `grant_type=refresh_token` requests that were answered with new tokens.
    pub refresh_grants: AtomicU64,
    /// Setup codes redeemed for tokens (the setup-code grant answered with new tokens).
    pub setup_code_grants: AtomicU64,
}

impl TestHooks {
    pub(crate) fn add_rule(&self, rule: FaultRule) -> usize {
        let mut rules = lock(&self.rules);
        rules.push(rule);
        rules.len()
    }

    pub(crate) fn clear_rules(&self) {
        lock(&self.rules).clear();
    }

    /// The rules still active (exhausted ones are dropped as they run out).
    pub(crate) fn rules(&self) -> Vec<FaultRule> {
        lock(&self.rules).clone()
    }

    pub(crate) fn requests_log(&self) -> Vec<RecordedRequest> {
        lock(&self.log).iter().cloned().collect()
    }

    pub(crate) fn clear_log(&self) {
        lock(&self.log).clear();
    }

    /// Takes one use of the first rule matching the request.
    fn take_rule(&self, method: &Method, path: &str) -> Option<FaultRule> {
        let mut rules = lock(&self.rules);
        let idx = rules.iter().position(|r| r.matches(method, path))?;
        let rule = rules[idx].clone();
        if let Some(times) = rules[idx].times.as_mut() {
            *times = times.saturating_sub(1);
            if *times == 0 {
                rules.remove(idx);
            }
        }
        Some(rule)
    }

    fn record(&self, mut entry: RecordedRequest) {
        entry.seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let mut log = lock(&self.log);
        if log.len() >= REQUEST_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Masks a credential the way the CLI displays tokens: enough to tell two apart, not
/// enough to use one.
pub(crate) fn mask_secret(value: &str) -> String {
    let (scheme, secret) = match value.split_once(' ') {
        Some((s, rest)) => (format!("{s} "), rest.trim()),
        None => (String::new(), value),
    };
    format!("{scheme}{}", sentry_wire::mask_token(secret))
}

fn recorded_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, value) in headers {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let text = if name == axum::http::header::AUTHORIZATION {
            mask_secret(&text)
        } else {
            text
        };
        out.entry(name.as_str().to_string())
            .and_modify(|v: &mut String| {
                v.push_str(", ");
                v.push_str(&text);
            })
            .or_insert(text);
    }
    out
}

/// Per-connection switch a request carries so that middleware can abort its connection
/// (the accept loop closes the socket with a RST when it is pulled).
#[derive(Clone, Default)]
pub(crate) struct ConnKill(pub(crate) Arc<Notify>);

/// Middleware wrapping every route of a test server: applies fault rules and records the
/// request.
pub(crate) async fn middleware(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with(CONTROL_PREFIX) {
        return next.run(req).await;
    }
    let hooks = state.hooks.clone();
    hooks.requests.fetch_add(1, Ordering::SeqCst);
    let started = Instant::now();
    let method = req.method().clone();
    let mut entry = RecordedRequest {
        seq: 0,
        method: method.to_string(),
        path: path.clone(),
        query: req.uri().query().map(str::to_string),
        headers: recorded_headers(req.headers()),
        status: None,
        fault: None,
        duration_ms: 0,
    };
    let rule = hooks.take_rule(&method, &path);
    if let Some(rule) = &rule {
        if rule.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(rule.delay_ms)).await;
            entry.fault = Some("delay".into());
        }
        if rule.reset {
            entry.fault = Some("reset".into());
            entry.duration_ms = started.elapsed().as_millis() as u64;
            hooks.record(entry);
            if let Some(kill) = req.extensions().get::<ConnKill>() {
                kill.0.notify_one();
                // The connection task drops this future together with the connection.
                std::future::pending::<()>().await;
            }
            // Not served through the accept loop (a bare Router): the closest thing to a
            // reset is an empty response the client cannot use.
            return StatusCode::BAD_GATEWAY.into_response();
        }
    }
    let response = match rule.as_ref().and_then(|r| r.status.map(|s| (r, s))) {
        Some((rule, status)) => {
            entry.fault = Some("status".into());
            fault_response(rule, status)
        }
        None => next.run(req).await,
    };
    entry.status = Some(response.status().as_u16());
    entry.duration_ms = started.elapsed().as_millis() as u64;
    hooks.record(entry);
    response
}

fn fault_response(rule: &FaultRule, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = rule.body.clone().unwrap_or_default();
    let content_type = match body.trim_start().chars().next() {
        Some('{') | Some('[') => "application/json",
        Some('<') => "text/html; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
    let binary = rule.body_base64.as_deref().and_then(|b| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.decode(b).ok()
    });
    let mut response = match binary {
        Some(bytes) => (status, bytes).into_response(),
        None => (status, body).into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    for (name, value) in &rule.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    }
    response
}
