//! The resolved, immutable settings and their flat listing for `sentry config list`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::{OrgTokenClaims, Origin, Setting};

/// Built-in Sentry URL.
pub const DEFAULT_URL: &str = "https://sentry.io";

/// Log verbosity. `log` is accepted as an alias of `info` (upstream `sentry` spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    /// Case-insensitive; `None` for anything not in the documented list.
    pub fn parse(s: &str) -> Option<LogLevel> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "off" => LogLevel::Off,
            "error" => LogLevel::Error,
            "warn" | "warning" => LogLevel::Warn,
            "info" | "log" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            "trace" => LogLevel::Trace,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// Plain (no ANSI, no markdown) or rich terminal output, decided by [`crate::color_mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    Plain,
    Rich,
}

/// Every effective setting. Built only by [`crate::resolve`].
#[derive(Clone)]
pub struct Settings {
    /// Base URL used for requests (`scheme://host[:port]`, no trailing slash), after the org
    /// token's `url` claim.
    pub url: Setting<String>,
    /// The URL configuration asked for, before the org token claim. The binary uses it when it
    /// sends the stored login instead of `tokens[0]`.
    pub configured_url: Setting<String>,
    /// `https://` was assumed because the configured URL had no scheme.
    pub url_scheme_implied: bool,
    /// `url` came only from a file in the project tree (a `.sentryclirc` found by the upward
    /// walk, `SENTRY_PROPERTIES`, or a `.env` found by the walk). Such a host is not trusted
    /// for login without `--url`; a URL from the process environment or `--url` is (the
    /// environment is the user's own, a cloned repository's config is not).
    pub url_from_project_file: bool,
    /// Files inside the working tree (project `.sentryclirc`/`sentrycli.ini`, the
    /// `SENTRY_PROPERTIES` file, a walked `.env` below `$HOME`). A cloned repository controls
    /// them, so values they supply are not trusted with credentials from elsewhere.
    pub project_files: Vec<PathBuf>,
    /// Organization, after the org token's `org` claim.
    pub org: Option<Setting<String>>,
    /// The org configuration asked for, before the org token claim.
    pub configured_org: Option<Setting<String>>,
    pub project: Option<Setting<String>>,
    /// Every token found, highest precedence first: `--auth-token`, `SENTRY_AUTH_TOKEN`,
    /// `SENTRY_TOKEN`, then `[auth] token` of each file (properties, project files closest
    /// first, global). The binary combines these with the stored login, which comes right
    /// after `--auth-token` unless `SENTRY_FORCE_ENV_TOKEN` puts it after all of these.
    pub tokens: Vec<Setting<String>>,
    /// Claims of `tokens[0]` when it is an org auth token.
    pub org_token: Option<OrgTokenClaims>,
    /// `SENTRY_FORCE_ENV_TOKEN` is set to a non-blank value.
    pub force_env_token: bool,
    /// Warnings about `tokens[0]`'s claims overriding the configured URL/org. Print them only
    /// when `tokens[0]` is the token actually used.
    pub token_warnings: Vec<String>,
    /// Validated custom headers to send, highest precedence first, one per name.
    pub headers: Vec<Setting<(String, String)>>,
    pub dsn: Option<Setting<String>>,
    pub vcs_remote: Setting<String>,
    pub pipeline: Option<Setting<String>>,
    /// OAuth client id override (`SENTRY_CLIENT_ID`).
    pub client_id: Option<Setting<String>>,
    /// The one-time setup code `sentry auth bootstrap` redeems (`SENTRY_SETUP_CODE`), from
    /// the process environment only: a `.env` file in a cloned project must not choose
    /// which instance (and whose account) the CLI logs in to. A secret; never listed.
    pub setup_code: Option<Setting<String>>,
    /// Proxy for the base URL's scheme.
    pub proxy_url: Option<Setting<String>>,
    pub proxy_username: Option<Setting<String>>,
    pub proxy_password: Option<Setting<String>>,
    pub no_proxy: Option<Setting<Vec<String>>>,
    pub verify_ssl: Setting<bool>,
    /// Documented meaning: `false` turns certificate revocation checks off (Windows only).
    pub check_ssl_revoke: Setting<bool>,
    /// Extra CA bundles (PEM), absolute paths: `[http] ca_cert`, `SSL_CERT_FILE`,
    /// `cli defaults ca-cert`.
    pub ca_certs: Vec<Setting<PathBuf>>,
    /// Retries after the first attempt.
    pub max_retries: Setting<u32>,
    /// Seconds one command may spend waiting on the server, retries included
    /// (`SENTRY_HTTP_TIMEOUT`, `[http] timeout`).
    pub http_timeout: Setting<u64>,
    /// First backoff step between retries in milliseconds (`SENTRY_HTTP_RETRY_DELAY_MS`);
    /// doubled per retry.
    pub retry_delay_ms: Setting<u64>,
    /// Most pages one auto-paginated listing fetches (`SENTRY_MAX_PAGINATION_PAGES`).
    pub max_pagination_pages: Setting<u64>,
    pub keepalive: Setting<bool>,
    pub log_level: Setting<LogLevel>,
    pub color: Setting<ColorMode>,
    /// `SENTRY_OUTPUT_FORMAT=json`.
    pub json_output: Setting<bool>,
    pub disable_update_check: Setting<bool>,
    pub no_progress_bar: Setting<bool>,
    /// Largest single source file put into DIF source bundles, in bytes.
    pub dif_max_item_size: Setting<u64>,
    pub dif_max_upload_size: Option<Setting<u64>>,
    pub device_family: Option<Setting<String>>,
    pub device_model: Option<Setting<String>>,
    /// Where `cli.db` lives (same rule as [`crate::config_dir`]).
    pub config_dir: Setting<PathBuf>,
    /// Every config file read, highest precedence first.
    pub config_files: Vec<PathBuf>,
    /// Problems worth one stderr line each (unknown keys, ignored legacy settings, ...).
    pub warnings: Vec<String>,
    pub(crate) env: BTreeMap<String, Setting<String>>,
}

