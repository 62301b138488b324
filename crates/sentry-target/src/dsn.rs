//! DSN parsing: the [`Dsn`] type, [`Dsn::parse`] with reasons that never echo the input,
//! `Display`/`FromStr`, and the host helpers (origin, envelope URL, the org ID of a SaaS
//! ingest host).
//!
//! Detection of a project's DSNs (source files, `.env*` files, environment variables) is in
//! the `detect` submodule; its items are re-exported here, so `sentry_target::dsn::detect`
//! and the rest keep their paths.

mod detect;

pub use detect::{
    detect, detect_with, env_file_entries, env_unchanged, fingerprint, still_valid, CacheStamp,
    DetectOptions, DetectedDsn, Detection, DsnSource, InvalidDsn, DSN_ENV_VARS, ENV_FILES,
    MONOREPO_ROOTS,
};

use std::fmt;

/// A parsed Sentry DSN: `scheme://<public_key>[:<secret>]@host[:port][/prefix]/<project_id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dsn {
    /// `http` or `https` (lower case).
    pub scheme: String,
    /// The public key (the URL user name).
    pub public_key: String,
    /// Legacy secret key (the URL password), kept only so the DSN
    /// round-trips; never print it.
    pub secret_key: Option<String>,
    /// Host name or IP (lower case; IPv6 in brackets).
    pub host: String,
    /// Explicit port, if the DSN has one.
    pub port: Option<u16>,
    /// Path before the project ID, e.g. `/sentry` for self-hosted behind a
    /// path; empty when there is none. Never ends with `/`.
    pub path_prefix: String,
    /// Numeric project ID.
    pub project_id: u64,
    /// Org ID from SaaS ingest hosts (`o<id>.ingest[.<region>].sentry.io`),
    /// which lets the CLI address the org without a lookup.
    pub org_id: Option<u64>,
}

/// Why a string is not a DSN. The message never repeats the input, which may
/// carry a legacy secret key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid DSN: {reason}")]
pub struct DsnError {
    /// What is wrong, e.g. "missing public key before '@'".
    pub reason: String,
}

fn dsn_err(reason: impl Into<String>) -> DsnError {
    DsnError {
        reason: reason.into(),
    }
}

impl Dsn {
    /// Parses a DSN strictly: anything a Sentry SDK would not accept, or
    /// that would need guessing (query strings, trailing slashes, empty path
    /// segments, non-numeric project IDs), is an error.
    pub fn parse(s: &str) -> Result<Dsn, DsnError> {
        if s.is_empty() {
            return Err(dsn_err("it is empty"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(dsn_err("it contains whitespace or control characters"));
        }
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| dsn_err("expected scheme://<key>@<host>/<project-id>"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(dsn_err(format!(
                "unsupported scheme '{scheme}' (use http or https)"
            )));
        }
        if rest.contains(['?', '#']) {
            return Err(dsn_err("query strings and fragments are not allowed"));
        }
        let slash = rest
            .find('/')
            .ok_or_else(|| dsn_err("missing project ID after the host"))?;
        let (authority, path) = rest.split_at(slash);
        let (userinfo, hostport) = authority
            .rsplit_once('@')
            .ok_or_else(|| dsn_err("missing public key (expected <key>@<host>)"))?;
        let (public_key, secret_key) = match userinfo.split_once(':') {
            Some((k, s)) => (k, Some(s)),
            None => (userinfo, None),
        };
        let key_ok = |k: &str| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric());
        if !key_ok(public_key) {
            return Err(dsn_err(
                "the public key must be non-empty letters and digits",
            ));
        }
        if let Some(secret) = secret_key {
            if !key_ok(secret) {
                return Err(dsn_err(
                    "the secret key must be non-empty letters and digits",
                ));
            }
        }
        let (host, port) = split_host_port(hostport)?;
        let (prefix, project) = path.rsplit_once('/').unwrap_or(("", path));
        if project.is_empty() {
            return Err(dsn_err(
                "missing project ID (a trailing '/' is not allowed)",
            ));
        }
        if !project.bytes().all(|b| b.is_ascii_digit()) {
            return Err(dsn_err(format!("project ID '{project}' is not a number")));
        }
        let project_id = project
            .parse::<u64>()
            .map_err(|_| dsn_err("project ID is too large"))?;
        for seg in prefix.split('/').skip(1) {
            if seg.is_empty()
                || !seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'))
                || seg == "."
                || seg == ".."
            {
                return Err(dsn_err(
                    "the path before the project ID has an invalid segment",
                ));
            }
        }
        let org_id = org_id_from_host(&host);
        Ok(Dsn {
            scheme,
            public_key: public_key.to_string(),
            secret_key: secret_key.map(str::to_string),
            host,
            port,
            path_prefix: prefix.to_string(),
            project_id,
            org_id,
        })
    }

    /// `scheme://host[:port]`: where ingest requests go.
    pub fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{p}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }

