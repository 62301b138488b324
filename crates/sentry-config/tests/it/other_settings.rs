//! Proxy, TLS, retries, CA files, log level, output mode and the smaller keys.

use std::ops::Deref;
use std::path::{Path, PathBuf};

use sentry_config::{resolve, ColorMode, ConfigError, Inputs, LogLevel, Settings};

/// Environment variables of one table row.
type Env = &'static [(&'static str, &'static str)];

/// A temp root that is removed when the test ends.
struct Root(tempfile::TempDir);

impl Deref for Root {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

/// Resolves with `{root}/home/work` as cwd and an optional project `.sentryclirc` there.
fn run(
    rc: Option<&str>,
    env: &[(&str, &str)],
    tweak: impl FnOnce(&mut Inputs),
) -> (Result<Settings, ConfigError>, Root) {
    let root = Root(tempfile::tempdir().unwrap());
    let cwd = root.join("home/work");
    std::fs::create_dir_all(&cwd).unwrap();
    if let Some(rc) = rc {
        std::fs::write(cwd.join(".sentryclirc"), rc).unwrap();
    }
    let mut inputs = Inputs {
        cwd,
        home: Some(root.join("home")),
        env: env
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    v.replace("{root}", &root.display().to_string()),
                )
            })
            .collect(),
        ..Inputs::default()
    };
    tweak(&mut inputs);
    let r = resolve(&inputs);
    (r, root)
}

fn ok(rc: Option<&str>, env: &[(&str, &str)]) -> (Settings, Root) {
    let (r, root) = run(rc, env, |_| {});
    (r.unwrap(), root)
}

fn val<T: Clone>(s: &Option<sentry_config::Setting<T>>) -> Option<(T, String)> {
    s.as_ref().map(|s| (s.value.clone(), s.origin.to_string()))
}

#[test]
fn proxy_selection() {
    let rc = "[http]\nproxy_url = http://ini-proxy:3128\nproxy_username = u\nproxy_password = p\n";
    let rows: &[(Env, &str, &str)] = &[
        (&[], "http://ini-proxy:3128", "{rc}:2"),
        (
            &[("HTTPS_PROXY", "http://upper:1")],
            "http://upper:1",
            "env HTTPS_PROXY",
        ),
        (
            &[
                ("HTTPS_PROXY", "http://upper:1"),
                ("https_proxy", "http://lower:1"),
            ],
            "http://lower:1",
            "env https_proxy",
        ),
        (
            &[
                ("ALL_PROXY", "socks5://all:1"),
                ("http_proxy", "http://h:1"),
            ],
            "socks5://all:1",
            "env ALL_PROXY",
        ),
        // sentry-cli applies lowercase http_proxy to every request, over the INI value.
        (
            &[("http_proxy", "http://h:1")],
            "http://h:1",
            "env http_proxy",
        ),
        (
            &[("HTTP_PROXY", "http://H:1")],
            "http://ini-proxy:3128",
            "{rc}:2",
        ),
        (
            &[
                ("HTTP_PROXY", "http://H:1"),
                ("SENTRY_URL", "http://self.example"),
            ],
            "http://H:1",
            "env HTTP_PROXY",
        ),
        (
            &[
                ("HTTPS_PROXY", "http://s:1"),
                ("SENTRY_URL", "http://self.example"),
            ],
            "http://ini-proxy:3128",
            "{rc}:2",
        ),
        (&[("HTTPS_PROXY", "")], "http://ini-proxy:3128", "{rc}:2"),
    ];
    for (env, want, origin) in rows {
        let (s, root) = ok(Some(rc), env);
        let rc_path = root.join("home/work/.sentryclirc").display().to_string();
        assert_eq!(
            val(&s.proxy_url),
            Some((want.to_string(), origin.replace("{rc}", &rc_path))),
            "{env:?}"
        );
        assert_eq!(
            val(&s.proxy_username),
            Some(("u".to_string(), format!("{rc_path}:3")))
        );
        assert_eq!(
            val(&s.proxy_password),
            Some(("p".to_string(), format!("{rc_path}:4")))
        );
    }
    let (s, _) = ok(None, &[("NO_PROXY", "a.example, .b.example,,*.c")]);
    assert_eq!(
        val(&s.no_proxy),
        Some((
            vec!["a.example".into(), ".b.example".into(), "*.c".into()],
            "env NO_PROXY".into()
        ))
    );
    let (s, _) = ok(None, &[("NO_PROXY", "upper"), ("no_proxy", "lower")]);
    assert_eq!(
        val(&s.no_proxy),
        Some((vec!["lower".into()], "env no_proxy".into()))
    );
    let (s, _) = ok(None, &[]);
    assert_eq!((s.proxy_url, s.no_proxy), (None, None));
}

