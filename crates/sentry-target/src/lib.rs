//! Pure parsing and detection behind target resolution in the `sentry` CLI.
//!
//! Nothing here performs HTTP, touches SQLite or reads the process
//! environment: the binary passes inputs in (arguments, an env snapshot, a
//! directory) and performs the network lookups and caching itself. Keeping
//! this layer pure makes every classification decision testable and keeps
//! malformed input from ever reaching the network.

pub mod aliases;
pub mod dsn;
mod error;
pub mod event_id;
pub mod issue_id;
pub mod period;
pub mod target;
mod validate;
mod weburl;

pub use error::TargetError;
pub use event_id::{parse_event_id, EventIdInput, EventIdRefusal, Partial};
pub use issue_id::{
    expand_short_id, is_exact_short_id, parse_issue_ref, IssueRef, Selector, UrlIssue,
};
pub use period::{
    parse_cursor, parse_limit, parse_period, validate_limit, validate_limit_between, CursorArg,
    MAX_LIMIT,
};
pub use target::{parse_target, Target};
