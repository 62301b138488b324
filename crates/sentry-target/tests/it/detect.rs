//! End-to-end DSN detection over real directory trees.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, SystemTime};

use sentry_target::dsn::{
    detect, detect_with, env_unchanged, still_valid, DetectOptions, DsnSource,
};

fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

type Row<'a> = (
    &'a str,
    DsnSource,
    Option<&'a str>,
    Option<u32>,
    Option<&'a str>,
);

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn set_mtime(path: &Path, t: SystemTime) {
    File::open(path).unwrap().set_modified(t).unwrap();
}

/// Three packages, each with one DSN in a different kind of place, plus decoys
/// in dependency, build and git-ignored directories.
fn monorepo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, ".gitignore", "generated/\n*.log\n");
    write(
        r,
        "package.json",
        "{\"name\":\"mono\",\"workspaces\":[\"packages/*\"]}\n",
    );
    write(
        r,
        "packages/frontend/src/sentry.ts",
        "import * as Sentry from '@sentry/react';\n\
         // Sentry.init({ dsn: \"https://dead01@o1.ingest.sentry.io/1\" });\n\
         Sentry.init({\n  dsn: \"https://aaa111@o1.ingest.us.sentry.io/101\",\n});\n",
    );
    write(
        r,
        "packages/backend/app/main.py",
        "import sentry_sdk\n\nsentry_sdk.init(dsn=\"https://bbb222@o1.ingest.sentry.io/202\")\n",
    );
    write(
        r,
        "packages/functions/.env",
        "# functions\nSENTRY_DSN=https://ccc333@o1.ingest.sentry.io/303\n",
    );
    write(
        r,
        "packages/functions/index.js",
        "exports.handler = () => 1;\n",
    );
    // Decoys: every one of these must stay invisible.
    write(
        r,
        "node_modules/some-sdk/index.js",
        "init({dsn:\"https://d0d0@o9.ingest.sentry.io/901\"})\n",
    );
    write(
        r,
        "packages/frontend/node_modules/x/dist/x.js",
        "dsn=\"https://d1d1@o9.ingest.sentry.io/902\"\n",
    );
    write(
        r,
        "node_modules/.env",
        "SENTRY_DSN=https://d2d2@o9.ingest.sentry.io/903\n",
    );
    write(
        r,
        "generated/config.json",
        "{\"dsn\":\"https://d3d3@o9.ingest.sentry.io/904\"}\n",
    );
    write(
        r,
        "dist/bundle.js",
        "init({dsn:\"https://d4d4@o9.ingest.sentry.io/905\"})\n",
    );
    write(
        r,
        "target/debug/build.rs",
        "const D: &str = \"https://d5d5@o9.ingest.sentry.io/906\";\n",
    );
    write(
        r,
        "vendor/lib/x.go",
        "Dsn: \"https://d6d6@o9.ingest.sentry.io/907\",\n",
    );
    write(
        r,
        "README.md",
        "Use https://d7d7@o9.ingest.sentry.io/908 as an example.\n",
    );
    write(r, "app.log", "https://d8d8@o9.ingest.sentry.io/909\n");
    dir
}

#[test]
fn monorepo_finds_the_three_dsns_in_priority_order_and_no_decoys() {
    let dir = monorepo();
    let det = detect(
        dir.path(),
        &env(&[("SENTRY_DSN", "https://eee444@o1.ingest.sentry.io/404")]),
    );
    let got: Vec<Row> = det
        .dsns
        .iter()
        .map(|d| {
            (
                d.raw.as_str(),
                d.source,
                d.path.as_deref(),
                d.line,
                d.package_path.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "https://bbb222@o1.ingest.sentry.io/202",
                DsnSource::Code,
                Some("packages/backend/app/main.py"),
                Some(3),
                Some("packages/backend")
            ),
            (
                "https://aaa111@o1.ingest.us.sentry.io/101",
                DsnSource::Code,
                Some("packages/frontend/src/sentry.ts"),
                Some(4),
                Some("packages/frontend")
            ),
            (
                "https://ccc333@o1.ingest.sentry.io/303",
                DsnSource::EnvFile,
                Some("packages/functions/.env"),
                Some(2),
                Some("packages/functions")
            ),
            (
                "https://eee444@o1.ingest.sentry.io/404",
                DsnSource::EnvVar,
                None,
                None,
                None
            ),
        ]
    );
    assert_eq!(det.dsns[3].env_var.as_deref(), Some("SENTRY_DSN"));
    assert_eq!(det.fingerprint, "1:101,1:202,1:303,1:404");
    assert!(det.has_multiple());
    assert_eq!(det.primary().unwrap().dsn.project_id, 202);
    assert!(det.invalid.is_empty());
    assert!(det.dsns.iter().all(|d| !d.raw.contains("o9.ingest")));
    // Cache data: the DSN-bearing files and the walked directories, never the decoy dirs.
    let sources: Vec<&str> = det.stamp.source_mtimes.keys().map(String::as_str).collect();
    assert_eq!(
        sources,
        vec![
            "packages/backend/app/main.py",
            "packages/frontend/src/sentry.ts",
            "packages/functions/.env"
        ]
    );
    assert!(det.stamp.dir_mtimes.contains_key("."));
    assert!(det.stamp.dir_mtimes.contains_key("packages/frontend/src"));
    assert!(!det
        .stamp
        .dir_mtimes
        .keys()
        .any(|k| k.contains("node_modules")
            || k.starts_with("generated")
            || k.starts_with("dist")));
    assert_eq!(
        det.stamp.env_values.get("SENTRY_DSN").map(String::as_str),
        Some("https://eee444@o1.ingest.sentry.io/404")
    );
}

