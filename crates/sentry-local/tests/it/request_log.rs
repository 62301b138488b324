//! The opt-in request log (`sentry local serve --log-requests`): one line per request with
//! method, path, status and duration, and never a credential.

use std::sync::{Arc, Mutex};

use crate::common::*;
use sentry_local::{start, RequestLine, RequestLog, ServerConfig};
use serde_json::json;

#[test]
fn every_request_gets_one_line_without_credentials() {
    let lines: Arc<Mutex<Vec<RequestLine>>> = Arc::default();
    let sink = lines.clone();
    let s = start(ServerConfig {
        request_log: Some(RequestLog::new(move |l| {
            sink.lock().unwrap().push(l.clone())
        })),
        ..ServerConfig::for_tests()
    })
    .unwrap();
    api(&s, "GET", "organizations/?per_page=1", None);
    api_with(
        &s,
        "sntryu_not-a-token",
        "GET",
        "organizations/local/",
        None,
    );
    api(&s, "GET", "organizations/missing/", None);
    send_envelope(&s, &event_envelope(&json!({"message": "logged"})));
    request("GET", &format!("{}/health", s.url), &[], None);

    let lines = lines.lock().unwrap().clone();
    let shown: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let summary: Vec<(String, String, u16)> = lines
        .iter()
        .map(|l| (l.method.clone(), l.path.clone(), l.status))
        .collect();
    let envelope_path = format!("/api/{}/envelope/", s.bootstrap.project_id);
    assert_eq!(
        summary,
        [
            ("GET", "/api/0/organizations/?per_page=1", 200),
            ("GET", "/api/0/organizations/local/", 401),
            ("GET", "/api/0/organizations/missing/", 404),
            ("POST", envelope_path.as_str(), 200),
            ("GET", "/health", 200),
        ]
        .map(|(m, p, st)| (m.to_string(), p.to_string(), st)),
        "{shown:#?}"
    );
    // `GET /api/0/organizations/?per_page=1 200 3ms`
    for line in &shown {
        let ms = line.rsplit(' ').next().unwrap();
        assert!(
            ms.ends_with("ms") && ms.trim_end_matches("ms").parse::<u64>().is_ok(),
            "{line}"
        );
        for secret in [
            s.token(),
            "sntryu_not-a-token",
            s.bootstrap.public_key.as_str(),
        ] {
            assert!(!line.contains(secret), "{line} shows a credential");
        }
    }
}
