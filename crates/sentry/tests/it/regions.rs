//! Multi-region routing with three local servers: a control silo whose org list points each
//! org at its own region server (via the test-only `/_test/org-regions` rewrite), and two
//! region servers that hold the orgs' data.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};
use sentry_local::{RunningServer, ServerConfig};
use serde_json::Value;

/// A minimal HTTP/1.1 request (the tests have no HTTP client of their own).
fn http(base: &str, method: &str, path: &str, body: &str) -> String {
    let host = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn request_paths(server: &RunningServer) -> Vec<String> {
    let raw = http(&server.url, "GET", "/_test/requests", "");
    let body = &raw[raw.find("\r\n\r\n").unwrap() + 4..];
    // Chunked or plain: find the JSON array.
    let start = body.find('[').unwrap();
    let end = body.rfind(']').unwrap();
    let v: Value = serde_json::from_str(&body[start..=end]).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn rename_org(server: &RunningServer, slug: &str, token: &str) {
    server.state.db.with(|c| {
        c.execute(
            "UPDATE organizations SET slug = ?1, name = ?1 WHERE slug = 'local'",
            [slug],
        )
        .unwrap();
        c.execute(
            "UPDATE api_tokens SET token = ?1 WHERE kind = 'user'",
            [token],
        )
        .unwrap();
    });
}

struct Regions {
    env: TestEnv,
    us: RunningServer,
    de: RunningServer,
}

fn setup() -> Regions {
    let env = TestEnv::with_server();
    let token = env.token();
    let us = sentry_local::start(ServerConfig::for_tests()).unwrap();
    let de = sentry_local::start(ServerConfig::for_tests()).unwrap();
    rename_org(&us, "us-org", &token);
    rename_org(&de, "de-org", &token);
    let control = env.server();
    control.state.db.with(|c| {
        c.execute("UPDATE organizations SET slug = 'us-org', name = 'us-org' WHERE slug = 'local'", []).unwrap();
        c.execute(
            "INSERT INTO organizations (slug, name, date_created) VALUES ('de-org', 'de-org', '2026-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
    });
    let map = format!("{{\"us-org\": \"{}\", \"de-org\": \"{}\"}}", us.url, de.url);
    let resp = http(&control.url, "PUT", "/_test/org-regions", &map);
    assert!(resp.starts_with("HTTP/1.1 204"), "{resp}");
    for (server, n) in [(&us, "1"), (&de, "2")] {
        let out = env
            .cmd()
            .args([
                "local",
                "demo-events",
                "--dsn",
                &server.dsn(),
                "--distinct",
                n,
            ])
            .output()
            .unwrap();
        assert_success(&out);
    }
    std::thread::sleep(Duration::from_millis(300));
    Regions { env, us, de }
}

fn issues(r: &Regions, org: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = r
            .env
            .api_cmd()
            .args(["issue", "list", &format!("{org}/"), "--json"])
            .output()
            .unwrap();
        assert_success(&out);
        let v = stdout_json(&out);
        if !v["data"].as_array().unwrap().is_empty() || Instant::now() > deadline {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn org_list_fills_regions_and_requests_go_to_each_orgs_region() {
    let r = setup();
    let out = r
        .env
        .api_cmd()
        .args(["org", "list", "--json"])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    let regions: Vec<(String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["slug"].as_str().unwrap().into(),
                o["links"]["regionUrl"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        regions,
        vec![
            ("de-org".to_string(), r.de.url.clone()),
            ("us-org".to_string(), r.us.url.clone())
        ]
    );
    let human = text(
        &r.env
            .api_cmd()
            .args(["org", "list"])
            .output()
            .unwrap()
            .stdout,
    );
    assert!(human.contains("REGION"), "{human}");

    let store = sentry_store::Store::open(&r.env.config_dir()).unwrap();
    assert_eq!(
        store
            .all_org_regions()
            .unwrap()
            .into_iter()
            .find(|r| r.org_slug == "de-org")
            .unwrap()
            .region_url,
        r.de.url
    );
    drop(store);

    // Region data comes from the region servers; the control silo never sees issue requests.
    assert_eq!(issues(&r, "de-org")["data"].as_array().unwrap().len(), 2);
    assert_eq!(issues(&r, "us-org")["data"].as_array().unwrap().len(), 1);
    let control_paths = request_paths(r.env.server());
    assert!(
        control_paths.iter().all(|p| !p.contains("/issues/")),
        "{control_paths:?}"
    );
    assert!(request_paths(&r.de)
        .iter()
        .any(|p| p == "/api/0/organizations/de-org/issues/"));
    // Cached regions: no probe of the control silo after `org list` (cli.db recorded that the
    // token's own host named them).
    assert!(
        !control_paths
            .iter()
            .any(|p| p == "/api/0/organizations/de-org/"),
        "{control_paths:?}"
    );
}

#[test]
fn unknown_region_is_probed_once_then_cached() {
    let r = setup();
    // Fresh config dir: no org list, so the first org-scoped command probes the control silo.
    assert_eq!(issues(&r, "us-org")["data"].as_array().unwrap().len(), 1);
    let probes = request_paths(r.env.server())
        .iter()
        .filter(|p| *p == "/api/0/organizations/us-org/")
        .count();
    assert_eq!(probes, 1);
    let _ = issues(&r, "us-org");
    let probes_after = request_paths(r.env.server())
        .iter()
        .filter(|p| *p == "/api/0/organizations/us-org/")
        .count();
    assert_eq!(probes_after, 1, "the region is cached in cli.db");
    assert!(request_paths(&r.us)
        .iter()
        .any(|p| p == "/api/0/organizations/us-org/issues/"));
}

#[test]
fn self_hosted_probe_failure_falls_back_to_the_base_url() {
    let env = TestEnv::with_server();
    // An org the server does not know: the probe 404s, the request still goes to the base URL
    // and its own 404 is reported as an API error (exit 30), not a crash or a fan-out.
    let out = env
        .api_cmd()
        .args(["issue", "list", "nope/"])
        .output()
        .unwrap();
    assert_exit(&out, 30);
    let paths = request_paths(env.server());
    assert_eq!(
        paths,
        vec![
            "/api/0/organizations/nope/".to_string(),
            "/api/0/organizations/nope/issues/".to_string()
        ]
    );
}
