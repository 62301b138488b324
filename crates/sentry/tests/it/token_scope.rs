//! The token rule end to end (`sentry_api::scope`, decisions.md #3 and #13): a token goes only
//! to the host it belongs to. The "other host" is a second local server on 127.0.0.2 that
//! records every request reaching it, so each test proves what was (not) sent there.

use crate::auth_support::{get_json, requests, store};
use crate::common::{assert_contains, assert_not_contains, run, TestEnv};
use sentry_local::{RunningServer, ServerConfig};
use serde_json::Value;

/// A recording server on another loopback address: "a host the token must not reach".
fn other_host() -> RunningServer {
    sentry_local::start(ServerConfig {
        host: "127.0.0.2".into(),
        ..ServerConfig::for_tests()
    })
    .expect("start a server on 127.0.0.2 (loopback alias)")
}

/// What the other host received (`/_test/requests`; authorization values are masked).
fn received(server: &RunningServer) -> Vec<Value> {
    let c =
        sentry_api::Client::new(sentry_api::ClientConfig::new(server.url.clone(), "t")).unwrap();
    let v: Value = c
        .request("GET", &format!("{}/_test/requests", server.url))
        .without_auth()
        .send_json()
        .unwrap();
    v.as_array().unwrap().clone()
}

/// Item 1: a stored login never follows a URL that names another host, whichever source
/// names it, for every command that routes requests (the region lookup used to trust the
/// host after its own refusal).
#[test]
fn stored_login_is_never_sent_to_another_host() {
    let env = TestEnv::with_server();
    let evil = other_host();
    env.login();
    let commands: &[&[&str]] = &[
        &["issue", "list", "local/"],
        &["org", "view", "local"],
        &["project", "list", "local/"],
        &["team", "list", "local/"],
        &["repo", "list", "local/"],
        &["org", "list"],
        &["api", "organizations/"],
    ];
    let rc = env.home().join(".sentryclirc");
    for source in ["SENTRY_URL", "--url", "~/.sentryclirc"] {
        for args in commands {
            let mut cmd = env.cmd();
            match source {
                "SENTRY_URL" => {
                    cmd.env("SENTRY_URL", &evil.url);
                }
                "--url" => {
                    cmd.args(["--url", &evil.url]);
                }
                _ => std::fs::write(&rc, format!("[defaults]\nurl = {}\n", evil.url)).unwrap(),
            }
            let (code, out, err) = run(cmd.args(*args));
            assert_eq!((code, out.as_str()), (13, ""), "{source} {args:?}: {err}");
            let label = if source == "~/.sentryclirc" {
                format!("{}:2", rc.display())
            } else {
                source.to_string()
            };
            assert!(
                err.starts_with(&format!(
                    "Error: Credentials: {} (from {label})\nRefusing to route requests here because it doesn't match the host your Sentry credentials are for ({}).",
                    evil.url,
                    env.url()
                )),
                "{source} {args:?}: {err}"
            );
            let _ = std::fs::remove_file(&rc);
        }
    }
    assert_eq!(received(&evil), Vec::<Value>::new());
}

