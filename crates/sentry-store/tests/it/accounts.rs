//! The accounts API (schema v21): which login a write lands in, which account is active,
//! what a logout removes, identities, unreadable rows and the per-account refresh lock.

use crate::common::*;
use rusqlite::Connection;
use sentry_store::{
    credential_identity, AuthChange, AuthRecord, CredentialKind, LoginTarget, OrgRegion,
    PaginationState, Store, StoreError, UserInfo,
};

const SAAS: &str = "https://sentry.io";
const SELF: &str = "https://self.example";

fn login(token: &str, host: &str) -> AuthRecord {
    AuthRecord::issued_now(token, None, None, Some(host.to_string()))
}

fn user(id: &str, email: &str) -> UserInfo {
    UserInfo {
        user_id: id.into(),
        email: Some(email.into()),
        ..Default::default()
    }
}

fn tokens(store: &Store) -> Vec<(String, bool)> {
    store
        .accounts()
        .unwrap()
        .into_iter()
        .map(|a| (a.token.unwrap_or_default(), a.is_active))
        .collect()
}

fn region_for(identity: &str, slug: &str) -> OrgRegion {
    OrgRegion {
        org_slug: slug.into(),
        region_url: "https://us.sentry.io".into(),
        credential_identity: identity.into(),
        source_origin: SAAS.into(),
        response_origin: SAAS.into(),
        ..Default::default()
    }
}

fn some_session_state(store: &Store) {
    store
        .pagination_set(
            "k",
            "c",
            &PaginationState {
                stack: vec!["".into()],
                index: 0,
            },
        )
        .unwrap();
    store.set_issue_org("1", "acme").unwrap();
}

fn session_state_left(store: &Store) -> bool {
    store.pagination_get("k", "c").unwrap().is_some() || store.issue_org("1").unwrap().is_some()
}

#[test]
fn a_login_replaces_only_its_servers_login() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let a = store
        .save_login(&login("saas-1", SAAS), LoginTarget::ReplaceOnServer)
        .unwrap();
    assert!(!a.replaced && a.active);
    let b = store
        .save_login(&login("self-1", SELF), LoginTarget::ReplaceOnServer)
        .unwrap();
    assert!(!b.replaced && b.active);
    assert_ne!(a.account_id, b.account_id);
    assert_eq!(
        tokens(&store),
        [("saas-1".to_string(), false), ("self-1".to_string(), true)]
    );
    // `--force` on SaaS (any *.sentry.io is the same server): replaces the SaaS login in
    // place, makes it active, keeps the self-hosted one.
    some_session_state(&store);
    let again = store
        .save_login(
            &login("saas-2", "https://us.sentry.io"),
            LoginTarget::ReplaceOnServer,
        )
        .unwrap();
    assert_eq!(again.account_id, a.account_id);
    assert!(again.replaced && again.active);
    assert_eq!(
        tokens(&store),
        [("saas-2".to_string(), true), ("self-1".to_string(), false)]
    );
    assert!(
        !session_state_left(&store),
        "switching accounts empties the session caches"
    );
    // Replacing the active account's login keeps the session caches.
    some_session_state(&store);
    store
        .save_login(&login("saas-3", SAAS), LoginTarget::ReplaceOnServer)
        .unwrap();
    assert!(session_state_left(&store));
    let acct = store.account(&a.account_id).unwrap().unwrap();
    assert_eq!(acct.token.as_deref(), Some("saas-3"));
    assert_eq!(acct.host.as_deref(), Some(SAAS), "the newest login's host");
}

#[test]
fn another_account_on_a_server_and_renewing_one() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let first = store
        .save_login(&login("one", SAAS), LoginTarget::ReplaceOnServer)
        .unwrap();
    let second = store
        .save_login(&login("two", SAAS), LoginTarget::NewAccount)
        .unwrap();
    assert!(!second.replaced && second.active);
    assert_eq!(store.accounts().unwrap().len(), 2);
    // Renew the inactive one: its credentials change, the active account does not.
    let renewed = store
        .save_login(
            &AuthRecord::issued_now("one-b", Some("r".into()), Some(60), Some(SAAS.into())),
            LoginTarget::Account(&first.account_id),
        )
        .unwrap();
    assert_eq!(
        renewed,
        sentry_store::LoginOutcome {
            account_id: first.account_id.clone(),
            replaced: true,
            active: false
        }
    );
    assert_eq!(
        store.active_account().unwrap().unwrap().account_id,
        second.account_id
    );
    assert_eq!(
        store
            .account(&first.account_id)
            .unwrap()
            .unwrap()
            .refresh_token
            .as_deref(),
        Some("r")
    );
    // Renewing an account that is gone, or for another server, saves nothing.
    for (host, id) in [(SAAS, "nope"), (SELF, first.account_id.as_str())] {
        match store.save_login(&login("x", host), LoginTarget::Account(id)) {
            Err(StoreError::NoSuchAccount(got)) => assert_eq!(got, id),
            other => panic!("expected NoSuchAccount, got {other:?}"),
        }
    }
    assert_eq!(store.accounts().unwrap().len(), 2);
}

