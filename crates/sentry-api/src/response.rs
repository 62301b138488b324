//! A fully read HTTP response.

use serde::de::DeserializeOwned;

use crate::error::{looks_like_html, HttpError};
use crate::link::{parse_link_header, Links};
use crate::ApiError;

/// A response whose body has been read into memory.
///
/// Bodies are small JSON documents; reading them eagerly lets the pipeline decide on retries,
/// refreshes and error rendering with the whole body at hand.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) url: String,
    pub(crate) endpoint: String,
}

impl ApiResponse {
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Canonical reason phrase (`Not Found`), empty for unknown codes.
    pub fn status_text(&self) -> &'static str {
        status_text(self.status)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// All headers in arrival order; names lower-cased; repeated headers appear repeatedly.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// First value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a multi-valued header, in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// Body as text, lossily decoded.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Final URL (after redirects).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The endpoint as the caller passed it.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Decodes the JSON body; HTML and other non-JSON bodies get an error that says so
    /// instead of a serde position message.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let html = looks_like_html(self.header("content-type"), &self.body);
            let reason = if self.body.iter().all(|b| b.is_ascii_whitespace()) {
                "The response body is empty; JSON was expected.".to_string()
            } else if e.is_data() {
                format!("The JSON response has an unexpected shape: {e}")
            } else {
                format!("The response is not valid JSON: {e}")
            };
            ApiError::InvalidResponse {
                endpoint: self.endpoint.clone(),
                status: self.status,
                reason,
                html,
            }
        })
    }

    /// Pagination cursors from all `Link` headers.
    pub fn link(&self) -> Links {
        let joined = self.header_all("link").join(", ");
        parse_link_header(&joined)
    }

    /// Turns a non-2xx response into the matching [`ApiError::Http`].
    pub fn error_for_status(self, method: &str) -> Result<ApiResponse, ApiError> {
        if self.is_success() {
            return Ok(self);
        }
        Err(ApiError::Http(Box::new(HttpError {
            method: method.to_string(),
            content_type: self.header("content-type").map(str::to_string),
            status_text: status_text(self.status).to_string(),
            status: self.status,
            endpoint: self.endpoint,
            url: self.url,
            body: self.body,
        })))
    }
}

pub(crate) fn status_text(status: u16) -> &'static str {
    match status {
        // Cloudflare's, common in front of self-hosted installs; not in the `http` crate.
        520 => "Unknown Error",
        521 => "Web Server Is Down",
        522 => "Connection Timed Out",
        523 => "Origin Is Unreachable",
        524 => "A Timeout Occurred",
        _ => ureq::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or(""),
    }
}
