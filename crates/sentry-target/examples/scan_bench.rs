//! Times DSN detection on a large tree (not a test).
//!
//! `cargo run --release -p sentry-target --example scan_bench [PATH] [-- FILES]`
//! With no PATH, a tree of 10,000 files (default) is generated in a temp dir:
//! source files spread over monorepo packages, a few DSNs, and a
//! `node_modules` full of decoys. Prints the generated path so the same tree
//! can be timed with other tools, e.g. `rg -l 'https://[0-9a-f]+@' <tree>`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

fn generate(root: &std::path::Path, files: usize) -> std::io::Result<()> {
    let filler =
        "export function handler(event) {\n  return { ok: true, id: event.id };\n}\n".repeat(40);
    for i in 0..files {
        let pkg = i % 20;
        let dir = root.join(format!("packages/pkg{pkg}/src/mod{}", (i / 20) % 25));
        std::fs::create_dir_all(&dir)?;
        let body = if i % 2500 == 0 {
            format!(
                "{filler}Sentry.init({{ dsn: \"https://{i:032x}@o1.ingest.sentry.io/{}\" }});\n",
                1000 + i
            )
        } else {
            filler.clone()
        };
        std::fs::write(dir.join(format!("file{i}.ts")), body)?;
    }
    for i in 0..2000 {
        let dir = root.join(format!("node_modules/dep{}/lib", i % 100));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            dir.join(format!("f{i}.js")),
            format!("{filler}init({{dsn:\"https://{i:032x}@o9.ingest.sentry.io/{i}\"}})\n"),
        )?;
    }
    std::fs::write(root.join(".gitignore"), "node_modules/\n")?;
    std::fs::write(
        root.join(".env"),
        "SENTRY_DSN=https://abc@o1.ingest.sentry.io/1\n",
    )?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (root, _guard) = match args.next() {
        Some(p) if !p.chars().all(|c| c.is_ascii_digit()) => (PathBuf::from(p), None),
        count => {
            let files = count.and_then(|c| c.parse().ok()).unwrap_or(10_000);
            let dir = tempfile::Builder::new().prefix("scan-bench").tempdir()?;
            let t = Instant::now();
            generate(dir.path(), files)?;
            eprintln!(
                "generated {files} files (+2000 decoys) in {:?}",
                t.elapsed()
            );
            (dir.path().to_path_buf(), Some(dir))
        }
    };
    println!("tree: {}", root.display());
    let env = BTreeMap::new();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        let det = sentry_target::dsn::detect(&root, &env);
        times.push(t.elapsed());
        last = Some(det);
    }
    let det = last.expect("ran at least once");
    let t = Instant::now();
    let valid = sentry_target::dsn::still_valid(&det.stamp);
    let check = t.elapsed();
    times.sort();
    println!(
        "detect: files_scanned={} dsns={} dirs={} min={:?} median={:?} max={:?}",
        det.files_scanned,
        det.dsns.len(),
        det.stamp.dir_mtimes.len(),
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
    println!("still_valid={valid} in {check:?}");
    if std::env::var_os("SCAN_BENCH_KEEP").is_some() {
        if let Some(dir) = _guard {
            let kept = dir.keep();
            println!("kept tree at {}", kept.display());
        }
    }
    Ok(())
}
