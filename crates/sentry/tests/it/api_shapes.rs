//! `sentry api`: which flag combinations are refused (and that nothing is sent and standard
//! input is not touched first), and the exact stdout shapes of `--json` and of error
//! responses, as upstream 0.49 prints them.

use std::process::Stdio;

use crate::cmds_support::{clear_log, fault, logged};
use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};
use serde_json::json;

/// A standard input that fails when read: a directory opened as a file (`read` gives
/// EISDIR). A command that reads it before validating exits 1 instead of 21.
fn failing_stdin(env: &TestEnv) -> Stdio {
    Stdio::from(std::fs::File::open(env.root.path()).expect("open dir"))
}

/// `sentry api …` against the test server with [`failing_stdin`] as standard input.
fn api_with_failing_stdin(env: &TestEnv, args: &[&str]) -> std::process::Output {
    env.std_cmd()
        .env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", env.token())
        .arg("api")
        .args(args)
        .stdin(failing_stdin(env))
        .output()
        .unwrap()
}

const DATA_AND_FIELDS: &str = "Error: Cannot use --data with --field or --raw-field. Use --data/-d for a full JSON body, or -F/-f for individual fields.\n";
const DATA_AND_INPUT: &str = "Error: Cannot use --data and --input together. Use --data/-d for inline JSON, or --input for file/stdin.\n";

#[test]
fn data_with_fields_or_input_is_refused_before_any_request_or_stdin_read() {
    let env = TestEnv::with_server();
    env.write("work/body.json", r#"{"a":1}"#);
    let cases: &[(&[&str], &str)] = &[
        (
            &["-X", "POST", "--data", r#"{"a":1}"#, "-F", "b=2"],
            DATA_AND_FIELDS,
        ),
        (
            &["-X", "POST", "--data", r#"{"a":1}"#, "-f", "b=2"],
            DATA_AND_FIELDS,
        ),
        (
            &["--data", r#"{"a":1}"#, "--raw-field", "b=2"],
            DATA_AND_FIELDS,
        ),
        // The conflict is found before --data is parsed as JSON.
        (
            &["-X", "POST", "--data", "not json", "-F", "b=2"],
            DATA_AND_FIELDS,
        ),
        // ...and before a field reads standard input.
        (
            &["-X", "POST", "--data", "{}", "-F", "b=@-"],
            DATA_AND_FIELDS,
        ),
        (
            &["-X", "POST", "--data", "{}", "--input", "body.json"],
            DATA_AND_INPUT,
        ),
        (
            &["-X", "POST", "--data", "{}", "--input", "-"],
            DATA_AND_INPUT,
        ),
        (
            &["-X", "POST", "--input", "-", "--data", "{}"],
            DATA_AND_INPUT,
        ),
        // With both conflicts, the --input one is reported.
        (
            &["-X", "POST", "--data", "{}", "--input", "-", "-F", "b=2"],
            DATA_AND_INPUT,
        ),
    ];
    for (args, expected) in cases {
        clear_log(&env);
        let mut all = vec!["organizations/local/"];
        all.extend_from_slice(args);
        let out = api_with_failing_stdin(&env, &all);
        assert_eq!(
            out.status.code(),
            Some(21),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), *expected, "{args:?}");
        assert_eq!(text(&out.stdout), "", "{args:?}");
        assert_eq!(
            logged(&env),
            Vec::<String>::new(),
            "{args:?} sent a request"
        );
    }

    // --json errors are one JSON object on stderr (decisions #11), same exit code.
    let out = api_with_failing_stdin(
        &env,
        &[
            "organizations/local/",
            "--data",
            "{}",
            "-F",
            "b=2",
            "--json",
        ],
    );
    assert_exit(&out, 21);
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["exitCode"], 21);
    assert_eq!(
        err["error"]["message"],
        DATA_AND_FIELDS.trim_start_matches("Error: ").trim_end()
    );
}

#[test]
fn missing_input_file_says_file_not_found() {
    let env = TestEnv::with_server();
    clear_log(&env);
    for args in [
        vec!["-X", "POST", "--input", "/no/such/file.json"],
        vec!["--input", "/no/such/file.json"],
        // The body file is checked before field files.
        vec![
            "-X",
            "POST",
            "--input",
            "/no/such/file.json",
            "-F",
            "b=@/no/such/other",
        ],
    ] {
        let out = env
            .api_cmd()
            .arg("api")
            .arg("organizations/local/")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(21), "{args:?}");
        assert_eq!(
            text(&out.stderr),
            "Error: File not found: /no/such/file.json\n",
            "{args:?}"
        );
        assert_eq!(text(&out.stdout), "");
    }
    // A relative path is reported as given.
    let out = env
        .api_cmd()
        .args(["api", "organizations/local/", "--input", "missing.json"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(text(&out.stderr), "Error: File not found: missing.json\n");
    assert_eq!(logged(&env), Vec::<String>::new());
}

#[test]
fn json_wraps_the_response_in_status_and_body_and_fields_apply_inside_body() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/",
            "--json",
            "--fields",
            "slug,name",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        "{\n  \"status\": 200,\n  \"statusText\": \"OK\",\n  \"body\": {\n    \"slug\": \"local\",\n    \"name\": \"Local\"\n  }\n}\n"
    );

    // Arrays: --fields applies to each element of the body.
    let out = env
        .api_cmd()
        .args(["api", "organizations/", "--json", "--fields", "slug"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out),
        json!({"status": 200, "statusText": "OK", "body": [{"slug": "local"}]})
    );

    // Without --json the body is printed bare.
    let out = env
        .api_cmd()
        .args(["api", "organizations/local/", "--fields", "slug"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out), json!({"slug": "local"}));

    // An error body is wrapped too; the exit code stays 60.
    let out = env
        .api_cmd()
        .args(["api", "organizations/nope/", "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 60);
    assert_eq!(
        stdout_json(&out),
        json!({"status": 404, "statusText": "Not Found",
               "body": {"detail": "The requested resource does not exist"}})
    );
    let out = env
        .api_cmd()
        .args(["api", "organizations/nope/", "--json", "--fields", "status"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out),
        json!({"status": 404, "statusText": "Not Found", "body": {}})
    );
}

#[test]
fn json_reports_cursors_when_more_pages_exist() {
    let env = TestEnv::with_server();
    // A second project so that per_page=1 leaves a next page.
    let out = env
        .api_cmd()
        .args(["project", "create", "local/web:javascript"])
        .output()
        .unwrap();
    assert_success(&out);

    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/projects/",
            "-f",
            "per_page=1",
            "--json",
            "--fields",
            "slug",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out),
        json!({"status": 200, "statusText": "OK", "body": [{"slug": "app"}],
               "pagination": {"nextCursor": "0:1:0", "hasPrev": false}})
    );
    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/projects/?cursor=0:1:0",
            "-f",
            "per_page=1",
            "--json",
            "--fields",
            "slug",
        ])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out),
        json!({"status": 200, "statusText": "OK", "body": [{"slug": "web"}],
               "pagination": {"prevCursor": "0:0:1", "hasPrev": false}})
    );
    // One page holds everything: no pagination object.
    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/projects/",
            "--json",
            "--fields",
            "slug",
        ])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out),
        json!({"status": 200, "statusText": "OK", "body": [{"slug": "app"}, {"slug": "web"}]})
    );
}

