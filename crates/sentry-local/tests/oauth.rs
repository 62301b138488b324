//! Device flow and refresh rotation against a real local server over HTTP.
mod common;

use common::agent;

use std::time::Duration;

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

const CLIENT: &str = "test-client";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn server(poll_interval: u64, code_lifetime: u64, token_lifetime: u64) -> RunningServer {
    start(ServerConfig {
        device_poll_interval_secs: poll_interval,
        device_code_lifetime_secs: code_lifetime,
        access_token_lifetime_secs: token_lifetime,
        ..ServerConfig::for_tests()
    })
    .expect("server starts")
}

fn post_form(s: &RunningServer, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let mut resp = agent()
        .post(format!("{}{path}", s.url))
        .send_form(form.iter().copied())
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_json().expect("json body"))
}

/// `GET /api/0/` with `token`: status and body (`auth.scopes`, `user.id` for a valid one).
fn whoami(s: &RunningServer, token: &str) -> (u16, Value) {
    let mut resp = agent()
        .get(format!("{}/api/0/", s.url))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_json().expect("json body"))
}

fn token_kind(s: &RunningServer, token: &str) -> String {
    s.state
        .db
        .with(|c| {
            c.query_row(
                "SELECT kind FROM api_tokens WHERE token = ?1",
                [token],
                |r| r.get(0),
            )
        })
        .unwrap()
}

fn start_flow(s: &RunningServer, scope: &str) -> Value {
    let (status, body) = post_form(
        s,
        "/oauth/device/code/",
        &[("client_id", CLIENT), ("scope", scope)],
    );
    assert_eq!(status, 200, "{body}");
    body
}

fn poll(s: &RunningServer, device_code: &str) -> (u16, Value) {
    post_form(
        s,
        "/oauth/token/",
        &[
            ("client_id", CLIENT),
            ("device_code", device_code),
            ("grant_type", DEVICE_GRANT),
        ],
    )
}

fn control(s: &RunningServer, path: &str, body: Value) -> (u16, Value) {
    let mut resp = agent()
        .post(format!("{}{path}", s.url))
        .send_json(&body)
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_json().unwrap_or(Value::Null))
}

fn refresh(s: &RunningServer, token: &str) -> (u16, Value) {
    post_form(
        s,
        "/oauth/token/",
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
        ],
    )
}

fn stats(s: &RunningServer) -> Value {
    agent()
        .get(format!("{}/_test/stats", s.url))
        .call()
        .expect("stats")
        .body_mut()
        .read_json()
        .expect("json")
}

#[test]
fn device_code_response_has_rfc8628_fields() {
    let s = server(0, 600, 3600);
    let body = start_flow(&s, "org:read project:read");
    let user_code = body["user_code"].as_str().expect("user_code");
    let re = regex::Regex::new("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$").unwrap();
    assert!(re.is_match(user_code), "{user_code}");
    assert_eq!(body["device_code"].as_str().map(str::len), Some(64));
    assert_eq!(
        body["verification_uri"],
        json!(format!("{}/oauth/device/", s.url))
    );
    assert_eq!(
        body["verification_uri_complete"],
        json!(format!("{}/oauth/device/?user_code={user_code}", s.url))
    );
    assert_eq!(body["expires_in"], json!(600));
    assert_eq!(body["interval"], json!(0));
}

#[test]
fn device_code_rejects_missing_client_and_unknown_scope() {
    let s = server(0, 600, 3600);
    let (status, body) = post_form(&s, "/oauth/device/code/", &[("scope", "org:read")]);
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = post_form(
        &s,
        "/oauth/device/code/",
        &[("client_id", CLIENT), ("scope", "org:read org:destroy")],
    );
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_scope");
    assert_eq!(body["error_description"], "Unknown scope: org:destroy");
}