#[test]
fn tls_keepalive_and_retries() {
    let (s, root) = ok(Some("[http]\nverify_ssl = FALSE\ncheck_ssl_revoke = false\nkeepalive = yes\nmax_retries = 3\n"), &[]);
    let rc = root.join("home/work/.sentryclirc").display().to_string();
    assert!(!s.verify_ssl.value);
    assert_eq!(s.verify_ssl.origin.to_string(), format!("{rc}:2"));
    assert_eq!(
        s.warnings,
        vec![format!(
            "TLS certificate verification is disabled ([http] verify_ssl = false at {rc}:2). Connections can be intercepted; prefer [http] ca_cert for a private CA."
        )]
    );
    assert!(!s.check_ssl_revoke.value);
    assert!(
        !s.keepalive.value,
        "only the literal 'true' enables keepalive"
    );
    assert_eq!(
        (s.max_retries.value, s.max_retries.origin.to_string()),
        (3, format!("{rc}:5"))
    );

    let (s, _) = ok(
        Some("[http]\nverify_ssl = no\nmax_retries = 3\n"),
        &[("SENTRY_HTTP_MAX_RETRIES", "lots")],
    );
    assert!(s.verify_ssl.value);
    assert_eq!(s.max_retries.value, 3, "invalid env falls back to the file");
    assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
    assert!(s.warnings[0].ends_with(
        "[http] verify_ssl = 'no' is not true or false; certificate verification stays on"
    ));
    assert_eq!(
        s.warnings[1],
        "Ignoring invalid SENTRY_HTTP_MAX_RETRIES environment variable (env SENTRY_HTTP_MAX_RETRIES): invalid digit found in string"
    );

    let (s, _) = ok(None, &[("SENTRY_HTTP_MAX_RETRIES", "0")]);
    assert_eq!(
        (s.max_retries.value, s.max_retries.origin.to_string()),
        (0, "env SENTRY_HTTP_MAX_RETRIES".into())
    );
    let (s, _) = ok(None, &[]);
    assert_eq!(
        (s.max_retries.value, s.max_retries.origin.to_string()),
        (5, "default".into())
    );
    assert!(s.verify_ssl.value && s.check_ssl_revoke.value && s.keepalive.value);
    let (s, _) = ok(None, &[("SENTRY_URL", "http://local:9000")]);
    assert!(!s.keepalive.value, "keepalive defaults off for http://");
}

#[test]
fn ca_certs_from_every_source() {
    let (r, root) = run(
        Some("[http]\nca_cert = certs/corp.pem\n"),
        &[("SSL_CERT_FILE", "/etc/ssl/bundle.pem")],
        |i| {
            i.cli_defaults
                .insert("defaults.ca-cert".into(), "/opt/ca.pem".into());
        },
    );
    let s = r.unwrap();
    let got: Vec<(PathBuf, String)> = s
        .ca_certs
        .iter()
        .map(|c| (c.value.clone(), c.origin.to_string()))
        .collect();
    let rc = root.join("home/work/.sentryclirc");
    assert_eq!(
        got,
        vec![
            (
                root.join("home/work/certs/corp.pem"),
                format!("{}:2", rc.display())
            ),
            (
                PathBuf::from("/etc/ssl/bundle.pem"),
                "env SSL_CERT_FILE".into()
            ),
            (PathBuf::from("/opt/ca.pem"), "cli defaults ca-cert".into()),
        ]
    );
    let (s, root) = ok(
        Some("[http]\nca_cert = ~/ca.pem\n"),
        &[("SSL_CERT_FILE", "{root}/home/ca.pem")],
    );
    assert_eq!(s.ca_certs.len(), 1, "duplicates collapse");
    assert_eq!(s.ca_certs[0].value, root.join("home/ca.pem"));
}

