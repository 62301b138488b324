//! The one error type of the HTTP pipeline and how it renders.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong between "build a request" and "hand back a 2xx response".
///
/// Each variant carries enough context to render the upstream message shapes (`message()`),
/// a one-line remedy (`hint()`) and the process exit code (`exit_code()`), so the binary
/// never has to inspect transport details.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The server answered with a non-2xx status (after retries and redirects). Boxed so
    /// every `Result<_, ApiError>` stays small.
    Http(Box<HttpError>),
    /// The last attempt did not complete within the per-attempt timeout, or the client's
    /// time budget ran out (`budget` is then set).
    Timeout {
        endpoint: String,
        after: Duration,
        budget: Option<Duration>,
    },
    /// DNS, connect, reset or protocol failure on the last attempt. `hint` is specific to the
    /// failure (nothing listening on a loopback port, a host name that does not resolve).
    Network {
        endpoint: String,
        origin: String,
        cause: String,
        hint: Option<String>,
    },
    /// Certificate or handshake failure; never retried because it cannot heal by itself.
    Tls {
        endpoint: String,
        origin: String,
        cause: String,
        hint: Option<String>,
    },
    /// The token may not go to the request's origin (see [`crate::scope`]). Nothing was sent.
    HostScope {
        target: String,
        /// The origins the token belongs to (empty: there is no token).
        allowed: Vec<String>,
        /// Where the target URL was configured (`SENTRY_URL`, `--url`, …), when known.
        source: Option<String>,
        /// Set when only this project file supplies the target URL.
        project_file: Option<PathBuf>,
    },
    /// A project file sets a proxy or TLS setting and the token comes from elsewhere
    /// (see [`crate::scope`]). Nothing was sent.
    ProjectConnection {
        /// The setting, described (`proxy http://p:3128`).
        setting: String,
        /// Where it was set (`/repo/.sentryclirc:4`).
        source: String,
        /// The token's source.
        token: String,
    },
    /// A 2xx response whose body is not what the caller needed (not JSON, HTML, wrong shape).
    InvalidResponse {
        endpoint: String,
        status: u16,
        reason: String,
        html: bool,
    },
    /// The client could not be built or a request could not be formed (bad proxy URL,
    /// unreadable CA file, malformed URL, invalid header).
    Config { message: String },
    /// Raised by a [`crate::TokenRefresher`] (e.g. the refresh token was rejected).
    Auth {
        message: String,
        hint: Option<String>,
        exit_code: i32,
    },
}

/// A non-2xx response, kept whole for rendering and for `sentry api`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    pub method: String,
    /// The endpoint as the caller passed it (e.g. `/auth/`), shown in `Endpoint:` lines.
    pub endpoint: String,
    /// Final URL (after redirects).
    pub url: String,
    pub status: u16,
    /// Canonical reason phrase; empty for unknown codes.
    pub status_text: String,
    pub content_type: Option<String>,
    /// The raw response body; `sentry api` prints it verbatim.
    pub body: Vec<u8>,
}

const HTML_DETAIL: &str =
    "The server returned an HTML page instead of JSON; a proxy, captive portal or a wrong Sentry URL is likely.";

impl ApiError {
    /// Process exit code, following the upstream table: API errors 30 whatever the HTTP
    /// status, timeouts 31, host-scope refusals 13, configuration problems 20. Network and
    /// TLS failures are 30 (upstream's typed calls use 30; its raw-request exit 1 is an
    /// accident of an uncaught JS `TypeError`).
    pub fn exit_code(&self) -> i32 {
        match self {
            ApiError::Http(_)
            | ApiError::Network { .. }
            | ApiError::Tls { .. }
            | ApiError::InvalidResponse { .. } => 30,
            ApiError::Timeout { .. } => 31,
            ApiError::HostScope { .. } | ApiError::ProjectConnection { .. } => 13,
            ApiError::Config { .. } => 20,
            ApiError::Auth { exit_code, .. } => *exit_code,
        }
    }

