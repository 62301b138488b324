//! What the `sentry` CLI and the local server (`sentry-local`) must agree on, defined once so
//! the two sides cannot drift apart: the REST API's prefix, the OAuth endpoints, grant types
//! and scopes, the prefixes that mark Sentry's token kinds, and how a secret is shown to a
//! person.
//!
//! No dependencies: the settings crate, the HTTP pipeline, the server and the binary all use
//! it without pulling in each other.

mod mask;
pub mod oauth;
pub mod scopes;
pub mod tokens;

pub use mask::{mask, mask_token, TOKEN_HIDDEN_UP_TO};

/// Where the REST API lives on a Sentry server (no trailing slash): `/api/0/organizations/`.
pub const API_PREFIX: &str = "/api/0";
