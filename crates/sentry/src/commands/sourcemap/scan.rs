//! Finding JS + source map pairs in a build and injecting debug IDs into them.
//!
//! Shared by `sourcemap inject`, `sourcemap upload`, `sourcemap resolve` and sentry-cli 3.x's
//! `sourcemaps inject|upload`.
//!
//! Rules (0.49's, with decisions.md #16):
//! * A JS file (`--ext`, default `.js,.cjs,.mjs`) pairs with the map its last
//!   `//# sourceMappingURL=` names (relative to the file), else with `<file>.map` beside it.
//!   An inline `data:application/json;base64,` map is rewritten in place.
//! * The walk skips `node_modules`, git-ignored paths (also outside a git checkout), the
//!   `--ignore` globs and the patterns of `--ignore-file`.
//! * The debug ID is derived from the contents: sha256(js ++ "\0" ++ map) shaped as a UUIDv4,
//!   exactly as 0.49 derives it, so the same build gets the same IDs from either tool.
//! * Injection prepends the registration snippet (after a `#!` line and a `// @bun` pragma),
//!   appends `//# debugId=<id>`, writes `debugId` and `debug_id` into the map and inserts an
//!   empty line group into `mappings` where the snippet went, so every generated position
//!   after it moves down one line and still maps to the same original position.
//! * A file that already carries `//# debugId=` and registers that ID at runtime is left
//!   alone, so a second run changes nothing.
//! * Nothing is half-written: every output is written to a temporary file beside its target
//!   first and the temporaries are renamed only once all of them were written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{exit, CliError, CliResult};

pub const DEFAULT_EXTS: &str = ".js,.cjs,.mjs";
const DEBUG_ID_COMMENT: &str = "//# debugId=";

/// Walk options shared by the commands.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Extensions with their dot (`.js`).
    pub exts: Vec<String>,
    pub ignore: Vec<String>,
    pub ignore_file: Option<PathBuf>,
}

impl ScanOptions {
    pub fn new(ext: Option<&str>, ignore: &[String], ignore_file: Option<&Path>) -> Self {
        let exts = split_list(ext.unwrap_or(DEFAULT_EXTS))
            .into_iter()
            .map(|e| {
                if e.starts_with('.') {
                    e
                } else {
                    format!(".{e}")
                }
            })
            .collect();
        let ignore = ignore.iter().flat_map(|i| split_list(i)).collect();
        ScanOptions {
            exts,
            ignore,
            ignore_file: ignore_file.map(Path::to_path_buf),
        }
    }
}

pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Where a JS file's map lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapRef {
    External(PathBuf),
    Inline,
}

/// A JS file and its map.
#[derive(Debug, Clone)]
pub struct Pair {
    pub js: PathBuf,
    pub map: MapRef,
}

/// Every file the walk found, in path order: the JS+map pairs, and every other file (maps
/// included) for uploads that carry more than pairs.
#[derive(Debug, Default)]
pub struct Scan {
    pub pairs: Vec<Pair>,
    /// Every file the walk admitted (JS, maps and others), sorted.
    #[allow(dead_code)]
    pub files: Vec<PathBuf>,
}

