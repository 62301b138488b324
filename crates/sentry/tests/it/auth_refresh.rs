//! Automatic and manual OAuth refresh: before expiry, after a 401, rejected refresh tokens,
//! and many processes sharing one cli.db while the access token expires.

use crate::common;

use std::process::Stdio;

use crate::auth_support::*;
use crate::common::{assert_exit, assert_success, text};
use serde_json::json;

fn stored_token(env: &common::TestEnv) -> Option<String> {
    store(env).auth().unwrap().and_then(|r| r.token)
}

#[test]
fn refreshes_before_expiry_when_ten_percent_is_left() {
    let env = server(600, 3600);
    let grant = store_oauth_session(&env);
    // 300 s left of 3600 s: refreshed before the request.
    set_expiry(&env, 300_000, 3_600_000);
    let out = env.cmd().args(["auth", "whoami"]).output().unwrap();
    assert_success(&out);
    assert_eq!(refresh_grants(&env), 1);
    let rec = store(&env).auth().unwrap().unwrap();
    assert_ne!(rec.token.as_deref(), grant["access_token"].as_str());
    assert_ne!(
        rec.refresh_token.as_deref(),
        grant["refresh_token"].as_str()
    );
    assert_eq!(rec.host.as_deref(), Some(env.url().as_str()));
    assert_eq!(rec.expires_at.unwrap() - rec.issued_at.unwrap(), 3_600_000);
    // 400 s left: no refresh.
    set_expiry(&env, 400_000, 3_600_000);
    env.cmd().args(["auth", "whoami"]).assert().success();
    assert_eq!(refresh_grants(&env), 1);
}

#[test]
fn expired_session_is_refreshed_for_status_and_token() {
    // decisions.md #9: an expired but refreshable session is refreshed, then reported.
    let env = server(600, 3600);
    store_oauth_session(&env);
    set_expiry(&env, -1000, 3_600_000);
    let out = env
        .cmd()
        .args(["auth", "status", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = common::stdout_json(&out);
    assert_eq!(v["source"], "oauth");
    assert!(v["token"]["expiresAt"].as_i64().unwrap() > sentry_store::now_ms());
    assert_eq!(refresh_grants(&env), 1);
    set_expiry(&env, -1000, 3_600_000);
    let out = env.cmd().args(["auth", "token"]).output().unwrap();
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", stored_token(&env).unwrap())
    );
    assert_eq!(refresh_grants(&env), 2);
}

#[test]
fn refresh_after_401_retries_with_marker() {
    let env = server(600, 3600);
    store_oauth_session(&env);
    // The server no longer knows the access token, but the refresh token is good.
    let s = store(&env);
    let mut rec = s.auth().unwrap().unwrap();
    rec.token = Some("revoked-access-token-0123456789".into());
    s.set_auth(&rec).unwrap();
    post_json_delete_log(&env);
    let out = env.cmd().args(["auth", "whoami"]).output().unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "Local Developer <dev@localhost>\n");
    assert_eq!(refresh_grants(&env), 1);
    let log = requests(&env);
    let auth: Vec<_> = log.iter().filter(|r| r["path"] == "/api/0/auth/").collect();
    assert_eq!(auth.len(), 2, "{log:#?}");
    assert_eq!(auth[0]["status"], 401);
    assert!(auth[0]["headers"].get("x-sentry-cli-retry").is_none());
    assert_eq!(auth[1]["status"], 200);
    assert_eq!(auth[1]["headers"]["x-sentry-cli-retry"], "1");
    assert_ne!(
        stored_token(&env).as_deref(),
        Some("revoked-access-token-0123456789")
    );
}

fn post_json_delete_log(env: &common::TestEnv) {
    let c = sentry_api::Client::new(sentry_api::ClientConfig::new(env.url(), "t")).unwrap();
    let _ = c
        .request("DELETE", &format!("{}/_test/requests", env.url()))
        .without_auth()
        .send_raw();
}

