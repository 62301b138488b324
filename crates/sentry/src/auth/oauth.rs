//! The OAuth endpoints of a Sentry host: device authorization (RFC 8628) and the token
//! endpoint (device-code, setup-code and refresh-token grants). Requests carry no bearer
//! token.

use sentry_wire::oauth::{
    DEVICE_CODE_GRANT, DEVICE_CODE_PATH, REFRESH_TOKEN_GRANT, SETUP_CODE_GRANT, TOKEN_PATH,
};
use serde_json::Value;

use crate::error::{exit, CliError};

/// What `POST /oauth/device/code/` hands back.
#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    pub interval: u64,
}

impl DeviceCode {
    /// The URL a person opens: the complete one, else the plain one with the code attached.
    pub fn complete_url(&self) -> String {
        self.verification_uri_complete
            .clone()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| {
                let sep = if self.verification_uri.contains('?') {
                    '&'
                } else {
                    '?'
                };
                format!("{}{sep}user_code={}", self.verification_uri, self.user_code)
            })
    }
}

/// The identity the token endpoint may include.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantUser {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A successful token response.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: u64,
    pub user: Option<GrantUser>,
}

impl TokenGrant {
    /// The session to store for `host`, issued now.
    pub fn record(&self, host: &str) -> sentry_store::AuthRecord {
        sentry_store::AuthRecord::issued_now(
            self.access_token.clone(),
            self.refresh_token.clone(),
            Some(self.expires_in),
            Some(host.to_string()),
        )
    }
}

/// One classified token-endpoint answer.
#[derive(Debug, Clone)]
pub enum TokenAnswer {
    Granted(TokenGrant),
    /// RFC 6749 §5.2 error: code and optional description.
    Error(String, Option<String>),
}

/// Failure of an OAuth call before a classified answer exists.
#[derive(Debug, Clone)]
pub enum CallError {
    /// Could not reach the host (connect, DNS, TLS, timeout).
    Unreachable(sentry_api::ApiError),
    /// Something else; already a user-facing error.
    Other(CliError),
}

pub struct OAuthClient {
    http: sentry_api::Client,
    pub host: String,
    pub client_id: String,
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn num_field(v: &Value, key: &str) -> Option<u64> {
    let n = v.get(key)?;
    n.as_u64()
        .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
}

/// Classifies a token-endpoint body (the HTTP status is not trusted: proxies and servers
/// disagree on 400 vs 401 vs 200 for pending grants).
pub fn classify_token_body(body: &[u8]) -> Result<TokenAnswer, CliError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| {
        CliError::new(exit::DEVICE_FLOW, "Unexpected response from token endpoint").with_detail(
            "The server returned a non-JSON response; a proxy or CDN may be intercepting requests.",
        )
    })?;
    if let (Some(access), Some(_), Some(expires_in)) = (
        str_field(&v, "access_token"),
        str_field(&v, "token_type"),
        num_field(&v, "expires_in"),
    ) {
        let user = v.get("user").filter(|u| u.is_object()).and_then(|u| {
            let id = match u.get("id")? {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some(GrantUser {
                id,
                name: str_field(u, "name").filter(|s| !s.is_empty()),
                email: str_field(u, "email").filter(|s| !s.is_empty()),
            })
        });
        return Ok(TokenAnswer::Granted(TokenGrant {
            access_token: access,
            refresh_token: str_field(&v, "refresh_token").filter(|s| !s.is_empty()),
            expires_in,
            user,
        }));
    }
    if let Some(code) = str_field(&v, "error") {
        return Ok(TokenAnswer::Error(
            code,
            str_field(&v, "error_description").filter(|s| !s.is_empty()),
        ));
    }
    let shown = crate::logging::redact(&v.to_string());
    Err(
        CliError::new(exit::DEVICE_FLOW, "Unexpected response from token endpoint")
            .with_detail(shown),
    )
}

impl OAuthClient {
    /// `template` carries proxy/CA/header settings; its base URL and token are replaced.
    pub fn new(
        mut template: sentry_api::ClientConfig,
        host: &str,
        client_id: &str,
    ) -> Result<OAuthClient, CliError> {
        template.route.base_url.value = host.to_string();
        // No bearer token, but the token endpoint's answers and the refresh grants are
        // credentials: binding the client to `host` makes the token rule refuse a project
        // file's proxy or TLS override for them too.
        template.credential = Some(sentry_api::Credential {
            token: String::new(),
            binding: sentry_api::Binding::Hosts(vec![host.to_string()]),
            label: "OAuth login".into(),
        });
        template.refresher = None;
        // A login that cannot reach its server should say so quickly.
        template.max_retries = template.max_retries.min(1);
        template.retry_base_delay = std::time::Duration::from_millis(300);
        let http = sentry_api::Client::new(template).map_err(crate::context::api_error)?;
        Ok(OAuthClient {
            http,
            host: host.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
        })
    }

