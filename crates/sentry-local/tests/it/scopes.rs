//! Every REST API route checks the scope Sentry's permission class requires for it, before
//! it looks anything up, and refuses with Sentry's 403 shape.

use crate::common::*;
use serde_json::{json, Value};

const FORBIDDEN: &str = "You do not have permission to perform this action.";

/// Every API route of the server, as `(method, path under /api/0/)`, with a body for writes.
const SCOPED_ROUTES: &[(&str, &str)] = &[
    ("POST", "organizations/"),
    ("DELETE", "organizations/"),
    ("GET", "organizations/local/"),
    ("GET", "users/me/regions/"),
    ("GET", "organizations/local/projects/"),
    ("POST", "organizations/local/projects/"),
    ("GET", "projects/"),
    ("GET", "projects/local/app/"),
    ("PUT", "projects/local/app/"),
    ("DELETE", "projects/local/app/"),
    ("GET", "projects/local/app/keys/"),
    ("POST", "projects/local/app/keys/"),
    ("GET", "projects/local/app/environments/"),
    ("GET", "teams/local/local/projects/"),
    ("POST", "teams/local/local/projects/"),
    ("GET", "organizations/local/teams/"),
    ("POST", "organizations/local/teams/"),
    ("POST", "organizations/local/members/me/teams/local/"),
    ("GET", "projects/local/app/teams/"),
    ("GET", "teams/local/local/"),
    ("GET", "organizations/local/repos/"),
    ("POST", "organizations/local/repos/"),
    ("GET", "organizations/local/issues/"),
    ("PUT", "organizations/local/issues/?id=1"),
    ("DELETE", "organizations/local/issues/?id=1"),
    ("GET", "projects/local/app/issues/"),
    ("PUT", "projects/local/app/issues/?id=1"),
    ("GET", "organizations/local/issues/1/"),
    ("PUT", "organizations/local/issues/1/"),
    ("DELETE", "organizations/local/issues/1/"),
    ("GET", "issues/1/"),
    ("PUT", "issues/1/"),
    ("DELETE", "issues/1/"),
    ("GET", "organizations/local/shortids/APP-1/"),
    ("GET", "organizations/local/issues/1/events/"),
    ("GET", "issues/1/events/"),
    ("GET", "organizations/local/issues/1/events/latest/"),
    ("GET", "issues/1/events/latest/"),
    ("GET", "projects/local/app/events/"),
    (
        "GET",
        "projects/local/app/events/9ec79c33ec9942ab8353589fcb2e04dc/",
    ),
    (
        "GET",
        "projects/local/app/events/9ec79c33ec9942ab8353589fcb2e04dc/attachments/",
    ),
    (
        "GET",
        "projects/local/app/events/9ec79c33ec9942ab8353589fcb2e04dc/attachments/1/",
    ),
    (
        "GET",
        "organizations/local/eventids/9ec79c33ec9942ab8353589fcb2e04dc/",
    ),
    ("GET", "organizations/local/releases/"),
    ("POST", "organizations/local/releases/"),
    ("GET", "projects/local/app/releases/"),
    ("POST", "projects/local/app/releases/"),
    ("GET", "organizations/local/releases/1.0/"),
    ("PUT", "organizations/local/releases/1.0/"),
    ("DELETE", "organizations/local/releases/1.0/"),
    ("GET", "organizations/local/releases/1.0/deploys/"),
    ("POST", "organizations/local/releases/1.0/deploys/"),
    ("GET", "organizations/local/releases/1.0/commits/"),
    (
        "GET",
        "organizations/local/releases/1.0/previous-with-commits/",
    ),
    ("GET", "organizations/local/chunk-upload/"),
    ("POST", "organizations/local/chunk-upload/"),
    ("POST", "organizations/local/artifactbundle/assemble/"),
    ("GET", "organizations/local/monitors/"),
    ("POST", "organizations/local/monitors/"),
    ("GET", "organizations/local/monitors/nightly/"),
    ("DELETE", "organizations/local/monitors/nightly/"),
    ("GET", "organizations/local/monitors/nightly/checkins/"),
    ("GET", "organizations/local/events/?field=title"),
    (
        "GET",
        "organizations/local/trace/0123456789abcdef0123456789abcdef/",
    ),
    (
        "GET",
        "organizations/local/trace-logs/?traceId=0123456789abcdef0123456789abcdef",
    ),
    (
        "GET",
        "organizations/local/trace-meta/0123456789abcdef0123456789abcdef/",
    ),
];

