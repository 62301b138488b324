//! `org`, `project`, `team` and `repo` commands against the local server: human tables
//! (snapshots with URLs, keys and times redacted) and JSON shapes.

use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};

/// Snapshot with the server URL, DSN keys and local times redacted.
fn snap(env: &TestEnv, name: &str, s: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"\d{1,2}/\d{1,2}/\d{4}, \d{1,2}:\d{2}:\d{2} [AP]M",
        "[datetime]",
    );
    settings.add_filter(r"http://[0-9a-f]{32}@", "http://[key]@");
    settings.add_filter(r"127\.0\.0\.1:\d+", "[host]");
    // Column widths follow the (redacted) values; keep content, drop alignment.
    settings.add_filter(r"─{2,}", "──");
    settings.add_filter(r" {2,}│", " │");
    let s = s.replace(&env.url(), "[url]");
    settings.bind(|| insta::assert_snapshot!(name, s));
}

#[test]
fn org_list_human_json_and_region_cache() {
    let env = TestEnv::with_server();
    let out = env.api_cmd().args(["org", "list"]).output().unwrap();
    assert_success(&out);
    insta::assert_snapshot!("org_list_human", text(&out.stdout));

    let out = env.api_cmd().args(["orgs", "--json"]).output().unwrap();
    let v = stdout_json(&out);
    let arr = v.as_array().expect("flat array");
    assert_eq!(arr.len(), 1);
    assert_eq!(arr[0]["slug"], "local");
    assert_eq!(arr[0]["name"], "Local");
    // The region cache was filled from links.regionUrl.
    let store = sentry_store::Store::open(&env.config_dir()).unwrap();
    let row = store
        .all_org_regions()
        .unwrap()
        .into_iter()
        .find(|r| r.org_slug == "local")
        .expect("org_regions row");
    assert_eq!(row.region_url, env.url());
    assert_eq!(row.org_name.as_deref(), Some("Local"));
}

#[test]
fn org_view_human_and_limit_validation() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["org", "view", "local"])
        .output()
        .unwrap();
    assert_success(&out);
    snap(&env, "org_view_human", &text(&out.stdout));
    let out = env
        .api_cmd()
        .args(["org", "view", "local", "--json"])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert_eq!(v["slug"], "local");
    assert_eq!(v["orgRole"], "owner");

    let out = env
        .api_cmd()
        .args(["org", "list", "-n", "1001"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert!(text(&out.stderr).contains("--limit cannot exceed 1000"));

    let out = env
        .api_cmd()
        .args(["org", "view", "nope"])
        .output()
        .unwrap();
    assert_exit(&out, 30);
}

#[test]
fn org_view_web_prints_self_hosted_url_without_tty() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["org", "view", "local", "-w"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        format!("{}/organizations/local/\n", env.url())
    );
}