#[test]
fn log_level() {
    let (s, root) = ok(
        Some("[log]\nlevel = debug\n"),
        &[("SENTRY_LOG_LEVEL", "LOG")],
    );
    assert_eq!(
        (s.log_level.value, s.log_level.origin.to_string()),
        (LogLevel::Info, "env SENTRY_LOG_LEVEL".into())
    );
    let (s, _) = ok(
        Some("[log]\nlevel = debug\n"),
        &[("SENTRY_LOG_LEVEL", "loud")],
    );
    assert_eq!(
        s.log_level.value,
        LogLevel::Debug,
        "invalid env falls back to the file"
    );
    assert_eq!(
        s.warnings,
        vec!["Ignoring invalid log level 'loud' from env SENTRY_LOG_LEVEL. Valid levels: error, warn, log, info, debug, trace, off."]
    );
    let _ = root;
    let (s, _) = ok(None, &[]);
    assert_eq!(
        (s.log_level.value, s.log_level.origin.to_string()),
        (LogLevel::Warn, "default".into())
    );
    let (r, _) = run(None, &[], |i| i.flags.log_level = Some("Trace".into()));
    assert_eq!(r.unwrap().log_level.value, LogLevel::Trace);
    let (r, _) = run(None, &[], |i| i.flags.log_level = Some("nope".into()));
    let e = r.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid log level 'nope' from flag --log-level. Valid levels: error, warn, log, info, debug, trace, off."
    );
    assert_eq!(e.exit_code(), 21);
}

#[test]
fn color_and_json_output() {
    let rows: &[(Env, bool, ColorMode, &str)] = &[
        (&[], true, ColorMode::Rich, "default"),
        (&[], false, ColorMode::Plain, "default"),
        (
            &[("SENTRY_PLAIN_OUTPUT", "1")],
            true,
            ColorMode::Plain,
            "env SENTRY_PLAIN_OUTPUT",
        ),
        (
            &[("SENTRY_PLAIN_OUTPUT", "false"), ("NO_COLOR", "1")],
            false,
            ColorMode::Rich,
            "env SENTRY_PLAIN_OUTPUT",
        ),
        (
            &[("SENTRY_PLAIN_OUTPUT", "")],
            false,
            ColorMode::Rich,
            "env SENTRY_PLAIN_OUTPUT",
        ),
        (
            &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")],
            true,
            ColorMode::Plain,
            "env NO_COLOR",
        ),
        (&[("NO_COLOR", "")], true, ColorMode::Rich, "default"),
        (
            &[("FORCE_COLOR", "0")],
            true,
            ColorMode::Plain,
            "env FORCE_COLOR",
        ),
        (
            &[("FORCE_COLOR", "1")],
            true,
            ColorMode::Rich,
            "env FORCE_COLOR",
        ),
        (&[("FORCE_COLOR", "1")], false, ColorMode::Plain, "default"),
    ];
    for (env, tty, mode, origin) in rows {
        let (r, _) = run(None, env, |i| i.stdout_is_tty = *tty);
        let s = r.unwrap();
        assert_eq!(
            (s.color.value, s.color.origin.to_string()),
            (*mode, origin.to_string()),
            "{env:?} tty={tty}"
        );
    }
    let (s, _) = ok(None, &[("SENTRY_OUTPUT_FORMAT", "JSON")]);
    assert!(s.json_output.value);
    let (s, _) = ok(None, &[("SENTRY_OUTPUT_FORMAT", "table")]);
    assert!(!s.json_output.value);
}

