//! decisions.md #6: a corrupt database is replaced, a read-only one degrades to no caching —
//! while writes that must land (login, logout, defaults) fail with the cause.
//!
//! Read-only cases need permission checks to bite. Tests often run as root, where chmod does
//! not block writes; then the scenario re-runs this test binary as user `nobody` (uid 65534),
//! so the real permission path is still exercised.

use std::path::Path;

use crate::common::*;
use sentry_store::{AuthChange, AuthRecord, Store, StoreError, WriteFault};
use test_support::libtest_name;

const CHILD_ENV: &str = "SENTRY_STORE_TEST_CHILD_DIR";

#[test]
fn corrupt_file_is_moved_aside_and_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("cli.db");
    let garbage = b"this is definitely not a SQLite database, just some text\n".repeat(40);
    std::fs::write(&db, &garbage).unwrap();
    std::fs::write(tmp.path().join("cli.db-wal"), b"stale wal").unwrap();

    let store = Store::open(tmp.path()).unwrap();
    assert!(!store.is_read_only());
    let warnings = store.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "Warning: Sentry CLI local database was corrupt and has been replaced with a fresh one."
        ),
        "{}",
        warnings[0]
    );

    let moved: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("cli.db.corrupt-"))
        .collect();
    let main = moved
        .iter()
        .find(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .expect("corrupt file kept for inspection");
    let secs: u64 = main.trim_start_matches("cli.db.corrupt-").parse().unwrap();
    assert!(secs > 1_700_000_000, "suffix is unix seconds: {main}");
    assert_eq!(std::fs::read(tmp.path().join(main)).unwrap(), garbage);
    assert!(
        warnings[0].contains(main.as_str()),
        "warning names the backup"
    );
    assert!(
        moved.iter().any(|n| n.ends_with("-wal")),
        "stale WAL moved too: {moved:?} {:?}",
        std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect::<Vec<_>>()
    );

    // The fresh database works and is a real v21 database.
    store.meta_set("defaults.org", "acme").unwrap();
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("acme")
    );
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 21);

    // Next open: no warning any more.
    let again = Store::open(tmp.path()).unwrap();
    assert!(again.warnings().is_empty());
}

fn assert_one_warning(store: &Store, refused: &Path) {
    let warnings = store.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!(
            "Warning: Sentry CLI local database cannot be written (Permission denied writing {}). Caching is off, and logins and defaults cannot be saved.\n  Path: {}\n  Fix: ",
            refused.display(),
            store.path().display()
        )),
        "{}",
        warnings[0]
    );
}

/// A must-land write on an unwritable store fails with the permission fault on `refused`.
fn assert_not_saved(r: Result<(), StoreError>, refused: &Path) {
    match r {
        Err(StoreError::NotSaved {
            fault: WriteFault::PermissionDenied { path, .. },
            ..
        }) => assert_eq!(path, refused),
        other => panic!(
            "expected NotSaved(PermissionDenied {}): {other:?}",
            refused.display()
        ),
    }
}

/// Runs with the permissions already in place (as a normal user, or as `nobody`).
fn read_only_scenario(root: &Path) {
    // 1. Read-only database file inside a writable directory.
    let cfg = root.join("ro-file");
    let db = cfg.join("cli.db");
    let store = Store::open(&cfg).unwrap();
    assert!(store.is_read_only());
    assert_one_warning(&store, &db);
    // Reads work.
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("acme")
    );
    assert_eq!(
        store.auth().unwrap().unwrap().token.as_deref(),
        Some("stored-token")
    );
    // Must-land writes fail with the cause instead of pretending; nothing changes.
    assert_not_saved(store.ensure_writable(), &db);
    assert_not_saved(store.meta_set("defaults.org", "changed"), &db);
    assert_not_saved(store.meta_delete("defaults.org"), &db);
    assert_not_saved(
        store.set_auth(&AuthRecord::issued_now("new", None, None, None)),
        &db,
    );
    assert_not_saved(store.clear_auth(), &db);
    // Cache writes are dropped silently.
    store.set_issue_org("1", "x").unwrap();
    assert_eq!(store.issue_org("1").unwrap(), None);
    // The refresh lock still reads; keeping the row is fine, changing it must fail.
    let r: Result<&str, StoreError> = store.with_auth_lock(|cur| {
        assert_eq!(cur.unwrap().token.as_deref(), Some("stored-token"));
        Ok((AuthChange::Keep, "ran"))
    });
    assert_eq!(r.unwrap(), "ran");
    let r: Result<&str, StoreError> = store.with_auth_lock(|_| {
        Ok((
            AuthChange::Set(AuthRecord::issued_now("x", None, None, None)),
            "ran",
        ))
    });
    assert_not_saved(r.map(|_| ()), &db);
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("acme")
    );
    assert_eq!(
        store.auth().unwrap().unwrap().token.as_deref(),
        Some("stored-token")
    );
    // Still exactly one warning.
    assert_eq!(store.warnings().len(), 1);
    drop(store);

    // 1b. A read-only pre-v16 database (no auth.host, cannot be migrated) still yields its
    // login instead of looking logged out.
    let cfg = root.join("ro-old");
    let store = Store::open(&cfg).unwrap();
    assert!(store.is_read_only());
    let rec = store.auth().unwrap().unwrap();
    assert_eq!((rec.token.as_deref(), rec.host), (Some("v15-token"), None));
    assert_eq!(
        store.meta_get("defaults.org").unwrap().as_deref(),
        Some("old")
    );
    drop(store);

    // 1c. A WAL database (cleanly closed) in a directory we cannot write: SQLite cannot
    // create the -shm it needs, yet the login must still be readable.
    let cfg = root.join("ro-dir-wal");
    let store = Store::open(&cfg).unwrap();
    assert!(store.is_read_only());
    assert_one_warning(&store, &cfg);
    assert_eq!(
        store.auth().unwrap().unwrap().token.as_deref(),
        Some("wal-token")
    );
    assert_not_saved(store.meta_set("x", "y"), &cfg);
    assert_eq!(store.meta_get("x").unwrap(), None);
    drop(store);

    // 2. Config dir that cannot be written and holds no database: in-memory fallback.
    let cfg = root.join("ro-dir");
    let store = Store::open(&cfg).unwrap();
    assert!(store.is_read_only());
    assert_one_warning(&store, &cfg);
    assert_eq!(store.auth().unwrap(), None);
    assert_not_saved(store.meta_set("a", "b"), &cfg);
    assert_eq!(store.meta_get("a").unwrap(), None);
    assert!(!cfg.join("cli.db").exists());
    assert_eq!(
        std::fs::read_dir(&cfg).unwrap().count(),
        0,
        "no temp file left behind"
    );

    // 3. Config dir that cannot be created (parent not writable): the fix names the parent.
    let parent = root.join("ro-dir");
    let cfg = parent.join("nested");
    let store = Store::open(&cfg).unwrap();
    assert!(store.is_read_only());
    assert_one_warning(&store, &parent);
    assert_eq!(store.take_warnings().len(), 1);
    assert!(store.warnings().is_empty(), "take_warnings drains");
}

