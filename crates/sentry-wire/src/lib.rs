//! What the `sentry` CLI and the local server (`sentry-local`) must agree on, defined once so
//! the two sides cannot drift apart: how a secret is shown to a person.
//!
//! No dependencies: the settings crate, the HTTP pipeline, the server and the binary all use
//! it without pulling in each other.

mod mask;

pub use mask::{mask, mask_token, TOKEN_HIDDEN_UP_TO};
