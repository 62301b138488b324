//! Commands that need credentials fail with "Not authenticated" (exit 10) before sending
//! anything when no token is configured, as upstream's auth guard does.

use std::sync::atomic::Ordering;

use crate::common::{assert_success, text, TestEnv};

#[test]
fn data_commands_without_a_token_exit_10_and_send_nothing() {
    let env = TestEnv::with_server();
    let before = env.server().state.hooks.requests.load(Ordering::SeqCst);
    for args in [
        &["org", "list"][..],
        &["project", "list", "local/"],
        &["issue", "list", "local/"],
        &["issue", "view", "local/1"],
        &["team", "list", "local/"],
        &["repo", "list", "local/"],
        &["api", "organizations/"],
    ] {
        let out = env
            .cmd()
            .env("SENTRY_URL", env.url())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(10),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(
            text(&out.stderr),
            "Error: Not authenticated. Run 'sentry auth login' first.\n",
            "{args:?}"
        );
        assert_eq!(text(&out.stdout), "", "{args:?}");
    }
    let after = env.server().state.hooks.requests.load(Ordering::SeqCst);
    assert_eq!(before, after, "no request may reach the server");
}

#[test]
fn api_dry_run_needs_no_token() {
    let env = TestEnv::with_server();
    let out = env
        .cmd()
        .env("SENTRY_URL", env.url())
        .args(["api", "organizations/", "--dry-run"])
        .output()
        .unwrap();
    assert_success(&out);
}