#[test]
fn rejected_refresh_clears_credentials_and_exits_11() {
    let env = server(600, 3600);
    store_oauth_session(&env);
    let s = store(&env);
    let mut rec = s.auth().unwrap().unwrap();
    rec.refresh_token = Some("not-a-valid-refresh-token".into());
    s.set_auth(&rec).unwrap();
    set_expiry(&env, -1000, 3_600_000);
    let out = env.cmd().args(["auth", "whoami"]).output().unwrap();
    assert_exit(&out, 11);
    assert_eq!(
        text(&out.stderr),
        "Error: Session expired: Invalid refresh token. Run 'sentry auth login' to re-authenticate.\n"
    );
    assert!(store(&env).auth().unwrap().is_none());
    assert!(store(&env).user_info().unwrap().is_none());
}

#[test]
fn network_error_keeps_credentials() {
    let env = server(600, 3600);
    store_oauth_session(&env);
    set_expiry(&env, -1000, 3_600_000);
    let s = store(&env);
    let mut rec = s.auth().unwrap().unwrap();
    rec.host = Some("http://127.0.0.1:9".into());
    s.set_auth(&rec).unwrap();
    let out = env.cmd().args(["auth", "token"]).output().unwrap();
    assert_exit(&out, 30);
    assert!(text(&out.stderr).contains("Cannot connect to Sentry at http://127.0.0.1:9"));
    assert_eq!(store(&env).auth().unwrap().unwrap().token, rec.token);
}

#[test]
fn manual_refresh_command() {
    let env = server(600, 3600);
    store_oauth_session(&env);
    let out = env
        .cmd()
        .args(["auth", "refresh", "--force"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        "✓ Access token refreshed successfully. Access token valid for 1 hour.\n"
    );
    assert_eq!(refresh_grants(&env), 1);
    let out = env
        .cmd()
        .args(["auth", "refresh", "--json"])
        .output()
        .unwrap();
    let v = common::stdout_json(&out);
    assert_eq!(v["success"], true);
    assert_eq!(v["refreshed"], false);
    assert_eq!(v["message"], "Access token is still valid");
    assert!(
        (3590..=3600).contains(&v["expiresIn"].as_i64().unwrap()),
        "{v}"
    );
    assert!(v["expiresAt"].as_str().unwrap().ends_with('Z'));
    // A stored API token cannot be refreshed.
    let s = store(&env);
    let mut rec = s.auth().unwrap().unwrap();
    rec.refresh_token = None;
    rec.expires_at = None;
    rec.issued_at = None;
    s.set_auth(&rec).unwrap();
    let out = env.cmd().args(["auth", "refresh"]).output().unwrap();
    assert_exit(&out, 12);
    assert!(text(&out.stderr)
        .starts_with("Error: No refresh token available. You may be using a manual API token.\n"));
    // Nothing stored.
    s.clear_auth().unwrap();
    let out = env.cmd().args(["auth", "refresh"]).output().unwrap();
    assert_exit(&out, 10);
}

#[test]
fn thirty_two_processes_share_one_refresh() {
    let env = server(600, 3600);
    store_oauth_session(&env);
    set_expiry(&env, -1000, 3_600_000);
    let children: Vec<_> = (0..32)
        .map(|_| {
            std_cmd(&env)
                .args(["auth", "whoami", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_success(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["email"], json!("dev@localhost"));
    }
    assert_eq!(refresh_grants(&env), 1);
    assert!(store(&env).auth().unwrap().unwrap().expires_at.unwrap() > sentry_store::now_ms());
}

#[test]
fn a_redirected_refresh_does_not_carry_the_refresh_token_elsewhere() {
    let env = server(600, 3600);
    let grant = store_oauth_session(&env);
    set_expiry(&env, -1000, 3_600_000);
    // Behind the redirect, a header-logging path of the same server would see the token.
    fault(
        &env,
        json!({"method": "POST", "path_prefix": "/oauth/token/", "status": 307, "times": 1,
               "headers": {"location": "/elsewhere/"}}),
    );
    let out = env.cmd().args(["auth", "whoami"]).output().unwrap();
    assert!(!out.status.success());
    let paths: Vec<String> = requests(&env)
        .iter()
        .filter_map(|r| r["path"].as_str().map(str::to_string))
        .collect();
    assert!(paths.contains(&"/oauth/token/".to_string()), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.starts_with("/elsewhere")),
        "the redirect was followed: {paths:?}"
    );
    assert_eq!(refresh_grants(&env), 0);
    // The session is still there to retry with.
    assert_eq!(
        store(&env)
            .auth()
            .unwrap()
            .unwrap()
            .refresh_token
            .as_deref(),
        grant["refresh_token"].as_str()
    );
}
