//! `sentry local serve`, `sentry local run -- <cmd>` and `sentry local` (tail), driven as a
//! person would: real child processes, real sockets, a private config dir.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{assert_exit, assert_success, text, ChildGuard, TestEnv};
use serde_json::Value;

fn serve(env: &TestEnv, extra: &[&str]) -> (ChildGuard, Value) {
    let (child, info, _reader) = env.serve_child(extra);
    (child, info)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn health(url: &str) -> String {
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    use std::io::Write;
    write!(
        s,
        "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

#[test]
fn serve_with_a_data_dir_keeps_token_and_dsn_across_restarts() {
    let env = TestEnv::new();
    let data = env.root.path().join("data");
    let data_arg = data.to_str().unwrap().to_string();
    let (first_child, first) = serve(&env, &["--port", "0", "--data", &data_arg]);
    assert!(health(first["url"].as_str().unwrap()).ends_with("OK"));
    drop(first_child);

    let (_second_child, second) = serve(&env, &["--port", "0", "--data", &data_arg]);
    assert_eq!(first["token"], second["token"]);
    assert_eq!(
        first["dsn"].as_str().unwrap().split('@').next(),
        second["dsn"].as_str().unwrap().split('@').next(),
        "same DSN key after a restart"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("local.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the server database holds tokens");
        let mode = std::fs::metadata(&data).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}

#[test]
fn run_attaches_to_a_running_server_and_passes_the_exit_code_through() {
    let env = TestEnv::new();
    let port = free_port();
    let (_server, info) = serve(&env, &["--port", &port.to_string(), "--memory"]);
    let out = env
        .std_cmd()
        .args(["local", "run", "--port", &port.to_string(), "--"])
        .args([
            "sh",
            "-c",
            "echo \"$SENTRY_DSN|$SENTRY_SPOTLIGHT|$VITE_SENTRY_DSN\"; exit 7",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 7);
    let url = info["url"].as_str().unwrap();
    let dsn = info["dsn"].as_str().unwrap();
    assert_eq!(text(&out.stdout), format!("{dsn}|{url}/stream|{dsn}\n"));
}

#[test]
fn run_starts_a_server_for_the_child_when_none_is_running() {
    let env = TestEnv::new();
    let port = free_port();
    // The child checks that the server it was given answers while it runs.
    let script = "case \"$SENTRY_DSN\" in http://*@127.0.0.1:*/1) ;; *) exit 3;; esac; \
                  exec 3<>/dev/tcp/127.0.0.1/$PORT && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3";
    let out = env
        .std_cmd()
        .env("PORT", port.to_string())
        .args([
            "local",
            "run",
            "--port",
            &port.to_string(),
            "--",
            "bash",
            "-c",
            script,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).ends_with("OK"), "{}", text(&out.stdout));
    // The server lived only as long as the child.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn run_without_a_command_is_a_usage_error() {
    let env = TestEnv::new();
    let out = env.std_cmd().args(["local", "run"]).output().unwrap();
    assert_exit(&out, 2);
}

#[test]
fn tail_prints_one_line_per_item_as_events_arrive() {
    let env = TestEnv::new();
    let port = free_port();
    let (_server, info) = serve(&env, &["--port", &port.to_string(), "--memory"]);
    let mut tail = ChildGuard(
        env.std_cmd()
            .args(["local", "--port", &port.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = tail.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wait until the tail is connected before sending.
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("tail printed nothing");
    assert!(first.starts_with("Listening on"), "{first}");

    let sent = env
        .std_cmd()
        .args([
            "local",
            "demo-events",
            "--dsn",
            info["dsn"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_success(&sent);

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut lines = Vec::new();
    while lines.len() < 4 && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            lines.push(l);
        }
    }
    assert_eq!(lines.len(), 4, "one line per demo event: {lines:#?}");
    assert!(lines.iter().all(|l| l.contains("error")), "{lines:#?}");
}

#[test]
fn tail_without_a_server_fails_with_a_hint() {
    let env = TestEnv::new();
    let port = free_port();
    let out = env
        .std_cmd()
        .args(["local", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let err = text(&out.stderr);
    assert!(
        err.starts_with("Error: Could not tail the local server"),
        "{err}"
    );
    assert!(err.contains("sentry local serve"), "{err}");
}
