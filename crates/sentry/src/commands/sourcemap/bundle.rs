//! Artifact bundles and the chunk-upload protocol (sentry-cli-v3.md §4.1–4.2, commands.md §4.1).
//!
//! The bundle is written to a temporary file (files are streamed into it, never held whole):
//! the source-bundle header `SYSB` + version 2, then a zip (entries stored, since the chunks
//! are gzip-compressed on the wire) with `manifest.json`. The file is hashed in `chunkSize`
//! slices (SHA-1 each, plus the whole file's), `assemble` says which chunks the server lacks,
//! those are sent in multipart batches of at most `chunksPerRequest` chunks and
//! `maxRequestSize` bytes, `concurrency` at a time, and `assemble` is polled once a second
//! until the server says `ok` (or `created` when not waiting), for at most the bounded wait.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};

use crate::context::api_error;
use crate::error::{exit, CliError, CliResult};

/// One file of the bundle.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    /// `~/app.js`.
    pub url: String,
    /// `minified_source` | `source_map` | `source`.
    pub kind: &'static str,
    pub debug_id: Option<String>,
    /// The `Sourcemap` header of a minified source.
    pub sourcemap: Option<String>,
}

/// Where in the zip a URL's bytes go (`~/a.js` → `_/_/a.js`, else `_/<url>`).
fn bundle_path(url: &str) -> String {
    match url.strip_prefix("~/") {
        Some(rest) => format!("_/_/{rest}"),
        None => format!("_/{url}"),
    }
}

/// Bundle metadata for the manifest.
pub struct Meta<'a> {
    pub org: &'a str,
    pub project: Option<&'a str>,
    pub release: Option<&'a str>,
    pub dist: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// Writes the bundle to a temporary file and returns it.
fn write_bundle(entries: &[Entry], meta: &Meta) -> CliResult<tempfile::NamedTempFile> {
    let tmp = tempfile::Builder::new()
        .prefix("sentry-artifact-bundle-")
        .suffix(".zip")
        .tempfile()
        .map_err(|e| CliError::general(format!("Cannot create a temporary file: {e}")))?;
    let fail =
        |e: &dyn std::fmt::Display| CliError::general(format!("Cannot write the bundle: {e}"));
    let mut file = tmp.reopen().map_err(|e| fail(&e))?;
    file.write_all(b"SYSB\x02\x00\x00\x00")
        .map_err(|e| fail(&e))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    let mut files = Map::new();
    for e in entries {
        let mut headers = Map::new();
        if let Some(id) = &e.debug_id {
            headers.insert("debug-id".into(), json!(id));
        }
        if let Some(sm) = &e.sourcemap {
            headers.insert("Sourcemap".into(), json!(sm));
        }
        files.insert(
            bundle_path(&e.url),
            json!({"url": e.url, "type": e.kind, "headers": headers}),
        );
    }
    let mut manifest = Map::new();
    manifest.insert("org".into(), json!(meta.org));
    if let Some(p) = meta.project {
        manifest.insert("project".into(), json!(p));
    }
    if let Some(r) = meta.release {
        manifest.insert("release".into(), json!(r));
    }
    if let Some(d) = meta.dist {
        manifest.insert("dist".into(), json!(d));
    }
    if let Some(n) = meta.note {
        manifest.insert("note".into(), json!(n));
    }
    manifest.insert("files".into(), Value::Object(files));
    zip.start_file("manifest.json", opts)
        .map_err(|e| fail(&e))?;
    zip.write_all(&serde_json::to_vec(&manifest).unwrap_or_default())
        .map_err(|e| fail(&e))?;
    for e in entries {
        let large = std::fs::metadata(&e.path).map(|m| m.len()).unwrap_or(0) >= u32::MAX as u64;
        zip.start_file(bundle_path(&e.url), opts.large_file(large))
            .map_err(|err| fail(&err))?;
        let mut f = File::open(&e.path)
            .map_err(|err| CliError::general(format!("Cannot read {}: {err}", e.path.display())))?;
        std::io::copy(&mut f, &mut zip).map_err(|err| fail(&err))?;
    }
    let mut w = zip.finish().map_err(|e| fail(&e))?;
    w.flush().map_err(|e| fail(&e))?;
    Ok(tmp)
}

