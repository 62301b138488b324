//! Files, permissions, connection behaviour and every typed accessor.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::common::*;
use rusqlite::Connection;
use sentry_store::{
    credential_identity, AuthChange, AuthRecord, CachedProject, CredentialKind, CursorDirection,
    DsnCacheEntry, OrgRegion, PaginationState, ProjectAlias, Store, StoreError, UserInfo,
};

#[cfg(unix)]
#[test]
fn creates_dir_0700_and_files_0600() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("a/b/.sentry");
    let store = Store::open(&cfg).unwrap();
    store.meta_set("defaults.org", "acme").unwrap();
    assert_eq!(mode(&cfg), 0o700);
    let db = cfg.join("cli.db");
    assert_eq!(mode(&db), 0o600);
    // A rollback journal leaves no sidecar files between transactions.
    for side in ["cli.db-wal", "cli.db-shm", "cli.db-journal"] {
        assert!(!cfg.join(side).exists(), "{side} left behind");
    }
}

#[cfg(unix)]
#[test]
fn existing_dir_keeps_mode_and_files_are_tightened_on_every_open() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("cfg");
    std::fs::create_dir(&cfg).unwrap();
    chmod(&cfg, 0o755);
    drop(Store::open(&cfg).unwrap());
    assert_eq!(mode(&cfg), 0o755, "existing dir must keep its mode");

    let db = cfg.join("cli.db");
    chmod(&db, 0o644);
    // A WAL file (upstream's native driver switches files to WAL): leave -wal/-shm behind by
    // holding another connection open, loosened too.
    let other = Connection::open(&db).unwrap();
    let wal: String = other
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(wal, "wal");
    other
        .execute("INSERT INTO metadata (key, value) VALUES ('k', 'v')", [])
        .unwrap();
    chmod(&cfg.join("cli.db-wal"), 0o666);
    chmod(&cfg.join("cli.db-shm"), 0o644);
    let store = Store::open(&cfg).unwrap();
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&cfg.join("cli.db-wal")), 0o600);
    assert_eq!(mode(&cfg.join("cli.db-shm")), 0o600);
    assert_eq!(store.meta_get("k").unwrap().as_deref(), Some("v"));
    drop(other);
}

#[test]
fn journal_mode_is_never_switched() {
    // New files get a rollback journal (every upstream driver opens those, even while we
    // hold the file open); a WAL file stays WAL, and is read and written as such.
    let tmp = tempfile::tempdir().unwrap();
    drop(Store::open(tmp.path()).unwrap());
    let db = tmp.path().join("cli.db");
    let mode = |c: &Connection| -> String {
        c.query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap()
    };
    let conn = Connection::open(&db).unwrap();
    assert_eq!(mode(&conn), "delete");
    let wal: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(wal, "wal");
    drop(conn);
    let store = Store::open(tmp.path()).unwrap();
    store.meta_set("defaults.org", "acme").unwrap();
    store
        .set_auth(&AuthRecord::issued_now("t", None, None, None))
        .unwrap();
    drop(store);
    let conn = Connection::open(&db).unwrap();
    assert_eq!(mode(&conn), "wal");
    let v: String = conn
        .query_row(
            "SELECT value FROM metadata WHERE key = 'defaults.org'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(v, "acme");
}

#[test]
fn existing_rollback_journal_database_is_not_converted_to_wal() {
    // Upstream's npm install on Node < 22.15 (WASM driver) writes rollback-journal files and
    // cannot open WAL ones: we must keep such a file readable by it.
    let tmp = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(tmp.path().join("cli.db")).unwrap();
        conn.execute_batch(UPSTREAM_V16_DDL).unwrap();
        conn.execute_batch(
            "INSERT INTO schema_version VALUES (16);
             INSERT INTO metadata VALUES ('defaults.org', 'acme');",
        )
        .unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
    }
    let store = Store::open(tmp.path()).unwrap();
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("acme")
    );
    store.meta_set("defaults.project", "web").unwrap();
    drop(store);
    let conn = Connection::open(tmp.path().join("cli.db")).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    assert!(!tmp.path().join("cli.db-wal").exists());
    let v: String = conn
        .query_row(
            "SELECT value FROM metadata WHERE key = 'defaults.project'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(v, "web");
}

#[test]
fn writes_wait_for_another_process_lock_instead_of_failing() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let blocker = Connection::open(tmp.path().join("cli.db")).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        blocker.execute_batch("COMMIT").unwrap();
    });
    let started = Instant::now();
    store.meta_set("defaults.project", "web").unwrap();
    let waited = started.elapsed();
    t.join().unwrap();
    assert!(
        waited >= Duration::from_millis(600),
        "write should have waited for the lock (busy timeout), took {waited:?}"
    );
    assert_eq!(
        store.meta_get("defaults.project").unwrap().as_deref(),
        Some("web")
    );
}

