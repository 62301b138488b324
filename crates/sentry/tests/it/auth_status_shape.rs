//! `auth status` and `auth logout` print what upstream 0.49 prints for a stored login: a
//! `Server` row, `Name <email>`, `host`/`accounts` in `--json`, and a logout that names the
//! account and host it removed (`removed` in `--json`). Shapes copied from 0.49 run against
//! our local server with its own config dir.

use crate::common::*;
use serde_json::json;

/// The body rows of every box table in `s`, cells trimmed.
fn table_rows(s: &str) -> Vec<Vec<String>> {
    s.lines()
        .filter(|l| l.starts_with('│'))
        .map(|l| {
            l.trim_matches('│')
                .split('│')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

fn masked(token: &str) -> String {
    format!("{}...{}", &token[..8], &token[token.len() - 4..])
}

#[test]
fn status_shows_server_and_name_with_email_like_upstream() {
    let env = TestEnv::with_server();
    env.login();
    let db = env.config_dir().join("cli.db");

    let out = env.cmd().args(["auth", "status"]).output().unwrap();
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("✓ Authenticated\n━━━━━━━━━━━━━━━\n\n"),
        "{stdout}"
    );
    assert_eq!(
        table_rows(&stdout),
        vec![
            vec!["Config".to_string(), db.display().to_string()],
            vec!["User".into(), "Local Developer <dev@localhost>".into()],
            vec!["Server".into(), env.url()],
            vec!["API token".into(), masked(&env.token())],
        ],
        "{stdout}"
    );

    let out = env
        .cmd()
        .args(["auth", "status", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(
        v,
        json!({
            "authenticated": true,
            "source": "oauth",
            "configPath": db.display().to_string(),
            "user": {"name": "Local Developer", "email": "dev@localhost", "username": "dev"},
            "host": env.url(),
            "accounts": 1,
            "token": {"display": masked(&env.token()), "refreshEnabled": false},
            "verification": {"success": true, "organizations": [{"name": "Local", "slug": "local"}]},
        })
    );
    // Upstream's key order, which `--json` consumers diff against.
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "authenticated",
            "source",
            "configPath",
            "user",
            "host",
            "accounts",
            "token",
            "verification"
        ]
    );
}

#[test]
fn status_of_an_env_token_has_no_stored_account_fields() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["auth", "status", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    for k in ["configPath", "host", "accounts", "user"] {
        assert!(v.get(k).is_none(), "{k} in {v}");
    }
    let out = env.api_cmd().args(["auth", "status"]).output().unwrap();
    let rows = table_rows(&text(&out.stdout));
    assert!(!rows.iter().any(|r| r[0] == "Server"), "{rows:?}");
}

#[test]
fn logout_names_the_account_and_host_like_upstream() {
    let env = TestEnv::with_server();
    env.login();
    let db = env.config_dir().join("cli.db");
    let out = env.cmd().args(["auth", "logout"]).output().unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        format!(
            "✓ Logged out of Local Developer <dev@localhost> on 127.0.0.1 successfully.\n\nCredentials removed from: {}\n",
            db.display()
        )
    );

    env.login();
    let id = sentry_store::Store::open(&env.config_dir())
        .unwrap()
        .active_account()
        .unwrap()
        .unwrap()
        .account_id;
    let out = env
        .cmd()
        .args(["auth", "logout", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out),
        json!({
            "loggedOut": true,
            "configPath": db.display().to_string(),
            "removed": [{
                "id": id,
                "active": true,
                "host": env.url(),
                "userId": "1",
                "email": "dev@localhost",
                "username": "dev",
                "name": "Local Developer",
                "usable": true,
            }],
        })
    );
    let out = env
        .cmd()
        .args(["auth", "logout", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out),
        json!({"loggedOut": false, "message": "Not currently authenticated."})
    );
}
