//! Credentials: which token a command uses, where it may be sent, how an OAuth session is
//! obtained (device flow) and kept alive (refresh), shared by the `auth` commands and by
//! [`crate::context::Context::client`].

pub mod accounts;
pub mod device;
pub mod env_account;
pub mod host;
pub mod interrupt;
pub mod oauth;
pub mod qr;
pub mod refresh;
pub mod scopes;
pub mod select;

pub use select::{ActiveToken, Selection, TokenSource};

/// The public OAuth application of sentry.io; self-hosted instances (≥ 26.1.0) ship the same
/// public client, so one id works everywhere unless `SENTRY_CLIENT_ID` overrides it.
pub const DEFAULT_CLIENT_ID: &str =
    "1d673b81d60ef84c951359c36296972ca6fd41bd8f45acd2d3a783a3b3c28e41";
