//! `sentry sourcemap resolve`: two questions about a build's source maps.
//!
//! * `resolve <directory>` is 0.49's read-only linkage report, in its shape: for every JS file
//!   (`--ext`, `--ignore`, `--ignore-file`; `node_modules` skipped, `.gitignore` not applied,
//!   as 0.49 walks) how its map resolves — a `<file>.map` beside it first, else the
//!   `sourceMappingURL` directive (external file, inline `data:` URL, or a remote URL) — and
//!   the debug ID it carries (the JS file's `//# debugId=`, else the map's).
//! * `resolve <FILE:LINE:COL>` (ours; 0.49 only takes a directory, and a path ending in
//!   `:<n>:<n>` is never a build directory) maps a minified position — as a browser prints it,
//!   1-based line and column — to the original file, line, column, function and source line.
//!   Offline, FILE is a local JS file and its map is found as above, else by the file's debug
//!   ID among the maps beside it (a `.map` file may be named directly). With `--debug-id`, or
//!   `--release` (+ `--dist`) and FILE as the URL the browser loaded, the map comes from what
//!   was uploaded: Sentry's `artifact-lookup` endpoint names the bundles and the map is read
//!   from the downloaded bundle, as Symbolicator does.

use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value};

use super::scan::{self, ScanOptions};
use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Directory to scan for JS files, or a minified position FILE:LINE:COL to map
    #[arg(value_name = "directory")]
    pub directory: String,
    /// Comma-separated file extensions to process (default: .js,.cjs,.mjs)
    #[arg(long)]
    pub ext: Option<String>,
    /// Comma-separated glob patterns to exclude (gitignore-style)
    #[arg(long)]
    pub ignore: Vec<String>,
    /// Path to a file with gitignore-style patterns to exclude
    #[arg(long = "ignore-file")]
    pub ignore_file: Option<PathBuf>,
    /// Map FILE:LINE:COL with the map uploaded under this debug ID (from the server)
    #[arg(long = "debug-id", value_name = "ID")]
    pub debug_id: Option<String>,
    /// Map URL:LINE:COL with the files uploaded for this release (from the server)
    #[arg(long)]
    pub release: Option<String>,
    /// Distribution of --release
    #[arg(long, requires = "release")]
    pub dist: Option<String>,
}

