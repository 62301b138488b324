//! The prefixes that mark Sentry's kinds of credential strings. Each kind is recognised by
//! its prefix alone (org tokens carry claims after it, setup codes a payload), and every
//! prefix is redacted from logs.

/// A user auth token (personal or OAuth access token): `sntryu_<hex>`.
pub const USER_TOKEN_PREFIX: &str = "sntryu_";

/// An organization auth token: `sntrys_<base64 JSON claims>_<secret>`.
pub const ORG_TOKEN_PREFIX: &str = "sntrys_";

/// A one-time setup code: `sntryc_<base64 JSON {"url": ...}>_<secret>`.
pub const SETUP_CODE_PREFIX: &str = "sntryc_";
