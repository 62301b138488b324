//! The integration tests of `sentry-local`, as one test binary (one link instead of one per
//! file). Each module is one former `tests/*.rs` file; `common` is the server and HTTP client
//! helpers they share. `tests/errors.rs` stays a binary of its own: see Cargo.toml.

mod api;
mod blocking;
mod common;
mod explore;
mod faults;
mod ingest;
mod migrations;
mod monitors;
mod oauth;
mod releases;
mod request_log;
mod scopes;
mod stream;
mod timeseries;
mod tracemetrics;
mod uploads;