    /// First line of the message, e.g. `API request failed: 404 Not Found`.
    pub fn headline(&self) -> String {
        match self {
            ApiError::Http(h) => {
                if h.status_text.is_empty() {
                    format!("API request failed: {}", h.status)
                } else {
                    format!("API request failed: {} {}", h.status, h.status_text)
                }
            }
            ApiError::Timeout { after, .. } => {
                format!("Request timed out after {}.", format_duration(*after))
            }
            ApiError::ProjectConnection {
                setting, source, ..
            } => format!("Config at {source}: {setting}"),
            ApiError::Network { origin, .. } => {
                format!("Network error: unable to reach the Sentry API at {origin}")
            }
            ApiError::Tls { origin, .. } => format!("TLS certificate error for {origin}"),
            ApiError::HostScope {
                target,
                project_file: Some(path),
                ..
            } => format!("Config at {}: {target}", path.display()),
            ApiError::HostScope {
                target,
                source: Some(source),
                ..
            } => format!("Credentials: {target} (from {source})"),
            ApiError::HostScope { target, .. } => format!("Credentials: {target}"),
            ApiError::InvalidResponse {
                endpoint,
                status,
                html,
                ..
            } => {
                if *html {
                    format!("Expected JSON from {endpoint} but the server returned HTML (status {status}).")
                } else {
                    format!("Invalid response from {endpoint} (status {status}).")
                }
            }
            ApiError::Config { message } => message.clone(),
            ApiError::Auth { message, .. } => message.clone(),
        }
    }

    /// The lines printed under the headline (indented by two spaces when rendered).
    pub fn details(&self) -> Vec<String> {
        match self {
            ApiError::Http(h) => {
                let mut out = vec![format!("Endpoint: {}", h.endpoint)];
                if let Some(d) = body_detail(h.status, h.content_type.as_deref(), &h.body) {
                    out.push(d);
                }
                out
            }
            ApiError::Timeout { endpoint, .. } => vec![format!("Endpoint: {endpoint}")],
            ApiError::Network {
                endpoint, cause, ..
            }
            | ApiError::Tls {
                endpoint, cause, ..
            } => vec![format!("Endpoint: {endpoint}"), format!("Cause: {cause}")],
            ApiError::HostScope { allowed, .. } if allowed.is_empty() => vec![
                "Refusing to route requests to this host because no Sentry credentials are configured for it.".to_string(),
            ],
            ApiError::HostScope { allowed, .. } => vec![format!(
                "Refusing to route requests here because it doesn't match the host your Sentry credentials are for ({}).",
                allowed.join(", ")
            )],
            ApiError::ProjectConnection { token, .. } => vec![format!(
                "Refusing to send your Sentry credentials ({token}) through a connection setting that only a project config file sets."
            )],
            ApiError::InvalidResponse { reason, html, .. } => {
                if *html {
                    vec![HTML_DETAIL.to_string()]
                } else {
                    vec![reason.clone()]
                }
            }
            ApiError::Config { .. } | ApiError::Auth { .. } => Vec::new(),
        }
    }

    /// The full message as printed after `Error: `: the headline, then each detail line on
    /// its own line indented by two spaces (upstream's `\n  ` joining). The host-scope
    /// refusal keeps upstream's unindented two-line shape.
    pub fn message(&self) -> String {
        let mut out = self.headline();
        let indent = if matches!(
            self,
            ApiError::HostScope { .. } | ApiError::ProjectConnection { .. }
        ) {
            "\n"
        } else {
            "\n  "
        };
        for line in self.details() {
            out.push_str(indent);
            out.push_str(&line);
        }
        out
    }

