//! Artifact bundles and JavaScript symbolication.
//!
//! **Bundles.** sentry-cli 3.x (symbolic's `SourceBundleWriter`) and sentry 0.49 both send a
//! *source bundle*: the 8-byte header `SYSB` + version (u32 LE, 2) followed by a zip whose
//! offsets count from the start of the file, holding `manifest.json`
//! (`{"files": {"<zip path>": {"url", "type", "headers": {"debug-id", "Sourcemap"}}}, …}`) and
//! the files. A plain zip (no header) is accepted too. Assembling a bundle indexes its files in
//! `artifact_bundle_files` by debug ID and by URL; the bytes stay in the stored bundle.
//!
//! **Symbolication** (Sentry's semantics, applied when an error event is stored): for every
//! frame with `abs_path`, `lineno` and `colno`, the map is found by the debug ID the SDK
//! reported for that file (`debug_meta.images[type=sourcemap]`, matched by `code_file`), else
//! by the event's release (and dist) and the frame's URL (`~/path` or the full URL), following
//! the minified file's `Sourcemap` header. The frame gets the original file, line, column,
//! function and context lines; the minified stack trace is kept as `raw_stacktrace`.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

/// Source bundle header magic.
const MAGIC: &[u8; 4] = b"SYSB";
/// Lines of context on each side of a frame's line.
const CONTEXT: usize = 5;

/// One file of a bundle's manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    pub path: String,
    pub url: String,
    pub kind: String,
    pub debug_id: Option<String>,
    pub sourcemap: Option<String>,
}

/// The zip inside a bundle's bytes (after the `SYSB` header when there is one).
fn open_zip(data: &[u8]) -> Result<zip::ZipArchive<Cursor<&[u8]>>, String> {
    let err = |e: zip::result::ZipError| format!("not a zip archive ({e})");
    match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(z) => Ok(z),
        Err(e) if data.starts_with(MAGIC) && data.len() > 8 => {
            zip::ZipArchive::new(Cursor::new(&data[8..])).map_err(|_| err(e))
        }
        Err(e) => Err(err(e)),
    }
}

/// Reads and checks a bundle's manifest.
pub fn read_manifest(data: &[u8]) -> Result<Vec<BundleFile>, String> {
    let mut zip = open_zip(data)?;
    let mut raw = String::new();
    zip.by_name("manifest.json")
        .map_err(|_| "manifest.json is missing".to_string())?
        .read_to_string(&mut raw)
        .map_err(|e| format!("manifest.json cannot be read: {e}"))?;
    let manifest: Value =
        serde_json::from_str(&raw).map_err(|e| format!("manifest.json is not JSON: {e}"))?;
    let files = manifest
        .get("files")
        .and_then(Value::as_object)
        .ok_or("manifest.json has no files")?;
    let mut out = Vec::new();
    for (path, f) in files {
        if zip.index_for_name(path).is_none() {
            return Err(format!("manifest names {path}, which the bundle lacks"));
        }
        let headers = f.get("headers").and_then(Value::as_object);
        let header = |name: &str| {
            headers.and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v.as_str())
                    .map(str::to_string)
            })
        };
        out.push(BundleFile {
            path: path.clone(),
            url: f
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            kind: f
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            debug_id: header("debug-id").and_then(|d| normalise_id(&d)),
            sourcemap: header("sourcemap").or_else(|| header("x-sourcemap")),
        });
    }
    Ok(out)
}

pub fn normalise_id(id: &str) -> Option<String> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    if hex.len() < 32 || !hex[..32].chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let h = hex[..32].to_ascii_lowercase();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// Indexes a stored bundle's files.
pub fn index_bundle(
    c: &Connection,
    bundle_id: i64,
    org_id: i64,
    files: &[BundleFile],
) -> rusqlite::Result<()> {
    let mut ins = c.prepare_cached(
        "INSERT OR REPLACE INTO artifact_bundle_files
            (bundle_id, org_id, bundle_path, url, type, debug_id, sourcemap)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for f in files {
        ins.execute(params![
            bundle_id,
            org_id,
            f.path,
            f.url,
            f.kind,
            f.debug_id,
            f.sourcemap
        ])?;
    }
    Ok(())
}

/// One file of a stored bundle, by bundle and zip path.
fn bundle_entry(c: &Connection, bundle_id: i64, path: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    let data: Vec<u8> = c
        .prepare_cached("SELECT data FROM artifact_bundles WHERE id = ?1")?
        .query_row([bundle_id], |r| r.get(0))?;
    let Ok(mut zip) = open_zip(&data) else {
        return Ok(None);
    };
    let Ok(mut f) = zip.by_name(path) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    if f.read_to_end(&mut out).is_err() {
        return Ok(None);
    }
    Ok(Some(out))
}

/// A located file: `(bundle_id, bundle_path, url, sourcemap header)`.
type Located = (i64, String, String, Option<String>);

const PROJECT_FILTER: &str =
    "EXISTS (SELECT 1 FROM json_each(b.projects) WHERE json_each.value = ?3)";

fn by_debug_id(
    c: &Connection,
    org_id: i64,
    project_id: i64,
    debug_id: &str,
    kind: &str,
) -> rusqlite::Result<Option<Located>> {
    c.prepare_cached(&format!(
        "SELECT f.bundle_id, f.bundle_path, f.url, f.sourcemap FROM artifact_bundle_files f
         JOIN artifact_bundles b ON b.id = f.bundle_id
         WHERE f.org_id = ?1 AND f.debug_id = ?2 AND f.type = ?4 AND {PROJECT_FILTER}
         ORDER BY f.bundle_id DESC LIMIT 1"
    ))?
    .query_row(params![org_id, debug_id, project_id, kind], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })
    .optional()
}

