//! The server's database is versioned: a database written before versions existed
//! (`tests/fixtures/layout-0`, made by `sentry local serve --data DIR` of that time) is adopted
//! and keeps its data; one from a newer build is refused.

use std::path::{Path, PathBuf};

use crate::common::*;
use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A copy of the layout-0 database in a temp dir (the server writes to it).
fn layout_0_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("local.db");
    std::fs::copy(fixture("layout-0/local.db"), &db).unwrap();
    (dir, db)
}

fn serve_file(db: &Path) -> std::io::Result<RunningServer> {
    start(ServerConfig {
        data: Some(db.to_path_buf()),
        ..ServerConfig::for_tests()
    })
}

fn user_version(s: &RunningServer) -> i64 {
    s.state
        .db
        .with(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
        .unwrap()
}

#[test]
fn a_database_from_before_schema_versions_is_adopted_with_its_data() {
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("layout-0/server.json")).unwrap())
            .unwrap();
    let (_dir, db) = layout_0_copy();
    let s = serve_file(&db).expect("the old database opens");
    assert_eq!(user_version(&s), 4, "the database now carries its version");
    // The same token, DSN key and data as before.
    assert_eq!(s.token(), info["token"].as_str().unwrap());
    assert_eq!(s.bootstrap.public_key, info["public_key"].as_str().unwrap());
    let (status, issues) = get(&s, "organizations/local/issues/?query=");
    assert_eq!(status, 200);
    assert_eq!(issues.as_array().unwrap().len(), 3, "{issues}");
    let (_, release) = get(&s, "organizations/local/releases/1.0.0/");
    assert_eq!(release["deployCount"], 1, "{release}");
    let (_, monitor) = get(&s, "organizations/local/monitors/nightly/");
    assert_eq!(monitor["slug"], "nightly", "{monitor}");
    let (_, teams) = get(&s, "organizations/local/teams/");
    assert_eq!(teams.as_array().unwrap().len(), 2, "{teams}");
    // It keeps working as a current database: ingest and read back.
    let r = send_envelope(&s, &event_envelope(&exception_event("KeyError", "'x'")));
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, issues) = get(&s, "organizations/local/issues/?query=");
    assert_eq!(issues.as_array().unwrap().len(), 4);
    s.shutdown();

    // Opening it again migrates nothing and loses nothing.
    let s = serve_file(&db).expect("reopens");
    assert_eq!(user_version(&s), 4);
    assert_eq!(
        get(&s, "organizations/local/issues/?query=")
            .1
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn a_database_from_a_newer_build_is_refused() {
    let (_dir, db) = layout_0_copy();
    {
        let s = serve_file(&db).unwrap();
        s.state
            .db
            .with(|c| c.pragma_update(None, "user_version", 99))
            .unwrap();
    }
    let err = match serve_file(&db) {
        Ok(_) => panic!("a database of schema version 99 was used"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("schema version 99, newer than this sentry knows (4)"),
        "{err}"
    );
    assert!(
        err.contains(&db.display().to_string()),
        "names the file: {err}"
    );
}