/// Secrets in the settings listing (tokens, header values, proxy passwords) of this many
/// characters or fewer are shown as `****`; longer ones as their first 8 and last 4.
const SECRET_HIDDEN_UP_TO: usize = 19;

/// One row of `sentry config list`: key, display value (secrets masked) and origin.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

impl Settings {
    /// The project file `origin` points into, if it does (see [`Settings::project_files`]).
    pub fn project_file(&self, origin: &Origin) -> Option<&std::path::Path> {
        match origin {
            Origin::File { path, .. } | Origin::DotEnv { path, .. } => self
                .project_files
                .iter()
                .find(|p| *p == path)
                .map(PathBuf::as_path),
            _ => None,
        }
    }

    /// A variable of the effective environment (real environment plus `.env` files), for the
    /// few commands that read variables this crate does not model (`SENTRY_RELEASE`, ...).
    pub fn env_var(&self, name: &str) -> Option<&Setting<String>> {
        self.env.get(name)
    }

    /// Every effective setting as `key / display value / origin`, secrets masked.
    pub fn entries(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut push = |key: &str, value: String, origin: &Origin| {
            out.push(Entry {
                key: key.to_string(),
                value,
                origin: origin.clone(),
            })
        };
        push("defaults.url", self.url.value.clone(), &self.url.origin);
        if let Some(o) = &self.org {
            push("defaults.org", o.value.clone(), &o.origin);
        }
        if let Some(p) = &self.project {
            push("defaults.project", p.value.clone(), &p.origin);
        }
        for t in &self.tokens {
            push(
                "auth.token",
                sentry_wire::mask(&t.value, SECRET_HIDDEN_UP_TO),
                &t.origin,
            );
        }
        if let Some(d) = &self.dsn {
            push("auth.dsn", d.value.clone(), &d.origin);
        }
        push(
            "defaults.vcs_remote",
            self.vcs_remote.value.clone(),
            &self.vcs_remote.origin,
        );
        if let Some(p) = &self.pipeline {
            push("defaults.pipeline", p.value.clone(), &p.origin);
        }
        for h in &self.headers {
            push(
                "http.header",
                format!(
                    "{}: {}",
                    h.value.0,
                    sentry_wire::mask(&h.value.1, SECRET_HIDDEN_UP_TO)
                ),
                &h.origin,
            );
        }
        if let Some(p) = &self.proxy_url {
            push("http.proxy_url", redact_url_password(&p.value), &p.origin);
        }
        if let Some(u) = &self.proxy_username {
            push("http.proxy_username", u.value.clone(), &u.origin);
        }
        if let Some(p) = &self.proxy_password {
            push(
                "http.proxy_password",
                sentry_wire::mask(&p.value, SECRET_HIDDEN_UP_TO),
                &p.origin,
            );
        }
        if let Some(n) = &self.no_proxy {
            push("http.no_proxy", n.value.join(","), &n.origin);
        }
        push(
            "http.verify_ssl",
            self.verify_ssl.value.to_string(),
            &self.verify_ssl.origin,
        );
        push(
            "http.check_ssl_revoke",
            self.check_ssl_revoke.value.to_string(),
            &self.check_ssl_revoke.origin,
        );
        for c in &self.ca_certs {
            push("http.ca_cert", c.value.display().to_string(), &c.origin);
        }
        push(
            "http.max_retries",
            self.max_retries.value.to_string(),
            &self.max_retries.origin,
        );
        push(
            "http.timeout",
            self.http_timeout.value.to_string(),
            &self.http_timeout.origin,
        );
        push(
            "http.retry_delay_ms",
            self.retry_delay_ms.value.to_string(),
            &self.retry_delay_ms.origin,
        );
        push(
            "pagination.max_pages",
            self.max_pagination_pages.value.to_string(),
            &self.max_pagination_pages.origin,
        );
        push(
            "http.keepalive",
            self.keepalive.value.to_string(),
            &self.keepalive.origin,
        );
        push(
            "log.level",
            self.log_level.value.as_str().to_string(),
            &self.log_level.origin,
        );
        let color = match self.color.value {
            ColorMode::Plain => "plain",
            ColorMode::Rich => "rich",
        };
        push("output.color", color.to_string(), &self.color.origin);
        push(
            "output.json",
            self.json_output.value.to_string(),
            &self.json_output.origin,
        );
        push(
            "output.no_progress_bar",
            self.no_progress_bar.value.to_string(),
            &self.no_progress_bar.origin,
        );
        push(
            "update.disable_check",
            self.disable_update_check.value.to_string(),
            &self.disable_update_check.origin,
        );
        push(
            "dif.max_item_size",
            self.dif_max_item_size.value.to_string(),
            &self.dif_max_item_size.origin,
        );
        if let Some(m) = &self.dif_max_upload_size {
            push("dif.max_upload_size", m.value.to_string(), &m.origin);
        }
        if let Some(d) = &self.device_family {
            push("device.family", d.value.clone(), &d.origin);
        }
        if let Some(d) = &self.device_model {
            push("device.model", d.value.clone(), &d.origin);
        }
        if let Some(c) = &self.client_id {
            push("auth.client_id", c.value.clone(), &c.origin);
        }
        push(
            "config_dir",
            self.config_dir.value.display().to_string(),
            &self.config_dir.origin,
        );
        out
    }
}

/// Tokens, header values and proxy passwords must never reach a log, even via `{:?}`.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("entries", &self.entries())
            .field("org_token", &self.org_token)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

fn redact_url_password(raw: &str) -> String {
    match ::url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => raw.to_string(),
    }
}
