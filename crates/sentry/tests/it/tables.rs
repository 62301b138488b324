//! The shared table renderer seen from outside: huge cells are cut instead of wrapped for
//! minutes, colour codes do not break the alignment on a terminal, issue rows are separated and
//! get a TREND column on wide terminals like upstream, and config files full of repeated keys
//! produce a short summary instead of millions of warnings.

use std::process::Command;

use crate::common::{
    assert_contains, assert_not_contains, assert_success, run_guarded, stdout_json, text, TestEnv,
};

/// Removes CSI (`ESC [ … final`) and OSC (`ESC ] … BEL|ESC \`) sequences.
fn strip_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == '\x1b' {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every maximal run of box-drawn lines, as display columns per line (ASCII data only).
fn table_line_widths(s: &str) -> Vec<Vec<usize>> {
    let mut tables: Vec<Vec<usize>> = Vec::new();
    let mut in_table = false;
    for line in strip_escapes(s).lines() {
        let line = line.trim_end_matches('\r');
        let boxed = line.starts_with(['╭', '│', '├', '╰']);
        if boxed {
            if !in_table {
                tables.push(Vec::new());
            }
            tables.last_mut().unwrap().push(line.chars().count());
        }
        in_table = boxed;
    }
    tables
}

fn assert_aligned(what: &str, s: &str) {
    let tables = table_line_widths(s);
    assert!(!tables.is_empty(), "{what}: no table in {s:?}");
    for t in tables {
        assert!(
            t.iter().all(|w| *w == t[0]),
            "{what}: line widths {t:?} in\n{}",
            strip_escapes(s)
        );
    }
}

/// Runs the binary on a pseudo-terminal of `cols` columns (util-linux `script`).
fn on_a_terminal(env: &TestEnv, cols: u16, args: &[&str]) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())?;
    let bin = assert_cmd::cargo::cargo_bin("sentry");
    let quoted: Vec<String> = args
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let line = format!(
        "stty cols {cols} rows 50; exec '{}' {}",
        bin.display(),
        quoted.join(" ")
    );
    let mut cmd = env.command(script);
    cmd.env("TERM", "xterm").args(["-qec", &line, "/dev/null"]);
    if let Some(server) = &env.server {
        cmd.env("SENTRY_URL", &server.url)
            .env("SENTRY_AUTH_TOKEN", server.token());
    }
    let out = run_guarded(cmd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stdout)
    );
    Some(text(&out.stdout))
}

#[test]
fn a_megabyte_value_in_config_list_is_cut_not_wrapped() {
    let env = TestEnv::new();
    let org = "o".repeat(1_000_000);
    std::fs::write(env.work().join(".env"), format!("SENTRY_ORG={org}\n")).unwrap();
    let mut cmd: Command = env.std_cmd();
    cmd.env("COLUMNS", "100").args(["config", "list"]);
    let out = run_guarded(cmd);
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(s.len() < 64 * 1024, "{} bytes of table", s.len());
    assert_aligned("config list", &s);
    assert!(table_line_widths(&s)[0][0] <= 100, "{s}");
    let row: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.starts_with("│ defaults.org "))
        .take_while(|l| !l.starts_with('├') && !l.starts_with("│ defaults.p"))
        .collect();
    assert!(!row.is_empty(), "{s}");
    assert!(row.iter().any(|l| l.contains('…')), "{s}");

    // JSON keeps the whole value.
    let out = env
        .cmd()
        .args([
            "config",
            "list",
            "--jq",
            ".[] | select(.key == \"defaults.org\") | .value | length",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "1000000\n");
}