    /// `host[:port]`, the form upstream stores and compares.
    pub fn host_with_port(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    /// The envelope endpoint for DSN-authenticated ingest,
    /// `scheme://host[:port][/prefix]/api/<project_id>/envelope/`, without a
    /// query string. Such requests authenticate with the public key
    /// (`sentry_key` in the query or an `X-Sentry-Auth` header), never with an
    /// auth token.
    pub fn envelope_url(&self) -> String {
        format!(
            "{}{}/api/{}/envelope/",
            self.origin(),
            self.path_prefix,
            self.project_id
        )
    }
}

impl fmt::Display for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.public_key)?;
        if let Some(secret) = &self.secret_key {
            write!(f, ":{secret}")?;
        }
        write!(f, "@{}", self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}/{}", self.path_prefix, self.project_id)
    }
}

impl std::str::FromStr for Dsn {
    type Err = DsnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dsn::parse(s)
    }
}

fn split_host_port(hostport: &str) -> Result<(String, Option<u16>), DsnError> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (v6, after) = rest
            .split_once(']')
            .ok_or_else(|| dsn_err("unterminated IPv6 address"))?;
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(dsn_err("invalid IPv6 address"));
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| dsn_err("invalid host"))?),
        };
        (format!("[{}]", v6.to_ascii_lowercase()), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (hostport.to_ascii_lowercase(), None),
        }
    };
    if !host.starts_with('[') {
        let valid = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !valid {
            return Err(dsn_err("invalid host name"));
        }
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(dsn_err(format!("invalid port '{p}'"))),
        },
    };
    Ok((host, port))
}