#[test]
fn pending_then_approved_issues_tokens_usable_once() {
    let s = server(0, 600, 3600);
    let flow = start_flow(&s, "org:read project:read");
    let device_code = flow["device_code"].as_str().unwrap();
    let (status, body) = poll(&s, device_code);
    assert_eq!(status, 400);
    assert_eq!(body["error"], "authorization_pending");

    // Approve with a sloppy spelling of the code: lower case, no dash.
    let sloppy = flow["user_code"]
        .as_str()
        .unwrap()
        .replace('-', "")
        .to_lowercase();
    let (status, body) = control(&s, "/_test/device/approve", json!({ "user_code": sloppy }));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "approved");

    let (status, body) = poll(&s, device_code);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "org:read project:read");
    assert_eq!(
        body["user"],
        json!({"id": "1", "name": "Local Developer", "email": "dev@localhost"})
    );
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(access.len(), 64);
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|r| r.len() == 64));
    let expires_at: jiff::Timestamp = body["expires_at"].as_str().unwrap().parse().unwrap();
    let in_secs = expires_at.as_second() - jiff::Timestamp::now().as_second();
    assert!((3590..=3600).contains(&in_secs), "{in_secs}");
    let (status, me) = whoami(&s, access);
    assert_eq!(status, 200, "the token is valid: {me}");
    assert_eq!(me["auth"]["scopes"], json!(["org:read", "project:read"]));
    assert_eq!(me["user"]["id"], "1");
    assert_eq!(token_kind(&s, access), "oauth");

    // The device code cannot be redeemed twice.
    let (status, body) = poll(&s, device_code);
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
}

#[test]
fn polling_faster_than_interval_gets_slow_down() {
    let s = server(1, 600, 3600);
    let flow = start_flow(&s, "org:read");
    let device_code = flow["device_code"].as_str().unwrap();
    assert_eq!(poll(&s, device_code).1["error"], "authorization_pending");
    assert_eq!(poll(&s, device_code).1["error"], "slow_down");
    // The interval is now 6 s: waiting the original 1 s is still too fast.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(poll(&s, device_code).1["error"], "slow_down");
}

#[test]
fn denied_code_answers_access_denied() {
    let s = server(0, 600, 3600);
    let flow = start_flow(&s, "org:read");
    let (status, _) = control(
        &s,
        "/_test/device/deny",
        json!({ "user_code": flow["user_code"] }),
    );
    assert_eq!(status, 200);
    let (status, body) = poll(&s, flow["device_code"].as_str().unwrap());
    assert_eq!(status, 400);
    assert_eq!(body["error"], "access_denied");
    // A decided code cannot be decided again.
    let (status, body) = control(
        &s,
        "/_test/device/approve",
        json!({ "user_code": flow["user_code"] }),
    );
    assert_eq!(status, 404);
    assert_eq!(body["detail"], "This code has already been used.");
}

#[test]
fn expired_device_code_answers_expired_token() {
    let s = server(0, 1, 3600);
    let flow = start_flow(&s, "org:read");
    std::thread::sleep(Duration::from_millis(1100));
    let (status, body) = poll(&s, flow["device_code"].as_str().unwrap());
    assert_eq!(status, 400);
    assert_eq!(body["error"], "expired_token");
    let (status, _) = control(
        &s,
        "/_test/device/approve",
        json!({ "user_code": flow["user_code"] }),
    );
    assert_eq!(status, 404);
}

#[test]
fn unknown_device_code_and_grant_type() {
    let s = server(0, 600, 3600);
    let (status, body) = poll(&s, "nope");
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, body) = post_form(&s, "/oauth/token/", &[("grant_type", "password")]);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, _) = control(
        &s,
        "/_test/device/approve",
        json!({ "user_code": "BCDF-GHJK" }),
    );
    assert_eq!(status, 404);
}

fn login(s: &RunningServer) -> Value {
    let flow = start_flow(s, "org:read project:releases");
    control(
        s,
        "/_test/device/approve",
        json!({ "user_code": flow["user_code"] }),
    );
    let (status, body) = poll(s, flow["device_code"].as_str().unwrap());
    assert_eq!(status, 200, "{body}");
    body
}

#[test]
fn refresh_rotates_and_old_refresh_token_is_invalid() {
    let s = server(0, 600, 3600);
    let first = login(&s);
    let old_access = first["access_token"].as_str().unwrap();
    let old_refresh = first["refresh_token"].as_str().unwrap();
    assert_eq!(stats(&s)["refresh_grants"], 0);

    let (status, second) = refresh(&s, old_refresh);
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["access_token"], first["access_token"]);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["scope"], "org:read project:releases");
    assert_eq!(second["expires_in"], 3600);
    assert_eq!(stats(&s)["refresh_grants"], 1);

    // The old pair is dead: the access token is revoked, the refresh token single-use.
    let (status, body) = whoami(&s, old_access);
    assert_eq!((status, body), (401, json!({"detail": "Invalid token"})));
    let (status, body) = refresh(&s, old_refresh);
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "Invalid refresh token");
    assert_eq!(stats(&s)["refresh_grants"], 1);

    // The new refresh token works.
    let (status, _) = refresh(&s, second["refresh_token"].as_str().unwrap());
    assert_eq!(status, 200);
    assert_eq!(stats(&s)["refresh_grants"], 2);
}

