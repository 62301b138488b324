//! The OAuth refresh lock must serialise refreshes across processes: each holder sees the
//! previous holder's committed result (no lost update) and nobody gets SQLITE_BUSY — in
//! both journal modes (new files use a rollback journal; upstream's native driver switches
//! files to WAL), and per account.

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use sentry_store::{AuthChange, AuthRecord, LoginTarget, Store, StoreError};
use test_support::libtest_name;

const CHILD_ENV: &str = "SENTRY_STORE_TEST_LOCK_DIR";

/// One "refresh": read the counter stored as the token inside the lock, take a little time
/// (as an HTTP round trip would), store counter + 1.
fn increment(store: &Store) -> Result<u64, StoreError> {
    store.with_auth_lock(|cur| {
        let n: u64 = cur
            .and_then(|r| r.token)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        std::thread::sleep(Duration::from_millis(3));
        let rec = AuthRecord::issued_now((n + 1).to_string(), Some("rt".into()), Some(3600), None);
        Ok((AuthChange::Set(rec), n))
    })
}

/// The same "refresh" on one named account.
fn increment_account(store: &Store, id: &str) -> Result<u64, StoreError> {
    store.with_account_lock(id, |cur| {
        let n: u64 = cur
            .and_then(|a| a.token)
            .and_then(|t| t.parse().ok())
            .unwrap();
        std::thread::sleep(Duration::from_millis(3));
        let rec = AuthRecord::issued_now((n + 1).to_string(), Some("rt".into()), Some(3600), None);
        Ok((AuthChange::Set(rec), n))
    })
}

fn stored_counter(dir: &Path) -> u64 {
    Store::open(dir)
        .unwrap()
        .auth()
        .unwrap()
        .unwrap()
        .token
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn thirty_two_threads_with_own_stores_never_lose_an_update() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cfg");
    let threads = 32;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let dir = dir.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                // Every thread opens its own connection at the same moment, on a database
                // that doesn't exist yet: schema creation races too.
                let store = Store::open(&dir).unwrap();
                assert!(store.warnings().is_empty(), "{:?}", store.warnings());
                increment(&store).unwrap()
            })
        })
        .collect();
    let mut seen: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    seen.sort();
    // Each holder saw a distinct predecessor value: 0, 1, …, 31.
    assert_eq!(seen, (0..threads as u64).collect::<Vec<_>>());
    assert_eq!(stored_counter(&dir), threads as u64);
}

#[test]
fn concurrent_processes_serialise_through_the_lock() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        let store = Store::open(Path::new(&dir)).unwrap();
        for _ in 0..4 {
            increment(&store).unwrap();
        }
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cfg");
    drop(Store::open(&dir).unwrap());
    let exe = std::env::current_exe().unwrap();
    let processes = 8;
    let children: Vec<_> = (0..processes)
        .map(|_| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    &libtest_name(
                        module_path!(),
                        "concurrent_processes_serialise_through_the_lock",
                    ),
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, &dir)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "child failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(stored_counter(&dir), processes * 4);
}

#[test]
fn thirty_two_threads_on_a_wal_file_never_lose_an_update() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cfg");
    drop(Store::open(&dir).unwrap());
    {
        let conn = rusqlite::Connection::open(dir.join("cli.db")).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
    let threads = 32;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let dir = dir.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let store = Store::open(&dir).unwrap();
                assert!(store.warnings().is_empty(), "{:?}", store.warnings());
                increment(&store).unwrap()
            })
        })
        .collect();
    let mut seen: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    seen.sort();
    assert_eq!(seen, (0..threads as u64).collect::<Vec<_>>());
    assert_eq!(stored_counter(&dir), threads as u64);
    let conn = rusqlite::Connection::open(dir.join("cli.db")).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "the file keeps its mode");
}

#[test]
fn per_account_locks_keep_each_accounts_refreshes_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cfg");
    let store = Store::open(&dir).unwrap();
    let login =
        |host: &str| AuthRecord::issued_now("0", Some("rt".into()), Some(3600), Some(host.into()));
    let a = store
        .save_login(&login("https://sentry.io"), LoginTarget::ReplaceOnServer)
        .unwrap()
        .account_id;
    let b = store
        .save_login(&login("https://self.example"), LoginTarget::ReplaceOnServer)
        .unwrap()
        .account_id;
    drop(store);
    let per_account = 16;
    let barrier = Arc::new(Barrier::new(2 * per_account));
    let handles: Vec<_> = (0..2 * per_account)
        .map(|i| {
            let dir = dir.clone();
            let barrier = barrier.clone();
            let id = if i % 2 == 0 { a.clone() } else { b.clone() };
            std::thread::spawn(move || {
                let store = Store::open(&dir).unwrap();
                barrier.wait();
                (id.clone(), increment_account(&store, &id).unwrap())
            })
        })
        .collect();
    let results: Vec<(String, u64)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for id in [&a, &b] {
        let mut seen: Vec<u64> = results
            .iter()
            .filter(|(who, _)| who == id)
            .map(|(_, n)| *n)
            .collect();
        seen.sort();
        assert_eq!(seen, (0..per_account as u64).collect::<Vec<_>>(), "{id}");
    }
    let store = Store::open(&dir).unwrap();
    for id in [&a, &b] {
        let acct = store.account(id).unwrap().unwrap();
        assert_eq!(acct.token.as_deref(), Some("16"));
    }
    // The refreshes never changed which account is active, nor added one.
    assert_eq!(store.accounts().unwrap().len(), 2);
    assert_eq!(store.active_account().unwrap().unwrap().account_id, b);
}