#[test]
fn metadata_roundtrip_prefix_and_bulk() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    assert_eq!(store.meta_get("defaults.org").unwrap(), None);
    store.meta_set("defaults.org", "acme").unwrap();
    store.meta_set("defaults.org", "acme2").unwrap();
    store.meta_set("defaults.url", "https://s.example").unwrap();
    store.meta_set("defaults_x", "not-a-default").unwrap();
    store.meta_set("release_channel", "stable").unwrap();
    let d = store.meta_with_prefix("defaults.").unwrap();
    assert_eq!(
        d,
        BTreeMap::from([
            ("defaults.org".to_string(), "acme2".to_string()),
            ("defaults.url".to_string(), "https://s.example".to_string()),
        ])
    );
    // `_` must not act as a LIKE wildcard.
    assert_eq!(store.meta_with_prefix("defaults_").unwrap().len(), 1);
    store.meta_delete("defaults.url").unwrap();
    assert_eq!(store.meta_get("defaults.url").unwrap(), None);
    store
        .meta_update(&[("defaults.headers", Some("X-A: 1")), ("defaults.org", None)])
        .unwrap();
    assert_eq!(store.meta_get("defaults.org").unwrap(), None);
    assert_eq!(
        store.meta_get("defaults.headers").unwrap().as_deref(),
        Some("X-A: 1")
    );
    store.meta_delete_prefix("defaults.").unwrap();
    assert!(store.meta_with_prefix("defaults.").unwrap().is_empty());
    assert_eq!(
        store.meta_get("release_channel").unwrap().as_deref(),
        Some("stable")
    );
}

#[test]
fn auth_record_timestamps_follow_upstream_rules() {
    let r = AuthRecord::issued_now("t", None, Some(3600), Some("https://sentry.io".into()));
    let issued = r.issued_at.unwrap();
    assert_eq!(r.expires_at, Some(issued + 3_600_000));
    assert_eq!(r.updated_at, issued);
    let api = AuthRecord::issued_now("t", None, None, None);
    assert_eq!((api.expires_at, api.issued_at), (None, None));
    assert!(api.updated_at > 0);
}

fn region(identity: &str, slug: &str, url: &str) -> OrgRegion {
    OrgRegion {
        org_slug: slug.into(),
        region_url: url.into(),
        credential_identity: identity.into(),
        source_origin: "https://sentry.io".into(),
        response_origin: "https://sentry.io".into(),
        ..Default::default()
    }
}

#[test]
fn logout_clears_session_tables_and_keeps_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    store
        .set_auth(&AuthRecord::issued_now(
            "t",
            Some("r".into()),
            Some(60),
            None,
        ))
        .unwrap();
    store
        .set_user_info(&UserInfo {
            user_id: "1".into(),
            ..Default::default()
        })
        .unwrap();
    let mine = store.credential_identity_for_token(Some("t"));
    let env = credential_identity(CredentialKind::Env, "ci-token");
    store
        .upsert_org_regions(&[
            region(&mine, "acme", "https://us.sentry.io"),
            region(&env, "acme", "https://de.sentry.io"),
        ])
        .unwrap();
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
    store.set_issue_org("123", "acme").unwrap();
    store
        .meta_set("defaults.url", "https://self.example")
        .unwrap();
    store.repo_cache_put("acme", "[]").unwrap();
    store
        .set_project_aliases(
            &BTreeMap::from([(
                "A".to_string(),
                ProjectAlias {
                    org_slug: "acme".into(),
                    project_slug: "web".into(),
                },
            )]),
            None,
        )
        .unwrap();

    store.clear_auth().unwrap();
    assert_eq!(store.auth().unwrap(), None);
    assert_eq!(store.user_info().unwrap(), None);
    assert_eq!(store.accounts().unwrap(), vec![]);
    // Only the logged-out credential's regions go.
    let left = store.all_org_regions().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].credential_identity, env);
    assert_eq!(store.pagination_get("k", "c").unwrap(), None);
    assert_eq!(store.issue_org("123").unwrap(), None);
    assert_eq!(
        store.meta_get("defaults.url").unwrap().as_deref(),
        Some("https://self.example")
    );
    assert!(store.repo_cache_get("acme").unwrap().is_some());
    assert_eq!(store.project_aliases().unwrap().len(), 1);
}

