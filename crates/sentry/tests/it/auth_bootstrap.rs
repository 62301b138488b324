//! `sentry auth bootstrap`: a setup code minted by the local server, redeemed by the real
//! binary over HTTP, and everything refused before a request when the code or the flags are
//! wrong.

use crate::common;

use crate::auth_support::*;
use crate::common::{run, TestEnv};
use base64::Engine as _;
use serde_json::{json, Value};

/// A code from the server's control plane (`POST /_test/setup-codes`).
fn mint(env: &TestEnv, body: Value) -> String {
    post_json(env, "/_test/setup-codes", body)["setup_code"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A well-formed code for `payload` (what a server would mint), with a fixed secret.
fn code_for(payload: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(payload);
    format!("sntryc_{b64}_{}", "Ab0+/".repeat(8) + "xyz")
}

/// `sentry auth bootstrap <args>` with `SENTRY_SETUP_CODE=code` (none when `None`).
fn bootstrap(env: &TestEnv, code: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = env.cmd();
    cmd.args(["auth", "bootstrap"]).args(args);
    if let Some(c) = code {
        cmd.env("SENTRY_SETUP_CODE", c);
    }
    run(&mut cmd)
}

fn setup_code_grants(env: &TestEnv) -> u64 {
    get_json(env, "/_test/stats")["setup_code_grants"]
        .as_u64()
        .unwrap()
}

/// Requests the server saw outside its control plane.
fn requests_seen(env: &TestEnv) -> usize {
    requests(env).len()
}

fn db_path(env: &TestEnv) -> String {
    env.config_dir().join("cli.db").display().to_string()
}

/// Nothing was stored: no login, no default URL.
fn assert_nothing_stored(env: &TestEnv) {
    let s = store(env);
    assert!(s.accounts().unwrap().is_empty(), "{:?}", s.accounts());
    assert_eq!(s.meta_get("defaults.url").unwrap(), None);
}

#[test]
fn a_setup_code_logs_in_and_status_shows_the_account() {
    let env = server(600, 3600);
    let code = mint(&env, json!({}));
    let secret = code.rsplit('_').next().unwrap().to_string();
    let (status, out, err) = bootstrap(&env, Some(&code), &["--url", &env.url(), "-v"]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "✔ Authentication successful!\n  Logged in as: Local Developer <dev@localhost>\n  Automatic refresh: enabled\n  Config saved to: {}\n\n",
            db_path(&env)
        )
    );
    // Even the debug log never shows the code.
    assert!(err.contains("POST /oauth/token/ → 200"), "{err}");
    assert!(!err.contains(&secret) && !out.contains(&secret), "{err}");
    assert_eq!(setup_code_grants(&env), 1, "the server redeemed the code");

    let s = store(&env);
    let accounts = s.accounts().unwrap();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    let a = &accounts[0];
    assert!(a.is_active);
    assert_eq!(a.host.as_deref(), Some(env.url().as_str()));
    assert!(a.refresh_token.is_some());
    assert_eq!(a.expires_at.unwrap() - a.issued_at.unwrap(), 3_600_000);
    assert_eq!(
        (a.user_id.as_deref(), a.email.as_deref(), a.name.as_deref()),
        (Some("1"), Some("dev@localhost"), Some("Local Developer"))
    );
    // The self-hosted server becomes the default for the next commands.
    assert_eq!(
        s.meta_get("defaults.url").unwrap().as_deref(),
        Some(env.url().as_str())
    );

    let out = env
        .cmd()
        .args(["auth", "status", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    let v = common::stdout_json(&out);
    assert_eq!(v["source"], "oauth");
    assert_eq!(v["token"]["refreshEnabled"], true);
    assert_eq!(v["verification"]["success"], true, "{v}");
    assert_eq!(
        v["verification"]["organizations"],
        json!([{"name": "Local", "slug": "local"}])
    );
}

#[test]
fn json_output_is_the_login_result() {
    let env = server(600, 3600);
    let code = mint(&env, json!({ "scope": "org:read project:read" }));
    // SENTRY_URL confirms the plain-http instance as well as --url does.
    let mut cmd = env.cmd();
    cmd.args(["auth", "bootstrap", "--json"])
        .env("SENTRY_SETUP_CODE", &code)
        .env("SENTRY_URL", format!("{}/", env.url()));
    let (status, out, err) = run(&mut cmd);
    assert_eq!(status, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!({
            "method": "oauth",
            "configPath": db_path(&env),
            "expiresIn": 3600,
            "refreshEnabled": true,
            "user": {"id": "1", "name": "Local Developer", "email": "dev@localhost"}
        })
    );
    assert_eq!(err, "");
    // The session has the scopes the code was minted with.
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
    assert_eq!(scopes, "org:read project:read");
}

#[test]
fn a_used_or_expired_code_fails_and_stores_nothing() {
    let env = server(600, 3600);
    let code = mint(&env, json!({}));
    let first = TestEnv::new();
    // Spend the code from another config dir.
    let (status, _, err) = {
        let mut cmd = first.cmd();
        cmd.args(["auth", "bootstrap", "--url", &env.url()])
            .env("SENTRY_SETUP_CODE", &code);
        run(&mut cmd)
    };
    assert_eq!(status, 0, "{err}");
    assert_eq!(setup_code_grants(&env), 1);

    let (status, out, err) = bootstrap(&env, Some(&code), &["--url", &env.url()]);
    assert_eq!(status, 12, "{err}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        "Error: Setup-code authentication failed. Generate a new setup code in Sentry and try again.\n  Setup code was already used\n"
    );
    assert_eq!(setup_code_grants(&env), 1);
    assert_nothing_stored(&env);

    let expired = mint(&env, json!({ "expires_in": 0 }));
    let (status, _, err) = bootstrap(&env, Some(&expired), &["--url", &env.url(), "--json"]);
    assert_eq!(status, 12, "{err}");
    let v: Value = serde_json::from_str(&err).unwrap();
    assert_eq!(
        v,
        json!({"error": {
            "message": "Setup-code authentication failed. Generate a new setup code in Sentry and try again.\n  Setup code has expired",
            "exitCode": 12
        }})
    );
    assert_nothing_stored(&env);
}

#[test]
fn a_malformed_code_is_refused_before_any_request() {
    let env = server(600, 3600);
    let url = env.url();
    let cases = [
        ("garbage".to_string(), "Invalid Sentry setup code."),
        (
            format!(
                "{}_tooshort",
                code_for(r#"{"url":"x"}"#).rsplit_once('_').unwrap().0
            ),
            "Invalid Sentry setup code.",
        ),
        (code_for("not json"), "Invalid Sentry setup code."),
        (
            code_for(r#"{"uri":"http://x"}"#),
            "Invalid setup-code instance URL.",
        ),
        (
            code_for(r#"{"url":"ftp://127.0.0.1"}"#),
            "Invalid setup-code instance URL.",
        ),
        (
            code_for(&format!(r#"{{"url":"{}"}}"#, url.replace("://", "://u:p@"))),
            "Invalid setup-code instance URL.",
        ),
    ];
    for (code, message) in cases {
        let (status, out, err) = bootstrap(&env, Some(&code), &["--url", &url]);
        assert_eq!(status, 21, "{code}: {err}");
        assert_eq!(out, "");
        assert_eq!(err, format!("Error: {message}\n"), "{code}");
    }
    assert_eq!(requests_seen(&env), 0);
    assert_nothing_stored(&env);
}

#[test]
fn a_code_for_another_instance_or_plain_http_needs_confirmation() {
    let env = server(600, 3600);
    let code = mint(&env, json!({}));
    let other = "http://127.0.0.1:9";
    let (status, _, err) = bootstrap(&env, Some(&code), &["--url", other]);
    assert_eq!(status, 21);
    assert_eq!(
        err,
        "Error: The setup code belongs to a different Sentry instance.\n"
    );
    // --url before the subcommand is the same flag.
    let mut cmd = env.cmd();
    cmd.args(["--url", "https://sentry.io", "auth", "bootstrap"])
        .env("SENTRY_SETUP_CODE", &code);
    let (status, _, err) = run(&mut cmd);
    assert_eq!(status, 21);
    assert_eq!(
        err,
        "Error: The setup code belongs to a different Sentry instance.\n"
    );

    // Plain http named only by the code, or by a SENTRY_URL for another server.
    let http_err =
        "Error: HTTP setup requires an explicit --url or SENTRY_URL for the issuing instance.\n";
    let (status, _, err) = bootstrap(&env, Some(&code), &[]);
    assert_eq!((status, err.as_str()), (21, http_err));
    let mut cmd = env.cmd();
    cmd.args(["auth", "bootstrap"])
        .env("SENTRY_SETUP_CODE", &code)
        .env("SENTRY_URL", other);
    let (status, _, err) = run(&mut cmd);
    assert_eq!((status, err.as_str()), (21, http_err));
    // ...or by a project file, which is not the user's confirmation.
    env.write(
        "work/.sentryclirc",
        &format!("[defaults]\nurl = {}\n", env.url()),
    );
    let (status, _, err) = bootstrap(&env, Some(&code), &[]);
    assert_eq!((status, err.as_str()), (21, http_err));

    assert_eq!(requests_seen(&env), 0);
    assert_nothing_stored(&env);
    // The code is still good.
    let (status, _, err) = bootstrap(&env, Some(&code), &["--url", &env.url()]);
    assert_eq!(status, 0, "{err}");
}

#[test]
fn without_the_variable_it_says_what_to_set() {
    let env = server(600, 3600);
    let (status, out, err) = bootstrap(&env, None, &["--url", &env.url()]);
    assert_eq!((status, out.as_str()), (21, ""));
    assert_eq!(
        err,
        "Error: Set SENTRY_SETUP_CODE to the private code provided by Sentry.\n"
    );
    let (status, _, err) = bootstrap(&env, Some("  "), &["--json"]);
    assert_eq!(status, 21);
    assert_eq!(
        serde_json::from_str::<Value>(&err).unwrap(),
        json!({"error": {"message": "Set SENTRY_SETUP_CODE to the private code provided by Sentry.", "exitCode": 21}})
    );
    // A project .env is not where a setup code comes from; the error says why it was skipped.
    let code = mint(&env, json!({}));
    let dotenv = env.write("work/.env", &format!("SENTRY_SETUP_CODE={code}\n"));
    let (status, _, err) = bootstrap(&env, None, &["--url", &env.url()]);
    assert_eq!(status, 21);
    assert_eq!(
        err,
        format!(
            "Error: Set SENTRY_SETUP_CODE to the private code provided by Sentry.\n\nSENTRY_SETUP_CODE in {}:1 is ignored: a setup code is read from the environment only.\n",
            dotenv.display()
        )
    );
    assert_eq!(requests_seen(&env), 0);
    assert_nothing_stored(&env);
}

#[test]
fn an_existing_login_is_replaced_only_with_force() {
    let env = server(600, 3600);
    env.login();
    let before = store(&env).auth().unwrap().unwrap().token;
    let code = mint(&env, json!({}));
    let (status, out, err) = bootstrap(&env, Some(&code), &["--url", &env.url()]);
    assert_eq!((status, out.as_str()), (21, ""));
    assert_eq!(
        err,
        "Error: A stored login already exists. To replace it, run:\nSENTRY_SETUP_CODE='<setup-code>' sentry auth bootstrap --force\n"
    );
    assert_eq!(setup_code_grants(&env), 0, "the code was not spent");
    assert_eq!(store(&env).auth().unwrap().unwrap().token, before);

    let (status, _, err) = bootstrap(&env, Some(&code), &["--url", &env.url(), "--force"]);
    assert_eq!(status, 0, "{err}");
    let s = store(&env);
    let accounts = s.accounts().unwrap();
    assert_eq!(
        accounts.len(),
        1,
        "the login on this server was replaced: {accounts:?}"
    );
    assert_ne!(accounts[0].token, before);
    assert!(accounts[0].refresh_token.is_some());
}

#[test]
fn a_bad_token_response_or_a_redirect_fails_without_storing() {
    let env = server(600, 3600);
    fault(
        &env,
        json!({"method": "POST", "path_prefix": "/oauth/token/", "status": 200, "times": 1,
               "headers": {"content-type": "text/html"}, "body": "<html>proxy</html>"}),
    );
    let code = mint(&env, json!({}));
    let (status, _, err) = bootstrap(&env, Some(&code), &["--url", &env.url()]);
    assert_eq!(status, 12);
    assert_eq!(
        err,
        "Error: The setup endpoint returned an invalid token response. Generate a new setup code in Sentry.\n"
    );

    // A redirect would carry the code elsewhere: it is not followed.
    fault(
        &env,
        json!({"method": "POST", "path_prefix": "/oauth/token/", "status": 307, "times": 1,
               "headers": {"location": "/elsewhere/"}}),
    );
    let (status, _, err) = bootstrap(&env, Some(&code), &["--url", &env.url()]);
    assert_eq!(status, 12);
    assert_eq!(
        err,
        "Error: Setup-code authentication failed. Generate a new setup code in Sentry and try again.\n  The server answered 307 Temporary Redirect (a redirect); the code was not sent on.\n"
    );
    let paths: Vec<Value> = requests(&env).iter().map(|r| r["path"].clone()).collect();
    assert_eq!(paths, vec![json!("/oauth/token/"), json!("/oauth/token/")]);
    assert_eq!(setup_code_grants(&env), 0);
    assert_nothing_stored(&env);
}

/// `sentry local setup-code` mints a code for the running `local serve` with its API token;
/// the code logs in.
#[test]
fn local_setup_code_prints_a_code_for_the_running_server() {
    let env = TestEnv::new();
    let (_child, info, _reader) = env.serve_child(&["--port", "0", "--memory"]);
    let url = info["url"].as_str().unwrap().to_string();

    let (status, out, err) = run(env.cmd().args(["local", "setup-code"]));
    assert_eq!(status, 0, "{err}");
    let line = out.strip_suffix('\n').unwrap();
    let code = line.strip_prefix("SENTRY_SETUP_CODE=").unwrap();
    assert!(!code.contains('\n'));
    assert_eq!(
        err,
        format!("Single use, valid for 10 minutes. Log in with it:\n  SENTRY_SETUP_CODE=<code> sentry auth bootstrap --url {url}\n")
    );

    let (status, out, err) = run(env.cmd().args(["local", "setup-code", "--json"]));
    assert_eq!(status, 0, "{err}");
    assert_eq!(err, "");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["url"], json!(url));
    assert_eq!(v["expiresIn"], 600);
    assert_ne!(v["setupCode"], json!(code), "every call mints a new code");

    let (status, out, err) = bootstrap(&env, Some(code), &["--url", &url, "--json"]);
    assert_eq!(status, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["user"]["email"], "dev@localhost");
    assert_eq!(
        store(&env).auth().unwrap().unwrap().host.as_deref(),
        Some(url.as_str())
    );

    // Nothing running: a clear error.
    let other = TestEnv::new();
    let (status, out, err) = run(other.cmd().args(["local", "setup-code"]));
    assert_eq!((status, out.as_str()), (20, ""));
    assert_eq!(
        err,
        "Error: No running `sentry local serve` found.\n\nStart one with `sentry local serve`.\n"
    );
}