#[test]
fn a_megabyte_project_name_keeps_project_list_small() {
    let env = TestEnv::with_server();
    let body = serde_json::json!({"name": "N".repeat(1_000_000), "slug": "big"});
    let path = env.write("big.json", &body.to_string());
    let out = env
        .api_cmd()
        .args([
            "api",
            "/organizations/local/projects/",
            "-X",
            "POST",
            "--input",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_success(&out);

    let mut cmd: Command = env.std_cmd();
    cmd.env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", env.token())
        .args(["project", "list", "local/"]);
    let out = run_guarded(cmd);
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(s.len() < 64 * 1024, "{} bytes", s.len());
    assert_aligned("project list", &s);
    assert_contains(&s, "│ local │ big ");
    assert_contains(&s, "…");
}

#[test]
fn repeated_keys_in_a_config_file_are_summarised() {
    let env = TestEnv::new();
    // 200,000 copies of one key, then 5,000 unknown keys written twice.
    let mut rc = String::from("[defaults]\n");
    rc.push_str(&"org=first\n".repeat(200_001));
    let unknown: String = (0..5_000).map(|i| format!("k{i}=v\n")).collect();
    rc.push_str(&unknown);
    rc.push_str(&unknown);
    let rc_path = env.work().join(".sentryclirc");
    std::fs::write(&rc_path, rc).unwrap();

    let mut cmd: Command = env.std_cmd();
    cmd.args(["config", "list", "--json"]);
    let out = run_guarded(cmd);
    assert_success(&out);
    let list = stdout_json(&out);
    let org = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == "defaults.org")
        .unwrap();
    assert_eq!(org["value"], "first");

    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() <= 20, "{} warning lines:\n{err}", lines.len());
    let p = rc_path.display().to_string();
    assert_contains(
        &err,
        &format!("{p}:3: duplicate key 'org' in [defaults]; the value from line 2 is used"),
    );
    // 200,000 + 5,000 duplicates in all, 5,000 distinct unknown keys.
    let shown_dups = lines
        .iter()
        .filter(|l| l.contains(": duplicate key "))
        .count();
    assert_contains(
        &err,
        &format!("… and {} more duplicate keys in {p}", 205_000 - shown_dups),
    );
    let shown_unknown = lines
        .iter()
        .filter(|l| l.contains(": unknown key "))
        .count();
    assert_contains(
        &err,
        &format!("… and {} more unknown keys in {p}", 5_000 - shown_unknown),
    );
}

#[test]
fn tables_line_up_on_a_colour_terminal() {
    let env = TestEnv::with_demo_issues();
    let Some(orgs) = on_a_terminal(&env, 100, &["org", "list"]) else {
        eprintln!("util-linux `script` is not installed; skipping the terminal checks");
        return;
    };
    assert!(
        orgs.contains('\x1b') || orgs.contains("│ local │"),
        "{orgs:?}"
    );
    assert_aligned("org list", &orgs);

    let config = on_a_terminal(&env, 100, &["config", "list"]).unwrap();
    assert_aligned("config list", &config);

    let issues = on_a_terminal(&env, 100, &["issue", "list", "local/app"]).unwrap();
    assert!(issues.contains('\x1b'), "rich output expected: {issues:?}");
    assert_aligned("issue list", &issues);

    let view = on_a_terminal(&env, 100, &["issue", "view", "APP-1"]).unwrap();
    assert_aligned("issue view", &view);

    // A narrow terminal: cells wrap or are cut, and the table still fits and lines up.
    let narrow = on_a_terminal(&env, 60, &["issue", "list", "local/app"]).unwrap();
    assert_aligned("issue list at 60 columns", &narrow);
    assert!(table_line_widths(&narrow)[0][0] <= 60, "{narrow}");
}

#[test]
fn issue_rows_are_separated_and_trend_shows_on_wide_terminals() {
    let env = TestEnv::with_demo_issues();
    let list = |cols: &str| {
        let out = env
            .api_cmd()
            .env("COLUMNS", cols)
            .args(["issue", "list", "local/app"])
            .output()
            .unwrap();
        assert_success(&out);
        text(&out.stdout)
    };
    let narrow = list("80");
    // One separator under the header and one between each pair of (two-line) issues.
    let separators = narrow.lines().filter(|l| l.starts_with('├')).count();
    assert_eq!(separators, 3, "{narrow}");
    assert_not_contains(&narrow, "TREND");
    // Titles are cut at a word with an ellipsis, like upstream.
    assert_contains(&narrow, "│ TypeError: Cannot …  ");
    assert_aligned("issue list", &narrow);

    let wide = list("150");
    assert_contains(&wide, "│ TREND    │");
    // Each issue has one event in the last hour: the sparkline peaks at the end, and the
    // substatus is printed under it.
    assert_contains(&wide, "│ ⎽⎽⎽⎽⎽⎽⎽█ │");
    assert_eq!(
        wide.lines().filter(|l| l.contains("│ New      │")).count(),
        3,
        "{wide}"
    );
    assert_aligned("wide issue list", &wide);
}
