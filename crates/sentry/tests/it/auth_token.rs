//! `auth login --token`, `auth status`/`token`/`whoami`/`logout` for every token kind, and
//! the token precedence rules with their stderr notes.

use crate::auth_support::*;
use crate::common::{assert_contains, parse_json, text, TestEnv};
use serde_json::json;

fn run(env: &TestEnv, args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = env.cmd();
    c.args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn token_login_good_stores_and_caches_user() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(
        &env,
        &[
            "auth",
            "login",
            "--token",
            &env.token(),
            "--url",
            &env.url(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let db = env.config_dir().join("cli.db");
    assert_eq!(
        out,
        format!("✔ Authenticated with API token\n  Logged in as: Local Developer <dev@localhost>\n  Config saved to: {}\n\n", db.display())
    );
    let s = store(&env);
    let rec = s.auth().unwrap().unwrap();
    assert_eq!(rec.token.as_deref(), Some(env.token().as_str()));
    assert_eq!(
        (rec.refresh_token, rec.expires_at, rec.issued_at),
        (None, None, None)
    );
    assert_eq!(rec.host.as_deref(), Some(env.url().as_str()));
    assert_eq!(
        s.user_info().unwrap().unwrap().email.as_deref(),
        Some("dev@localhost")
    );
    assert_eq!(
        s.meta_get("defaults.url").unwrap().as_deref(),
        Some(env.url().as_str())
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&db).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Already logged in, not a terminal: exit 0, nothing on stdout, row unchanged.
    let (code, out, err) = run(
        &env,
        &[
            "auth",
            "login",
            "--token",
            "sntryu_other_abcdefghijkl",
            "--url",
            &env.url(),
        ],
        &[],
    );
    assert_eq!((code, out.as_str()), (0, ""));
    assert_eq!(err, "You are already authenticated. Use 'sentry auth login <email>' to add another account, or '--force' to replace the current login.\n");
    assert_eq!(
        store(&env).auth().unwrap().unwrap().token.as_deref(),
        Some(env.token().as_str())
    );

    // status, token, whoami for the stored API token.
    let (code, out, _) = run(&env, &["auth", "status", "--json"], &[]);
    assert_eq!(code, 0);
    let v = parse_json(&out);
    assert_eq!(v["source"], "oauth");
    assert_eq!(v["configPath"], db.display().to_string());
    assert_eq!(
        v["user"],
        json!({"name": "Local Developer", "email": "dev@localhost", "username": "dev"})
    );
    assert_eq!(
        v["token"],
        json!({"display": format!("{}...{}", &env.token()[..8], &env.token()[env.token().len()-4..]), "refreshEnabled": false})
    );
    assert!(v.get("envToken").is_none());
    let (_, out, _) = run(&env, &["auth", "status"], &[]);
    assert!(
        out.starts_with("✓ Authenticated\n━━━━━━━━━━━━━━━\n"),
        "{out}"
    );
    assert_contains(&out, "│ API token │");
    assert_contains(
        &out,
        "✓ Access verified — 1 organization(s)\n\n• Local (local)\n",
    );
    let (_, out, _) = run(&env, &["auth", "token"], &[]);
    assert_eq!(out, format!("{}\n", env.token()));
    let (_, out, _) = run(&env, &["auth", "whoami"], &[]);
    assert_eq!(out, "Local Developer <dev@localhost>\n");
    let (_, out, _) = run(&env, &["whoami", "--json", "--fields", "id,email"], &[]);
    assert_eq!(
        out,
        "{\n  \"id\": \"1\",\n  \"email\": \"dev@localhost\"\n}\n"
    );

    // Logout removes the session but keeps defaults.
    let id = store(&env).active_account().unwrap().unwrap().account_id;
    let (code, out, _) = run(&env, &["auth", "logout", "--json"], &[]);
    assert_eq!(code, 0);
    assert_eq!(
        parse_json(&out),
        json!({"loggedOut": true, "configPath": db.display().to_string(), "removed": [{
            "id": id, "active": true, "host": env.url(), "userId": "1", "email": "dev@localhost",
            "username": "dev", "name": "Local Developer", "usable": true,
        }]})
    );
    let s = store(&env);
    assert!(s.auth().unwrap().is_none());
    assert!(s.user_info().unwrap().is_none());
    assert_eq!(
        s.meta_get("defaults.url").unwrap().as_deref(),
        Some(env.url().as_str())
    );
    let (code, out, _) = run(&env, &["auth", "logout"], &[]);
    assert_eq!((code, out.as_str()), (0, "Not currently authenticated.\n"));
    let (code, _, err) = run(&env, &["auth", "status"], &[]);
    assert_eq!(
        (code, err.as_str()),
        (
            10,
            "Error: Not authenticated. Run 'sentry auth login' first.\n"
        )
    );
}

#[test]
fn token_login_bad_token_exits_12_and_stores_nothing() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(
        &env,
        &[
            "auth",
            "login",
            "--token",
            "sntryu_bad_abcdefghijkl",
            "--url",
            &env.url(),
        ],
        &[],
    );
    assert_eq!((code, out.as_str()), (12, ""));
    assert_eq!(
        err,
        "Error: Invalid API token. Please check your token and try again.\n"
    );
    assert!(store(&env).auth().unwrap().is_none());
    assert_eq!(store(&env).meta_get("defaults.url").unwrap(), None);
}

#[test]
fn token_login_server_error_keeps_token() {
    let env = TestEnv::with_server();
    fault(
        &env,
        json!({"path_prefix": "/api/0/users/me/regions/", "status": 500, "body": "boom"}),
    );
    // Real back-off with a 5 ms first step: the retry path runs, the suite does not wait.
    let (code, _, err) = run(
        &env,
        &[
            "auth",
            "login",
            "--token",
            &env.token(),
            "--url",
            &env.url(),
        ],
        &[("SENTRY_HTTP_RETRY_DELAY_MS", "5")],
    );
    assert_eq!(code, 30, "{err}");
    let host = env.url().replace("http://", "");
    let lines: Vec<&str> = err.lines().collect();
    for (i, line) in lines[..5].iter().enumerate() {
        let head = format!("500 Internal Server Error from {host}, retrying in ");
        assert!(
            line.starts_with(&head) && line.ends_with(&format!(" ms ({}/5)", i + 1)),
            "{err}"
        );
    }
    assert!(
        lines[5..].join("\n").starts_with(
            "Error: API request failed: 500 Internal Server Error\n  Endpoint: /users/me/regions/"
        ),
        "{err}"
    );
    assert_eq!(
        requests(&env)
            .iter()
            .filter(|r| r["path"] == "/api/0/users/me/regions/")
            .count(),
        6,
        "one attempt and five retries"
    );
    assert!(store(&env).auth().unwrap().is_some());
}

#[test]
fn env_url_is_trusted_for_login_but_project_file_url_is_not() {
    let env = TestEnv::with_server();
    // decisions.md #3: SENTRY_URL from the environment needs no --url.
    let (code, _, err) = run(
        &env,
        &["auth", "login", "--token", &env.token()],
        &[("SENTRY_URL", &env.url())],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        store(&env).auth().unwrap().unwrap().host.as_deref(),
        Some(env.url().as_str())
    );

    let env = TestEnv::with_server();
    let rc = env.write(
        "work/.sentryclirc",
        &format!("[defaults]\nurl = {}\n", env.url()),
    );
    let (code, _, err) = run(&env, &["auth", "login", "--token", &env.token()], &[]);
    assert_eq!(code, 13);
    assert_eq!(
        err,
        format!("Error: Refusing to log in against {u} — this URL was read from .sentryclirc ({}) but hasn't been confirmed as trusted yet.\n\nTo authenticate against this self-hosted instance, confirm the host explicitly:\n  sentry auth login --url {u} --token <your-token>\n", rc.display(), u = env.url())
    );
}

#[test]
fn legacy_login_spelling() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(
        &env,
        &["login", "--auth-token", &env.token()],
        &[("SENTRY_URL", &env.url())],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("✔ Authenticated with API token\n"));
    let env = TestEnv::new();
    let (code, _, err) = run(&env, &["login", "-g"], &[]);
    assert_eq!(code, 2);
    assert_contains(&err, "--auth-token <TOKEN>");
}

#[test]
fn env_token_status_whoami_logout_refresh() {
    let env = TestEnv::with_server();
    let e = [
        ("SENTRY_URL", env.url()),
        ("SENTRY_AUTH_TOKEN", env.token()),
    ];
    let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out, err) = run(&env, &["auth", "status", "--json"], &e);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    let masked = format!(
        "{}...{}",
        &env.token()[..8],
        &env.token()[env.token().len() - 4..]
    );
    assert_eq!(
        parse_json(&out),
        json!({
            "authenticated": true,
            "source": "env:SENTRY_AUTH_TOKEN",
            "token": {"display": masked, "refreshEnabled": false},
            "verification": {"success": true, "organizations": [{"name": "Local", "slug": "local"}]},
            "envToken": {"envVar": "SENTRY_AUTH_TOKEN", "active": true}
        })
    );
    let (_, out, _) = run(&env, &["auth", "status"], &e);
    assert!(
        out.starts_with("✓ Authenticated via SENTRY_AUTH_TOKEN environment variable\n"),
        "{out}"
    );
    assert_contains(&out, "│ Status  │ active            │");
    assert!(
        out.ends_with("\nRun `sentry auth whoami` to see which user this token belongs to\n"),
        "{out}"
    );
    let (_, out, _) = run(
        &env,
        &[
            "auth",
            "status",
            "--show-token",
            "--json",
            "--fields",
            "token.display",
        ],
        &e,
    );
    assert_eq!(parse_json(&out), json!({"token": {"display": env.token()}}));
    let (_, out, _) = run(&env, &["auth", "token", "--json"], &e);
    assert_eq!(out, format!("\"{}\"\n", env.token()));
    let (_, out, _) = run(&env, &["auth", "whoami", "--json"], &e);
    assert_eq!(parse_json(&out)["email"], "dev@localhost");
    let (code, _, err) = run(&env, &["auth", "logout"], &e);
    assert_eq!(code, 12);
    assert_eq!(err, "Error: Authentication is provided via SENTRY_AUTH_TOKEN environment variable. Unset SENTRY_AUTH_TOKEN to log out.\n");
    let (code, _, err) = run(&env, &["auth", "refresh"], &e);
    assert_eq!(code, 12);
    assert_eq!(err, "Error: Cannot refresh an environment variable token.\nToken refresh is only available for OAuth sessions.\nUpdate SENTRY_AUTH_TOKEN to change your token.\n");
    // Bare `auth` with a token shows status.
    let (code, out, _) = run(&env, &["auth", "--json"], &e);
    assert_eq!(code, 0);
    assert_eq!(parse_json(&out)["source"], "env:SENTRY_AUTH_TOKEN");
}

