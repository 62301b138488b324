//! URL construction and origin comparison.

use std::fmt;

use sentry_wire::API_PREFIX;

/// Builds the full URL for an API endpoint.
///
/// Users paste endpoints in every shape (`/organizations/`, `organizations/`,
/// `/api/0/organizations/?x=1`), so a leading slash and one leading `api/0/` are stripped
/// before joining; the query string is kept verbatim. Absolute `http(s)://` URLs (such as a
/// chunk-upload URL returned by the server, or a region URL the caller already joined) are
/// returned unchanged.
pub fn api_url(base: &str, endpoint: &str) -> String {
    if is_absolute(endpoint) {
        return endpoint.to_string();
    }
    let base = base.trim_end_matches('/');
    let rest = endpoint.trim_start_matches('/');
    let prefix = API_PREFIX.trim_start_matches('/');
    let rest = rest
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or(rest);
    let rest = if rest == prefix { "" } else { rest };
    format!("{base}{API_PREFIX}/{rest}")
}

pub(crate) fn is_absolute(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Appends query pairs, percent-encoding them, after any query already in `url`.
pub(crate) fn append_query(url: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return url.to_string();
    }
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let encoded = ser.finish();
    let (head, frag) = match url.split_once('#') {
        Some((h, f)) => (h, Some(f)),
        None => (url, None),
    };
    let sep = if head.contains('?') {
        if head.ends_with('?') || head.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    match frag {
        Some(f) => format!("{head}{sep}{encoded}#{f}"),
        None => format!("{head}{sep}{encoded}"),
    }
}

/// `url` with any `user:password@` replaced by `***@`, for messages and logs: a password in
/// a proxy or server URL must never be echoed.
pub fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Whether `host` is this machine or a private network address: a connection problem there is
/// a server that is not running or a wrong port, never "your internet connection".
pub(crate) fn is_local_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") || h.ends_with(".localhost") {
        return true;
    }
    match h.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        Ok(std::net::IpAddr::V6(v6)) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
        Err(_) => false,
    }
}

/// Percent-encodes one path segment (org/project slugs, IDs) so user input can never add
/// path segments or a query.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out == "." || out == ".." {
        return out.replace('.', "%2E");
    }
    out
}

/// A normalised `scheme://host[:port]` used for every trust decision.
///
/// Comparing parsed origins (lower-case host, default port made explicit) instead of strings
/// keeps `https://Sentry.io/`, `https://sentry.io:443` and `https://sentry.io` equal while
/// `http://127.0.0.1:8000` and `http://127.0.0.1:8001` stay different.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
    explicit_port: bool,
}

impl Origin {
    /// Parses the origin of an absolute URL; `None` for anything without a host.
    pub fn parse(url: &str) -> Option<Origin> {
        let parsed = url::Url::parse(url.trim()).ok()?;
        let scheme = parsed.scheme().to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let host = parsed.host_str()?.to_ascii_lowercase();
        let port = parsed.port_or_known_default()?;
        Some(Origin {
            scheme,
            host,
            port,
            explicit_port: parsed.port().is_some(),
        })
    }

    /// The host part, lower-cased (IPv6 in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `host[:port]`, the port shown only when it is not the scheme's default.
    pub fn authority(&self) -> String {
        let s = self.to_string();
        s.split_once("://").map(|(_, a)| a.to_string()).unwrap_or(s)
    }

    /// Sentry SaaS hosts are one trust domain: a token for `sentry.io` is valid for its
    /// region hosts (`us.sentry.io`, `de.sentry.io`, `<org>.sentry.io`).
    pub fn is_saas(&self) -> bool {
        self.scheme == "https"
            && !self.explicit_port
            && (self.host == "sentry.io" || self.host.ends_with(".sentry.io"))
    }

    /// Whether `other` may receive credentials issued for `self`.
    pub fn trusts(&self, other: &Origin) -> bool {
        self == other || (self.is_saas() && other.is_saas())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = match self.scheme.as_str() {
            "https" => 443,
            _ => 80,
        };
        if self.port == default {
            write!(f, "{}://{}", self.scheme, self.host)
        } else {
            write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_url_shapes() {
        let b = "https://sentry.io";
        assert_eq!(api_url(b, "/auth/"), "https://sentry.io/api/0/auth/");
        assert_eq!(api_url(b, "auth/"), "https://sentry.io/api/0/auth/");
        assert_eq!(api_url(b, "/api/0/auth/"), "https://sentry.io/api/0/auth/");
        assert_eq!(api_url("https://x.io/", "/"), "https://x.io/api/0/");
        assert_eq!(api_url(b, "/api/0/"), "https://sentry.io/api/0/");
        assert_eq!(
            api_url(b, "/api/0/organizations/?per_page=1&x=a%20b"),
            "https://sentry.io/api/0/organizations/?per_page=1&x=a%20b"
        );
        assert_eq!(
            api_url(b, "https://us.sentry.io/api/0/x/"),
            "https://us.sentry.io/api/0/x/"
        );
        assert_eq!(
            api_url("http://h:9000/sub/", "x/"),
            "http://h:9000/sub/api/0/x/"
        );
    }

    #[test]
    fn query_appending() {
        let p = vec![("cursor".to_string(), "0:100:0".to_string())];
        assert_eq!(
            append_query("http://h/a/", &p),
            "http://h/a/?cursor=0%3A100%3A0"
        );
        assert_eq!(
            append_query("http://h/a/?x=1", &p),
            "http://h/a/?x=1&cursor=0%3A100%3A0"
        );
        assert_eq!(append_query("http://h/a/", &[]), "http://h/a/");
    }

    #[test]
    fn userinfo_and_local_hosts() {
        assert_eq!(
            redact_userinfo("http://u:p@proxy:3128"),
            "http://***@proxy:3128"
        );
        assert_eq!(
            redact_userinfo("http://proxy:3128/a@b"),
            "http://proxy:3128/a@b"
        );
        assert!(is_local_host("127.0.0.2"));
        assert!(is_local_host("localhost"));
        assert!(is_local_host("[::1]"));
        assert!(is_local_host("10.1.2.3"));
        assert!(!is_local_host("sentry.io"));
        assert!(!is_local_host("8.8.8.8"));
    }

    #[test]
    fn segments_cannot_traverse() {
        assert_eq!(encode_segment("my-org"), "my-org");
        assert_eq!(encode_segment("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(encode_segment(".."), "%2E%2E");
    }

    #[test]
    fn origins() {
        let a = Origin::parse("https://Sentry.io/api/0/").unwrap();
        assert_eq!(a.to_string(), "https://sentry.io");
        assert_eq!(a, Origin::parse("https://sentry.io:443").unwrap());
        assert!(a.trusts(&Origin::parse("https://us.sentry.io/x").unwrap()));
        assert!(!a.trusts(&Origin::parse("https://sentry.io.evil.com").unwrap()));
        assert!(!a.trusts(&Origin::parse("https://sentry.io:8443").unwrap()));
        let l = Origin::parse("http://127.0.0.1:8000").unwrap();
        assert_eq!(l.to_string(), "http://127.0.0.1:8000");
        assert!(!l.trusts(&Origin::parse("http://127.0.0.1:8001").unwrap()));
        assert!(Origin::parse("ftp://x").is_none());
        assert!(Origin::parse("not a url").is_none());
    }
}