    /// A form POST to `path` on the host, without a bearer token. Every OAuth form carries
    /// a credential (device code, refresh token, setup code), so a redirect is never
    /// followed: the body would go to wherever the redirect points.
    fn form_post(&self, path: &str, pairs: &[(&str, &str)]) -> sentry_api::RequestBuilder<'_> {
        self.http
            .request("POST", &format!("{}{path}", self.host))
            .without_auth()
            .body(form(pairs), "application/x-www-form-urlencoded")
            .no_redirects()
    }

    fn post_form(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> Result<sentry_api::ApiResponse, CallError> {
        Self::send(self.form_post(path, pairs))
    }

    fn send(req: sentry_api::RequestBuilder<'_>) -> Result<sentry_api::ApiResponse, CallError> {
        req.send_raw().map_err(|e| match e {
            sentry_api::ApiError::Network { .. }
            | sentry_api::ApiError::Tls { .. }
            | sentry_api::ApiError::Timeout { .. } => CallError::Unreachable(e),
            other => CallError::Other(crate::context::api_error(other)),
        })
    }

    /// Starts the device flow for `scopes`.
    pub fn device_code(&self, scopes: &[String]) -> Result<DeviceCode, CallError> {
        let scope = scopes.join(" ");
        let resp = self.post_form(
            DEVICE_CODE_PATH,
            &[("client_id", &self.client_id), ("scope", &scope)],
        )?;
        if !resp.is_success() {
            let mut err = CliError::new(
                exit::DEVICE_FLOW,
                format!(
                    "Failed to initiate device flow: {} {}",
                    resp.status(),
                    resp.status_text()
                ),
            );
            let body = resp.text();
            if !body.trim().is_empty() {
                err = err.with_detail(body.trim().chars().take(500).collect::<String>());
            }
            return Err(CallError::Other(err));
        }
        let invalid = |detail: &str| {
            CallError::Other(
                CliError::new(
                    exit::DEVICE_FLOW,
                    "Invalid response from device authorization endpoint",
                )
                .with_detail(detail),
            )
        };
        let v: Value = serde_json::from_slice(resp.body())
            .map_err(|_| invalid("The server returned a non-JSON response body."))?;
        let need_str =
            |k: &str| str_field(&v, k).ok_or_else(|| invalid(&format!("{k}: expected a string")));
        let need_num =
            |k: &str| num_field(&v, k).ok_or_else(|| invalid(&format!("{k}: expected a number")));
        Ok(DeviceCode {
            device_code: need_str("device_code")?,
            user_code: need_str("user_code")?,
            verification_uri: need_str("verification_uri")?,
            verification_uri_complete: str_field(&v, "verification_uri_complete"),
            expires_in: need_num("expires_in")?,
            interval: need_num("interval")?,
        })
    }

    /// One poll of the token endpoint with the device code.
    pub fn poll(&self, device_code: &str) -> Result<TokenAnswer, CallError> {
        let resp = self.post_form(
            TOKEN_PATH,
            &[
                ("client_id", &self.client_id),
                ("device_code", device_code),
                ("grant_type", DEVICE_CODE_GRANT),
            ],
        )?;
        classify_token_body(resp.body()).map_err(CallError::Other)
    }

    /// The setup-code grant (`sentry auth bootstrap`): one POST of the code, never
    /// redirected. Any non-2xx answer (an unknown, used or expired code is `invalid_grant`)
    /// and any 2xx body that is not a token response fail with upstream's messages (exit 12),
    /// the server's OAuth error description, if any, as a detail line.
    pub fn redeem_setup_code(&self, setup_code: &str) -> Result<TokenGrant, CallError> {
        let pairs = [
            ("grant_type", SETUP_CODE_GRANT),
            ("client_id", self.client_id.as_str()),
            ("setup_code", setup_code),
        ];
        // The body is the credential: a redirect is answered as is, so it goes nowhere else.
        let resp = Self::send(self.form_post(TOKEN_PATH, &pairs))?;
        if !resp.is_success() {
            let mut err = CliError::new(
                exit::TOKEN_INVALID,
                "Setup-code authentication failed. Generate a new setup code in Sentry and try again.",
            );
            let v: Value = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
            let why = str_field(&v, "error_description")
                .or_else(|| str_field(&v, "error"))
                .map(|s| s.trim().chars().take(300).collect::<String>())
                .filter(|s| !s.is_empty() && !s.chars().any(char::is_control));
            if let Some(why) = why {
                err = err.with_detail(why);
            } else if (300..400).contains(&resp.status()) {
                err = err.with_detail(format!(
                    "The server answered {} {} (a redirect); the code was not sent on.",
                    resp.status(),
                    resp.status_text()
                ));
            } else {
                err = err.with_detail(format!("{} {}", resp.status(), resp.status_text()));
            }
            return Err(CallError::Other(err));
        }
        let invalid = || {
            CallError::Other(CliError::new(
                exit::TOKEN_INVALID,
                "The setup endpoint returned an invalid token response. Generate a new setup code in Sentry.",
            ))
        };
        match classify_token_body(resp.body()) {
            // A token that is not one printable line cannot be sent as a header later.
            Ok(TokenAnswer::Granted(g))
                if !g.access_token.is_empty()
                    && g.access_token.chars().all(|c| c.is_ascii_graphic()) =>
            {
                Ok(g)
            }
            _ => Err(invalid()),
        }
    }

    /// The refresh-token grant. `Ok(Err(description))` means the server rejected the refresh
    /// token (the session is over); transport and server failures are `Err`.
    pub fn refresh(&self, refresh_token: &str) -> Result<Result<TokenGrant, String>, CallError> {
        let resp = self.post_form(
            TOKEN_PATH,
            &[
                ("client_id", &self.client_id),
                ("grant_type", REFRESH_TOKEN_GRANT),
                ("refresh_token", refresh_token),
            ],
        )?;
        let status = resp.status();
        if resp.is_success() {
            return match classify_token_body(resp.body()).map_err(CallError::Other)? {
                TokenAnswer::Granted(g) => Ok(Ok(g)),
                TokenAnswer::Error(code, desc) => Ok(Err(desc.unwrap_or(code))),
            };
        }
        if (400..500).contains(&status) {
            let v: Value = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
            let why = str_field(&v, "error_description")
                .filter(|s| !s.is_empty())
                .or_else(|| str_field(&v, "error").filter(|s| !s.is_empty()))
                .unwrap_or_else(|| "Token refresh failed".to_string());
            return Ok(Err(why));
        }
        // 5xx: the server is unwell, the session may be fine. Keep the credentials.
        let mut err = CliError::new(
            exit::API,
            format!("Token refresh failed: {} {}", status, resp.status_text()),
        );
        let body = resp.text();
        if !body.trim().is_empty() {
            err = err.with_detail(body.trim().chars().take(300).collect::<String>());
        }
        Err(CallError::Other(err))
    }
}

