//! Files the real upstream 0.49 wrote (see `tests/fixtures/README.md`): we read their logins,
//! active account, defaults and caches, and what we write to them reads back with the
//! queries 0.49 runs. The other direction (0.49 reading our files) needs Node and is checked
//! by `tests/interop.sh`.

use crate::common::*;
use rusqlite::Connection;
use sentry_store::{
    credential_identity, Account, AuthRecord, CredentialKind, LoginTarget, OrgRegion, Store,
    UserInfo,
};

const U1: &str = "http://127.0.0.1:35443";
const U2: &str = "http://127.0.0.1:42403";
const T1: &str = "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";
const T2: &str = "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";

fn assert_upstream_account(a: &Account, host: &str, token: &str, active: bool) {
    assert_eq!(a.host.as_deref(), Some(host));
    assert_eq!(a.token.as_deref(), Some(token));
    assert_eq!(
        (a.refresh_token.as_deref(), a.expires_at, a.issued_at),
        (None, None, None)
    );
    assert_eq!(a.user_id.as_deref(), Some("1"));
    assert_eq!(a.email.as_deref(), Some("dev@localhost"));
    assert_eq!(a.username.as_deref(), Some("dev"));
    assert_eq!(a.name.as_deref(), Some("Local Developer"));
    assert_eq!(a.is_active, active);
    assert!(
        a.is_usable(0) && a.is_usable(i64::MAX),
        "an API token never expires"
    );
    assert_eq!(a.account_id.len(), 36);
}

/// 0.49's query for the active account, and for a cached region.
fn upstream_active(conn: &Connection) -> Option<(String, String, Option<String>)> {
    conn.query_row(
        "SELECT account_id, token, host FROM accounts WHERE is_active = 1
         ORDER BY updated_at DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .ok()
}

fn upstream_region(conn: &Connection, slug: &str, source: &str, identity: &str) -> Option<String> {
    conn.query_row(
        "SELECT region_url FROM org_regions
         WHERE org_slug = ? AND source_origin = ? AND credential_identity = ?",
        rusqlite::params![slug, source, identity],
        |r| r.get(0),
    )
    .ok()
}

#[test]
fn reads_a_fresh_049_login_and_its_caches() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_with("upstream-049-login.db", tmp.path());
    let store = Store::open(&cfg).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());
    assert!(!store.is_read_only());

    let accounts = store.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_upstream_account(&accounts[0], U1, T1, true);
    assert_eq!(store.active_account().unwrap().unwrap(), accounts[0]);
    assert_eq!(
        store.auth().unwrap(),
        Some(AuthRecord {
            token: Some(T1.into()),
            refresh_token: None,
            expires_at: None,
            issued_at: None,
            updated_at: accounts[0].updated_at,
            host: Some(U1.into()),
        })
    );
    assert_eq!(
        store.user_info().unwrap().unwrap().name.as_deref(),
        Some("Local Developer")
    );
    assert_eq!(
        store
            .meta_with_prefix("defaults.")
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        [
            ("defaults.org".to_string(), "local".to_string()),
            ("defaults.url".to_string(), U1.to_string())
        ]
    );
    // The region 0.49 cached for this login's credential when asking U1.
    let identity = store.credential_identity_for_token(Some(T1));
    assert_eq!(
        identity,
        credential_identity(CredentialKind::OAuthAccess, T1)
    );
    let row = store.org_region(&identity, U1, "local").unwrap().unwrap();
    assert_eq!(
        row,
        OrgRegion {
            org_slug: "local".into(),
            org_id: Some("1".into()),
            org_name: Some("Local".into()),
            org_role: None,
            region_url: U1.into(),
            credential_identity: identity.clone(),
            account_id: Some(accounts[0].account_id.clone()),
            source_origin: U1.into(),
            response_origin: U1.into(),
            updated_at: row.updated_at,
        }
    );
    assert_eq!(
        store
            .org_region_by_id(&identity, &format!("{U1}/"), "1")
            .unwrap()
            .unwrap()
            .org_slug,
        "local"
    );
    // Another credential asking the same server sees nothing.
    let env = credential_identity(CredentialKind::Env, T1);
    assert_eq!(store.org_region(&env, U1, "local").unwrap(), None);
}

