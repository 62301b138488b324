//! `sentry info` against the local server: good, bad and missing tokens, every flag, the
//! environment reflected in the output, an unreachable server and one that answers HTML.

use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};
use serde_json::{json, Value};

fn get(env: &TestEnv, path: &str) -> Value {
    let config =
        sentry_api::ClientConfig::new(env.url(), "tests").with_host_token(env.token(), &env.url());
    let client = sentry_api::Client::new(config).unwrap();
    client.get(path).send_json().unwrap()
}

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

/// A loopback port nothing listens on.
fn closed_port_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

fn info_cmd(env: &TestEnv) -> assert_cmd::Command {
    let mut cmd = env.api_cmd();
    cmd.env("SENTRY_ORG", "local")
        .env("SENTRY_PROJECT", "app")
        .env("SENTRY_DSN", env.server().dsn())
        .arg("info");
    cmd
}

#[test]
fn good_token_prints_server_defaults_user_and_scopes() {
    let env = TestEnv::with_server();
    let root = get(&env, "/");
    let scopes: Vec<String> = root["auth"]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("    - {}\n", s.as_str().unwrap()))
        .collect();
    assert!(!scopes.is_empty());
    let out = info_cmd(&env).output().unwrap();
    assert_success(&out);
    let expected = format!(
        "Sentry Server: {}\nDefault Organization: local\nDefault Project: app\n\nAuthentication Info:\n  Method: Auth Token\n  User: dev@localhost\n  Scopes:\n{}",
        env.url(),
        scopes.concat()
    );
    assert_eq!(text(&out.stdout), expected);
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn json_shapes_match_upstream_exactly() {
    let env = TestEnv::with_server();
    let me = get(&env, "/auth/");
    let out = info_cmd(&env).arg("--json").output().unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out),
        json!({
            "config": {"org": "local", "project": "app", "url": env.url()},
            "auth": {"type": "token", "successful": true},
            "have_dsn": true,
            "user": {"email": "dev@localhost", "name": me["name"]},
        })
    );
    // Key order is part of the contract for people diffing output.
    let s = text(&out.stdout);
    let pos = |k: &str| s.find(k).unwrap();
    assert!(
        pos("\"config\"") < pos("\"auth\"")
            && pos("\"auth\"") < pos("\"have_dsn\"")
            && pos("\"have_dsn\"") < pos("\"user\"")
    );

    let out = info_cmd(&env).arg("--config-status-json").output().unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        format!(
            "{{\n  \"config\": {{\n    \"org\": \"local\",\n    \"project\": \"app\",\n    \"url\": \"{}\"\n  }},\n  \"auth\": {{\n    \"type\": \"token\",\n    \"successful\": true\n  }},\n  \"have_dsn\": true\n}}\n",
            env.url()
        )
    );
}

#[test]
fn no_defaults_hides_org_and_project() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["info", "--no-defaults"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(s.starts_with(&format!("Sentry Server: {}\n\nAuthentication Info:\n  Method: Auth Token\n  User: dev@localhost\n", env.url())), "{s}");
    assert!(!s.contains("Default"));
}