/// Walks `dir` and pairs JS files with their maps. Errors name the file (exit 21).
pub fn scan(dir: &Path, opts: &ScanOptions) -> CliResult<Scan> {
    if !dir.is_dir() {
        return Err(CliError::validation(format!(
            "Directory '{}' does not exist.",
            dir.display()
        )));
    }
    let dir = &std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .hidden(false)
        .require_git(false)
        .git_global(false)
        .ignore(false)
        .parents(true)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b));
    if !opts.ignore.is_empty() {
        let mut ov = ignore::overrides::OverrideBuilder::new(dir);
        for g in &opts.ignore {
            ov.add(&format!("!{g}")).map_err(|e| {
                CliError::validation(format!("Invalid --ignore pattern '{g}': {e}"))
            })?;
        }
        builder.overrides(
            ov.build()
                .map_err(|e| CliError::validation(e.to_string()))?,
        );
    }
    if let Some(f) = &opts.ignore_file {
        if !f.is_file() {
            return Err(CliError::validation(format!(
                "Ignore file '{}' does not exist.",
                f.display()
            )));
        }
        if let Some(e) = builder.add_ignore(f) {
            return Err(CliError::validation(format!(
                "Invalid ignore file '{}': {e}",
                f.display()
            )));
        }
    }
    builder.filter_entry(|e| e.file_name() != "node_modules");
    let mut files = Vec::new();
    for entry in builder.build() {
        let entry = entry.map_err(|e| CliError::general(format!("Cannot read the build: {e}")))?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            files.push(entry.into_path());
        }
    }
    files.sort();
    let mut pairs = Vec::new();
    for js in &files {
        let name = js.to_string_lossy();
        if !opts.exts.iter().any(|e| name.ends_with(e.as_str())) {
            continue;
        }
        if let Some(map) = find_map(js)? {
            pairs.push(Pair {
                js: js.clone(),
                map,
            });
        }
    }
    Ok(Scan { pairs, files })
}

/// The map of one JS file: its `sourceMappingURL` (external or inline), else `<file>.map`.
/// A reference to a missing file is an error naming both.
pub fn find_map(js: &Path) -> CliResult<Option<MapRef>> {
    let text = read_tail(js)?;
    let companion = PathBuf::from(format!("{}.map", js.display()));
    match source_mapping_url(&text) {
        Some(url) if url.starts_with("data:") => Ok(Some(MapRef::Inline)),
        Some(url) if url.contains("://") => {
            // An absolute URL: the map is served elsewhere; the companion is the local copy.
            Ok(companion.is_file().then_some(MapRef::External(companion)))
        }
        Some(url) => {
            let rel = url.split(['?', '#']).next().unwrap_or_default();
            let rel = percent_decode(rel);
            let target = js.parent().unwrap_or(Path::new(".")).join(&rel);
            if target.is_file() {
                Ok(Some(MapRef::External(target)))
            } else if companion.is_file() {
                Ok(Some(MapRef::External(companion)))
            } else {
                Err(CliError::validation(format!(
                    "{}: sourceMappingURL '{url}' points to '{}', which does not exist.",
                    js.display(),
                    target.display()
                )))
            }
        }
        None => Ok(companion.is_file().then_some(MapRef::External(companion))),
    }
}

/// The last 64 KiB of a file, enough for the trailing comments (inline maps excepted, which
/// `find_map` only needs to recognise by prefix).
fn read_tail(path: &Path) -> CliResult<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = fs::File::open(path)
        .map_err(|e| CliError::general(format!("Cannot read {}: {e}", path.display())))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(64 * 1024);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// The value of the last `//# sourceMappingURL=` (or `//@`) comment line.
pub fn source_mapping_url(text: &str) -> Option<String> {
    text.lines().rev().find_map(|line| {
        let l = line.trim_start();
        let rest = l.strip_prefix("//#").or_else(|| l.strip_prefix("//@"))?;
        let rest = rest.trim_start().strip_prefix("sourceMappingURL")?;
        let rest = rest.trim_start().strip_prefix('=')?;
        Some(rest.trim().to_string())
    })
}

/// The `//# debugId=` value of a JS file, normalised to the dashed lower-case form.
pub fn js_debug_id(text: &str) -> Option<String> {
    let pos = text.rfind(DEBUG_ID_COMMENT)?;
    let rest = &text[pos + DEBUG_ID_COMMENT.len()..];
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    normalise_id(&id)
}

/// `debug_id` / `debugId` of a parsed map.
pub fn map_debug_id(map: &Value) -> Option<String> {
    ["debug_id", "debugId"]
        .iter()
        .find_map(|k| map.get(*k).and_then(Value::as_str).and_then(normalise_id))
}

