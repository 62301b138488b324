//! `sentry sourcemap upload` against the local server: the bundle lands indexed by debug ID
//! and URL, an event whose frames point into the minified file comes out at the original
//! file and line, and bad input fails with one line naming the file or limit.

use std::fs;

use super::sourcemap_inject::{copy_build, APP_ID, FIXTURES};
use crate::common::*;

fn indexed(env: &TestEnv) -> Vec<(String, String, Option<String>)> {
    env.server()
        .state
        .db
        .with(|c| {
            let mut st = c.prepare(
                "SELECT f.url, f.type, f.debug_id FROM artifact_bundle_files f
                 JOIN artifact_bundles b ON b.id = f.bundle_id ORDER BY f.bundle_id, f.url",
            )?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>();
            rows
        })
        .unwrap()
}

#[test]
fn upload_injects_bundles_and_the_server_symbolicates() {
    let env = TestEnv::with_server();
    let dir = copy_build(&env, "dist");
    let (code, out, err) = run(env.api_cmd().args([
        "sourcemap",
        "upload",
        "dist",
        "-o",
        "local",
        "-p",
        "app",
        "--release",
        "1.2.3",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "╭────────────────┬───────╮\n│ Organization   │ local │\n│ Project        │ app   │\n\
         │ Files uploaded │ 2     │\n│ Release        │ 1.2.3 │\n╰────────────────┴───────╯\n"
    );
    // Not a terminal: one summary line.
    assert!(err.starts_with("Uploaded 4 files in a "), "{err}");
    assert_eq!(err.lines().count(), 1);
    // Injected in place first (same bytes as 0.49's injection).
    assert_eq!(
        fs::read(dir.join("app.js")).unwrap(),
        fs::read(format!("{FIXTURES}/injected-049/app.js")).unwrap()
    );
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        indexed(&env),
        vec![
            ("~/app.js".into(), "minified_source".into(), some(APP_ID)),
            ("~/app.js.map".into(), "source_map".into(), some(APP_ID)),
            (
                "~/lib.cjs".into(),
                "minified_source".into(),
                some(super::sourcemap_inject::LIB_ID)
            ),
            (
                "~/lib.cjs.map".into(),
                "source_map".into(),
                some(super::sourcemap_inject::LIB_ID)
            ),
        ]
    );
    let (release, projects): (String, String) = env
        .server()
        .state
        .db
        .with(|c| {
            c.query_row("SELECT release, projects FROM artifact_bundles", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .unwrap();
    assert_eq!((release.as_str(), projects.as_str()), ("1.2.3", "[1]"));

    // A second upload of the same build sends no chunk.
    let out = env
        .api_cmd()
        .args([
            "sourcemap",
            "upload",
            "dist",
            "-o",
            "local",
            "-p",
            "app",
            "--release",
            "1.2.3",
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["chunksUploaded"], 0);
    assert_eq!(v["state"], "ok");

    // An event from the minified build (found by release + URL, no debug_meta) is shown at
    // the original file and line by `sentry issue view`.
    let line = fs::read_to_string(dir.join("app.js"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    let col = line.find("throw").unwrap() + 1;
    let ev = serde_json::json!({
        "platform": "javascript", "level": "error", "release": "1.2.3",
        "exception": {"values": [{"type": "Error", "value": "division by zero", "stacktrace": {"frames": [
            {"abs_path": "https://shop.example/app.js", "filename": "app.js", "function": "r", "lineno": 2, "colno": col, "in_app": true}
        ]}}]}
    });
    let file = env.write("work/ev.json", &ev.to_string());
    let dsn = env.server().dsn();
    assert_success(
        &env.cmd()
            .args([
                "event",
                "send",
                "--dsn",
                dsn.as_str(),
                file.to_str().unwrap(),
            ])
            .output()
            .unwrap(),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let view = loop {
        let (code, out, _) = run(env.api_cmd().args(["issue", "view", "APP-1"]));
        if code == 0 {
            break out;
        }
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_contains(&view, "at divide (../src/util.js:3:5)");
    assert_contains(
        &view,
        ">      3 |     throw new Error(\"division by zero\");",
    );
}

#[test]
fn bad_uploads_fail_with_one_clear_line() {
    let env = TestEnv::with_server();
    copy_build(&env, "dist");
    // An org the server does not know: no chunk upload there.
    let (code, _, err) = run(env.api_cmd().args([
        "sourcemap",
        "upload",
        "dist",
        "-o",
        "nope",
        "-p",
        "app",
        "--release",
        "1",
    ]));
    assert_ne!(code, 0);
    assert!(!err.is_empty());
    // Nothing paired.
    fs::create_dir_all(env.work().join("empty")).unwrap();
    let (code, _, err) =
        run(env
            .api_cmd()
            .args(["sourcemap", "upload", "empty", "-o", "local", "-p", "app"]));
    assert_eq!(code, 21);
    assert_contains(&err, "contains no JS or sourcemap files");
    // A map that is not JSON: named, nothing uploaded, nothing written.
    let dir = copy_build(&env, "bad");
    fs::write(dir.join("app.js.map"), "<html>").unwrap();
    let (code, _, err) =
        run(env
            .api_cmd()
            .args(["sourcemap", "upload", "bad", "-o", "local", "-p", "app"]));
    assert_eq!(code, 21);
    assert!(
        err.starts_with(&format!(
            "Error: Sourcemap '{}/app.js.map' is not valid JSON",
            dir.display()
        )),
        "{err}"
    );
    assert_eq!(indexed(&env), vec![]);
    assert_eq!(
        fs::read(dir.join("lib.cjs")).unwrap(),
        fs::read(format!("{FIXTURES}/build/lib.cjs")).unwrap()
    );
}
