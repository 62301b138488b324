//! `sentry-cli sourcemaps inject|upload` (sentry-cli 3.x's spelling) against the local server:
//! the 3.x flags (`--release`, `--dist`, `--url-prefix`) work unchanged, JS files without a
//! map are uploaded with 3.8's warning (the report below is 3.8's against the same server,
//! its Bundle ID line aside), and flags with no effect on artifact bundles get a note.

use super::sourcemap_inject::{copy_build, APP_ID, LIB_ID};
use crate::common::*;

fn legacy(env: &TestEnv) -> assert_cmd::Command {
    let mut cmd = env.command(assert_cmd::cargo::cargo_bin("sentry-cli"));
    cmd.current_dir(env.work())
        .env("SENTRY_URL", env.url())
        .env("SENTRY_AUTH_TOKEN", env.token());
    assert_cmd::Command::from_std(cmd)
}

fn indexed(env: &TestEnv) -> Vec<(String, String, Option<String>, Option<String>)> {
    env.server()
        .state
        .db
        .with(|c| {
            let mut st = c.prepare(
                "SELECT f.url, f.type, f.debug_id, b.dist FROM artifact_bundle_files f
                 JOIN artifact_bundles b ON b.id = f.bundle_id ORDER BY f.url",
            )?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<Vec<_>, _>>();
            rows
        })
        .unwrap()
}

#[test]
fn upload_with_3x_flags_includes_files_without_a_map() {
    let env = TestEnv::with_server();
    copy_build(&env, "dist");
    let (code, out, err) = run(legacy(&env).args([
        "sourcemaps",
        "upload",
        "dist",
        "--org",
        "local",
        "--project",
        "app",
        "--release",
        "3.0",
        "--dist",
        "web",
        "--url-prefix",
        "~/static",
    ]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "> Found 5 files\n> Analyzing 5 sources\n> Rewriting sources\n> Adding source map references\n\
         > Bundled 5 files for upload\n> Uploaded files to Sentry\n> File processing complete\n\
         > Organization: local\n> Projects: app\n> Release: 3.0\n> Dist: web\n\
         > Upload type: artifact bundle\n\nSource Map Upload Report\n  Scripts\n\
         \x20   ~/static/app.js (sourcemap at app.js.map)\n\
         \x20   ~/static/lib.cjs (sourcemap at lib.cjs.map)\n\
         \x20   ~/static/plain.js (no sourcemap found)\n\
         \x20     - warning: could not determine a source map reference (Could not auto-detect referenced sourcemap for ~/static/plain.js)\n\
         \x20 Source Maps\n    ~/static/app.js.map\n    ~/static/lib.cjs.map\n"
    );
    let web = Some("web".to_string());
    let row = |u: &str, t: &str| (u.to_string(), t.to_string(), None, web.clone());
    assert_eq!(
        indexed(&env),
        vec![
            row("~/static/app.js", "minified_source"),
            row("~/static/app.js.map", "source_map"),
            row("~/static/lib.cjs", "minified_source"),
            row("~/static/lib.cjs.map", "source_map"),
            row("~/static/plain.js", "minified_source"),
        ]
    );
}

#[test]
fn inject_then_upload_by_debug_id_with_notes_for_noop_flags() {
    let env = TestEnv::with_server();
    copy_build(&env, "dist");
    let (code, out, err) = run(legacy(&env).args(["sourcemaps", "inject", "dist"]));
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(
        out.starts_with("> Searching dist\n> Found 2 files\n"),
        "{out}"
    );
    assert!(out.contains(&format!("    {APP_ID} - ")), "{out}");
    // A second run has nothing to do.
    let (_, again, _) = run(legacy(&env).args(["sourcemaps", "inject", "dist"]));
    assert_eq!(
        again,
        "> Searching dist\n> Found 2 files\n> Nothing to inject\n"
    );

    let (code, out, err) = run(legacy(&env).args([
        "sourcemaps",
        "upload",
        "dist",
        "--org",
        "local",
        "--project",
        "app",
        "--validate",
        "--strict",
        "--no-sourcemap-reference",
    ]));
    assert_eq!(code, 0, "{err}");
    for flag in ["--validate", "--strict", "--no-sourcemap-reference"] {
        assert!(
            err.contains(&format!(
                "note: {flag} is accepted for compatibility and has no effect on artifact-bundle uploads"
            )),
            "{err}"
        );
    }
    assert!(out.contains("> Release: None\n"), "{out}");
    assert!(
        out.contains(&format!(
            "    ~/app.js (sourcemap at app.js.map, debug id {APP_ID})"
        )),
        "{out}"
    );
    let ids: Vec<Option<String>> = indexed(&env).into_iter().map(|r| r.2).collect();
    assert_eq!(
        ids,
        vec![
            Some(APP_ID.into()),
            Some(APP_ID.into()),
            Some(LIB_ID.into()),
            Some(LIB_ID.into()),
            None
        ]
    );
}
