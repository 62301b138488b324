//! Helpers shared by the `auth_*` integration tests: a local server with short OAuth
//! timings, raw HTTP to its control routes, and OAuth sessions created without the CLI.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sentry_local::ServerConfig;
use sentry_store::{AuthRecord, Store, UserInfo};
use serde_json::{json, Value};

use crate::common::TestEnv;

/// The CLI's default OAuth client: refresh grants must come from the client that got the token.
pub const CLIENT_ID: &str = "1d673b81d60ef84c951359c36296972ca6fd41bd8f45acd2d3a783a3b3c28e41";

/// Server with a 1 s device poll interval and the given lifetimes.
pub fn server(code_lifetime: u64, token_lifetime: u64) -> TestEnv {
    TestEnv::with_server_config(ServerConfig {
        device_poll_interval_secs: 1,
        device_code_lifetime_secs: code_lifetime,
        access_token_lifetime_secs: token_lifetime,
        ..ServerConfig::default()
    })
}

fn http(env: &TestEnv) -> sentry_api::Client {
    let mut c = sentry_api::ClientConfig::new(env.url(), "test");
    c.max_retries = 0;
    sentry_api::Client::new(c).unwrap()
}

pub fn post_json(env: &TestEnv, path: &str, body: Value) -> Value {
    let url = format!("{}{path}", env.url());
    http(env)
        .request("POST", &url)
        .without_auth()
        .json(&body)
        .unwrap()
        .send_json()
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

pub fn get_json(env: &TestEnv, path: &str) -> Value {
    let url = format!("{}{path}", env.url());
    http(env)
        .request("GET", &url)
        .without_auth()
        .send_json()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// `POST /_test/faults`.
pub fn fault(env: &TestEnv, rule: Value) {
    post_json(env, "/_test/faults", rule);
}

pub fn refresh_grants(env: &TestEnv) -> u64 {
    get_json(env, "/_test/stats")["refresh_grants"]
        .as_u64()
        .unwrap()
}

pub fn requests(env: &TestEnv) -> Vec<Value> {
    get_json(env, "/_test/requests").as_array().unwrap().clone()
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

fn post_form(env: &TestEnv, path: &str, pairs: &[(&str, &str)]) -> Value {
    let url = format!("{}{path}", env.url());
    let resp = http(env)
        .request("POST", &url)
        .without_auth()
        .body(form(pairs), "application/x-www-form-urlencoded")
        .send_raw()
        .unwrap();
    serde_json::from_slice(resp.body()).unwrap()
}

/// Runs the device flow over HTTP (no CLI) and returns the token response.
pub fn oauth_grant(env: &TestEnv, scope: &str) -> Value {
    let code = post_form(
        env,
        "/oauth/device/code/",
        &[("client_id", CLIENT_ID), ("scope", scope)],
    );
    let user_code = code["user_code"].as_str().unwrap();
    post_json(
        env,
        "/_test/device/approve",
        json!({ "user_code": user_code }),
    );
    post_form(
        env,
        "/oauth/token/",
        &[
            ("client_id", CLIENT_ID),
            ("device_code", code["device_code"].as_str().unwrap()),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ],
    )
}

pub fn store(env: &TestEnv) -> Store {
    Store::open(&env.config_dir()).unwrap()
}

/// Stores an OAuth session obtained from the server, as `auth login` would.
pub fn store_oauth_session(env: &TestEnv) -> Value {
    let grant = oauth_grant(env, "");
    let s = store(env);
    s.set_auth(&AuthRecord::issued_now(
        grant["access_token"].as_str().unwrap(),
        Some(grant["refresh_token"].as_str().unwrap().to_string()),
        Some(grant["expires_in"].as_u64().unwrap()),
        Some(env.url()),
    ))
    .unwrap();
    s.set_user_info(&UserInfo {
        user_id: "1".into(),
        email: Some("dev@localhost".into()),
        username: Some("dev".into()),
        name: Some("Local Developer".into()),
        updated_at: 0,
    })
    .unwrap();
    grant
}

/// Moves the stored session's clock: `expires_at = now + remaining_ms`, issued `lifetime_ms`
/// before expiry.
pub fn set_expiry(env: &TestEnv, remaining_ms: i64, lifetime_ms: i64) {
    let s = store(env);
    let mut rec = s.auth().unwrap().unwrap();
    let now = sentry_store::now_ms();
    rec.expires_at = Some(now + remaining_ms);
    rec.issued_at = Some(now + remaining_ms - lifetime_ms);
    s.set_auth(&rec).unwrap();
}

/// The binary as a plain `std::process::Command` (for streaming stderr), same environment as
/// `TestEnv::cmd`.
pub fn std_cmd(env: &TestEnv) -> Command {
    let mut cmd = env.std_cmd();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A running login: its user code (read from the CLI's stderr) and the process.
pub struct Login {
    pub child: Child,
    pub user_code: String,
    pub stderr_head: String,
    rest: Option<BufReader<std::process::ChildStderr>>,
}

impl Login {
    pub fn wait(mut self) -> (i32, String, String) {
        let mut err = self.stderr_head.clone();
        if let Some(mut r) = self.rest.take() {
            let _ = r.read_to_string(&mut err);
        }
        let mut out = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            let _ = o.read_to_string(&mut out);
        }
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), out, err)
    }
}

/// Starts `sentry auth login <args>` and waits until it prints the code.
/// The caller finishes it with [`Login::wait`].
#[allow(clippy::zombie_processes)]
pub fn start_login(env: &TestEnv, args: &[&str]) -> Login {
    let mut child = std_cmd(env)
        .args(["auth", "login"])
        .args(args)
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut head = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap();
        assert!(
            n > 0 && Instant::now() < deadline,
            "no code printed: {head}"
        );
        head.push_str(&line);
        if let Some(code) = line.trim().strip_prefix("Code: ") {
            let user_code = code.trim().to_string();
            return Login {
                child,
                user_code,
                stderr_head: head,
                rest: Some(reader),
            };
        }
    }
}

pub fn approve(env: &TestEnv, user_code: &str) {
    let r = post_json(
        env,
        "/_test/device/approve",
        json!({ "user_code": user_code }),
    );
    assert_eq!(r["status"], "approved");
}

/// `sntrys_<base64 claims>_<secret>`.
pub fn org_token(claims: Value) -> String {
    use base64::Engine;
    let payload = base64::engine::general_purpose::STANDARD.encode(claims.to_string());
    format!("sntrys_{payload}_secretpart123")
}
