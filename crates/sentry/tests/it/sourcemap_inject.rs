//! `sentry sourcemap inject` on the fixture build (`tests/fixtures/sourcemaps/`): the output
//! is byte-identical to npm `sentry@0.49.0`'s, every original position still resolves, a
//! second run changes nothing, and bad input fails naming the file with nothing written.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sourcemaps");
pub const APP_ID: &str = "57d208a9-0630-49bc-ab07-98eb8cb9cba4";
pub const LIB_ID: &str = "0075cc70-667c-4c6d-8021-52569aa23c36";
const BUILD_FILES: &[&str] = &["app.js", "app.js.map", "lib.cjs", "lib.cjs.map", "plain.js"];

/// Copies the fixture build to `work/<name>` and returns its path.
pub fn copy_build(env: &TestEnv, name: &str) -> PathBuf {
    let dir = env.work().join(name);
    copy_dir(&Path::new(FIXTURES).join("build"), &dir);
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.push((rel, fs::read(&p).unwrap()));
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn inject_matches_049_byte_for_byte() {
    let env = TestEnv::new();
    let dir = copy_build(&env, "dist");
    let (code, out, err) = run(env.cmd().args(["sourcemap", "inject", "dist"]));
    assert_eq!(code, 0, "{err}");
    let d = dir.display();
    assert_eq!(
        out,
        format!(
            "╭────────────────┬───╮\n│ Files modified │ 2 │\n│ Files skipped  │ 0 │\n╰────────────────┴───╯\n\n\
             ✓ {d}/app.js → {APP_ID}\n✓ {d}/lib.cjs → {LIB_ID}\n\n\
             Run `sentry sourcemap upload` to upload the injected files to Sentry\n"
        )
    );
    for f in BUILD_FILES {
        let ours = fs::read(dir.join(f)).unwrap();
        let theirs = fs::read(Path::new(FIXTURES).join("injected-049").join(f)).unwrap();
        assert!(ours == theirs, "{f} differs from sentry 0.49's injection");
    }
    let app = fs::read_to_string(dir.join("app.js")).unwrap();
    assert!(app.starts_with(";!function(){try{var e="));
    assert!(app.ends_with(&format!("\n//# debugId={APP_ID}\n")));
    let lib = fs::read_to_string(dir.join("lib.cjs")).unwrap();
    assert!(lib.starts_with("#!/usr/bin/env node\n;!function(){"));
    let map: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("lib.cjs.map")).unwrap()).unwrap();
    assert_eq!(map["debugId"], LIB_ID);
    assert_eq!(map["debug_id"], LIB_ID);
    // No temporary files left behind.
    assert_eq!(fs::read_dir(&dir).unwrap().count(), BUILD_FILES.len());
}