#[test]
fn smaller_keys() {
    let rc = "[auth]\ndsn = https://k@o1.ingest.example/1\n[defaults]\nvcs_remote = upstream\npipeline = webpack-plugin/2\n[update]\ndisable_check = true\n[device]\nfamily = rc-family\n[dsym]\nmax_item_size = 10\n[dif]\nmax_upload_size = 99\n";
    let (s, root) = ok(
        Some(rc),
        &[
            ("SENTRY_DSN", "https://env@o1.ingest.example/2"),
            ("SENTRY_CLIENT_ID", "my-client"),
            ("DEVICE_MODEL", "pixel"),
            ("SENTRYCLI_NO_PROGRESS_BAR", "1"),
            ("SENTRY_CONFIG_DIR", "{root}/cfg"),
            ("SENTRY_RELEASE", "1.2.3"),
        ],
    );
    let rc_path = root.join("home/work/.sentryclirc").display().to_string();
    assert_eq!(
        val(&s.dsn),
        Some((
            "https://env@o1.ingest.example/2".into(),
            "env SENTRY_DSN".into()
        ))
    );
    assert_eq!(
        (s.vcs_remote.value.as_str(), s.vcs_remote.origin.to_string()),
        ("upstream", format!("{rc_path}:4"))
    );
    assert_eq!(
        val(&s.pipeline),
        Some(("webpack-plugin/2".into(), format!("{rc_path}:5")))
    );
    assert_eq!(
        val(&s.client_id),
        Some(("my-client".into(), "env SENTRY_CLIENT_ID".into()))
    );
    assert_eq!(
        val(&s.device_family),
        Some(("rc-family".into(), format!("{rc_path}:9")))
    );
    assert_eq!(
        val(&s.device_model),
        Some(("pixel".into(), "env DEVICE_MODEL".into()))
    );
    assert!(s.disable_update_check.value);
    assert!(s.no_progress_bar.value);
    assert_eq!(
        (
            s.dif_max_item_size.value,
            s.dif_max_item_size.origin.to_string()
        ),
        (10, format!("{rc_path}:11"))
    );
    assert_eq!(
        val(&s.dif_max_upload_size),
        Some((99, format!("{rc_path}:13")))
    );
    assert_eq!(s.config_dir.value, root.join("cfg"));
    assert_eq!(s.config_dir.origin.to_string(), "env SENTRY_CONFIG_DIR");
    assert_eq!(s.config_files, vec![root.join("home/work/.sentryclirc")]);
    assert_eq!(
        s.env_var("SENTRY_RELEASE").map(|v| v.value.as_str()),
        Some("1.2.3")
    );
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);

    let (s, root) = ok(None, &[]);
    assert_eq!(
        (s.vcs_remote.value.as_str(), s.vcs_remote.origin.to_string()),
        ("origin", "default".into())
    );
    assert_eq!(s.dif_max_item_size.value, 1_048_576);
    assert!(!s.disable_update_check.value && !s.no_progress_bar.value);
    assert_eq!(s.config_dir.value, root.join("home/.sentry"));
    assert!(s
        .entries()
        .iter()
        .any(|e| e.key == "config_dir" && e.origin.to_string() == "default"));
}

#[test]
fn properties_directory_is_an_error() {
    let (r, root) = run(None, &[("SENTRY_PROPERTIES", "{root}")], |_| {});
    let e = r.unwrap_err();
    assert!(
        matches!(&e, ConfigError::Io { path, .. } if path.as_path() == &*root),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("Could not load java style properties file"),
        "{e}"
    );
}

#[test]
fn setup_code_comes_from_the_process_environment_only() {
    let (s, _root) = ok(None, &[("SENTRY_SETUP_CODE", "  sntryc_abc_def \n")]);
    assert_eq!(
        val(&s.setup_code),
        Some(("sntryc_abc_def".into(), "env SENTRY_SETUP_CODE".into()))
    );
    // A secret: not listed, not in Debug.
    assert!(!s.entries().iter().any(|e| e.value.contains("sntryc_")));
    assert!(!format!("{s:?}").contains("sntryc_"));

    let (s, _root) = ok(None, &[("SENTRY_SETUP_CODE", "   ")]);
    assert_eq!(val(&s.setup_code), None);

    // A project `.env` does not supply it (it would pick the instance to log in to).
    let (r, _root) = run(None, &[], |i| {
        std::fs::write(i.cwd.join(".env"), "SENTRY_SETUP_CODE=sntryc_from_dotenv\n").unwrap();
    });
    let s = r.unwrap();
    assert_eq!(val(&s.setup_code), None);
    assert_eq!(
        s.env_var("SENTRY_SETUP_CODE").map(|v| v.value.as_str()),
        Some("sntryc_from_dotenv"),
        "the .env file was read"
    );
}