#[test]
fn a_token_without_scopes_is_refused_on_every_scoped_route() {
    let s = server();
    // A valid token that carries no scope at all.
    add_token(&s, "sntryu_noscope", "", None, "user");
    for (method, path) in SCOPED_ROUTES {
        let body = (*method != "GET" && *method != "DELETE").then(|| json!({}));
        let r = api_with(&s, "sntryu_noscope", method, path, body);
        assert_eq!(r.status, 403, "{method} {path}: {}", r.body);
        assert_eq!(r.json(), json!({"detail": FORBIDDEN}), "{method} {path}");
    }
    // Routes Sentry opens to any valid token: the caller's own data and the org list.
    for path in ["", "auth/", "users/me/", "organizations/"] {
        let r = api_with(&s, "sntryu_noscope", "GET", path, None);
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
    }
}

#[test]
fn read_scopes_read_and_writes_need_write_or_admin_scopes() {
    let s = server();
    let r = send_envelope(&s, &event_envelope(&json!({"message": "scoped"})));
    assert_eq!(r.status, 200, "{}", r.body);
    // What `sentry auth login --read-only` asks for.
    let ro = "sntryu_readonly";
    add_token(
        &s,
        ro,
        "project:read org:read event:read member:read team:read alerts:read",
        None,
        "user",
    );
    for path in [
        "organizations/local/",
        "organizations/local/issues/",
        "projects/local/app/",
        "teams/local/local/",
        "organizations/local/monitors/",
        "organizations/local/releases/",
    ] {
        assert_eq!(
            api_with(&s, ro, "GET", path, None).status,
            200,
            "GET {path}"
        );
    }
    let id = api(&s, "GET", "organizations/local/issues/", None).json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = |token: &str, method: &str, path: &str, body: Option<Value>| {
        let r = api_with(&s, token, method, path, body);
        assert_eq!(
            (r.status, r.json()),
            (403, json!({"detail": FORBIDDEN})),
            "{method} {path} with {token}"
        );
    };
    // Issue updates need event:write, deletions event:admin (Sentry's GroupPermission).
    let resolve = json!({"status": "resolved"});
    refused(
        ro,
        "PUT",
        &format!("organizations/local/issues/{id}/"),
        Some(resolve.clone()),
    );
    add_token(&s, "sntryu_events", "event:write", None, "user");
    let r = api_with(
        &s,
        "sntryu_events",
        "PUT",
        &format!("organizations/local/issues/{id}/"),
        Some(resolve),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    refused(
        "sntryu_events",
        "DELETE",
        &format!("organizations/local/issues/{id}/"),
        None,
    );
    // Creating a project needs project:write; a stronger level of the same resource counts.
    refused(
        ro,
        "POST",
        "teams/local/local/projects/",
        Some(json!({"name": "web"})),
    );
    add_token(&s, "sntryu_projadmin", "project:admin", None, "user");
    let r = api_with(
        &s,
        "sntryu_projadmin",
        "POST",
        "teams/local/local/projects/",
        Some(json!({"name": "web"})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    // Org tokens (`org:ci`) reach releases but cannot delete them (project:releases or
    // project:admin), nor read issues (event:read).
    add_token(&s, "sntrys_ci", "org:ci", Some(1), "org");
    let r = api_with(
        &s,
        "sntrys_ci",
        "POST",
        "organizations/local/releases/",
        Some(json!({"version": "1.0", "projects": ["app"]})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    refused(
        "sntrys_ci",
        "DELETE",
        "organizations/local/releases/1.0/",
        None,
    );
    refused("sntrys_ci", "GET", "organizations/local/issues/", None);
}

#[test]
fn authentication_comes_before_scopes_and_routing_before_both() {
    let s = server();
    let no_token = request(
        "GET",
        &format!("{}/api/0/organizations/local/issues/", s.url),
        &[],
        None,
    );
    assert_eq!(
        (no_token.status, no_token.json()),
        (
            401,
            json!({"detail": "Authentication credentials were not provided."})
        )
    );
    let bad = api_with(&s, "sntryu_unknown", "GET", "organizations/local/", None);
    assert_eq!(
        (bad.status, bad.json()),
        (401, json!({"detail": "Invalid token"}))
    );
    // An unknown API path is a 404 whatever the token.
    let unknown = request("GET", &format!("{}/api/0/no-such-thing/", s.url), &[], None);
    assert_eq!(unknown.status, 404);
    // A method the route does not have is a 405 before any token check.
    let r = request(
        "PATCH",
        &format!("{}/api/0/organizations/local/", s.url),
        &[],
        None,
    );
    assert_eq!(r.status, 405);
}
