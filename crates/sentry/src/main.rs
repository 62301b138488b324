//! The `sentry` binary: everything lives in the library (`lib.rs`).

fn main() {
    std::process::exit(sentry::run());
}