    /// A one-line suggestion of what to do next, if there is one worth printing.
    pub fn hint(&self) -> Option<String> {
        match self {
            ApiError::Http(h) => {
                if looks_like_html(h.content_type.as_deref(), &h.body) {
                    let origin = crate::urls::Origin::parse(&h.url)
                        .map(|o| o.to_string())
                        .unwrap_or_else(|| h.url.clone());
                    Some(format!(
                        "Check the Sentry URL ({origin}) and your proxy settings."
                    ))
                } else if h.status == 429 {
                    Some("Sentry is rate limiting this client; wait a moment and try again.".to_string())
                } else {
                    None
                }
            }
            ApiError::Timeout {
                budget: Some(b), ..
            } => Some(format!(
                "The Sentry API did not answer within this command's {} budget. Try again; if the server is just slow, raise SENTRY_HTTP_TIMEOUT (seconds).",
                spaced_duration(*b)
            )),
            ApiError::Timeout { .. } => Some(
                "The Sentry API did not respond in time. Try again; if the problem persists, check https://status.sentry.io."
                    .to_string(),
            ),
            ApiError::Network { hint: Some(h), .. } | ApiError::Tls { hint: Some(h), .. } => {
                Some(h.clone())
            }
            ApiError::Network { .. } => Some(
                "Check your internet connection and proxy settings, then try again.".to_string(),
            ),
            ApiError::Tls { .. } => Some(
                "If a proxy or your Sentry server uses its own certificate authority, add its PEM file with SSL_CERT_FILE or `sentry cli defaults ca-cert <file>`."
                    .to_string(),
            ),
            ApiError::HostScope {
                target,
                allowed,
                project_file: Some(_),
                ..
            } if !allowed.is_empty() => Some(format!(
                "To use this host, run: sentry auth login --url {target}\nTo keep using your current credentials, remove this URL override."
            )),
            ApiError::HostScope {
                target,
                allowed,
                source: Some(source),
                project_file: None,
            } if !allowed.is_empty() => Some(format!(
                "To use this host, run: sentry auth login --url {target}\nTo keep using your current credentials, remove the URL override ({source})."
            )),
            ApiError::HostScope { target, .. } => Some(format!(
                "To use this host, run: sentry auth login --url {target}"
            )),
            ApiError::ProjectConnection { .. } => Some(
                "To use it, set the same value in your own configuration (~/.sentryclirc, the environment or a flag).\nTo keep using your current credentials, remove this setting from the project file."
                    .to_string(),
            ),
            ApiError::InvalidResponse { html: true, .. } => Some(
                "Check the Sentry URL and your proxy settings.".to_string(),
            ),
            ApiError::InvalidResponse { .. } | ApiError::Config { .. } => None,
            ApiError::Auth { hint, .. } => hint.clone(),
        }
    }

    /// HTTP status, for callers that branch on 401/403/404 (enrichment, region fallback).
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http(h) => Some(h.status),
            _ => None,
        }
    }

    /// Raw response body of an HTTP error.
    pub fn body(&self) -> Option<&[u8]> {
        match self {
            ApiError::Http(h) => Some(&h.body),
            _ => None,
        }
    }

    /// The `detail` string of a JSON error body, for 401/403 enrichment by the binary.
    pub fn api_detail(&self) -> Option<String> {
        let body = self.body()?;
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        v.get("detail")?.as_str().map(str::to_string)
    }

    /// Whether this is an authentication/authorization failure (401/403).
    pub fn is_auth_error(&self) -> bool {
        matches!(self.status(), Some(401) | Some(403))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

pub(crate) fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if content_type
        .map(|c| c.to_ascii_lowercase().contains("text/html"))
        .unwrap_or(false)
    {
        return true;
    }
    let head: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

const MAX_DETAIL_CHARS: usize = 4000;

/// Upstream's detail rule: the `detail` string of a JSON body; else the serialized JSON
/// (not for 401/403, whose bodies only repeat what the enrichment says); else the raw text;
/// nothing for an empty body. HTML gets an explanation instead of a page of markup.
fn body_detail(status: u16, content_type: Option<&str>, body: &[u8]) -> Option<String> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return None;
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(d) = v.get("detail").and_then(|d| d.as_str()) {
            return Some(d.to_string());
        }
        if status == 401 || status == 403 {
            return None;
        }
        return Some(truncate(&v.to_string()));
    }
    if looks_like_html(content_type, body) {
        return Some(HTML_DETAIL.to_string());
    }
    Some(truncate(String::from_utf8_lossy(body).trim()))
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_DETAIL_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_DETAIL_CHARS).collect();
    out.push('…');
    out
}

