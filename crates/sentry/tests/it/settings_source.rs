//! Settings are the single source (issue "Fix what exists", item 19): what `config list`
//! shows is what commands do — `[log] level` from a file, `SENTRY_OUTPUT_FORMAT` and
//! `SENTRY_MAX_PAGINATION_PAGES` from a `.env`.

use std::time::{Duration, Instant};

use crate::common::{assert_success, stdout_json, text, TestEnv};

#[test]
fn log_level_from_a_config_file_applies() {
    let env = TestEnv::with_server();
    env.write("work/.sentryclirc", "[log]\nlevel = debug\n");
    let out = env
        .api_cmd()
        .args(["org", "list", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let err = text(&out.stderr);
    assert!(
        err.lines()
            .any(|l| l.starts_with("  DEBUG  [http] GET /api/0/organizations/")),
        "{err}"
    );
    // The flag still wins, and `config list` names the winner.
    let out = env
        .api_cmd()
        .args(["org", "list", "--json", "--log-level", "warn"])
        .output()
        .unwrap();
    assert!(
        !text(&out.stderr).contains("DEBUG"),
        "{}",
        text(&out.stderr)
    );
    let out = env
        .api_cmd()
        .args(["config", "get", "log.level", "--json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out)["value"], "debug");
}

#[test]
fn output_format_from_dotenv_applies() {
    let env = TestEnv::with_server();
    env.write("work/.env", "SENTRY_OUTPUT_FORMAT=json\n");
    let out = env.api_cmd().args(["org", "list"]).output().unwrap();
    assert_success(&out);
    let orgs = stdout_json(&out);
    assert_eq!(orgs[0]["slug"], "local");
}

#[test]
fn pagination_cap_from_dotenv_applies() {
    let env = TestEnv::with_server();
    let sent = env
        .cmd()
        .args([
            "local",
            "demo-events",
            "--dsn",
            &env.server().dsn(),
            "--distinct",
            "101",
        ])
        .output()
        .unwrap();
    assert_success(&sent);
    env.write("work/.env", "SENTRY_MAX_PAGINATION_PAGES=1\n");
    // Ingest commits in batches: wait until all 101 issues are listed without the cap.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = env
            .api_cmd()
            .env("SENTRY_MAX_PAGINATION_PAGES", "5")
            .args(["issue", "list", "local/", "--limit", "150", "--json"])
            .output()
            .unwrap();
        let n = stdout_json(&out)["data"].as_array().unwrap().len();
        if n == 101 || Instant::now() > deadline {
            assert_eq!(n, 101);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = env
        .api_cmd()
        .args(["issue", "list", "local/", "--limit", "150", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["data"].as_array().unwrap().len(), 100);
    assert_eq!(
        text(&out.stderr),
        "Warning: Pagination limit reached (1 pages, 100 items). Results may be incomplete.\n"
    );
}
