//! `sentry cli defaults`: show, set, clear, clear-all, validation messages and JSON shapes
//! (spec/core.md §4.4 and appendix A), plus recovery from a corrupt cli.db.

use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};
use serde_json::{json, Value};

fn all_null() -> Value {
    json!({
        "organization": null,
        "project": null,
        "telemetry": null,
        "url": null,
        "headers": null,
        "ca-cert": null,
        "agent-skills": null,
        "graphics": null
    })
}

const FRESH_TABLE: &str = "\
Defaults

╭────────────────┬───────────────────────────────────╮
│ Organization   │ not set                           │
│ Project        │ not set                           │
│ Telemetry      │ off (this CLI sends no telemetry) │
│ Agent Skills   │ on (default)                      │
│ Graphics       │ on (default)                      │
│ URL            │ not set                           │
│ Headers        │ not set                           │
│ CA Certificate │ not set                           │
╰────────────────┴───────────────────────────────────╯
";

#[test]
fn show_on_a_fresh_database() {
    let env = TestEnv::new();
    let out = env.cmd().args(["cli", "defaults"]).output().unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), FRESH_TABLE);
    assert_eq!(text(&out.stderr), "");

    let out = env
        .cmd()
        .args(["cli", "defaults", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        "{\n  \"action\": \"show\",\n  \"defaults\": {\n    \"organization\": null,\n    \"project\": null,\n    \"telemetry\": null,\n    \"url\": null,\n    \"headers\": null,\n    \"ca-cert\": null,\n    \"agent-skills\": null,\n    \"graphics\": null\n  }\n}\n"
    );
}

