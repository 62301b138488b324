//! Helpers shared by the integration tests of the workspace's crates (a dev-dependency only):
//! running a program with a clean environment in a throw-away directory tree, reading what it
//! printed, the assertions every test file repeats, and re-running one test in a child process.
//!
//! Nothing here starts the local server or names the `sentry` binary: `assert_cmd`'s
//! `cargo_bin` only finds binaries of the crate whose tests call it, so each crate wires those
//! in its own test module (`crates/sentry/tests/it/common.rs`) and passes paths here.

mod assert;
mod libtest;
mod process;
mod sandbox;

pub use assert::{assert_contains, assert_exit, assert_not_contains, assert_success};
pub use libtest::libtest_name;
pub use process::{output_parts, parse_json, run, run_guarded, stdout_json, text, ChildGuard, Run};
pub use sandbox::Sandbox;
