//! Test support: the real `sentry` binary against the project's own local server, with a
//! throw-away HOME and config dir so nothing leaks between tests or from the developer's setup.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sentry_local::{RunningServer, ServerConfig};
use tempfile::TempDir;

pub struct TestEnv {
    pub root: TempDir,
    pub server: Option<RunningServer>,
}

impl TestEnv {
    /// Isolated HOME, config dir and working directory; no server.
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        for d in ["home", "home/.sentry", "work"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        Self { root, server: None }
    }

    /// Same, plus an in-memory local server on an ephemeral loopback port.
    pub fn with_server() -> Self {
        let mut env = Self::new();
        env.server =
            Some(sentry_local::start(ServerConfig::for_tests()).expect("start local server"));
        env
    }

    /// Same as [`TestEnv::with_server`] with a custom server configuration (short device-code
    /// intervals and token lifetimes for auth tests). Test control routes stay on.
    pub fn with_server_config(config: ServerConfig) -> Self {
        let mut env = Self::new();
        let config = ServerConfig {
            port: 0,
            test_control: true,
            ..config
        };
        env.server = Some(sentry_local::start(config).expect("start local server"));
        env
    }

    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }
    pub fn config_dir(&self) -> PathBuf {
        self.root.path().join("home/.sentry")
    }
    pub fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }
    pub fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("test env has no server")
    }
    pub fn url(&self) -> String {
        self.server().url.clone()
    }
    pub fn token(&self) -> String {
        self.server().token().to_string()
    }

    /// The binary with a clean environment: only PATH survives from the parent.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("sentry").expect("binary");
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("SENTRY_CONFIG_DIR", self.config_dir())
            .current_dir(self.work());
        cmd
    }

    /// The binary configured to talk to the local server with its admin token.
    pub fn api_cmd(&self) -> assert_cmd::Command {
        let mut cmd = self.cmd();
        cmd.env("SENTRY_URL", self.url())
            .env("SENTRY_AUTH_TOKEN", self.token());
        cmd
    }

    pub fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let p = self.root.path().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }
}

impl TestEnv {
    /// `sentry auth login --token <server token> --url <server>`, which must succeed.
    pub fn login(&self) {
        let (code, _, err) = run(self.cmd().args([
            "auth",
            "login",
            "--token",
            &self.token(),
            "--url",
            &self.url(),
        ]));
        assert_eq!(code, 0, "login: {err}");
    }
}

/// One request to the test server outside the CLI (control routes, DSN ingest); returns the
/// status and the body (JSON, else a string; `""` when empty).
pub fn http(
    env: &TestEnv,
    method: &str,
    path: &str,
    body: Option<(&[u8], &str)>,
    headers: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let mut config = sentry_api::ClientConfig::new(env.url(), "tests");
    config.max_retries = 0;
    let client = sentry_api::Client::new(config).expect("client");
    let mut req = client
        .request(method, &format!("{}{}", env.url(), path))
        .without_auth();
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    if let Some((bytes, ct)) = body {
        req = req.body(bytes.to_vec(), ct);
    }
    let resp = req.send_raw().expect("request to the test server");
    let v = serde_json::from_slice(resp.body()).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(resp.body()).into_owned())
    });
    (resp.status(), v)
}

/// Runs `cmd` to completion with its pipes drained on threads (a chatty child cannot block on
/// a full pipe). A hang is a test failure: the child is killed after a generous guard — not
/// a timing assertion, a bounded command ends long before it.
pub fn run_guarded(mut cmd: std::process::Command) -> std::process::Output {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            pipe.read_to_end(&mut v).ok();
            v
        })
    };
    let out_t = drain(Box::new(child.stdout.take().unwrap()));
    let err_t = drain(Box::new(child.stderr.take().unwrap()));
    let guard = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > guard {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

/// Runs a command to completion: exit code (-1 when killed by a signal), stdout, stderr.
pub fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

pub fn stdout_json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// A child process that is killed when the test ends, pass or fail.
pub struct ChildGuard(pub std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl TestEnv {
    /// The binary as a plain `std::process::Command` (for children that outlive one call),
    /// with the same clean environment as [`TestEnv::cmd`].
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("sentry"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("SENTRY_CONFIG_DIR", self.config_dir())
            .current_dir(self.work());
        cmd
    }

    /// Starts `sentry local serve --json <extra>` as a child and returns it with the details it
    /// printed (`url`, `token`, `dsn`, `org`, `project`). The child's stdout stays open (the
    /// reader is returned) so the server never sees a closed pipe.
    pub fn serve_child(
        &self,
        extra: &[&str],
    ) -> (
        ChildGuard,
        serde_json::Value,
        std::io::BufReader<std::process::ChildStdout>,
    ) {
        use std::io::BufRead;
        let mut child = ChildGuard(
            self.std_cmd()
                .args(["local", "serve", "--json"])
                .args(extra)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn sentry local serve"),
        );
        let mut reader = std::io::BufReader::new(child.0.stdout.take().unwrap());
        let mut json = String::new();
        while !json.trim_end().ends_with('}') {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "server exited: {json}"
            );
            json.push_str(&line);
        }
        (child, serde_json::from_str(&json).unwrap(), reader)
    }
}
