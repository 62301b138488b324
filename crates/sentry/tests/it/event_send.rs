//! `sentry event send` against the local server: the event built from flags arrives with its
//! tags, user, release and environment; files and `--raw` envelopes are sent as given; the DSN
//! comes from the first argument, `SENTRY_DSN` or the working tree; bad input fails with
//! 0.49's exit codes before anything is sent.

use crate::common::{assert_success, run, stdout_json, TestEnv};
use serde_json::Value;

/// The stored event `id` of project local/app, through the API.
fn stored_event(env: &TestEnv, id: &str) -> Value {
    let out = env
        .api_cmd()
        .args(["api", &format!("/projects/local/app/events/{id}/")])
        .output()
        .unwrap();
    assert_success(&out);
    stdout_json(&out)
}

fn event_count(env: &TestEnv) -> usize {
    let out = env
        .api_cmd()
        .args(["api", "/projects/local/app/events/"])
        .output()
        .unwrap();
    assert_success(&out);
    stdout_json(&out).as_array().map(Vec::len).unwrap_or(0)
}

fn tag(ev: &Value, key: &str) -> Option<String> {
    ev["tags"]
        .as_array()?
        .iter()
        .find(|t| t["key"] == key)
        .and_then(|t| t["value"].as_str().map(str::to_string))
}