/// The one upload path of both grammars: writes `entries` into a bundle (a temporary file)
/// and sends it with the chunk-upload protocol. `wait`: `--wait` or `--wait-for` was given;
/// `wait_for`: its seconds.
pub fn bundle_and_upload(
    org: &sentry_api::OrgApi<'_>,
    options: &ServerOptions,
    entries: &[Entry],
    meta: &Meta,
    wait: bool,
    wait_for: Option<u64>,
    progress: bool,
) -> CliResult<Uploaded> {
    let tmp = write_bundle(entries, meta)?;
    let req = UploadRequest {
        org,
        options,
        projects: meta.project.iter().map(|p| p.to_string()).collect(),
        release: meta.release.map(str::to_string),
        dist: meta.dist.map(str::to_string),
        wait,
        max_wait: wait_limit(wait_for, options),
        progress,
    };
    upload(&req, tmp.path())
}

/// How long to wait for assembly: `--wait-for` seconds (300 when only `--wait` is given),
/// never beyond the server's advertised `maxWait`.
fn wait_limit(wait_for: Option<u64>, options: &ServerOptions) -> Duration {
    let mut limit = Duration::from_secs(wait_for.unwrap_or(300));
    if options.max_wait > 0 {
        limit = limit.min(Duration::from_secs(options.max_wait));
    }
    limit
}

/// The server's chunk-upload options.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub url: String,
    pub chunk_size: u64,
    pub chunks_per_request: usize,
    pub max_request_size: u64,
    pub max_file_size: u64,
    pub max_wait: u64,
    pub concurrency: usize,
    pub gzip: bool,
}

pub fn server_options(org: &sentry_api::OrgApi) -> CliResult<ServerOptions> {
    let resp = org.chunk_upload_options().send_raw().map_err(api_error)?;
    if resp.status() == 404 {
        return Err(CliError::new(
            exit::API,
            format!(
                "The server does not support chunk uploads (GET /api/0/organizations/{}/chunk-upload/ \
                 answered 404): it is too old for artifact bundles, or the organization does not exist.",
                org.slug()
            ),
        ));
    }
    let v: Value = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
    if resp.status() >= 400 {
        return Err(CliError::new(
            exit::API,
            format!(
                "Failed to get chunk upload options: {} {}",
                resp.status(),
                detail(&v)
            ),
        ));
    }
    let num = |k: &str| v.get(k).and_then(Value::as_u64);
    let (Some(url), Some(chunk_size)) = (v.get("url").and_then(Value::as_str), num("chunkSize"))
    else {
        return Err(CliError::new(
            exit::API,
            "The server's chunk-upload options lack url or chunkSize.",
        ));
    };
    if v.get("hashAlgorithm")
        .and_then(Value::as_str)
        .unwrap_or("sha1")
        != "sha1"
        || chunk_size == 0
    {
        return Err(CliError::new(exit::API, "The server's chunk-upload options are not usable (hashAlgorithm must be sha1, chunkSize non-zero)."));
    }
    let gzip = v
        .get("compression")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|c| c == "gzip"));
    Ok(ServerOptions {
        url: url.to_string(),
        chunk_size,
        chunks_per_request: num("chunksPerRequest").unwrap_or(64).max(1) as usize,
        max_request_size: num("maxRequestSize").unwrap_or(32 << 20).max(1),
        max_file_size: num("maxFileSize").filter(|n| *n > 0).unwrap_or(2 << 30),
        max_wait: num("maxWait").unwrap_or(0),
        concurrency: num("concurrency").unwrap_or(4).clamp(1, 32) as usize,
        gzip,
    })
}

fn detail(v: &Value) -> String {
    v.get("detail")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// A chunk of the bundle file.
#[derive(Debug, Clone)]
struct Chunk {
    sha1: String,
    offset: u64,
    size: u64,
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Streams the file once: each chunk's SHA-1 and the whole file's.
fn hash_chunks(path: &Path, chunk_size: u64) -> CliResult<(String, Vec<Chunk>, u64)> {
    let mut f = File::open(path)?;
    let mut whole = Sha1::new();
    let mut chunks = Vec::new();
    let mut buf = vec![0u8; chunk_size.min(8 << 20) as usize];
    let mut offset = 0u64;
    loop {
        let mut h = Sha1::new();
        let mut size = 0u64;
        while size < chunk_size {
            let want = ((chunk_size - size) as usize).min(buf.len());
            let n = f.read(&mut buf[..want])?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            whole.update(&buf[..n]);
            size += n as u64;
        }
        if size == 0 {
            break;
        }
        chunks.push(Chunk {
            sha1: hex(&h.finalize()),
            offset,
            size,
        });
        offset += size;
    }
    Ok((hex(&whole.finalize()), chunks, offset))
}

/// How the upload went.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub bundle_size: u64,
    pub chunks: usize,
    pub missing: usize,
    /// The last assemble state (`ok`, `created`, …).
    pub state: String,
}

struct UploadRequest<'a> {
    pub org: &'a sentry_api::OrgApi<'a>,
    pub options: &'a ServerOptions,
    pub projects: Vec<String>,
    pub release: Option<String>,
    pub dist: Option<String>,
    pub wait: bool,
    pub max_wait: Duration,
    pub progress: bool,
}

