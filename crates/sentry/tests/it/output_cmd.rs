//! The renderer seen from outside: `--fields`, `--jq` on ordinary commands, errors as JSON
//! with `--json`, closed pipes, plain vs rich output on a real terminal, usage errors.

use std::process::Stdio;

use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};
use serde_json::json;

#[test]
fn fields_select_per_element_and_rebuild_nested_objects() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["config", "list", "--json", "--fields", "key, origin"])
        .output()
        .unwrap();
    assert_success(&out);
    let list = stdout_json(&out);
    assert!(!list.as_array().unwrap().is_empty());
    for item in list.as_array().unwrap() {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["key", "origin"], "{item}");
    }

    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .env("SENTRY_ORG", "local")
        .args([
            "info",
            "--json",
            "--fields",
            "config.org,auth.successful,nonexistent",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        "{\n  \"config\": {\n    \"org\": \"local\"\n  },\n  \"auth\": {\n    \"successful\": true\n  }\n}\n"
    );
}

#[test]
fn fields_without_json_leave_human_output_alone() {
    let env = TestEnv::new();
    let plain = env.cmd().args(["cli", "defaults"]).output().unwrap();
    let with_fields = env
        .cmd()
        .args(["cli", "defaults", "--fields", "action"])
        .output()
        .unwrap();
    assert_eq!(text(&plain.stdout), text(&with_fields.stdout));
}

#[test]
fn output_format_env_var_switches_to_json() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .env("SENTRY_OUTPUT_FORMAT", "json")
        .args(["cli", "defaults"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out)["action"], "show");
}

#[test]
fn jq_works_on_ordinary_commands() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["cli", "defaults", "--jq", ".action"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "show\n");

    let out = env
        .cmd()
        .args([
            "--jq",
            ".[] | select(.key == \"defaults.url\") | [.value, .origin]",
            "config",
            "list",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "[\"https://sentry.io\",\"default\"]\n");

    // --fields runs first, then --jq sees the reduced value.
    let out = env
        .cmd()
        .args(["config", "list", "--fields", "key", "--jq", ".[0] | keys"])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "[\"key\"]\n");
}

#[test]
fn jq_runtime_errors_keep_earlier_outputs_and_exit_21() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["cli", "defaults", "--jq", ".action, error(\"boom\")"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(text(&out.stdout), "show\n");
    assert_eq!(
        text(&out.stderr),
        "{\"error\":{\"message\":\"jq error: boom\",\"exitCode\":21}}\n"
    );

    let out = env
        .cmd()
        .args(["cli", "defaults", "--jq", ".action | tonumber"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(text(&out.stdout), "");
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["exitCode"], 21);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("jq error: cannot parse \"show\""));
}

#[test]
fn bad_jq_expression_is_exit_21_on_any_command() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["cli", "defaults", "--jq", "nosuchfn"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "{\"error\":{\"message\":\"Invalid --jq expression 'nosuchfn': undefined filter 'nosuchfn' at position 1\",\"exitCode\":21}}\n"
    );
}

#[test]
fn errors_with_json_are_one_json_object_on_stderr() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["config", "get", "nothing", "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 23);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "{\"error\":{\"message\":\"No value set for 'nothing'.\",\"hint\":\"See every setting with: sentry config list\",\"exitCode\":23}}\n"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        v,
        json!({"error":{"message":"No value set for 'nothing'.","hint":"See every setting with: sentry config list","exitCode":23}})
    );

    // Without --json the same error is plain text.
    let out = env
        .cmd()
        .args(["config", "get", "nothing"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stderr),
        "Error: No value set for 'nothing'.\n\nSee every setting with: sentry config list\n"
    );
}

/// Runs the binary with stdout on a pipe whose read end is closed at once.
fn run_into_closed_pipe(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut child = env
        .std_cmd()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_is_a_quiet_success() {
    let env = TestEnv::new();
    for args in [
        &["config", "list"][..],
        &["config", "list", "--json"][..],
        &["cli", "defaults", "--jq", ".defaults | keys[]"][..],
        &[][..],
    ] {
        let out = run_into_closed_pipe(&env, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{args:?}");
    }
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), returning what it printed.
fn on_a_terminal(env: &TestEnv, vars: &[(&str, &str)]) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())?;
    let bin = assert_cmd::cargo::cargo_bin("sentry");
    let mut cmd = env.command(script);
    cmd.env("TERM", "xterm").args([
        "-qec",
        &format!("{} cli defaults", bin.display()),
        "/dev/null",
    ]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert_success(&out);
    Some(text(&out.stdout))
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color_or_plain_output() {
    let env = TestEnv::new();
    let Some(rich) = on_a_terminal(&env, &[]) else {
        eprintln!("util-linux `script` is not installed; skipping the terminal checks");
        return;
    };
    assert!(rich.contains("\x1b[1mDefaults\x1b[0m"), "{rich:?}");
    let no_color = on_a_terminal(&env, &[("NO_COLOR", "1")]).unwrap();
    assert!(!no_color.contains('\x1b'), "{no_color:?}");
    assert!(no_color.contains("Defaults"));
    assert!(no_color.contains('╭'), "tables stay in plain mode");
    let plain = on_a_terminal(&env, &[("SENTRY_PLAIN_OUTPUT", "1")]).unwrap();
    assert!(!plain.contains('\x1b'), "{plain:?}");
    // SENTRY_PLAIN_OUTPUT=0 asks for rich output and wins over NO_COLOR.
    let forced = on_a_terminal(&env, &[("SENTRY_PLAIN_OUTPUT", "0"), ("NO_COLOR", "1")]).unwrap();
    assert!(forced.contains('\x1b'), "{forced:?}");

    // Not a terminal: plain even when colour is forced.
    let out = env
        .cmd()
        .env("FORCE_COLOR", "1")
        .args(["cli", "defaults"])
        .output()
        .unwrap();
    assert!(!text(&out.stdout).contains('\x1b'));
}

#[test]
fn usage_errors_exit_2_with_a_suggestion() {
    let env = TestEnv::new();
    let out = env.cmd().arg("infp").output().unwrap();
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert!(err.contains("unrecognized subcommand 'infp'"), "{err}");
    assert!(err.contains("a similar subcommand exists: 'info'"), "{err}");
    assert_eq!(text(&out.stdout), "");

    let out = env.cmd().args(["info", "--no-such-flag"]).output().unwrap();
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("unexpected argument '--no-such-flag'"));

    let out = env.cmd().args(["config"]).output().unwrap();
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("Usage: sentry config"));
}

#[test]
fn help_and_version_work_with_a_corrupt_database() {
    let env = TestEnv::new();
    std::fs::write(env.config_dir().join("cli.db"), vec![0xAB; 4096]).unwrap();
    let out = env.cmd().arg("--version").output().unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        format!("sentry {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(text(&out.stderr), "");
    for args in [&["--help"][..], &["api", "--help"][..], &["info", "-h"][..]] {
        let out = env.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(text(&out.stdout).contains("Usage: sentry"), "{args:?}");
        assert_eq!(text(&out.stderr), "", "{args:?}");
    }
    // Still untouched; the first real command recovers it with a warning.
    assert_eq!(
        std::fs::read(env.config_dir().join("cli.db")).unwrap(),
        vec![0xAB; 4096]
    );
    let out = env
        .cmd()
        .args(["cli", "defaults", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(text(&out.stderr).starts_with("Warning: Sentry CLI local database was corrupt"));
    assert_eq!(stdout_json(&out)["action"], "show");
}
