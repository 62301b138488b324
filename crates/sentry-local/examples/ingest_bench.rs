//! Ingest throughput: starts the server in-process and posts envelopes from several threads
//! over keep-alive HTTP, then checks that every one was stored.
//!
//! `cargo run --release --example ingest_bench -p sentry-local -- [envelopes] [threads] [--memory]`
//! (defaults: 20000 envelopes, 8 threads, SQLite file in a temp dir like `sentry local serve`).

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let total = numbers.first().copied().unwrap_or(20_000);
    let threads = numbers.get(1).copied().unwrap_or(8).max(1);
    let memory = args.iter().any(|a| a == "--memory");

    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = sentry_local::ServerConfig::for_tests();
    config.test_control = false;
    if !memory {
        config.data = Some(dir.path().join("bench.db"));
    }
    let server = sentry_local::start(config).expect("server");
    let url = format!(
        "{}/api/{}/envelope/",
        server.url, server.bootstrap.project_id
    );
    let auth = format!(
        "Sentry sentry_key={}, sentry_version=7",
        server.bootstrap.public_key
    );

    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let url = url.clone();
            let auth = auth.clone();
            let count = total / threads + usize::from(t < total % threads);
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut failures = 0usize;
                for i in 0..count {
                    let id = format!("{:08x}{:024x}", t, i);
                    let body = format!(
                        "{{\"event_id\":\"{id}\"}}\n{{\"type\":\"event\"}}\n{{\"level\":\"error\",\"platform\":\"python\",\"user\":{{\"id\":\"{}\"}},\"exception\":{{\"values\":[{{\"type\":\"BenchError{}\",\"value\":\"failure {i}\",\"stacktrace\":{{\"frames\":[{{\"function\":\"run\",\"module\":\"bench\",\"in_app\":true}}]}}}}]}}}}\n",
                        i % 100,
                        i % 50
                    );
                    match agent.post(&url).header("X-Sentry-Auth", &auth).send(body.as_bytes()) {
                        Ok(r) if r.status() == 200 => {}
                        _ => failures += 1,
                    }
                }
                failures
            })
        })
        .collect();
    let failures: usize = handles
        .into_iter()
        .map(|h| h.join().unwrap_or(usize::MAX))
        .sum();
    let elapsed = started.elapsed();

    let (events, seen, groups): (i64, i64, i64) = server
        .state
        .db
        .with(|c| {
            c.query_row(
                "SELECT (SELECT COUNT(*) FROM events), (SELECT COALESCE(SUM(times_seen), 0) FROM groups), (SELECT COUNT(*) FROM groups)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .expect("count");
    let rate = total as f64 / elapsed.as_secs_f64();
    println!(
        "{total} envelopes from {threads} threads in {:.2}s: {rate:.0} envelopes/s ({} storage)",
        elapsed.as_secs_f64(),
        if memory { "in-memory" } else { "file" }
    );
    println!("failed requests: {failures}; stored events: {events}; times_seen sum: {seen}; issues: {groups}");
    let ok = failures == 0 && events == total as i64 && seen == total as i64 && groups == 50;
    println!(
        "{}",
        if ok {
            "verified: none lost"
        } else {
            "MISMATCH: envelopes were lost"
        }
    );
    if !ok {
        std::process::exit(1);
    }
}
