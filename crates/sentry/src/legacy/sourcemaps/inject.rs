//! `sentry-cli sourcemaps inject <PATHS>...` (3.x): debug IDs into JS files and their maps.

use std::path::PathBuf;

use clap::Args;

use crate::commands::sourcemap::scan::{self, ScanOptions};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::write_stdout;

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// A path to recursively search for JavaScript files that should be processed.
    #[arg(required = true, value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Ignores all files and folders matching the given glob
    #[arg(short = 'i', long = "ignore")]
    pub ignore: Vec<String>,
    /// Ignore all files and folders specified in the given ignore file, e.g. .gitignore.
    #[arg(short = 'I', long = "ignore-file")]
    pub ignore_file: Option<PathBuf>,
    /// Set the file extensions of JavaScript files that are considered for injection.
    #[arg(short = 'x', long = "ext")]
    pub ext: Vec<String>,
    /// Don't modify files on disk.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
}

pub fn run(_ctx: &Context, args: &InjectArgs) -> CliResult<i32> {
    let ext = (!args.ext.is_empty()).then(|| args.ext.join(","));
    let opts = ScanOptions::new(ext.as_deref(), &args.ignore, args.ignore_file.as_deref());
    let mut out = String::new();
    for path in &args.paths {
        let found = scan::scan(path, &opts)?;
        out.push_str(&format!("> Searching {}\n", path.display()));
        out.push_str(&format!(
            "> Found {} file{}\n",
            found.pairs.len(),
            if found.pairs.len() == 1 { "" } else { "s" }
        ));
        let files = scan::inject_all(&found.pairs, args.dry_run)?;
        let modified: Vec<_> = files.iter().filter(|f| f.injected).collect();
        if modified.is_empty() {
            out.push_str("> Nothing to inject\n");
            continue;
        }
        out.push_str("Source Map Debug ID Injection Report\n");
        out.push_str(
            "  Modified: The following source files have been modified to have debug ids\n",
        );
        for f in &modified {
            out.push_str(&format!("    {} - {}\n", f.debug_id, f.js.display()));
            if let scan::MapRef::External(m) = &f.map {
                out.push_str(&format!("      - {} (sourcemap)\n", m.display()));
            }
        }
    }
    write_stdout(out.as_bytes())?;
    Ok(0)
}
