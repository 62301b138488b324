//! `sentry api` against the local server: every flag, checked on the wire through the
//! server's request log (`GET /_test/requests`) and on stdout/stderr/exit code.

use crate::cmds_support::{clear_log, requests};
use crate::common::{assert_exit, assert_success, http, stdout_json, text, TestEnv};
use serde_json::{json, Value};

/// Posts `n` events with distinct fingerprints so the server creates `n` issues.
fn create_issues(env: &TestEnv, n: usize) {
    let key = env.server().bootstrap.public_key.clone();
    let auth = format!("Sentry sentry_key={key}, sentry_version=7");
    for i in 0..n {
        let event_id = format!("{:032x}", i + 1);
        let envelope = format!(
            "{{\"event_id\":\"{event_id}\"}}\n{{\"type\":\"event\"}}\n{}\n",
            json!({
                "event_id": event_id,
                "level": "error",
                "platform": "python",
                "message": format!("pagination issue {i}"),
                "fingerprint": [format!("fp-{i}")],
            })
        );
        let (status, _) = http(
            env,
            "POST",
            "/api/1/envelope/",
            Some((envelope.as_bytes(), "application/x-sentry-envelope")),
            &[("X-Sentry-Auth", auth.as_str())],
        );
        assert_eq!(status, 200, "envelope {i} rejected");
    }
}

#[test]
fn get_prints_the_body_as_pretty_json() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["api", "organizations/"])
        .output()
        .unwrap();
    assert_success(&out);
    let body = stdout_json(&out);
    assert_eq!(body[0]["slug"], "local");
    assert_eq!(body[0]["name"], "Local");
    // Exactly the renderer's pretty form: 2-space indent and a trailing newline.
    let expected = format!("{}\n", serde_json::to_string_pretty(&body).unwrap());
    assert_eq!(text(&out.stdout), expected);
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn leading_api_prefix_is_stripped_and_trailing_slash_added() {
    let env = TestEnv::with_server();
    clear_log(&env);
    let out = env
        .api_cmd()
        .args(["api", "/api/0/organizations/local"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["slug"], "local");
    let log = requests(&env);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/api/0/organizations/local/");
}

#[test]
fn get_fields_become_query_parameters() {
    let env = TestEnv::with_server();
    clear_log(&env);
    let out = env
        .api_cmd()
        .args([
            "api",
            "projects/local/app/issues/?statsPeriod=14d",
            "-F",
            "query=is:unresolved",
            "-F",
            "limit=5",
            "-f",
            "raw=true",
            "-F",
            "project=[1,2]",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out), json!([]));
    let log = requests(&env);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["path"], "/api/0/projects/local/app/issues/");
    assert_eq!(
        log[0]["query"],
        "statsPeriod=14d&query=is%3Aunresolved&limit=5&project=1&project=2&raw=true"
    );
}

#[test]
fn post_fields_form_a_typed_nested_json_body() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/releases/",
            "-X",
            "post",
            "-f",
            "version=1.2",
            "-F",
            "projects[]=app",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let release = stdout_json(&out);
    assert_eq!(release["version"], "1.2");
    assert_eq!(release["projects"][0]["slug"], "app");

    // The exact body, without sending: typed, raw, nested and array fields.
    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/releases/",
            "-X",
            "POST",
            "--dry-run",
            "-F",
            "version=1.2",
            "-F",
            "projects[]=a",
            "-F",
            "projects[]=b",
            "-F",
            "n=5",
            "-f",
            "s=5",
            "-F",
            "meta[a][b]=true",
            "-F",
            "none=null",
            "-F",
            "tags[]",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out)["body"],
        json!({"version":1.2,"projects":["a","b"],"n":5,"meta":{"a":{"b":true}},"none":null,"tags":[],"s":"5"})
    );
}

#[test]
fn headers_from_h_and_global_header_arrive_at_the_server() {
    let env = TestEnv::with_server();
    clear_log(&env);
    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/",
            "-H",
            "X-Custom-One: a",
            "-H",
            "X-Custom-Two:b",
            "--header",
            "X-Global: g",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let log = requests(&env);
    assert_eq!(log.len(), 1);
    let h = &log[0]["headers"];
    assert_eq!(h["x-custom-one"], "a");
    assert_eq!(h["x-custom-two"], "b");
    assert_eq!(h["x-global"], "g");
    assert!(h["authorization"].as_str().unwrap().starts_with("Bearer "));

    let out = env
        .api_cmd()
        .args(["api", "organizations/", "-H", "NoColon"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(
        text(&out.stderr),
        "Error: Invalid header format: NoColon. Expected Name: Value\n"
    );
}

#[test]
fn input_file_and_stdin_become_the_body() {
    let env = TestEnv::with_server();
    env.write(
        "work/release.json",
        r#"{"version":"2.0","projects":["app"]}"#,
    );
    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/releases/",
            "-X",
            "POST",
            "--input",
            "release.json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["version"], "2.0");

    clear_log(&env);
    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/releases/",
            "-X",
            "POST",
            "--input",
            "-",
        ])
        .write_stdin(r#"{"version":"2.1","projects":["app"]}"#)
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["version"], "2.1");
    let log = requests(&env);
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["headers"]["content-type"], "application/json");

    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/releases/",
            "-X",
            "POST",
            "--input",
            "missing.json",
        ])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(text(&out.stderr), "Error: File not found: missing.json\n");
}

