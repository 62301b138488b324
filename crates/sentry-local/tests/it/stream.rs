//! `GET /stream` (SSE) read as `sentry local` reads it (sentry-api's event stream, lines from
//! `describe_message`), end to end; `serve_forever` readiness.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::json;

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// What `sentry local` does: reads `/stream` through the CLI's HTTP pipeline and writes the
/// lines of each message to `out` until the server ends the stream.
fn tail(
    url: String,
    filters: Vec<String>,
    mut out: Shared,
) -> std::thread::JoinHandle<Result<(), String>> {
    std::thread::spawn(move || {
        let config = sentry_api::ClientConfig::new(url.clone(), "test");
        let client = sentry_api::Client::new(config).map_err(|e| e.message())?;
        let events = client
            .get(&format!("{url}/stream"))
            .without_auth()
            .event_stream()
            .map_err(|e| e.message())?;
        for event in events {
            let event = event.map_err(|e| e.to_string())?;
            for line in sentry_local::describe_message(&event.event, &event.data, &filters) {
                writeln!(out, "{line}").map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn tail_prints_one_line_per_item_and_ends_with_the_server() {
    let s = server();
    let out = Shared::default();
    let handle = tail(s.url.clone(), vec![], out.clone());
    wait_for("the subscriber", || s.state.stream.receiver_count() > 0);
    let mut ev = exception_event("ZeroDivisionError", "division by zero");
    ev["level"] = json!("fatal");
    send_envelope(&s, &event_envelope(&ev));
    let log = b"{}\n{\"type\":\"log\",\"content_type\":\"application/vnd.sentry.items.log+json\"}\n{\"items\":[{\"level\":\"warn\",\"body\":\"disk almost full\"}]}\n";
    let r = request("POST", &format!("{}/stream", s.url), &[], Some(log));
    assert_eq!(r.status, 204);
    wait_for("two lines", || out.text().lines().count() >= 2);
    let text = out.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].ends_with(
            "error        fatal    ZeroDivisionError: division by zero  (app.views in handler)"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with("log          warn     disk almost full"),
        "{}",
        lines[1]
    );
    s.shutdown();
    handle.join().unwrap().unwrap();
}

#[test]
fn tail_filters() {
    let s = server();
    let out = Shared::default();
    let handle = tail(s.url.clone(), vec!["log".to_string()], out.clone());
    wait_for("the subscriber", || s.state.stream.receiver_count() > 0);
    send_envelope(&s, &event_envelope(&json!({"message": "not shown"})));
    request(
        "POST",
        &format!("{}/stream", s.url),
        &[],
        Some(b"{}\n{\"type\":\"log\"}\n{\"items\":[{\"level\":\"info\",\"body\":\"shown\"}]}"),
    );
    wait_for("the log line", || out.text().contains("shown"));
    s.shutdown();
    handle.join().unwrap().unwrap();
    let text = out.text();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(!text.contains("not shown"));
}

#[test]
fn sse_frames_carry_content_type_id_and_envelope() {
    let s = server();
    let url = format!("{}/stream", s.url);
    let handle = std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
        let resp = agent.get(&url).call().unwrap();
        assert_eq!(
            resp.headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap(),
            "text/event-stream"
        );
        let mut reader = std::io::BufReader::new(resp.into_body().into_reader());
        let mut frame = Vec::new();
        loop {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
            if line == "\n" && frame.iter().any(|l: &String| l.starts_with("data:")) {
                break;
            }
            if !line.starts_with(':') && line != "\n" {
                frame.push(line.trim_end().to_string());
            }
        }
        frame
    });
    wait_for("the subscriber", || s.state.stream.receiver_count() > 0);
    send_envelope(&s, b"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"message\":\"sse\"}");
    let frame = handle.join().unwrap();
    assert_eq!(frame[0], "event: application/x-sentry-envelope");
    assert!(
        frame.contains(&"id: 9ec79c33ec9942ab8353589fcb2e04dc".to_string()),
        "{frame:?}"
    );
    assert!(
        frame.contains(&"data: {\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}".to_string()),
        "{frame:?}"
    );
    assert!(
        frame.contains(&"data: {\"message\":\"sse\"}".to_string()),
        "{frame:?}"
    );
}

#[test]
fn cors_for_local_origins_only() {
    let s = server();
    let url = format!("{}/api/1/envelope/", s.url);
    let r = request(
        "OPTIONS",
        &url,
        &[
            ("Origin", "http://localhost:3000"),
            ("Access-Control-Request-Method", "POST"),
        ],
        None,
    );
    assert_eq!(r.status, 204);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent
        .post(&format!("{}/stream", s.url))
        .header("Origin", "http://127.0.0.1:5173")
        .send(&b"{}"[..])
        .unwrap();
    assert_eq!(
        resp.headers().get("access-control-allow-origin").unwrap(),
        "http://127.0.0.1:5173"
    );
    let resp = agent
        .post(&format!("{}/stream", s.url))
        .header("Origin", "https://evil.example")
        .send(&b"{}"[..])
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn serve_blocking_announces_a_working_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = sentry_local::ServerConfig::for_tests();
    config.test_control = false;
    config.data = Some(dir.path().join("local.db"));
    let (tx, rx) = std::sync::mpsc::channel();
    // The server runs until the process ends; the test only needs it to answer.
    std::thread::spawn(move || {
        sentry_local::serve_blocking(config, |info| tx.send(info.clone()).unwrap())
    });
    let info = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(info.url.starts_with("http://127.0.0.1:"));
    assert!(info.token.starts_with("sntryu_"));
    assert!(info.dsn.ends_with("/1"));
    assert_eq!(
        (info.org_slug.as_str(), info.project_slug.as_str()),
        ("local", "app")
    );
    let r = request(
        "GET",
        &format!("{}/api/0/auth/", info.url),
        &[("Authorization", &format!("Bearer {}", info.token))],
        None,
    );
    assert_eq!(r.status, 200);
}

/// Subscribes to `/stream` (sent with `headers`) and returns once the server answered, i.e.
/// once the subscription exists. A thread hands each frame's `id:` to the returned channel,
/// so a test can wait with a timeout instead of hanging.
fn sse_ids(
    s: &sentry_local::RunningServer,
    headers: &[(&str, &str)],
) -> std::sync::mpsc::Receiver<String> {
    let mut req = ureq::http::Request::builder()
        .method("GET")
        .uri(format!("{}/stream", s.url));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
        let resp = agent.run(req).unwrap();
        if tx.send(String::new()).is_err() {
            return;
        }
        let mut reader = std::io::BufReader::new(resp.into_body().into_reader());
        loop {
            let mut line = String::new();
            match std::io::BufRead::read_line(&mut reader, &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if let Some(id) = line.strip_prefix("id: ") {
                if tx.send(id.trim_end().to_string()).is_err() {
                    return;
                }
            }
        }
    });
    let connected = rx.recv_timeout(Duration::from_secs(10));
    assert_eq!(connected.as_deref(), Ok(""), "no answer from /stream");
    rx
}

fn next_ids(rx: &std::sync::mpsc::Receiver<String>, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            rx.recv_timeout(Duration::from_secs(10))
                .expect("an SSE frame")
        })
        .collect()
}

