//! `sentry local serve --log-requests` and the `sentry local` tail's HTTP client, driven as a
//! person would: real child processes and sockets, a private config dir.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{http, ChildGuard, TestEnv};
use serde_json::Value;

/// A request to `url` with an `Authorization` header of our choosing (the pipeline would not
/// send a token to a host it does not know).
fn get(url: &str, token: &str) -> u16 {
    let mut config = sentry_api::ClientConfig::new(url, "tests");
    config.max_retries = 0;
    let client = sentry_api::Client::new(config).expect("client");
    client
        .get(url)
        .without_auth()
        .header("Authorization", format!("Bearer {token}"))
        .send_raw()
        .expect("request")
        .status()
}

/// `HH:MM:SS METHOD PATH STATUS Nms`
fn is_request_line(line: &str, method: &str, path: &str, status: u16) -> bool {
    let parts: Vec<&str> = line.split(' ').collect();
    parts.len() == 5
        && parts[0].len() == 8
        && parts[0]
            .split(':')
            .all(|p| p.len() == 2 && p.parse::<u8>().is_ok())
        && parts[1] == method
        && parts[2] == path
        && parts[3] == status.to_string()
        && parts[4]
            .strip_suffix("ms")
            .is_some_and(|n| n.parse::<u64>().is_ok())
}

#[test]
fn serve_log_requests_prints_one_line_per_request_without_credentials() {
    let env = TestEnv::new();
    let mut child = ChildGuard(
        env.std_cmd()
            .args([
                "local",
                "serve",
                "--port",
                "0",
                "--memory",
                "--json",
                "--log-requests",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sentry local serve"),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut json = String::new();
    while !json.trim_end().ends_with('}') {
        assert!(stdout.read_line(&mut json).unwrap() > 0, "server exited");
    }
    let info: Value = serde_json::from_str(&json).unwrap();
    let (url, token) = (
        info["url"].as_str().unwrap(),
        info["token"].as_str().unwrap(),
    );
    assert_eq!(
        get(&format!("{url}/api/0/organizations/?per_page=1"), token),
        200
    );
    assert_eq!(
        get(&format!("{url}/api/0/projects/local/app/"), "sntryu_wrong"),
        401
    );
    assert_eq!(get(&format!("{url}/health"), token), 200);

    // The lines are written as requests are answered; read until the third one.
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let lines: Vec<String> = (0..3)
        .map(|_| {
            rx.recv_timeout(Duration::from_secs(10))
                .expect("a log line")
        })
        .collect();
    drop(child);
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(
        is_request_line(&lines[0], "GET", "/api/0/organizations/?per_page=1", 200),
        "{lines:#?}"
    );
    assert!(
        is_request_line(&lines[1], "GET", "/api/0/projects/local/app/", 401),
        "{lines:#?}"
    );
    assert!(
        is_request_line(&lines[2], "GET", "/health", 200),
        "{lines:#?}"
    );
    assert!(rest.is_empty(), "one line per request: {rest:#?}");
    for line in &lines {
        assert!(!line.contains(token) && !line.contains("sntryu_wrong"));
    }
}

#[test]
fn serve_without_the_flag_logs_no_requests() {
    let env = TestEnv::new();
    let mut child = ChildGuard(
        env.std_cmd()
            .args(["local", "serve", "--port", "0", "--memory", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sentry local serve"),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut json = String::new();
    while !json.trim_end().ends_with('}') {
        assert!(stdout.read_line(&mut json).unwrap() > 0, "server exited");
    }
    let info: Value = serde_json::from_str(&json).unwrap();
    let url = info["url"].as_str().unwrap();
    assert_eq!(get(&format!("{url}/health"), "x"), 200);
    let mut stderr = child.0.stderr.take().unwrap();
    drop(child);
    let mut text = String::new();
    stderr.read_to_string(&mut text).unwrap();
    assert_eq!(text, "");
}

/// The tail reads `/stream` through the CLI's HTTP pipeline: the CLI's User-Agent and
/// custom headers (the server is the configured, self-hosted URL), and no token.
#[test]
fn tail_goes_through_the_cli_http_pipeline() {
    let env = TestEnv::with_server();
    let port = env.url().rsplit(':').next().unwrap().to_string();
    let mut tail = ChildGuard(
        env.std_cmd()
            .args(["local", "--port", &port])
            .env("SENTRY_URL", env.url())
            .env("SENTRY_AUTH_TOKEN", env.token())
            .env("SENTRY_CUSTOM_HEADERS", "X-Tail-Check: via-pipeline")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(tail.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(
        first,
        format!("Listening on {}/stream (Ctrl-C to stop)\n", env.url())
    );
    let (status, log) = http(&env, "GET", "/_test/requests", None, &[]);
    assert_eq!(status, 200);
    let stream = log
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/stream")
        .unwrap_or_else(|| panic!("no /stream request: {log:#}"));
    let headers = &stream["headers"];
    assert_eq!(stream["method"], "GET");
    assert_eq!(headers["x-tail-check"], "via-pipeline", "{stream:#}");
    assert!(
        headers["user-agent"]
            .as_str()
            .is_some_and(|ua| ua.starts_with("sentry-cli/")),
        "{stream:#}"
    );
    assert_eq!(headers["accept"], "text/event-stream");
    assert!(headers.get("authorization").is_none(), "{stream:#}");
}

/// `local serve` and the test servers share one accept loop, whose graceful shutdown is
/// bounded: a client in the middle of a request cannot keep the server from stopping.
#[cfg(unix)]
#[test]
fn serve_stops_on_sigterm_even_with_a_request_in_flight() {
    use std::io::Write;
    let env = TestEnv::new();
    let mut child = ChildGuard(
        env.std_cmd()
            .args(["local", "serve", "--port", "0", "--memory", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sentry local serve"),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut json = String::new();
    while !json.trim_end().ends_with('}') {
        assert!(stdout.read_line(&mut json).unwrap() > 0, "server exited");
    }
    let info: Value = serde_json::from_str(&json).unwrap();
    let port: u16 = info["url"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // An envelope whose body never finishes arriving.
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        conn,
        "POST /api/1/envelope/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{{}}\n"
    )
    .unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Bounded wait for the exit (a hang fails the test instead of hanging it).
    let (tx, rx) = mpsc::channel();
    let mut proc = std::mem::replace(
        &mut child.0,
        std::process::Command::new("true").spawn().unwrap(),
    );
    std::thread::spawn(move || {
        let _ = tx.send(proc.wait());
    });
    let exit = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the server did not stop while a request was in flight")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    drop(conn);
}