#[test]
fn data_sends_inline_json_and_rejects_invalid_json() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/releases/",
            "-X",
            "POST",
            "-d",
            r#"{"version":"3.0","projects":["app"]}"#,
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["version"], "3.0");

    clear_log(&env);
    let out = env
        .api_cmd()
        .args(["api", "organizations/", "-X", "POST", "-d", "{nope"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert!(text(&out.stderr).starts_with("Error: Invalid JSON in --data: "));
    assert!(requests(&env).is_empty(), "nothing may be sent");
}

#[test]
fn field_values_can_come_from_files_and_stdin() {
    let env = TestEnv::with_server();
    env.write("work/version.txt", "4.0");
    let out = env
        .api_cmd()
        .args([
            "api",
            "x/",
            "-X",
            "POST",
            "-n",
            "-F",
            "version=@version.txt",
            "-F",
            "notes=@-",
        ])
        .write_stdin("from stdin\n")
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out)["body"],
        json!({"version":"4.0","notes":"from stdin\n"})
    );

    let out = env
        .api_cmd()
        .args([
            "api", "x/", "-X", "POST", "-n", "-F", "a=@-", "--input", "-",
        ])
        .write_stdin("{}")
        .output()
        .unwrap();
    // The body is read first, so the field is the second reader.
    assert_exit(&out, 21);
    assert_eq!(
        text(&out.stderr),
        "Error: Standard input can only be read once (@- in --field).\n"
    );
}

#[test]
fn include_prints_status_line_and_headers_first() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["api", "organizations/local/", "-i"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(s.starts_with("HTTP/1.1 200 OK\n"), "{s}");
    assert!(s.contains("\nContent-Type: application/json\n"), "{s}");
    let (head, body) = s.split_once("\n\n").expect("blank line after headers");
    assert!(head.lines().skip(1).all(|l| l.contains(": ")), "{head}");
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["slug"], "local");
}

#[test]
fn silent_prints_nothing_and_verbose_masks_the_token() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["api", "organizations/", "--silent"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "");

    let out = env
        .api_cmd()
        .args(["api", "organizations/", "--verbose", "-F", "per_page=1"])
        .output()
        .unwrap();
    assert_success(&out);
    let err = text(&out.stderr);
    let token = env.token();
    assert!(
        err.contains("> GET /api/0/organizations/?per_page=1\n"),
        "{err}"
    );
    assert!(err.contains("< HTTP 200 OK\n"), "{err}");
    assert!(err.contains("< Content-Type: application/json\n"), "{err}");
    assert!(
        err.contains(&format!(
            "> Authorization: Bearer {}...{}\n",
            &token[..8],
            &token[token.len() - 4..]
        )),
        "{err}"
    );
    assert!(!err.contains(&token), "the token leaked: {err}");
    assert_eq!(stdout_json(&out)[0]["slug"], "local");
}

