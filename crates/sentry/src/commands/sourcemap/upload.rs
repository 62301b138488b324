//! `sentry sourcemap upload <dir>` (0.49's grammar): inject debug IDs (unless `--no-rewrite`),
//! then upload the JS + map pairs as one artifact bundle with the chunk-upload protocol
//! ([`super::bundle`]). Org and project come from `-o/-p`, the environment or detection.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use serde_json::{json, Value};

use super::bundle::{self, Entry, Meta};
use super::scan::{self, MapRef, ScanOptions};
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::{Resolver, Scope};

#[derive(Debug, Args)]
pub struct UploadArgs {
    /// Directory containing the built JS files and source maps
    pub directory: PathBuf,
    /// Release version to associate with the upload
    #[arg(long)]
    pub release: Option<String>,
    /// Distribution identifier
    #[arg(long)]
    pub dist: Option<String>,
    /// URL prefix for uploaded files
    #[arg(long = "url-prefix", default_value = "~/")]
    pub url_prefix: String,
    /// Comma-separated file extensions to process (default: .js,.cjs,.mjs)
    #[arg(long)]
    pub ext: Option<String>,
    /// Comma-separated glob patterns to exclude (gitignore-style)
    #[arg(long)]
    pub ignore: Vec<String>,
    /// Path to a file with gitignore-style patterns to exclude
    #[arg(long = "ignore-file")]
    pub ignore_file: Option<PathBuf>,
    /// Strip this prefix from file paths before building URLs (repeatable)
    #[arg(long = "strip-prefix")]
    pub strip_prefix: Vec<String>,
    /// Strip the longest common directory prefix of all files
    #[arg(long = "strip-common-prefix")]
    pub strip_common_prefix: bool,
    /// Upload the files as they are (no debug-ID injection)
    #[arg(long = "no-rewrite")]
    pub no_rewrite: bool,
    /// Exit successfully when no JS + sourcemap pairs are found
    #[arg(long = "allow-empty")]
    pub allow_empty: bool,
    /// Wait until the server has processed the bundle
    #[arg(long)]
    pub wait: bool,
    /// Wait at most this many seconds for processing (implies --wait)
    #[arg(long = "wait-for", value_name = "SECS")]
    pub wait_for: Option<u64>,
}

pub struct UploadReport {
    pub org: String,
    pub project: String,
    pub files: usize,
    pub release: Option<String>,
    pub dist: Option<String>,
    pub outcome: Option<bundle::Uploaded>,
}

impl Report for UploadReport {
    fn json(&self) -> Value {
        let mut v = json!({
            "org": self.org,
            "project": self.project,
            "filesUploaded": self.files,
        });
        if let Some(r) = &self.release {
            v["release"] = json!(r);
        }
        if let Some(d) = &self.dist {
            v["dist"] = json!(d);
        }
        if let Some(o) = &self.outcome {
            v["bundleSize"] = json!(o.bundle_size);
            v["chunks"] = json!(o.chunks);
            v["chunksUploaded"] = json!(o.missing);
            v["state"] = json!(o.state);
        }
        v
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let mut rows = vec![
            vec!["Organization".into(), self.org.clone()],
            vec!["Project".into(), self.project.clone()],
            vec!["Files uploaded".into(), self.files.to_string()],
        ];
        if let Some(r) = &self.release {
            rows.push(vec!["Release".into(), r.clone()]);
        }
        if let Some(d) = &self.dist {
            rows.push(vec!["Dist".into(), d.clone()]);
        }
        out.table(None, rows)
    }
}

/// The URL of `path` (under `root`): `prefix` + the relative path after the strips.
pub fn url_for(root: &Path, path: &Path, prefix: &str, strip: &[String], common: &str) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut rel = rel.to_string_lossy().replace('\\', "/");
    if !common.is_empty() {
        if let Some(r) = rel.strip_prefix(common) {
            rel = r.trim_start_matches('/').to_string();
        }
    }
    for s in strip {
        let s = s.trim_start_matches("./");
        if let Some(r) = rel.strip_prefix(s) {
            rel = r.trim_start_matches('/').to_string();
            break;
        }
    }
    let prefix = if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    };
    format!("{prefix}{rel}")
}

/// The longest common directory of `paths` (relative to `root`), with a trailing `/`.
pub fn common_dir(root: &Path, paths: &[&Path]) -> String {
    let rels: Vec<Vec<String>> = paths
        .iter()
        .map(|p| {
            let r = p.strip_prefix(root).unwrap_or(p);
            let parts: Vec<String> = r.iter().map(|c| c.to_string_lossy().into_owned()).collect();
            parts[..parts.len().saturating_sub(1)].to_vec()
        })
        .collect();
    let Some(first) = rels.first() else {
        return String::new();
    };
    let mut n = first.len();
    for r in &rels[1..] {
        n = n.min(first.iter().zip(r).take_while(|(a, b)| a == b).count());
    }
    if n == 0 {
        String::new()
    } else {
        format!("{}/", first[..n].join("/"))
    }
}

