//! `sentry sourcemap upload` against a local server that misbehaves on purpose (the
//! `/_test/faults` control routes): each failure ends the upload with its exit code and one
//! line naming the limit or what was waited for, and nothing half-done is left behind.

use serde_json::json;

use super::sourcemap_inject::copy_build;
use crate::cmds_support::fault;
use crate::common::*;

const CHUNK_UPLOAD: &str = "/api/0/organizations/local/chunk-upload/";
const ASSEMBLE: &str = "/api/0/organizations/local/artifactbundle/assemble/";

fn upload(env: &TestEnv) -> (i32, String, String) {
    copy_build(env, "dist");
    run(env.api_cmd().args([
        "sourcemap",
        "upload",
        "dist",
        "-o",
        "local",
        "-p",
        "app",
        "--release",
        "1.0",
    ]))
}

/// The options the local server advertises, with `over` merged in, as a fault answer.
fn options_with(env: &TestEnv, over: serde_json::Value) {
    let mut opts = json!({
        "url": format!("{}{CHUNK_UPLOAD}", env.url()),
        "chunkSize": 8388608, "chunksPerRequest": 64, "maxFileSize": 2147483648u64,
        "maxRequestSize": 33554432, "concurrency": 8, "hashAlgorithm": "sha1",
        "compression": ["gzip"], "accept": ["artifact_bundles"], "maxWait": 60,
    });
    for (k, v) in over.as_object().unwrap() {
        opts[k] = v.clone();
    }
    fault(
        env,
        json!({"method": "GET", "path_prefix": CHUNK_UPLOAD, "status": 200,
               "headers": {"content-type": "application/json"}, "body": opts.to_string()}),
    );
}

fn bundles(env: &TestEnv) -> i64 {
    env.server()
        .state
        .db
        .with(|c| c.query_row("SELECT COUNT(*) FROM artifact_bundles", [], |r| r.get(0)))
        .unwrap()
}

#[test]
fn chunk_upload_413_names_the_limit() {
    let env = TestEnv::with_server();
    fault(
        &env,
        json!({"method": "POST", "path_prefix": CHUNK_UPLOAD, "status": 413,
               "body": "<html>Request Entity Too Large</html>"}),
    );
    let (code, out, err) = upload(&env);
    assert_eq!((code, out.as_str()), (30, ""));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("Error: The server refused a chunk upload of ")
            && err.contains("as too large (413); its maxRequestSize is 33554432 bytes."),
        "{err}"
    );
    assert_eq!(bundles(&env), 0);
}

#[test]
fn file_over_max_file_size_is_refused_before_sending() {
    let env = TestEnv::with_server();
    options_with(&env, json!({"maxFileSize": 100}));
    let (code, out, err) = upload(&env);
    assert_eq!((code, out.as_str()), (21, ""));
    let size = std::fs::metadata(env.work().join("dist/app.js"))
        .unwrap()
        .len();
    assert_eq!(
        err,
        format!(
            "Error: {} is {size} bytes, larger than the server's maxFileSize of 100 bytes.\n",
            env.work()
                .join("dist/app.js")
                .canonicalize()
                .unwrap()
                .display()
        )
    );
    assert_eq!(bundles(&env), 0);
}

#[test]
fn assemble_that_never_completes_is_a_bounded_wait() {
    let env = TestEnv::with_server();
    options_with(&env, json!({"maxWait": 1}));
    fault(
        &env,
        json!({"method": "POST", "path_prefix": ASSEMBLE, "status": 200,
               "headers": {"content-type": "application/json"},
               "body": "{\"state\":\"assembling\",\"missingChunks\":[]}"}),
    );
    let started = std::time::Instant::now();
    let (code, out, err) = upload(&env);
    // It waited the bound (maxWait), and not much longer.
    let waited = started.elapsed();
    assert!(waited >= std::time::Duration::from_secs(1), "{waited:?}");
    assert!(waited < std::time::Duration::from_secs(30), "{waited:?}");
    assert_eq!((code, out.as_str()), (30, ""));
    assert_eq!(
        err,
        "Error: Artifact bundle assembly did not complete within 1s (last state: assembling).\n"
    );
}

#[test]
fn server_without_chunk_upload_says_so() {
    let env = TestEnv::with_server();
    fault(
        &env,
        json!({"method": "GET", "path_prefix": CHUNK_UPLOAD, "status": 404,
               "headers": {"content-type": "application/json"}, "body": "{\"detail\":\"Not found\"}"}),
    );
    let (code, out, err) = upload(&env);
    assert_eq!((code, out.as_str()), (30, ""));
    assert_eq!(
        err,
        "Error: The server does not support chunk uploads (GET /api/0/organizations/local/chunk-upload/ \
         answered 404): it is too old for artifact bundles, or the organization does not exist.\n"
    );
}
