//! API errors explained for the token in use (spec/core.md §5.7): a 401 or 403 gets lines
//! telling an env-token user to replace the token and a stored-login user to log in again.
//! Exit code stays 30 for every HTTP error.

use crate::common::{assert_exit, assert_success, text, TestEnv};
use serde_json::{json, Value};

fn add_fault(env: &TestEnv, rule: Value) {
    let client =
        sentry_api::Client::new(sentry_api::ClientConfig::new(env.url(), "tests")).unwrap();
    let resp = client
        .request("POST", &format!("{}/_test/faults", env.url()))
        .without_auth()
        .json(&rule)
        .unwrap()
        .send_raw()
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text());
}

fn fault_orgs(env: &TestEnv, status: u16, detail: &str) {
    add_fault(
        env,
        json!({
            "path_prefix": "/api/0/organizations/",
            "status": status,
            "body": json!({ "detail": detail }).to_string(),
            "headers": {"Content-Type": "application/json"},
        }),
    );
}

#[test]
fn unknown_env_token_is_called_revoked_with_the_servers_token_page() {
    let env = TestEnv::with_server();
    let out = env
        .cmd()
        .env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", "sntryu_not_a_real_token")
        .args(["org", "list"])
        .output()
        .unwrap();
    assert_exit(&out, 30);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        format!(
            "Error: API request failed: 401 Unauthorized\n  Endpoint: /organizations/\n  Invalid token\n\n  \
             Your SENTRY_AUTH_TOKEN token is not recognized or has been revoked.\n  \
             Create a new token at: {}/settings/account/api/auth-tokens/\n",
            env.url()
        )
    );
}

#[test]
fn expired_sentry_token_names_that_variable() {
    let env = TestEnv::with_server();
    fault_orgs(&env, 401, "Token expired");
    let out = env
        .cmd()
        .env("SENTRY_URL", env.url())
        .env("SENTRY_TOKEN", env.token())
        .args(["org", "view", "local"])
        .output()
        .unwrap();
    assert_exit(&out, 30);
    assert_eq!(
        text(&out.stderr),
        format!(
            "Error: API request failed: 401 Unauthorized\n  Endpoint: /organizations/local/\n  Token expired\n\n  \
             Your SENTRY_TOKEN token has expired.\n  \
             Create a new token at: {}/settings/account/api/auth-tokens/\n",
            env.url()
        )
    );
}

#[test]
fn forbidden_env_token_may_lack_a_scope() {
    let env = TestEnv::with_server();
    fault_orgs(
        &env,
        403,
        "You do not have permission to perform this action.",
    );
    let out = env
        .api_cmd()
        .args(["org", "view", "local"])
        .output()
        .unwrap();
    assert_exit(&out, 30);
    assert_eq!(
        text(&out.stderr),
        format!(
            "Error: API request failed: 403 Forbidden\n  Endpoint: /organizations/local/\n  \
             You do not have permission to perform this action.\n\n  \
             Your SENTRY_AUTH_TOKEN token may lack the required scope for this operation.\n  \
             Check token scopes at: {}/settings/account/api/auth-tokens/\n",
            env.url()
        )
    );
}

#[test]
fn json_errors_carry_the_same_lines() {
    let env = TestEnv::with_server();
    fault_orgs(&env, 403, "Missing scope org:write");
    let out = env
        .api_cmd()
        .args(["org", "view", "local", "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 30);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        err,
        json!({"error": {
            "message": format!(
                "API request failed: 403 Forbidden\n  Endpoint: /organizations/local/\n  Missing scope org:write\n\n  \
                 Your SENTRY_AUTH_TOKEN token is missing the required scope(s) 'org:write'.\n  \
                 Check token scopes at: {}/settings/account/api/auth-tokens/",
                env.url()
            ),
            "exitCode": 30,
        }})
    );
}

fn stored_login(env: &TestEnv) {
    let out = env
        .cmd()
        .args([
            "auth",
            "login",
            "--token",
            &env.token(),
            "--url",
            &env.url(),
        ])
        .output()
        .unwrap();
    assert_success(&out);
}

#[test]
fn stored_login_401_says_log_in_again() {
    let env = TestEnv::with_server();
    stored_login(&env);
    fault_orgs(&env, 401, "Authentication credentials were not provided.");
    let out = env.cmd().args(["org", "view", "local"]).output().unwrap();
    assert_exit(&out, 30);
    assert_eq!(
        text(&out.stderr),
        "Error: API request failed: 401 Unauthorized\n  Endpoint: /organizations/local/\n  \
         Authentication credentials were not provided.\n\n  \
         Not authenticated or your session has expired.\n  \
         Re-authenticate with: sentry auth login\n"
    );
}

#[test]
fn stored_login_403_without_and_with_scopes() {
    let env = TestEnv::with_server();
    stored_login(&env);
    fault_orgs(
        &env,
        403,
        "You do not have permission to perform this action.",
    );
    let out = env.cmd().args(["org", "view", "local"]).output().unwrap();
    assert_exit(&out, 30);
    assert_eq!(
        text(&out.stderr),
        "Error: API request failed: 403 Forbidden\n  Endpoint: /organizations/local/\n  \
         You do not have permission to perform this action.\n\n  \
         You may not have access to this resource.\n  \
         Re-authenticate with: sentry auth login\n"
    );

    let env = TestEnv::with_server();
    stored_login(&env);
    fault_orgs(
        &env,
        403,
        "This action requires project:write or project:admin.",
    );
    let out = env.cmd().args(["org", "view", "local"]).output().unwrap();
    assert_exit(&out, 30);
    assert_eq!(
        text(&out.stderr),
        "Error: API request failed: 403 Forbidden\n  Endpoint: /organizations/local/\n  \
         This action requires project:write or project:admin.\n\n  \
         Your token is missing the required scope(s) 'project:write', 'project:admin'.\n  \
         Re-authenticate with: sentry auth refresh --scope project:write --scope project:admin\n"
    );
}

#[test]
fn other_statuses_are_not_explained() {
    let env = TestEnv::with_server();
    fault_orgs(&env, 404, "The requested resource does not exist");
    let out = env
        .api_cmd()
        .args(["org", "view", "local"])
        .output()
        .unwrap();
    assert_exit(&out, 30);
    assert_eq!(
        text(&out.stderr),
        "Error: API request failed: 404 Not Found\n  Endpoint: /organizations/local/\n  \
         The requested resource does not exist\n"
    );
}