#[test]
fn switching_finding_and_logging_out() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let a = store
        .save_login(&login("a", SAAS), LoginTarget::ReplaceOnServer)
        .unwrap()
        .account_id;
    store
        .set_account_identity(&a, &user("1", "Jane@Example.com"))
        .unwrap();
    let b = store
        .save_login(&login("b", SELF), LoginTarget::ReplaceOnServer)
        .unwrap()
        .account_id;
    store
        .set_account_identity(
            &b,
            &UserInfo {
                username: Some("jane".into()),
                ..user("2", "jane@self.example")
            },
        )
        .unwrap();
    let c = store
        .save_login(
            &login("c", "http://127.0.0.1:9000"),
            LoginTarget::ReplaceOnServer,
        )
        .unwrap()
        .account_id;

    let ids = |v: Vec<sentry_store::Account>| -> Vec<String> {
        v.into_iter().map(|a| a.account_id).collect()
    };
    assert_eq!(
        ids(store.accounts().unwrap()),
        [a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(
        ids(store.find_accounts("jane@example.com").unwrap()),
        vec![a.clone()]
    );
    assert_eq!(ids(store.find_accounts("JANE").unwrap()), vec![b.clone()]);
    assert_eq!(ids(store.find_accounts("2").unwrap()), vec![b.clone()]);
    assert_eq!(ids(store.find_accounts(&c).unwrap()), vec![c.clone()]);
    assert_eq!(
        ids(store.find_accounts("nobody").unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(store.accounts_on_server("https://de.sentry.io/").unwrap()),
        vec![a.clone()]
    );
    assert_eq!(
        ids(store.accounts_on_server("http://127.0.0.1:9000/").unwrap()),
        vec![c.clone()]
    );

    // Switch to a: the active flag moves, session caches go.
    some_session_state(&store);
    store.set_active_account(&a).unwrap();
    assert!(!session_state_left(&store));
    assert_eq!(store.active_account().unwrap().unwrap().account_id, a);
    assert_eq!(store.auth().unwrap().unwrap().token.as_deref(), Some("a"));
    assert_eq!(
        store.user_info().unwrap().unwrap().email.as_deref(),
        Some("Jane@Example.com")
    );
    match store.set_active_account("nope") {
        Err(StoreError::NoSuchAccount(id)) => assert_eq!(id, "nope"),
        other => panic!("expected NoSuchAccount, got {other:?}"),
    }

    // b becomes the most recently used; logging out of the active a promotes b.
    store.set_active_account(&b).unwrap();
    store.set_active_account(&a).unwrap();
    store.mark_account_used(&b);
    let ident_a = store
        .account(&a)
        .unwrap()
        .unwrap()
        .credential_identity()
        .unwrap();
    let ident_b = store
        .account(&b)
        .unwrap()
        .unwrap()
        .credential_identity()
        .unwrap();
    store
        .upsert_org_regions(&[region_for(&ident_a, "acme"), region_for(&ident_b, "beta")])
        .unwrap();
    assert_eq!(store.remove_account(&a, true).unwrap(), Some(b.clone()));
    let left: Vec<String> = store
        .all_org_regions()
        .unwrap()
        .into_iter()
        .map(|r| r.org_slug)
        .collect();
    assert_eq!(left, ["beta"], "a's regions went with it");
    // Removing an inactive account leaves the active one; an unknown id changes nothing.
    assert_eq!(store.remove_account(&c, true).unwrap(), Some(b.clone()));
    assert_eq!(store.remove_account("nope", true).unwrap(), Some(b.clone()));
    // Without promotion nobody is active afterwards.
    assert_eq!(store.remove_account(&b, false).unwrap(), None);
    assert_eq!(store.accounts().unwrap(), vec![]);
    assert_eq!(store.all_org_regions().unwrap(), vec![]);
}

#[test]
fn logging_out_of_everything_leaves_a_file_upstream_reads_as_logged_out() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_with("upstream-049-two-accounts.db", tmp.path());
    let store = Store::open(&cfg).unwrap();
    store.meta_set("defaults.project", "app").unwrap();
    some_session_state(&store);
    store.remove_all_accounts().unwrap();
    assert_eq!(store.accounts().unwrap(), vec![]);
    assert_eq!(store.auth().unwrap(), None);
    assert!(!session_state_left(&store));
    drop(store);
    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    assert_eq!(scalar::<i64>(&conn, "SELECT count(*) FROM accounts"), 0);
    assert_eq!(scalar::<i64>(&conn, "SELECT count(*) FROM org_regions"), 0);
    assert_eq!(
        scalar::<i64>(&conn, "SELECT version FROM schema_version"),
        21
    );
    assert_eq!(
        scalar::<String>(
            &conn,
            "SELECT value FROM metadata WHERE key = 'defaults.project'"
        ),
        "app"
    );
    let mut expected: Vec<String> = V21_TABLE_NAMES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(tables(&conn), expected);
}

#[test]
fn identity_dedupes_the_same_user_on_the_same_server() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let old = store
        .save_login(&login("old", SAAS), LoginTarget::ReplaceOnServer)
        .unwrap()
        .account_id;
    store
        .set_account_identity(
            &old,
            &UserInfo {
                username: Some("jd".into()),
                ..user("7", "j@d")
            },
        )
        .unwrap();
    let other_server = store
        .save_login(&login("elsewhere", SELF), LoginTarget::ReplaceOnServer)
        .unwrap()
        .account_id;
    store
        .set_account_identity(&other_server, &user("7", "j@d"))
        .unwrap();
    // `auth login <email>` added a second SaaS account; it turns out to be the same user.
    let new = store
        .save_login(
            &login("new", "https://de.sentry.io"),
            LoginTarget::NewAccount,
        )
        .unwrap()
        .account_id;
    let out = store.set_account_identity(&new, &user("7", "j@d")).unwrap();
    assert_eq!(out.removed_duplicates, vec![old.clone()]);
    let now = store.account(&new).unwrap().unwrap();
    assert_eq!(
        now.username.as_deref(),
        Some("jd"),
        "username taken from the duplicate"
    );
    assert!(now.is_active);
    assert_eq!(store.account(&old).unwrap(), None);
    assert!(
        store.account(&other_server).unwrap().is_some(),
        "same user on another server is another account"
    );
    // Identity updates never touch updated_at; clearing forgets only the identity.
    let before = store.account(&new).unwrap().unwrap();
    store.clear_account_identity(&new).unwrap();
    let after = store.account(&new).unwrap().unwrap();
    assert_eq!(
        (after.user_id, after.email, after.username),
        (None, None, None)
    );
    assert_eq!(after.updated_at, before.updated_at);
    assert_eq!(after.token, before.token);
    assert!(matches!(
        store.set_account_identity("gone", &user("1", "x@y")),
        Err(StoreError::NoSuchAccount(_))
    ));
}

