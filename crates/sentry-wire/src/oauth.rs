//! The OAuth endpoints and grant types `sentry auth login` (device flow), `sentry auth
//! bootstrap` (setup codes) and token refresh use, as Sentry serves them.

/// Starts the device flow (RFC 8628 §3.1): `POST` with `client_id` and `scope`.
pub const DEVICE_CODE_PATH: &str = "/oauth/device/code/";

/// Redeems every grant: device code, setup code, refresh token.
pub const TOKEN_PATH: &str = "/oauth/token/";

/// Mints a one-time setup code for the bearer token's user (the local server's stand-in for
/// Sentry's web UI, which `sentry local setup-code` calls).
pub const SETUP_CODE_PATH: &str = "/oauth/setup-code/";

/// The grant type string of RFC 8628 §3.4.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The grant type Sentry's token endpoint redeems one-time setup codes with.
pub const SETUP_CODE_GRANT: &str = "urn:sentry:params:oauth:grant-type:setup_code";

/// The refresh-token grant of RFC 6749 §6.
pub const REFRESH_TOKEN_GRANT: &str = "refresh_token";
