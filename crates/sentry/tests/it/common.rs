//! Test support: the real `sentry` binary against the project's own local server, with a
//! throw-away HOME and config dir so nothing leaks between tests or from the developer's setup.
//!
//! The generic parts (the sandbox, running a command, reading its output, the guarded child)
//! are in the `test-support` crate; this module adds what only this crate can: the `sentry`
//! binary (`cargo_bin` finds the binaries of the crate whose tests call it) and the server.

// Shared by two test binaries (`it` and `jq_limits`): what one of them does not use is fine.
#![allow(dead_code, unused_imports)]

use std::ops::Deref;
use std::time::{Duration, Instant};

use sentry_local::{RunningServer, ServerConfig};
pub use test_support::{
    assert_contains, assert_exit, assert_not_contains, assert_success, parse_json, run,
    run_guarded, stdout_json, text, ChildGuard, Sandbox,
};

/// A [`Sandbox`] (its `root`, `home()`, `config_dir()`, `work()`, `write()` are reached through
/// `Deref`) and, for most tests, an in-process local server.
pub struct TestEnv {
    sandbox: Sandbox,
    pub server: Option<RunningServer>,
}

impl Deref for TestEnv {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        &self.sandbox
    }
}

impl TestEnv {
    /// Isolated HOME, config dir and working directory; no server.
    pub fn new() -> Self {
        Self {
            sandbox: Sandbox::new(),
            server: None,
        }
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

    pub fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("test env has no server")
    }
    pub fn url(&self) -> String {
        self.server().url.clone()
    }
    pub fn token(&self) -> String {
        self.server().token().to_string()
    }

    /// Same as [`TestEnv::with_server`], with the three demo issues ingested through the DSN
    /// (`sentry local demo-events`): returns once `issue list` shows all three.
    pub fn with_demo_issues() -> Self {
        let env = Self::with_server();
        let dsn = env.server().dsn();
        let out = env
            .cmd()
            .args(["local", "demo-events", "--dsn", dsn.as_str()])
            .output()
            .unwrap();
        assert_success(&out);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = env
                .api_cmd()
                .args(["issue", "list", "local/app", "--jq", ".data | length"])
                .output()
                .unwrap();
            if text(&out.stdout) == "3\n" {
                return env;
            }
            assert!(Instant::now() < deadline, "{}", text(&out.stderr));
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The binary with a clean environment: only PATH survives from the parent.
    pub fn cmd(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_cmd())
    }

    /// The binary configured to talk to the local server with its admin token.
    pub fn api_cmd(&self) -> assert_cmd::Command {
        let mut cmd = self.cmd();
        cmd.env("SENTRY_URL", self.url())
            .env("SENTRY_AUTH_TOKEN", self.token());
        cmd
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

impl TestEnv {
    /// The binary as a plain `std::process::Command` (for children that outlive one call),
    /// with the same clean environment as [`TestEnv::cmd`].
    pub fn std_cmd(&self) -> std::process::Command {
        self.command(assert_cmd::cargo::cargo_bin("sentry"))
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
