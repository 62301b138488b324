//! Compatibility with the upstream file format: open an upstream-made v16 database, create one
//! that upstream would read identically, and migrate older upstream versions.

mod common;

use common::*;
use rusqlite::Connection;
use sentry_store::{AuthRecord, Store, UserInfo, SCHEMA_VERSION};

#[test]
fn opens_upstream_v16_database_and_reads_login() {
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
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("acme")
    );
    let defaults = store.meta_with_prefix("defaults.").unwrap();
    assert_eq!(
        defaults.into_iter().collect::<Vec<_>>(),
        vec![
            ("defaults.org".to_string(), "acme".to_string()),
            (
                "defaults.url".to_string(),
                "https://sentry.example.com".to_string()
            ),
        ]
    );
    let region = store.org_region("acme").unwrap().unwrap();
    assert_eq!(region.region_url, "https://us.sentry.io");
    assert_eq!(region.org_id.as_deref(), Some("1081365"));
    assert_eq!(
        store.instance_id().unwrap().as_deref(),
        Some("0190f0e4-0000-7000-8000-000000000000")
    );
    drop(store);

    // Opening did not rewrite the schema: the stored DDL is still upstream's text.
    let conn = Connection::open(cfg.join("cli.db")).unwrap();
    let version: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 16);
    let count: i64 = conn
        .query_row("SELECT count(*) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
}

#[test]
fn fresh_database_has_exactly_the_upstream_schema() {
    let dir = tempfile::tempdir().unwrap();
    let ours_dir = dir.path().join("ours");
    drop(Store::open(&ours_dir).unwrap());
    let ours = Connection::open(ours_dir.join("cli.db")).unwrap();

    let upstream = Connection::open_in_memory().unwrap();
    upstream.execute_batch(UPSTREAM_V16_DDL).unwrap();

    let mut expected: Vec<String> = TABLE_NAMES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(tables(&ours), expected);
    assert_eq!(tables(&upstream), expected);
    for t in TABLE_NAMES {
        assert_eq!(table_info(&ours, t), table_info(&upstream, t), "table {t}");
    }
    // Even the stored CREATE statements are byte-identical.
    assert_eq!(table_sql(&ours), table_sql(&upstream));

    let version: i64 = ours
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 16);
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
    drop(store);

    // The queries upstream's auth.ts / user.ts run.
    let conn = Connection::open(dir.path().join("cli.db")).unwrap();
    let (token, refresh, expires, issued, host): (String, String, i64, i64, String) = conn
        .query_row(
            "SELECT token, refresh_token, expires_at, issued_at, host FROM auth WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(token, "sntryu_0123456789abcdef");
    assert_eq!(refresh, "refresh-1");
    assert_eq!(expires - issued, 3_600_000);
    assert_eq!(host, "https://sentry.io");
    let (uid, email, name): (String, String, Option<String>) = conn
        .query_row(
            "SELECT user_id, email, name FROM user_info WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((uid.as_str(), email.as_str(), name), ("7", "a@b.c", None));
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
fn migrates_old_upstream_version_to_v16() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join("cli.db")).unwrap();
        conn.execute_batch(UPSTREAM_V10_DDL).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());

    // Pre-v16 auth row: kept, host NULL.
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
    // v3 user_info.name added (NULL for the old row).
    let user = store.user_info().unwrap().unwrap();
    assert_eq!((user.user_id.as_str(), user.name), ("u1", None));
    // v10 org_role added, existing columns kept.
    let region = store.org_region("acme").unwrap().unwrap();
    assert_eq!(region.org_name.as_deref(), Some("Acme"));
    assert_eq!(region.org_role, None);
    assert_eq!(region.region_url, "https://de.sentry.io");
    // v12 cursor stack table works.
    assert_eq!(store.pagination_get("issue-list", "ctx").unwrap(), None);
    drop(store);

    let conn = Connection::open(dir.path().join("cli.db")).unwrap();
    let version: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 16);
    let mut expected: Vec<String> = TABLE_NAMES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(tables(&conn), expected, "legacy `defaults` must be gone");
    let upstream = Connection::open_in_memory().unwrap();
    upstream.execute_batch(UPSTREAM_V16_DDL).unwrap();
    for t in TABLE_NAMES {
        assert_eq!(table_info(&conn, t), table_info(&upstream, t), "table {t}");
    }
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
fn v16_database_missing_a_column_is_repaired_on_use() {
    // Upstream bug class: version says 16 but a column is missing (fast path can't see it).
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join("cli.db")).unwrap();
        let ddl = UPSTREAM_V16_DDL.replace(",\n    host TEXT\n  )", "\n  )");
        assert_ne!(ddl, UPSTREAM_V16_DDL);
        conn.execute_batch(&ddl).unwrap();
        conn.execute_batch(
            "INSERT INTO schema_version VALUES (16);
             INSERT INTO auth (id, token, updated_at) VALUES (1, 'tok', 5);",
        )
        .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let rec = store.auth().unwrap().unwrap();
    assert_eq!(rec.token.as_deref(), Some("tok"));
    assert_eq!(rec.host, None);
    let mut rec2 = rec.clone();
    rec2.host = Some("https://sentry.io".into());
    store.set_auth(&rec2).unwrap();
    assert_eq!(store.auth().unwrap(), Some(rec2));
}

#[test]
fn repair_schema_reports_upstream_wording() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.repair_schema().unwrap(), Vec::<String>::new());
    {
        let conn = Connection::open(dir.path().join("cli.db")).unwrap();
        conn.execute_batch("DROP TABLE repo_cache; ALTER TABLE auth DROP COLUMN host;")
            .unwrap();
    }
    let fixed = store.repair_schema().unwrap();
    assert_eq!(
        fixed,
        vec![
            "Created table repo_cache".to_string(),
            "Added column auth.host".to_string()
        ]
    );
}