/// Item 1, regions: a cached `org_regions` row pointing at another host (left by an earlier
/// login elsewhere) is not trusted; the control silo is asked again and the token stays home.
#[test]
fn cached_region_on_another_host_is_not_trusted() {
    let env = TestEnv::with_server();
    let evil = other_host();
    env.login();
    let s = store(&env);
    let token = s.auth().unwrap().unwrap().token;
    s.upsert_org_regions(&[sentry_store::OrgRegion {
        org_slug: "local".into(),
        org_id: None,
        org_name: None,
        org_role: None,
        region_url: evil.url.clone(),
        updated_at: 0,
        // Cached for this login asking this server, but named by a server this login
        // never trusted.
        credential_identity: s.credential_identity_for_token(token.as_deref()),
        account_id: None,
        source_origin: env.url(),
        response_origin: evil.url.clone(),
    }])
    .unwrap();
    let (code, _, err) = run(env.cmd().args(["issue", "list", "local/", "--json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(received(&evil), Vec::<Value>::new());
    let paths: Vec<String> = requests(&env)
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .filter(|p| p.starts_with("/api/0/organizations/"))
        .collect();
    assert_eq!(
        paths,
        [
            "/api/0/organizations/local/",
            "/api/0/organizations/local/issues/"
        ]
    );
}

/// Item 2: a token from the user's files, a `.env` or a properties file never goes to a URL
/// that only a (different) project file names; 0.49 refuses, so do we (exit 13).
#[test]
fn project_file_url_cannot_take_a_token_from_elsewhere() {
    let env = TestEnv::with_server();
    let evil = other_host();
    let project_rc = env.write(
        "work/.sentryclirc",
        &format!("[defaults]\nurl = {}\n", evil.url),
    );
    type Setup<'a> = Box<dyn Fn(&mut assert_cmd::Command) + 'a>;
    let cases: Vec<(&str, Setup)> = vec![
        (
            "~/.sentryclirc token",
            Box::new(|_: &mut assert_cmd::Command| {
                std::fs::write(
                    env.home().join(".sentryclirc"),
                    format!("[auth]\ntoken = {}\n", env.token()),
                )
                .unwrap();
            }),
        ),
        (
            ".env token",
            Box::new(|_: &mut assert_cmd::Command| {
                std::fs::write(
                    env.work().join(".env"),
                    format!("SENTRY_AUTH_TOKEN={}\n", env.token()),
                )
                .unwrap();
            }),
        ),
        (
            "properties token",
            Box::new(|cmd: &mut assert_cmd::Command| {
                std::fs::write(
                    env.work().join("sentry.properties"),
                    format!("auth.token={}\n", env.token()),
                )
                .unwrap();
                cmd.env("SENTRY_PROPERTIES", "sentry.properties");
            }),
        ),
        (
            "SENTRY_AUTH_TOKEN",
            Box::new(|cmd: &mut assert_cmd::Command| {
                cmd.env("SENTRY_AUTH_TOKEN", env.token());
            }),
        ),
    ];
    for (name, setup) in &cases {
        let mut cmd = env.cmd();
        setup(&mut cmd);
        let (code, out, err) = run(cmd.args(["org", "list"]));
        assert_eq!((code, out.as_str()), (13, ""), "{name}: {err}");
        assert_eq!(
            err,
            format!(
                "Error: Config at {}: {}\nRefusing to route requests here because it doesn't match the host your Sentry credentials are for (https://sentry.io).\n\nTo use this host, run: sentry auth login --url {}\nTo keep using your current credentials, remove this URL override.\n",
                project_rc.display(),
                evil.url,
                evil.url
            ),
            "{name}"
        );
        for f in [".env", "sentry.properties"] {
            let _ = std::fs::remove_file(env.work().join(f));
        }
        let _ = std::fs::remove_file(env.home().join(".sentryclirc"));
    }
    assert_eq!(received(&evil), Vec::<Value>::new());

    // The URL from the user's own level takes the user's token; a project file's token and
    // URL from that same file go together.
    let (code, _, err) = run(env
        .cmd()
        .env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", env.token())
        .args(["org", "list", "--json"]));
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        &project_rc,
        format!(
            "[defaults]\nurl = {}\n[auth]\ntoken = {}\n",
            evil.url,
            evil.token()
        ),
    )
    .unwrap();
    let (code, _, err) = run(env.cmd().args(["org", "list", "--json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(received(&evil).len(), 1);
}

/// Item 3: a project file cannot route the user's token through its own proxy, turn TLS
/// verification off or add a CA — unless the user's own configuration says the same.
#[test]
fn project_connection_settings_are_refused_for_a_token_from_elsewhere() {
    let env = TestEnv::with_server();
    let proxy = other_host();
    let ca = env.write("work/ca.pem", "not used\n");
    let settings = [
        (
            format!("[http]\nproxy_url = {}\n", proxy.url),
            format!("proxy {}", proxy.url),
        ),
        (
            "[http]\nverify_ssl = false\n".to_string(),
            "TLS certificate verification turned off (verify_ssl = false)".to_string(),
        ),
        (
            "[http]\nca_cert = ca.pem\n".to_string(),
            format!("extra CA certificate {}", ca.display()),
        ),
    ];
    let rc = env.work().join(".sentryclirc");
    for (contents, described) in &settings {
        std::fs::write(&rc, contents).unwrap();
        let (code, out, err) = run(env.api_cmd().args(["org", "list"]));
        assert_eq!((code, out.as_str()), (13, ""), "{contents}: {err}");
        // (verify_ssl = false also warns first.)
        let error = &err[err.find("Error: ").unwrap_or(0)..];
        assert!(
            error.starts_with(&format!(
                "Error: Config at {}:2: {described}\nRefusing to send your Sentry credentials (SENTRY_AUTH_TOKEN) through a connection setting that only a project config file sets.\n\nTo use it, set the same value in your own configuration", rc.display()
            )),
            "{contents}: {err}"
        );
    }
    assert_eq!(received(&proxy), Vec::<Value>::new());

    // The same proxy in the user's own ~/.sentryclirc makes it the user's choice.
    std::fs::write(&rc, &settings[0].0).unwrap();
    std::fs::write(env.home().join(".sentryclirc"), &settings[0].0).unwrap();
    // (The recording server is no proxy: the CONNECT fails, and says so at once.)
    let (code, _, err) = run(env.api_cmd().args(["org", "list"]));
    assert_eq!(code, 30, "{err}");
    assert!(
        err.starts_with(&format!(
            "Error: Network error: unable to reach the Sentry API at {}\n  Endpoint: /organizations/\n  Cause: proxy connection failed: proxy server responded 404",
            env.url()
        )),
        "{err}"
    );
}

/// Item 4: a password typed into a URL never appears in a message or a log line.
#[test]
fn passwords_in_urls_are_never_printed() {
    let env = TestEnv::with_server();
    let (code, _, err) =
        run(env
            .cmd()
            .args(["--url", "http://user:hunter2@127.0.0.1:9/", "org", "list"]));
    assert_eq!(code, 21, "{err}");
    assert_not_contains(&err, "hunter2");
    assert_contains(&err, "http://***@127.0.0.1:9/");
    let (code, _, err) = run(env
        .api_cmd()
        .env("SENTRY_URL", "http://user:hunter2@127.0.0.1:9")
        .args(["api", "organizations/", "--log-level", "debug"]));
    assert_eq!(code, 20, "{err}");
    assert_not_contains(&err, "hunter2");
    // A proxy with credentials that cannot be reached, with debug logging on.
    let (code, _, err) = run(env
        .api_cmd()
        .env("HTTP_PROXY", "http://proxyuser:hunter2@127.0.0.1:9")
        .args(["org", "list", "--log-level", "debug"]));
    assert_ne!(code, 0);
    assert_not_contains(&err, "hunter2");
    let (_, out, _) = run(env
        .cmd()
        .env("HTTP_PROXY", "http://proxyuser:hunter2@127.0.0.1:9")
        .args(["config", "list", "--json"]));
    assert_not_contains(&out, "hunter2");
}

/// Item 8: `--url ''` is a usage error, never a silent fall-back to sentry.io with the token.
#[test]
fn empty_url_flag_is_a_usage_error() {
    let env = TestEnv::with_server();
    env.login();
    for args in [
        &["--url", "", "org", "list"][..],
        &["org", "list", "--url="],
        &["--auth-token", " ", "org", "list"],
    ] {
        let (code, out, err) = run(env.cmd().args(args));
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}: {err}");
        let flag = if args.contains(&"--auth-token") {
            "auth-token"
        } else {
            "url"
        };
        assert_eq!(
            err,
            format!("Error: Failed to parse \"\" for {flag}: --{flag} cannot be empty\n")
        );
    }
    // Only the login's own requests reached the server.
    assert!(get_json(&env, "/_test/requests")
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["path"] != "/api/0/organizations/"));
}
