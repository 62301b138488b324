//! `sentry local`: a Sentry-compatible server that runs on a developer's machine.
//!
//! It exists so that the CLI can be used (and tested) without an account: SDKs send
//! envelopes to it, it groups them into issues, and it answers the REST API the CLI uses.
//! Everything is real HTTP over a loopback socket and real SQLite storage.

pub mod api;
pub mod auth;
pub mod control;
pub mod control_regions;
pub mod db;
pub mod envelope;
pub mod error;
pub mod events;
pub mod faults;
pub mod grouping;
pub mod ingest;
pub mod oauth;
pub mod serve;
pub mod server;
pub mod state;
pub mod stream;

pub use serve::{serve_blocking, serve_forever, ReadyInfo};
pub use server::{start, RunningServer, ServerConfig};
pub use stream::{child_env, tail};
