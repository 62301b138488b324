//! The `sentry-cli` binary: sentry-cli 3.x's grammar over the same library as `sentry`
//! (decisions.md #15), so CI scripts written for sentry-cli run unchanged.

fn main() {
    std::process::exit(sentry::legacy::run());
}
