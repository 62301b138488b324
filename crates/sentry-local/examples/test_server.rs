//! An in-memory local server with the `/_test/...` control routes on, for comparing CLIs side by
//! side by hand: the request log (`GET /_test/requests`) shows exactly which requests each CLI
//! made. `sentry local serve` never mounts those routes, so this is the way to see them.
//!
//! `cargo run --example test_server -p sentry-local` prints one JSON line
//! (`url`, `token`, `dsn`) and serves until killed.

fn main() {
    let server = sentry_local::start(sentry_local::ServerConfig::for_tests()).expect("server");
    println!(
        "{}",
        serde_json::json!({ "url": server.url, "token": server.token(), "dsn": server.dsn() })
    );
    loop {
        std::thread::park();
    }
}
