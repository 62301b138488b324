//! The pipeline against a real (scripted) HTTP server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use sentry_api::{
    ApiError, Client, ClientConfig, Provenance, ProxyConfig, Sourced, TokenRefresher,
};

/// A setting the user configured themselves.
fn user<T>(value: T) -> Sourced<T> {
    Sourced::new(value, Provenance::User, "test")
}
use crate::support::{Reply, TestProxy, TestServer};
use serde_json::Value;

const TOKEN: &str = "sntryu_test_secret_token_123";

fn config(server: &TestServer) -> ClientConfig {
    init_logger();
    let mut c = ClientConfig::new(server.url(), "9.9.9").with_host_token(TOKEN, &server.url());
    c.retry_base_delay = Duration::from_millis(10);
    c.timeout = Duration::from_secs(5);
    c
}

fn client(server: &TestServer) -> Client {
    Client::new(config(server)).expect("client")
}

// ---------------------------------------------------------------- log capture

/// Records every log line of the test process. The logger is process-wide, so it also sees the
/// lines of the other modules of this test binary (`tls`: another token, other paths); the one
/// test reading it looks only for its own request and for [`TOKEN`], which no other module uses.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        self.0.lock().unwrap().push(record.args().to_string());
    }
    fn flush(&self) {}
}

fn logs() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| Box::leak(Box::new(Capture(Mutex::new(Vec::new())))))
}

fn init_logger() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = log::set_logger(logs());
        log::set_max_level(log::LevelFilter::Trace);
    });
}

// ---------------------------------------------------------------- retries