#[test]
fn writes_to_a_049_file_read_back_with_049s_queries() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_with("upstream-049-login.db", tmp.path());
    let store = Store::open(&cfg).unwrap();
    let first = store.active_account().unwrap().unwrap().account_id;
    // A second server's login is added and becomes active; the first is kept.
    let added = store
        .save_login(
            &AuthRecord::issued_now(
                "sntryu_second",
                None,
                None,
                Some("https://self.example".into()),
            ),
            LoginTarget::ReplaceOnServer,
        )
        .unwrap();
    store
        .set_account_identity(
            &added.account_id,
            &UserInfo {
                user_id: "9".into(),
                email: Some("ops@self.example".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let identity = store.credential_identity_for_token(Some("sntryu_second"));
    store
        .upsert_org_regions(&[OrgRegion {
            org_slug: "ops".into(),
            org_id: Some("4".into()),
            org_name: Some("Ops".into()),
            region_url: "https://self.example".into(),
            credential_identity: identity.clone(),
            source_origin: "https://self.example".into(),
            response_origin: "https://self.example".into(),
            ..Default::default()
        }])
        .unwrap();
    store.meta_set("defaults.project", "app").unwrap();
    drop(store);

    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    assert_eq!(
        upstream_active(&conn),
        Some((
            added.account_id.clone(),
            "sntryu_second".to_string(),
            Some("https://self.example".to_string())
        ))
    );
    assert_eq!(
        upstream_region(&conn, "ops", "https://self.example", &identity).as_deref(),
        Some("https://self.example")
    );
    // 0.49 lists accounts oldest first: the original is still there, inactive.
    let mut stmt = conn
        .prepare("SELECT account_id, is_active, email FROM accounts ORDER BY created_at ASC, account_id ASC")
        .unwrap();
    let rows: Vec<(String, i64, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        rows,
        [
            (first, 0, Some("dev@localhost".to_string())),
            (added.account_id, 1, Some("ops@self.example".to_string()))
        ]
    );
    assert_eq!(
        scalar::<i64>(&conn, "SELECT version FROM schema_version"),
        21
    );
    assert_eq!(scalar::<String>(&conn, "PRAGMA journal_mode"), "delete");
    assert_eq!(
        scalar::<String>(
            &conn,
            "SELECT value FROM metadata WHERE key = 'defaults.project'"
        ),
        "app"
    );
}

#[test]
fn reads_two_049_accounts_and_switches_between_them() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_with("upstream-049-two-accounts.db", tmp.path());
    let store = Store::open(&cfg).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());
    let accounts = store.accounts().unwrap();
    assert_eq!(accounts.len(), 2);
    // Oldest first; the older one is active (0.49 switched back to it).
    assert_upstream_account(&accounts[0], U1, T1, true);
    assert_upstream_account(&accounts[1], U2, T2, false);
    assert!(accounts[0].created_at < accounts[1].created_at);
    assert!(
        accounts[0].last_used_at > accounts[1].last_used_at,
        "switch stamps last_used_at"
    );
    assert_eq!(store.auth().unwrap().unwrap().token.as_deref(), Some(T1));
    // Each account's region row is keyed by its own credential.
    for (a, url) in [(&accounts[0], U1), (&accounts[1], U2)] {
        let identity = a.credential_identity().unwrap();
        let row = store.org_region(&identity, url, "local").unwrap().unwrap();
        assert_eq!(row.region_url, url);
        assert_eq!(row.account_id.as_deref(), Some(a.account_id.as_str()));
    }
    // Same user on two servers: found by email, told apart by server.
    assert_eq!(store.find_accounts("DEV@localhost").unwrap(), accounts);
    assert_eq!(
        store.accounts_on_server(U2).unwrap(),
        vec![accounts[1].clone()]
    );

    store.set_active_account(&accounts[1].account_id).unwrap();
    drop(store);
    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    assert_eq!(
        upstream_active(&conn).map(|a| a.0),
        Some(accounts[1].account_id.clone())
    );
    assert_eq!(
        scalar::<i64>(&conn, "SELECT count(*) FROM accounts WHERE is_active = 1"),
        1
    );
    drop(conn);

    // Logging out of the active one promotes the other; its regions go with it.
    let store = Store::open(&cfg).unwrap();
    assert_eq!(
        store.remove_account(&accounts[1].account_id, true).unwrap(),
        Some(accounts[0].account_id.clone())
    );
    let left: Vec<String> = store
        .all_org_regions()
        .unwrap()
        .into_iter()
        .map(|r| r.source_origin)
        .collect();
    assert_eq!(left, [U1]);
}

#[test]
fn our_v16_login_migrated_by_049_is_read() {
    // The reported bug: after 0.49's migration we said "Not authenticated".
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_with("ours-v16-migrated-by-049.db", tmp.path());
    let store = Store::open(&cfg).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());
    let rec = store.auth().unwrap().unwrap();
    assert_eq!(
        (rec.token.as_deref(), rec.host.as_deref()),
        (Some(T1), Some(U1))
    );
    assert_eq!(
        store.user_info().unwrap().unwrap().email.as_deref(),
        Some("dev@localhost")
    );
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("local")
    );
    // Our interim region-source row, which 0.49 left behind, is simply ignored.
    assert_eq!(
        store.meta_get("orgRegionSource.local").unwrap().as_deref(),
        Some(U1)
    );
    let identity = store.credential_identity_for_token(Some(T1));
    assert_eq!(
        store
            .org_region(&identity, U1, "local")
            .unwrap()
            .unwrap()
            .region_url,
        U1
    );
    // And logging out of it leaves a file 0.49 reads as logged out.
    store.clear_auth().unwrap();
    assert_eq!(store.auth().unwrap(), None);
    drop(store);
    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    assert_eq!(upstream_active(&conn), None);
    assert_eq!(scalar::<i64>(&conn, "SELECT count(*) FROM org_regions"), 0);
    assert_eq!(
        scalar::<i64>(&conn, "SELECT version FROM schema_version"),
        21
    );
}
