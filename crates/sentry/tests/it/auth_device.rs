//! `sentry auth login` through the OAuth device flow against the local server.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use crate::auth_support::*;
use crate::common::{assert_contains, assert_exit, assert_success, parse_json, text, TestEnv};
use serde_json::json;

#[test]
fn device_flow_end_to_end_stores_session_and_user() {
    let env = server(600, 3600);
    // A fresh config dir: login must create it 0700.
    std::fs::remove_dir_all(env.config_dir()).unwrap();
    let login = start_login(&env, &["--url", &env.url()]);
    assert!(
        login.stderr_head.contains("Starting authentication..."),
        "{}",
        login.stderr_head
    );
    // Not a terminal: no browser and no QR code (tests/auth_qr.rs), the URL and the copy
    // hint instead.
    assert!(login
        .stderr_head
        .contains("Visit the URL below to sign in:"));
    assert!(!login.stderr_head.contains('▀'));
    let url_line = format!(
        "  URL:  {}/oauth/device/?user_code={}",
        env.url(),
        login.user_code
    );
    assert!(
        login.stderr_head.contains(&url_line),
        "{}",
        login.stderr_head
    );
    approve(&env, &login.user_code);
    let (code, out, err) = login.wait();
    assert_eq!(code, 0, "stderr: {err}");
    assert_contains(&err, "Copy the URL above to sign in.");
    assert_contains(&err, "Waiting for authorization...");
    assert_contains(&err, "Authorization received!");
    let db = env.config_dir().join("cli.db");
    assert_eq!(
        out,
        format!(
            "✔ Authentication successful!\n  Logged in as: Local Developer <dev@localhost>\n  Automatic refresh: enabled\n  Config saved to: {}\n\n",
            db.display()
        )
    );

    let s = store(&env);
    let rec = s.auth().unwrap().unwrap();
    assert_eq!(rec.host.as_deref(), Some(env.url().as_str()));
    assert!(rec.refresh_token.is_some());
    let (exp, issued) = (rec.expires_at.unwrap(), rec.issued_at.unwrap());
    assert_eq!(exp - issued, 3_600_000);
    assert!((sentry_store::now_ms() - issued).abs() < 60_000);
    let user = s.user_info().unwrap().unwrap();
    assert_eq!(user.user_id, "1");
    assert_eq!(user.email.as_deref(), Some("dev@localhost"));
    assert_eq!(user.username, None);
    // Self-hosted --url is remembered for routing.
    assert_eq!(
        s.meta_get("defaults.url").unwrap().as_deref(),
        Some(env.url().as_str())
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&env.config_dir()), 0o700);

    // The session works for the next command without any flag or env var.
    let out = env
        .cmd()
        .args(["auth", "status", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = common::stdout_json(&out);
    assert_eq!(v["source"], "oauth");
    assert_eq!(v["token"]["refreshEnabled"], true);
    assert_eq!(v["verification"]["success"], true);
    assert_eq!(
        v["verification"]["organizations"],
        json!([{"name": "Local", "slug": "local"}])
    );
}

#[test]
fn json_output_and_read_only_scopes() {
    let env = server(600, 3600);
    let login = start_login(&env, &["--url", &env.url(), "--read-only", "--json"]);
    approve(&env, &login.user_code);
    let (code, out, err) = login.wait();
    assert_eq!(code, 0, "{err}");
    let v = parse_json(&out);
    assert_eq!(
        v,
        json!({
            "method": "oauth",
            "configPath": env.config_dir().join("cli.db").display().to_string(),
            "expiresIn": 3600,
            "refreshEnabled": true,
            "user": {"id": "1", "name": "Local Developer", "email": "dev@localhost"}
        })
    );
    // The server granted exactly the read-only subset.
    let token = store(&env).auth().unwrap().unwrap().token.unwrap();
    let scopes: String = env
        .server()
        .state
        .db
        .with(|c| {
            c.query_row(
                "SELECT scopes FROM api_tokens WHERE token = ?1",
                [&token],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(
        scopes,
        "project:read org:read event:read member:read team:read alerts:read"
    );
}

#[test]
fn denied_login_exits_51() {
    let env = server(600, 3600);
    let login = start_login(&env, &["--url", &env.url()]);
    post_json(
        &env,
        "/_test/device/deny",
        json!({ "user_code": login.user_code }),
    );
    let (code, out, err) = login.wait();
    assert_eq!(code, 51, "{err}");
    assert_eq!(out, "");
    assert_contains(&err, "✖ Authorization failed");
    assert!(
        err.ends_with("Error: Authorization was denied. Please try again.\n"),
        "{err}"
    );
    assert!(store(&env).auth().unwrap().is_none());
}

#[test]
fn expired_device_code_exits_51() {
    let env = server(600, 3600);
    fault(
        &env,
        json!({"method": "POST", "path_prefix": "/oauth/token/", "status": 400,
               "body": "{\"error\":\"expired_token\",\"error_description\":\"gone\"}"}),
    );
    let out = env
        .cmd()
        .args(["auth", "login", "--url", &env.url()])
        .output()
        .unwrap();
    assert_exit(&out, 51);
    assert!(text(&out.stderr)
        .ends_with("Error: Device code expired. Please run 'sentry auth login' again.\n"));
}

#[test]
fn device_code_lifetime_bounds_the_wait() {
    // The code lives 2 s: the CLI gives up then, even with the default 900 s timeout.
    let env = server(2, 3600);
    let start = Instant::now();
    let out = env
        .cmd()
        .args(["auth", "login", "--url", &env.url()])
        .output()
        .unwrap();
    assert_exit(&out, 51);
    assert!(text(&out.stderr).ends_with("Error: Authentication timed out. Please try again.\n"));
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn timeout_flag_exits_51() {
    let env = server(600, 3600);
    let start = Instant::now();
    let out = env
        .cmd()
        .args(["auth", "login", "--url", &env.url(), "--timeout", "2"])
        .output()
        .unwrap();
    assert_exit(&out, 51);
    assert!(text(&out.stderr).ends_with("Error: Authentication timed out. Please try again.\n"));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(8),
        "{took:?}"
    );
}

#[test]
fn slow_down_interval_is_honoured() {
    let env = server(600, 3600);
    fault(
        &env,
        json!({"method": "POST", "path_prefix": "/oauth/token/", "status": 400, "times": 1,
               "body": "{\"error\":\"slow_down\"}"}),
    );
    let login = start_login(&env, &["--url", &env.url()]);
    let t0 = Instant::now();
    approve(&env, &login.user_code);
    let (code, _, err) = login.wait();
    assert_eq!(code, 0, "{err}");
    // First poll after 1 s (slow_down), the next one 6 s later.
    assert!(
        t0.elapsed() >= Duration::from_millis(6500),
        "{:?}",
        t0.elapsed()
    );
}

#[test]
fn server_down_fails_fast_with_51() {
    let env = TestEnv::new();
    let start = Instant::now();
    let out = env
        .cmd()
        .args(["auth", "login", "--url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_exit(&out, 51);
    let err = text(&out.stderr);
    assert_contains(
        &err,
        "Error: Cannot connect to Sentry at http://127.0.0.1:9",
    );
    assert!(err.contains("Check your network connection and SENTRY_URL configuration"));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn scope_flags_are_validated_before_any_request() {
    let env = TestEnv::new();
    let run = |args: &[&str]| {
        let out = env
            .cmd()
            .args(["auth", "login"])
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), text(&out.stderr))
    };
    let (code, err) = run(&["--url", "http://127.0.0.1:9", "--scope", "foo:bar"]);
    assert_eq!(code, Some(21));
    assert_eq!(
        err,
        "Error: Invalid scope \"foo:bar\". Must be one of: org:read, org:write, org:admin, org:integrations, org:ci, member:invite, member:read, member:write, member:admin, team:read, team:write, team:admin, project:read, project:write, project:admin, project:releases, project:distribution, event:read, event:write, event:admin, alerts:read, alerts:write\n"
    );
    let (code, err) = run(&["--token", "abc", "--read-only"]);
    assert_eq!(code, Some(21));
    assert!(
        err.starts_with("Error: --read-only cannot be used with --token — OAuth scope is fixed")
    );
    let (code, err) = run(&["--read-only", "--scope", "org:read"]);
    assert_eq!(code, Some(21));
    assert_eq!(err, "Error: --read-only and --scope cannot be used together. Use --read-only for the read-only subset, or --scope to list exact scopes.\n");
    let (code, err) = run(&["--scope", " , "]);
    assert_eq!(code, Some(21));
    assert_eq!(err, "Error: No scopes provided to --scope\n");
}