/// `2 s`, `1.5 s`, `250 ms`, `10 min`: durations in sentences people read in a CI log.
pub(crate) fn spaced_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if d.as_secs() >= 120 && d.as_secs().is_multiple_of(60) {
        format!("{} min", d.as_secs() / 60)
    } else if d.subsec_millis() == 0 || d.as_secs() >= 10 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

pub(crate) fn format_duration(d: Duration) -> String {
    if d.as_millis() >= 1000 && d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else if d.as_millis() >= 1000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, text: &str, ct: Option<&str>, body: &str) -> ApiError {
        ApiError::Http(Box::new(HttpError {
            method: "GET".into(),
            endpoint: "/x/".into(),
            url: "https://sentry.example.com/api/0/x/".into(),
            status,
            status_text: text.into(),
            content_type: ct.map(str::to_string),
            body: body.as_bytes().to_vec(),
        }))
    }

    #[test]
    fn detail_string() {
        let e = http(
            404,
            "Not Found",
            None,
            r#"{"detail":"The requested resource does not exist"}"#,
        );
        assert_eq!(
            e.message(),
            "API request failed: 404 Not Found\n  Endpoint: /x/\n  The requested resource does not exist"
        );
        assert_eq!(e.exit_code(), 30);
        assert_eq!(
            e.api_detail().as_deref(),
            Some("The requested resource does not exist")
        );
    }

    #[test]
    fn json_without_detail() {
        let e = http(400, "Bad Request", None, r#"{"query":["bad"]}"#);
        assert_eq!(
            e.message(),
            "API request failed: 400 Bad Request\n  Endpoint: /x/\n  {\"query\":[\"bad\"]}"
        );
        let e = http(403, "Forbidden", None, r#"{"x":1}"#);
        assert_eq!(
            e.message(),
            "API request failed: 403 Forbidden\n  Endpoint: /x/"
        );
    }

    #[test]
    fn empty_and_text_bodies() {
        let e = http(500, "Internal Server Error", None, "");
        assert_eq!(
            e.message(),
            "API request failed: 500 Internal Server Error\n  Endpoint: /x/"
        );
        let e = http(502, "Bad Gateway", Some("text/plain"), "upstream down\n");
        assert_eq!(
            e.message(),
            "API request failed: 502 Bad Gateway\n  Endpoint: /x/\n  upstream down"
        );
    }

    #[test]
    fn html_body() {
        let e = http(
            502,
            "Bad Gateway",
            None,
            "  <!DOCTYPE html><html><body>oops</body></html>",
        );
        assert_eq!(
            e.message(),
            format!("API request failed: 502 Bad Gateway\n  Endpoint: /x/\n  {HTML_DETAIL}")
        );
        assert_eq!(
            e.hint().as_deref(),
            Some("Check the Sentry URL (https://sentry.example.com) and your proxy settings.")
        );
    }

    #[test]
    fn other_variants() {
        let t = ApiError::Timeout {
            endpoint: "/x/".into(),
            after: Duration::from_secs(30),
            budget: None,
        };
        assert_eq!(t.headline(), "Request timed out after 30s.");
        assert_eq!(t.exit_code(), 31);
        let h = ApiError::HostScope {
            target: "https://evil.example.com".into(),
            allowed: vec!["https://sentry.io".into()],
            source: None,
            project_file: None,
        };
        assert_eq!(h.exit_code(), 13);
        assert_eq!(
            h.message(),
            "Credentials: https://evil.example.com\nRefusing to route requests here because it doesn't match the host your Sentry credentials are for (https://sentry.io)."
        );
        assert_eq!(format_duration(Duration::from_millis(200)), "200ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(spaced_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(spaced_duration(Duration::from_secs(2)), "2 s");
        assert_eq!(spaced_duration(Duration::from_millis(80)), "80 ms");
        assert_eq!(spaced_duration(Duration::from_secs(40)), "40 s");
    }
}