#[test]
fn invalidated_account_stays_listed_without_credentials() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let rec = AuthRecord::issued_now("at", Some("rt".into()), Some(3600), Some(SAAS.into()));
    let id = store
        .save_login(&rec, LoginTarget::ReplaceOnServer)
        .unwrap()
        .account_id;
    store.set_user_info(&user("3", "u@x")).unwrap();
    let identity = store.credential_identity_for_token(Some("at"));
    assert_eq!(
        identity,
        credential_identity(CredentialKind::OAuthRefresh, "rt")
    );
    store
        .upsert_org_regions(&[region_for(&identity, "acme")])
        .unwrap();
    assert_eq!(
        store.all_org_regions().unwrap()[0].account_id.as_deref(),
        Some(id.as_str())
    );
    some_session_state(&store);

    assert!(store.invalidate_account(&id).unwrap());
    let a = store.account(&id).unwrap().unwrap();
    assert!(a.is_active);
    assert!(!a.has_token() && !a.is_usable(sentry_store::now_ms()));
    assert_eq!(a.email.as_deref(), Some("u@x"));
    assert_eq!(store.auth().unwrap(), None);
    assert_eq!(store.all_org_regions().unwrap(), vec![]);
    assert!(!session_state_left(&store));
    assert!(!store.invalidate_account("gone").unwrap());
    // The token now identifies nothing stored: it is keyed as an outside token.
    assert_eq!(
        store.credential_identity_for_token(Some("at")),
        credential_identity(CredentialKind::Env, "at")
    );
    assert_eq!(
        store.credential_identity_for_token(None),
        sentry_store::ANONYMOUS_IDENTITY
    );
}

