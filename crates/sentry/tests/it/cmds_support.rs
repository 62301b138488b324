//! Helpers for the command-behaviour tests (`api_cmd`, `api_shapes`, `views`): raw HTTP to the
//! test server's control routes (request log, faults) and its DSN ingest endpoint, bypassing
//! the binary under test.

#![allow(dead_code)]

use serde_json::{json, Value};

use crate::common::TestEnv;

pub use crate::common::http;

pub fn clear_log(env: &TestEnv) {
    let (status, _) = http(env, "DELETE", "/_test/requests", None, &[]);
    assert_eq!(status, 204);
}

/// Every request the binary made since the last [`clear_log`] (the server's request log, its
/// control routes left out), as the server recorded it: method, path, query, headers, body.
pub fn requests(env: &TestEnv) -> Vec<Value> {
    let (status, v) = http(env, "GET", "/_test/requests", None, &[]);
    assert_eq!(status, 200);
    v.as_array()
        .expect("request log is an array")
        .iter()
        .filter(|r| !r["path"].as_str().unwrap_or("").starts_with("/_test/"))
        .cloned()
        .collect()
}

/// `METHOD path?query` of every request the binary made since the last [`clear_log`].
pub fn logged(env: &TestEnv) -> Vec<String> {
    requests(env)
        .iter()
        .map(|r| {
            let q = r["query"].as_str().unwrap_or("");
            let sep = if q.is_empty() { "" } else { "?" };
            format!(
                "{} {}{sep}{q}",
                r["method"].as_str().unwrap_or(""),
                r["path"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Installs a fault rule (`POST /_test/faults`).
pub fn fault(env: &TestEnv, rule: Value) {
    let body = serde_json::to_vec(&rule).unwrap();
    let (status, v) = http(
        env,
        "POST",
        "/_test/faults",
        Some((&body, "application/json")),
        &[],
    );
    assert_eq!(status, 201, "fault rule rejected: {v}");
}

/// Sends one envelope with the given items (`(item header, payload bytes)`) through the DSN
/// ingest endpoint of project `project_id`, authenticated with `public_key`.
pub fn send_envelope_to(
    env: &TestEnv,
    project_id: u64,
    public_key: &str,
    event_id: &str,
    items: &[(Value, Vec<u8>)],
) {
    let mut body = serde_json::to_vec(&json!({ "event_id": event_id })).unwrap();
    body.push(b'\n');
    for (header, payload) in items {
        let mut header = header.clone();
        header["length"] = json!(payload.len());
        body.extend_from_slice(&serde_json::to_vec(&header).unwrap());
        body.push(b'\n');
        body.extend_from_slice(payload);
        body.push(b'\n');
    }
    let auth = format!("Sentry sentry_key={public_key}, sentry_version=7");
    let (status, v) = http(
        env,
        "POST",
        &format!("/api/{project_id}/envelope/"),
        Some((&body, "application/x-sentry-envelope")),
        &[("X-Sentry-Auth", auth.as_str())],
    );
    assert_eq!(status, 200, "envelope rejected: {v}");
}

/// Sends an error event (plus any extra items) to the bootstrap project `local/app`.
pub fn send_event(env: &TestEnv, event_id: &str, event: Value, extra: &[(Value, Vec<u8>)]) {
    let mut event = event;
    event["event_id"] = json!(event_id);
    let mut items = vec![(
        json!({"type": "event"}),
        serde_json::to_vec(&event).unwrap(),
    )];
    items.extend(extra.iter().cloned());
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    send_envelope_to(env, project, &key, event_id, &items);
}