#[test]
fn project_list_modes() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["project", "list", "local/"])
        .output()
        .unwrap();
    assert_success(&out);
    insta::assert_snapshot!("project_list_org_all", text(&out.stdout));

    let v = stdout_json(
        &env.api_cmd()
            .args(["project", "list", "local/", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["hasMore"], false);
    assert_eq!(v["hasPrev"], false);
    assert_eq!(v["data"][0]["slug"], "app");
    assert_eq!(v["data"][0]["orgSlug"], "local");

    // Explicit: a flat array.
    let v = stdout_json(
        &env.api_cmd()
            .args([
                "projects",
                "local/app",
                "--json",
                "--fields",
                "slug,orgSlug",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(v, serde_json::json!([{"slug": "app", "orgSlug": "local"}]));

    // Project search by bare slug.
    let v = stdout_json(
        &env.api_cmd()
            .args(["project", "list", "app", "--json", "--fields", "slug"])
            .output()
            .unwrap(),
    );
    assert_eq!(v, serde_json::json!([{"slug": "app"}]));

    // Unknown project: exit 23.
    let out = env
        .api_cmd()
        .args(["project", "list", "nope"])
        .output()
        .unwrap();
    assert_exit(&out, 23);
    assert!(text(&out.stderr).contains("Project 'nope' not found"));

    // Platform filter.
    let v = stdout_json(
        &env.api_cmd()
            .args([
                "project",
                "list",
                "local/",
                "--platform",
                "python",
                "--json",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(v["data"].as_array().map(Vec::len), Some(0));
}

#[test]
fn project_list_auto_mode_json_hint_when_truncated() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["project", "create", "local/second:python", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let list = |extra: &[&str], org: Option<&str>| {
        let mut cmd = env.api_cmd();
        cmd.args(["project", "list", "--json", "--fields", "slug"])
            .args(extra);
        if let Some(o) = org {
            cmd.env("SENTRY_ORG", o);
        }
        stdout_json(&cmd.output().unwrap())
    };
    assert_eq!(
        list(&["-n", "1"], None),
        serde_json::json!({
            "data": [{"slug": "app"}],
            "hasMore": true,
            "hasPrev": false,
            "hint": "sentry project list <org>/ --json",
        })
    );
    assert_eq!(
        list(&["-n", "1"], Some("local")),
        serde_json::json!({
            "data": [{"slug": "app"}],
            "hasMore": true,
            "hasPrev": false,
            "hint": "sentry project list local/ --json",
        })
    );
    assert_eq!(
        list(&[], None),
        serde_json::json!({
            "data": [{"slug": "app"}, {"slug": "second"}],
            "hasMore": false,
            "hasPrev": false,
        })
    );
}

#[test]
fn project_view_has_dsn_and_is_always_an_array() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["project", "view", "local/app"])
        .output()
        .unwrap();
    assert_success(&out);
    snap(&env, "project_view_human", &text(&out.stdout));
    let v = stdout_json(
        &env.api_cmd()
            .args(["project", "view", "local/app", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v[0]["slug"], "app");
    assert_eq!(v[0]["dsn"], env.server().dsn());
}

#[test]
fn project_create_and_delete() {
    let env = TestEnv::with_server();
    let v = stdout_json(
        &env.api_cmd()
            .args(["project", "create", "local/web shop:javascript", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["orgSlug"], "local");
    assert_eq!(v["teamSlug"], "local");
    assert_eq!(v["project"]["slug"], "web-shop");
    assert!(v["dsn"]
        .as_str()
        .is_some_and(|d| d.ends_with(&format!("/{}", v["project"]["id"].as_str().unwrap()))));

    let out = env
        .api_cmd()
        .args(["project", "create", "web-shop"])
        .output()
        .unwrap();
    assert_exit(&out, 21);

    // Dry run sends no DELETE.
    let v = stdout_json(
        &env.api_cmd()
            .args(["project", "delete", "local/web-shop", "--dry-run", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["dryRun"], true);
    assert_eq!(v["project"], "web-shop");

    // No TTY and no --yes: refused, naming --yes.
    let out = env
        .api_cmd()
        .args(["project", "delete", "local/web-shop"])
        .output()
        .unwrap();
    assert_exit(&out, 21);
    assert!(text(&out.stderr).contains("--yes"), "{}", text(&out.stderr));

    let out = env
        .api_cmd()
        .args(["project", "delete", "local/web-shop", "--yes"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        "Deleted project 'web shop' (local/web-shop).\n"
    );
    let out = env
        .api_cmd()
        .args(["project", "view", "local/web-shop"])
        .output()
        .unwrap();
    // Upstream reports a named project's 404 as a failed request (exit 30).
    assert_exit(&out, 30);
    assert_eq!(
        text(&out.stderr),
        "Error: Failed to get project: 404 Not Found\n  The requested resource does not exist\n"
    );
}

#[test]
fn team_and_repo_lists() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .args(["team", "list", "local/"])
        .output()
        .unwrap();
    assert_success(&out);
    insta::assert_snapshot!("team_list_org_all", text(&out.stdout));
    let v = stdout_json(
        &env.api_cmd()
            .args([
                "teams",
                "local/",
                "--json",
                "--fields",
                "slug,orgSlug,memberCount",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(
        v,
        serde_json::json!({"data":[{"slug":"local","orgSlug":"local","memberCount":1}],"hasMore":false,"hasPrev":false})
    );
    // Auto mode (only org): flat array.
    let v = stdout_json(
        &env.api_cmd()
            .args(["team", "list", "--json", "--fields", "slug"])
            .output()
            .unwrap(),
    );
    assert_eq!(v, serde_json::json!([{"slug":"local"}]));

    let out = env
        .api_cmd()
        .args(["repo", "list", "local/"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "No repositories found in organization 'local'.\n"
    );
    let v = stdout_json(
        &env.api_cmd()
            .args(["repos", "local/", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        v,
        serde_json::json!({"data":[],"hasMore":false,"hasPrev":false})
    );
}

/// Without a target the org-scoped lists are 0.49's auto-detect mode: the settings' org (or
/// the detected projects' orgs, else every org), a flat array even when SENTRY_ORG names the
/// org, and the table followed by the tip instead of a count.
#[test]
fn org_scoped_lists_without_target_follow_auto_mode() {
    let env = TestEnv::with_server();
    let out = env
        .api_cmd()
        .env("SENTRY_ORG", "local")
        .args(["team", "list"])
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(
        stdout.ends_with("╯\n\n\nTip: Use 'sentry team list <org>/' to filter by organization\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("Showing"), "{stdout}");
    let v = stdout_json(
        &env.api_cmd()
            .env("SENTRY_ORG", "local")
            .args(["team", "list", "--json", "--fields", "slug"])
            .output()
            .unwrap(),
    );
    assert_eq!(v, serde_json::json!([{"slug":"local"}]));
    // Nothing detected: every org is listed; empty says so without naming an org.
    let out = env.api_cmd().args(["repo", "list"]).output().unwrap();
    assert_success(&out);
    assert_eq!(text(&out.stdout), "No repositories found.\n");
    let out = env
        .api_cmd()
        .env("SENTRY_ORG", "local")
        .args(["repo", "list"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "No repositories found in organization 'local'.\n"
    );
}

/// Plural groups are aliases of the singular ones (decisions.md #15): bare they list, with a
/// subcommand they run it after 0.49's tip — never "a project named list" (exit 23).
#[test]
fn plural_groups_are_aliases() {
    let env = TestEnv::with_server();
    let json = |args: &[&str]| {
        let out = env.api_cmd().args(args).arg("--json").output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        (stdout_json(&out), text(&out.stderr))
    };
    let (canonical, _) = json(&["project", "list", "local/"]);
    for (args, tip) in [
        (&["projects", "list", "local/"][..], Some("project list")),
        (&["projects", "local/"], None),
    ] {
        let (v, err) = json(args);
        assert_eq!(v, canonical, "{args:?}");
        let want = tip
            .map(|t| format!("Tip: \"list\" is a subcommand. Running: sentry {t}\n"))
            .unwrap_or_default();
        assert_eq!(err, want, "{args:?}");
    }
    let (orgs, _) = json(&["org", "list"]);
    for args in [
        &["orgs"][..],
        &["organizations"],
        &["orgs", "list"],
        &["organizations", "list"],
    ] {
        assert_eq!(json(args).0, orgs, "{args:?}");
    }
    let (view, err) = json(&["orgs", "view", "local"]);
    assert_eq!(view["slug"], "local");
    assert_eq!(
        err,
        "Tip: \"view\" is a subcommand. Running: sentry org view\n"
    );
    for (plural, singular) in [("issues", "issue"), ("teams", "team"), ("repos", "repo")] {
        let (a, _) = json(&[singular, "list", "local/"]);
        let (b, err) = json(&[plural, "list", "local/"]);
        assert_eq!(a, b, "{plural}");
        assert_eq!(
            err,
            format!("Tip: \"list\" is a subcommand. Running: sentry {singular} list\n")
        );
    }
}

/// 0.49's standard aliases on every group: `ls` = list, `show` = view, `rm`/`remove` =
/// delete, `new` = create (hidden from help, as there).
#[test]
fn standard_aliases_run_the_same_commands() {
    let env = TestEnv::with_server();
    for (alias, canonical) in [
        (vec!["org", "show", "local"], vec!["org", "view", "local"]),
        (vec!["org", "ls"], vec!["org", "list"]),
        (
            vec!["project", "ls", "local/"],
            vec!["project", "list", "local/"],
        ),
        (
            vec!["project", "show", "local/app"],
            vec!["project", "view", "local/app"],
        ),
        (vec!["team", "ls", "local/"], vec!["team", "list", "local/"]),
    ] {
        let a = env.api_cmd().args(&alias).arg("--json").output().unwrap();
        let c = env
            .api_cmd()
            .args(&canonical)
            .arg("--json")
            .output()
            .unwrap();
        assert_success(&a);
        assert_eq!(stdout_json(&a), stdout_json(&c), "{alias:?}");
    }
    let out = env.api_cmd().args(["project", "--help"]).output().unwrap();
    assert!(
        !text(&out.stdout).contains("ls"),
        "aliases stay out of help"
    );
}