fn by_url(
    c: &Connection,
    org_id: i64,
    project_id: i64,
    release: &str,
    dist: Option<&str>,
    urls: &[String],
    kind: &str,
) -> rusqlite::Result<Option<(Located, Option<String>)>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT f.bundle_id, f.bundle_path, f.url, f.sourcemap, f.debug_id FROM artifact_bundle_files f
         JOIN artifact_bundles b ON b.id = f.bundle_id
         WHERE f.org_id = ?1 AND f.url = ?2 AND {PROJECT_FILTER} AND f.type = ?4
           AND b.release = ?5 AND (?6 IS NULL OR b.dist IS NULL OR b.dist = ?6)
         ORDER BY f.bundle_id DESC LIMIT 1"
    ))?;
    for url in urls {
        let hit = stmt
            .query_row(params![org_id, url, project_id, kind, release, dist], |r| {
                Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
            })
            .optional()?;
        if hit.is_some() {
            return Ok(hit);
        }
    }
    Ok(None)
}

/// The URLs a frame's `abs_path` may have been uploaded under: the full URL, then `~/` plus
/// its path (and without a query or fragment).
fn url_candidates(abs_path: &str) -> Vec<String> {
    let mut out = vec![abs_path.to_string()];
    let bare = abs_path.split(['?', '#']).next().unwrap_or(abs_path);
    if bare != abs_path {
        out.push(bare.to_string());
    }
    let path = if let Some(rest) = bare.split_once("://").map(|(_, r)| r) {
        rest.find('/').map(|i| &rest[i..]).unwrap_or("/")
    } else {
        bare
    };
    let tilde = format!("~{}", if path.starts_with('/') { "" } else { "/" });
    out.push(format!("{tilde}{path}"));
    out.dedup();
    out
}

/// Resolves a `Sourcemap` header against the minified file's URL.
fn join_url(base: &str, rel: &str) -> String {
    if rel.contains("://") || rel.starts_with("~/") {
        return rel.to_string();
    }
    if let Some(stripped) = rel.strip_prefix('/') {
        if let Some((scheme, rest)) = base.split_once("://") {
            let host = rest.split('/').next().unwrap_or("");
            return format!("{scheme}://{host}/{stripped}");
        }
        return format!("~/{stripped}");
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

/// A parsed map and, when known, the minified source it belongs to.
struct Loaded {
    map: sourcemap::SourceMap,
    minified: Option<sourcemap::SourceView>,
    map_url: String,
    resolved_with: &'static str,
}

/// Per-event cache: one parse per file however many frames point into it.
#[derive(Default)]
struct Cache {
    by_path: HashMap<String, Option<std::rc::Rc<Loaded>>>,
}

struct Lookup<'a> {
    c: &'a Connection,
    org_id: i64,
    project_id: i64,
    release: Option<String>,
    dist: Option<String>,
    images: HashMap<String, String>,
}

impl Lookup<'_> {
    fn load(&self, abs_path: &str) -> rusqlite::Result<Option<Loaded>> {
        // 1. By debug ID.
        if let Some(id) = self.images.get(abs_path) {
            if let Some((bundle, path, url, _)) =
                by_debug_id(self.c, self.org_id, self.project_id, id, "source_map")?
            {
                if let Some(map) = self.parse(bundle, &path)? {
                    let minified =
                        by_debug_id(self.c, self.org_id, self.project_id, id, "minified_source")?
                            .map(|(b, p, _, _)| self.view(b, &p))
                            .transpose()?
                            .flatten();
                    return Ok(Some(Loaded {
                        map,
                        minified,
                        map_url: url,
                        resolved_with: "debug-id",
                    }));
                }
            }
        }
        // 2. By release and URL.
        let Some(release) = &self.release else {
            return Ok(None);
        };
        let urls = url_candidates(abs_path);
        let Some(((bundle, path, url, header), debug_id)) = by_url(
            self.c,
            self.org_id,
            self.project_id,
            release,
            self.dist.as_deref(),
            &urls,
            "minified_source",
        )?
        else {
            return Ok(None);
        };
        let minified = self.view(bundle, &path)?;
        let mut map_at: Option<Located> = None;
        if let Some(h) = header {
            let map_url = join_url(&url, &h);
            map_at = by_url(
                self.c,
                self.org_id,
                self.project_id,
                release,
                self.dist.as_deref(),
                &[map_url],
                "source_map",
            )?
            .map(|(l, _)| l);
        }
        if map_at.is_none() {
            if let Some(id) = debug_id {
                map_at = by_debug_id(self.c, self.org_id, self.project_id, &id, "source_map")?;
            }
        }
        if map_at.is_none() {
            map_at = by_url(
                self.c,
                self.org_id,
                self.project_id,
                release,
                self.dist.as_deref(),
                &[format!("{url}.map")],
                "source_map",
            )?
            .map(|(l, _)| l);
        }
        let Some((mb, mp, murl, _)) = map_at else {
            return Ok(None);
        };
        Ok(self.parse(mb, &mp)?.map(|map| Loaded {
            map,
            minified,
            map_url: murl,
            resolved_with: "release",
        }))
    }

    fn parse(&self, bundle: i64, path: &str) -> rusqlite::Result<Option<sourcemap::SourceMap>> {
        Ok(bundle_entry(self.c, bundle, path)?
            .and_then(|bytes| sourcemap::SourceMap::from_slice(&bytes).ok()))
    }

    fn view(&self, bundle: i64, path: &str) -> rusqlite::Result<Option<sourcemap::SourceView>> {
        Ok(bundle_entry(self.c, bundle, path)?.and_then(|b| {
            String::from_utf8(b)
                .ok()
                .map(sourcemap::SourceView::from_string)
        }))
    }
}