#[cfg(unix)]
fn prepare_read_only_fixture(root: &Path) {
    let cfg = root.join("ro-file");
    let store = Store::open(&cfg).unwrap();
    store.meta_set("defaults.org", "acme").unwrap();
    store
        .set_auth(&AuthRecord::issued_now("stored-token", None, None, None))
        .unwrap();
    drop(store); // last connection: WAL checkpointed, -wal/-shm removed
    chmod(&cfg.join("cli.db"), 0o400);

    let old = root.join("ro-old");
    std::fs::create_dir(&old).unwrap();
    {
        let conn = rusqlite::Connection::open(old.join("cli.db")).unwrap();
        let ddl = UPSTREAM_V16_DDL.replace(",\n    host TEXT\n  )", "\n  )");
        conn.execute_batch(&ddl).unwrap();
        conn.execute_batch(
            "INSERT INTO schema_version VALUES (15);
             INSERT INTO auth (id, token, updated_at) VALUES (1, 'v15-token', 1);
             INSERT INTO metadata VALUES ('defaults.org', 'old');",
        )
        .unwrap();
    }
    chmod(&old.join("cli.db"), 0o400);

    let wal = root.join("ro-dir-wal");
    let store = Store::open(&wal).unwrap();
    store
        .set_auth(&AuthRecord::issued_now("wal-token", None, None, None))
        .unwrap();
    drop(store);
    // As upstream's native driver leaves it.
    let conn = rusqlite::Connection::open(wal.join("cli.db")).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(conn);
    assert!(!wal.join("cli.db-shm").exists());
    chmod(&wal, 0o500);

    std::fs::create_dir(root.join("ro-dir")).unwrap();
    chmod(&root.join("ro-dir"), 0o500);
}

#[cfg(unix)]
#[test]
fn read_only_database_degrades_to_no_caching() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        // We are the unprivileged child spawned below.
        read_only_scenario(Path::new(&dir));
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    prepare_read_only_fixture(&root);

    if !is_root() {
        read_only_scenario(&root);
        return;
    }

    // Root ignores permission bits: hand everything to `nobody` and re-run as that user.
    use std::os::unix::process::CommandExt;
    let nobody = 65534;
    chmod(tmp.path(), 0o755);
    for p in [
        root.clone(),
        root.join("ro-file"),
        root.join("ro-file/cli.db"),
        root.join("ro-old"),
        root.join("ro-old/cli.db"),
        root.join("ro-dir-wal"),
        root.join("ro-dir-wal/cli.db"),
        root.join("ro-dir"),
    ] {
        std::os::unix::fs::chown(&p, Some(nobody), Some(nobody)).unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            &libtest_name(module_path!(), "read_only_database_degrades_to_no_caching"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &root)
        .uid(nobody)
        .gid(nobody)
        .output();
    match out {
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "child as nobody failed:\n{stdout}\n{stderr}"
            );
            assert!(stdout.contains("1 passed"), "child ran the test: {stdout}");
        }
        Err(e) => {
            // Without CAP_SETUID there is no way to make permissions bite as root.
            eprintln!(
                "SKIPPED read-only permission scenario: running as root and cannot switch to uid {nobody}: {e}"
            );
        }
    }
}
