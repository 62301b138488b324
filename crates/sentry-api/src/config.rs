//! What the binary hands the pipeline. Nothing here reads the environment: settings are
//! resolved (with their origins) by `sentry-config`, then passed in.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::scope::{Credential, Provenance, Route, Sourced};
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

/// A retry about to happen, for the one stderr line the binary prints per retry
/// (`503 Service Unavailable from sentry.example.com, retrying in 2 s (1/5)`): a CI log must
/// never look hung.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNotice {
    /// What went wrong: `503 Service Unavailable`, `connection reset`, `no response within 30 s`.
    pub what: String,
    /// `host[:port]` of the server.
    pub host: String,
    pub delay: Duration,
    /// 1-based number of this retry, and how many are allowed.
    pub retry: u32,
    pub max_retries: u32,
}

impl fmt::Display for RetryNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} from {}, retrying in {} ({}/{})",
            self.what,
            self.host,
            crate::error::spaced_duration(self.delay),
            self.retry,
            self.max_retries
        )
    }
}

/// Called before each retry's wait.
pub type RetryObserver = Arc<dyn Fn(&RetryNotice) + Send + Sync>;

/// Everything the pipeline needs, resolved by the binary.
#[derive(Clone)]
pub struct ClientConfig {
    /// Where requests go and through what: the control-silo base URL and the connection
    /// settings (proxy, TLS), each with its source. The token rule ([`crate::scope`]) reads
    /// the sources; nothing can be set here without saying where it came from.
    pub route: Route,
    /// `https://` was assumed for a URL given without a scheme (TLS errors then suggest
    /// `http://`).
    pub scheme_implied: bool,
    /// The token and what ties it to a host. Requests go only where [`crate::scope::decide`]
    /// allows; anything else fails with [`ApiError::HostScope`] before it is sent.
    pub credential: Option<Credential>,
    /// CLI version for the User-Agent.
    pub version: String,
    /// `SENTRY_PIPELINE` value, appended to the User-Agent.
    pub pipeline: Option<String>,
    /// Already validated `(name, value)` pairs sent to trusted origins.
    pub custom_headers: Vec<(String, String)>,
    pub connect_timeout: Duration,
    /// Per-attempt timeout (the whole attempt: connect, send, receive).
    pub timeout: Duration,
    /// Total time this client may spend on requests, retries and their waits included,
    /// counted from [`crate::Client::new`]; `None` = per-attempt timeouts only. One deadline
    /// per command, so a stalled server cannot multiply the wait by requests × retries.
    pub budget: Option<Duration>,
    /// Extra attempts after the first for retryable failures.
    pub max_retries: u32,
    /// First backoff step; doubled per retry, capped at 10 s.
    pub retry_base_delay: Duration,
    pub refresher: Option<Arc<dyn TokenRefresher>>,
    /// Told about every retry before its wait.
    pub on_retry: Option<RetryObserver>,
}

impl ClientConfig {
    /// Defaults matching upstream: 30 s per attempt, 10 s connect, 2 retries, 1 s base delay,
    /// a 40 s budget, verification on, no token. The base URL counts as the caller's own
    /// choice ([`Provenance::User`]).
    pub fn new(base_url: impl Into<String>, version: impl Into<String>) -> ClientConfig {
        let base = Sourced::new(base_url.into(), Provenance::User, "base URL");
        ClientConfig::for_route(Route::new(base), version)
    }

    /// The defaults of [`ClientConfig::new`] for a route whose settings carry their sources.
    pub fn for_route(route: Route, version: impl Into<String>) -> ClientConfig {
        ClientConfig {
            route,
            scheme_implied: false,
            credential: None,
            version: version.into(),
            pipeline: None,
            custom_headers: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            budget: Some(Duration::from_secs(40)),
            max_retries: 2,
            retry_base_delay: Duration::from_secs(1),
            refresher: None,
            on_retry: None,
        }
    }

    /// Sets a token bound to `host` (a login being validated, a stored session).
    pub fn with_host_token(mut self, token: impl Into<String>, host: &str) -> ClientConfig {
        self.credential = Some(Credential {
            token: token.into(),
            binding: crate::scope::Binding::Hosts(vec![host.to_string()]),
            label: "login".into(),
        });
        self
    }

    /// The exact `User-Agent` this configuration sends.
    pub fn user_agent(&self) -> String {
        user_agent(&self.version, self.pipeline.as_deref())
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("route", &self.route)
            .field("credential", &self.credential)
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
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("budget", &self.budget)
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
        let mut c = ClientConfig::new("https://sentry.io", "1")
            .with_host_token("sntryu_secret", "https://sentry.io");
        c.route.proxy = Some(Sourced::new(
            ProxyConfig {
                url: "http://p:3128".into(),
                password: Some("hunter2".into()),
                ..Default::default()
            },
            Provenance::User,
            "HTTPS_PROXY",
        ));
        let s = format!("{c:?}");
        assert!(
            !s.contains("sntryu_secret") && !s.contains("hunter2"),
            "{s}"
        );
    }
}