fn assemble(req: &UploadRequest, body: &Value) -> CliResult<Value> {
    let resp = req
        .org
        .assemble_artifact_bundle()
        .json(body)
        .map_err(api_error)?
        .send_raw()
        .map_err(api_error)?;
    let v: Value = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
    match resp.status() {
        404 => Err(CliError::new(
            exit::API,
            format!("Release not found or project not found: {}", detail(&v)),
        )),
        s if s >= 400 => Err(CliError::new(
            exit::API,
            format!("Failed to assemble artifact bundle: {s} {}", detail(&v)),
        )),
        _ => Ok(v),
    }
}

/// Uploads the bundle file and assembles it.
fn upload(req: &UploadRequest, file: &Path) -> CliResult<Uploaded> {
    let opts = req.options;
    let size = std::fs::metadata(file)?.len();
    if size > opts.max_file_size {
        return Err(CliError::new(
            exit::VALIDATION,
            format!(
                "The artifact bundle is {size} bytes, larger than the server's maxFileSize of {} bytes.",
                opts.max_file_size
            ),
        ));
    }
    let (checksum, chunks, _) = hash_chunks(file, opts.chunk_size)?;
    let mut body = json!({"checksum": checksum, "chunks": chunks.iter().map(|c| c.sha1.clone()).collect::<Vec<_>>()});
    if !req.projects.is_empty() {
        body["projects"] = json!(req.projects);
    }
    if let Some(r) = req.release.as_deref().filter(|r| !r.is_empty()) {
        body["version"] = json!(r);
    }
    if let Some(d) = &req.dist {
        body["dist"] = json!(d);
    }
    let first = assemble(req, &body)?;
    let mut state = state_of(&first);
    check_error(&first)?;
    let mut missing = 0;
    if state != "ok" && (state != "created" || req.wait) {
        let wanted: std::collections::HashSet<String> = first
            .get("missingChunks")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let todo: Vec<Chunk> = chunks
            .iter()
            .filter(|c| wanted.contains(&c.sha1))
            .cloned()
            .collect();
        missing = todo.len();
        send_chunks(req, file, &todo)?;
        let deadline = Instant::now() + req.max_wait;
        loop {
            let v = assemble(req, &body)?;
            check_error(&v)?;
            state = state_of(&v);
            if state == "ok" || (state == "created" && !req.wait) {
                break;
            }
            if state == "not_found"
                && v.get("missingChunks")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty())
            {
                return Err(CliError::new(
                    exit::API,
                    "The server lost uploaded chunks during assembly; try again.",
                ));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CliError::new(
                    exit::API,
                    format!(
                        "Artifact bundle assembly did not complete within {}s (last state: {state}).",
                        req.max_wait.as_secs()
                    ),
                ));
            }
            // Poll once a second, the last sleep cut to the deadline so the wait is the bound.
            std::thread::sleep(Duration::from_secs(1).min(deadline - now));
        }
    }
    Ok(Uploaded {
        bundle_size: size,
        chunks: chunks.len(),
        missing,
        state,
    })
}

