//! Compatibility with the upstream file format: create a file exactly like upstream 0.49
//! does, migrate older files (upstream 0.45's v16, and earlier) the way 0.49 migrates them,
//! and leave a newer CLI's file alone.

use crate::common::*;
use rusqlite::Connection;
use sentry_store::{
    credential_identity, AuthRecord, CredentialKind, OrgRegion, Store, StoreError, UserInfo,
    WriteFault, SCHEMA_VERSION,
};

/// (name, type, notnull, default, pk) of every column of every table, by table.
fn shape(conn: &Connection) -> Vec<(String, std::collections::BTreeMap<String, ColumnInfo>)> {
    let mut names = tables(conn);
    names.sort();
    names
        .into_iter()
        .map(|t| {
            let info = table_info(conn, &t);
            (t, info)
        })
        .collect()
}

#[test]
fn fresh_database_is_byte_for_byte_the_schema_upstream_049_creates() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let ours = Connection::open(dir.path().join("cli.db")).unwrap();
    let upstream = Connection::open(fixture("upstream-049-login.db")).unwrap();

    // Same tables and indexes, created in the same order, with identical DDL text.
    assert_eq!(master(&ours), master(&upstream));
    let names: Vec<String> = master(&ours)
        .into_iter()
        .filter(|(ty, _, _)| ty == "table")
        .map(|(_, n, _)| n)
        .collect();
    assert_eq!(names, V21_TABLE_NAMES);
    assert_eq!(shape(&ours), shape(&upstream));
    assert_eq!(
        scalar::<i64>(&ours, "SELECT version FROM schema_version"),
        21
    );
    assert_eq!(
        scalar::<i64>(&ours, "SELECT count(*) FROM schema_version"),
        1
    );
    assert_eq!(SCHEMA_VERSION, 21);
    // A rollback journal, like the file upstream's WASM driver makes (see `configure`).
    assert_eq!(scalar::<String>(&ours, "PRAGMA journal_mode"), "delete");
    assert_eq!(scalar::<String>(&upstream, "PRAGMA journal_mode"), "delete");
}

#[test]
fn v16_login_becomes_the_active_account_as_049_migrates_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    drop(make_upstream_db(&cfg));

    let store = Store::open(&cfg).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());
    assert!(!store.is_read_only());
    assert_eq!(store.path(), cfg.join("cli.db"));
    assert_eq!(
        store.auth().unwrap(),
        Some(AuthRecord {
            token: Some("oauth-access-token-abc".into()),
            refresh_token: Some("oauth-refresh-token-xyz".into()),
            expires_at: Some(1795340261349),
            issued_at: Some(1795336661349),
            updated_at: 1795336661349,
            host: Some("http://127.0.0.1:28931".into()),
        })
    );
    assert_eq!(
        store.user_info().unwrap(),
        Some(UserInfo {
            user_id: "42".into(),
            email: Some("jane@example.com".into()),
            username: None,
            name: Some("Jane Doe".into()),
            updated_at: 1795336661349,
        })
    );
    let accounts = store.accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    let a = &accounts[0];
    assert!(a.is_active);
    assert_eq!(a.account_id.len(), 36);
    assert_eq!(&a.account_id[14..15], "7", "UUIDv7: {}", a.account_id);
    assert_eq!(a.updated_at, 1795336661349, "updated_at is the auth row's");
    assert_eq!(a.created_at, a.last_used_at);
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("acme")
    );
    assert_eq!(
        store.meta_get("install.method").unwrap().as_deref(),
        Some("npm")
    );
    // v17 dropped the slug-keyed region rows (a cache), as upstream does.
    assert_eq!(store.all_org_regions().unwrap(), vec![]);
    assert_eq!(
        store.instance_id().unwrap().as_deref(),
        Some("0190f0e4-0000-7000-8000-000000000000")
    );
    drop(store);

    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    assert_eq!(
        scalar::<i64>(&conn, "SELECT version FROM schema_version"),
        21
    );
    assert_eq!(
        scalar::<i64>(&conn, "SELECT count(*) FROM schema_version"),
        1
    );
    let mut expected: Vec<String> = V21_TABLE_NAMES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(tables(&conn), expected, "auth and user_info are dropped");
    let fresh = Connection::open(fixture("upstream-049-login.db")).unwrap();
    assert_eq!(shape(&conn), shape(&fresh));
    // The existing WAL file keeps its journal mode.
    assert_eq!(scalar::<String>(&conn, "PRAGMA journal_mode"), "wal");
}