#[test]
fn env_files_follow_spec_order_and_env_vars_follow_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        ".env.production",
        "SENTRY_DSN=https://p6@o1.ingest.sentry.io/6\n",
    );
    write(r, ".env", "SENTRY_DSN=https://p4@o1.ingest.sentry.io/4\n");
    write(
        r,
        ".env.development.local",
        "VITE_SENTRY_DSN=\"https://p2@o1.ingest.sentry.io/2\"\n",
    );
    write(
        r,
        ".env.local",
        "export SENTRY_DSN=https://p1@o1.ingest.sentry.io/1\n",
    );
    write(r, ".env.development", "SENTRY_DSN=not-a-dsn\n");
    write(
        r,
        ".env.example",
        "SENTRY_DSN=https://ex@o1.ingest.sentry.io/99\n",
    );
    let det = detect(
        r,
        &env(&[
            (
                "NUXT_PUBLIC_SENTRY_DSN",
                "https://v6@o1.ingest.sentry.io/16",
            ),
            (
                "NEXT_PUBLIC_SENTRY_DSN",
                "https://v2@o1.ingest.sentry.io/12",
            ),
            ("SENTRY_DSN", "https://v1@o1.ingest.sentry.io/11"),
            ("REACT_APP_SENTRY_DSN", "   "),
            ("VITE_SENTRY_DSN", "https://p1@o1.ingest.sentry.io/1"),
            ("OTHER_DSN", "https://zz@o1.ingest.sentry.io/77"),
        ]),
    );
    let got: Vec<(&str, DsnSource)> = det
        .dsns
        .iter()
        .map(|d| (d.raw.as_str(), d.source))
        .collect();
    assert_eq!(
        got,
        vec![
            ("https://p1@o1.ingest.sentry.io/1", DsnSource::EnvFile),
            ("https://p2@o1.ingest.sentry.io/2", DsnSource::EnvFile),
            ("https://p4@o1.ingest.sentry.io/4", DsnSource::EnvFile),
            ("https://p6@o1.ingest.sentry.io/6", DsnSource::EnvFile),
            ("https://v1@o1.ingest.sentry.io/11", DsnSource::EnvVar),
            ("https://v2@o1.ingest.sentry.io/12", DsnSource::EnvVar),
            ("https://v6@o1.ingest.sentry.io/16", DsnSource::EnvVar),
        ]
    );
    assert_eq!(det.dsns[1].env_var.as_deref(), Some("VITE_SENTRY_DSN"));
    assert_eq!(det.invalid.len(), 1);
    assert_eq!(det.invalid[0].path.as_deref(), Some(".env.development"));
    assert_eq!(det.invalid[0].env_var, "SENTRY_DSN");
    assert_eq!(det.invalid[0].line, Some(1));
}

#[test]
fn gitignored_env_files_are_still_read() {
    // `.env.local` is nearly always git-ignored, yet it is where the DSN lives.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", ".env*\n");
    write(
        dir.path(),
        ".env.local",
        "SENTRY_DSN=https://k@o1.ingest.sentry.io/5\n",
    );
    let det = detect(dir.path(), &BTreeMap::new());
    assert_eq!(det.dsns.len(), 1);
    assert_eq!(det.dsns[0].source, DsnSource::EnvFile);
}