#[test]
fn quiet_prints_nothing_and_reports_through_the_exit_code() {
    let env = TestEnv::with_server();
    let out = info_cmd(&env).arg("--quiet").output().unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "");

    // Missing defaults fail quiet mode unless --no-defaults.
    let out = env.api_cmd().args(["info", "--quiet"]).output().unwrap();
    assert_exit(&out, 1);
    assert_eq!(text(&out.stdout), "");
    let out = env
        .api_cmd()
        .args(["info", "--quiet", "--no-defaults"])
        .output()
        .unwrap();
    assert_success(&out);

    let out = env
        .api_cmd()
        .env("SENTRY_AUTH_TOKEN", "sntryu_not_a_real_token_0000000000")
        .args(["info", "-q", "--no-defaults"])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn bad_token_shows_the_text_and_fails_with_an_error() {
    let env = TestEnv::with_server();
    let out = info_cmd(&env)
        .env("SENTRY_AUTH_TOKEN", "sntryu_not_a_real_token_0000000000")
        .env("SENTRY_HTTP_MAX_RETRIES", "0")
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert_eq!(
        text(&out.stdout),
        format!("Sentry Server: {}\nDefault Organization: local\nDefault Project: app\n\nAuthentication Info:\n  Method: Auth Token\n", env.url())
    );
    let err = text(&out.stderr);
    assert!(err.starts_with("Error: "), "{err}");
    assert!(err.contains("401"), "{err}");
    assert!(
        !err.contains("sntryu_not_a_real_token_0000000000"),
        "token leaked: {err}"
    );

    let out = info_cmd(&env)
        .env("SENTRY_AUTH_TOKEN", "sntryu_not_a_real_token_0000000000")
        .arg("--json")
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert_eq!(
        stdout_json(&out),
        json!({
            "config": {"org": "local", "project": "app", "url": env.url()},
            "auth": {"type": "token", "successful": false},
            "have_dsn": true,
        })
    );
    let err: Value = serde_json::from_slice(&out.stderr).expect("JSON error with --json");
    assert_eq!(
        err["error"]["exitCode"], 1,
        "the code the process exits with"
    );
    assert!(err["error"]["message"].as_str().unwrap().contains("401"));

    // --config-status-json never fails.
    let out = info_cmd(&env)
        .env("SENTRY_AUTH_TOKEN", "sntryu_not_a_real_token_0000000000")
        .arg("--config-status-json")
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out)["auth"],
        json!({"type":"token","successful":false})
    );
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn no_token_is_unauthorized() {
    let env = TestEnv::with_server();
    let out = env
        .cmd()
        .env("SENTRY_URL", env.url())
        .arg("info")
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert_eq!(
        text(&out.stdout),
        format!("Sentry Server: {}\nDefault Organization: -\nDefault Project: -\n\nAuthentication Info:\n  Method: Unauthorized\n", env.url())
    );
    assert_eq!(
        text(&out.stderr),
        "Error: Auth token is required for this request.\n\nRun `sentry auth login`, pass --auth-token or set SENTRY_AUTH_TOKEN.\n"
    );

    let out = env.cmd().args(["info", "--json"]).output().unwrap();
    assert_exit(&out, 1);
    assert_eq!(
        text(&out.stdout),
        "{\n  \"config\": {\n    \"org\": null,\n    \"project\": null,\n    \"url\": \"https://sentry.io\"\n  },\n  \"auth\": {\n    \"type\": null,\n    \"successful\": false\n  },\n  \"have_dsn\": false\n}\n"
    );
}

#[test]
fn server_down_is_reported_without_hanging() {
    let env = TestEnv::new();
    let url = closed_port_url();
    let started = std::time::Instant::now();
    let out = env
        .cmd()
        .env("SENTRY_URL", &url)
        .env("SENTRY_AUTH_TOKEN", "sntryu_some_token_0123456789abcdef")
        .env("SENTRY_HTTP_MAX_RETRIES", "0")
        .args(["info", "--no-defaults"])
        .output()
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_exit(&out, 1);
    assert_eq!(
        text(&out.stdout),
        format!("Sentry Server: {url}\n\nAuthentication Info:\n  Method: Auth Token\n")
    );
    let err = text(&out.stderr);
    assert!(err.starts_with("Error: "), "{err}");
    assert!(err.contains(&url[7..]), "names the host: {err}");

    let out = env
        .cmd()
        .env("SENTRY_URL", &url)
        .env("SENTRY_AUTH_TOKEN", "sntryu_some_token_0123456789abcdef")
        .env("SENTRY_HTTP_MAX_RETRIES", "0")
        .args(["info", "--config-status-json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["auth"]["successful"], false);
}

#[test]
fn html_from_a_proxy_is_reported_as_such() {
    let env = TestEnv::with_server();
    add_fault(
        &env,
        json!({
            "path_prefix": "/api/0/",
            "status": 502,
            "body": "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "headers": {"Content-Type": "text/html"},
        }),
    );
    let out = info_cmd(&env)
        .env("SENTRY_HTTP_MAX_RETRIES", "0")
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(text(&out.stdout).ends_with("  Method: Auth Token\n"));
    let err = text(&out.stderr);
    assert!(err.starts_with("Error: "), "{err}");
    assert!(err.contains("502"), "{err}");
    assert!(
        err.to_lowercase().contains("html"),
        "says it got HTML: {err}"
    );
    assert!(!err.contains("<h1>"), "raw HTML dumped: {err}");
}

#[test]
fn environment_is_reflected_and_dsn_detected() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .env("SENTRY_ORG", "some-org")
        .env("SENTRY_PROJECT", "some-project")
        .args(["info", "--config-status-json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out)["config"],
        json!({"org":"some-org","project":"some-project","url":env.url()})
    );
    assert_eq!(stdout_json(&out)["have_dsn"], false);

    let out = env
        .api_cmd()
        .env("SENTRY_PROJECT", "other-org/p2")
        .env("SENTRY_DSN", env.server().dsn())
        .args(["info", "--config-status-json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out)["config"],
        json!({"org":"other-org","project":"p2","url":env.url()})
    );
    assert_eq!(stdout_json(&out)["have_dsn"], true);
}
