//! `sentry monitor list` against the local server: monitors created by `monitor run
//! --schedule` are listed in 0.49's table and JSON envelope (with `orgSlug`), and `monitors`
//! is the same list.

use crate::common::{assert_success, run, stdout_json, TestEnv};

fn create(env: &TestEnv, slug: &str, schedule: &str) {
    let (code, _, err) = run(env
        .cmd()
        .env("SENTRY_DSN", env.server().dsn())
        .args(["monitor", "run", slug, "-s", schedule, "--", "true"]));
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn lists_the_orgs_monitors_as_table_and_envelope() {
    let env = TestEnv::with_server();
    let (code, out, _) = run(env.api_cmd().args(["monitor", "list", "local/"]));
    assert_eq!(
        (code, out.as_str()),
        (0, "No monitors found in organization 'local'.\n")
    );

    create(&env, "backup", "0 0 * * *");
    create(&env, "hourly", "0 * * * *");

    let out = env
        .api_cmd()
        .args(["monitor", "list", "local/", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["hasMore"], false, "{v}");
    assert_eq!(v["hasPrev"], false);
    let data = v["data"].as_array().unwrap();
    let slugs: Vec<&str> = data.iter().map(|m| m["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["backup", "hourly"]);
    assert_eq!(data[0]["orgSlug"], "local");
    assert_eq!(data[0]["config"]["schedule"], "0 0 * * *");
    assert_eq!(data[0]["project"]["slug"], "app");
    let id = data[0]["id"].as_str().unwrap().to_string();

    let (code, out, err) = run(env
        .api_cmd()
        .env("COLUMNS", "200")
        .args(["monitor", "list", "local/"]));
    assert_eq!((code, err.as_str()), (0, ""));
    for want in [
        "ID",
        "SLUG",
        "SCHEDULE",
        "backup",
        "0 0 * * *",
        "hourly",
        "active",
        &id,
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    assert!(out.ends_with("Showing 2 monitors\n"), "{out}");

    let out = env
        .api_cmd()
        .args([
            "monitor", "list", "local/", "-n", "1", "--json", "--fields", "slug",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["data"], serde_json::json!([{"slug": "backup"}]), "{v}");
    assert_eq!(v["hasMore"], true);

    let (code, out, _) = run(env.api_cmd().args(["monitors", "local/"]));
    assert_eq!(code, 0);
    assert!(out.contains("hourly"), "{out}");
}

#[test]
fn needs_a_login() {
    let env = TestEnv::with_server();
    let (code, _, err) = run(env
        .cmd()
        .env("SENTRY_URL", env.url())
        .args(["monitor", "list", "local/"]));
    assert_eq!(code, 10, "{err}");
}

#[test]
fn bare_monitor_is_the_list() {
    let env = TestEnv::with_server();
    create(&env, "backup", "0 0 * * *");
    let out = env
        .api_cmd()
        .args(["monitor", "local/", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout_json(&out)["data"][0]["slug"], "backup");
}

#[test]
fn pages_end_with_0_49s_footer() {
    let env = TestEnv::with_server();
    for slug in ["a-job", "b-job", "c-job"] {
        create(&env, slug, "0 0 * * *");
    }
    let page = |cursor: Option<&str>| {
        let mut cmd = env.api_cmd();
        cmd.args(["monitor", "list", "local/", "-n", "1"]);
        if let Some(c) = cursor {
            cmd.args(["-c", c]);
        }
        let (code, out, err) = run(&mut cmd);
        assert_eq!((code, err.as_str()), (0, ""));
        out
    };
    let first = page(None);
    assert!(
        first.ends_with(
            "Showing 1 monitors (more available)\nNext: sentry monitor list local/ -c next\n"
        ),
        "{first}"
    );
    let second = page(Some("next"));
    assert!(
        second.ends_with("Showing 1 monitors (more available)\nPrev: sentry monitor list local/ -c prev | Next: sentry monitor list local/ -c next\n"),
        "{second}"
    );
    let third = page(Some("next"));
    assert!(
        third.ends_with("Showing 1 monitors\nPrev: sentry monitor list local/ -c prev\n"),
        "{third}"
    );
}

#[test]
fn a_project_lists_its_orgs_monitors_with_0_49s_note() {
    let env = TestEnv::with_server();
    create(&env, "backup", "0 0 * * *");
    let (code, out, err) = run(env.api_cmd().args(["monitor", "list", "local/app"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.contains("backup"), "{out}");
    assert!(
        out.ends_with("\nNote: monitors are org-scoped. Showing all monitors in 'local'.\n\nShowing 1 monitors\nTip: Use 'sentry monitor list local/' for paginated results\n"),
        "{out}"
    );
}

#[test]
fn org_slash_name_filters_by_slug_or_name() {
    let env = TestEnv::with_server();
    for slug in ["nightly", "nightly-backup", "hourly"] {
        create(&env, slug, "0 0 * * *");
    }
    let slugs = |target: &str| {
        let out = env
            .api_cmd()
            .args(["monitor", "list", target, "--json"])
            .output()
            .unwrap();
        assert_success(&out);
        stdout_json(&out)
            .as_array()
            .unwrap_or_else(|| panic!("flat array for {target}"))
            .iter()
            .map(|m| m["slug"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(slugs("local/nightly"), ["nightly", "nightly-backup"]);
    assert_eq!(slugs("local/*-backup"), ["nightly-backup"]);
    assert_eq!(
        slugs("local/nigthly"),
        ["nightly"],
        "close matches when none match"
    );

    let (code, out, err) = run(env
        .api_cmd()
        .args(["monitor", "list", "local/nightly", "-n", "1"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.ends_with("\n\n\nShowing 1 of 2 monitors matching 'nightly'.\n"),
        "{out}"
    );

    let (code, _, err) =
        run(env
            .api_cmd()
            .args(["monitor", "list", "local/nightly", "-c", "next"]));
    assert_eq!(
        (code, err.as_str()),
        (21, "Error: The --cursor flag requires the <org>/ pattern (e.g., sentry monitor list my-org/).\n")
    );
}
