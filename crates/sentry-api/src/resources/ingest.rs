//! DSN-authenticated ingest: the envelope endpoint SDKs post to (`event send`, `monitor run`).
//!
//! These requests never carry the auth token: the DSN's public key is the credential, sent
//! in an `X-Sentry-Auth` header, and the request goes to the DSN's own host (which may be
//! an ingest host other than the API server). The caller hands over the DSN's envelope URL
//! and public key; this module only builds the envelope and sends it.

use std::time::Duration;

use serde_json::Value;

use crate::{ApiError, ApiResponse, Client};

/// Content type of envelopes.
pub const ENVELOPE_CONTENT_TYPE: &str = "application/x-sentry-envelope";

/// Where and how to post envelopes for one DSN.
#[derive(Debug, Clone)]
pub struct IngestTarget {
    /// `scheme://host[:port][/prefix]/api/<project_id>/envelope/`.
    pub envelope_url: String,
    /// The DSN's public key (`sentry_key`).
    pub public_key: String,
}

impl IngestTarget {
    /// The `X-Sentry-Auth` header value for this DSN.
    pub fn auth_header(&self, client_name: &str) -> String {
        format!(
            "Sentry sentry_version=7, sentry_key={}, sentry_client={client_name}",
            self.public_key
        )
    }
}

/// An envelope: a JSON header line, then per item a header line and its payload.
/// Item headers carry the payload `length` so that payloads may contain newlines.
pub fn envelope(header: &Value, items: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = serde_json::to_vec(header).unwrap_or_else(|_| b"{}".to_vec());
    for (ty, payload) in items {
        body.push(b'\n');
        let item = serde_json::json!({"type": ty, "length": payload.len()});
        body.extend_from_slice(item.to_string().as_bytes());
        body.push(b'\n');
        body.extend_from_slice(payload);
    }
    body.push(b'\n');
    body
}

impl Client {
    /// `POST <dsn host>/api/{project}/envelope/` with `body` sent as is, authenticated by the
    /// DSN's public key only. Non-2xx answers are [`ApiError::Http`].
    pub fn send_envelope(
        &self,
        target: &IngestTarget,
        body: Vec<u8>,
        timeout: Option<Duration>,
    ) -> Result<ApiResponse, ApiError> {
        let client_name = format!("sentry-cli/{}", env!("CARGO_PKG_VERSION"));
        let mut req = self
            .post(&target.envelope_url)
            .without_auth()
            .header("X-Sentry-Auth", target.auth_header(&client_name))
            .body(body, ENVELOPE_CONTENT_TYPE);
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        req.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_lengths_and_trailing_newline() {
        let body = envelope(
            &serde_json::json!({"event_id": "ab"}),
            &[("event", b"{\"a\":1}")],
        );
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "{\"event_id\":\"ab\"}\n{\"type\":\"event\",\"length\":7}\n{\"a\":1}\n"
        );
    }

    #[test]
    fn auth_header_names_key() {
        let t = IngestTarget {
            envelope_url: "http://h/api/1/envelope/".into(),
            public_key: "k".into(),
        };
        assert_eq!(
            t.auth_header("c/1"),
            "Sentry sentry_version=7, sentry_key=k, sentry_client=c/1"
        );
    }
}