fn send_with_id(s: &sentry_local::RunningServer, id: &str) {
    let body =
        format!("{{\"event_id\":\"{id}\"}}\n{{\"type\":\"event\"}}\n{{\"message\":\"m {id}\"}}");
    assert_eq!(send_envelope(s, body.as_bytes()).status, 200);
}

#[test]
fn last_event_id_resumes_after_the_last_seen_envelope() {
    let s = server();
    let ids: Vec<String> = (1..=5).map(|i| format!("{i:032x}")).collect();
    // A first subscriber sees envelope 1, then goes away.
    let first = sse_ids(&s, &[]);
    send_with_id(&s, &ids[0]);
    assert_eq!(next_ids(&first, 1), [ids[0].clone()]);
    drop(first);
    // Envelopes 2 and 3 arrive while it is away.
    send_with_id(&s, &ids[1]);
    send_with_id(&s, &ids[2]);
    // Reconnecting with the last id it saw replays 2 and 3, in order, then continues live.
    let resumed = sse_ids(&s, &[("Last-Event-ID", ids[0].as_str())]);
    assert_eq!(next_ids(&resumed, 2), [ids[1].clone(), ids[2].clone()]);
    send_with_id(&s, &ids[3]);
    assert_eq!(next_ids(&resumed, 1), [ids[3].clone()]);
    // Without the header nothing is replayed: the first frame is the next live envelope.
    let fresh = sse_ids(&s, &[]);
    send_with_id(&s, &ids[4]);
    assert_eq!(next_ids(&fresh, 1), [ids[4].clone()]);
    // An id the server never kept replays everything it has.
    let all = sse_ids(&s, &[("Last-Event-ID", "ffffffffffffffffffffffffffffffff")]);
    assert_eq!(next_ids(&all, 5), ids);
}
