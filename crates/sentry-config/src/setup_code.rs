//! Setup codes (`SENTRY_SETUP_CODE`): a one-time code Sentry hands out so that a machine can
//! log in without a browser (`sentry auth bootstrap`). The shape is
//! `sntryc_<base64 of a JSON object {"url": ...}>_<secret>`, the secret being exactly 43
//! characters of standard base64 (`[A-Za-z0-9+/]`, 32 bytes unpadded). The URL names the
//! instance that issued the code, which is where the code is redeemed.
//!
//! The checks and both messages are upstream's (0.49): the shape first ("Invalid Sentry
//! setup code."), then the URL, which must be an http(s) URL with a host and no credentials
//! ("Invalid setup-code instance URL."); its origin is what counts, so a path or query in it
//! is dropped. Errors never contain the code.

use crate::token::STANDARD;
use base64::Engine;

/// The environment variable the code is read from.
pub const SETUP_CODE_ENV: &str = "SENTRY_SETUP_CODE";

pub use sentry_wire::tokens::SETUP_CODE_PREFIX;

/// Length of the secret part.
const SECRET_LEN: usize = 43;

/// Why a setup code cannot be used. `Display` is the message upstream prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SetupCodeError {
    /// Not `sntryc_<base64>_<43-character secret>`, or the payload is not JSON.
    #[error("Invalid Sentry setup code.")]
    Malformed,
    /// The payload has no `url` string, or it is not a credential-free http(s) URL.
    #[error("Invalid setup-code instance URL.")]
    InvalidUrl,
}

fn is_b64(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/'
}

/// The origin (`scheme://host[:port]`, default port dropped) of the instance that issued
/// `code`. Surrounding whitespace is ignored.
pub fn setup_code_url(code: &str) -> Result<String, SetupCodeError> {
    let rest = code
        .trim()
        .strip_prefix(SETUP_CODE_PREFIX)
        .ok_or(SetupCodeError::Malformed)?;
    // Neither part may contain `_`, so the last one separates them.
    let (payload, secret) = rest.rsplit_once('_').ok_or(SetupCodeError::Malformed)?;
    let payload_ok = !payload.is_empty() && payload.chars().all(|c| is_b64(c) || c == '=');
    let secret_ok = secret.len() == SECRET_LEN && secret.chars().all(is_b64);
    if !payload_ok || !secret_ok {
        return Err(SetupCodeError::Malformed);
    }
    let bytes = STANDARD
        .decode(payload)
        .map_err(|_| SetupCodeError::Malformed)?;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| SetupCodeError::Malformed)?;
    let url = json
        .get("url")
        .and_then(serde_json::Value::as_str)
        .ok_or(SetupCodeError::InvalidUrl)?;
    instance_origin(url).ok_or(SetupCodeError::InvalidUrl)
}

