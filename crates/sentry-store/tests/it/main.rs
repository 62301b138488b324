//! The integration tests of `sentry-store`, as one test binary (one link instead of one per
//! file). Each module is one former `tests/*.rs` file; `common` holds the upstream DDL, the
//! fixtures in `tests/fixtures/` and SQLite helpers they share.
//!
//! `concurrency` and `degradation` re-run one of their tests in a child process (other
//! processes holding the lock; the read-only scenario as user `nobody`): they name it with
//! `test_support::libtest_name(module_path!(), …)`, which follows the module path.

mod accounts;
mod behaviour;
mod common;
mod concurrency;
mod degradation;
mod interop;
mod schema_compat;
