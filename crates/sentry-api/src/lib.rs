//! The one HTTP pipeline of the `sentry` CLI.
//!
//! Every request goes through [`Client`]: URL construction (`/api/0/`), host-scoped bearer
//! auth, the User-Agent, custom headers, proxy and CA settings, per-attempt timeouts,
//! retries with `Retry-After`, same-origin-only credentials on redirects, one token refresh
//! after a 401, `Link` pagination and error rendering with exit codes. The crate reads no
//! environment variables and no files except the CA files it is given: the binary resolves
//! settings and passes a [`ClientConfig`].

mod client;
mod config;
mod endpoints;
mod error;
mod link;
mod paginate;
pub mod resources;
mod response;
pub mod retry;
pub mod scope;
mod sse;
mod urls;

pub use client::{Client, RequestBuilder, RETRY_MARKER_HEADER};
pub use config::{
    user_agent, ClientConfig, ProxyConfig, RetryNotice, RetryObserver, TokenRefresher,
};
pub use endpoints::{org_region_url, Region, MAX_ORGANIZATIONS};
pub use error::{ApiError, HttpError};
pub use link::{parse_link_header, Links};
pub use paginate::{Page, Pages, Paging, MAX_PER_PAGE};
pub use resources::models::{self, Raw};
pub use resources::OrgApi;
pub use response::ApiResponse;
pub use scope::{Binding, Credential, Provenance, Route, Sourced};
pub use sse::{EventStream, SseEvent};
pub use urls::{api_url, encode_segment, redact_userinfo, Origin};

/// Sentry SaaS: where a token that names no host belongs.
pub const DEFAULT_URL: &str = "https://sentry.io";
