//! SDK ingest over real HTTP: envelope, store and Spotlight endpoints.

use crate::common::*;
use serde_json::json;

fn count(s: &sentry_local::RunningServer, sql: &str) -> i64 {
    s.state
        .db
        .with(|c| c.query_row(sql, [], |r| r.get(0)))
        .unwrap()
}

#[test]
fn envelope_with_and_without_length_is_stored() {
    let s = server();
    let body = b"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\",\"length\":43}\n{\"message\":\"first\\nline\",\"level\":\"warning\"}\n{\"type\":\"attachment\",\"length\":5,\"filename\":\"a.txt\"}\nab\ncd\n{\"type\":\"session\"}\n{\"sid\":\"x\"}\n";
    // the event payload above is 43 bytes long
    assert_eq!(
        b"{\"message\":\"first\\nline\",\"level\":\"warning\"}".len(),
        43
    );
    let r = send_envelope(&s, body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"id": "9ec79c33ec9942ab8353589fcb2e04dc"}));
    assert_eq!(
        count(&s, "SELECT COUNT(*) FROM items WHERE item_type = 'event'"),
        1
    );
    assert_eq!(count(&s, "SELECT COUNT(*) FROM items WHERE item_type = 'attachment' AND data = CAST('ab\ncd' AS BLOB)"), 1);
    // unknown item types are dropped
    assert_eq!(count(&s, "SELECT COUNT(*) FROM items"), 2);
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM events WHERE event_id = '9ec79c33ec9942ab8353589fcb2e04dc'"
        ),
        1
    );
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM groups WHERE title = 'first' AND level = 'warning'"
        ),
        1
    );
}

#[test]
fn gzip_and_deflate_bodies() {
    let s = server();
    let auth = format!("Sentry sentry_key={}", s.bootstrap.public_key);
    let url = format!("{}/api/{}/envelope/", s.url, s.bootstrap.project_id);
    let env = event_envelope(&json!({"message": "compressed gzip"}));
    let r = request(
        "POST",
        &url,
        &[("X-Sentry-Auth", &auth), ("Content-Encoding", "gzip")],
        Some(&gzip(&env)),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let env = event_envelope(&json!({"message": "compressed deflate"}));
    let r = request(
        "POST",
        &url,
        &[("X-Sentry-Auth", &auth), ("Content-Encoding", "deflate")],
        Some(&zlib(&env)),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // raw deflate (no zlib wrapper) as some SDKs send it
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut e,
        &event_envelope(&json!({"message": "compressed raw"})),
    )
    .unwrap();
    let r = request(
        "POST",
        &url,
        &[("X-Sentry-Auth", &auth), ("Content-Encoding", "deflate")],
        Some(&e.finish().unwrap()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM groups WHERE title LIKE 'compressed %'"
        ),
        3
    );
    let r = request(
        "POST",
        &url,
        &[("X-Sentry-Auth", &auth), ("Content-Encoding", "gzip")],
        Some(b"not gzip"),
    );
    assert_eq!(r.status, 400);
    assert!(r.json()["detail"]
        .as_str()
        .unwrap()
        .starts_with("invalid compressed body"));
    let r = request(
        "POST",
        &url,
        &[("X-Sentry-Auth", &auth), ("Content-Encoding", "zstd")],
        Some(b"x"),
    );
    assert_eq!(r.status, 415);
}

#[test]
fn sentry_key_in_query_string_as_the_npm_cli_sends_it() {
    let s = server();
    let url = format!(
        "{}/api/{}/envelope/?sentry_version=7&sentry_key={}&sentry_client=sentry-cli%2Fdev",
        s.url, s.bootstrap.project_id, s.bootstrap.public_key
    );
    let body = b"{\"event_id\":\"0123456789abcdef0123456789abcdef\",\"sent_at\":\"2026-01-01T00:00:00Z\"}\n{\"type\":\"event\"}\n{\"event_id\":\"0123456789abcdef0123456789abcdef\",\"level\":\"error\",\"platform\":\"other\",\"timestamp\":1767225600.5,\"logentry\":{\"message\":\"hello world\"}}";
    let r = request(
        "POST",
        &url,
        &[("Content-Type", "application/x-sentry-envelope")],
        Some(body),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["id"], "0123456789abcdef0123456789abcdef");
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM events WHERE timestamp_ms = 1767225600500"
        ),
        1
    );
}

