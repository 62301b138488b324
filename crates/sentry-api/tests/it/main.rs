//! The integration tests of `sentry-api`, as one test binary (one link instead of one per
//! file). Each module is one former `tests/*.rs` file; `support` is the scripted HTTP server and
//! proxy they share.

mod http;
mod link_proptest;
mod support;
mod tls;
