//! `sentry local`: a Sentry-compatible server that runs on a developer's machine.
//!
//! It exists so that the CLI can be used (and tested) without an account: SDKs send
//! envelopes to it, it groups them into issues, and it answers the REST API the CLI uses.
//! Everything is real HTTP over a loopback socket and real SQLite storage.
//!
//! The crate exports only what its users need: starting a server (in the background with
//! [`start`], in the foreground with [`serve_blocking`]), its configuration, the environment
//! `sentry local run` gives its child, and the rendering of `/stream` messages for
//! `sentry local` (the tail's HTTP client is the CLI's own, in sentry-api).

mod api;
mod auth;
mod control;
mod control_regions;
mod db;
pub mod envelope;
mod error;
mod events;
mod faults;
mod feedback;
mod grouping;
mod ingest;
mod migrations;
mod oauth;
mod request_log;
mod routing;
mod serve;
mod server;
mod sourcemaps;
mod state;
mod stream;

pub use request_log::{RequestLine, RequestLog};
pub use serve::{serve_blocking, serve_forever, ReadyInfo};
pub use server::{start, RunningServer, ServerConfig};
pub use stream::{child_env, describe_message};