/// The origin of an http(s) URL with a host and without credentials (upstream's rule for
/// instance URLs, which keeps only the origin).
fn instance_origin(url: &str) -> Option<String> {
    let u = ::url::Url::parse(url).ok()?;
    let ok = matches!(u.scheme(), "http" | "https")
        && u.host_str().is_some_and(|h| !h.is_empty())
        && u.username().is_empty()
        && u.password().is_none();
    ok.then(|| u.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD as PADDED;

    const SECRET: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJK+/0123";

    fn code(payload: &str) -> String {
        format!("sntryc_{}_{SECRET}", PADDED.encode(payload))
    }

    #[test]
    fn the_url_is_the_issuing_origin() {
        assert_eq!(SECRET.len(), 43);
        let ok = |p: &str| setup_code_url(&code(p));
        assert_eq!(
            ok(r#"{"url":"https://sentry.example.com"}"#),
            Ok("https://sentry.example.com".into())
        );
        assert_eq!(
            ok(r#"{"url":"http://127.0.0.1:8969/"}"#),
            Ok("http://127.0.0.1:8969".into())
        );
        // Only the origin counts: path, query and the default port go; case folds.
        assert_eq!(
            ok(r#"{"url":"HTTPS://Sentry.Example.com:443/org/x?y#z"}"#),
            Ok("https://sentry.example.com".into())
        );
        // Other keys are ignored.
        assert_eq!(
            ok(r#"{"url":"https://de.sentry.io","region":"de"}"#),
            Ok("https://de.sentry.io".into())
        );
        // Whitespace around the value (a pasted line) is not part of the code.
        let padded = format!("  {}\n", code(r#"{"url":"https://h"}"#));
        assert_eq!(setup_code_url(&padded), Ok("https://h".into()));
    }

    #[test]
    fn unpadded_payloads_are_accepted() {
        let payload = PADDED.encode(r#"{"url":"https://h1"}"#);
        assert!(payload.ends_with('='), "{payload}");
        let c = format!("sntryc_{}_{SECRET}", payload.trim_end_matches('='));
        assert_eq!(setup_code_url(&c), Ok("https://h1".into()));
    }

    #[test]
    fn a_wrong_shape_is_malformed() {
        use SetupCodeError::Malformed;
        let good = code(r#"{"url":"https://h"}"#);
        assert!(setup_code_url(&good).is_ok());
        let payload = PADDED.encode(r#"{"url":"https://h"}"#);
        for bad in [
            String::new(),
            "garbage".to_string(),
            good.replacen("sntryc_", "sntrys_", 1),
            good.replacen("sntryc_", "SNTRYC_", 1),
            format!("sntryc__{SECRET}"),
            format!("sntryc_{payload}"),
            format!("sntryc_{payload}_{}", &SECRET[1..]),
            format!("sntryc_{payload}_{SECRET}x"),
            format!("sntryc_{payload}_{}-", &SECRET[1..]),
            format!("sntryc_{payload}_{SECRET}_{SECRET}"),
            format!("sntryc_{}_{SECRET}", payload.replace('e', "-")),
            // Valid characters that do not decode, and decode to something not JSON.
            format!("sntryc_A_{SECRET}"),
            format!("sntryc_{}_{SECRET}", PADDED.encode("not json")),
        ] {
            assert_eq!(setup_code_url(&bad), Err(Malformed), "{bad:?}");
        }
    }

    #[test]
    fn a_payload_without_a_usable_url_is_an_invalid_url() {
        use SetupCodeError::InvalidUrl;
        for payload in [
            r#"{}"#,
            r#"{"uri":"https://h"}"#,
            r#"{"url":null}"#,
            r#"{"url":42}"#,
            r#"{"url":""}"#,
            r#"{"url":"sentry.example.com"}"#,
            r#"{"url":"/relative"}"#,
            r#"{"url":"ftp://h"}"#,
            r#"{"url":"https://user:pw@h"}"#,
            r#"{"url":"https://user@h"}"#,
            r#"[{"url":"https://h"}]"#,
            r#""https://h""#,
        ] {
            assert_eq!(setup_code_url(&code(payload)), Err(InvalidUrl), "{payload}");
        }
    }

    #[test]
    fn messages_are_upstreams_and_never_echo_the_code() {
        let c = code(r#"{"url":"ftp://h"}"#);
        let e = setup_code_url(&c).unwrap_err();
        assert_eq!(e.to_string(), "Invalid setup-code instance URL.");
        assert_eq!(
            SetupCodeError::Malformed.to_string(),
            "Invalid Sentry setup code."
        );
        assert!(!format!("{e:?}").contains(SECRET));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,120}") {
            let _ = setup_code_url(&s);
        }

        #[test]
        fn any_http_host_round_trips(
            host in "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){0,2}",
            port in proptest::option::of(1u16..),
            https in proptest::bool::ANY,
        ) {
            let scheme = if https { "https" } else { "http" };
            let url = match port {
                Some(p) => format!("{scheme}://{host}:{p}"),
                None => format!("{scheme}://{host}"),
            };
            let expected = ::url::Url::parse(&url).unwrap().origin().ascii_serialization();
            let c = code(&serde_json::json!({ "url": url }).to_string());
            proptest::prop_assert_eq!(setup_code_url(&c), Ok(expected));
        }
    }
}