#[test]
fn binary_and_oversized_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let mut blob = vec![0u8, 1, 2, 0];
    blob.extend_from_slice(b"\ninit({dsn: \"https://b1@o1.ingest.sentry.io/1\"})\n");
    write(r, "src/blob.js", &blob);
    let mut big = "x".repeat(2048);
    big.push_str("\ninit({dsn: \"https://b2@o1.ingest.sentry.io/2\"})\n");
    write(r, "src/big.js", &big);
    write(
        r,
        "src/ok.js",
        "init({dsn: \"https://b3@o1.ingest.sentry.io/3\"})\n",
    );
    let opts = DetectOptions {
        max_file_size: 1024,
        ..DetectOptions::default()
    };
    let det = detect_with(r, &BTreeMap::new(), &opts);
    let raws: Vec<&str> = det.dsns.iter().map(|d| d.raw.as_str()).collect();
    assert_eq!(raws, vec!["https://b3@o1.ingest.sentry.io/3"]);
    assert_eq!(det.files_scanned, 3);
}

#[test]
fn code_hosts_follow_the_configured_sentry() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.py",
        "sentry_sdk.init(dsn=\"http://k1@sentry.internal:9000/5\")\n",
    );
    assert!(detect(dir.path(), &BTreeMap::new()).dsns.is_empty());
    let det = detect(
        dir.path(),
        &env(&[("SENTRY_URL", "http://sentry.internal:9000/")]),
    );
    assert_eq!(det.dsns.len(), 1);
    assert_eq!(det.dsns[0].dsn.port, Some(9000));
    assert_eq!(det.fingerprint, "sentry.internal:9000:5");
    let other_port = detect(
        dir.path(),
        &env(&[("SENTRY_URL", "http://sentry.internal:9001")]),
    );
    assert!(other_port.dsns.is_empty());
    let any = detect_with(
        dir.path(),
        &BTreeMap::new(),
        &DetectOptions {
            any_code_host: true,
            ..DetectOptions::default()
        },
    );
    assert_eq!(any.dsns.len(), 1);
}

#[test]
fn cache_stamp_flips_when_a_source_file_or_directory_changes() {
    let dir = monorepo();
    let r = dir.path();
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    for d in [
        ".",
        "packages",
        "packages/frontend",
        "packages/frontend/src",
        "packages/backend",
        "packages/backend/app",
        "packages/functions",
    ] {
        set_mtime(&r.join(d), old);
    }
    let det = detect(r, &BTreeMap::new());
    assert!(still_valid(&det.stamp));

    // Touching the file that holds a DSN invalidates.
    set_mtime(
        &r.join("packages/frontend/src/sentry.ts"),
        old + Duration::from_secs(60),
    );
    assert!(!still_valid(&det.stamp));

    // A fresh detection is valid again; a new file in a walked directory invalidates it.
    let det = detect(r, &BTreeMap::new());
    assert!(still_valid(&det.stamp));
    write(r, "packages/backend/app/extra.py", "print(1)\n");
    assert!(!still_valid(&det.stamp));

    // Deleting a DSN file invalidates.
    let det = detect(r, &BTreeMap::new());
    assert!(still_valid(&det.stamp));
    fs::remove_file(r.join("packages/functions/.env")).unwrap();
    assert!(!still_valid(&det.stamp));

    // The stamp survives a JSON round trip (it is stored in cli.db).
    let det = detect(
        r,
        &env(&[("SENTRY_DSN", "https://k@o1.ingest.sentry.io/1")]),
    );
    let json = serde_json::to_string(&det.stamp).unwrap();
    let back: sentry_target::dsn::CacheStamp = serde_json::from_str(&json).unwrap();
    assert_eq!(back, det.stamp);
    assert!(still_valid(&back));
    assert!(env_unchanged(
        &back,
        &env(&[("SENTRY_DSN", "https://k@o1.ingest.sentry.io/1")])
    ));
    assert!(!env_unchanged(&back, &BTreeMap::new()));
}

#[test]
fn missing_root_detects_nothing_from_files() {
    let det = detect(
        Path::new("/nonexistent/sentry-target-test"),
        &env(&[("SENTRY_DSN", "https://k@o1.ingest.sentry.io/1")]),
    );
    assert_eq!(det.dsns.len(), 1);
    assert_eq!(det.dsns[0].source, DsnSource::EnvVar);
    assert!(!still_valid(&det.stamp));
}
