//! Every step of target resolution: env, DSN detection (cached), directory name, only
//! org/project, exit 22, and a monorepo with three DSNs plus git-ignored decoys.

use std::time::{Duration, Instant};

use crate::common::{assert_success, stdout_json, text, TestEnv};
use serde_json::Value;

fn create_project(env: &TestEnv, name: &str) -> String {
    let out = env
        .api_cmd()
        .args([
            "project",
            "create",
            &format!("local/{name}:python"),
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    stdout_json(&out)["dsn"].as_str().unwrap().to_string()
}

/// `project view` with no target: which projects auto-detection picked, and the stderr.
fn detected(
    env: &TestEnv,
    cwd: &std::path::Path,
    envs: &[(&str, &str)],
) -> (Option<i32>, Vec<String>, String) {
    let mut cmd = env.api_cmd();
    cmd.current_dir(cwd);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.args(["project", "view", "--json"]).output().unwrap();
    let slugs = if out.status.success() {
        stdout_json(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{}/{}",
                    p["organization"]["slug"].as_str().unwrap_or("?"),
                    p["slug"].as_str().unwrap()
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    (out.status.code(), slugs, text(&out.stderr))
}

#[test]
fn env_settings_and_only_project_fallback() {
    let env = TestEnv::with_server();
    let work = env.work();
    // `project view` never guesses "your only org/project" (upstream 0.49 neither); the
    // fallback itself is covered through `event view` in tests/views.rs.
    let (code, slugs, err) = detected(&env, &work, &[]);
    assert_eq!(
        (code, slugs),
        (Some(22), vec![]),
        "only org, only project: {err}"
    );
    assert_eq!(
        detected(
            &env,
            &work,
            &[("SENTRY_ORG", "local"), ("SENTRY_PROJECT", "app")]
        )
        .1,
        vec!["local/app"]
    );
    assert_eq!(
        detected(&env, &work, &[("SENTRY_PROJECT", "local/app")]).1,
        vec!["local/app"]
    );
    // The hidden global flags feed the same settings.
    let out = env
        .api_cmd()
        .args([
            "-o", "local", "-p", "app", "project", "view", "--json", "--fields", "slug",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out), serde_json::json!([{"slug": "app"}]));
}

#[test]
fn dsn_detection_is_cached_and_dir_name_inference_and_exit_22() {
    let env = TestEnv::with_server();
    let web_dsn = create_project(&env, "web");
    // Two projects now, cwd "work" matches nothing → exit 22.
    let (code, _, err) = detected(&env, &env.work(), &[]);
    assert_eq!(code, Some(22), "{err}");
    assert!(
        err.contains("Could not auto-detect organization and project."),
        "{err}"
    );
    // The same for a command that lists the orgs to pick from.
    let out = env
        .api_cmd()
        .args(["issue", "list", "--json"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(22), "{err}");
    assert!(
        err.contains("Organization and project are required"),
        "{err}"
    );
    assert!(err.contains("local"), "lists the orgs: {err}");

    // Directory named like a project.
    let dir = env.work().join("web");
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(detected(&env, &dir, &[]).1, vec!["local/web"]);

    // A DSN in .env wins over the directory name and is cached per directory.
    let repo = env.work().join("checkout");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join(".env"), format!("SENTRY_DSN={web_dsn}\n")).unwrap();
    assert_eq!(detected(&env, &repo, &[]).1, vec!["local/web"]);
    let store = sentry_store::Store::open(&env.config_dir()).unwrap();
    let row = store
        .dsn_cache_get(&repo.to_string_lossy())
        .unwrap()
        .expect("dsn_cache row");
    assert_eq!(row.dsn, web_dsn);
    assert_eq!(row.resolved_project_slug.as_deref(), Some("web"));
    drop(store);
    // SENTRY_DSN in the environment (no file) works too.
    let plain = env.work().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    assert_eq!(
        detected(&env, &plain, &[("SENTRY_DSN", web_dsn.as_str())]).1,
        vec!["local/web"]
    );
}

#[test]
fn monorepo_with_three_dsns_ignores_gitignored_decoys_and_gets_aliases() {
    let env = TestEnv::with_server();
    let app_dsn = env.server().dsn();
    let web_dsn = create_project(&env, "web");
    let api_dsn = create_project(&env, "billing");
    let root = env.work().join("mono");
    let files = [
        (
            "packages/app/src/sentry.py",
            format!("sentry_sdk.init(dsn=\"{app_dsn}\")\n"),
        ),
        (
            "packages/web/src/sentry.js",
            format!("Sentry.init({{ dsn: \"{web_dsn}\" }});\n"),
        ),
        (
            "packages/billing/src/sentry.ts",
            format!("Sentry.init({{ dsn: '{api_dsn}' }});\n"),
        ),
        (".gitignore", "node_modules/\nvendored/\n".to_string()),
    ];
    for (rel, body) in &files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    let host = env.url().trim_start_matches("http://").to_string();
    for i in 0..20 {
        let decoy = format!(
            "Sentry.init({{ dsn: \"http://{:032x}@{host}/{}\" }});\n",
            0xdead_0000_u64 + i,
            900 + i
        );
        for dir in ["node_modules", "vendored"] {
            let p = root.join(format!("{dir}/pkg{i}/index.js"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, &decoy).unwrap();
        }
    }
    let (code, mut slugs, err) = detected(&env, &root, &[]);
    assert_eq!(code, Some(0), "{err}");
    slugs.sort();
    assert_eq!(slugs, vec!["local/app", "local/billing", "local/web"]);
    assert!(
        !err.contains("no accessible project"),
        "a decoy was scanned: {err}"
    );

    // Aliases were stored, and an alias-suffix issue ID resolves through them.
    let store = sentry_store::Store::open(&env.config_dir()).unwrap();
    let aliases = store.project_aliases().unwrap();
    assert_eq!(aliases.len(), 3, "{aliases:?}");
    let (web_alias, _) = aliases
        .iter()
        .find(|(_, p)| p.project_slug == "web")
        .unwrap();
    let web_alias = web_alias.clone();
    drop(store);
    let out = env
        .cmd()
        .args(["local", "demo-events", "--dsn", &web_dsn, "--distinct", "1"])
        .output()
        .unwrap();
    assert_success(&out);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = env
            .api_cmd()
            .current_dir(&root)
            .args([
                "issue",
                "view",
                &format!("{web_alias}-1"),
                "--json",
                "--fields",
                "shortId",
            ])
            .output()
            .unwrap();
        if out.status.success() {
            assert_eq!(stdout_json(&out), serde_json::json!({"shortId": "WEB-1"}));
            break;
        }
        assert!(Instant::now() < deadline, "{}", text(&out.stderr));
        std::thread::sleep(Duration::from_millis(50));
    }
    // The multi-project issue list covers all three projects.
    let out = env
        .api_cmd()
        .current_dir(&root)
        .args(["issue", "list", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v: Value = stdout_json(&out);
    assert_eq!(v["data"][0]["shortId"], "WEB-1");
}