#[test]
fn access_token_expires_after_configured_lifetime() {
    let s = server(0, 600, 1);
    let tokens = login(&s);
    assert_eq!(tokens["expires_in"], 1);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(whoami(&s, access).0, 200);
    std::thread::sleep(Duration::from_millis(1100));
    let (status, body) = whoami(&s, access);
    assert_eq!((status, body), (401, json!({"detail": "Token expired"})));
    // Over HTTP, an API route answers 401 too.
    let mut resp = agent()
        .get(format!("{}/api/0/organizations/local/releases/", s.url))
        .header("Authorization", format!("Bearer {access}"))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = resp.body_mut().read_json().unwrap();
    assert_eq!(body["detail"], "Token expired");
    // Refreshing still works after the access token expired.
    let (status, _) = refresh(&s, tokens["refresh_token"].as_str().unwrap());
    assert_eq!(status, 200);
}

#[test]
fn html_page_shows_form_and_approves() {
    let s = server(0, 600, 3600);
    let mut resp = agent()
        .get(format!("{}/oauth/device/", s.url))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.body_mut().read_to_string().unwrap();
    assert!(
        html.contains("<form method=\"get\" action=\"/oauth/device/\">"),
        "{html}"
    );
    assert!(html.contains("name=\"user_code\" value=\"\""));

    let flow = start_flow(&s, "org:read event:read");
    let code = flow["user_code"].as_str().unwrap();
    let complete = flow["verification_uri_complete"].as_str().unwrap();
    let html = agent()
        .get(complete)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(html.contains(&format!(
        "<input type=\"hidden\" name=\"user_code\" value=\"{code}\">"
    )));
    assert!(html.contains("<li>event:read</li>"));
    assert!(html.contains("value=\"approve\""));

    let mut resp = agent()
        .post(format!("{}/oauth/device/", s.url))
        .send_form([("user_code", code), ("action", "approve")])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp
        .body_mut()
        .read_to_string()
        .unwrap()
        .contains("Device approved"));
    let (status, _) = poll(&s, flow["device_code"].as_str().unwrap());
    assert_eq!(status, 200);

    // Approving again shows the error on the page.
    let mut resp = agent()
        .post(format!("{}/oauth/device/", s.url))
        .send_form([("user_code", code), ("action", "approve")])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp
        .body_mut()
        .read_to_string()
        .unwrap()
        .contains("already been used"));
}

#[test]
fn html_page_escapes_user_input_and_refuses_cross_site_posts() {
    let s = server(0, 600, 3600);
    let mut resp = agent()
        .get(format!("{}/oauth/device/", s.url))
        .query("user_code", "<script>alert(1)</script>")
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let html = resp.body_mut().read_to_string().unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    let flow = start_flow(&s, "org:read");
    let resp = agent()
        .post(format!("{}/oauth/device/", s.url))
        .header("Origin", "https://evil.example")
        .send_form([
            ("user_code", flow["user_code"].as_str().unwrap()),
            ("action", "approve"),
        ])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(
        poll(&s, flow["device_code"].as_str().unwrap()).1["error"],
        "authorization_pending"
    );

    // Deny through the page.
    let mut resp = agent()
        .post(format!("{}/oauth/device/", s.url))
        .header("Origin", s.url.as_str())
        .send_form([
            ("user_code", flow["user_code"].as_str().unwrap()),
            ("action", "deny"),
        ])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.body_mut().read_to_string().unwrap().contains("denied"));
    assert_eq!(
        poll(&s, flow["device_code"].as_str().unwrap()).1["error"],
        "access_denied"
    );
}

#[test]
fn control_routes_absent_without_test_control() {
    let s = start(ServerConfig {
        port: 0,
        ..ServerConfig::default()
    })
    .unwrap();
    let resp = agent()
        .post(format!("{}/_test/device/approve", s.url))
        .send_json(json!({"user_code": "BCDF-GHJK"}))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}
