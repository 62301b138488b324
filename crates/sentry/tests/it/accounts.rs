//! Issue 10: several stored accounts on two real local servers — `auth list`, `auth switch`,
//! `auth login <email>[:server]`, `auth logout <account>…|all`, `org list` across accounts,
//! and which account a command uses (the active one, the one a URL flag/env pins, the one
//! whose cached orgs include the target). Both servers serve the same user
//! (`dev@localhost`), which is exactly the case where only the server tells accounts apart.

use crate::auth_support;

use crate::common::{assert_contains, assert_success, run, stdout_json, text, TestEnv};
use sentry_local::{RunningServer, ServerConfig};
use serde_json::{json, Value};

/// Server A (the env's) and B; logged in to A, then B added with `auth login <email>`.
struct Two {
    env: TestEnv,
    b: RunningServer,
}

impl Two {
    fn new() -> Two {
        Two::with_b(ServerConfig::for_tests())
    }

    fn with_b(config: ServerConfig) -> Two {
        let env = TestEnv::with_server();
        env.login();
        let b = sentry_local::start(config).expect("start server B");
        let (code, _, err) = run(env.cmd().args([
            "auth",
            "login",
            "dev@localhost",
            "--token",
            b.token(),
            "--url",
            &b.url,
        ]));
        assert_eq!(code, 0, "login to B: {err}");
        Two { env, b }
    }

    fn store(&self) -> sentry_store::Store {
        sentry_store::Store::open(&self.env.config_dir()).unwrap()
    }

    /// Account ids on A and B.
    fn ids(&self) -> (String, String) {
        let all = self.store().accounts().unwrap();
        let on = |url: &str| {
            all.iter()
                .find(|a| a.host.as_deref() == Some(url))
                .unwrap_or_else(|| panic!("no account on {url}: {all:?}"))
                .account_id
                .clone()
        };
        (on(&self.env.url()), on(&self.b.url))
    }

    fn token_in_use(&self) -> String {
        let (code, out, err) = run(self.env.cmd().args(["auth", "token"]));
        assert_eq!(code, 0, "{err}");
        out.trim().to_string()
    }
}

fn port(url: &str) -> String {
    url.rsplit(':').next().unwrap().to_string()
}

fn entry(id: &str, host: &str, active: bool) -> Value {
    json!({
        "id": id, "active": active, "host": host, "userId": "1", "email": "dev@localhost",
        "username": "dev", "name": "Local Developer", "usable": true,
    })
}