#[test]
fn our_migration_of_our_v16_file_matches_upstream_049s() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with("ours-v16.db", dir.path());
    let store = Store::open(&cfg).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());
    drop(store);
    let ours = Connection::open(cfg.join("cli.db")).unwrap();
    let theirs = Connection::open(fixture("ours-v16-migrated-by-049.db")).unwrap();

    assert_eq!(shape(&ours), shape(&theirs));
    for t in [
        "org_regions",
        "accounts",
        "completion_cache",
        "telemetry_envelope_queue",
    ] {
        let sql = |c: &Connection| -> String {
            c.query_row("SELECT sql FROM sqlite_master WHERE name = ?1", [t], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert_eq!(sql(&ours), sql(&theirs), "DDL of {t}");
    }
    // The login: same row but for the id and the migration's own timestamps.
    let row = |c: &Connection| -> Vec<rusqlite::types::Value> {
        c.query_row(
            "SELECT host, user_id, email, username, name, token, refresh_token, expires_at,
               issued_at, is_active, updated_at FROM accounts",
            [],
            |r| (0..11).map(|i| r.get(i)).collect(),
        )
        .unwrap()
    };
    assert_eq!(row(&ours), row(&theirs));
    assert_eq!(scalar::<i64>(&ours, "SELECT count(*) FROM accounts"), 1);
    // Preferences survive; our interim region-source rows go with the rows they described
    // (upstream, not knowing them, leaves them behind).
    let meta = |c: &Connection| -> Vec<(String, String)> {
        let mut s = c
            .prepare(
                "SELECT key, value FROM metadata WHERE key NOT LIKE 'orgRegionSource.%'
                 AND key != 'json_migration_completed' ORDER BY key",
            )
            .unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(meta(&ours), meta(&theirs));
    assert_eq!(
        scalar::<i64>(
            &ours,
            "SELECT count(*) FROM metadata WHERE key LIKE 'orgRegionSource.%'"
        ),
        0
    );
    assert_eq!(scalar::<i64>(&ours, "SELECT count(*) FROM org_regions"), 0);
    assert_eq!(scalar::<String>(&ours, "PRAGMA journal_mode"), "wal");
}

/// Tables as an upstream v10 install left them: before repo_cache / issue_org_cache /
/// completion_telemetry_queue, with the legacy `defaults` table, the pre-v12 single-cursor
/// `pagination_cursors` (with the old single-column key bug), `org_regions` without
/// `org_role`, and `auth` without `host`.
const UPSTREAM_V10_DDL: &str = "
CREATE TABLE schema_version (version INTEGER PRIMARY KEY);
CREATE TABLE auth (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT, refresh_token TEXT, expires_at INTEGER, issued_at INTEGER,
    updated_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000));
CREATE TABLE defaults (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    organization TEXT, project TEXT,
    updated_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000));
CREATE TABLE project_cache (
    cache_key TEXT PRIMARY KEY, org_slug TEXT NOT NULL, org_name TEXT NOT NULL,
    project_slug TEXT NOT NULL, project_name TEXT NOT NULL,
    cached_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
    last_accessed INTEGER NOT NULL DEFAULT (unixepoch() * 1000));
CREATE TABLE dsn_cache (
    directory TEXT PRIMARY KEY, dsn TEXT NOT NULL, project_id TEXT NOT NULL, org_id TEXT,
    source TEXT NOT NULL, source_path TEXT, resolved_org_slug TEXT, resolved_org_name TEXT,
    resolved_project_slug TEXT, resolved_project_name TEXT,
    cached_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
    last_accessed INTEGER NOT NULL DEFAULT (unixepoch() * 1000));
CREATE TABLE project_aliases (
    alias TEXT PRIMARY KEY, org_slug TEXT NOT NULL, project_slug TEXT NOT NULL,
    dsn_fingerprint TEXT,
    cached_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
    last_accessed INTEGER NOT NULL DEFAULT (unixepoch() * 1000));
CREATE TABLE pagination_cursors (
    command_key TEXT PRIMARY KEY, context TEXT NOT NULL, cursor TEXT NOT NULL,
    expires_at INTEGER NOT NULL);
CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE org_regions (
    org_slug TEXT PRIMARY KEY, region_url TEXT NOT NULL,
    updated_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000));