/// Every mapping of the original map is found one line lower (the snippet's line) in the
/// injected map, pointing at the same original source, line, column and name; and every
/// generated line of the injected JS still holds the code the mapping pointed at.
#[test]
fn every_original_location_still_resolves() {
    let env = TestEnv::new();
    let dir = copy_build(&env, "dist");
    assert_success(
        &env.cmd()
            .args(["sourcemap", "inject", "dist"])
            .output()
            .unwrap(),
    );
    for (js, snippet_line) in [("app.js", 0u32), ("lib.cjs", 1)] {
        let before = sourcemap::SourceMap::from_slice(
            &fs::read(Path::new(FIXTURES).join("build").join(format!("{js}.map"))).unwrap(),
        )
        .unwrap();
        let after =
            sourcemap::SourceMap::from_slice(&fs::read(dir.join(format!("{js}.map"))).unwrap())
                .unwrap();
        let old_js = fs::read_to_string(Path::new(FIXTURES).join("build").join(js)).unwrap();
        let new_js = fs::read_to_string(dir.join(js)).unwrap();
        let old_lines: Vec<&str> = old_js.lines().collect();
        let new_lines: Vec<&str> = new_js.lines().collect();
        assert!(before.get_token_count() > 10);
        assert_eq!(before.get_token_count(), after.get_token_count());
        for tok in before.tokens() {
            let line = tok.get_dst_line();
            let shifted = if line >= snippet_line { line + 1 } else { line };
            let t = after
                .lookup_token(shifted, tok.get_dst_col())
                .unwrap_or_else(|| panic!("{js}: no token at {shifted}:{}", tok.get_dst_col()));
            assert_eq!(t.get_dst(), (shifted, tok.get_dst_col()));
            assert_eq!(t.get_source(), tok.get_source());
            assert_eq!(t.get_src(), tok.get_src());
            assert_eq!(t.get_name(), tok.get_name());
            assert_eq!(
                new_lines[shifted as usize], old_lines[line as usize],
                "{js}: generated line {line} moved"
            );
        }
    }
    // A concrete statement: the `throw` in the minified app.js is src/util.js line 3.
    let after =
        sourcemap::SourceMap::from_slice(&fs::read(dir.join("app.js.map")).unwrap()).unwrap();
    let new_js = fs::read_to_string(dir.join("app.js")).unwrap();
    let line = new_js.lines().nth(1).unwrap();
    let col = line.find("throw").unwrap() as u32;
    let t = after.lookup_token(1, col).unwrap();
    assert_eq!(t.get_source(), Some("../src/util.js"));
    assert_eq!(t.get_src_line(), 2); // 0-based: line 3
}

