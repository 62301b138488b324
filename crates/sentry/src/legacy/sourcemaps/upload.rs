//! `sentry-cli sourcemaps upload <PATHS>...` (3.x): an artifact bundle of the JS files and
//! maps found, with 3.x's flags and report. Flags v4 dropped are accepted: `--wait`,
//! `--wait-for` and `--note` act as in 3.x; `--url-suffix` is appended to every URL;
//! `--validate`, `--strict`, `--decompress`, `--no-sourcemap-reference`, `--no-dedupe`
//! and `--bundle*` are accepted with a note on stderr when they no longer change anything.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use clap::Args;

use crate::commands::sourcemap::bundle::{self, Entry, Meta};
use crate::commands::sourcemap::scan::{self, MapRef, ScanOptions};
use crate::commands::sourcemap::upload::{check_sizes, common_dir, relative_to, url_for};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::remote;
use crate::output::write_stdout;

#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The files to upload.
    #[arg(required = true, value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    #[arg(short = 'r', long)]
    pub release: Option<String>,
    #[arg(short = 'd', long)]
    pub dist: Option<String>,
    #[arg(short = 'n', long)]
    pub note: Option<String>,
    #[arg(long = "url-prefix", default_value = "~")]
    pub url_prefix: String,
    #[arg(long = "url-suffix")]
    pub url_suffix: Option<String>,
    #[arg(short = 'x', long = "ext")]
    pub ext: Vec<String>,
    #[arg(short = 'i', long = "ignore")]
    pub ignore: Vec<String>,
    #[arg(short = 'I', long = "ignore-file")]
    pub ignore_file: Option<PathBuf>,
    #[arg(long = "strip-prefix")]
    pub strip_prefix: Vec<String>,
    #[arg(long = "strip-common-prefix")]
    pub strip_common_prefix: bool,
    #[arg(long = "no-rewrite")]
    pub no_rewrite: bool,
    #[arg(long)]
    pub wait: bool,
    #[arg(long = "wait-for", value_name = "SECS")]
    pub wait_for: Option<u64>,
    #[arg(long)]
    pub validate: bool,
    #[arg(long)]
    pub strict: bool,
    #[arg(long)]
    pub decompress: bool,
    #[arg(long = "no-sourcemap-reference")]
    pub no_sourcemap_reference: bool,
    #[arg(long = "no-dedupe")]
    pub no_dedupe: bool,
    #[arg(long = "use-artifact-bundle", hide = true)]
    pub use_artifact_bundle: bool,
    #[arg(long = "bundle", hide = true)]
    pub bundle: Option<PathBuf>,
    #[arg(long = "bundle-sourcemap", hide = true)]
    pub bundle_sourcemap: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &UploadArgs) -> CliResult<i32> {
    for (on, flag) in [
        (args.validate, "--validate"),
        (args.strict, "--strict"),
        (args.decompress, "--decompress"),
        (args.no_sourcemap_reference, "--no-sourcemap-reference"),
        (args.no_dedupe, "--no-dedupe"),
        (
            args.bundle.is_some() || args.bundle_sourcemap.is_some(),
            "--bundle",
        ),
    ] {
        if on {
            crate::diag!("note: {flag} is accepted for compatibility and has no effect on artifact-bundle uploads");
        }
    }
    let org = remote::org(ctx)?;
    let project = remote::project(ctx)?;
    let ext = (!args.ext.is_empty()).then(|| args.ext.join(","));
    let opts = ScanOptions::new(ext.as_deref(), &args.ignore, args.ignore_file.as_deref());
    let client = remote::client(ctx)?;
    let org_api = crate::target::Resolver::new(ctx, &client).org(&org)?;
    let options = bundle::server_options(&org_api)?;
    let mut entries = Vec::new();
    let mut report = Vec::new();
    for path in &args.paths {
        let found = scan::scan(path, &opts)?;
        let files = scan::inject_all(&found.pairs, true)?;
        let root = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        let mut all: Vec<&std::path::Path> = Vec::new();
        for f in &files {
            all.push(&f.js);
            if let MapRef::External(m) = &f.map {
                all.push(m);
            }
        }
        let common = if args.strip_common_prefix {
            common_dir(&root, &all)
        } else {
            String::new()
        };
        let suffix = args.url_suffix.clone().unwrap_or_default();
        let url = |p: &std::path::Path| {
            format!(
                "{}{suffix}",
                url_for(&root, p, &args.url_prefix, &args.strip_prefix, &common)
            )
        };
        for f in &files {
            // 3.x uploads as found: a debug ID counts only when the file already has it.
            let id = (!f.injected).then(|| f.debug_id.clone());
            let map_name = match &f.map {
                MapRef::External(m) => Some(relative_to(m, f.js.parent().unwrap_or(&root))),
                MapRef::Inline => None,
            };
            let js_url = url(&f.js);
            report.push((
                js_url.clone(),
                format!(
                    "    {js_url} (sourcemap at {}{})",
                    map_name.clone().unwrap_or_else(|| "inline".into()),
                    id.as_ref()
                        .map(|i| format!(", debug id {i}"))
                        .unwrap_or_default()
                ),
            ));
            entries.push(Entry {
                path: f.js.clone(),
                url: js_url,
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
        // 3.x uploads the JS files without a map too, with a warning under each: a frame in
        // them still shows the (minified) source line.
        for js in &found.files {
            let name = js.to_string_lossy();
            if !opts.exts.iter().any(|e| name.ends_with(e.as_str()))
                || files.iter().any(|f| &f.js == js)
            {
                continue;
            }
            let js_url = url(js);
            report.push((
                js_url.clone(),
                format!(
                    "    {js_url} (no sourcemap found)\n      - warning: could not determine a source map reference (Could not auto-detect referenced sourcemap for {js_url})"
                ),
            ));
            let id = scan::js_debug_id(&std::fs::read_to_string(js).unwrap_or_default());
            entries.push(Entry {
                path: js.clone(),
                url: js_url,
                kind: "minified_source",
                debug_id: id,
                sourcemap: None,
            });
        }
    }
    report.sort();
    entries.sort_by(|a, b| a.url.cmp(&b.url));
    if args.release.is_none() && entries.iter().all(|e| e.debug_id.is_none()) {
        return Err(CliError::general(
            "Cannot upload: You must either specify a release or have debug ids injected into your sources",
        ));
    }
    check_sizes(&entries, options.max_file_size)?;
    let sources = entries.len();
    let mut out = format!("> Found {sources} files\n> Analyzing {sources} sources\n");
    if !args.no_rewrite {
        out.push_str("> Rewriting sources\n> Adding source map references\n");
    }
    out.push_str(&format!("> Bundled {sources} files for upload\n"));
    let wait = args.wait || args.wait_for.is_some();
    let up = bundle::bundle_and_upload(
        &org_api,
        &options,
        &entries,
        &Meta {
            org: &org,
            project: Some(&project),
            release: args.release.as_deref(),
            dist: args.dist.as_deref(),
            note: args.note.as_deref(),
        },
        wait,
        args.wait_for,
        io::stderr().is_terminal(),
    )?;
    out.push_str("> Uploaded files to Sentry\n");
    // 3.8 says complete whenever the server reported `ok`, waiting or not.
    out.push_str(if wait || up.state == "ok" {
        "> File processing complete\n"
    } else {
        "> File upload complete (processing pending on server)\n"
    });
    out.push_str(&format!("> Organization: {org}\n> Projects: {project}\n"));
    out.push_str(&format!(
        "> Release: {}\n> Dist: {}\n",
        args.release.as_deref().unwrap_or("None"),
        args.dist.as_deref().unwrap_or("None")
    ));
    out.push_str("> Upload type: artifact bundle\n\nSource Map Upload Report\n  Scripts\n");
    for (_, line) in &report {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("  Source Maps\n");
    for e in entries.iter().filter(|e| e.kind == "source_map") {
        out.push_str(&format!(
            "    {}{}\n",
            e.url,
            e.debug_id
                .as_ref()
                .map(|i| format!(" (debug id {i})"))
                .unwrap_or_default()
        ));
    }
    write_stdout(out.as_bytes())?;
    Ok(0)
}
