//! Issue 10: after upstream 0.49 migrated `cli.db` to schema 21 (the login moved into
//! `accounts`), every command said "Not authenticated". These run the real binary on files
//! the real 0.49 wrote (fixtures of the store crate, see its `tests/fixtures/README.md`).
//! `auth token` answers from the file alone, so the fixtures' servers need not be running.

use std::path::PathBuf;

use crate::common::{run, TestEnv};

const T1: &str = "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";
const T2: &str = "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";

fn with_fixture(name: &str) -> TestEnv {
    let env = TestEnv::new();
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../sentry-store/tests/fixtures")
        .join(name);
    std::fs::copy(src, env.config_dir().join("cli.db")).unwrap();
    env
}

#[test]
fn our_login_migrated_by_upstream_049_still_works() {
    let env = with_fixture("ours-v16-migrated-by-049.db");
    let (code, out, err) = run(env.cmd().args(["auth", "token"]));
    assert_eq!((code, out, err), (0, format!("{T1}\n"), String::new()));
}

#[test]
fn upstream_049s_active_account_is_used_and_logout_promotes_the_other() {
    let env = with_fixture("upstream-049-two-accounts.db");
    // The older of the two accounts is the active one (0.49 `auth switch`).
    let (code, out, err) = run(env.cmd().args(["auth", "token"]));
    assert_eq!((code, out, err), (0, format!("{T1}\n"), String::new()));

    let (code, out, err) = run(env.cmd().args(["auth", "logout"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("✓ Logged out"), "{out}");
    // The remaining account takes over, as with upstream's logout.
    let (code, out, err) = run(env.cmd().args(["auth", "token"]));
    assert_eq!((code, out, err), (0, format!("{T2}\n"), String::new()));

    let (code, _, err) = run(env.cmd().args(["auth", "logout"]));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(env.cmd().args(["auth", "token"]));
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            10,
            "",
            "Error: Not authenticated. Run 'sentry auth login' first.\n"
        )
    );
    let store = sentry_store::Store::open(&env.config_dir()).unwrap();
    assert_eq!(store.accounts().unwrap(), vec![]);
    assert!(store.warnings().is_empty());
}

#[test]
fn a_login_of_ours_is_an_account_of_schema_21() {
    let env = TestEnv::with_server();
    env.login();
    let store = sentry_store::Store::open(&env.config_dir()).unwrap();
    let accounts = store.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    let a = &accounts[0];
    assert!(a.is_active);
    assert_eq!(a.host.as_deref(), Some(env.url().as_str()));
    assert_eq!(a.token.as_deref(), Some(env.token().as_str()));
    assert_eq!(a.email.as_deref(), Some("dev@localhost"));
    assert_eq!(sentry_store::SCHEMA_VERSION, 21);
}
