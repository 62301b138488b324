//! Chunk upload and artifact-bundle assembly over HTTP.

use crate::common::{agent, gzip};

use std::io::Write;

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn sha1(data: &[u8]) -> String {
    sha1_smol::Sha1::from(data).digest().to_string()
}

/// A multipart body with one part per chunk, named like both CLIs name them.
fn multipart(parts: &[(&str, &str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "----sentrytestboundary";
    let mut body = Vec::new();
    for (field, filename, data) in parts {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn post_chunks(s: &RunningServer, url: &str, parts: &[(&str, &str, Vec<u8>)]) -> (u16, Value) {
    let (ct, body) = multipart(parts);
    let mut r = agent()
        .post(url)
        .header("Authorization", format!("Bearer {}", s.token()))
        .header("Content-Type", ct)
        .send(&body[..])
        .unwrap();
    let status = r.status().as_u16();
    (status, r.body_mut().read_json().unwrap_or(Value::Null))
}

fn assemble(s: &RunningServer, body: Value) -> (u16, Value) {
    let mut r = agent()
        .post(format!(
            "{}/api/0/organizations/local/artifactbundle/assemble/",
            s.url
        ))
        .header("Authorization", format!("Bearer {}", s.token()))
        .send_json(&body)
        .unwrap();
    let status = r.status().as_u16();
    (status, r.body_mut().read_json().unwrap())
}

#[test]
fn options_describe_the_protocol() {
    let s = start(ServerConfig::for_tests()).unwrap();
    let opts: Value = agent()
        .get(format!("{}/api/0/organizations/local/chunk-upload/", s.url))
        .header("Authorization", format!("Bearer {}", s.token()))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(
        opts["url"],
        format!("{}/api/0/organizations/local/chunk-upload/", s.url)
    );
    assert_eq!(opts["chunkSize"], 8388608);
    assert_eq!(opts["chunksPerRequest"], 64);
    assert_eq!(opts["maxRequestSize"], 33554432);
    assert_eq!(opts["hashAlgorithm"], "sha1");
    assert_eq!(opts["compression"], json!(["gzip"]));
    assert!(opts["accept"]
        .as_array()
        .unwrap()
        .contains(&json!("artifact_bundles")));
    let r = agent()
        .get(format!("{}/api/0/organizations/nope/chunk-upload/", s.url))
        .header("Authorization", format!("Bearer {}", s.token()))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[test]
fn missing_chunks_then_upload_then_ok() {
    let s = start(ServerConfig::for_tests()).unwrap();
    // A source bundle exactly as sentry-cli 3.8 sent it.
    let bundle = std::fs::read(fixture("bundle-sentry-cli-3.8.zip")).unwrap();
    let (a, b) = bundle.split_at(2000);
    let (ca, cb) = (sha1(a), sha1(b));
    let checksum = sha1(&bundle);
    let req = json!({"checksum": checksum, "chunks": [ca, cb], "projects": ["app"], "version": "1.0", "dist": "web"});

    let (status, resp) = assemble(&s, req.clone());
    assert_eq!(status, 200);
    assert_eq!(
        resp,
        json!({"state": "not_found", "missingChunks": [ca, cb]})
    );

    // One plain and one gzip part, in one request.
    let url = format!("{}/api/0/organizations/local/chunk-upload/", s.url);
    let (status, _) = post_chunks(&s, &url, &[("file", &ca, a.to_vec())]);
    assert_eq!(status, 200);
    let (_, resp) = assemble(&s, req.clone());
    assert_eq!(resp, json!({"state": "not_found", "missingChunks": [cb]}));
    let (status, _) = post_chunks(&s, &url, &[("file_gzip", &cb, gzip(b))]);
    assert_eq!(status, 200);

    let (_, resp) = assemble(&s, req.clone());
    assert_eq!(resp, json!({"state": "ok", "missingChunks": []}));
    let (_, resp) = assemble(&s, req);
    assert_eq!(resp["state"], "ok", "assembling again is idempotent");

    let (release, dist, size, projects): (String, String, i64, String) = s
        .state
        .db
        .with(|c| {
            c.query_row(
                "SELECT release, dist, size, projects FROM artifact_bundles WHERE checksum = ?1",
                [&checksum],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
        })
        .unwrap();
    assert_eq!(
        (release.as_str(), dist.as_str(), size, projects.as_str()),
        ("1.0", "web", 3506, "[1]")
    );
}

#[test]
fn bad_chunks_and_checksums_are_rejected() {
    let s = start(ServerConfig::for_tests()).unwrap();
    let url = format!("{}/api/0/organizations/local/chunk-upload/", s.url);
    let wrong = sha1(b"other");
    let (status, body) = post_chunks(&s, &url, &[("file", &wrong, b"data".to_vec())]);
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Checksum mismatch"),
        "{body}"
    );
    let (status, _) = post_chunks(&s, &url, &[("file", "not-a-sha", b"data".to_vec())]);
    assert_eq!(status, 400);

    // Chunks present but the whole-file checksum is wrong → error state.
    let data = b"PK\x03\x04hello".to_vec();
    let c = sha1(&data);
    post_chunks(&s, &url, &[("file", &c, data.clone())]);
    let (_, resp) = assemble(&s, json!({"checksum": sha1(b"x"), "chunks": [c]}));
    assert_eq!(resp["state"], "error");
    assert_eq!(resp["detail"], "Reported checksum mismatch");
    // Not a zip → error state.
    let plain = b"just text".to_vec();
    let pc = sha1(&plain);
    post_chunks(&s, &url, &[("file", &pc, plain)]);
    let (_, resp) = assemble(&s, json!({"checksum": pc, "chunks": [pc]}));
    assert_eq!(resp["state"], "error");
    assert!(
        resp["detail"]
            .as_str()
            .unwrap()
            .starts_with("Invalid artifact bundle: not a zip archive"),
        "{resp}"
    );
    // Unknown project → 404.
    let (status, _) = assemble(
        &s,
        json!({"checksum": c, "chunks": [c], "projects": ["nope"]}),
    );
    assert_eq!(status, 404);
    let (status, _) = assemble(&s, json!({"chunks": [c]}));
    assert_eq!(status, 400);
}

/// Uploads `bundle` as one chunk and assembles it for project `app`.
fn upload_bundle(s: &RunningServer, bundle: &[u8], release: Option<&str>) -> Value {
    let url = format!("{}/api/0/organizations/local/chunk-upload/", s.url);
    let c = sha1(bundle);
    let (status, _) = post_chunks(s, &url, &[("file_gzip", &c, gzip(bundle))]);
    assert_eq!(status, 200);
    let mut req = json!({"checksum": c, "chunks": [c], "projects": ["app"]});
    if let Some(r) = release {
        req["version"] = json!(r);
    }
    assemble(s, req).1
}

type Row = (i64, String, String, String, Option<String>, Option<String>);

fn indexed(s: &RunningServer) -> Vec<Row> {
    s.state
        .db
        .with(|c| {
            let mut st = c.prepare(
                "SELECT bundle_id, bundle_path, url, type, debug_id, sourcemap
                 FROM artifact_bundle_files ORDER BY bundle_id, bundle_path",
            )?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>();
            rows
        })
        .unwrap()
}

const APP_ID: &str = "57d208a9-0630-49bc-ab07-98eb8cb9cba4";
const LIB_ID: &str = "0075cc70-667c-4c6d-8021-52569aa23c36";

/// Both official clients' bundles (captured from sentry-cli 3.8 and sentry 0.49 uploading
/// the same injected build) assemble and are indexed by debug ID and URL.
#[test]
fn bundles_of_both_clients_are_indexed() {
    let s = start(ServerConfig::for_tests()).unwrap();
    let b38 = std::fs::read(fixture("bundle-sentry-cli-3.8.zip")).unwrap();
    let b49 = std::fs::read(fixture("bundle-sentry-0.49.zip")).unwrap();
    assert!(b38.starts_with(b"SYSB\x02\x00\x00\x00PK"));
    assert!(b49.starts_with(b"SYSB\x02\x00\x00\x00PK"));
    assert_eq!(upload_bundle(&s, &b38, Some("1.0"))["state"], "ok");
    assert_eq!(upload_bundle(&s, &b49, Some("2.0"))["state"], "ok");
    let some = |s: &str| Some(s.to_string());
    let row = |b: i64, p: &str, u: &str, t: &str, d: Option<String>, m: Option<String>| {
        (b, p.to_string(), u.to_string(), t.to_string(), d, m)
    };
    assert_eq!(
        indexed(&s),
        vec![
            row(
                1,
                "files/_/_/app.js",
                "~/app.js",
                "minified_source",
                some(APP_ID),
                some("app.js.map")
            ),
            row(
                1,
                "files/_/_/app.js.map",
                "~/app.js.map",
                "source_map",
                some(APP_ID),
                None
            ),
            row(
                1,
                "files/_/_/lib.cjs",
                "~/lib.cjs",
                "minified_source",
                some(LIB_ID),
                some("lib.cjs.map")
            ),
            row(
                1,
                "files/_/_/lib.cjs.map",
                "~/lib.cjs.map",
                "source_map",
                some(LIB_ID),
                None
            ),
            row(
                1,
                "files/_/_/plain.js",
                "~/plain.js",
                "minified_source",
                None,
                None
            ),
            row(
                2,
                "_/_/app.js",
                "~/app.js",
                "minified_source",
                some(APP_ID),
                some("app.js.map")
            ),
            row(
                2,
                "_/_/app.js.map",
                "~/app.js.map",
                "source_map",
                some(APP_ID),
                None
            ),
            row(
                2,
                "_/_/lib.cjs",
                "~/lib.cjs",
                "minified_source",
                some(LIB_ID),
                some("lib.cjs.map")
            ),
            row(
                2,
                "_/_/lib.cjs.map",
                "~/lib.cjs.map",
                "source_map",
                some(LIB_ID),
                None
            ),
        ]
    );
    // The chunks were folded into the bundles.
    let chunks: i64 = s
        .state
        .db
        .with(|c| c.query_row("SELECT COUNT(*) FROM file_chunks", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(chunks, 0);
}

/// The event's `abs_path`, line and column of the `throw` and of the call to it in the
/// injected (0.49) minified app.js, whose code is on line 2.
fn minified_frames(abs_path: &str) -> Value {
    let js = std::fs::read_to_string(format!(
        "{}/../sentry/tests/fixtures/sourcemaps/injected-049/app.js",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let line = js.lines().nth(1).unwrap();
    let throw = line.find("throw").unwrap() + 1;
    let call = line.find("r(o,e.length").unwrap() + 1;
    json!([
        {"abs_path": abs_path, "filename": "app.js", "function": "u", "lineno": 2, "colno": call, "in_app": true},
        {"abs_path": abs_path, "filename": "app.js", "function": "r", "lineno": 2, "colno": throw, "in_app": true}
    ])
}

fn latest_event(s: &RunningServer, n: usize) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let events =
            crate::common::api(s, "GET", "projects/local/app/events/?full=true", None).json();
        if events.as_array().is_some_and(|a| a.len() >= n) {
            return events[0].clone();
        }
        assert!(std::time::Instant::now() < deadline, "{events}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn javascript_events_are_symbolicated_by_debug_id_and_by_release() {
    let s = start(ServerConfig::for_tests()).unwrap();
    let b49 = std::fs::read(fixture("bundle-sentry-0.49.zip")).unwrap();
    assert_eq!(upload_bundle(&s, &b49, Some("2.0"))["state"], "ok");

    // 1. By debug ID (the SDK reports the image), whatever the release.
    let url = "http://localhost:3000/app.js";
    let frames = minified_frames(url);
    let ev = json!({
        "platform": "javascript", "level": "error", "release": "other",
        "exception": {"values": [{"type": "Error", "value": "division by zero",
            "stacktrace": {"frames": frames.clone()}}]},
        "debug_meta": {"images": [{"type": "sourcemap", "code_file": url, "debug_id": APP_ID}]}
    });
    assert_eq!(
        crate::common::send_envelope(&s, &crate::common::event_envelope(&ev)).status,
        200
    );
    let got = latest_event(&s, 1);
    let exc = &got["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "exception")
        .unwrap()["data"]["values"][0];
    let f = &exc["stacktrace"]["frames"];
    assert_eq!(f[1]["filename"], "../src/util.js");
    assert_eq!(f[1]["absPath"], "../src/util.js");
    assert_eq!(f[1]["function"], "divide");
    assert_eq!(f[1]["lineNo"], 3);
    assert_eq!(f[1]["colNo"], 5);
    assert_eq!(
        f[1]["context"],
        json!([
            [1, "export function divide(a, b) {"],
            [2, "  if (b === 0) {"],
            [3, "    throw new Error(\"division by zero\");"],
            [4, "  }"],
            [5, "  return a / b;"],
            [6, "}"],
            [7, ""],
            [8, "export function greet(name) {"]
        ])
    );
    assert_eq!(f[0]["filename"], "../src/app.js");
    assert_eq!(f[0]["function"], "computeRatio");
    assert_eq!(f[0]["lineNo"], 5);
    // The minified frames are kept as the raw stack trace.
    let raw = &exc["rawStacktrace"]["frames"];
    assert_eq!(raw[1]["function"], "r");
    assert_eq!(raw[1]["absPath"], url);
    assert_eq!(raw[1]["lineNo"], 2);

    // 2. No debug ID: by release and URL (`~/app.js`, following its Sourcemap header).
    let ev = json!({
        "platform": "javascript", "level": "error", "release": "2.0",
        "exception": {"values": [{"type": "TypeError", "value": "second",
            "stacktrace": {"frames": minified_frames("https://example.com/app.js?v=3")}}]}
    });
    assert_eq!(
        crate::common::send_envelope(&s, &crate::common::event_envelope(&ev)).status,
        200
    );
    let got = latest_event(&s, 2);
    let exc = &got["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "exception")
        .unwrap()["data"]["values"][0];
    assert_eq!(exc["type"], "TypeError");
    assert_eq!(exc["stacktrace"]["frames"][1]["function"], "divide");
    assert_eq!(exc["stacktrace"]["frames"][1]["lineNo"], 3);

    // 3. Another release and no debug ID: left minified.
    let ev = json!({
        "platform": "javascript", "level": "error", "release": "3.0",
        "exception": {"values": [{"type": "RangeError", "value": "third",
            "stacktrace": {"frames": minified_frames("https://example.com/app.js")}}]}
    });
    assert_eq!(
        crate::common::send_envelope(&s, &crate::common::event_envelope(&ev)).status,
        200
    );
    let got = latest_event(&s, 3);
    let exc = &got["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "exception")
        .unwrap()["data"]["values"][0];
    assert_eq!(exc["type"], "RangeError");
    assert_eq!(exc["stacktrace"]["frames"][1]["function"], "r");
    assert!(exc["rawStacktrace"].is_null());
}