CREATE TABLE user_info (
    id INTEGER PRIMARY KEY CHECK (id = 1), user_id TEXT NOT NULL, email TEXT, username TEXT,
    updated_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000));
CREATE TABLE instance_info (
    id INTEGER PRIMARY KEY CHECK (id = 1), instance_id TEXT NOT NULL,
    created_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000));
CREATE TABLE project_root_cache (
    cwd TEXT PRIMARY KEY, project_root TEXT NOT NULL, reason TEXT NOT NULL,
    cwd_mtime INTEGER NOT NULL, cached_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),
    ttl_expires_at INTEGER NOT NULL);
ALTER TABLE project_cache ADD COLUMN project_id TEXT;
ALTER TABLE org_regions ADD COLUMN org_id TEXT;
ALTER TABLE org_regions ADD COLUMN org_name TEXT;
ALTER TABLE dsn_cache ADD COLUMN fingerprint TEXT;
ALTER TABLE dsn_cache ADD COLUMN all_dsns_json TEXT;
ALTER TABLE dsn_cache ADD COLUMN source_mtimes_json TEXT;
ALTER TABLE dsn_cache ADD COLUMN dir_mtimes_json TEXT;
ALTER TABLE dsn_cache ADD COLUMN root_dir_mtime INTEGER;
ALTER TABLE dsn_cache ADD COLUMN ttl_expires_at INTEGER;
INSERT INTO schema_version (version) VALUES (8);
INSERT INTO auth (id, token, refresh_token, expires_at, issued_at, updated_at)
  VALUES (1, 'old-token', NULL, NULL, NULL, 1700000000000);
INSERT INTO defaults (id, organization, project) VALUES (1, 'legacy-org', 'legacy-proj');
INSERT INTO pagination_cursors VALUES ('issue-list', 'ctx', 'abc', 9999999999999);
INSERT INTO org_regions (org_slug, region_url, updated_at, org_id, org_name)
  VALUES ('acme', 'https://de.sentry.io', 1700000000000, '5', 'Acme');
INSERT INTO user_info (id, user_id, email, username) VALUES (1, 'u1', 'x@y.z', 'xy');
INSERT INTO metadata (key, value) VALUES ('json_migration_completed', 'true');
";

#[test]
fn migrates_old_upstream_version_to_v21() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join("cli.db")).unwrap();
        conn.execute_batch(UPSTREAM_V10_DDL).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());

    // Pre-v16 auth row: now an account without a host.
    assert_eq!(
        store.auth().unwrap(),
        Some(AuthRecord {
            token: Some("old-token".into()),
            refresh_token: None,
            expires_at: None,
            issued_at: None,
            updated_at: 1700000000000,
            host: None,
        })
    );
    // v13: legacy defaults moved into metadata, table dropped.
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("legacy-org")
    );
    assert_eq!(
        store.meta_get("defaults.project").unwrap().as_deref(),
        Some("legacy-proj")
    );
    assert_eq!(
        store
            .meta_get("json_migration_completed")
            .unwrap()
            .as_deref(),
        Some("true")
    );
    // v3 user_info.name (NULL for the old row) carried into the account.
    let user = store.user_info().unwrap().unwrap();
    assert_eq!(
        (user.user_id.as_str(), user.email.as_deref(), user.name),
        ("u1", Some("x@y.z"), None)
    );
    // v17: old region rows are gone.
    assert_eq!(store.all_org_regions().unwrap(), vec![]);
    // v12 cursor stack table works.
    assert_eq!(store.pagination_get("issue-list", "ctx").unwrap(), None);
    drop(store);

    let conn = Connection::open(dir.path().join("cli.db")).unwrap();
    assert_eq!(
        scalar::<i64>(&conn, "SELECT version FROM schema_version"),
        21
    );
    let mut expected: Vec<String> = V21_TABLE_NAMES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(
        tables(&conn),
        expected,
        "legacy `defaults`, auth, user_info gone"
    );
    let fresh = Connection::open(fixture("upstream-049-login.db")).unwrap();
    assert_eq!(shape(&conn), shape(&fresh));
    let pc_sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'pagination_cursors'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        pc_sql.contains("PRIMARY KEY (command_key, context)"),
        "{pc_sql}"
    );
}