#[test]
fn dry_run_prints_the_request_and_sends_nothing() {
    let env = TestEnv::with_server();
    clear_log(&env);
    let out = env
        .api_cmd()
        .env("SENTRY_ORG", "local")
        .args([
            "api",
            "organizations/{org}/issues/",
            "-F",
            "query=is:unresolved",
            "-H",
            "X-Trace: 1",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let token = env.token();
    let v = stdout_json(&out);
    assert_eq!(v["method"], "GET");
    assert_eq!(
        v["url"],
        format!(
            "{}/api/0/organizations/local/issues/?query=is%3Aunresolved",
            env.url()
        )
    );
    assert_eq!(
        v["headers"]["Authorization"],
        format!("Bearer {}...{}", &token[..8], &token[token.len() - 4..])
    );
    assert_eq!(v["headers"]["X-Trace"], "1");
    assert_eq!(v["body"], Value::Null);
    assert!(
        requests(&env).is_empty(),
        "dry run sent {:?}",
        requests(&env)
    );
}

#[test]
fn placeholders_are_filled_from_settings_or_fail_with_exit_22() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .env("SENTRY_ORG", "local")
        .env("SENTRY_PROJECT", "app")
        .args(["api", "projects/{org}/{project}/"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["slug"], "app");

    let out = env
        .api_cmd()
        .args(["api", "-o", "local", "organizations/{org}/"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["slug"], "local");

    clear_log(&env);
    let out = env
        .api_cmd()
        .args(["api", "projects/local/{project}/"])
        .output()
        .unwrap();
    assert_exit(&out, 22);
    assert_eq!(
        text(&out.stderr),
        "Error: The endpoint uses {project} but no project is set.\n\nPass --project <slug>, set SENTRY_PROJECT, or run `sentry cli defaults project <slug>`.\n"
    );
    assert!(requests(&env).is_empty());
}

#[test]
fn non_2xx_prints_the_body_and_exits_60() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["api", "organizations/nope/"])
        .output()
        .unwrap();
    assert_exit(&out, 60);
    let body = stdout_json(&out);
    let detail = body["detail"].as_str().expect("detail").to_string();
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", serde_json::to_string_pretty(&body).unwrap())
    );
    // The body on stdout is the whole report, as upstream prints it: nothing on stderr.
    assert_eq!(text(&out.stderr), "");
    assert_eq!(detail, "The requested resource does not exist");

    // --json: stdout gets the body wrapped in its status, as for every response with --json;
    // stderr stays quiet.
    let out = env
        .api_cmd()
        .args(["api", "organizations/nope/", "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 60);
    assert_eq!(stdout_json(&out)["status"], 404);
    assert_eq!(stdout_json(&out)["body"]["detail"], detail.as_str());
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn paginate_follows_link_cursors_and_slurp_joins_pages() {
    let env = TestEnv::with_server();
    create_issues(&env, 105);
    clear_log(&env);
    let out = env
        .api_cmd()
        .args([
            "api",
            "projects/local/app/issues/",
            "--paginate",
            "--jq",
            ".body | length",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "100\n5\n");
    let log = requests(&env);
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["query"], Value::Null);
    let q = log[1]["query"].as_str().unwrap();
    assert!(q.starts_with("cursor="), "{q}");

    let out = env
        .api_cmd()
        .args(["api", "projects/local/app/issues/", "--paginate", "--slurp"])
        .output()
        .unwrap();
    assert_success(&out);
    let all = stdout_json(&out);
    let items = all.as_array().unwrap();
    assert_eq!(items.len(), 105);
    let mut titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 105, "pages overlap");

    // Without --slurp every page is its own JSON document.
    let out = env
        .api_cmd()
        .args([
            "api",
            "projects/local/app/issues/",
            "--paginate",
            "-F",
            "per_page=100",
        ])
        .output()
        .unwrap();
    let s = text(&out.stdout);
    let docs: Vec<Value> = serde_json::Deserializer::from_str(&s)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].as_array().unwrap().len(), 100);
    assert_eq!(docs[1].as_array().unwrap().len(), 5);
}

#[test]
fn paginate_and_slurp_misuse_is_rejected() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["api", "organizations/", "-X", "POST", "--paginate"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(
        text(&out.stderr),
        "Error: --paginate works only with GET requests.\n"
    );

    let out = env
        .api_cmd()
        .args(["api", "organizations/", "--slurp"])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("--paginate"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn jq_filters_api_output_and_fields_apply_first() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["api", "organizations/", "--jq", ".body[0].slug"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "local\n");

    let out = env
        .api_cmd()
        .args([
            "api",
            "organizations/local/",
            "--fields",
            "slug,name",
            "--jq",
            ".",
        ])
        .output()
        .unwrap();
    // --jq sees what --json prints: the response wrapped in its status.
    assert_eq!(
        text(&out.stdout),
        "{\"status\":200,\"statusText\":\"OK\",\"body\":{\"slug\":\"local\",\"name\":\"Local\"}}\n"
    );

    let out = env
        .api_cmd()
        .args(["api", "organizations/local/", "--fields", "slug,name"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "{\n  \"slug\": \"local\",\n  \"name\": \"Local\"\n}\n"
    );
}

#[test]
fn bad_jq_fails_with_exit_21_before_any_request() {
    let env = TestEnv::with_server();
    clear_log(&env);
    let out = env
        .api_cmd()
        .args(["api", "organizations/", "--jq", ".[0"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert_eq!(text(&out.stdout), "");
    let err: Value = serde_json::from_slice(&out.stderr).expect("JSON error with --jq");
    assert_eq!(err["error"]["exitCode"], 21);
    assert_eq!(
        err["error"]["message"],
        "Invalid --jq expression '.[0': expected closing bracket at position 4"
    );
    assert!(requests(&env).is_empty());
}

#[test]
fn invalid_method_is_a_usage_error() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["api", "x/", "-X", "TRACE"])
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(text(&out.stderr)
        .contains("Invalid method: TRACE. Must be one of: GET, POST, PUT, DELETE, PATCH"));
}
