//! The OAuth refresh lock must serialise refreshes across processes: each holder sees the
//! previous holder's committed result (no lost update) and nobody gets SQLITE_BUSY.

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use sentry_store::{AuthChange, AuthRecord, Store, StoreError};

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
                    "concurrent_processes_serialise_through_the_lock",
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