#[test]
fn v21_database_missing_a_column_is_repaired_on_use() {
    // Upstream bug class: version says 21 but a column is missing (the fast path can't see
    // it); the first query that needs it repairs the table.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with("upstream-049-login.db", dir.path());
    {
        let conn = Connection::open(cfg.join("cli.db")).unwrap();
        conn.execute_batch("ALTER TABLE org_regions DROP COLUMN account_id")
            .unwrap();
    }
    let store = Store::open(&cfg).unwrap();
    let identity = credential_identity(CredentialKind::Env, "t");
    store
        .upsert_org_regions(&[OrgRegion {
            org_slug: "acme".into(),
            region_url: "https://us.sentry.io".into(),
            credential_identity: identity.clone(),
            source_origin: "https://sentry.io".into(),
            response_origin: "https://sentry.io".into(),
            ..Default::default()
        }])
        .unwrap();
    let row = store
        .org_region(&identity, "https://sentry.io", "acme")
        .unwrap()
        .unwrap();
    assert_eq!(row.region_url, "https://us.sentry.io");
    assert_eq!(row.account_id, None);
}

#[test]
fn repair_schema_reports_upstream_wording() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.repair_schema().unwrap(), Vec::<String>::new());
    {
        let conn = Connection::open(dir.path().join("cli.db")).unwrap();
        conn.execute_batch(
            "DROP TABLE repo_cache; ALTER TABLE org_regions DROP COLUMN account_id;
             DROP TABLE completion_cache;
             CREATE TABLE completion_cache (kind TEXT PRIMARY KEY, org_slug TEXT NOT NULL,
               value TEXT NOT NULL, label TEXT, last_seen INTEGER);",
        )
        .unwrap();
    }
    let fixed = store.repair_schema().unwrap();
    assert_eq!(
        fixed,
        vec![
            "Created table repo_cache".to_string(),
            "Added column org_regions.account_id".to_string(),
            "Recreated table completion_cache with correct primary key".to_string(),
        ]
    );
    assert_eq!(store.repair_schema().unwrap(), Vec::<String>::new());
}

#[test]
fn stray_login_tables_in_a_v21_file_are_folded_into_accounts() {
    // Our v16-era binary, run on a file 0.49 migrated, recreates empty `auth`/`user_info`
    // tables and may store a login there. That login is kept as an account; the tables go.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with("upstream-049-login.db", dir.path());
    {
        let conn = Connection::open(cfg.join("cli.db")).unwrap();
        let ddl = UPSTREAM_V16_DDL;
        let pick = |name: &str| -> String {
            let start = ddl
                .find(&format!("CREATE TABLE IF NOT EXISTS {name} ("))
                .unwrap();
            let end = start + ddl[start..].find("\n  )").unwrap() + 4;
            ddl[start..end].to_string()
        };
        conn.execute_batch(&pick("auth")).unwrap();
        conn.execute_batch(&pick("user_info")).unwrap();
        conn.execute_batch(
            "INSERT INTO auth (id, token, updated_at, host)
               VALUES (1, 'sntryu_later', 1800000000000, 'https://self.example');
             INSERT INTO user_info (id, user_id, email) VALUES (1, '5', 'x@self.example');",
        )
        .unwrap();
    }
    let store = Store::open(&cfg).unwrap();
    let accounts = store.accounts().unwrap();
    assert_eq!(accounts.len(), 2);
    let later = accounts
        .iter()
        .find(|a| a.token.as_deref() == Some("sntryu_later"))
        .unwrap();
    assert!(later.is_active);
    assert_eq!(later.host.as_deref(), Some("https://self.example"));
    assert_eq!(later.email.as_deref(), Some("x@self.example"));
    assert_eq!(later.updated_at, 1800000000000);
    assert_eq!(accounts.iter().filter(|a| a.is_active).count(), 1);
    drop(store);
    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    let mut expected: Vec<String> = V21_TABLE_NAMES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(tables(&conn), expected);

    // An empty stray table (what the old binary leaves) is only dropped.
    conn.execute_batch(
        "CREATE TABLE auth (id INTEGER PRIMARY KEY, token TEXT, updated_at INTEGER)",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&cfg).unwrap();
    assert_eq!(store.accounts().unwrap().len(), 2);
    drop(store);
    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    assert_eq!(tables(&conn), expected);
}

