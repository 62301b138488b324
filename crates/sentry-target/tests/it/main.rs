//! The integration tests of `sentry-target`, as one test binary (one link instead of one per
//! file). Each module is one former `tests/*.rs` file.

mod detect;
mod never_panic;