/// The user-facing error for an unreachable OAuth host.
pub fn unreachable_error(host: &str, e: &sentry_api::ApiError, exit_code: i32) -> CliError {
    let headline = match e {
        sentry_api::ApiError::Tls { .. } => format!("TLS certificate error connecting to {host}"),
        _ => format!("Cannot connect to Sentry at {host}"),
    };
    CliError::new(exit_code, headline)
        .with_hint("Check your network connection and SENTRY_URL configuration")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_bodies() {
        match classify_token_body(br#"{"error":"authorization_pending"}"#).unwrap() {
            TokenAnswer::Error(c, d) => {
                assert_eq!(c, "authorization_pending");
                assert_eq!(d, None);
            }
            _ => panic!(),
        }
        match classify_token_body(
            br#"{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r","user":{"id":42,"name":"","email":"e@x"}}"#,
        )
        .unwrap()
        {
            TokenAnswer::Granted(g) => {
                assert_eq!(g.access_token, "a");
                assert_eq!(g.refresh_token.as_deref(), Some("r"));
                assert_eq!(g.expires_in, 3600);
                assert_eq!(
                    g.user,
                    Some(GrantUser { id: "42".into(), name: None, email: Some("e@x".into()) })
                );
            }
            _ => panic!(),
        }
        // expires_in is required.
        let e = classify_token_body(br#"{"access_token":"a","token_type":"bearer"}"#).unwrap_err();
        assert_eq!(e.message, "Unexpected response from token endpoint");
        assert_eq!(e.exit_code, 51);
        let e = classify_token_body(b"<html>").unwrap_err();
        assert!(e.details[0].contains("proxy or CDN"));
    }

    #[test]
    fn complete_url_fallback() {
        let mut d = DeviceCode {
            device_code: "d".into(),
            user_code: "ABCD-EFGH".into(),
            verification_uri: "https://h/oauth/device/".into(),
            verification_uri_complete: None,
            expires_in: 1,
            interval: 1,
        };
        assert_eq!(
            d.complete_url(),
            "https://h/oauth/device/?user_code=ABCD-EFGH"
        );
        d.verification_uri_complete = Some("https://h/x?user_code=Q".into());
        assert_eq!(d.complete_url(), "https://h/x?user_code=Q");
    }
}
