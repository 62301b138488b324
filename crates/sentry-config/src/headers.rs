//! Custom HTTP headers (identity-aware proxies, Cloudflare Access). Validated up front so a
//! typo fails with a config error instead of a confusing 401 from the proxy.

use crate::ConfigError;

/// Headers the HTTP layer manages itself; letting config override them would break auth or
/// leak credentials (lower-case).
pub const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "host",
    "content-type",
    "content-length",
    "user-agent",
    "sentry-trace",
    "baggage",
];

/// Parses a `SENTRY_CUSTOM_HEADERS` / `cli defaults headers` value: `Name: Value` pairs
/// separated by `;` or newlines. Errors carry the exact upstream messages.
pub fn parse_custom_headers(text: &str) -> Result<Vec<(String, String)>, ConfigError> {
    parse_header_list(text, "SENTRY_CUSTOM_HEADERS")
}

/// Like [`parse_custom_headers`], naming `source` in error messages.
pub(crate) fn parse_header_list(
    text: &str,
    source: &str,
) -> Result<Vec<(String, String)>, ConfigError> {
    text.split([';', '\n'])
        .map(|seg| seg.strip_suffix('\r').unwrap_or(seg))
        .filter(|seg| !seg.trim().is_empty())
        .map(|seg| parse_one_header(seg, source))
        .collect()
}

/// Parses one `Name: Value` header (legacy `CUSTOM_HEADER`, `[defaults] custom_header`,
/// `--header`). No `;` splitting: a single header's value may contain `;` (cookies).
pub(crate) fn parse_one_header(
    segment: &str,
    source: &str,
) -> Result<(String, String), ConfigError> {
    let invalid = || ConfigError::InvalidHeader {
        message: format!(
            "Invalid header in {source}: '{}'. Expected 'Name: Value' format.",
            segment.trim()
        ),
    };
    let (name, value) = segment.split_once(':').ok_or_else(invalid)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid());
    }
    if !name.bytes().all(is_token_byte) {
        return Err(ConfigError::InvalidHeader {
            message: format!(
                "Invalid header name '{name}' in {source}. Header names may only contain letters, digits and !#$%&'*+-.^_`|~."
            ),
        });
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(ConfigError::InvalidHeader {
            message: format!("Cannot override reserved header '{name}' in {source}. This header is managed by the CLI."),
        });
    }
    let value = value.trim();
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(ConfigError::InvalidHeader {
            message: format!("Invalid value for header '{name}' in {source}: control characters are not allowed."),
        });
    }
    Ok((name.to_string(), value.to_string()))
}

/// RFC 7230 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