#[test]
fn second_run_changes_nothing_and_reports_skips() {
    let env = TestEnv::new();
    let dir = copy_build(&env, "dist");
    assert_success(
        &env.cmd()
            .args(["sourcemap", "inject", "dist"])
            .output()
            .unwrap(),
    );
    let first = snapshot(&dir);
    let out = env
        .cmd()
        .args(["sourcemap", "inject", "dist", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["modified"], 0);
    assert_eq!(v["skipped"], 2);
    assert_eq!(v["files"][0]["jsPath"], format!("{}/app.js", dir.display()));
    assert_eq!(v["files"][0]["map"]["kind"], "external");
    assert_eq!(v["files"][0]["injected"], false);
    assert_eq!(v["files"][0]["debugId"], APP_ID);
    assert_eq!(v["files"][1]["debugId"], LIB_ID);
    assert!(snapshot(&dir) == first, "a second inject changed the build");
}

#[test]
fn dry_run_writes_nothing() {
    let env = TestEnv::new();
    let dir = copy_build(&env, "dist");
    let before = snapshot(&dir);
    let (code, out, _) = run(env.cmd().args(["sourcemap", "inject", "dist", "--dry-run"]));
    assert_eq!(code, 0);
    assert_contains(&out, "│ Files modified │ 2 │");
    assert_contains(&out, "/app.js → (pending)");
    assert!(snapshot(&dir) == before);
}

#[test]
fn no_pairs_is_an_error_unless_allowed() {
    let env = TestEnv::new();
    fs::create_dir_all(env.work().join("empty")).unwrap();
    env.write("work/empty/x.js", "x()");
    let (code, out, err) = run(env.cmd().args(["sourcemap", "inject", "empty"]));
    assert_eq!(code, 21);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "Error: Directory 'empty' contains no JS or sourcemap files. Check the path points at \
         your build output, or pass --allow-empty to suppress this error.\n"
    );
    let out = env
        .cmd()
        .args(["sourcemap", "inject", "empty", "--allow-empty", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout_json(&out),
        serde_json::json!({"modified": 0, "skipped": 0, "files": []})
    );
    let (code, _, err) = run(env.cmd().args(["sourcemap", "inject", "missing"]));
    assert_eq!(code, 21);
    assert_eq!(err, "Error: Directory 'missing' does not exist.\n");
}

#[test]
fn bad_map_fails_naming_it_and_leaves_the_build_untouched() {
    let env = TestEnv::new();
    let dir = copy_build(&env, "dist");
    // lib.cjs sorts after app.js: app.js would be injected first if writes were not staged.
    fs::write(dir.join("lib.cjs.map"), "{not json").unwrap();
    let before = snapshot(&dir);
    let (code, _, err) = run(env.cmd().args(["sourcemap", "inject", "dist"]));
    assert_eq!(code, 21);
    assert!(
        err.starts_with(&format!(
            "Error: Sourcemap '{}/lib.cjs.map' is not valid JSON: ",
            dir.display()
        )),
        "{err}"
    );
    assert!(snapshot(&dir) == before, "inject half-wrote the build");
}

#[test]
fn dangling_source_mapping_url_names_the_file() {
    let env = TestEnv::new();
    let dir = copy_build(&env, "dist");
    fs::write(
        dir.join("other.js"),
        "x();\n//# sourceMappingURL=maps/other.js.map\n",
    )
    .unwrap();
    let (code, _, err) = run(env.cmd().args(["sourcemap", "inject", "dist"]));
    assert_eq!(code, 21);
    assert_eq!(
        err,
        format!(
            "Error: {d}/other.js: sourceMappingURL 'maps/other.js.map' points to \
             '{d}/maps/other.js.map', which does not exist.\n",
            d = dir.display()
        )
    );
    assert_eq!(
        fs::read(dir.join("app.js")).unwrap(),
        fs::read(Path::new(FIXTURES).join("build/app.js")).unwrap()
    );
}

#[test]
fn skips_node_modules_gitignored_and_ignored_paths() {
    let env = TestEnv::new();
    let dir = copy_build(&env, "dist");
    for sub in ["node_modules/pkg", "vendor", "legacy", "gen"] {
        copy_dir(&Path::new(FIXTURES).join("build"), &dir.join(sub));
    }
    fs::write(dir.join(".gitignore"), "gen/\n").unwrap();
    fs::write(env.work().join("ignores"), "legacy/\n").unwrap();
    let out = env
        .cmd()
        .args([
            "sourcemap",
            "inject",
            "dist",
            "--ignore",
            "vendor/**",
            "--ignore-file",
            "ignores",
            "--json",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    let paths: Vec<String> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["jsPath"].as_str().unwrap().to_string())
        .collect();
    let d = dir.display();
    assert_eq!(paths, vec![format!("{d}/app.js"), format!("{d}/lib.cjs")]);
    // --ext narrows the extensions.
    let out = env
        .cmd()
        .args([
            "sourcemap",
            "inject",
            "dist",
            "--ext",
            ".cjs",
            "--ignore",
            "vendor,legacy,gen",
            "--json",
            "--dry-run",
        ])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    assert_eq!(v["files"][0]["jsPath"], format!("{d}/lib.cjs"));
}

#[test]
fn inline_maps_are_rewritten_in_place() {
    use base64::Engine;
    let env = TestEnv::new();
    let dir = env.work().join("inline");
    fs::create_dir_all(&dir).unwrap();
    let map = fs::read(Path::new(FIXTURES).join("build/app.js.map")).unwrap();
    let js = fs::read_to_string(Path::new(FIXTURES).join("build/app.js")).unwrap();
    let js = js.replace(
        "//# sourceMappingURL=app.js.map",
        &format!(
            "//# sourceMappingURL=data:application/json;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&map)
        ),
    );
    fs::write(dir.join("app.js"), &js).unwrap();
    let out = env
        .cmd()
        .args(["sourcemap", "inject", "inline", "--json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v = stdout_json(&out);
    assert_eq!(v["files"][0]["map"]["kind"], "inline");
    let new_js = fs::read_to_string(dir.join("app.js")).unwrap();
    let id = v["files"][0]["debugId"].as_str().unwrap();
    assert!(new_js.ends_with(&format!("//# debugId={id}\n")));
    let url = new_js
        .lines()
        .find_map(|l| l.strip_prefix("//# sourceMappingURL=data:application/json;base64,"))
        .unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(url)
        .unwrap();
    let m: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(m["debugId"], id);
    assert!(m["mappings"].as_str().unwrap().starts_with(';'));
}
