//! Shell completion: `sentry __complete` (what the scripts call on every Tab) and the
//! scripts of `sentry cli completion`, run in a real bash. Completion reads only `cli.db`'s
//! caches (filled here by real list commands against the local server), never the
//! network, and never prints on stderr or fails, even over a damaged `cli.db`.

use std::process::Command;

use crate::common::{run, TestEnv};

fn complete(env: &TestEnv, words: &[&str]) -> (i32, String, String) {
    let mut cmd = env.cmd();
    // The server is named but must not be asked: completion works from the cache alone.
    cmd.env("SENTRY_URL", "http://127.0.0.1:9")
        .arg("__complete")
        .args(words);
    run(&mut cmd)
}

#[test]
fn complete_names_from_the_cache_without_the_network() {
    let env = TestEnv::with_server();
    // Nothing cached yet: subcommands and flags still complete, names do not.
    assert_eq!(
        complete(&env, &["issue", "list", ""]),
        (0, String::new(), String::new())
    );
    let (code, out, err) = complete(&env, &["issue", "list", "--li"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "--limit\tMaximum number of issues (1-1000); more than 100 fetches several pages\n"
    );
    assert_eq!(
        complete(&env, &["cli", "completion", "z"]),
        (0, "zsh\n".into(), String::new())
    );
    // Listing projects fills the caches 0.49 shares with us.
    let (code, _, err) = run(env.api_cmd().args(["project", "list", "local/"]));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = complete(&env, &["issue", "list", ""]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, "local/\tLocal\nlocal/app\tapp\n");
    assert_eq!(
        complete(&env, &["release", "view", "local/x"]),
        (0, String::new(), String::new())
    );
}

#[test]
fn complete_over_a_damaged_store_prints_nothing() {
    let env = TestEnv::new();
    std::fs::write(env.config_dir().join("cli.db"), b"SQLite format 3\0garbage").unwrap();
    assert_eq!(
        complete(&env, &["issue", "list", ""]),
        (0, String::new(), String::new())
    );
    assert_eq!(
        complete(&env, &["no-such-command", "x"]),
        (0, String::new(), String::new())
    );
    assert_eq!(complete(&env, &[]), (0, complete_top(&env), String::new()));
}

/// `sentry __complete ""` lists the visible top-level commands.
fn complete_top(env: &TestEnv) -> String {
    let (_, out, _) = run(env.cmd().args(["__complete", ""]));
    assert!(out.starts_with("info\t"), "{out}");
    out
}

#[test]
fn bash_script_completes_in_bash() {
    let env = TestEnv::with_server();
    let (code, script, err) = run(env.cmd().args(["cli", "completion", "bash"]));
    assert_eq!(code, 0, "{err}");
    let path = env.work().join("sentry.bash");
    std::fs::write(&path, script).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("sentry");
    let bin_dir = bin.parent().unwrap();
    let reply = |words: &[&str]| -> String {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}'; COMP_WORDS=(sentry {}); COMP_CWORD={}; _sentry_completions; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                path.display(),
                quoted.join(" "),
                words.len()
            ))
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("HOME", env.home())
            .env("SENTRY_CONFIG_DIR", env.config_dir())
            .output()
            .expect("bash");
        assert!(out.status.success(), "{out:?}");
        assert!(out.stderr.is_empty(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(reply(&["iss"]), "issue\n");
    assert_eq!(reply(&["issue", "vi"]), "view\n");
    assert_eq!(reply(&["issue", "list", "--li"]), "--limit\n");
    assert_eq!(reply(&["release", "list", "--period", "9"]), "90d\n");
}

#[test]
fn completion_without_a_shell_names_the_argument() {
    let env = TestEnv::new();
    let (code, out, err) = run(env.cmd().args(["cli", "completion"]));
    assert_eq!((code, out.as_str()), (21, ""));
    assert_eq!(
        err,
        "Error: Could not detect your shell ($SHELL is not set). Name it: sentry cli completion bash|zsh|fish|powershell\n"
    );
    let (code, out, _) = run(env
        .cmd()
        .env("SHELL", "/usr/bin/fish")
        .args(["cli", "completion"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("complete -c sentry -f -a '(sentry __complete"),
        "{out}"
    );
}

/// `help --json` is the command tree for agents; `help <command>` one command; man pages
/// come from the same tree.
#[test]
fn help_json_and_man_pages_come_from_the_tree() {
    let env = TestEnv::new();
    let (code, out, err) = run(env.cmd().args(["help", "--json"]));
    assert_eq!((code, err.as_str()), (0, ""));
    let tree: serde_json::Value = serde_json::from_str(&out).unwrap();
    let routes: Vec<&str> = tree["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for r in [
        "auth", "org", "project", "issue", "event", "release", "monitor", "api",
    ] {
        assert!(routes.contains(&r), "{r} missing from {routes:?}");
    }
    let (code, out, _) = run(env.cmd().args(["help", "release", "set-commits", "--json"]));
    assert_eq!(code, 0);
    let cmd: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(cmd["path"], "sentry release set-commits");
    assert_eq!(cmd["positional"], "<org/version>");
    let flags: Vec<&str> = cmd["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        flags.contains(&"auto") && flags.contains(&"initial-depth"),
        "{flags:?}"
    );
    let (code, out, err) = run(env.cmd().args(["help", "issue", "nope"]));
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "Error: Unknown command 'issue nope'. Run 'sentry help' to list commands.\n"
    );
    let (code, out, _) = run(env.cmd().args(["help", "issue", "list"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("Usage: sentry issue list [OPTIONS] [TARGET]"),
        "{out}"
    );

    let (code, out, err) = run(env.cmd().args(["cli", "manpages", "--dir", "man"]));
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    let page = std::fs::read_to_string(env.work().join("man/sentry-issue-list.1")).unwrap();
    assert!(page.contains(".TH sentry-issue-list 1"), "{page}");
    assert!(page.contains("\\-\\-limit"), "{page}");
    assert!(env.work().join("man/sentry.1").is_file());
}