#[test]
fn dsn_key_failures() {
    let s = server();
    let url = format!("{}/api/{}/envelope/", s.url, s.bootstrap.project_id);
    let env = event_envelope(&json!({"message": "x"}));
    let r = request("POST", &url, &[], Some(&env));
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"detail": "missing authorization information"})
    );
    let r = request(
        "POST",
        &url,
        &[("X-Sentry-Auth", "Sentry sentry_key=deadbeef")],
        Some(&env),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["detail"],
        "event submission rejected with_reason: ProjectId"
    );
    // right key, wrong project
    let auth = format!("Sentry sentry_key={}", s.bootstrap.public_key);
    let r = request(
        "POST",
        &format!("{}/api/999/envelope/", s.url),
        &[("X-Sentry-Auth", &auth)],
        Some(&env),
    );
    assert_eq!(r.status, 403);
    assert_eq!(count(&s, "SELECT COUNT(*) FROM items"), 0);
}

#[test]
fn malformed_envelopes_are_400_with_reason() {
    let s = server();
    for (body, reason) in [
        (&b""[..], "empty envelope"),
        (b"{\"event_id\":", "invalid envelope header"),
        (
            b"{}\n{\"length\":2}\nab",
            "invalid item header #0: missing `type`",
        ),
        (
            b"{}\n{\"type\":\"event\",\"length\":99}\nab",
            "item #0 payload is truncated",
        ),
        (b"{}\nnot json\n", "invalid item header #0"),
    ] {
        let r = send_envelope(&s, body);
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(body));
        let detail = r.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.starts_with(reason), "{detail:?} vs {reason:?}");
    }
    // the server is still fine afterwards
    assert_eq!(
        send_envelope(&s, &event_envelope(&json!({"message": "ok"}))).status,
        200
    );
}

#[test]
fn oversized_bodies_and_bombs_are_413() {
    let mut config = sentry_local::ServerConfig::for_tests();
    config.max_body_bytes = 4096;
    let s = sentry_local::start(config).unwrap();
    let big = event_envelope(&json!({"message": "x".repeat(5000)}));
    let r = send_envelope(&s, &big);
    assert_eq!(r.status, 413);
    // small on the wire, huge once inflated
    let bomb = gzip(&vec![b' '; 1_000_000]);
    assert!(bomb.len() < 4096);
    let auth = format!("Sentry sentry_key={}", s.bootstrap.public_key);
    let url = format!("{}/api/{}/envelope/", s.url, s.bootstrap.project_id);
    let r = request(
        "POST",
        &url,
        &[("X-Sentry-Auth", &auth), ("Content-Encoding", "gzip")],
        Some(&bomb),
    );
    assert_eq!(r.status, 413);
    assert_eq!(count(&s, "SELECT COUNT(*) FROM items"), 0);
}

#[test]
fn store_endpoint_accepts_json_and_legacy_base64_zlib() {
    let s = server();
    let url = format!("{}/api/{}/store/", s.url, s.bootstrap.project_id);
    let auth = format!(
        "Sentry sentry_key={}, sentry_version=7, sentry_client=sentry-cli/x86_64",
        s.bootstrap.public_key
    );
    let ev = json!({"event_id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "message": "stored"});
    let r = request(
        "POST",
        &url,
        &[("X-Sentry-Auth", &auth)],
        Some(ev.to_string().as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"id": "aaaaaaaabbbbccccddddeeeeeeeeeeee"}));
    use base64::Engine;
    let legacy = base64::engine::general_purpose::STANDARD
        .encode(zlib(json!({"message": "legacy"}).to_string().as_bytes()));
    let r = request(
        "POST",
        &url,
        &[("X-Sentry-Auth", &auth)],
        Some(legacy.as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["id"].as_str().unwrap().len(), 32);
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM groups WHERE title IN ('stored', 'legacy')"
        ),
        2
    );
    let r = request("POST", &url, &[("X-Sentry-Auth", &auth)], Some(b"[1,2]"));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["detail"], "invalid event: not a JSON object");
}

#[test]
fn spotlight_stream_post_needs_no_key() {
    let s = server();
    let env = event_envelope(&json!({"message": "from spotlight"}));
    let r = request(
        "POST",
        &format!("{}/stream", s.url),
        &[("Content-Type", "application/x-sentry-envelope")],
        Some(&env),
    );
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM groups WHERE title = 'from spotlight' AND project_id = 1"
        ),
        1
    );
}

#[test]
fn grouping_counts_users_and_dedupes_event_ids() {
    let s = server();
    let mut e = exception_event("KeyError", "'a'");
    e["user"] = json!({"id": "1"});
    send_envelope(&s, &event_envelope(&e));
    let mut e2 = exception_event("KeyError", "'b'");
    e2["user"] = json!({"id": "2"});
    e2["event_id"] = json!("11111111111111111111111111111111");
    send_envelope(&s, &event_envelope(&e2));
    // same event id again: not counted twice
    send_envelope(&s, &event_envelope(&e2));
    assert_eq!(count(&s, "SELECT COUNT(*) FROM groups"), 1);
    assert_eq!(count(&s, "SELECT times_seen FROM groups"), 2);
    assert_eq!(count(&s, "SELECT user_count FROM groups"), 2);
}
