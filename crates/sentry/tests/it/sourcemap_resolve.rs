//! `sentry sourcemap resolve`: 0.49's linkage report on a directory (output identical to npm
//! `sentry@0.49.0`'s on the fixture build), and ours on `FILE:LINE:COL`: offline from the
//! build, and from what was uploaded to the local server through `artifact-lookup`.

use std::fs;

use super::sourcemap_inject::{copy_build, APP_ID, FIXTURES};
use crate::common::*;

/// 0.49's report for the un-injected fixture build, byte for byte.
const LINKAGE_049: &str = "\
╭────────────────┬───╮
│ JS files       │ 3 │
│ With sourcemap │ 2 │
│ With debug ID  │ 0 │
╰────────────────┴───╯

╭──────────┬─────────────┬──────────╮
│ File     │ Source map  │ Debug ID │
├──────────┼─────────────┼──────────┤
│ app.js   │ app.js.map  │ —        │
│ lib.cjs  │ lib.cjs.map │ —        │
│ plain.js │ not found   │ —        │
╰──────────┴─────────────┴──────────╯

Run `sentry sourcemap inject` to add debug IDs to files missing them.
";

#[test]
fn linkage_report_matches_049() {
    let env = TestEnv::new();
    copy_build(&env, "dist");
    let (code, out, err) = run(env.cmd().args(["sourcemap", "resolve", "dist"]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, LINKAGE_049);

    // Injected by 0.49: the IDs show, JSON in 0.49's shape.
    let out = env
        .cmd()
        .args([
            "sourcemap",
            "resolve",
            &format!("{FIXTURES}/injected-049"),
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(
        v,
        serde_json::json!({
            "total": 3, "resolved": 2, "withDebugId": 2,
            "files": [
                {"path": "app.js", "mapPath": "app.js.map", "sourceMappingUrl": "app.js.map",
                 "inline": false, "remote": false, "debugId": APP_ID},
                {"path": "lib.cjs", "mapPath": "lib.cjs.map", "sourceMappingUrl": "lib.cjs.map",
                 "inline": false, "remote": false, "debugId": super::sourcemap_inject::LIB_ID},
                {"path": "plain.js", "inline": false, "remote": false},
            ]
        })
    );

    let (code, _, err) = run(env.cmd().args(["sourcemap", "resolve", "nope"]));
    assert_eq!(
        (code, err.as_str()),
        (21, "Error: Directory 'nope' does not exist.\n")
    );
}

/// The 1-based column of `needle` on 1-based `line` of `file`.
fn column_of(file: &std::path::Path, line: usize, needle: &str) -> usize {
    let text = fs::read_to_string(file).unwrap();
    text.lines().nth(line - 1).unwrap().find(needle).unwrap() + 1
}

#[test]
fn position_resolves_offline() {
    let env = TestEnv::new();
    let dir = copy_build(&env, "dist");
    let col = column_of(&dir.join("app.js"), 1, "throw");
    let pos = format!("dist/app.js:1:{col}");
    let (code, out, err) = run(env.cmd().args(["sourcemap", "resolve", &pos]));
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        format!(
            "\
╭────────────┬─────────────────────────────╮
│ Minified   │ dist/app.js:1:{col}            │
│ Original   │ ../src/util.js:3:5          │
│ Function   │ divide                      │
│ Source map │ dist/app.js.map (companion) │
╰────────────┴─────────────────────────────╯

  1 │ export function divide(a, b) {{
  2 │   if (b === 0) {{
> 3 │     throw new Error(\"division by zero\");
  4 │   }}
  5 │   return a / b;
  6 │ }}
  7 │ 
  8 │ export function greet(name) {{
"
        )
    );

    // After injection the code moved down one line; the map follows, by debug ID too.
    let (code, _, err) = run(env.cmd().args(["sourcemap", "inject", "dist"]));
    assert_eq!(code, 0, "{err}");
    let col = column_of(&dir.join("app.js"), 2, "toUpperCase");
    let out = env
        .cmd()
        .args([
            "sourcemap",
            "resolve",
            &format!("dist/app.js:2:{col}"),
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["original"]["file"], "../src/util.js");
    assert_eq!(v["original"]["line"], 10);
    assert_eq!(v["original"]["function"], "greet");
    assert_eq!(v["debugId"], APP_ID);
    fs::rename(dir.join("app.js.map"), dir.join("renamed.map")).unwrap();
    let js = fs::read_to_string(dir.join("app.js")).unwrap();
    fs::write(
        dir.join("app.js"),
        js.replace("//# sourceMappingURL=app.js.map", ""),
    )
    .unwrap();
    let out = env
        .cmd()
        .args([
            "sourcemap",
            "resolve",
            &format!("dist/app.js:2:{col}"),
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["resolvedWith"], "debug-id");
    assert_eq!(v["original"]["line"], 10);

    // Nothing to map with, and a position past the mappings: exit 23, one line each.
    let (code, _, err) = run(env
        .cmd()
        .args(["sourcemap", "resolve", "dist/plain.js:1:1"]));
    assert_eq!(code, 23);
    assert_eq!(
        err,
        "Error: No source map for dist/plain.js: no sourceMappingURL, no dist/plain.js.map and no debug ID.\n"
    );
    let (code, _, err) = run(env
        .cmd()
        .args(["sourcemap", "resolve", "dist/lib.cjs:99:1"]));
    assert_eq!(code, 23);
    assert_eq!(
        err,
        "Error: dist/lib.cjs.map has no mapping for dist/lib.cjs:99:1.\n"
    );
}

#[test]
fn position_resolves_from_the_server() {
    let env = TestEnv::with_server();
    let dir = copy_build(&env, "dist");
    let (code, _, err) = run(env.api_cmd().args([
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
    // The build directory is gone: only the server knows the map.
    let col = column_of(&dir.join("app.js"), 2, "throw");
    fs::remove_dir_all(&dir).unwrap();

    let out = env
        .api_cmd()
        .args([
            "sourcemap",
            "resolve",
            &format!("app.js:2:{col}"),
            "--debug-id",
            APP_ID,
            "-o",
            "local",
            "-p",
            "app",
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["sourceMap"], "~/app.js.map");
    assert_eq!(v["resolvedWith"], "debug-id");
    assert_eq!(v["debugId"], APP_ID);
    assert_eq!(v["original"]["file"], "../src/util.js");
    assert_eq!(v["original"]["line"], 3);
    assert_eq!(v["original"]["function"], "divide");
    assert_eq!(
        v["original"]["contextLine"],
        "    throw new Error(\"division by zero\");"
    );

    // By release and the URL the browser loaded.
    let out = env
        .api_cmd()
        .args([
            "sourcemap",
            "resolve",
            &format!("https://shop.example/app.js:2:{col}"),
            "--release",
            "1.2.3",
            "-o",
            "local",
            "-p",
            "app",
            "--json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["resolvedWith"], "release");
    assert_eq!(v["original"]["line"], 3);

    // Nothing uploaded under that ID / release: exit 23, one line.
    let (code, _, err) = run(env.api_cmd().args([
        "sourcemap",
        "resolve",
        "app.js:2:1",
        "--debug-id",
        "00000000-0000-4000-8000-000000000000",
        "-o",
        "local",
        "-p",
        "app",
    ]));
    assert_eq!(code, 23);
    assert_eq!(
        err,
        "Error: No source map uploaded to local/app for debug ID 00000000-0000-4000-8000-000000000000.\n"
    );
    let (code, _, err) = run(env.api_cmd().args([
        "sourcemap",
        "resolve",
        "https://shop.example/app.js:2:1",
        "--release",
        "9.9",
        "-o",
        "local",
        "-p",
        "app",
    ]));
    assert_eq!(code, 23);
    assert_eq!(
        err,
        "Error: No source map uploaded to local/app for https://shop.example/app.js in release 9.9.\n"
    );
}
