//! The integration tests of `sentry-config`, as one test binary (one link instead of one per
//! file). Each module is one former `tests/*.rs` file.
//!
//! proptest keeps the failing cases it found in `tests/proptest-regressions/<module>.txt` (its
//! default place for a source tree with a `main.rs`) and replays them before new cases.

mod fuzz;
mod other_settings;
mod parsers;
mod precedence;
mod repeated_keys;
