//! Chunk upload and artifact-bundle assembly over HTTP.

use crate::common::{agent, gzip};

use std::io::Write;

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

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
    // A fake "zip": only the local-file magic matters to the server.
    let mut bundle = b"PK\x03\x04".to_vec();
    bundle.extend((0..3000u32).map(|i| (i % 251) as u8));
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
        ("1.0", "web", 3004, "[1]")
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
    // Unknown project → 404.
    let (status, _) = assemble(
        &s,
        json!({"checksum": c, "chunks": [c], "projects": ["nope"]}),
    );
    assert_eq!(status, 404);
    let (status, _) = assemble(&s, json!({"chunks": [c]}));
    assert_eq!(status, 400);
}
