//! Error answers: internal failures are logged with their request and answered with Sentry's
//! generic 500 (never SQL text); bodies of the wrong shape are 400s naming the field.
// Its own test binary (see `[[test]] name = "errors"` in Cargo.toml), sharing the helpers of
// the main one.
#[path = "it/common.rs"]
mod common;

use std::sync::Mutex;

use common::*;
use serde_json::json;

/// Records every log line of this test binary (its own process, so installing a logger here
/// affects no other test, and no other test's server logs into it).
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

static LOGS: Capture = Capture(Mutex::new(Vec::new()));

fn logged() -> Vec<String> {
    LOGS.0.lock().unwrap().clone()
}

#[test]
fn internal_errors_are_logged_with_their_request_and_answered_generically() {
    let _ = log::set_logger(&LOGS);
    log::set_max_level(log::LevelFilter::Debug);
    let s = server();
    // Break the storage under a route.
    s.state
        .db
        .with(|c| c.execute_batch("DROP TABLE repositories"))
        .unwrap();
    let r = api(&s, "GET", "organizations/local/repos/?per_page=5", None);
    assert_eq!(r.status, 500);
    assert_eq!(r.json(), json!({"detail": "Internal Error"}));
    assert!(!r.body.contains("repositories"), "no SQL text: {}", r.body);
    let lines = logged();
    let line = lines
        .iter()
        .find(|l| l.contains("/api/0/organizations/local/repos/"))
        .unwrap_or_else(|| panic!("the 500 was not logged: {lines:#?}"));
    assert!(line.starts_with("ERROR GET /api/0/organizations/local/repos/ → 500: "));
    assert!(line.contains("no such table: repositories"), "{line}");
    // Ordinary errors are answered but not logged as failures of the server.
    assert_eq!(api(&s, "GET", "organizations/nope/", None).status, 404);
    assert!(!logged().iter().any(|l| l.contains("organizations/nope")));
}

#[test]
fn request_bodies_are_typed_and_errors_name_the_field() {
    let s = server();
    // A field of the wrong type is named, in the words of Sentry's serializers.
    let r = api(
        &s,
        "POST",
        "organizations/local/teams/",
        Some(json!({"slug": 5})),
    );
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"detail": "slug: Not a valid string."}))
    );
    let r = api(
        &s,
        "POST",
        "organizations/local/releases/",
        Some(json!({"version": "1.0", "projects": "app"})),
    );
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"detail": "projects: Expected a list of items."})
        )
    );
    let r = api(
        &s,
        "PUT",
        "organizations/local/issues/?id=1",
        Some(json!({"status": "ignored", "statusDetails": {"ignoreDuration": "soon"}})),
    );
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"detail": "statusDetails.ignoreDuration: A valid integer is required."})
        )
    );
    // Not an object, not JSON.
    let r = api_raw(&s, "POST", "organizations/local/teams/", b"[1, 2]");
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"detail": "Request body must be a JSON object."})
        )
    );
    let r = api_raw(&s, "POST", "organizations/local/teams/", b"{\"slug\":");
    assert_eq!(r.status, 400);
    assert!(r.json()["detail"]
        .as_str()
        .unwrap()
        .starts_with("JSON parse error - "));
    // Fields the server does not know are ignored, as Sentry ignores them.
    let r = api(
        &s,
        "POST",
        "organizations/local/teams/",
        Some(json!({"slug": "backend", "idpProvisioned": false, "extra": [1]})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["slug"], "backend");
}

/// An API call with a raw body.
fn api_raw(s: &sentry_local::RunningServer, method: &str, path: &str, body: &[u8]) -> Resp {
    let auth = format!("Bearer {}", s.token());
    request(
        method,
        &format!("{}/api/0/{path}", s.url),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(body),
    )
}
