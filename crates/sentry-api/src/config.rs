//! What the binary hands the pipeline. Nothing here reads the environment: settings are
//! resolved (with their origins) by `sentry-config`, then passed in.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::ApiError;

/// Obtains a new access token after the server rejected the current one with 401.
///
/// A trait object so the pipeline stays free of storage and OAuth details: the binary's
/// implementation posts to `/oauth/token/`, persists the result and returns the new token.
pub trait TokenRefresher: Send + Sync {
    /// `Ok(Some(token))` → the request is retried once with it; `Ok(None)` → no refresh is
    /// possible (e.g. an env token) and the original 401 is returned; `Err` replaces the 401
    /// (e.g. "Session expired", exit 11).
    fn refresh(&self, rejected_token: &str) -> Result<Option<String>, ApiError>;
}

/// Proxy settings applied to `http` and `https` requests alike.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// `http://host:port`, `https://…`, or `socks5://…`; a bare `host:port` means `http`.
    /// Credentials may also be embedded as `user:pass@`.
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// NO_PROXY entries: exact hosts, `.suffix` / `*.suffix`, or `*` for everything.
    pub no_proxy: Vec<String>,
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// Everything the pipeline needs, resolved by the binary.
#[derive(Clone)]
pub struct ClientConfig {
    /// Control-silo base URL, e.g. `https://sentry.io` or `http://127.0.0.1:8000`.
    pub base_url: String,
    /// Bearer token, if any. When set, requests to origins outside `trusted_origins`
    /// fail with [`ApiError::HostScope`] before anything is sent.
    pub token: Option<String>,
    /// Origins (`scheme://host[:port]`) the token belongs to: the token's host plus known
    /// region URLs. SaaS origins trust each other. Also where custom headers may go (with no
    /// token: the login anchor).
    pub trusted_origins: Vec<String>,
    /// CLI version for the User-Agent.
    pub version: String,
    /// `SENTRY_PIPELINE` value, appended to the User-Agent.
    pub pipeline: Option<String>,
    /// Already validated `(name, value)` pairs sent to trusted origins.
    pub custom_headers: Vec<(String, String)>,
    pub proxy: Option<ProxyConfig>,
    /// Extra PEM CA files added to the built-in Mozilla roots.
    pub ca_cert_files: Vec<PathBuf>,
    /// `false` disables certificate verification entirely (the binary warns).
    pub verify_ssl: bool,
    pub connect_timeout: Duration,
    /// Per-attempt timeout (the whole attempt: connect, send, receive).
    pub timeout: Duration,
    /// Extra attempts after the first for retryable failures.
    pub max_retries: u32,
    /// First backoff step; doubled per retry, capped at 10 s. Tests shrink it.
    pub retry_base_delay: Duration,
    pub refresher: Option<Arc<dyn TokenRefresher>>,
}

impl ClientConfig {
    /// Defaults matching upstream: 30 s per attempt, 10 s connect, 2 retries, 1 s base delay,
    /// verification on, no token.
    pub fn new(base_url: impl Into<String>, version: impl Into<String>) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            token: None,
            trusted_origins: Vec::new(),
            version: version.into(),
            pipeline: None,
            custom_headers: Vec::new(),
            proxy: None,
            ca_cert_files: Vec::new(),
            verify_ssl: true,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_retries: 2,
            retry_base_delay: Duration::from_secs(1),
            refresher: None,
        }
    }

    /// The exact `User-Agent` this configuration sends.
    pub fn user_agent(&self) -> String {
        user_agent(&self.version, self.pipeline.as_deref())
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("trusted_origins", &self.trusted_origins)
            .field("version", &self.version)
            .field("pipeline", &self.pipeline)
            .field(
                "custom_headers",
                &self
                    .custom_headers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("proxy", &self.proxy)
            .field("ca_cert_files", &self.ca_cert_files)
            .field("verify_ssl", &self.verify_ssl)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("refresher", &self.refresher.is_some())
            .finish()
    }
}

/// `sentry-cli/<version> (<os>-<arch>) rust[ <pipeline>]`, with Node-style platform names
/// (`linux-x64`, `darwin-arm64`, `win32-x64`) so server-side analytics group us with upstream.
pub fn user_agent(version: &str, pipeline: Option<&str>) -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "ia32",
        "powerpc64" => "ppc64",
        other => other,
    };
    let mut ua = format!("sentry-cli/{version} ({os}-{arch}) rust");
    if let Some(p) = pipeline.map(str::trim).filter(|p| !p.is_empty()) {
        ua.push(' ');
        ua.push_str(p);
    }
    ua
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ua_shape() {
        let ua = user_agent("1.2.3", None);
        assert!(ua.starts_with("sentry-cli/1.2.3 ("), "{ua}");
        assert!(ua.ends_with(") rust"), "{ua}");
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        assert_eq!(ua, "sentry-cli/1.2.3 (linux-x64) rust");
        assert_eq!(
            user_agent("1.2.3", Some("webpack-plugin/2.0")),
            format!("{ua} webpack-plugin/2.0")
        );
        assert_eq!(user_agent("1.2.3", Some("  ")), ua);
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut c = ClientConfig::new("https://sentry.io", "1");
        c.token = Some("sntryu_secret".into());
        c.proxy = Some(ProxyConfig {
            url: "http://p:3128".into(),
            password: Some("hunter2".into()),
            ..Default::default()
        });
        let s = format!("{c:?}");
        assert!(
            !s.contains("sntryu_secret") && !s.contains("hunter2"),
            "{s}"
        );
    }
}