#[test]
fn empty_error_body_prints_the_status_line_on_stdout() {
    let env = TestEnv::with_server();
    // The local server answers an unsupported method with an empty 405.
    let out = env
        .api_cmd()
        .args(["api", "organizations/local/?a=1", "-X", "POST", "-F", "x=1"])
        .output()
        .unwrap();
    assert_exit(&out, 60);
    assert_eq!(
        text(&out.stdout),
        "HTTP 405 Method Not Allowed — POST /api/0/organizations/local/?a=1\n"
    );

    fault(
        &env,
        json!({"path_prefix": "/api/0/empty404/", "status": 404}),
    );
    let out = env
        .api_cmd()
        .args(["api", "empty404/x", "-f", "a=1"])
        .output()
        .unwrap();
    assert_exit(&out, 60);
    assert_eq!(
        text(&out.stdout),
        "HTTP 404 Not Found — GET /api/0/empty404/x/\n"
    );

    let out = env
        .api_cmd()
        .args(["api", "empty404/x/", "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 60);
    assert_eq!(
        text(&out.stdout),
        "{\n  \"status\": 404,\n  \"statusText\": \"Not Found\",\n  \"body\": \"\"\n}\n"
    );

    // A successful empty body prints nothing; with --json an empty string body.
    fault(
        &env,
        json!({"path_prefix": "/api/0/nocontent/", "status": 204}),
    );
    let out = env.api_cmd().args(["api", "nocontent/"]).output().unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "");
    let out = env
        .api_cmd()
        .args(["api", "nocontent/", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out),
        json!({"status": 204, "statusText": "No Content", "body": ""})
    );

    // A non-JSON body becomes a string.
    fault(
        &env,
        json!({"path_prefix": "/api/0/textplain/", "status": 200, "body": "hello world",
               "headers": {"content-type": "text/plain"}}),
    );
    let out = env
        .api_cmd()
        .args(["api", "textplain/", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out),
        json!({"status": 200, "statusText": "OK", "body": "hello world"})
    );
}
