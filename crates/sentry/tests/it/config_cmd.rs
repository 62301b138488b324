//! `sentry config list|get`: every effective setting with where it came from — a flag, an
//! environment variable, a `.sentryclirc` line, `cli defaults`, or the built-in default.

use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};
use serde_json::{json, Value};

const FLAG_TOKEN: &str = "sntryu_flagtoken_0123456789abcdef";

/// Writes a project `.sentryclirc` and one `cli defaults` value, then returns the command
/// with an env var and a flag on top.
fn layered(env: &TestEnv) -> assert_cmd::Command {
    env.write(
        "work/.sentryclirc",
        "[defaults]\nproject = rc-proj\n\n[http]\nmax_retries = 4\n",
    );
    env.cmd()
        .args(["cli", "defaults", "url", "https://def.example.com"])
        .assert()
        .success();
    let mut cmd = env.cmd();
    cmd.env("SENTRY_ORG", "env-org")
        .args(["--auth-token", FLAG_TOKEN, "--log-level", "info"]);
    cmd
}

fn find<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {list}"))
}

#[test]
fn list_json_names_every_origin() {
    let env = TestEnv::new();
    let out = layered(&env)
        .args(["config", "list", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let list = stdout_json(&out);
    let rc = env.work().join(".sentryclirc");
    let rc = std::fs::canonicalize(&rc).unwrap_or(rc);
    assert_eq!(
        find(&list, "defaults.url"),
        &json!({"key":"defaults.url","value":"https://def.example.com","origin":"cli defaults url"})
    );
    assert_eq!(
        find(&list, "defaults.org"),
        &json!({"key":"defaults.org","value":"env-org","origin":"env SENTRY_ORG"})
    );
    assert_eq!(
        find(&list, "defaults.project"),
        &json!({"key":"defaults.project","value":"rc-proj","origin":format!("{}:2", rc.display())})
    );
    assert_eq!(
        find(&list, "http.max_retries"),
        &json!({"key":"http.max_retries","value":"4","origin":format!("{}:5", rc.display())})
    );
    assert_eq!(
        find(&list, "log.level"),
        &json!({"key":"log.level","value":"info","origin":"flag --log-level"})
    );
    assert_eq!(
        find(&list, "http.verify_ssl"),
        &json!({"key":"http.verify_ssl","value":"true","origin":"default"})
    );
    assert_eq!(
        find(&list, "auth.token"),
        &json!({"key":"auth.token","value":"sntryu_f...cdef","origin":"flag --auth-token"})
    );
    assert!(!text(&out.stdout).contains(FLAG_TOKEN), "token leaked");
}

#[test]
fn list_human_is_a_table_with_the_same_rows() {
    let env = TestEnv::new();
    let out = layered(&env)
        .env("COLUMNS", "200")
        .args(["config", "list"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    let lines: Vec<&str> = s.lines().collect();
    assert!(
        lines[0].starts_with('╭') && lines.last().unwrap().starts_with('╰'),
        "{s}"
    );
    let row = |key: &str| -> Vec<String> {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("│ {key} ")))
            .unwrap_or_else(|| panic!("no row {key}: {s}"));
        line.trim_matches('│')
            .split('│')
            .map(|c| c.trim().to_string())
            .collect()
    };
    assert_eq!(row("KEY"), ["KEY", "VALUE", "ORIGIN"]);
    assert_eq!(
        row("defaults.org"),
        ["defaults.org", "env-org", "env SENTRY_ORG"]
    );
    assert_eq!(
        row("defaults.url"),
        [
            "defaults.url",
            "https://def.example.com",
            "cli defaults url"
        ]
    );
    assert_eq!(row("log.level"), ["log.level", "info", "flag --log-level"]);
    assert_eq!(
        row("auth.token"),
        ["auth.token", "sntryu_f...cdef", "flag --auth-token"]
    );
    assert_eq!(row("http.keepalive"), ["http.keepalive", "true", "default"]);
    assert!(row("defaults.project")[2].ends_with(".sentryclirc:2"));
    assert!(!s.contains(FLAG_TOKEN));
}

#[test]
fn a_flag_beats_the_environment_and_says_so() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .env("SENTRY_ORG", "env-org")
        .args([
            "-o",
            "flag-org",
            "config",
            "get",
            "defaults.org",
            "--origin",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "flag-org\tflag --org\n");
}

#[test]
fn get_prints_one_value_for_scripts() {
    let env = TestEnv::new();
    let out = layered(&env)
        .args(["config", "get", "defaults.url"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "https://def.example.com\n");

    let out = layered(&env)
        .args(["config", "get", "HTTP.MAX_RETRIES", "--json"])
        .output()
        .unwrap();
    let rc = env.work().join(".sentryclirc");
    let rc = std::fs::canonicalize(&rc).unwrap_or(rc);
    assert_eq!(
        text(&out.stdout),
        format!(
            "{{\n  \"key\": \"http.max_retries\",\n  \"value\": \"4\",\n  \"origin\": \"{}:5\"\n}}\n",
            rc.display()
        )
    );

    let out = env
        .cmd()
        .args(["config", "get", "defaults.nothing"])
        .output()
        .unwrap();
    assert_exit(&out, 23);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "Error: No value set for 'defaults.nothing'.\n\nSee every setting with: sentry config list\n"
    );
}

#[test]
fn built_in_url_is_reported_as_default() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["config", "get", "defaults.url", "--origin"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "https://sentry.io\tdefault\n");
}