fn state_of(v: &Value) -> String {
    v.get("state")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn check_error(v: &Value) -> CliResult<()> {
    if state_of(v) == "error" {
        return Err(CliError::new(
            exit::API,
            format!(
                "Artifact bundle assembly failed: {}",
                v.get("detail")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown error")
            ),
        ));
    }
    Ok(())
}

/// Batches of contiguous chunks within the server's limits, small enough that every worker
/// has one.
fn batches(todo: &[Chunk], opts: &ServerOptions, workers: usize) -> Vec<Vec<Chunk>> {
    let per = todo
        .len()
        .div_ceil(workers.max(1))
        .clamp(1, opts.chunks_per_request);
    let mut out: Vec<Vec<Chunk>> = Vec::new();
    let mut cur: Vec<Chunk> = Vec::new();
    let mut bytes = 0u64;
    for c in todo {
        if !cur.is_empty() && (cur.len() >= per || bytes + c.size > opts.max_request_size) {
            out.push(std::mem::take(&mut cur));
            bytes = 0;
        }
        bytes += c.size;
        cur.push(c.clone());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const BOUNDARY: &str = "------------------------sentrychunkboundary7MA4YWxk";

fn send_chunks(req: &UploadRequest, file: &Path, todo: &[Chunk]) -> CliResult<()> {
    if todo.is_empty() {
        return Ok(());
    }
    let opts = req.options;
    let batches = batches(todo, opts, opts.concurrency);
    // At most ~64 MiB of chunk data in flight however large the build.
    let batch_bytes = batches
        .iter()
        .map(|b| b.iter().map(|c| c.size).sum::<u64>())
        .max()
        .unwrap_or(1);
    let workers = opts
        .concurrency
        .min(batches.len())
        .min(((64u64 << 20) / batch_bytes.max(1)).max(1) as usize);
    let total: u64 = todo.iter().map(|c| c.size).sum();
    let bar = req.progress.then(|| {
        let pb = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::stderr(),
        );
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} Uploading [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    let first_error: Mutex<Option<CliError>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let mut f = match File::open(file) {
                    Ok(f) => f,
                    Err(e) => {
                        first_error.lock().unwrap().get_or_insert(e.into());
                        return;
                    }
                };
                loop {
                    if first_error.lock().map(|e| e.is_some()).unwrap_or(true) {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(batch) = batches.get(i) else { return };
                    match send_batch(req, &mut f, batch) {
                        Ok(n) => {
                            let d = done.fetch_add(n, Ordering::Relaxed) + n;
                            if let Some(b) = &bar {
                                b.set_position(d);
                            }
                        }
                        Err(e) => {
                            first_error.lock().unwrap().get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    match first_error.into_inner().unwrap_or(None) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn send_batch(req: &UploadRequest, f: &mut File, batch: &[Chunk]) -> CliResult<u64> {
    let opts = req.options;
    let mut body = Vec::new();
    let mut raw_total = 0u64;
    let mut buf = Vec::new();
    for c in batch {
        buf.resize(c.size as usize, 0);
        f.seek(SeekFrom::Start(c.offset))?;
        f.read_exact(&mut buf)?;
        raw_total += c.size;
        let field = if opts.gzip { "file_gzip" } else { "file" };
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            c.sha1
        )?;
        if opts.gzip {
            let mut enc = flate2::write::GzEncoder::new(&mut body, flate2::Compression::fast());
            enc.write_all(&buf)?;
            enc.finish()?;
        } else {
            body.extend_from_slice(&buf);
        }
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{BOUNDARY}--\r\n")?;
    let len = body.len();
    let resp = req
        .org
        .upload_chunks(&req.options.url)
        .body(body, &format!("multipart/form-data; boundary={BOUNDARY}"))
        .send_raw()
        .map_err(api_error)?;
    match resp.status() {
        413 => Err(CliError::new(
            exit::API,
            format!(
                "The server refused a chunk upload of {len} bytes as too large (413); its maxRequestSize is {} bytes. \
                 A proxy in front of it may have a lower body limit.",
                opts.max_request_size
            ),
        )),
        301 | 302 => Err(CliError::new(exit::API, "Chunk upload was redirected: project not found.")),
        s if s >= 400 => {
            let v: Value = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
            Err(CliError::new(exit::API, format!("Chunk upload failed: {s} {}", detail(&v))))
        }
        _ => Ok(raw_total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_limits() {
        let opts = ServerOptions {
            url: String::new(),
            chunk_size: 1024,
            chunks_per_request: 3,
            max_request_size: 2500,
            max_file_size: 1 << 30,
            max_wait: 0,
            concurrency: 1,
            gzip: true,
        };
        let c = |size| Chunk {
            sha1: String::new(),
            offset: 0,
            size,
        };
        let todo = vec![c(1024), c(1024), c(1024), c(1024), c(147)];
        // 2500 bytes hold two full chunks; the last full one and the small tail fit together.
        let b = batches(&todo, &opts, 1);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 3]);
        let b = batches(
            &todo,
            &ServerOptions {
                max_request_size: 1 << 20,
                ..opts.clone()
            },
            1,
        );
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 2]);
        let b = batches(
            &todo,
            &ServerOptions {
                max_request_size: 1 << 20,
                ..opts
            },
            8,
        );
        assert_eq!(b.len(), 5);
    }

    #[test]
    fn paths() {
        assert_eq!(bundle_path("~/a/b.js"), "_/_/a/b.js");
        assert_eq!(bundle_path("http://x/a.js"), "_/http://x/a.js");
    }
}