pub fn run(ctx: &Context, args: &ResolveArgs) -> CliResult<i32> {
    let as_dir = Path::new(&args.directory);
    if args.debug_id.is_none() && args.release.is_none() && as_dir.is_dir() {
        return linkage(ctx, args, as_dir);
    }
    match parse_position(&args.directory) {
        Some(pos) => position(ctx, args, pos),
        None => {
            if args.debug_id.is_some() || args.release.is_some() {
                return Err(CliError::new(
                    exit::USAGE,
                    format!(
                        "'{}' is not a position: with --debug-id or --release, pass FILE:LINE:COL.",
                        args.directory
                    ),
                ));
            }
            Err(CliError::validation(format!(
                "Directory '{}' does not exist.",
                args.directory
            )))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Linkage report (0.49).

/// One JS file of the report (0.49's field names).
pub struct Linked {
    pub path: String,
    pub map_path: Option<String>,
    pub source_mapping_url: Option<String>,
    pub inline: bool,
    pub remote: bool,
    pub debug_id: Option<String>,
}

pub struct LinkageReport {
    pub files: Vec<Linked>,
}

impl Linked {
    fn resolved(&self) -> bool {
        self.map_path.is_some() || self.inline || self.remote
    }
}

impl Report for LinkageReport {
    fn json(&self) -> Value {
        let files: Vec<Value> = self
            .files
            .iter()
            .map(|f| {
                let mut v = json!({"path": f.path});
                if let Some(m) = &f.map_path {
                    v["mapPath"] = json!(m);
                }
                if let Some(u) = &f.source_mapping_url {
                    v["sourceMappingUrl"] = json!(u);
                }
                v["inline"] = json!(f.inline);
                v["remote"] = json!(f.remote);
                if let Some(d) = &f.debug_id {
                    v["debugId"] = json!(d);
                }
                v
            })
            .collect();
        json!({
            "total": self.files.len(),
            "resolved": self.files.iter().filter(|f| f.resolved()).count(),
            "withDebugId": self.files.iter().filter(|f| f.debug_id.is_some()).count(),
            "files": files,
        })
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let with_id = self.files.iter().filter(|f| f.debug_id.is_some()).count();
        out.table(
            None,
            vec![
                vec!["JS files".into(), self.files.len().to_string()],
                vec![
                    "With sourcemap".into(),
                    self.files
                        .iter()
                        .filter(|f| f.resolved())
                        .count()
                        .to_string(),
                ],
                vec!["With debug ID".into(), with_id.to_string()],
            ],
        )?;
        if !self.files.is_empty() {
            out.blank()?;
            let rows = self
                .files
                .iter()
                .map(|f| {
                    let map = match (&f.map_path, f.inline, f.remote) {
                        (Some(m), _, _) => m.clone(),
                        (None, true, _) => out.dim("inline (data: URL)"),
                        (None, _, true) => out.dim("remote URL"),
                        _ => out.red("not found"),
                    };
                    let id = f.debug_id.clone().unwrap_or_else(|| out.dim("—"));
                    vec![f.path.clone(), map, id]
                })
                .collect();
            out.table(Some(&["File", "Source map", "Debug ID"]), rows)?;
        }
        out.blank()?;
        if self.files.is_empty() {
            out.line("No JavaScript files found in this directory.")?;
        } else if with_id < self.files.len() {
            out.line("Run `sentry sourcemap inject` to add debug IDs to files missing them.")?;
        }
        Ok(())
    }
}

fn linkage(ctx: &Context, args: &ResolveArgs, dir: &Path) -> CliResult<i32> {
    let opts = ScanOptions::new(
        args.ext.as_deref(),
        &args.ignore,
        args.ignore_file.as_deref(),
    );
    let root = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut files = Vec::new();
    for js in scan::js_files(&root, &opts)? {
        files.push(link_one(&root, &js));
    }
    emit(&LinkageReport { files }, &ctx.output)?;
    Ok(0)
}

/// `path` relative to `root`, `/`-separated.
fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// How one JS file's map resolves, 0.49's order: `<file>.map`, then the directive.
fn link_one(root: &Path, js: &Path) -> Linked {
    let text = std::fs::read_to_string(js).unwrap_or_default();
    let url = scan::source_mapping_url(&text);
    let inline = url.as_deref().is_some_and(|u| u.starts_with("data:"));
    let remote = url.as_deref().is_some_and(|u| u.contains("://"));
    let map = local_map(js, url.as_deref());
    let debug_id = scan::js_debug_id(&text).or_else(|| match &map {
        Some(m) => std::fs::read(m).ok().and_then(|b| {
            serde_json::from_slice::<Value>(&b)
                .ok()
                .and_then(|v| scan::map_debug_id(&v))
        }),
        None if inline => inline_map(&text)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| scan::map_debug_id(&v)),
        None => None,
    });
    Linked {
        path: rel(root, js),
        map_path: map.map(|m| rel(root, &m)),
        source_mapping_url: url,
        inline,
        remote,
        debug_id,
    }
}

/// The local map file of a JS file: `<file>.map`, else a relative `sourceMappingURL`.
fn local_map(js: &Path, url: Option<&str>) -> Option<PathBuf> {
    let companion = PathBuf::from(format!("{}.map", js.display()));
    if companion.is_file() {
        return Some(companion);
    }
    let url = url.filter(|u| !u.starts_with("data:") && !u.contains("://"))?;
    let rel = url.split(['?', '#']).next().unwrap_or_default();
    let target = js.parent().unwrap_or(Path::new(".")).join(rel);
    target.is_file().then_some(target)
}

/// The bytes of an inline `data:…;base64,` map.
fn inline_map(text: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let url = scan::source_mapping_url(text).unwrap_or_default();
    let (_, b64) = url
        .split_once(";base64,")
        .ok_or("the inline source map is not base64-encoded")?;
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("the inline source map is not valid base64: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Position lookup (ours).

/// A minified position as a browser prints it: `FILE:LINE:COL`, both 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// Splits `FILE:LINE:COL` from the right (so URLs with ports and `C:\` paths keep their
/// colons). Line and column start at 1.
pub fn parse_position(s: &str) -> Option<Position> {
    let (rest, col) = s.rsplit_once(':')?;
    let (file, line) = rest.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    let column: u32 = col.parse().ok()?;
    if file.is_empty() || line == 0 || column == 0 {
        return None;
    }
    Some(Position {
        file: file.to_string(),
        line,
        column,
    })
}

/// Where a map came from.
struct Found {
    map: sourcemap::SourceMap,
    minified: Option<sourcemap::SourceView>,
    /// The map's path or URL.
    map_name: String,
    /// `sourceMappingURL` | `companion` | `debug-id` | `release` | `file`.
    resolved_with: &'static str,
    debug_id: Option<String>,
}

pub struct PositionReport {
    pub minified: Position,
    pub map: String,
    pub resolved_with: &'static str,
    pub debug_id: Option<String>,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub function: Option<String>,
    pub context_line: Option<String>,
    pub pre_context: Vec<String>,
    pub post_context: Vec<String>,
}

impl Report for PositionReport {
    fn json(&self) -> Value {
        json!({
            "minified": {
                "file": self.minified.file,
                "line": self.minified.line,
                "column": self.minified.column,
            },
            "sourceMap": self.map,
            "resolvedWith": self.resolved_with,
            "debugId": self.debug_id,
            "original": {
                "file": self.file,
                "line": self.line,
                "column": self.column,
                "function": self.function,
                "contextLine": self.context_line,
                "preContext": self.pre_context,
                "postContext": self.post_context,
            },
        })
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let m = &self.minified;
        let mut rows = vec![
            vec![
                "Minified".into(),
                format!("{}:{}:{}", m.file, m.line, m.column),
            ],
            vec![
                "Original".into(),
                format!("{}:{}:{}", self.file, self.line, self.column),
            ],
        ];
        if let Some(f) = &self.function {
            rows.push(vec!["Function".into(), f.clone()]);
        }
        rows.push(vec![
            "Source map".into(),
            format!("{} ({})", self.map, self.resolved_with),
        ]);
        if let Some(d) = &self.debug_id {
            rows.push(vec!["Debug ID".into(), d.clone()]);
        }
        out.table(None, rows)?;
        if let Some(ctx) = &self.context_line {
            out.blank()?;
            let first = self.line as usize - self.pre_context.len();
            let last = self.line as usize + self.post_context.len();
            let w = last.to_string().len();
            for (i, l) in self.pre_context.iter().enumerate() {
                out.line(out.dim(&format!("  {:>w$} │ {l}", first + i)))?;
            }
            out.line(out.bold(&format!("> {:>w$} │ {ctx}", self.line)))?;
            for (i, l) in self.post_context.iter().enumerate() {
                out.line(out.dim(&format!("  {:>w$} │ {l}", self.line as usize + 1 + i)))?;
            }
        }
        Ok(())
    }
}

/// Lines of source shown on each side of the original line.
const CONTEXT: usize = 5;

fn position(ctx: &Context, args: &ResolveArgs, pos: Position) -> CliResult<i32> {
    let found = if args.debug_id.is_some() || args.release.is_some() {
        from_server(ctx, args, &pos)?
    } else {
        offline(&pos)?
    };
    let (line, col) = (pos.line - 1, pos.column - 1);
    let tok = found
        .map
        .lookup_token(line, col)
        .filter(|t| t.get_source().is_some() && t.get_dst_line() == line)
        .ok_or_else(|| {
            CliError::new(
                exit::NOT_FOUND,
                format!(
                    "{} has no mapping for {}:{}:{}.",
                    found.map_name, pos.file, pos.line, pos.column
                ),
            )
        })?;
    let source = tok.get_source().unwrap_or_default().to_string();
    let src_line = tok.get_src_line();
    let function = found
        .minified
        .as_ref()
        .and_then(|sv| enclosing_function(&found.map, sv, line, col));
    let (mut pre, mut context_line, mut post) = (Vec::new(), None, Vec::new());
    if let Some(view) = tok.get_source_view() {
        let lines: Vec<&str> = view.source().lines().collect();
        let i = src_line as usize;
        if i < lines.len() {
            pre = lines[i.saturating_sub(CONTEXT)..i]
                .iter()
                .map(|s| s.to_string())
                .collect();
            context_line = Some(lines[i].to_string());
            post = lines[i + 1..(i + 1 + CONTEXT).min(lines.len())]
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
    }
    emit(
        &PositionReport {
            minified: pos.clone(),
            map: found.map_name,
            resolved_with: found.resolved_with,
            debug_id: found.debug_id,
            file: source,
            line: src_line + 1,
            column: tok.get_src_col() + 1,
            function,
            context_line,
            pre_context: pre,
            post_context: post,
        },
        &ctx.output,
    )?;
    Ok(0)
}

/// The original name of the function enclosing a minified position. A stack frame carries
/// the minified function name, a bare position does not: it is read from the minified source
/// (the identifier before the `(…){` that opens the innermost unclosed block on the way back),
/// then mapped through the map's `names` as Sentry does for frames.
fn enclosing_function(
    map: &sourcemap::SourceMap,
    sv: &sourcemap::SourceView,
    line: u32,
    col: u32,
) -> Option<String> {
    let text = sv.get_line(line)?;
    let upto: Vec<char> = text.chars().take(col as usize).collect();
    let mut depth = 0usize;
    let mut i = upto.len();
    while i > 0 {
        i -= 1;
        match upto[i] {
            '}' => depth += 1,
            '{' if depth > 0 => depth -= 1,
            '{' => {
                // `name(args){` or `function name(args){`: skip back over `(args)`.
                let mut j = i;
                while j > 0 && upto[j - 1].is_whitespace() {
                    j -= 1;
                }
                if j == 0 || upto[j - 1] != ')' {
                    continue;
                }
                let mut parens = 0usize;
                while j > 0 {
                    j -= 1;
                    match upto[j] {
                        ')' => parens += 1,
                        '(' => {
                            parens -= 1;
                            if parens == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let end = j;
                let mut start = end;
                while start > 0
                    && (upto[start - 1].is_alphanumeric() || matches!(upto[start - 1], '_' | '$'))
                {
                    start -= 1;
                }
                if start == end {
                    continue;
                }
                let minified: String = upto[start..end].iter().collect();
                if matches!(
                    minified.as_str(),
                    "if" | "for" | "while" | "switch" | "catch" | "with"
                ) {
                    continue;
                }
                let at = upto[..start]
                    .iter()
                    .collect::<String>()
                    .encode_utf16()
                    .count() as u32;
                return map
                    .get_original_function_name(line, col, &minified, sv)
                    .map(str::to_string)
                    .or_else(|| {
                        map.lookup_token(line, at)
                            .filter(|t| t.get_dst_line() == line && t.get_dst_col() == at)
                            .and_then(|t| t.get_name().map(str::to_string))
                    });
            }
            _ => {}
        }
    }
    None
}

fn parse_map(name: &str, bytes: &[u8]) -> CliResult<sourcemap::SourceMap> {
    sourcemap::SourceMap::from_slice(bytes)
        .map_err(|e| CliError::validation(format!("Sourcemap '{name}' cannot be read: {e}")))
}

/// The map of a local file: a `.map` named directly, `<file>.map`, the `sourceMappingURL`
/// (a file or inline), else a map beside it (in its directory tree) with the file's debug ID.
fn offline(pos: &Position) -> CliResult<Found> {
    let path = Path::new(&pos.file);
    if !path.is_file() {
        return Err(CliError::validation(format!(
            "File '{}' does not exist. Pass --debug-id or --release to look it up on the server.",
            pos.file
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::general(format!("Cannot read {}: {e}", path.display())))?;
    if pos.file.ends_with(".map") {
        let map = parse_map(&pos.file, &bytes)?;
        let debug_id = map.get_debug_id().map(|d| d.to_string());
        return Ok(Found {
            map,
            minified: None,
            map_name: pos.file.clone(),
            resolved_with: "file",
            debug_id,
        });
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let url = scan::source_mapping_url(&text);
    let debug_id = scan::js_debug_id(&text);
    let minified = Some(sourcemap::SourceView::from_string(text.clone()));
    let companion = PathBuf::from(format!("{}.map", path.display()));
    let (map_path, how) = match url.as_deref() {
        Some(u) if u.starts_with("data:") => {
            let raw = inline_map(&text)
                .map_err(|e| CliError::validation(format!("{}: {e}.", pos.file)))?;
            return Ok(Found {
                map: parse_map(&format!("{} (inline)", pos.file), &raw)?,
                minified,
                map_name: format!("{} (inline)", pos.file),
                resolved_with: "sourceMappingURL",
                debug_id,
            });
        }
        Some(u) if !u.contains("://") => {
            let target = local_map(path, Some(u)).filter(|t| *t != companion);
            match target {
                Some(t) => (Some(t), "sourceMappingURL"),
                None => (
                    companion.is_file().then_some(companion.clone()),
                    "companion",
                ),
            }
        }
        _ => (
            companion.is_file().then_some(companion.clone()),
            "companion",
        ),
    };
    let (map_path, how) = match (map_path, &debug_id) {
        (Some(p), _) => (p, how),
        (None, Some(id)) => (
            map_with_id(path.parent().unwrap_or(Path::new(".")), id).ok_or_else(|| {
                CliError::new(
                    exit::NOT_FOUND,
                    format!(
                        "No source map for {}: no sourceMappingURL, no {} and no map with debug ID {id} beside it.",
                        pos.file,
                        companion.display()
                    ),
                )
            })?,
            "debug-id",
        ),
        (None, None) => {
            return Err(CliError::new(
                exit::NOT_FOUND,
                match url {
                    Some(u) if !u.contains("://") => format!(
                        "{}: sourceMappingURL '{u}' points to a file that does not exist.",
                        pos.file
                    ),
                    _ => format!(
                        "No source map for {}: no sourceMappingURL, no {} and no debug ID.",
                        pos.file,
                        companion.display()
                    ),
                },
            ))
        }
    };
    let name = map_path.display().to_string();
    let raw = std::fs::read(&map_path)
        .map_err(|e| CliError::general(format!("Cannot read {name}: {e}")))?;
    let map = parse_map(&name, &raw)?;
    Ok(Found {
        debug_id: debug_id.or_else(|| map.get_debug_id().map(|d| d.to_string())),
        map,
        minified,
        map_name: name,
        resolved_with: how,
    })
}

/// The first `.map` under `dir` (sorted walk) whose `debugId` / `debug_id` is `id`.
fn map_with_id(dir: &Path, id: &str) -> Option<PathBuf> {
    let opts = ScanOptions::new(Some(".map"), &[], None);
    scan::js_files(dir, &opts).ok()?.into_iter().find(|m| {
        std::fs::read(m)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| scan::map_debug_id(&v))
            .is_some_and(|d| d == id)
    })
}

/// The map from what was uploaded: `artifact-lookup` names the bundles, the first bundle
/// holding the map (by debug ID, or the minified file at the URL and its `Sourcemap`) wins.
fn from_server(ctx: &Context, args: &ResolveArgs, pos: &Position) -> CliResult<Found> {
    let debug_id =
        match &args.debug_id {
            Some(d) => Some(scan::normalise_id(d).ok_or_else(|| {
                CliError::validation(format!("'{d}' is not a debug ID (a UUID)."))
            })?),
            None => None,
        };
    let client = ctx.authed_client()?;
    let (org, project) = super::upload::org_and_project(ctx, &client)?;
    let org_api = Resolver::new(ctx, &client).org(&org)?;
    let mut query: Vec<(&str, String)> = Vec::new();
    if let Some(d) = &debug_id {
        query.push(("debug_id", d.clone()));
    }
    if let Some(r) = &args.release {
        query.push(("release", r.clone()));
        query.push(("url", pos.file.clone()));
        if let Some(d) = &args.dist {
            query.push(("dist", d.clone()));
        }
    }
    let resp = org_api
        .artifact_lookup(&project)
        .query_pairs(&query)
        .send_raw()
        .map_err(api_error)?;
    if resp.status() == 404 {
        return Err(CliError::new(
            exit::API,
            format!(
                "The server has no artifact lookup (GET /api/0/projects/{org}/{project}/artifact-lookup/ answered 404)."
            ),
        ));
    }
    if !resp.is_success() {
        return Err(CliError::new(
            exit::API,
            format!(
                "Artifact lookup failed: {} {}",
                resp.status(),
                resp.status_text()
            ),
        ));
    }
    let list: Vec<Value> = serde_json::from_slice(resp.body())
        .map_err(|e| CliError::new(exit::API, format!("Artifact lookup answered non-JSON: {e}")))?;
    for item in &list {
        let Some(url) = item.get("url").and_then(Value::as_str) else {
            continue;
        };
        let how = match item.get("resolved_with").and_then(Value::as_str) {
            Some("debug-id") => "debug-id",
            _ => "release",
        };
        let resp = org_api
            .download_artifact(url)
            .send_raw()
            .map_err(api_error)?;
        if !resp.is_success() {
            continue;
        }
        if let Some(found) = in_bundle(resp.body(), debug_id.as_deref(), &pos.file, how)? {
            return Ok(found);
        }
    }
    let what = match (&debug_id, &args.release) {
        (Some(d), _) => format!("debug ID {d}"),
        (None, Some(r)) => format!("{} in release {r}", pos.file),
        _ => pos.file.clone(),
    };
    Err(CliError::new(
        exit::NOT_FOUND,
        format!("No source map uploaded to {org}/{project} for {what}."),
    ))
}

/// One manifest entry: `(zip path, url, type, debug id, Sourcemap header)`.
type ManifestFile = (String, String, String, Option<String>, Option<String>);

/// Finds the map (and minified source) in a downloaded bundle (`SYSB` header + zip, or zip).
fn in_bundle(
    data: &[u8],
    debug_id: Option<&str>,
    url: &str,
    how: &'static str,
) -> CliResult<Option<Found>> {
    let bad = |e: String| {
        CliError::new(
            exit::API,
            format!("The downloaded bundle is unreadable: {e}"),
        )
    };
    // A source bundle's zip offsets count from the start of the file, `SYSB` header
    // included; a zip written after the header with its own offsets is read past it.
    let mut zip = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(z) => z,
        Err(_) if data.starts_with(b"SYSB") && data.len() > 8 => {
            zip::ZipArchive::new(Cursor::new(&data[8..])).map_err(|e| bad(e.to_string()))?
        }
        Err(e) => return Err(bad(e.to_string())),
    };
    let mut read = |name: &str| -> CliResult<Vec<u8>> {
        let mut out = Vec::new();
        zip.by_name(name)
            .map_err(|e| bad(e.to_string()))?
            .read_to_end(&mut out)
            .map_err(|e| bad(e.to_string()))?;
        Ok(out)
    };
    let manifest: Value =
        serde_json::from_slice(&read("manifest.json")?).map_err(|e| bad(e.to_string()))?;
    let header = |f: &Value, name: &str| {
        f.get("headers")
            .and_then(Value::as_object)
            .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_string)
    };
    let files: Vec<ManifestFile> = manifest
        .get("files")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(path, f)| {
                    (
                        path.clone(),
                        f.get("url")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        f.get("type")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        header(f, "debug-id").and_then(|d| scan::normalise_id(&d)),
                        header(f, "sourcemap"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let by_id = |kind: &str, id: &str| {
        files
            .iter()
            .find(|f| f.2 == kind && f.3.as_deref() == Some(id))
            .cloned()
    };
    let (map_file, minified_file) = match debug_id {
        Some(id) => (by_id("source_map", id), by_id("minified_source", id)),
        None => {
            let wanted = url_forms(url);
            let min = files
                .iter()
                .find(|f| f.2 == "minified_source" && wanted.contains(&f.1))
                .cloned();
            let map = min.as_ref().and_then(|m| {
                let candidates: Vec<String> =
                    m.4.iter()
                        .map(|h| join_url(&m.1, h))
                        .chain([format!("{}.map", m.1)])
                        .collect();
                files
                    .iter()
                    .find(|f| f.2 == "source_map" && candidates.contains(&f.1))
                    .cloned()
                    .or_else(|| m.3.as_ref().and_then(|id| by_id("source_map", id)))
            });
            (map, min)
        }
    };
    let Some(map_file) = map_file else {
        return Ok(None);
    };
    let map = parse_map(&map_file.1, &read(&map_file.0)?)?;
    let minified = match minified_file {
        Some(m) => String::from_utf8(read(&m.0)?)
            .ok()
            .map(sourcemap::SourceView::from_string),
        None => None,
    };
    Ok(Some(Found {
        debug_id: map_file.3.clone().or_else(|| debug_id.map(str::to_string)),
        map,
        minified,
        map_name: map_file.1,
        resolved_with: how,
    }))
}

/// The URLs a file may have been uploaded under: as given, without query, and `~/` + path.
fn url_forms(url: &str) -> Vec<String> {
    let bare = url.split(['?', '#']).next().unwrap_or(url);
    let path = match bare.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or("/"),
        None => bare.trim_start_matches('~'),
    };
    vec![
        url.to_string(),
        bare.to_string(),
        format!("~/{}", path.trim_start_matches('/')),
    ]
}

/// A `Sourcemap` header resolved against its minified file's URL.
fn join_url(base: &str, rel: &str) -> String {
    if rel.contains("://") || rel.starts_with("~/") {
        return rel.to_string();
    }
    let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or("~");
    let mut parts: Vec<&str> = dir.split('/').collect();
    for seg in rel.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                if parts.len() > 1 {
                    parts.pop();
                }
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        assert_eq!(
            parse_position("dist/app.js:1:234"),
            Some(Position {
                file: "dist/app.js".into(),
                line: 1,
                column: 234
            })
        );
        assert_eq!(
            parse_position("http://localhost:3000/app.js:2:7").map(|p| p.file),
            Some("http://localhost:3000/app.js".into())
        );
        assert_eq!(parse_position("dist"), None);
        assert_eq!(parse_position("app.js:0:1"), None);
        assert_eq!(parse_position("app.js:1"), None);
    }

    #[test]
    fn urls() {
        assert_eq!(
            url_forms("http://h:1/static/app.js?v=2"),
            vec![
                "http://h:1/static/app.js?v=2",
                "http://h:1/static/app.js",
                "~/static/app.js"
            ]
        );
        assert_eq!(url_forms("~/app.js")[2], "~/app.js");
        assert_eq!(join_url("~/a/app.js", "app.js.map"), "~/a/app.js.map");
        assert_eq!(join_url("~/a/app.js", "../m/x.map"), "~/m/x.map");
    }
}
