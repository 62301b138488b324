//! Fault injection and request recording, observed by a real HTTP client.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

fn server() -> RunningServer {
    start(ServerConfig::for_tests()).expect("server starts")
}

fn add_fault(s: &RunningServer, rule: Value) {
    let resp = agent(Duration::from_secs(5))
        .post(format!("{}/_test/faults", s.url))
        .send_json(&rule)
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
}

fn get(s: &RunningServer, path: &str) -> (u16, String, Option<String>) {
    let mut resp = agent(Duration::from_secs(5))
        .get(format!("{}{path}", s.url))
        .call()
        .unwrap();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let status = resp.status().as_u16();
    (
        status,
        resp.body_mut().read_to_string().unwrap(),
        retry_after,
    )
}

fn requests(s: &RunningServer) -> Vec<Value> {
    let v: Value = agent(Duration::from_secs(5))
        .get(format!("{}/_test/requests", s.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    v.as_array().unwrap().clone()
}

#[test]
fn status_headers_and_body_for_a_limited_number_of_requests() {
    let s = server();
    add_fault(
        &s,
        json!({"method": "GET", "path_prefix": "/health", "status": 503,
               "headers": {"Retry-After": "1"}, "body": "<html>down</html>", "times": 2}),
    );
    for _ in 0..2 {
        let (status, body, retry_after) = get(&s, "/health");
        assert_eq!(status, 503);
        assert_eq!(body, "<html>down</html>");
        assert_eq!(retry_after.as_deref(), Some("1"));
    }
    let (status, body, _) = get(&s, "/health");
    assert_eq!((status, body.as_str()), (200, "OK"));
    // The exhausted rule is gone.
    let rules: Value = agent(Duration::from_secs(5))
        .get(format!("{}/_test/faults", s.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(rules, json!([]));
}

#[test]
fn method_and_prefix_must_match() {
    let s = server();
    add_fault(&s, json!({"method": "POST", "status": 500}));
    add_fault(
        &s,
        json!({"path_prefix": "/api/0/organizations/", "status": 429}),
    );
    assert_eq!(get(&s, "/health").0, 200);
    assert_eq!(get(&s, "/api/0/organizations/local/releases/").0, 429);
    assert_eq!(
        get(&s, "/api/0/organizations/local/releases/").0,
        429,
        "times: null = forever"
    );
}

#[test]
fn clearing_removes_all_rules() {
    let s = server();
    add_fault(&s, json!({"status": 502}));
    assert_eq!(get(&s, "/health").0, 502);
    let resp = agent(Duration::from_secs(5))
        .delete(format!("{}/_test/faults", s.url))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(get(&s, "/health").0, 200);
}

#[test]
fn delay_without_status_slows_the_real_handler_and_stalls_past_timeouts() {
    let s = server();
    add_fault(
        &s,
        json!({"path_prefix": "/health", "delay_ms": 300, "times": 1}),
    );
    let t = Instant::now();
    let (status, body, _) = get(&s, "/health");
    assert_eq!((status, body.as_str()), (200, "OK"));
    assert!(t.elapsed() >= Duration::from_millis(300));

    add_fault(
        &s,
        json!({"path_prefix": "/health", "delay_ms": 3000, "times": 1}),
    );
    let err = agent(Duration::from_millis(300))
        .get(format!("{}/health", s.url))
        .call()
        .unwrap_err();
    assert!(matches!(err, ureq::Error::Timeout(_)), "{err:?}");
}

#[test]
fn reset_aborts_the_connection() {
    let s = server();
    add_fault(
        &s,
        json!({"path_prefix": "/health", "reset": true, "times": 1}),
    );
    // A raw socket shows the RST: reading fails with ConnectionReset (not a clean EOF).
    let mut sock = std::net::TcpStream::connect(s.addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    sock.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 64];
    let err = sock.read(&mut buf).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err:?}");

    add_fault(
        &s,
        json!({"path_prefix": "/health", "reset": true, "times": 1}),
    );
    let err = agent(Duration::from_secs(5))
        .get(format!("{}/health", s.url))
        .call()
        .unwrap_err();
    assert!(matches!(err, ureq::Error::Io(_)), "{err:?}");
    // The server keeps serving.
    assert_eq!(get(&s, "/health").0, 200);
    let log = requests(&s);
    let resets: Vec<_> = log.iter().filter(|r| r["fault"] == "reset").collect();
    assert_eq!(resets.len(), 2);
    assert_eq!(resets[0]["status"], Value::Null);
}

#[test]
fn requests_are_recorded_with_masked_authorization() {
    let s = server();
    add_fault(
        &s,
        json!({"path_prefix": "/health", "status": 503, "times": 1}),
    );
    agent(Duration::from_secs(5))
        .get(format!("{}/health?x=1", s.url))
        .header("Authorization", "Bearer sntryu_0123456789abcdef")
        .header("User-Agent", "sentry-test/1.0")
        .header("x-sentry-cli-retry", "1")
        .header("X-Custom", "yes")
        .call()
        .unwrap();
    get(&s, "/health");
    let log = requests(&s);
    assert_eq!(log.len(), 2, "{log:?}");
    let first = &log[0];
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/health");
    assert_eq!(first["query"], "x=1");
    assert_eq!(first["status"], 503);
    assert_eq!(first["fault"], "status");
    assert_eq!(first["headers"]["authorization"], "Bearer sntryu_0...cdef");
    assert_eq!(first["headers"]["user-agent"], "sentry-test/1.0");
    assert_eq!(first["headers"]["x-sentry-cli-retry"], "1");
    assert_eq!(first["headers"]["x-custom"], "yes");
    assert_eq!(log[1]["status"], 200);
    assert_eq!(log[1]["fault"], Value::Null);
    assert!(log[1]["seq"].as_u64() > first["seq"].as_u64());

    let stats: Value = agent(Duration::from_secs(5))
        .get(format!("{}/_test/stats", s.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(
        stats,
        json!({"requests": 2, "refresh_grants": 0, "setup_code_grants": 0})
    );

    agent(Duration::from_secs(5))
        .delete(format!("{}/_test/requests", s.url))
        .call()
        .unwrap();
    assert_eq!(requests(&s).len(), 0);
}

#[test]
fn invalid_rules_are_rejected() {
    let s = server();
    let resp = agent(Duration::from_secs(5))
        .post(format!("{}/_test/faults", s.url))
        .send_json(json!({"status": 5000}))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let resp = agent(Duration::from_secs(5))
        .post(format!("{}/_test/faults", s.url))
        .send_json(json!({"status": 500, "times": 0}))
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[test]
fn shutdown_is_prompt_with_a_stalled_request_in_flight() {
    let s = server();
    add_fault(&s, json!({"delay_ms": 60_000}));
    let url = format!("{}/health", s.url);
    let client = std::thread::spawn(move || agent(Duration::from_secs(30)).get(url).call());
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    s.shutdown();
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(client.join().unwrap().is_err());
}