pub fn normalise_id(id: &str) -> Option<String> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let h = hex.to_ascii_lowercase();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// The content-derived debug ID: sha256(js ++ "\0" ++ map) as a UUIDv4 (0.49's derivation).
pub fn derive_debug_id(js: &[u8], map: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(js);
    h.update([0u8]);
    h.update(map);
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let variant = ["8", "9", "a", "b"][(hex.as_bytes()[16] as usize) % 4];
    format!(
        "{}-{}-4{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        variant,
        &hex[17..20],
        &hex[20..32]
    )
}

/// The runtime registration snippet (one line), as every Sentry tool writes it.
pub fn snippet(id: &str) -> String {
    format!(
        ";!function(){{try{{var e=\"undefined\"!=typeof window?window:\"undefined\"!=typeof global?global:\"undefined\"!=typeof globalThis?globalThis:\"undefined\"!=typeof self?self:{{}},n=(new e.Error).stack;n&&(e._sentryDebugIds=e._sentryDebugIds||{{}},e._sentryDebugIds[n]=\"{id}\",e._sentryDebugIdIdentifier=\"sentry-dbid-{id}\")}}catch(e){{}}}}();"
    )
}

/// Whether the file registers `id` at runtime (our snippet, or a bundler plugin's).
fn registers(text: &str, id: &str) -> bool {
    text.contains(&format!("_sentryDebugIds[n]=\"{id}\""))
        || text.contains(&format!("sentry-dbid-{id}"))
}

/// How many leading lines stay above the snippet: a `#!` line, then a `// @bun` pragma.
fn preamble_lines(text: &str) -> usize {
    let mut n = 0;
    let mut rest = text;
    if rest.starts_with("#!") {
        n += 1;
        rest = rest.split_once('\n').map(|(_, r)| r).unwrap_or("");
    }
    if rest.starts_with("// @bun") {
        n += 1;
    }
    n
}

fn insert_snippet(text: &str, snippet: &str) -> String {
    let lines = preamble_lines(text);
    let mut cut = 0;
    for _ in 0..lines {
        cut = text[cut..]
            .find('\n')
            .map(|i| cut + i + 1)
            .unwrap_or(text.len());
    }
    let head = &text[..cut];
    let sep = if !head.is_empty() && !head.ends_with('\n') {
        "\n"
    } else {
        ""
    };
    format!("{head}{sep}{snippet}\n{}", &text[cut..])
}

/// Writes the debug ID into a map and shifts its mappings down one line at `line`.
fn rewrite_map(map: &mut Value, id: &str, line: Option<usize>) {
    if let Some(sources) = map.get_mut("sources").and_then(Value::as_array_mut) {
        for s in sources.iter_mut() {
            if let Some(t) = s.as_str() {
                if t.contains('\\') {
                    *s = Value::String(t.replace('\\', "/"));
                }
            }
        }
    }
    if let (Some(line), Some(Value::String(m))) = (line, map.get_mut("mappings")) {
        let mut groups: Vec<&str> = m.split(';').collect();
        let at = line.min(groups.len());
        groups.insert(at, "");
        *m = groups.join(";");
    }
    if let Some(obj) = map.as_object_mut() {
        obj.insert("debug_id".into(), Value::String(id.into()));
        obj.insert("debugId".into(), Value::String(id.into()));
    }
}

/// What injecting one pair did (or would do).
#[derive(Debug, Clone)]
pub struct Injected {
    pub js: PathBuf,
    pub map: MapRef,
    pub debug_id: String,
    pub injected: bool,
}

/// A planned write: the temporary file holding the new contents and its target.
struct Staged {
    tmp: PathBuf,
    target: PathBuf,
}

