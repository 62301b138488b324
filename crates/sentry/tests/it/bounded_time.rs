//! Every wait is bounded and says what it waits for (issue "Fix what exists", items 6, 7, 9):
//! unreachable servers fail at once naming the setting, retries print one line each and share
//! one time budget per command, and oversized bodies are refused. Faults come from the local
//! server's fault rules (real HTTP) and from real closed ports.

use crate::auth_support::{fault, get_json, requests};
use crate::common::{run, TestEnv};
use serde_json::json;

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Lines announcing a retry (`… retrying in … (n/m)`).
fn retry_lines(err: &str) -> Vec<&str> {
    err.lines()
        .filter(|l| l.contains(", retrying in "))
        .collect()
}

/// Item 6: connection refused is not retried, and the error names the setting the URL came
/// from with a fix that fits a loopback port (no "check your internet connection").
#[test]
fn refused_port_fails_at_once_naming_the_setting() {
    let env = TestEnv::new();
    let url = format!("http://127.0.0.1:{}", closed_port());
    for (var, how) in [
        ("SENTRY_URL", None),
        ("SENTRY_HOST", None),
        ("--url", Some(())),
    ] {
        let mut cmd = env.cmd();
        cmd.env(
            "SENTRY_AUTH_TOKEN",
            "sntryu_0123456789abcdef0123456789abcdef",
        );
        match how {
            Some(()) => cmd.args(["--url", &url]),
            None => cmd.env(var, &url),
        };
        let (code, out, err) = run(cmd.args(["org", "list"]));
        assert_eq!((code, out.as_str()), (30, ""), "{err}");
        assert_eq!(
            err,
            format!(
                "Error: Network error: unable to reach the Sentry API at {url}\n  Endpoint: /organizations/\n  Cause: connection refused\n\nNothing is listening at {url}. Start the server (e.g. `sentry local serve`) or fix the URL ({var}).\n"
            )
        );
    }
}

/// Item 6: a host name that does not resolve is not retried either; the URL from a file is
/// named by file and line.
#[test]
fn unknown_host_fails_at_once_naming_the_file() {
    let env = TestEnv::new();
    let rc = env.write(
        "home/.sentryclirc",
        "[defaults]\nurl = https://sentry.does-not-exist.invalid\n[auth]\ntoken = sntryu_0123456789abcdef0123456789abcdef\n",
    );
    let (code, _, err) = run(env.cmd().args(["org", "list"]));
    assert_eq!(code, 30, "{err}");
    assert_eq!(retry_lines(&err), Vec::<&str>::new());
    assert!(err.contains("  Cause: host not found\n"), "{err}");
    assert!(
        err.ends_with(&format!(
            "The host name 'sentry.does-not-exist.invalid' does not resolve. Check the URL ({}:2) for a typo.\n",
            rc.display()
        )),
        "{err}"
    );
}

/// Item 6: `SENTRY_HOST=127.0.0.1:8969` (no scheme) means https://, which a plain-HTTP server
/// cannot answer: suggest http://, not certificates.
#[test]
fn missing_scheme_suggests_http() {
    let env = TestEnv::with_server();
    let authority = env.url().replace("http://", "");
    let (code, _, err) = run(env
        .cmd()
        .env("SENTRY_HOST", &authority)
        .env("SENTRY_AUTH_TOKEN", env.token())
        .args(["org", "list"]));
    assert_eq!(code, 30, "{err}");
    assert!(
        err.starts_with(&format!(
            "Error: TLS certificate error for https://{authority}"
        )),
        "{err}"
    );
    assert!(
        err.ends_with(&format!(
            "SENTRY_HOST has no scheme, so https:// was assumed. If the server speaks plain HTTP, use http://{authority}\n"
        )),
        "{err}"
    );
    assert!(!err.contains("SSL_CERT_FILE"), "{err}");
}

/// Item 6: an invalid URL is a configuration error before any connection.
#[test]
fn invalid_url_is_a_config_error() {
    let env = TestEnv::new();
    let (code, _, err) = run(env
        .cmd()
        .env("SENTRY_URL", "http://exa mple.com")
        .env("SENTRY_AUTH_TOKEN", "sntryu_x")
        .args(["org", "list"]));
    assert_eq!(code, 20, "{err}");
    assert!(
        err.starts_with("Error: Invalid Sentry URL 'http://exa mple.com' from env SENTRY_URL:"),
        "{err}"
    );
}

