//! `sentry sourcemap inject <dir>`: debug IDs into a build's JS files and their maps
//! (rules in [`super::scan`]). Local only, no API.

use std::io;
use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value};

use super::scan::{self, Injected, MapRef, ScanOptions};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// Directory to scan for JS + sourcemap pairs
    pub directory: PathBuf,
    /// Comma-separated file extensions to process (default: .js,.cjs,.mjs)
    #[arg(long)]
    pub ext: Option<String>,
    /// Comma-separated glob patterns to exclude (gitignore-style)
    #[arg(long)]
    pub ignore: Vec<String>,
    /// Path to a file with gitignore-style patterns to exclude
    #[arg(long = "ignore-file")]
    pub ignore_file: Option<PathBuf>,
    /// Show what would be modified without writing
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Exit successfully when no JS + sourcemap pairs are found
    #[arg(long = "allow-empty")]
    pub allow_empty: bool,
}

pub struct InjectReport {
    pub files: Vec<Injected>,
    pub dry_run: bool,
    pub hint: bool,
}

pub fn file_json(f: &Injected) -> Value {
    let map = match &f.map {
        MapRef::External(p) => json!({"kind": "external", "mapPath": p.display().to_string()}),
        MapRef::Inline => json!({"kind": "inline"}),
    };
    let mut v = json!({
        "jsPath": f.js.display().to_string(),
        "map": map,
    });
    if let MapRef::External(p) = &f.map {
        v["mapPath"] = json!(p.display().to_string());
    }
    v["injected"] = json!(f.injected);
    v["debugId"] = json!(f.debug_id);
    v
}

impl Report for InjectReport {
    fn json(&self) -> Value {
        let modified = self.files.iter().filter(|f| f.injected).count();
        json!({
            "modified": modified,
            "skipped": self.files.len() - modified,
            "files": self.files.iter().map(file_json).collect::<Vec<_>>(),
        })
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let modified = self.files.iter().filter(|f| f.injected).count();
        out.table(
            None,
            vec![
                vec!["Files modified".into(), modified.to_string()],
                vec![
                    "Files skipped".into(),
                    (self.files.len() - modified).to_string(),
                ],
            ],
        )?;
        if self.files.iter().any(|f| f.injected) {
            out.blank()?;
            for f in self.files.iter().filter(|f| f.injected) {
                let id = if self.dry_run {
                    "(pending)".to_string()
                } else {
                    f.debug_id.clone()
                };
                out.line(format!("{} {} → {id}", out.green("✓"), f.js.display()))?;
            }
            if self.hint {
                out.blank()?;
                out.line("Run `sentry sourcemap upload` to upload the injected files to Sentry")?;
            }
        }
        Ok(())
    }
}

pub fn run(ctx: &Context, args: &InjectArgs) -> CliResult<i32> {
    let opts = ScanOptions::new(
        args.ext.as_deref(),
        &args.ignore,
        args.ignore_file.as_deref(),
    );
    let found = scan::scan(&args.directory, &opts)?;
    if found.pairs.is_empty() && !args.allow_empty {
        return Err(scan::no_pairs(&args.directory));
    }
    let files = scan::inject_all(&found.pairs, args.dry_run)?;
    emit(
        &InjectReport {
            files,
            dry_run: args.dry_run,
            hint: true,
        },
        &ctx.output,
    )?;
    Ok(0)
}
