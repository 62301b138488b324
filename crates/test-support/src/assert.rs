//! The assertions the test files repeat, with the text that explains a failure built in.
//! `#[track_caller]`: a failure points at the test's line, not at this file.

use std::process::Output;

use crate::process::text;

/// `haystack` contains `needle`; a failure shows the whole haystack.
#[track_caller]
pub fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected {needle:?} in:\n{haystack}"
    );
}

/// `haystack` does not contain `needle`; a failure shows the whole haystack.
#[track_caller]
pub fn assert_not_contains(haystack: &str, needle: &str) {
    assert!(
        !haystack.contains(needle),
        "expected no {needle:?} in:\n{haystack}"
    );
}

/// The command exited with `code` (not killed by a signal); a failure shows its stderr.
#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", text(&out.stderr));
}

/// The command exited 0; a failure shows its stderr.
#[track_caller]
pub fn assert_success(out: &Output) {
    assert_exit(out, 0);
}