/// `o123.ingest.sentry.io` / `o123.ingest.us.sentry.io` → 123.
fn org_id_from_host(host: &str) -> Option<u64> {
    let rest = host.strip_prefix('o')?;
    let (digits, tail) = rest.split_once('.')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let tail = tail.strip_prefix("ingest.")?;
    let ok = tail == "sentry.io"
        || tail.strip_suffix(".sentry.io").is_some_and(|region| {
            !region.is_empty() && region.bytes().all(|b| b.is_ascii_lowercase())
        });
    if ok {
        digits.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_saas_dsn_with_org_id() {
        let d = Dsn::parse("https://abc123@o123.ingest.us.sentry.io/456789").unwrap();
        assert_eq!(
            d,
            Dsn {
                scheme: "https".into(),
                public_key: "abc123".into(),
                secret_key: None,
                host: "o123.ingest.us.sentry.io".into(),
                port: None,
                path_prefix: String::new(),
                project_id: 456789,
                org_id: Some(123),
            }
        );
        assert_eq!(
            d.to_string(),
            "https://abc123@o123.ingest.us.sentry.io/456789"
        );
        assert_eq!(
            Dsn::parse("https://k@o1.ingest.sentry.io/2")
                .unwrap()
                .org_id,
            Some(1)
        );
        assert_eq!(
            d.envelope_url(),
            "https://o123.ingest.us.sentry.io/api/456789/envelope/"
        );
    }

    #[test]
    fn parses_self_hosted_with_port_and_prefix() {
        let d = Dsn::parse("http://Key01@Sentry.Example.com:9000/sentry/v2/42").unwrap();
        assert_eq!(d.scheme, "http");
        assert_eq!(d.public_key, "Key01");
        assert_eq!(d.host, "sentry.example.com");
        assert_eq!(d.port, Some(9000));
        assert_eq!(d.path_prefix, "/sentry/v2");
        assert_eq!(d.project_id, 42);
        assert_eq!(d.org_id, None);
        assert_eq!(
            d.to_string(),
            "http://Key01@sentry.example.com:9000/sentry/v2/42"
        );
        assert_eq!(d.origin(), "http://sentry.example.com:9000");
        assert_eq!(
            d.envelope_url(),
            "http://sentry.example.com:9000/sentry/v2/api/42/envelope/"
        );
        let legacy = Dsn::parse("https://pub:sec@sentry.io/1").unwrap();
        assert_eq!(legacy.secret_key.as_deref(), Some("sec"));
        assert_eq!(legacy.to_string(), "https://pub:sec@sentry.io/1");
        let v6 = Dsn::parse("http://k@[::1]:8000/3").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("[::1]", Some(8000)));
        assert_eq!(v6.to_string(), "http://k@[::1]:8000/3");
    }

    #[test]
    fn org_id_only_from_real_ingest_hosts() {
        for host in [
            "o1.ingest.sentry.io.evil.com",
            "o1.ingest.example.com",
            "ox.ingest.sentry.io",
            "o1.sentry.io",
        ] {
            let d = Dsn::parse(&format!("https://k@{host}/1")).unwrap();
            assert_eq!(d.org_id, None, "{host}");
        }
    }

    #[test]
    fn rejects_invalid_dsns_with_clear_reasons() {
        let cases = [
            ("", "Invalid DSN: it is empty"),
            (
                "not a dsn",
                "Invalid DSN: it contains whitespace or control characters",
            ),
            (
                "sentry.io/1",
                "Invalid DSN: expected scheme://<key>@<host>/<project-id>",
            ),
            (
                "ftp://k@h.io/1",
                "Invalid DSN: unsupported scheme 'ftp' (use http or https)",
            ),
            (
                "https://sentry.io/1",
                "Invalid DSN: missing public key (expected <key>@<host>)",
            ),
            (
                "https://@sentry.io/1",
                "Invalid DSN: the public key must be non-empty letters and digits",
            ),
            (
                "https://k@sentry.io",
                "Invalid DSN: missing project ID after the host",
            ),
            (
                "https://k@sentry.io/",
                "Invalid DSN: missing project ID (a trailing '/' is not allowed)",
            ),
            (
                "https://k@sentry.io/1/",
                "Invalid DSN: missing project ID (a trailing '/' is not allowed)",
            ),
            (
                "https://k@sentry.io/abc",
                "Invalid DSN: project ID 'abc' is not a number",
            ),
            (
                "https://k@sentry.io/1?x=1",
                "Invalid DSN: query strings and fragments are not allowed",
            ),
            ("https://k@sentry.io:0/1", "Invalid DSN: invalid port '0'"),
            (
                "https://k@sentry.io:99999/1",
                "Invalid DSN: invalid port '99999'",
            ),
            ("https://k@-bad.io/1", "Invalid DSN: invalid host name"),
            ("https://k@/1", "Invalid DSN: invalid host name"),
            (
                "https://k@h.io//1",
                "Invalid DSN: the path before the project ID has an invalid segment",
            ),
            (
                "https://k@h.io/../1",
                "Invalid DSN: the path before the project ID has an invalid segment",
            ),
            ("https://k@[zz]/1", "Invalid DSN: invalid IPv6 address"),
            (
                "https://k@h.io/99999999999999999999999",
                "Invalid DSN: project ID is too large",
            ),
        ];
        for (input, msg) in cases {
            assert_eq!(Dsn::parse(input).unwrap_err().to_string(), msg, "{input:?}");
        }
        // The secret never appears in the error.
        let err = Dsn::parse("https://pub:topsecret@h.io/x")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("topsecret"));
    }
}