#[test]
fn org_regions_are_kept_per_credential_and_origin() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let a = credential_identity(CredentialKind::Env, "a");
    let b = credential_identity(CredentialKind::Env, "b");
    store
        .upsert_org_regions(&[
            OrgRegion {
                org_id: Some("11".into()),
                org_name: Some("Acme".into()),
                org_role: Some("owner".into()),
                ..region(&a, "acme", "https://us.sentry.io")
            },
            region(&a, "beta", "https://de.sentry.io"),
            // Another credential's answer for the same slug is a separate row.
            region(&b, "acme", "https://evil.example"),
        ])
        .unwrap();
    // Learning only the region later must not erase id/name/role.
    store
        .upsert_org_regions(&[OrgRegion {
            response_origin: "https://us.sentry.io/".into(),
            ..region(&a, "acme", "https://de.sentry.io")
        }])
        .unwrap();
    let acme = store
        .org_region(&a, "https://sentry.io/", "acme")
        .unwrap()
        .unwrap();
    assert_eq!(acme.org_id.as_deref(), Some("11"));
    assert_eq!(acme.org_role.as_deref(), Some("owner"));
    assert_eq!(acme.region_url, "https://de.sentry.io");
    assert_eq!(acme.source_origin, "https://sentry.io");
    assert_eq!(acme.response_origin, "https://us.sentry.io");
    assert_eq!(
        acme.account_id, None,
        "no stored account holds credential a"
    );
    assert!(acme.updated_at > 0);
    assert_eq!(
        store
            .org_region(&b, "https://sentry.io", "acme")
            .unwrap()
            .unwrap()
            .region_url,
        "https://evil.example"
    );
    // Other origins and credentials see nothing.
    assert_eq!(
        store
            .org_region(&a, "https://self.example", "acme")
            .unwrap(),
        None
    );
    let c = credential_identity(CredentialKind::Env, "c");
    assert_eq!(
        store.org_region(&c, "https://sentry.io", "acme").unwrap(),
        None
    );
    assert_eq!(
        store
            .org_region_by_id(&a, "https://sentry.io", "11")
            .unwrap()
            .unwrap()
            .org_slug,
        "acme"
    );
    assert_eq!(
        store
            .org_region_by_id(&b, "https://sentry.io", "11")
            .unwrap(),
        None
    );
    assert_eq!(store.org_regions(&a, "https://sentry.io").unwrap().len(), 2);
    assert_eq!(store.all_org_regions().unwrap().len(), 3);
    // Only rows with id+name count as a cached org list.
    let cached = store.cached_organizations(&a, "https://sentry.io").unwrap();
    assert_eq!(cached.len(), 1);
    assert_eq!(
        (cached[0].slug.as_str(), cached[0].name.as_str()),
        ("acme", "Acme")
    );
    assert_eq!(
        store.cached_organizations(&b, "https://sentry.io").unwrap(),
        vec![]
    );

    // Stale rows (older than 7 days) are not served as the org list.
    let conn = Connection::open(tmp.path().join("cli.db")).unwrap();
    conn.execute("UPDATE org_regions SET updated_at = 1000", [])
        .unwrap();
    assert!(store
        .cached_organizations(&a, "https://sentry.io")
        .unwrap()
        .is_empty());
    assert!(store
        .org_region(&a, "https://sentry.io", "acme")
        .unwrap()
        .is_some());
    store.clear_org_regions().unwrap();
    assert_eq!(store.all_org_regions().unwrap(), vec![]);
}

