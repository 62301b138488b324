//! `--json`, `--fields` and `--jq` apply to every command that prints data, including the
//! ones that used to write stdout themselves: `auth token`, `--web` and `local serve`.

use std::io::BufRead;
use std::process::Stdio;

use crate::common::*;

#[test]
fn auth_token_goes_through_the_renderer() {
    let env = TestEnv::with_server();
    let token = env.token();
    let run = |args: &[&str]| {
        let out = env.api_cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    // Plain and --json as 0.49 prints them (0.49 has no --jq).
    assert_eq!(run(&["auth", "token"]), format!("{token}\n"));
    assert_eq!(run(&["auth", "token", "--json"]), format!("\"{token}\"\n"));
    // --jq filters the JSON value (a string) instead of being ignored.
    assert_eq!(
        run(&["auth", "token", "--jq", "length"]),
        format!("{}\n", token.len())
    );
    assert_eq!(run(&["auth", "token", "--jq", "."]), format!("{token}\n"));
    assert_eq!(
        run(&["auth", "token", "--jq", "{t: .}"]),
        format!("{{\"t\":\"{token}\"}}\n")
    );
}

#[test]
fn web_flag_output_goes_through_the_renderer() {
    let env = TestEnv::with_server();
    let page = format!("{}/organizations/local/projects/app/", env.url());
    let run = |extra: &[&str]| {
        let out = env
            .api_cmd()
            .args(["project", "view", "local/app", "--web"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    // Not a terminal: no browser, the URL for scripts.
    assert_eq!(run(&[]), format!("{page}\n"));
    assert_eq!(run(&["--json"]), format!("{{\n  \"url\": \"{page}\"\n}}\n"));
    assert_eq!(run(&["--jq", ".url"]), format!("{page}\n"));
    assert_eq!(
        run(&["--json", "--fields", "url"]),
        format!("{{\n  \"url\": \"{page}\"\n}}\n")
    );
    assert_eq!(run(&["--json", "--fields", "nothing"]), "{}\n");
}

/// Starts `sentry local serve --port 0 --memory <extra>` and returns its ready output: the
/// first line, or the whole pretty JSON object when the first line opens one.
fn serve_first_line(env: &TestEnv, extra: &[&str]) -> String {
    let mut child = ChildGuard(
        env.std_cmd()
            .args(["local", "serve", "--port", "0", "--memory"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut reader = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut out = String::new();
    reader.read_line(&mut out).unwrap();
    if out == "{\n" {
        while !out.ends_with("}\n") {
            assert!(reader.read_line(&mut out).unwrap() > 0, "{out}");
        }
    }
    out
}

#[test]
fn local_serve_ready_line_honours_jq_and_fields() {
    let env = TestEnv::new();
    let url = serve_first_line(&env, &["--json", "--jq", ".url"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        url.trim_end()
            .trim_start_matches("http://127.0.0.1:")
            .parse::<u16>()
            .is_ok(),
        "just the URL: {url:?}"
    );
    let line = serve_first_line(&env, &["--jq", "[.org, .project] | join(\"/\")"]);
    assert_eq!(line, "local/app\n");
    let line = serve_first_line(&env, &["--json", "--fields", "org,project"]);
    assert_eq!(
        line,
        "{\n  \"org\": \"local\",\n  \"project\": \"app\"\n}\n"
    );
}

#[test]
fn demo_events_summary_goes_through_the_renderer() {
    let env = TestEnv::with_server();
    let dsn = env.server().dsn();
    let out = env
        .cmd()
        .args([
            "local",
            "demo-events",
            "--dsn",
            &dsn,
            "--jq",
            ".eventIds | length",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "4\n");
}