/// Item 7: each retry of a 503 prints one line, then the last answer is the error.
#[test]
fn retries_are_announced() {
    let env = TestEnv::with_server();
    fault(
        &env,
        json!({"path_prefix": "/api/0/organizations/", "status": 503}),
    );
    let (code, _, err) = run(env
        .api_cmd()
        .env("SENTRY_HTTP_RETRY_DELAY_MS", "1")
        .env("SENTRY_HTTP_MAX_RETRIES", "3")
        .args(["org", "list"]));
    assert_eq!(code, 30, "{err}");
    let host = env.url().replace("http://", "");
    let lines = retry_lines(&err);
    assert_eq!(lines.len(), 3, "{err}");
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!(
                "503 Service Unavailable from {host}, retrying in "
            )) && line.ends_with(&format!(" ms ({}/3)", i + 1)),
            "{err}"
        );
    }
    assert!(
        err.ends_with(
            "Error: API request failed: 503 Service Unavailable\n  Endpoint: /organizations/\n"
        ),
        "{err}"
    );
    assert_eq!(requests(&env).len(), 4);
}

/// Item 7: one deadline per command. A stalled server gets the whole budget once: the region
/// probe does not burn a retry budget of its own before the real request starts another.
#[test]
fn a_stalled_server_exhausts_one_budget_per_command() {
    let env = TestEnv::with_server();
    fault(
        &env,
        json!({"path_prefix": "/api/0/organizations/", "delay_ms": 60_000}),
    );
    let (code, out, err) = run(env
        .api_cmd()
        .env("SENTRY_HTTP_TIMEOUT", "2")
        .args(["issue", "list", "local/"]));
    assert_eq!((code, out.as_str()), (31, ""), "{err}");
    assert_eq!(
        err,
        "Error: Request timed out after 2s.\n  Endpoint: /organizations/local/\n\nThe Sentry API did not answer within this command's 2 s budget. Try again; if the server is just slow, raise SENTRY_HTTP_TIMEOUT (seconds).\n"
    );
    // Counted on arrival (a stalled request is logged only when it completes).
    assert_eq!(
        get_json(&env, "/_test/stats")["requests"],
        1,
        "the probe took the budget; nothing else was tried"
    );
}

/// Item 7: a 429 asking for an hour is not waited for (nor capped and retried five times).
#[test]
fn huge_retry_after_is_not_waited_for() {
    let env = TestEnv::with_server();
    fault(
        &env,
        json!({"path_prefix": "/api/0/organizations/", "status": 429, "headers": {"retry-after": "3600"}}),
    );
    let (code, _, err) = run(env.api_cmd().args(["org", "list"]));
    assert_eq!(code, 30, "{err}");
    assert_eq!(retry_lines(&err), Vec::<&str>::new());
    assert!(
        err.starts_with("Error: API request failed: 429 Too Many Requests"),
        "{err}"
    );
    assert_eq!(requests(&env).len(), 1);
}

/// Item 9: a compression bomb is cut at 64 MiB of decompressed body and reported as a bad
/// response (exit 30), not a configuration problem.
#[test]
fn gzip_bomb_is_an_invalid_response() {
    use base64::Engine;
    use std::io::Write;
    let env = TestEnv::with_server();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..100 {
        gz.write_all(&zeros).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    fault(
        &env,
        json!({
            "path_prefix": "/api/0/organizations/",
            "status": 200,
            "headers": {"content-encoding": "gzip", "content-type": "application/json"},
            "body_base64": base64::engine::general_purpose::STANDARD.encode(&bomb),
        }),
    );
    let (code, out, err) = run(env.api_cmd().args(["org", "list"]));
    assert_eq!((code, out.as_str()), (30, ""), "{err}");
    assert_eq!(
        err,
        "Error: Invalid response from /organizations/ (status 200).\n  The response body is larger than 64 MiB after decompression; it was not read.\n"
    );
}