/// Checks every file against the server's `maxFileSize` before anything is sent.
pub fn check_sizes(entries: &[Entry], max: u64) -> CliResult<()> {
    for e in entries {
        let size = std::fs::metadata(&e.path).map(|m| m.len()).unwrap_or(0);
        if size > max {
            return Err(CliError::new(
                exit::VALIDATION,
                format!(
                    "{} is {size} bytes, larger than the server's maxFileSize of {max} bytes.",
                    e.path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The org and project of an upload.
pub fn org_and_project(ctx: &Context, client: &sentry_api::Client) -> CliResult<(String, String)> {
    let resolved = Resolver::new(ctx, client).resolve_target(None)?;
    match resolved.scope {
        Scope::Projects(ps) if ps.len() == 1 => Ok((ps[0].org.clone(), ps[0].slug.clone())),
        _ => Err(CliError::new(
            exit::CONTEXT,
            "Organization and project are required. Use --org and --project, or SENTRY_ORG and SENTRY_PROJECT.",
        )),
    }
}

pub fn run(ctx: &Context, args: &UploadArgs) -> CliResult<i32> {
    let started = Instant::now();
    let opts = ScanOptions::new(
        args.ext.as_deref(),
        &args.ignore,
        args.ignore_file.as_deref(),
    );
    let found = scan::scan(&args.directory, &opts)?;
    if found.pairs.is_empty() && !args.allow_empty {
        return Err(scan::no_pairs(&args.directory));
    }
    let client = ctx.authed_client()?;
    let (org, project) = org_and_project(ctx, &client)?;
    let org_api = Resolver::new(ctx, &client).org(&org)?;
    let options = bundle::server_options(&org_api)?;
    let injected = scan::inject_all(&found.pairs, args.no_rewrite)?;
    let root = std::path::absolute(&args.directory).unwrap_or_else(|_| args.directory.clone());
    let mut paths: Vec<&Path> = Vec::new();
    for f in &injected {
        paths.push(&f.js);
        if let MapRef::External(m) = &f.map {
            paths.push(m);
        }
    }
    let common = if args.strip_common_prefix {
        common_dir(&root, &paths)
    } else {
        String::new()
    };
    let url = |p: &Path| url_for(&root, p, &args.url_prefix, &args.strip_prefix, &common);
    let mut entries = Vec::new();
    for f in &injected {
        // With --no-rewrite a computed ID is not in the files: only one already there counts.
        let id = (!(args.no_rewrite && f.injected)).then(|| f.debug_id.clone());
        let map_name = match &f.map {
            MapRef::External(m) => Some(relative_to(m, f.js.parent().unwrap_or(&root))),
            MapRef::Inline => None,
        };
        entries.push(Entry {
            path: f.js.clone(),
            url: url(&f.js),
            kind: "minified_source",
            debug_id: id.clone(),
            sourcemap: map_name,
        });
        if let MapRef::External(m) = &f.map {
            entries.push(Entry {
                path: m.clone(),
                url: url(m),
                kind: "source_map",
                debug_id: id,
                sourcemap: None,
            });
        }
    }
    check_sizes(&entries, options.max_file_size)?;
    let mut outcome = None;
    if !entries.is_empty() {
        let up = bundle::bundle_and_upload(
            &org_api,
            &options,
            &entries,
            &Meta {
                org: &org,
                project: Some(&project),
                release: args.release.as_deref(),
                dist: args.dist.as_deref(),
                note: None,
            },
            args.wait || args.wait_for.is_some(),
            args.wait_for,
            io::stderr().is_terminal() && !ctx.output.json,
        )?;
        if !io::stderr().is_terminal() {
            crate::diag!(
                "Uploaded {} files in a {} byte bundle ({} of {} chunks sent) in {:.1}s",
                entries.len(),
                up.bundle_size,
                up.missing,
                up.chunks,
                started.elapsed().as_secs_f64()
            );
        }
        outcome = Some(up);
    }
    emit(
        &UploadReport {
            org,
            project,
            files: injected.len(),
            release: args.release.clone(),
            dist: args.dist.clone(),
            outcome,
        },
        &ctx.output,
    )?;
    Ok(0)
}

/// `path` relative to `dir` with `/` separators (`app.js.map`, `../maps/app.js.map`).
pub fn relative_to(path: &Path, dir: &Path) -> String {
    if let Ok(r) = path.strip_prefix(dir) {
        return r.to_string_lossy().replace('\\', "/");
    }
    let p: Vec<_> = path.components().collect();
    let d: Vec<_> = dir.components().collect();
    let common = p.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut out: Vec<String> = vec!["..".into(); d.len() - common];
    out.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    out.join("/")
}