#[test]
fn list_tells_two_local_servers_apart_by_port() {
    let t = Two::new();
    let (a, b) = t.ids();
    let out = t
        .env
        .cmd()
        .args(["auth", "list", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let mut listed = stdout_json(&out).as_array().unwrap().clone();
    listed.sort_by_key(|v| v["host"].as_str().map(str::to_string));
    let mut want = vec![entry(&a, &t.env.url(), false), entry(&b, &t.b.url, true)];
    want.sort_by_key(|v| v["host"].as_str().map(str::to_string));
    assert_eq!(listed, want);

    let (code, out, err) = run(t.env.cmd().args(["auth", "ls"]));
    assert_eq!((code, err.as_str()), (0, ""));
    for p in [port(&t.env.url()), port(&t.b.url)] {
        assert_contains(&out, &format!("127.0.0.1:{p}"));
    }
    assert!(
        out.ends_with("\n\n\nSwitch accounts with 'sentry auth switch <email>'.\n"),
        "{out}"
    );
}

#[test]
fn switch_needs_the_server_when_the_email_is_on_both() {
    let t = Two::new();
    let (a, b) = t.ids();
    let (code, out, err) = run(t.env.cmd().args(["auth", "switch", "dev@localhost"]));
    assert_eq!((code, out.as_str()), (21, ""));
    assert!(
        err.starts_with(
            "Error: Account 'dev@localhost' matches more than one stored account.\n\nTry:\n  sentry auth switch <account-id>\n"
        ),
        "{err}"
    );
    assert!(err.contains(&a) && err.contains(&b), "{err}");
    assert!(err.contains("Pick one with <email>:<server>, --url <server>, or the account id"));
    assert_eq!(
        t.token_in_use(),
        t.b.token(),
        "a refused switch changes nothing"
    );

    let url_a = t.env.url();
    let (code, out, err) =
        run(t
            .env
            .cmd()
            .args(["auth", "switch", "dev@localhost", "--url", &url_a]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        format!(
            "✓ Switched to Local Developer <dev@localhost> on 127.0.0.1:{}.\n",
            port(&url_a)
        )
    );
    assert_eq!(t.token_in_use(), t.env.token());
    // The active account's server is the default URL now.
    assert_eq!(
        t.store().meta_get("defaults.url").unwrap().as_deref(),
        Some(url_a.as_str())
    );

    // `<email>:<server>` names the same account; switching to it again changes nothing.
    let spec = format!("dev@localhost:127.0.0.1:{}", port(&url_a));
    let out = t
        .env
        .cmd()
        .args(["auth", "switch", &spec, "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out),
        json!({ "switched": false, "account": entry(&a, &url_a, true) })
    );

    // The account id works on its own.
    let (code, out, _) = run(t.env.cmd().args(["auth", "switch", &b]));
    assert_eq!(code, 0);
    assert!(out.starts_with("✓ Switched to"), "{out}");
    assert_eq!(t.token_in_use(), t.b.token());
}

#[test]
fn switch_to_an_unknown_account_lists_the_stored_ones() {
    let t = Two::new();
    let (a, b) = t.ids();
    let (code, out, err) = run(t.env.cmd().args(["auth", "switch", "nobody@example.com"]));
    assert_eq!((code, out.as_str()), (21, ""));
    assert!(
        err.starts_with("Error: Account 'nobody@example.com' not found.\n\nTry:\n  sentry auth switch <email|username|account-id>\n\nOr:\n"),
        "{err}"
    );
    assert!(err.contains(&a) && err.contains(&b), "{err}");
}

#[test]
fn a_unique_inexact_match_is_used_with_a_warning() {
    let t = Two::new();
    let url_a = t.env.url();
    let (code, out, err) = run(t
        .env
        .cmd()
        .args(["auth", "switch", "Local", "--url", &url_a]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        format!(
            "Warning: No account matching 'Local'. Using Local Developer <dev@localhost> on 127.0.0.1:{}.\n",
            port(&url_a)
        )
    );
    assert!(out.starts_with("✓ Switched to"), "{out}");
    assert_eq!(t.token_in_use(), t.env.token());

    // Without the server it matches both: not unique, so nothing is guessed.
    let (code, _, err) = run(t.env.cmd().args(["auth", "switch", "Local"]));
    assert_eq!(code, 21, "{err}");
    assert_contains(&err, "Did you mean");
}

#[test]
fn switch_without_an_argument_off_a_terminal_names_the_argument() {
    let t = Two::new();
    let (code, out, err) = run(t.env.cmd().args(["auth", "switch"]));
    assert_eq!((code, out.as_str()), (21, ""));
    assert!(
        err.starts_with("Error: Account is required: there is no terminal to pick one.\n\nTry:\n  sentry auth switch <email|username|account-id>"),
        "{err}"
    );
    // One candidate on the named server needs no question.
    let url_a = t.env.url();
    let (code, _, err) = run(t.env.cmd().args(["auth", "switch", "--url", &url_a]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(t.token_in_use(), t.env.token());
}

#[test]
fn switch_with_nothing_stored_is_not_authenticated() {
    let env = TestEnv::new();
    let (code, out, err) = run(env.cmd().args(["auth", "switch", "x"]));
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            10,
            "",
            "Error: Not authenticated. Run 'sentry auth login' first.\n"
        )
    );
}

#[test]
fn login_while_logged_in_off_a_terminal_adds_nothing_and_says_how() {
    let env = TestEnv::with_server();
    env.login();
    let (code, out, err) = run(env.cmd().args([
        "auth",
        "login",
        "--token",
        &env.token(),
        "--url",
        &env.url(),
    ]));
    assert_eq!((code, out.as_str()), (0, ""));
    assert_eq!(
        err,
        "You are already authenticated. Use 'sentry auth login <email>' to add another account, or '--force' to replace the current login.\n"
    );
    let store = sentry_store::Store::open(&env.config_dir()).unwrap();
    assert_eq!(store.accounts().unwrap().len(), 1);

    // --force replaces that server's login instead of adding one.
    let (code, _, err) = run(env.cmd().args([
        "auth",
        "login",
        "--force",
        "--token",
        &env.token(),
        "--url",
        &env.url(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(store.accounts().unwrap().len(), 1);
}

#[test]
fn login_as_someone_else_than_the_email_saves_nothing() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(env.cmd().args([
        "auth",
        "login",
        "jane@example.com",
        "--token",
        &env.token(),
        "--url",
        &env.url(),
    ]));
    assert_eq!((code, out.as_str()), (21, ""));
    assert!(
        err.starts_with(
            "Error: Signed in as dev@localhost, not jane@example.com. Nothing was saved.\n"
        ),
        "{err}"
    );
    let store = sentry_store::Store::open(&env.config_dir()).unwrap();
    assert_eq!(store.accounts().unwrap(), vec![]);
}

#[test]
fn login_email_arguments_are_checked_before_any_request() {
    let env = TestEnv::new();
    let (code, _, err) = run(env
        .cmd()
        .args(["auth", "login", "not-an-email", "--token", "x"]));
    assert_eq!(code, 21);
    assert_eq!(
        err,
        "Error: Expected an email address, or <email>:<server> with a valid server, to log in as; got 'not-an-email'.\n"
    );
    let (code, _, err) = run(env.cmd().args([
        "auth",
        "login",
        "jane@example.com:sentry.example.com",
        "--url",
        "https://other.example.com",
        "--token",
        "x",
    ]));
    assert_eq!(code, 21);
    assert_eq!(
        err,
        "Error: 'jane@example.com:sentry.example.com' names https://sentry.example.com, but --url is https://other.example.com. Pass only one server.\n"
    );
}

#[test]
fn logout_of_the_active_account_promotes_the_other_and_its_server() {
    let t = Two::new();
    let (a, b) = t.ids();
    let out = t
        .env
        .cmd()
        .args(["auth", "logout", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let db = t.env.config_dir().join("cli.db");
    assert_eq!(
        stdout_json(&out),
        json!({
            "loggedOut": true,
            "configPath": db.display().to_string(),
            "removed": [entry(&b, &t.b.url, true)],
            "activeAccount": entry(&a, &t.env.url(), true),
        })
    );
    assert_eq!(t.token_in_use(), t.env.token());
    assert_eq!(
        t.store().meta_get("defaults.url").unwrap(),
        Some(t.env.url())
    );
}

#[test]
fn logout_all_empties_the_list_and_unknown_names_change_nothing() {
    let t = Two::new();
    let (code, out, err) = run(t.env.cmd().args(["auth", "logout", "nobody"]));
    assert_eq!((code, out.as_str()), (21, ""));
    assert!(
        err.starts_with("Error: Account 'nobody' not found."),
        "{err}"
    );
    assert_eq!(t.store().accounts().unwrap().len(), 2);

    let (code, out, err) = run(t.env.cmd().args(["auth", "logout", "all"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.starts_with(
            "✓ Logged out of all 2 accounts successfully.\n\nCredentials removed from: "
        ),
        "{out}"
    );
    let out = t
        .env
        .cmd()
        .args(["auth", "list", "--json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out), json!([]));
    let (code, out, _) = run(t.env.cmd().args(["auth", "list"]));
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "No stored accounts. Run sentry auth login.\n\n\nLog in with 'sentry auth login'.\n"
        )
    );
    assert!(t.store().warnings().is_empty());
}

#[test]
fn logout_of_several_accounts_by_id() {
    let t = Two::new();
    let (a, b) = t.ids();
    let (code, out, err) = run(t.env.cmd().args(["auth", "logout", &format!("{a},{b}")]));
    assert_eq!((code, err.as_str()), (0, ""));
    let pa = port(&t.env.url());
    let pb = port(&t.b.url);
    assert!(
        out.starts_with(&format!(
            "✓ Logged out of 2 accounts (Local Developer <dev@localhost> on 127.0.0.1:{pa}, Local Developer <dev@localhost> on 127.0.0.1:{pb}) successfully."
        )),
        "{out}"
    );
    assert_eq!(t.store().accounts().unwrap(), vec![]);
}

#[test]
fn org_list_covers_every_account_and_account_narrows_it() {
    let t = Two::new();
    let (a, b) = t.ids();
    let out = t
        .env
        .cmd()
        .args(["org", "list", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    let mut accounts: Vec<Value> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| json!({"slug": o["slug"], "name": o["account"]["name"], "id": o["account"]["id"]}))
        .collect();
    accounts.sort_by_key(|v| v["name"].as_str().map(str::to_string));
    let mut want = vec![
        json!({"slug": "local", "name": format!("dev@localhost:{}", t.env.url()), "id": a}),
        json!({"slug": "local", "name": format!("dev@localhost:{}", t.b.url), "id": b}),
    ];
    want.sort_by_key(|v| v["name"].as_str().map(str::to_string));
    assert_eq!(accounts, want);

    let out = t
        .env
        .cmd()
        .args(["org", "list", "--json", "--account", &a])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert!(v[0].get("account").is_none(), "{v}");

    let (code, _, err) = run(t
        .env
        .cmd()
        .args(["org", "list", "--account", "dev@localhost"]));
    assert_eq!(code, 21);
    assert_contains(&err, "Try:\n  sentry org list --account <account-id>");
}

#[test]
fn a_url_from_the_environment_uses_that_servers_account() {
    let t = Two::new();
    // B is active; SENTRY_URL names A: A's account is used, B's token never goes to A.
    let out = t
        .env
        .cmd()
        .env("SENTRY_URL", t.env.url())
        .args(["-v", "org", "list", "--json"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "Using account Local Developer <dev@localhost> on 127.0.0.1:{}",
            port(&t.env.url())
        )),
        "{err}"
    );
    assert!(!err.contains(t.b.token()));
}

#[test]
fn a_command_for_an_org_uses_the_account_that_serves_it() {
    // B's org is renamed so that only B serves `bravo`.
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("local.db");
    let config = ServerConfig {
        data: Some(db.clone()),
        ..ServerConfig::for_tests()
    };
    let t = Two::with_b(config);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE organizations SET slug = 'bravo'", [])
        .unwrap();
    // `org list` caches which account reaches which org.
    let (code, _, err) = run(t.env.cmd().args(["org", "list"]));
    assert_eq!(code, 0, "{err}");
    let url_a = t.env.url();
    let (code, _, err) =
        run(t
            .env
            .cmd()
            .args(["auth", "switch", "dev@localhost", "--url", &url_a]));
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = run(t
        .env
        .cmd()
        .args(["-v", "project", "list", "bravo/", "--json"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "Using account Local Developer <dev@localhost> on 127.0.0.1:{}",
            port(&t.b.url)
        )),
        "{err}"
    );
    assert_contains(&out, "\"slug\"");
    // The active account did not change.
    assert_eq!(t.token_in_use(), t.env.token());
}

#[test]
fn a_corrupt_account_row_is_skipped_with_one_warning() {
    let t = Two::new();
    let (a, b) = t.ids();
    let db = t.env.config_dir().join("cli.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE accounts SET host = 'not a url' WHERE account_id = ?1",
            [&a],
        )
        .unwrap();
    let out = t
        .env
        .cmd()
        .args(["auth", "list", "--json"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(stdout_json(&out), json!([entry(&b, &t.b.url, true)]));
    assert_eq!(err.matches("Warning:").count(), 1, "{err}");
    assert_contains(&err, &a);
    // The other account still works.
    assert_eq!(t.token_in_use(), t.b.token());
    // The unreadable row goes by its id, as the warning says.
    let (code, _, err) = run(t.env.cmd().args(["auth", "logout", &a]));
    assert_eq!(code, 0, "{err}");
    assert!(!t.store().account_row_exists(&a).unwrap());
    assert_eq!(t.token_in_use(), t.b.token());
}

#[test]
fn whoami_and_status_name_the_other_accounts() {
    let t = Two::new();
    let (code, out, err) = run(t.env.cmd().args(["auth", "whoami"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "Local Developer <dev@localhost>\n\nYou are Local Developer, but you can be whoever you want — as long as it's one of: Local Developer <dev@localhost> on 127.0.0.1:{}. Run 'sentry auth switch'.\n",
            port(&t.env.url())
        )
    );
    let out = t
        .env
        .cmd()
        .args(["auth", "status", "--json"])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert_eq!(
        (v["accounts"].clone(), v["host"].clone()),
        (json!(2), json!(t.b.url))
    );
    let (_, out, _) = run(t.env.cmd().args(["auth", "status"]));
    assert_contains(&out, "Accounts");
    assert_contains(&out, "2 stored (sentry auth list)");
}

#[test]
fn device_flow_login_with_an_email_is_checked_against_who_approved_it() {
    let env = auth_support::server(600, 3600);
    env.login();
    // Approved as dev@localhost, asked for jane: refused, the stored login untouched.
    let login = auth_support::start_login(&env, &["jane@example.com", "--url", &env.url()]);
    assert!(
        login
            .stderr_head
            .contains("Starting authentication for jane@example.com..."),
        "{}",
        login.stderr_head
    );
    auth_support::approve(&env, &login.user_code);
    let (code, out, err) = login.wait();
    assert_eq!((code, out.as_str()), (21, ""), "{err}");
    assert_contains(
        &err,
        "Error: Signed in as dev@localhost, not jane@example.com. Nothing was saved.",
    );
    let store = sentry_store::Store::open(&env.config_dir()).unwrap();
    let before = store.accounts().unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].token.as_deref(), Some(env.token().as_str()));

    // Asked for the user who approves: stored without a prompt, and being the same user on
    // the same server, it replaces the older login instead of duplicating it.
    let login = auth_support::start_login(&env, &["dev@localhost", "--url", &env.url()]);
    auth_support::approve(&env, &login.user_code);
    let (code, _, err) = login.wait();
    assert_eq!(code, 0, "{err}");
    let after = store.accounts().unwrap();
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(after[0].is_active && after[0].refresh_token.is_some());
    assert_ne!(after[0].account_id, before[0].account_id);
}