#[test]
fn org_token_whoami_is_offline() {
    let env = TestEnv::new();
    let tok = org_token(
        json!({"iat": 1700000000, "url": "http://127.0.0.1:9", "region_url": "http://127.0.0.1:9", "org": "acme"}),
    );
    let (code, out, err) = run(
        &env,
        &["auth", "whoami", "--json"],
        &[("SENTRY_AUTH_TOKEN", &tok)],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        parse_json(&out),
        json!({"type": "org-auth-token", "organization": "acme", "url": "http://127.0.0.1:9", "regionUrl": "http://127.0.0.1:9"})
    );
    assert!(err.contains("This is an organization auth token — not tied to a specific user."));
    let (_, out, _) = run(&env, &["auth", "whoami"], &[("SENTRY_AUTH_TOKEN", &tok)]);
    assert_contains(&out, "│ Token type   │ Organization auth token │");
    assert!(out.ends_with("\nRun `sentry auth login` for user-scoped authentication\n"));
}

#[test]
fn oauth_session_status_and_whoami() {
    let env = server(600, 3600);
    store_oauth_session(&env);
    let (code, out, err) = run(&env, &["auth", "status", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v = parse_json(&out);
    assert_eq!(v["source"], "oauth");
    assert_eq!(v["token"]["refreshEnabled"], true);
    assert_eq!(
        v["token"]["expiresAt"],
        store(&env).auth().unwrap().unwrap().expires_at.unwrap()
    );
    let (_, out, _) = run(&env, &["auth", "status"], &[]);
    assert_contains(&out, "│ Access token         │");
    assert_contains(&out, "(59 minutes remaining)");
    assert_contains(&out, "│ Automatic refresh    │ enabled");
    let (_, out, _) = run(&env, &["auth", "whoami"], &[]);
    assert_eq!(out, "Local Developer <dev@localhost>\n");
    let (_, out, _) = run(&env, &["auth", "refresh"], &[]);
    assert_eq!(
        out,
        "Access token is still valid for 59 minutes.\nUse --force to refresh anyway.\n"
    );
    assert_eq!(refresh_grants(&env), 0);
}

// ---- precedence and shadow notes (decisions.md #1) ----

#[test]
fn stored_login_beats_env_token_with_note() {
    let env = server(600, 3600);
    let grant = store_oauth_session(&env);
    let access = grant["access_token"].as_str().unwrap();
    let e = [("SENTRY_AUTH_TOKEN", env.token())];
    let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out, err) = run(&env, &["auth", "token"], &e);
    assert_eq!(code, 0);
    assert_eq!(out, format!("{access}\n"));
    assert_eq!(err, "Detected SENTRY_AUTH_TOKEN env var but using stored login for dev.\n  Set SENTRY_FORCE_ENV_TOKEN=1 to prefer it.\n");
    let (_, out, _) = run(&env, &["auth", "status", "--json"], &e);
    assert_eq!(
        parse_json(&out)["envToken"],
        json!({"envVar": "SENTRY_AUTH_TOKEN", "active": false})
    );

    // SENTRY_FORCE_ENV_TOKEN flips it.
    let (_, out, err) = run(
        &env,
        &["auth", "token"],
        &[
            ("SENTRY_AUTH_TOKEN", &env.token()),
            ("SENTRY_FORCE_ENV_TOKEN", "1"),
        ],
    );
    assert_eq!(out, format!("{}\n", env.token()));
    assert_eq!(err, "Detected a stored login for dev but using SENTRY_AUTH_TOKEN env var (SENTRY_FORCE_ENV_TOKEN is set).\n");

    // --auth-token beats everything.
    let (_, out, err) = run(
        &env,
        &["auth", "token", "--auth-token", "sntryu_flagtoken_abcdefgh"],
        &[],
    );
    assert_eq!(out, "sntryu_flagtoken_abcdefgh\n");
    assert_eq!(
        err,
        "Detected a stored login for dev but using --auth-token.\n"
    );
}

#[test]
fn env_and_file_token_order() {
    let env = TestEnv::new();
    let rc = env.write(
        "work/.sentryclirc",
        "[auth]\ntoken = sntryu_filetoken_abcdefgh\n",
    );
    let (_, out, err) = run(
        &env,
        &["auth", "token"],
        &[
            ("SENTRY_AUTH_TOKEN", "sntryu_authtoken_abcdefgh"),
            ("SENTRY_TOKEN", "sntryu_legacytok_abcdefgh"),
        ],
    );
    assert_eq!(out, "sntryu_authtoken_abcdefgh\n");
    assert_eq!(
        err,
        "Detected SENTRY_TOKEN env var but using SENTRY_AUTH_TOKEN env var.\n"
    );
    let (_, out, err) = run(
        &env,
        &["auth", "token"],
        &[("SENTRY_TOKEN", "sntryu_legacytok_abcdefgh")],
    );
    assert_eq!(out, "sntryu_legacytok_abcdefgh\n");
    assert_eq!(
        err,
        format!(
            "Detected a token in .sentryclirc ({}) but using SENTRY_TOKEN env var.\n",
            rc.display()
        )
    );
    let (_, out, err) = run(&env, &["auth", "token"], &[]);
    assert_eq!(out, "sntryu_filetoken_abcdefgh\n");
    assert_eq!(err, "");
    // The same token in two places is not "shadowed".
    let (_, _, err) = run(
        &env,
        &["auth", "token"],
        &[("SENTRY_AUTH_TOKEN", "sntryu_filetoken_abcdefgh")],
    );
    assert_eq!(err, "");

    // Stored login beats the file token, with upstream's .sentryclirc wording.
    let srv = TestEnv::with_server();
    let rc = srv.write(
        "work/.sentryclirc",
        "[auth]\ntoken = sntryu_filetoken_abcdefgh\n",
    );
    let (code, _, err) = run(
        &srv,
        &[
            "auth",
            "login",
            "--token",
            &srv.token(),
            "--url",
            &srv.url(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (_, out, err) = run(&srv, &["auth", "token"], &[]);
    assert_eq!(out, format!("{}\n", srv.token()));
    assert_eq!(err, format!("Detected a token in .sentryclirc ({}) but using stored login for dev.\n  Set SENTRY_FORCE_ENV_TOKEN=1 to prefer it.\n", rc.display()));
}

// ---- host scoping (core.md §4.6, decisions.md #13) ----

#[test]
fn project_file_url_not_matching_credentials_is_refused() {
    let env = TestEnv::with_server();
    let (code, _, err) = run(
        &env,
        &[
            "auth",
            "login",
            "--token",
            &env.token(),
            "--url",
            &env.url(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let rc = env.write(
        "work/.sentryclirc",
        "[defaults]\nurl = https://evil.example.com\n",
    );
    let (code, out, err) = run(&env, &["auth", "whoami"], &[]);
    assert_eq!((code, out.as_str()), (13, ""));
    assert_eq!(
        err,
        format!("Error: Config at {}: https://evil.example.com\nRefusing to route requests here because it doesn't match the host your Sentry credentials are for ({}).\n\nTo use this host, run: sentry auth login --url https://evil.example.com\nTo keep using your current credentials, remove this URL override.\n", rc.display(), env.url())
    );
    // logout is never refused.
    let (code, _, _) = run(&env, &["auth", "logout"], &[]);
    assert_eq!(code, 0);
    // No credentials at all: the other message.
    let (code, _, err) = run(&env, &["auth", "status", "--auth-token", "x"], &[]);
    assert_eq!(code, 13, "{err}");
    let (code, _, err) = run(&env, &["auth", "whoami"], &[]);
    assert_eq!(code, 10, "{err}");
}

#[test]
fn stored_token_is_not_sent_to_another_host() {
    let env = TestEnv::with_server();
    run(
        &env,
        &[
            "auth",
            "login",
            "--token",
            &env.token(),
            "--url",
            &env.url(),
        ],
        &[],
    );
    let (code, _, err) = run(
        &env,
        &["auth", "whoami"],
        &[("SENTRY_URL", "http://127.0.0.1:9")],
    );
    assert_eq!(code, 13, "{err}");
    assert!(
        err.starts_with("Error: Credentials: http://127.0.0.1:9"),
        "{err}"
    );
}