#[test]
fn pagination_state_roundtrip_and_expiry() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let ctx = "host:https://sentry.io|type:org:acme";
    assert_eq!(store.pagination_get("issue-list", ctx).unwrap(), None);
    let s = store
        .pagination_advance("issue-list", ctx, CursorDirection::First, Some("c1"))
        .unwrap();
    assert_eq!(s.stack, vec!["".to_string(), "c1".to_string()]);
    let s = store
        .pagination_advance("issue-list", ctx, CursorDirection::Next, Some("c2"))
        .unwrap();
    assert_eq!(
        store.pagination_get("issue-list", ctx).unwrap(),
        Some(s.clone())
    );
    assert_eq!(s.index, 1);

    // Stored in upstream's format: JSON array + page_index, 5-minute expiry.
    let conn = Connection::open(tmp.path().join("cli.db")).unwrap();
    let (json, idx, exp): (String, i64, i64) = conn
        .query_row(
            "SELECT cursor_stack, page_index, expires_at FROM pagination_cursors",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(json, r#"["","c1","c2"]"#);
    assert_eq!(idx, 1);
    let ttl = exp - sentry_store::now_ms();
    assert!(ttl > 290_000 && ttl <= 300_000, "ttl {ttl}");

    conn.execute("UPDATE pagination_cursors SET expires_at = 1", [])
        .unwrap();
    assert_eq!(store.pagination_get("issue-list", ctx).unwrap(), None);
    let left: i64 = conn
        .query_row("SELECT count(*) FROM pagination_cursors", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0, "expired state is deleted on read");

    // A malformed stack is reported, not panicked on.
    conn.execute(
        "INSERT INTO pagination_cursors VALUES ('x', 'y', 'not json', 0, 99999999999999)",
        [],
    )
    .unwrap();
    match store.pagination_get("x", "y") {
        Err(StoreError::InvalidData { detail, .. }) => {
            assert!(detail.contains("cursor_stack"), "{detail}")
        }
        other => panic!("expected InvalidData, got {other:?}"),
    }
    store.pagination_clear("x", "y").unwrap();
    assert_eq!(store.pagination_get("x", "y").unwrap(), None);
}

#[test]
fn dsn_cache_roundtrip_resolution_and_touch() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let e = DsnCacheEntry {
        directory: "/repo".into(),
        dsn: "https://key@o1.ingest.sentry.io/2".into(),
        project_id: "2".into(),
        org_id: Some("1".into()),
        source: "env_file".into(),
        source_path: Some(".env".into()),
        fingerprint: Some("1:2".into()),
        all_dsns_json: Some("[]".into()),
        root_dir_mtime: Some(123),
        ttl_expires_at: Some(456),
        ..Default::default()
    };
    store.dsn_cache_put(&e).unwrap();
    let conn = Connection::open(tmp.path().join("cli.db")).unwrap();
    conn.execute("UPDATE dsn_cache SET last_accessed = 5", [])
        .unwrap();

    let got = store.dsn_cache_get("/repo").unwrap().unwrap();
    assert_eq!(got.dsn, e.dsn);
    assert_eq!(got.source_path.as_deref(), Some(".env"));
    assert_eq!(got.root_dir_mtime, Some(123));
    assert_eq!(got.resolved_org_slug, None);
    let touched: i64 = conn
        .query_row("SELECT last_accessed FROM dsn_cache", [], |r| r.get(0))
        .unwrap();
    assert!(touched > 5, "a hit refreshes last_accessed");

    store
        .dsn_cache_set_resolution("/repo", "acme", "Acme", "web", "Web")
        .unwrap();
    let got = store.dsn_cache_get("/repo").unwrap().unwrap();
    assert_eq!(got.resolved_project_slug.as_deref(), Some("web"));
    assert_eq!(got.resolved_org_name.as_deref(), Some("Acme"));
    store.dsn_cache_clear(Some("/repo")).unwrap();
    assert_eq!(store.dsn_cache_get("/repo").unwrap(), None);
}

#[test]
fn project_cache_and_aliases() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let key = CachedProject::key_for_ids("1", "2");
    assert_eq!(key, "1:2");
    assert_eq!(CachedProject::key_for_dsn("abc"), "dsn:abc");
    store
        .project_cache_put(&CachedProject {
            cache_key: key.clone(),
            org_slug: "acme".into(),
            org_name: "Acme".into(),
            project_slug: "web".into(),
            project_name: "Web".into(),
            project_id: Some("2".into()),
            ..Default::default()
        })
        .unwrap();
    let p = store.project_cache_get(&key).unwrap().unwrap();
    assert_eq!(
        (p.org_slug.as_str(), p.project_id.as_deref()),
        ("acme", Some("2"))
    );
    store
        .project_cache_put_org_list("acme", "Acme", &[("3".into(), "api".into(), "API".into())])
        .unwrap();
    assert!(store.project_cache_get("list:acme/api").unwrap().is_some());
    assert_eq!(
        store.project_cache_for_org("acme").unwrap(),
        vec![
            ("api".to_string(), "API".to_string()),
            ("web".to_string(), "Web".to_string())
        ]
    );

    let aliases = BTreeMap::from([
        (
            "W".to_string(),
            ProjectAlias {
                org_slug: "acme".into(),
                project_slug: "web".into(),
            },
        ),
        (
            "a".to_string(),
            ProjectAlias {
                org_slug: "acme".into(),
                project_slug: "api".into(),
            },
        ),
    ]);
    store.set_project_aliases(&aliases, Some("fp1")).unwrap();
    let all = store.project_aliases().unwrap();
    assert_eq!(all.keys().cloned().collect::<Vec<_>>(), vec!["a", "w"]);
    assert_eq!(
        store
            .project_by_alias("w", Some("fp1"))
            .unwrap()
            .unwrap()
            .project_slug,
        "web"
    );
    assert_eq!(
        store
            .project_by_alias("W", None)
            .unwrap()
            .unwrap()
            .project_slug,
        "web"
    );
    assert_eq!(store.project_by_alias("w", Some("other")).unwrap(), None);
    // Replacing drops old aliases.
    store.set_project_aliases(&BTreeMap::new(), None).unwrap();
    assert!(store.project_aliases().unwrap().is_empty());
}