/// Injects every pair (or, with `dry_run`, computes what would change without writing).
/// All outputs are staged beside their targets and renamed at the end; on an error every
/// staged file is removed and the build is untouched.
pub fn inject_all(pairs: &[Pair], dry_run: bool) -> CliResult<Vec<Injected>> {
    let mut staged: Vec<Staged> = Vec::new();
    let result = (|| {
        let mut out = Vec::with_capacity(pairs.len());
        for pair in pairs {
            out.push(inject_one(pair, dry_run, &mut staged)?);
        }
        Ok(out)
    })();
    match result {
        Ok(out) => {
            for s in &staged {
                if let Err(e) = fs::rename(&s.tmp, &s.target) {
                    for s in &staged {
                        let _ = fs::remove_file(&s.tmp);
                    }
                    return Err(CliError::general(format!(
                        "Cannot write {}: {e}",
                        s.target.display()
                    )));
                }
            }
            Ok(out)
        }
        Err(e) => {
            for s in &staged {
                let _ = fs::remove_file(&s.tmp);
            }
            Err(e)
        }
    }
}

fn read_text(path: &Path) -> CliResult<String> {
    let bytes = fs::read(path)
        .map_err(|e| CliError::general(format!("Cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::validation(format!("{} is not UTF-8 text.", path.display())))
}

fn parse_map(path: &Path, text: &str) -> CliResult<Value> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        CliError::validation(format!(
            "Sourcemap '{}' is not valid JSON: {e}",
            path.display()
        ))
    })?;
    if !v.is_object() {
        return Err(CliError::validation(format!(
            "Sourcemap '{}' is not a source map (not a JSON object).",
            path.display()
        )));
    }
    Ok(v)
}

fn stage(target: &Path, contents: &[u8], staged: &mut Vec<Staged>) -> CliResult<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".sentry-inject-")
        .tempfile_in(dir)
        .map_err(|e| CliError::general(format!("Cannot write in {}: {e}", dir.display())))?;
    tmp.write_all(contents)
        .map_err(|e| CliError::general(format!("Cannot write {}: {e}", target.display())))?;
    if let Ok(meta) = fs::metadata(target) {
        let _ = fs::set_permissions(tmp.path(), meta.permissions());
    }
    let (_, path) = tmp
        .keep()
        .map_err(|e| CliError::general(format!("Cannot write {}: {e}", target.display())))?;
    staged.push(Staged {
        tmp: path,
        target: target.to_path_buf(),
    });
    Ok(())
}

const INLINE_PREFIX: &str = "data:application/json";

