//! `--jq` under hostile expressions: unbounded recursion, endless generators and huge
//! intermediate values end with one clean jq error (exit 21) instead of a stack-overflow abort,
//! a hang or unbounded memory; runtime errors name the problem without echoing the input.

// Its own test binary (see `[[test]] name = "jq_limits"` in Cargo.toml), sharing the helpers
// of the main one.
#[path = "it/common.rs"]
mod common;

use std::process::{Command, Output};

use crate::common::{assert_exit, assert_success, run_guarded, text, TestEnv};
use serde_json::Value;

/// Peak resident memory of the largest child this test process has waited for, in bytes
/// (`RUSAGE_CHILDREN` covers every child of the process: this file is a test binary of its own
/// so that only its own children count).
fn children_peak_rss() -> u64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru);
        ru
    };
    let kb = if cfg!(target_os = "macos") { 1 } else { 1024 };
    ru.ru_maxrss as u64 * kb
}

fn jq_error(out: &Output) -> Value {
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    serde_json::from_str(&stderr).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}

#[test]
fn hostile_jq_expressions_end_with_a_clean_bounded_error() {
    let env = TestEnv::new();
    // Which bound stops an expression first depends on the machine's speed (a debug build
    // may hit the time budget before the output or memory cap), so some accept either.
    const SLOW: &str = "took longer than 5 s";
    let cases: [(&str, &[&str]); 6] = [
        ("def f: [f]; f", &["recursion too deep"]),
        ("def f: f; f", &[SLOW]),
        ("repeat(1)", &["more than 1000000 outputs", SLOW]),
        ("[range(1e9)]", &["MiB of memory", SLOW]),
        (
            "[limit(100000000; repeat(\"x\"))] | add",
            &["MiB of memory", SLOW],
        ),
        // A deeply nested value built without recursion, then printed and dropped.
        (
            "reduce range(1e9) as $i (0; [.])",
            &["MiB of memory", SLOW, "too deep"],
        ),
    ];
    // The children run at the same time: several wait out the 5 s budget, and one after the
    // other they made this the slowest file of the suite.
    let spawn = |expr: &str| {
        let mut cmd: Command = env.std_cmd();
        cmd.args(["cli", "defaults", "--jq", expr]);
        std::thread::spawn(move || run_guarded(cmd))
    };
    let running: Vec<_> = cases.iter().map(|(expr, _)| spawn(expr)).collect();
    let partial = spawn(".action, (def f: f; f)");
    for ((expr, what), child) in cases.into_iter().zip(running) {
        let out = child.join().unwrap();
        assert_eq!(
            out.status.code(),
            Some(21),
            "{expr}: {:?} {}",
            out.status,
            text(&out.stderr)
        );
        let err = jq_error(&out);
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("jq error: "), "{expr}: {msg}");
        assert!(what.iter().any(|w| msg.contains(w)), "{expr}: {msg}");
        assert!(msg.len() < 300, "{expr}: {msg}");
        assert_eq!(err["error"]["exitCode"], 21);
        // Outputs before the limit are printed, but never without bound.
        assert!(out.stdout.len() <= 16 << 20, "{expr}: {}", out.stdout.len());
    }
    let peak = children_peak_rss();
    assert!(peak < 1536 << 20, "a child peaked at {} MiB", peak >> 20);

    // Outputs produced before a bound is hit are still printed.
    let out = partial.join().unwrap();
    assert_exit(&out, 21);
    assert_eq!(text(&out.stdout), "show\n");
    assert!(jq_error(&out)["error"]["message"]
        .as_str()
        .unwrap()
        .contains(SLOW));
}

#[test]
fn ordinary_jq_still_streams_every_output() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args([
            "cli",
            "defaults",
            "--jq",
            "[range(100000)] | length, (range(3) | tostring)",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "100000\n0\n1\n2\n");
}

#[test]
fn jq_runtime_errors_cut_long_values_and_point_at_data() {
    let env = TestEnv::with_demo_issues();
    // Treating the {data: [...]} envelope like the list itself.
    for expr in [
        ".[] | .title",
        ".[].shortId",
        "map(.title)",
        ".[] | select(.level == \"error\")",
    ] {
        let out = env
            .api_cmd()
            .args(["issue", "list", "local/app", "--jq", expr])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(21), "{expr}");
        let err = jq_error(&out);
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("jq error: cannot "), "{expr}: {msg}");
        assert!(msg.len() < 400, "{expr}: {} bytes: {msg}", msg.len());
        assert!(msg.contains('…'), "{expr}: {msg}");
        let hint = err["error"]["hint"].as_str().unwrap_or_default();
        assert!(hint.contains(".data[]"), "{expr}: {hint:?}");
    }

    // The cut value still starts like the input, so the reader sees what was indexed.
    let out = env
        .api_cmd()
        .args(["issue", "list", "local/app", "--jq", ".[] | .title"])
        .output()
        .unwrap();
    let err = jq_error(&out);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("jq error: cannot index [{\"id\":"));

    // An error that has nothing to do with the envelope gets no hint; short values stay whole.
    let out = env
        .api_cmd()
        .args([
            "issue",
            "list",
            "local/app",
            "--jq",
            ".data[0].shortId | tonumber",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    let err = jq_error(&out);
    assert!(err["error"].get("hint").is_none(), "{err}");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("\"APP-"),
        "{err}"
    );
}