#[test]
fn issue_repo_and_project_root_caches() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    store.set_issue_org("7413562541", "acme").unwrap();
    store.set_issue_org("7413562541", "beta").unwrap();
    assert_eq!(
        store.issue_org("7413562541").unwrap().as_deref(),
        Some("beta")
    );
    store.delete_issue_org("7413562541").unwrap();
    assert_eq!(store.issue_org("7413562541").unwrap(), None);

    store.repo_cache_put("acme", r#"[{"name":"a/b"}]"#).unwrap();
    assert_eq!(
        store.repo_cache_get("acme").unwrap().unwrap().repos_json,
        r#"[{"name":"a/b"}]"#
    );
    let conn = Connection::open(tmp.path().join("cli.db")).unwrap();
    conn.execute("UPDATE repo_cache SET cached_at = 1", [])
        .unwrap();
    assert_eq!(store.repo_cache_get("acme").unwrap(), None, "7-day TTL");

    store.project_root_put("/w/sub", "/w", "vcs", 99).unwrap();
    let r = store.project_root_get("/w/sub").unwrap().unwrap();
    assert_eq!(
        (r.project_root.as_str(), r.reason.as_str(), r.cwd_mtime),
        ("/w", "vcs", 99)
    );
    assert_eq!(r.ttl_expires_at - r.cached_at, 24 * 60 * 60 * 1000);
    conn.execute("UPDATE project_root_cache SET ttl_expires_at = 1", [])
        .unwrap();
    assert_eq!(store.project_root_get("/w/sub").unwrap(), None);
    store.cleanup_caches().unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM project_root_cache", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "expired project roots are purged");
}

#[test]
fn auth_lock_set_keep_clear_and_error_rolls_back() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    // Nobody to name yet: nothing is written (upstream's behaviour).
    store
        .set_user_info(&UserInfo {
            user_id: "9".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(store.accounts().unwrap(), vec![]);
    let seen: Result<Option<AuthRecord>, StoreError> = store.with_auth_lock(|cur| {
        let new = AuthRecord::issued_now("a1", Some("r1".into()), Some(3600), None);
        Ok((AuthChange::Set(new), cur))
    });
    assert_eq!(seen.unwrap(), None);
    assert_eq!(store.auth().unwrap().unwrap().token.as_deref(), Some("a1"));
    store
        .set_user_info(&UserInfo {
            user_id: "9".into(),
            ..Default::default()
        })
        .unwrap();

    let r: Result<(), StoreError> = store.with_auth_lock(|cur| {
        assert_eq!(cur.unwrap().refresh_token.as_deref(), Some("r1"));
        Ok((AuthChange::Keep, ()))
    });
    r.unwrap();

    #[derive(Debug)]
    enum E {
        Store,
        Network,
    }
    impl From<StoreError> for E {
        fn from(_: StoreError) -> E {
            E::Store
        }
    }
    let r: Result<(), E> = store.with_auth_lock(|_| Err(E::Network));
    assert!(matches!(r, Err(E::Network)));
    assert_eq!(store.auth().unwrap().unwrap().token.as_deref(), Some("a1"));

    let r: Result<(), StoreError> = store.with_auth_lock(|_| Ok((AuthChange::Clear, ())));
    r.unwrap();
    assert_eq!(store.auth().unwrap(), None);
    assert_eq!(store.user_info().unwrap(), None, "no login, no identity");
    // Upstream's invalidation: the account stays (active, identity kept), without a token.
    let a = store.active_account().unwrap().unwrap();
    assert_eq!((a.token, a.refresh_token, a.expires_at), (None, None, None));
    assert_eq!(a.user_id.as_deref(), Some("9"));
    // A lock on a dead session sees no login; a new one replaces it in place.
    let r: Result<Option<AuthRecord>, StoreError> = store.with_auth_lock(|cur| {
        Ok((
            AuthChange::Set(AuthRecord::issued_now("a2", None, None, None)),
            cur,
        ))
    });
    assert_eq!(r.unwrap(), None);
    assert_eq!(store.accounts().unwrap().len(), 1);
    assert_eq!(store.auth().unwrap().unwrap().token.as_deref(), Some("a2"));
}

#[test]
fn store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
}