fn inject_one(pair: &Pair, dry_run: bool, staged: &mut Vec<Staged>) -> CliResult<Injected> {
    let js_text = read_text(&pair.js)?;
    let existing = js_debug_id(&js_text);
    if let Some(id) = &existing {
        if registers(&js_text, id) {
            return Ok(Injected {
                js: pair.js.clone(),
                map: pair.map.clone(),
                debug_id: id.clone(),
                injected: false,
            });
        }
    }
    match &pair.map {
        MapRef::External(map_path) => {
            let map_text = read_text(map_path)?;
            let mut map = parse_map(map_path, &map_text)?;
            let id = existing
                .or_else(|| map_debug_id(&map))
                .unwrap_or_else(|| derive_debug_id(js_text.as_bytes(), map_text.as_bytes()));
            if registers(&js_text, &id) {
                return Ok(Injected {
                    js: pair.js.clone(),
                    map: pair.map.clone(),
                    debug_id: id,
                    injected: false,
                });
            }
            let mut new_js = insert_snippet(&js_text, &snippet(&id));
            if js_debug_id(&js_text).is_none() {
                new_js.push_str(&format!("\n{DEBUG_ID_COMMENT}{id}\n"));
            }
            rewrite_map(&mut map, &id, Some(preamble_lines(&js_text)));
            if !dry_run {
                let map_out =
                    serde_json::to_vec(&map).map_err(|e| CliError::general(e.to_string()))?;
                stage(&pair.js, new_js.as_bytes(), staged)?;
                stage(map_path, &map_out, staged)?;
            }
            Ok(Injected {
                js: pair.js.clone(),
                map: pair.map.clone(),
                debug_id: id,
                injected: true,
            })
        }
        MapRef::Inline => {
            let url = source_mapping_url(&js_text).unwrap_or_default();
            let (prefix, b64) = url.split_once(";base64,").ok_or_else(|| {
                CliError::validation(format!(
                    "{}: inline source map is not base64-encoded JSON.",
                    pair.js.display()
                ))
            })?;
            if !prefix.starts_with(INLINE_PREFIX) {
                return Err(CliError::validation(format!(
                    "{}: inline source map is not application/json.",
                    pair.js.display()
                )));
            }
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| {
                    CliError::validation(format!(
                        "{}: inline source map is not valid base64: {e}",
                        pair.js.display()
                    ))
                })?;
            let map_text = String::from_utf8_lossy(&raw).into_owned();
            let mut map = parse_map(&pair.js, &map_text)?;
            let id = existing
                .or_else(|| map_debug_id(&map))
                .unwrap_or_else(|| derive_debug_id(js_text.as_bytes(), map_text.as_bytes()));
            rewrite_map(&mut map, &id, Some(preamble_lines(&js_text)));
            let encoded = base64::engine::general_purpose::STANDARD
                .encode(serde_json::to_vec(&map).map_err(|e| CliError::general(e.to_string()))?);
            let pos = js_text.rfind(&url).unwrap_or(js_text.len());
            let replaced = format!(
                "{}{prefix};base64,{encoded}{}",
                &js_text[..pos],
                &js_text[pos + url.len()..]
            );
            let mut new_js = insert_snippet(&replaced, &snippet(&id));
            if js_debug_id(&js_text).is_none() {
                new_js.push_str(&format!("\n{DEBUG_ID_COMMENT}{id}\n"));
            }
            if !dry_run {
                stage(&pair.js, new_js.as_bytes(), staged)?;
            }
            Ok(Injected {
                js: pair.js.clone(),
                map: pair.map.clone(),
                debug_id: id,
                injected: true,
            })
        }
    }
}

/// The error for a build without pairs (0.49's words; exit 21).
pub fn no_pairs(dir: &Path) -> CliError {
    CliError::new(
        exit::VALIDATION,
        format!(
            "Directory '{}' contains no JS or sourcemap files. Check the path points at your \
             build output, or pass --allow-empty to suppress this error.",
            dir.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_like_049() {
        // 0.49 injected this ID for the fixture build's app.js (content-derived).
        let id = derive_debug_id(b"a", b"b");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn snippet_goes_after_shebang() {
        let out = insert_snippet("#!/usr/bin/env node\nx();\n", "S");
        assert_eq!(out, "#!/usr/bin/env node\nS\nx();\n");
        assert_eq!(insert_snippet("x();", "S"), "S\nx();");
        assert_eq!(insert_snippet("#!node", "S"), "#!node\nS\n");
    }

    #[test]
    fn mappings_shift() {
        let mut m = serde_json::json!({"mappings": "AAAA;AACA"});
        rewrite_map(&mut m, "x", Some(0));
        assert_eq!(m["mappings"], ";AAAA;AACA");
        let mut m = serde_json::json!({"mappings": "AAAA;AACA"});
        rewrite_map(&mut m, "x", Some(1));
        assert_eq!(m["mappings"], "AAAA;;AACA");
    }

    #[test]
    fn ids_normalise() {
        assert_eq!(
            normalise_id("ABCDEF0123456789ABCDEF0123456789").as_deref(),
            Some("abcdef01-2345-6789-abcd-ef0123456789")
        );
        assert_eq!(
            js_debug_id("x\n//# debugId=abcdef01-2345-6789-abcd-ef0123456789\n").as_deref(),
            Some("abcdef01-2345-6789-abcd-ef0123456789")
        );
    }
}