#[test]
fn unreadable_rows_are_skipped_with_one_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_with("upstream-049-two-accounts.db", tmp.path());
    {
        let conn = Connection::open(cfg.join("cli.db")).unwrap();
        conn.execute_batch(
            "INSERT INTO accounts (account_id, host, token, is_active)
               VALUES ('bad-token', 'https://x.example', x'00ff', 0);
             INSERT INTO accounts (account_id, host, token, is_active)
               VALUES ('bad-host', 'not a url', 'tok', 0);
             INSERT INTO accounts (account_id, host, token, is_active)
               VALUES (NULL, 'https://y.example', 'tok2', 0);",
        )
        .unwrap();
    }
    let store = Store::open(&cfg).unwrap();
    assert!(store.warnings().is_empty());
    let accounts = store.accounts().unwrap();
    assert_eq!(accounts.len(), 2, "the two good accounts stay usable");
    assert!(accounts[0].is_active);
    assert_eq!(
        store.warnings(),
        [format!(
            "Warning: Ignoring 3 unreadable stored accounts in the local database: '(none)' (account_id is missing), 'bad-host' (host 'not a url' is not an http(s) URL), 'bad-token' (token is not text).\n  Path: {}\n  Fix: log in again to that server, or remove it with 'sentry auth logout <account id>'.",
            cfg.join("cli.db").display()
        )]
    );
    // Once per process.
    store.accounts().unwrap();
    store.active_account().unwrap();
    assert_eq!(store.warnings().len(), 1);
    assert!(store.auth().unwrap().is_some());
    // An unreadable row can still be removed by id, and all of them by logging out of all.
    assert_eq!(
        store.remove_account("bad-token", true).unwrap(),
        Some(accounts[0].account_id.clone())
    );
    store.remove_all_accounts().unwrap();
    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    assert_eq!(scalar::<i64>(&conn, "SELECT count(*) FROM accounts"), 0);
}

#[test]
fn account_lock_applies_to_the_locked_account_only() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let a = store
        .save_login(
            &AuthRecord::issued_now("a1", Some("ra".into()), Some(60), Some(SAAS.into())),
            LoginTarget::ReplaceOnServer,
        )
        .unwrap()
        .account_id;
    let b = store
        .save_login(&login("b1", SELF), LoginTarget::ReplaceOnServer)
        .unwrap()
        .account_id;
    // b is active; refreshing a changes a, not the active b, and keeps a's host.
    let seen: Result<String, StoreError> = store.with_account_lock(&a, |cur| {
        let cur = cur.unwrap();
        assert_eq!(cur.token.as_deref(), Some("a1"));
        Ok((
            AuthChange::Set(AuthRecord::issued_now(
                "a2",
                Some("ra2".into()),
                Some(3600),
                None,
            )),
            cur.account_id,
        ))
    });
    assert_eq!(seen.unwrap(), a);
    let got = store.account(&a).unwrap().unwrap();
    assert_eq!(
        (got.token.as_deref(), got.host.as_deref(), got.is_active),
        (Some("a2"), Some(SAAS), false)
    );
    assert_eq!(store.auth().unwrap().unwrap().token.as_deref(), Some("b1"));
    // A dead refresh token invalidates exactly that account.
    let r: Result<(), StoreError> = store.with_account_lock(&a, |_| Ok((AuthChange::Clear, ())));
    r.unwrap();
    assert!(!store.account(&a).unwrap().unwrap().has_token());
    assert!(store.account(&b).unwrap().unwrap().has_token());
    // A logout that won the race: nothing is resurrected.
    store.remove_account(&a, false).unwrap();
    let r: Result<(), StoreError> = store.with_account_lock(&a, |cur| {
        assert_eq!(cur, None);
        Ok((AuthChange::Set(login("zombie", SAAS)), ()))
    });
    match r {
        Err(StoreError::NoSuchAccount(id)) => assert_eq!(id, a),
        other => panic!("expected NoSuchAccount, got {other:?}"),
    }
    assert_eq!(store.accounts().unwrap().len(), 1);
}