#[test]
fn retries_502_503_504_then_succeeds() {
    let s = TestServer::start();
    s.push(Reply::status(502))
        .push(Reply::status(503))
        .push(Reply::status(504))
        .push(Reply::json(200, r#"{"ok":true}"#));
    let mut cfg = config(&s);
    cfg.max_retries = 3;
    let c = Client::new(cfg).unwrap();
    let v: Value = c.get("/ping/").send_json().unwrap();
    assert_eq!(v, serde_json::json!({"ok": true}));
    assert_eq!(s.request_count(), 4);
    assert!(s.requests().iter().all(|r| r.target == "/api/0/ping/"));
}

#[test]
fn default_is_three_attempts_and_last_response_is_returned() {
    let s = TestServer::start();
    for _ in 0..5 {
        s.push(Reply::json(503, r#"{"detail":"maintenance"}"#));
    }
    let err = client(&s).get("/ping/").send().unwrap_err();
    assert_eq!(s.request_count(), 3);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.exit_code(), 30);
    assert_eq!(
        err.message(),
        "API request failed: 503 Service Unavailable\n  Endpoint: /ping/\n  maintenance"
    );
}

#[test]
fn honours_retry_after_seconds() {
    let s = TestServer::start();
    s.push(Reply::json(429, "{}").header("Retry-After", "1"))
        .push(Reply::json(200, "[]"));
    let started = Instant::now();
    client(&s).get("/x/").send().unwrap();
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at - reqs[0].at;
    assert!(gap >= Duration::from_millis(950), "waited only {gap:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn honours_retry_after_http_date() {
    let s = TestServer::start();
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2);
    let date = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&at)
        .unwrap();
    s.push(Reply::status(503).header("Retry-After", &date))
        .push(Reply::json(200, "{}"));
    client(&s).get("/x/").send().unwrap();
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at - reqs[0].at;
    // Second granularity: the date lies 1–2 s ahead.
    assert!(gap >= Duration::from_millis(900), "waited only {gap:?}");
    assert!(gap < Duration::from_secs(4), "waited {gap:?}");
}

#[test]
fn no_retry_on_404_and_error_renders() {
    let s = TestServer::start();
    s.push(Reply::json(
        404,
        r#"{"detail":"The requested resource does not exist"}"#,
    ));
    let err = client(&s).get("/organizations/nope/").send().unwrap_err();
    assert_eq!(s.request_count(), 1);
    assert_eq!(err.exit_code(), 30);
    assert_eq!(err.headline(), "API request failed: 404 Not Found");
    assert_eq!(
        err.details(),
        vec![
            "Endpoint: /organizations/nope/".to_string(),
            "The requested resource does not exist".to_string()
        ]
    );
    assert_eq!(
        err.body(),
        Some(&br#"{"detail":"The requested resource does not exist"}"#[..])
    );
}

#[test]
fn send_raw_returns_error_statuses() {
    let s = TestServer::start();
    s.push(
        Reply::json(400, r#"{"query":["bad"]}"#)
            .header("X-Multi", "a")
            .header("X-Multi", "b"),
    );
    let resp = client(&s).get("/x/").send_raw().unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.status_text(), "Bad Request");
    assert_eq!(resp.text(), r#"{"query":["bad"]}"#);
    assert_eq!(resp.header_all("x-multi"), vec!["a", "b"]);
}

#[test]
fn stalled_server_times_out_with_exit_31() {
    let s = TestServer::start();
    s.push(Reply::json(200, "{}").delay(Duration::from_secs(3)))
        .push(Reply::json(200, "{}").delay(Duration::from_secs(3)));
    let mut cfg = config(&s);
    cfg.timeout = Duration::from_millis(300);
    cfg.max_retries = 1;
    let started = Instant::now();
    let err = Client::new(cfg).unwrap().get("/slow/").send().unwrap_err();
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 31);
    assert_eq!(err.headline(), "Request timed out after 300ms.");
    assert_eq!(
        err.hint().as_deref(),
        Some("The Sentry API did not respond in time. Try again; if the problem persists, check https://status.sentry.io.")
    );
    assert_eq!(s.request_count(), 2, "timeouts are retried");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn connection_reset_is_retried() {
    let s = TestServer::start();
    s.push(Reply::reset())
        .push(Reply::json(200, r#"{"id":"1"}"#));
    let v: Value = client(&s).get("/auth/").send_json().unwrap();
    assert_eq!(v["id"], "1");
    assert_eq!(s.request_count(), 2);
}

#[test]
fn connection_reset_every_time_is_a_network_error() {
    let s = TestServer::start();
    for _ in 0..3 {
        s.push(Reply::reset());
    }
    let err = client(&s).get("/auth/").send().unwrap_err();
    assert!(matches!(err, ApiError::Network { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 30);
    assert_eq!(s.request_count(), 3);
    assert_eq!(
        err.headline(),
        format!(
            "Network error: unable to reach the Sentry API at {}",
            s.url()
        )
    );
}

#[test]
fn refused_connection_is_a_network_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = ClientConfig::new(format!("http://127.0.0.1:{port}"), "1");
    cfg.retry_base_delay = Duration::from_millis(1);
    let err = Client::new(cfg).unwrap().get("/").send().unwrap_err();
    assert!(matches!(err, ApiError::Network { .. }), "{err:?}");
    assert_eq!(err.details()[1], "Cause: connection refused");
}

// ---------------------------------------------------------------- bodies

#[test]
fn html_instead_of_json_is_explained() {
    let s = TestServer::start();
    s.push(Reply::html(
        200,
        "<!DOCTYPE html><html><body>Login</body></html>",
    ));
    let err = client(&s).get("/auth/").send_json::<Value>().unwrap_err();
    assert_eq!(err.exit_code(), 30);
    assert_eq!(
        err.message(),
        "Expected JSON from /auth/ but the server returned HTML (status 200).\n  The server returned an HTML page instead of JSON; a proxy, captive portal or a wrong Sentry URL is likely."
    );
    assert_eq!(
        err.hint().as_deref(),
        Some("Check the Sentry URL and your proxy settings.")
    );
}

#[test]
fn html_error_page_is_explained() {
    let s = TestServer::start();
    s.push(Reply::html(
        403,
        "<html><body>Forbidden by proxy</body></html>",
    ));
    let err = client(&s).get("/auth/").send().unwrap_err();
    assert_eq!(
        err.message(),
        "API request failed: 403 Forbidden\n  Endpoint: /auth/\n  The server returned an HTML page instead of JSON; a proxy, captive portal or a wrong Sentry URL is likely."
    );
    assert_eq!(
        err.hint(),
        Some(format!(
            "Check the Sentry URL ({}) and your proxy settings.",
            s.url()
        ))
    );
}

#[test]
fn invalid_json_is_explained() {
    let s = TestServer::start();
    s.push(Reply::json(200, "{not json"));
    let err = client(&s).get("/x/").send_json::<Value>().unwrap_err();
    assert!(
        err.message().starts_with(
            "Invalid response from /x/ (status 200).\n  The response is not valid JSON: "
        ),
        "{}",
        err.message()
    );
}

// ---------------------------------------------------------------- headers

#[test]
fn headers_arrive_exactly() {
    let s = TestServer::start();
    s.push(Reply::json(200, "{}"));
    let mut cfg = config(&s);
    cfg.pipeline = Some("sentry-vite-plugin/3.1.0".into());
    cfg.custom_headers = vec![
        ("X-IAP-Token".into(), "abc123".into()),
        ("X-Second".into(), "two".into()),
    ];
    let c = Client::new(cfg).unwrap();
    c.post("/organizations/acme/releases/")
        .json(&serde_json::json!({"version": "1.0"}))
        .unwrap()
        .send()
        .unwrap();
    let r = &s.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, "/api/0/organizations/acme/releases/");
    assert_eq!(r.header("x-iap-token"), Some("abc123"));
    assert_eq!(r.header("x-second"), Some("two"));
    assert_eq!(r.header("authorization"), Some(&*format!("Bearer {TOKEN}")));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body, br#"{"version":"1.0"}"#);
    let ua = sentry_api::user_agent("9.9.9", Some("sentry-vite-plugin/3.1.0"));
    assert_eq!(r.header("user-agent"), Some(ua.as_str()));
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    assert_eq!(
        ua,
        "sentry-cli/9.9.9 (linux-x64) rust sentry-vite-plugin/3.1.0"
    );
    assert_eq!(r.header(sentry_api::RETRY_MARKER_HEADER), None);
}

#[test]
fn get_has_no_content_type_and_query_is_encoded() {
    let s = TestServer::start();
    s.push(Reply::json(200, "[]"));
    client(&s)
        .get("/api/0/organizations/acme/issues/?collapse=stats")
        .query("query", "is:unresolved level:error")
        .query("collapse", "lifetime")
        .send()
        .unwrap();
    let r = &s.requests()[0];
    assert_eq!(
        r.target,
        "/api/0/organizations/acme/issues/?collapse=stats&query=is%3Aunresolved+level%3Aerror&collapse=lifetime"
    );
    assert_eq!(r.header("content-type"), None);
}

#[test]
fn without_token_custom_headers_go_only_to_the_base_url() {
    let s = TestServer::start();
    let other = TestServer::start();
    s.push(Reply::json(200, "{}"));
    other.push(Reply::json(200, "{}"));
    let mut cfg = config(&s);
    cfg.credential = None;
    cfg.custom_headers = vec![("X-IAP-Token".into(), "abc".into())];
    let client = Client::new(cfg).unwrap();
    client.get("/").send().unwrap();
    let r = &s.requests()[0];
    assert_eq!(r.header("authorization"), None);
    assert_eq!(
        r.header("x-iap-token"),
        Some("abc"),
        "with no token the configured URL is the anchor of the custom headers"
    );
    client
        .get(&format!("{}/api/0/x/", other.url()))
        .send()
        .unwrap();
    assert_eq!(
        other.requests()[0].header("x-iap-token"),
        None,
        "custom headers only go to trusted origins"
    );
}

// ---------------------------------------------------------------- redirects

#[test]
fn same_origin_redirect_keeps_the_token() {
    let s = TestServer::start();
    s.push(Reply::status(302).header("Location", "/api/0/moved/"))
        .push(Reply::json(200, r#"{"moved":true}"#));
    let v: Value = client(&s).get("/old/").send_json().unwrap();
    assert_eq!(v["moved"], true);
    let reqs = s.requests();
    assert_eq!(reqs[1].target, "/api/0/moved/");
    assert_eq!(
        reqs[1].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
}

#[test]
fn cross_origin_redirect_drops_token_and_custom_headers() {
    let a = TestServer::start();
    let b = TestServer::start();
    a.push(Reply::status(307).header("Location", &format!("{}/elsewhere/", b.url())));
    b.push(Reply::json(200, r#"{"from":"b"}"#));
    let mut cfg = config(&a);
    cfg.custom_headers = vec![("X-IAP-Token".into(), "abc".into())];
    let v: Value = Client::new(cfg).unwrap().get("/x/").send_json().unwrap();
    assert_eq!(v["from"], "b");
    assert_eq!(
        a.requests()[0].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    let rb = &b.requests()[0];
    assert_eq!(rb.target, "/elsewhere/");
    assert_eq!(rb.header("authorization"), None);
    assert_eq!(rb.header("x-iap-token"), None);
    assert!(rb
        .header("user-agent")
        .unwrap()
        .starts_with("sentry-cli/9.9.9 "));
}

#[test]
fn post_303_becomes_get_without_body() {
    let s = TestServer::start();
    s.push(Reply::status(303).header("Location", "/api/0/result/"))
        .push(Reply::json(200, "{}"));
    client(&s)
        .post("/x/")
        .json(&serde_json::json!({"a": 1}))
        .unwrap()
        .send()
        .unwrap();
    let r = &s.requests()[1];
    assert_eq!(r.method, "GET");
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-type"), None);
}

#[test]
fn no_redirects_returns_the_3xx_and_the_body_goes_nowhere_else() {
    let a = TestServer::start();
    let b = TestServer::start();
    a.push(Reply::status(307).header("Location", &format!("{}/stolen/", b.url())));
    let resp = client(&a)
        .post("/oauth/token/")
        .without_auth()
        .body(
            b"setup_code=secret".to_vec(),
            "application/x-www-form-urlencoded",
        )
        .no_redirects()
        .send_raw()
        .unwrap();
    assert_eq!(resp.status(), 307);
    assert_eq!(a.requests().len(), 1);
    assert!(b.requests().is_empty(), "the body was forwarded");
}

// ---------------------------------------------------------------- host scope

#[test]
fn host_scope_refusal_sends_nothing() {
    let trusted = TestServer::start();
    let other = TestServer::start();
    let c = client(&trusted);
    let err = c
        .get(&format!("{}/api/0/organizations/", other.url()))
        .send()
        .unwrap_err();
    assert_eq!(err.exit_code(), 13);
    assert_eq!(other.connection_count(), 0);
    assert_eq!(trusted.connection_count(), 0);
    assert_eq!(
        err.message(),
        format!(
            "Credentials: {}\nRefusing to route requests here because it doesn't match the host your Sentry credentials are for ({}).",
            other.url(),
            trusted.url()
        )
    );
    assert_eq!(
        err.hint(),
        Some(format!(
            "To use this host, run: sentry auth login --url {}",
            other.url()
        ))
    );
    // A request that opts out of auth may go anywhere.
    other.push(Reply::json(200, "{}"));
    c.get(&format!("{}/oauth/x/", other.url()))
        .without_auth()
        .send()
        .unwrap();
    assert_eq!(other.requests()[0].header("authorization"), None);
}

#[test]
fn region_urls_from_org_list_become_trusted() {
    let control = TestServer::start();
    let region = TestServer::start();
    control.push(Reply::json(
        200,
        &format!(
            r#"[{{"slug":"acme","links":{{"regionUrl":"{}"}}}},{{"slug":"solo"}}]"#,
            region.url()
        ),
    ));
    let c = client(&control);
    assert!(!c.is_trusted(&region.url()));
    let orgs = c.list_organizations().unwrap();
    assert_eq!(orgs.len(), 2);
    assert_eq!(
        control.requests()[0].target,
        "/api/0/organizations/?per_page=100"
    );
    assert!(c.is_trusted(&region.url()));
    region.push(Reply::json(200, "[]"));
    c.request_at("GET", &region.url(), "/organizations/acme/projects/")
        .send()
        .unwrap();
    assert_eq!(
        region.requests()[0].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
}

// ---------------------------------------------------------------- 401 refresh

struct Refresher {
    calls: AtomicUsize,
    seen: Mutex<Vec<String>>,
    new_token: Option<String>,
}

impl TokenRefresher for Refresher {
    fn refresh(&self, rejected: &str) -> Result<Option<String>, ApiError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.seen.lock().unwrap().push(rejected.to_string());
        Ok(self.new_token.clone())
    }
}

fn refresher(new_token: Option<&str>) -> Arc<Refresher> {
    Arc::new(Refresher {
        calls: AtomicUsize::new(0),
        seen: Mutex::new(Vec::new()),
        new_token: new_token.map(str::to_string),
    })
}

#[test]
fn unauthorized_refreshes_once_and_retries_with_marker() {
    let s = TestServer::start();
    s.push(Reply::json(401, r#"{"detail":"Invalid token"}"#))
        .push(Reply::json(200, r#"{"id":"42"}"#))
        .push(Reply::json(200, r#"{"id":"43"}"#));
    let r = refresher(Some("fresh_token"));
    let mut cfg = config(&s);
    cfg.refresher = Some(r.clone());
    let c = Client::new(cfg).unwrap();
    let v: Value = c.get("/auth/").send_json().unwrap();
    assert_eq!(v["id"], "42");
    assert_eq!(r.calls.load(Ordering::SeqCst), 1);
    assert_eq!(*r.seen.lock().unwrap(), vec![TOKEN.to_string()]);
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("authorization"), Some("Bearer fresh_token"));
    assert_eq!(reqs[1].header("x-sentry-cli-retry"), Some("1"));
    // Later requests use the new token without the marker.
    c.get("/auth/").send().unwrap();
    let third = &s.requests()[2];
    assert_eq!(third.header("authorization"), Some("Bearer fresh_token"));
    assert_eq!(third.header("x-sentry-cli-retry"), None);
}

#[test]
fn second_unauthorized_does_not_loop() {
    let s = TestServer::start();
    for _ in 0..4 {
        s.push(Reply::json(401, r#"{"detail":"Invalid token"}"#));
    }
    let r = refresher(Some("fresh_token"));
    let mut cfg = config(&s);
    cfg.refresher = Some(r.clone());
    let err = Client::new(cfg).unwrap().get("/auth/").send().unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.api_detail().as_deref(), Some("Invalid token"));
    assert_eq!(r.calls.load(Ordering::SeqCst), 1);
    assert_eq!(s.request_count(), 2);
}

#[test]
fn refresher_declining_returns_original_401() {
    let s = TestServer::start();
    s.push(Reply::json(401, r#"{"detail":"Invalid token"}"#));
    let r = refresher(None);
    let mut cfg = config(&s);
    cfg.refresher = Some(r.clone());
    let err = Client::new(cfg).unwrap().get("/auth/").send().unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(r.calls.load(Ordering::SeqCst), 1);
    assert_eq!(s.request_count(), 1);
}

#[test]
fn refresher_error_replaces_the_401() {
    struct Expired;
    impl TokenRefresher for Expired {
        fn refresh(&self, _: &str) -> Result<Option<String>, ApiError> {
            Err(ApiError::Auth {
                message:
                    "Session expired: invalid_grant. Run 'sentry auth login' to re-authenticate."
                        .into(),
                hint: None,
                exit_code: 11,
            })
        }
    }
    let s = TestServer::start();
    s.push(Reply::json(401, "{}"));
    let mut cfg = config(&s);
    cfg.refresher = Some(Arc::new(Expired));
    let err = Client::new(cfg).unwrap().get("/auth/").send().unwrap_err();
    assert_eq!(err.exit_code(), 11);
    assert!(err.message().starts_with("Session expired"));
}

// ---------------------------------------------------------------- proxy

#[test]
fn requests_go_through_the_proxy_with_credentials() {
    let s = TestServer::start();
    let p = TestProxy::start();
    s.push(Reply::json(200, r#"{"via":"proxy"}"#));
    let mut cfg = config(&s);
    cfg.route.proxy = Some(user(ProxyConfig {
        url: p.url(),
        username: Some("alice".into()),
        password: Some("s3cret:x".into()),
        no_proxy: Vec::new(),
    }));
    let v: Value = Client::new(cfg).unwrap().get("/x/").send_json().unwrap();
    assert_eq!(v["via"], "proxy");
    let seen = p.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "CONNECT");
    assert_eq!(seen[0].target, format!("127.0.0.1:{}", s.port()));
    // base64("alice:s3cret:x")
    assert_eq!(
        seen[0].header("proxy-authorization"),
        Some("Basic YWxpY2U6czNjcmV0Ong=")
    );
    assert_eq!(
        seen[0].header("authorization"),
        None,
        "the token stays inside the tunnel"
    );
    assert_eq!(
        s.requests()[0].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
}

#[test]
fn credentials_embedded_in_proxy_url_are_used() {
    let s = TestServer::start();
    let p = TestProxy::start();
    s.push(Reply::json(200, "{}"));
    let mut cfg = config(&s);
    cfg.route.proxy = Some(user(ProxyConfig {
        url: p.url().replace("http://", "http://bob:pw@"),
        ..Default::default()
    }));
    Client::new(cfg).unwrap().get("/x/").send().unwrap();
    assert_eq!(
        p.requests()[0].header("proxy-authorization"),
        Some("Basic Ym9iOnB3")
    );
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    let s = TestServer::start();
    let p = TestProxy::start();
    s.push(Reply::json(200, "{}"));
    let mut cfg = config(&s);
    cfg.route.proxy = Some(user(ProxyConfig {
        url: p.url(),
        no_proxy: vec!["example.com".into(), "127.0.0.1".into()],
        ..Default::default()
    }));
    Client::new(cfg).unwrap().get("/x/").send().unwrap();
    assert_eq!(p.requests().len(), 0);
    assert_eq!(s.request_count(), 1);
}

// ---------------------------------------------------------------- pagination

#[test]
fn paginate_follows_cursors_and_trims() {
    let s = TestServer::start();
    let link = |next: &str, results: bool| {
        format!(
            "<{0}/x/>; rel=\"previous\"; results=\"false\"; cursor=\"0:0:1\", <{0}/x/>; rel=\"next\"; results=\"{1}\"; cursor=\"{2}\"",
            s.url(),
            results,
            next
        )
    };
    let page = |from: usize, n: usize| {
        let items: Vec<String> = (from..from + n)
            .map(|i| format!(r#"{{"n":{i}}}"#))
            .collect();
        format!("[{}]", items.join(","))
    };
    s.push(Reply::json(200, &page(0, 100)).header("Link", &link("0:100:0", true)))
        .push(Reply::json(200, &page(100, 100)).header("Link", &link("0:200:0", true)))
        .push(Reply::json(200, &page(200, 100)).header("Link", &link("0:300:0", false)));
    let c = client(&s);
    let got = c
        .paginate::<Value>(
            "/organizations/acme/issues/",
            &[("query", "is:unresolved")],
            250,
            50,
        )
        .unwrap();
    assert_eq!(got.items.len(), 250);
    assert_eq!(got.items[249]["n"], 249);
    assert!(got.has_more);
    assert_eq!(got.next_cursor, None, "overshoot drops the cursor");
    assert_eq!(got.pages, 3);
    let targets: Vec<String> = s.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        vec![
            "/api/0/organizations/acme/issues/?query=is%3Aunresolved&per_page=100",
            "/api/0/organizations/acme/issues/?query=is%3Aunresolved&per_page=100&cursor=0%3A100%3A0",
            "/api/0/organizations/acme/issues/?query=is%3Aunresolved&per_page=100&cursor=0%3A200%3A0",
        ]
    );
}

#[test]
fn paginate_stops_at_page_cap_and_reports_cursor() {
    let s = TestServer::start();
    for i in 0..3 {
        s.push(Reply::json(200, r#"[{"n":1},{"n":2}]"#).header(
            "Link",
            &format!("<u>; rel=\"next\"; results=\"true\"; cursor=\"c{i}\""),
        ));
    }
    let got = client(&s).paginate::<Value>("/x/", &[], 100, 2).unwrap();
    assert_eq!(got.items.len(), 4);
    assert!(got.has_more && got.page_cap_hit);
    assert_eq!(got.next_cursor.as_deref(), Some("c1"));
    assert_eq!(s.request_count(), 2);
}

#[test]
fn paginate_exact_limit_keeps_cursor_and_small_limit_sets_per_page() {
    let s = TestServer::start();
    s.push(Reply::json(200, r#"[{"n":1},{"n":2}]"#).header(
        "Link",
        "<u>; rel=\"next\"; results=\"true\"; cursor=\"nxt\"",
    ));
    let got = client(&s)
        .paginate::<Value>("/x/", &[("cursor", "start")], 2, 50)
        .unwrap();
    assert_eq!(got.items.len(), 2);
    assert!(got.has_more && !got.page_cap_hit);
    assert_eq!(got.next_cursor.as_deref(), Some("nxt"));
    assert_eq!(s.requests()[0].target, "/api/0/x/?per_page=2&cursor=start");
}

// ---------------------------------------------------------------- typed calls + logging

#[test]
fn typed_calls_hit_the_right_paths() {
    let s = TestServer::start();
    s.push(Reply::json(
        200,
        r#"{"auth":{"scopes":["org:read"]},"user":{"id":"1"}}"#,
    ))
    .push(Reply::json(200, r#"{"id":"1","email":"jane@example.com"}"#))
    .push(Reply::json(
        200,
        r#"{"regions":[{"name":"us","url":"https://us.sentry.io"}]}"#,
    ))
    .push(Reply::json(
        200,
        r#"{"slug":"a/b","links":{"regionUrl":"https://de.sentry.io"}}"#,
    ));
    let c = client(&s);
    assert_eq!(c.get_root().unwrap()["auth"]["scopes"][0], "org:read");
    assert_eq!(c.get_auth().unwrap()["email"], "jane@example.com");
    let regions = c.user_regions().unwrap();
    assert_eq!(regions[0].url, "https://us.sentry.io");
    let org = c.get_organization("a/b").unwrap();
    assert_eq!(
        sentry_api::org_region_url(&org).as_deref(),
        Some("https://de.sentry.io")
    );
    let targets: Vec<String> = s.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        vec![
            "/api/0/",
            "/api/0/auth/",
            "/api/0/users/me/regions/",
            "/api/0/organizations/a%2Fb/"
        ]
    );
}

#[test]
fn logs_requests_without_the_token() {
    let s = TestServer::start();
    s.push(Reply::json(200, "{}"));
    let c = client(&s);
    c.get("/log-check/").send().unwrap();
    let lines = logs().0.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("[http] GET /api/0/log-check/ → 200 (") && l.ends_with("ms)")),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| !l.contains(TOKEN)), "{lines:?}");
}

#[test]
fn parallel_401s_refresh_only_once() {
    struct Slow(AtomicUsize);
    impl TokenRefresher for Slow {
        fn refresh(&self, _: &str) -> Result<Option<String>, ApiError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(300));
            Ok(Some("fresh_token".into()))
        }
    }
    let s = TestServer::start();
    s.push(Reply::json(401, "{}"))
        .push(Reply::json(401, "{}"))
        .push(Reply::json(200, "{}"))
        .push(Reply::json(200, "{}"));
    let r = Arc::new(Slow(AtomicUsize::new(0)));
    let mut cfg = config(&s);
    cfg.refresher = Some(r.clone());
    let c = Client::new(cfg).unwrap();
    std::thread::scope(|scope| {
        let a = scope.spawn(|| c.get("/a/").send().map(|r| r.status()));
        let b = scope.spawn(|| c.get("/b/").send().map(|r| r.status()));
        assert_eq!(a.join().unwrap().unwrap(), 200);
        assert_eq!(b.join().unwrap().unwrap(), 200);
    });
    assert_eq!(r.0.load(Ordering::SeqCst), 1);
    let reqs = s.requests();
    assert_eq!(reqs.len(), 4);
    for r in &reqs[2..] {
        assert_eq!(r.header("authorization"), Some("Bearer fresh_token"));
        assert_eq!(r.header("x-sentry-cli-retry"), Some("1"));
    }
}

#[test]
fn autofix_endpoints_get_a_longer_timeout() {
    let s = TestServer::start();
    s.push(Reply::json(200, "{}").delay(Duration::from_millis(600)))
        .push(Reply::json(200, "{}").delay(Duration::from_millis(600)));
    let mut cfg = config(&s);
    cfg.timeout = Duration::from_millis(200);
    cfg.max_retries = 0;
    let c = Client::new(cfg).unwrap();
    c.get("/organizations/acme/issues/1/autofix/")
        .send()
        .unwrap();
    let err = c.get("/organizations/acme/issues/1/").send().unwrap_err();
    assert_eq!(err.exit_code(), 31);
}