#[test]
fn an_event_from_flags_arrives_with_its_fields() {
    let env = TestEnv::with_server();
    let dsn = env.server().dsn();
    let out = env
        .cmd()
        .args([
            "event",
            "send",
            &dsn,
            "-m",
            "Payment failed",
            "-m",
            "twice",
            "-l",
            "warning",
            "-r",
            "1.0",
            "-E",
            "staging",
            "-t",
            "region:eu",
            "-e",
            "amount=99",
            "-u",
            "id:42",
            "-u",
            "email:a@b.c",
            "-f",
            "pay",
            "-p",
            "python",
            "--no-environ",
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    let id = v["eventId"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32, "{v}");
    assert_eq!(v.as_object().unwrap().len(), 1, "only eventId: {v}");

    let ev = stored_event(&env, &id);
    assert_eq!(ev["message"], "Payment failed\ntwice", "{ev}");
    assert_eq!(tag(&ev, "region").as_deref(), Some("eu"));
    assert_eq!(tag(&ev, "level").as_deref(), Some("warning"));
    assert_eq!(tag(&ev, "environment").as_deref(), Some("staging"));
    assert_eq!(tag(&ev, "release").as_deref(), Some("1.0"));
    assert_eq!(ev["user"]["id"], "42");
    assert_eq!(ev["user"]["email"], "a@b.c");
    assert_eq!(ev["context"]["amount"], "99", "{}", ev["context"]);
    assert!(ev["context"].get("environ").is_none(), "--no-environ");
    assert_eq!(ev["platform"], "python", "-p is the platform, as in 0.49");
}

#[test]
fn human_output_names_the_event_id() {
    let env = TestEnv::with_server();
    let (code, out, err) = run(env
        .cmd()
        .args(["event", "send", "-m", "hi"])
        .env("SENTRY_DSN", env.server().dsn()));
    assert_eq!((code, err.as_str()), (0, ""));
    let id = out
        .strip_prefix("Event dispatched.\nEvent ID: ")
        .and_then(|r| r.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{out}"));
    let ev = stored_event(&env, id);
    assert_eq!(ev["message"], "hi");
    // Without --no-environ the environment goes along, secrets masked.
    assert_eq!(
        ev["context"]["environ"]["SENTRY_DSN"], "[Filtered]",
        "{}",
        ev["context"]
    );
    assert!(ev["context"]["environ"]["PATH"].is_string());
}

#[test]
fn logfile_lines_become_breadcrumbs() {
    let env = TestEnv::with_server();
    let mut log = String::new();
    for i in 0..120 {
        log.push_str(&format!("INFO: line {i}\n\n"));
    }
    env.write("work/app.log", &log);
    let out = env
        .cmd()
        .args(["event", "send", &env.server().dsn(), "-m", "with log"])
        .args(["--logfile", "app.log", "--with-categories", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let id = stdout_json(&out)["eventId"].as_str().unwrap().to_string();
    let ev = stored_event(&env, &id);
    let crumbs = ev["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "breadcrumbs")
        .map(|e| e["data"]["values"].clone())
        .unwrap_or_else(|| panic!("no breadcrumbs: {ev}"));
    let crumbs = crumbs.as_array().unwrap();
    assert_eq!(crumbs.len(), 100, "the last 100 non-empty lines");
    assert_eq!(crumbs[0]["message"], "line 20");
    assert_eq!(crumbs[0]["category"], "INFO");
    assert_eq!(crumbs[99]["message"], "line 119");
}

#[test]
fn files_and_raw_envelopes_are_sent_as_given() {
    let env = TestEnv::with_server();
    let dsn = env.server().dsn();
    let id_file = "0123456789abcdef0123456789abcdef";
    env.write(
        "work/event.json",
        &format!(r#"{{"event_id":"{id_file}","message":"from a file","level":"info"}}"#),
    );
    let (code, out, err) = run(env.cmd().args(["event", "send", &dsn, "event.json"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        format!("Event from event.json dispatched: {id_file}\n")
    );
    assert_eq!(stored_event(&env, id_file)["message"], "from a file");

    let id_raw = "fedcba9876543210fedcba9876543210";
    env.write(
        "work/captured.envelope",
        &format!(
            "{{\"event_id\":\"{id_raw}\"}}\n{{\"type\":\"event\"}}\n{{\"message\":\"raw one\"}}\n"
        ),
    );
    let out = env
        .cmd()
        .args([
            "event",
            "send",
            &dsn,
            "--raw",
            "./captured.envelope",
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out),
        serde_json::json!({"eventId": id_raw, "file": "./captured.envelope"})
    );
    assert_eq!(stored_event(&env, id_raw)["message"], "raw one");
}

#[test]
fn the_dsn_is_detected_in_the_working_tree() {
    let env = TestEnv::with_server();
    env.write("work/.env", &format!("SENTRY_DSN={}\n", env.server().dsn()));
    let out = env
        .cmd()
        .args(["event", "send", "-m", "detected", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let id = stdout_json(&out)["eventId"].as_str().unwrap().to_string();
    assert_eq!(stored_event(&env, &id)["message"], "detected");
}

#[test]
fn a_project_target_uses_its_active_dsn() {
    let env = TestEnv::with_server();
    env.login();
    let out = env
        .cmd()
        .args(["event", "send", "local/app", "-m", "by project", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let id = stdout_json(&out)["eventId"].as_str().unwrap().to_string();
    assert_eq!(stored_event(&env, &id)["message"], "by project");
}

#[test]
fn bad_input_fails_before_anything_is_sent() {
    let env = TestEnv::with_server();
    let dsn = env.server().dsn();

    let (code, out, err) = run(env
        .cmd()
        .args(["event", "send", &dsn, "-m", "x", "-t", "oops"]));
    assert_eq!((code, out.as_str()), (21, ""));
    assert_eq!(err, "Error: Expected KEY:VALUE format, got: \"oops\"\n");

    let (code, _, err) =
        run(env
            .cmd()
            .args(["event", "send", &dsn, "-m", "x", "--timestamp", "soon"]));
    assert_eq!(code, 21, "{err}");

    let (code, _, err) = run(env.cmd().args(["event", "send", &dsn, "--raw"]));
    assert_eq!(code, 21, "{err}");

    let (code, _, err) = run(env.cmd().args(["event", "send", &dsn]));
    assert_eq!(code, 20, "{err}");
    assert!(
        err.starts_with("Error: Provide a message via -m/--message"),
        "{err}"
    );

    let (code, _, err) = run(env.cmd().args(["event", "send", "-m", "x"]));
    assert_eq!(code, 20);
    assert_eq!(
        err,
        "Error: No DSN found. Pass <dsn>, <project>, or <org>/<project> as the first argument, set SENTRY_DSN, or run from a project where a DSN can be detected.\n\nSuggestion: sentry event send <dsn> -m 'My message'\n"
    );

    let (code, _, err) = run(env
        .cmd()
        .args(["event", "send", "http://nokey@/1", "-m", "x"]));
    assert_eq!(code, 21, "{err}");
    assert!(err.starts_with("Error: Invalid DSN"), "{err}");

    assert_eq!(event_count(&env), 0);
}

#[test]
fn send_event_is_event_send_and_send_envelope_is_gone() {
    let env = TestEnv::with_server();
    let out = env
        .cmd()
        .env("SENTRY_DSN", env.server().dsn())
        .args(["send-event", "-m", "old name", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let id = stdout_json(&out)["eventId"].as_str().unwrap().to_string();
    assert_eq!(stored_event(&env, &id)["message"], "old name");

    env.write(
        "work/a.envelope",
        "{}\n{\"type\":\"event\"}\n{\"message\":\"no\"}\n",
    );
    let (code, out, err) = run(env.cmd().env("SENTRY_DSN", env.server().dsn()).args([
        "send-envelope",
        "a.envelope",
        "--dsn",
        "x",
    ]));
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "Error: `sentry send-envelope` has been removed.\nUse: sentry event send --raw a.envelope\n"
    );
    assert_eq!(event_count(&env), 1);
}

#[test]
fn no_token_is_needed_or_used() {
    let env = TestEnv::with_server();
    // A token that would fail any API call: ingest must not load, check or send it.
    let (code, _, err) = run(env
        .cmd()
        .env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", "sntryu_not_a_real_token")
        .args(["event", "send", &env.server().dsn(), "-m", "tokenless"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(event_count(&env), 1);
}

#[test]
fn the_dsn_may_come_from_sentryclirc() {
    let env = TestEnv::with_server();
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(
        env.home().join(".sentryclirc"),
        format!("[auth]\ndsn={}\n", env.server().dsn()),
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["event", "send", "-m", "from rc", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let id = stdout_json(&out)["eventId"].as_str().unwrap().to_string();
    assert_eq!(stored_event(&env, &id)["message"], "from rc");
}