/// The stack traces of an event: `exception.values[].stacktrace` and `threads.values[].stacktrace`.
fn stacktraces(ev: &mut Map<String, Value>) -> Vec<&mut Map<String, Value>> {
    let mut out = Vec::new();
    for (key, v) in ev.iter_mut() {
        if key != "exception" && key != "threads" {
            continue;
        }
        let values = match v {
            Value::Object(o) => o.get_mut("values").and_then(Value::as_array_mut),
            Value::Array(a) => Some(a),
            _ => None,
        };
        for v in values.into_iter().flatten() {
            if let Some(o) = v.as_object_mut() {
                out.push(o);
            }
        }
    }
    out
}

/// Applies uploaded source maps to the event's JavaScript frames. Returns whether anything
/// changed. Failures to find or read a map leave the frame as it was.
pub fn symbolicate(
    c: &Connection,
    project_id: i64,
    ev: &mut Map<String, Value>,
) -> rusqlite::Result<bool> {
    let has_js_frames = stacktraces(ev).iter().any(|holder| {
        holder
            .get("stacktrace")
            .and_then(|s| s.get("frames"))
            .and_then(Value::as_array)
            .is_some_and(|fs| fs.iter().any(frame_is_js))
    });
    if !has_js_frames {
        return Ok(false);
    }
    let org_id: i64 = c
        .prepare_cached("SELECT org_id FROM projects WHERE id = ?1")?
        .query_row([project_id], |r| r.get(0))?;
    let any: Option<i64> = c
        .prepare_cached("SELECT 1 FROM artifact_bundle_files WHERE org_id = ?1 LIMIT 1")?
        .query_row([org_id], |r| r.get(0))
        .optional()?;
    if any.is_none() {
        return Ok(false);
    }
    let mut images = HashMap::new();
    if let Some(list) = ev
        .get("debug_meta")
        .and_then(|d| d.get("images"))
        .and_then(Value::as_array)
    {
        for img in list {
            let (Some(file), Some(id)) = (
                img.get("code_file").and_then(Value::as_str),
                img.get("debug_id")
                    .and_then(Value::as_str)
                    .and_then(normalise_id),
            ) else {
                continue;
            };
            images.insert(file.to_string(), id);
        }
    }
    let str_of = |k: &str| ev.get(k).and_then(Value::as_str).map(str::to_string);
    let lookup = Lookup {
        c,
        org_id,
        project_id,
        release: str_of("release"),
        dist: str_of("dist"),
        images,
    };
    let mut cache = Cache::default();
    let mut changed = false;
    for holder in stacktraces(ev) {
        let Some(frames) = holder
            .get("stacktrace")
            .and_then(|s| s.get("frames"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let raw = frames.clone();
        let mut new_frames = Vec::with_capacity(raw.len());
        let mut any = false;
        for f in &raw {
            match apply_frame(&lookup, &mut cache, f)? {
                Some(nf) => {
                    any = true;
                    new_frames.push(nf);
                }
                None => new_frames.push(f.clone()),
            }
        }
        if any {
            changed = true;
            let mut raw_st = holder.get("stacktrace").cloned().unwrap_or(Value::Null);
            if let Some(o) = raw_st.as_object_mut() {
                o.insert("frames".into(), Value::Array(raw));
            }
            holder.insert("raw_stacktrace".into(), raw_st);
            if let Some(st) = holder.get_mut("stacktrace").and_then(Value::as_object_mut) {
                st.insert("frames".into(), Value::Array(new_frames));
            }
        }
    }
    Ok(changed)
}

fn frame_is_js(f: &Value) -> bool {
    f.get("abs_path").and_then(Value::as_str).is_some()
        && f.get("lineno").and_then(Value::as_u64).is_some()
        && f.get("colno").and_then(Value::as_u64).is_some()
}

fn apply_frame(lookup: &Lookup, cache: &mut Cache, f: &Value) -> rusqlite::Result<Option<Value>> {
    if !frame_is_js(f) {
        return Ok(None);
    }
    let abs_path = f["abs_path"].as_str().unwrap_or_default().to_string();
    let line = f["lineno"].as_u64().unwrap_or(0) as u32;
    let col = f["colno"].as_u64().unwrap_or(0) as u32;
    if line == 0 {
        return Ok(None);
    }
    if !cache.by_path.contains_key(&abs_path) {
        let loaded = lookup.load(&abs_path)?.map(std::rc::Rc::new);
        cache.by_path.insert(abs_path.clone(), loaded);
    }
    let Some(loaded) = cache.by_path.get(&abs_path).cloned().flatten() else {
        return Ok(None);
    };
    let Some(tok) = loaded.map.lookup_token(line - 1, col.saturating_sub(1)) else {
        return Ok(None);
    };
    let Some(source) = tok.get_source() else {
        return Ok(None);
    };
    let mut out = f.as_object().cloned().unwrap_or_default();
    let src_line = tok.get_src_line();
    let filename = source
        .trim_start_matches("webpack://")
        .trim_start_matches("webpack:///");
    let filename = filename.trim_start_matches("./");
    out.insert("abs_path".into(), Value::from(source.to_string()));
    out.insert("filename".into(), Value::from(filename.to_string()));
    out.insert("lineno".into(), Value::from(src_line + 1));
    out.insert("colno".into(), Value::from(tok.get_src_col() + 1));
    let minified_name = f.get("function").and_then(Value::as_str).unwrap_or("");
    let function = loaded
        .minified
        .as_ref()
        .and_then(|sv| {
            loaded.map.get_original_function_name(
                line - 1,
                col.saturating_sub(1),
                minified_name,
                sv,
            )
        })
        .map(str::to_string)
        .or_else(|| {
            tok.get_name()
                .map(str::to_string)
                .filter(|_| minified_name.is_empty())
        });
    if let Some(func) = function {
        out.insert("function".into(), Value::from(func));
    }
    if let Some(contents) = tok.get_source_view().map(|v| v.source().to_string()) {
        let lines: Vec<&str> = contents.lines().collect();
        let i = src_line as usize;
        if i < lines.len() {
            let start = i.saturating_sub(CONTEXT);
            let end = (i + 1 + CONTEXT).min(lines.len());
            out.insert(
                "pre_context".into(),
                Value::from(
                    lines[start..i]
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>(),
                ),
            );
            out.insert("context_line".into(), Value::from(lines[i].to_string()));
            out.insert(
                "post_context".into(),
                Value::from(
                    lines[i + 1..end]
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>(),
                ),
            );
        }
    }
    let in_app = !source.contains("node_modules");
    out.entry("in_app").or_insert(Value::from(in_app));
    let mut data = out
        .get("data")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    data.insert("sourcemap".into(), Value::from(loaded.map_url.clone()));
    data.insert("resolved_with".into(), Value::from(loaded.resolved_with));
    data.insert("symbolicated".into(), Value::from(true));
    out.insert("data".into(), Value::Object(data));
    Ok(Some(Value::Object(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            url_candidates("http://localhost:3000/static/app.js?v=1"),
            vec![
                "http://localhost:3000/static/app.js?v=1",
                "http://localhost:3000/static/app.js",
                "~/static/app.js"
            ]
        );
        assert_eq!(
            url_candidates("/srv/app.js"),
            vec!["/srv/app.js", "~/srv/app.js"]
        );
        assert_eq!(
            join_url("~/static/app.js", "app.js.map"),
            "~/static/app.js.map"
        );
        assert_eq!(join_url("~/static/app.js", "../maps/a.map"), "~/maps/a.map");
        assert_eq!(
            join_url("http://h/static/app.js", "/maps/a.map"),
            "http://h/maps/a.map"
        );
    }
}
