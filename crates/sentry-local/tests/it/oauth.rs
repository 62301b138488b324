//! Device flow and refresh rotation against a real local server over HTTP.

use crate::common::agent;

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

// ---------------------------------------------------------------------------------------
// Setup codes (`sentry auth bootstrap`).

const SETUP_GRANT: &str = "urn:sentry:params:oauth:grant-type:setup_code";

fn mint(s: &RunningServer, body: Value) -> Value {
    let (status, minted) = control(s, "/_test/setup-codes", body);
    assert_eq!(status, 201, "{minted}");
    minted
}

fn redeem(s: &RunningServer, code: &str) -> (u16, Value) {
    post_form(
        s,
        "/oauth/token/",
        &[
            ("grant_type", SETUP_GRANT),
            ("client_id", CLIENT),
            ("setup_code", code),
        ],
    )
}

#[test]
fn minted_setup_code_names_this_server_and_has_a_43_character_secret() {
    use base64::Engine as _;
    let s = server(0, 600, 3600);
    let minted = mint(&s, json!({}));
    assert_eq!(minted["url"], json!(s.url));
    assert_eq!(minted["expires_in"], 600);
    assert_eq!(
        minted["scope"],
        "project:read project:write project:admin org:read event:read event:write member:read team:read team:write team:admin alerts:read alerts:write"
    );
    let code = minted["setup_code"].as_str().unwrap();
    // The shape clients accept: sntryc_<base64 JSON>_<43 of [A-Za-z0-9+/]>.
    let re = regex::Regex::new(r"^sntryc_([A-Za-z0-9+/=]+)_([A-Za-z0-9+/]{43})$").unwrap();
    let caps = re.captures(code).unwrap_or_else(|| panic!("{code}"));
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&caps[1])
        .unwrap();
    let payload: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(payload, json!({ "url": s.url }));
    assert_ne!(mint(&s, json!({}))["setup_code"], minted["setup_code"]);
}

#[test]
fn setup_code_redeems_once_for_a_device_flow_shaped_token_response() {
    let s = server(0, 600, 3600);
    let code = mint(&s, json!({ "scope": "org:read project:read" }))["setup_code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(stats(&s)["setup_code_grants"], 0);

    let (status, body) = redeem(&s, &code);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "org:read project:read");
    assert_eq!(
        body["user"],
        json!({"id": "1", "name": "Local Developer", "email": "dev@localhost"})
    );
    assert!(
        body["expires_at"].as_str().unwrap().ends_with('Z'),
        "{body}"
    );
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(token_kind(&s, access), "oauth");
    let (status, me) = whoami(&s, access);
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["auth"]["scopes"], json!(["org:read", "project:read"]));
    assert_eq!(stats(&s)["setup_code_grants"], 1);

    // Single use: the same code again is invalid_grant, and nothing new is issued.
    let (status, again) = redeem(&s, &code);
    assert_eq!(status, 400);
    assert_eq!(
        again,
        json!({"error": "invalid_grant", "error_description": "Setup code was already used"})
    );
    assert_eq!(stats(&s)["setup_code_grants"], 1);

    // The refresh token belongs to the client that redeemed the code.
    let (status, refreshed) = refresh(&s, body["refresh_token"].as_str().unwrap());
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["scope"], "org:read project:read");
}

#[test]
fn unknown_expired_and_incomplete_setup_code_requests_are_refused() {
    let s = server(0, 600, 3600);
    let (status, body) = redeem(&s, "sntryc_eyJ1cmwiOiJodHRwOi8veCJ9_nope");
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Invalid setup code"})
    );

    let expired = mint(&s, json!({ "expires_in": 0 }));
    assert_eq!(expired["expires_in"], 0);
    let (status, body) = redeem(&s, expired["setup_code"].as_str().unwrap());
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Setup code has expired"})
    );

    let good = mint(&s, json!({}));
    let good = good["setup_code"].as_str().unwrap();
    let (status, body) = post_form(
        &s,
        "/oauth/token/",
        &[("grant_type", SETUP_GRANT), ("client_id", CLIENT)],
    );
    assert_eq!((status, &body["error"]), (400, &json!("invalid_request")));
    assert_eq!(body["error_description"], "Missing setup_code");
    let (status, body) = post_form(
        &s,
        "/oauth/token/",
        &[("grant_type", SETUP_GRANT), ("setup_code", good)],
    );
    assert_eq!((status, &body["error"]), (401, &json!("invalid_client")));
    // Neither refusal used the code up.
    assert_eq!(redeem(&s, good).0, 200);
    assert_eq!(stats(&s)["setup_code_grants"], 1);

    let (status, body) = control(
        &s,
        "/_test/setup-codes",
        json!({ "scope": "org:read nope" }),
    );
    assert_eq!(status, 400);
    assert_eq!(body["detail"], "Unknown scope: nope");
}

fn post_bearer(
    s: &RunningServer,
    path: &str,
    token: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let mut req = agent().post(format!("{}{path}", s.url));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut resp = req.send_form(form.iter().copied()).expect("request");
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_json().unwrap_or(Value::Null))
}

#[test]
fn setup_code_endpoint_mints_for_a_user_token_on_any_server() {
    // Plain `sentry local serve`: no control routes, but the endpoint is there.
    let s = start(ServerConfig {
        port: 0,
        ..ServerConfig::default()
    })
    .unwrap();
    let (status, body) = post_bearer(&s, "/oauth/setup-code/", None, &[]);
    assert_eq!(
        (status, body),
        (
            401,
            json!({"detail": "Authentication credentials were not provided."})
        )
    );
    let (status, body) = post_bearer(&s, "/oauth/setup-code/", Some("sntryu_wrong"), &[]);
    assert_eq!((status, body), (401, json!({"detail": "Invalid token"})));

    let (status, minted) = post_bearer(&s, "/oauth/setup-code/", Some(s.token()), &[]);
    assert_eq!(status, 201, "{minted}");
    assert_eq!(minted["url"], json!(s.url));
    assert_eq!(minted["expires_in"], 600);
    let code = minted["setup_code"].as_str().unwrap();
    let (status, tokens) = redeem(&s, code);
    assert_eq!(status, 200, "{tokens}");

    // A code grants no more than the token that minted it holds.
    let narrow = tokens["access_token"].as_str().unwrap();
    let (status, body) = post_bearer(
        &s,
        "/oauth/setup-code/",
        Some(narrow),
        &[("scope", "org:admin")],
    );
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["detail"],
        "The token minting this code lacks the scope org:admin."
    );
    let (status, body) = post_bearer(
        &s,
        "/oauth/setup-code/",
        Some(narrow),
        &[("scope", "org:read")],
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["scope"], "org:read");

    let resp = agent()
        .post(format!("{}/_test/setup-codes", s.url))
        .send_json(json!({}))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}