#[test]
fn set_prints_a_check_line_and_json_reports_the_change() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["cli", "defaults", "org", "my-org"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "✓ Default Organization set to my-org\n");

    let out = env
        .cmd()
        .args(["cli", "defaults", "project", "my-proj", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let mut defaults = all_null();
    defaults["organization"] = json!("my-org");
    defaults["project"] = json!("my-proj");
    assert_eq!(
        stdout_json(&out),
        json!({
            "action": "set",
            "defaults": defaults,
            "changed": {"key": "project", "previousValue": null, "newValue": "my-proj"}
        })
    );

    let out = env
        .cmd()
        .args(["cli", "defaults", "url", "sentry.example.com"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "✓ Default URL set to https://sentry.example.com\n"
    );

    let out = env
        .cmd()
        .args(["cli", "defaults", "TELEMETRY", "no", "--json"])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert_eq!(
        v["changed"],
        json!({"key":"telemetry","previousValue":null,"newValue":"off"})
    );

    // The values are used by settings resolution: `config get` sees them with their origin.
    let out = env
        .cmd()
        .args(["config", "get", "defaults.org", "--json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out)["value"], "my-org");

    let out = env.cmd().args(["cli", "defaults"]).output().unwrap();
    let s = text(&out.stdout);
    assert!(s.contains("│ Organization   │ my-org"), "{s}");
    assert!(
        s.contains("│ URL            │ https://sentry.example.com"),
        "{s}"
    );
    assert!(s.contains("│ Telemetry      │ off "), "{s}");
}

#[test]
fn clear_one_key() {
    let env = TestEnv::new();
    env.cmd()
        .args(["cli", "defaults", "org", "a"])
        .assert()
        .success();
    env.cmd()
        .args(["cli", "defaults", "project", "b"])
        .assert()
        .success();
    let out = env
        .cmd()
        .args(["cli", "defaults", "org", "--clear"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "✓ Default Organization cleared\n");

    let out = env
        .cmd()
        .args(["cli", "defaults", "project", "--clear", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out),
        json!({
            "action": "clear",
            "defaults": all_null(),
            "changed": {"key": "project", "previousValue": "b", "newValue": null}
        })
    );
}

#[test]
fn clear_all_needs_confirmation_when_not_interactive() {
    let env = TestEnv::new();
    env.cmd()
        .args(["cli", "defaults", "org", "a"])
        .assert()
        .success();
    let out = env
        .cmd()
        .args(["cli", "defaults", "--clear"])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "Error: Destructive operation refused in non-interactive mode. Use --yes or --force to confirm.\n"
    );
    // Nothing was cleared.
    let out = env
        .cmd()
        .args(["cli", "defaults", "--json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out)["defaults"]["organization"], "a");

    let out = env
        .cmd()
        .args(["cli", "defaults", "--clear", "--yes"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        "✓ All defaults cleared\n\nAll defaults have been cleared.\n"
    );

    env.cmd()
        .args(["cli", "defaults", "org", "a"])
        .assert()
        .success();
    let out = env
        .cmd()
        .args(["cli", "defaults", "--clear", "-f", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out),
        json!({"action": "clear-all", "defaults": all_null()})
    );
}

#[test]
fn invalid_keys_and_values_are_rejected_with_upstream_messages() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["cli", "defaults", "color", "red"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(
        text(&out.stderr),
        "Error: Unknown default 'color'. Valid keys: organization, project, telemetry, agent-skills, graphics, url, headers, ca-cert, org, ca, cert, ca-certs\n"
    );

    let out = env
        .cmd()
        .args(["cli", "defaults", "telemetry", "maybe"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(
        text(&out.stderr),
        "Error: Invalid telemetry value: 'maybe'. Use on/off, yes/no, true/false, or 1/0.\n"
    );

    let out = env
        .cmd()
        .args(["cli", "defaults", "headers", "Authorization: x"])
        .output()
        .unwrap();
    assert_exit(&out, 20);
    assert!(
        text(&out.stderr).starts_with("Error: Cannot override reserved header 'Authorization'"),
        "{}",
        text(&out.stderr)
    );

    let out = env
        .cmd()
        .args(["cli", "defaults", "ca-cert", "nope.pem"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert!(text(&out.stderr).starts_with("Error: Cannot read CA certificate "));

    // Nothing was stored by the failed attempts.
    let out = env
        .cmd()
        .args(["cli", "defaults", "--json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out)["defaults"], all_null());
}

#[test]
fn ca_cert_is_stored_as_an_absolute_path() {
    let env = TestEnv::new();
    let pem = env.write(
        "work/ca.pem",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    );
    let out = env
        .cmd()
        .args(["cli", "defaults", "ca", "ca.pem", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let abs = std::fs::canonicalize(pem).unwrap();
    assert_eq!(
        stdout_json(&out)["defaults"]["ca-cert"],
        abs.display().to_string()
    );
}

#[test]
fn corrupt_database_does_not_break_help_and_is_replaced_with_a_warning() {
    let env = TestEnv::new();
    let db = env.config_dir().join("cli.db");
    std::fs::write(
        &db,
        b"this is definitely not an sqlite database, just garbage bytes....",
    )
    .unwrap();

    let out = env.cmd().arg("--help").output().unwrap();
    assert_success(&out);
    assert!(text(&out.stdout).contains("Usage: sentry"));
    let out = env.cmd().arg("--version").output().unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        format!("sentry {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = env
        .cmd()
        .args(["cli", "defaults", "--help"])
        .output()
        .unwrap();
    assert_success(&out);
    // --help never touched the file.
    assert_eq!(
        std::fs::read(&db).unwrap(),
        b"this is definitely not an sqlite database, just garbage bytes...."
    );

    let out = env
        .cmd()
        .args(["cli", "defaults", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["defaults"], all_null());
    let err = text(&out.stderr);
    assert!(
        err.starts_with("Warning: Sentry CLI local database was corrupt and has been replaced with a fresh one.\n  Moved to: "),
        "{err}"
    );
    let moved: Vec<_> = std::fs::read_dir(env.config_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("cli.db.corrupt-"))
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");

    // The fresh database works and the warning is not repeated.
    let out = env
        .cmd()
        .args(["cli", "defaults", "org", "x"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stderr), "");
}