#[test]
fn a_newer_schema_is_read_but_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with("upstream-049-login.db", dir.path());
    {
        let conn = Connection::open(cfg.join("cli.db")).unwrap();
        conn.execute_batch(
            "UPDATE schema_version SET version = 22;
             CREATE TABLE future_things (x TEXT);
             DROP TABLE completion_cache;",
        )
        .unwrap();
    }
    let before = std::fs::read(cfg.join("cli.db")).unwrap();
    let store = Store::open(&cfg).unwrap();
    let warnings = store.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "Warning: Sentry CLI local database cannot be written (the file is from a newer Sentry CLI: schema 22, this one knows up to 21)."
        ),
        "{}",
        warnings[0]
    );
    assert!(store.is_read_only());
    // What we understand is read.
    let login = store.auth().unwrap().unwrap();
    assert!(login.token.unwrap().starts_with("sntryu_"));
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("local")
    );
    // Nothing is written: must-land writes say why, cache writes are skipped.
    match store.meta_set("defaults.org", "other") {
        Err(StoreError::NotSaved {
            fault: WriteFault::NewerSchema { version: 22, .. },
            ..
        }) => {}
        other => panic!("expected NotSaved(NewerSchema), got {other:?}"),
    }
    assert!(matches!(
        store.set_auth(&AuthRecord::issued_now("x", None, None, None)),
        Err(StoreError::NotSaved { .. })
    ));
    assert!(matches!(
        store.repair_schema(),
        Err(StoreError::NotSaved { .. })
    ));
    store.set_issue_org("1", "acme").unwrap();
    assert_eq!(store.take_warnings().len(), 1, "still the one warning");
    drop(store);
    assert!(
        std::fs::read(cfg.join("cli.db")).unwrap() == before,
        "file changed"
    );
    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    assert_eq!(
        scalar::<i64>(&conn, "SELECT version FROM schema_version"),
        22
    );
}

#[test]
fn rows_we_write_read_back_with_upstream_queries() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let rec = AuthRecord::issued_now(
        "sntryu_0123456789abcdef",
        Some("refresh-1".into()),
        Some(3600),
        Some("https://sentry.io".into()),
    );
    store.set_auth(&rec).unwrap();
    store
        .set_user_info(&UserInfo {
            user_id: "7".into(),
            email: Some("a@b.c".into()),
            username: Some("ab".into()),
            name: None,
            updated_at: 0,
        })
        .unwrap();
    let identity = store.credential_identity_for_token(Some("sntryu_0123456789abcdef"));
    assert_eq!(
        identity,
        credential_identity(CredentialKind::OAuthRefresh, "refresh-1")
    );
    store
        .upsert_org_regions(&[OrgRegion {
            org_slug: "acme".into(),
            org_id: Some("11".into()),
            region_url: "https://us.sentry.io".into(),
            credential_identity: identity.clone(),
            source_origin: "https://sentry.io/".into(),
            response_origin: "https://sentry.io".into(),
            ..Default::default()
        }])
        .unwrap();
    let account_id = store.active_account().unwrap().unwrap().account_id;
    drop(store);

    // The queries upstream 0.49 runs (the active account; a region for a credential).
    let conn = Connection::open(dir.path().join("cli.db")).unwrap();
    let (token, refresh, expires, issued, host, uid, email, active): (
        String,
        String,
        i64,
        i64,
        String,
        String,
        String,
        i64,
    ) = conn
        .query_row(
            "SELECT * FROM accounts WHERE is_active = 1 ORDER BY updated_at DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get("token")?,
                    r.get("refresh_token")?,
                    r.get("expires_at")?,
                    r.get("issued_at")?,
                    r.get("host")?,
                    r.get("user_id")?,
                    r.get("email")?,
                    r.get("is_active")?,
                ))
            },
        )
        .unwrap();
    assert_eq!(token, "sntryu_0123456789abcdef");
    assert_eq!(refresh, "refresh-1");
    assert_eq!(expires - issued, 3_600_000);
    assert_eq!(host, "https://sentry.io");
    assert_eq!((uid.as_str(), email.as_str(), active), ("7", "a@b.c", 1));
    let (region, acct): (String, String) = conn
        .query_row(
            "SELECT region_url, account_id FROM org_regions
             WHERE org_slug = ? AND source_origin = ? AND credential_identity = ?",
            rusqlite::params!["acme", "https://sentry.io", identity],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(region, "https://us.sentry.io");
    assert_eq!(acct, account_id);
}
