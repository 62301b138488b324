//! Chunked file upload and artifact-bundle assembly (`sentry sourcemap upload`,
//! `sentry-cli sourcemaps upload`).
//!
//! The protocol: the client reads the upload options, asks `assemble` which chunks the
//! server lacks, uploads those (multipart, one part per chunk named by its SHA-1, optionally
//! gzip-compressed), then calls `assemble` again. Chunks are verified against their names
//! and the assembled file against its checksum, so a client that splits or hashes wrongly
//! fails here exactly as it would against Sentry.

use std::io::Read;

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use rusqlite::{params, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{field_error, find_org, project_in_org, JsonBody};
use crate::auth::needs::{RELEASE_READ, RELEASE_WRITE};
use crate::auth::Authed;
use crate::db::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, post, ApiRouter};
use crate::state::AppState;

/// Chunk size offered to clients (Sentry's value).
pub const CHUNK_SIZE: usize = 8 * 1024 * 1024;
/// Chunks per multipart request offered to clients.
pub const CHUNKS_PER_REQUEST: usize = 64;
/// Largest multipart request accepted (uncompressed chunk bytes).
pub const MAX_REQUEST_SIZE: usize = 32 * 1024 * 1024;
/// Largest assembled file.
pub const MAX_FILE_SIZE: u64 = 2 * 1024 * 1024 * 1024;

/// Sentry's OrganizationReleasePermission, as for releases.
pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/chunk-upload/",
        get(RELEASE_READ, options)
            .post(RELEASE_WRITE, upload)
            // Multipart framing on top of the chunk bytes.
            .body_limit(MAX_REQUEST_SIZE + 1024 * 1024),
    )
    .route(
        "/organizations/{org}/artifactbundle/assemble/",
        post(RELEASE_WRITE, assemble),
    )
}

/// `POST …/artifactbundle/assemble/`.
#[derive(Deserialize)]
struct AssembleBody {
    checksum: Option<String>,
    #[serde(default)]
    chunks: Option<Vec<String>>,
    #[serde(default)]
    projects: Option<Vec<String>>,
    version: Option<String>,
    dist: Option<String>,
}

async fn options(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
) -> ApiResult<Json<Value>> {
    let slug = state.db.call(move |c| find_org(c, &auth, &org)).await?.slug;
    Ok(Json(json!({
        "url": format!("{}/api/0/organizations/{slug}/chunk-upload/", state.base_url),
        "chunkSize": CHUNK_SIZE,
        "chunksPerRequest": CHUNKS_PER_REQUEST,
        "maxFileSize": MAX_FILE_SIZE,
        "maxRequestSize": MAX_REQUEST_SIZE,
        "concurrency": 8,
        "hashAlgorithm": "sha1",
        "compression": ["gzip"],
        "accept": ["artifact_bundles", "release_files", "sources"],
        "maxWait": 60,
    })))
}

pub fn sha1_hex(data: &[u8]) -> String {
    sha1_smol::Sha1::from(data).digest().to_string()
}

fn is_sha1(s: &str) -> bool {
    s.len() == 40
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

async fn upload(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    mut multipart: Multipart,
) -> ApiResult<Json<Value>> {
    let org_id = state.db.call(move |c| find_org(c, &auth, &org)).await?.id;
    let mut chunks: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0usize;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(format!("Invalid multipart body: {e}")))?
    {
        let gzip = match field.name() {
            Some("file") => false,
            Some("file_gzip") => true,
            _ => continue,
        };
        let name = field.file_name().unwrap_or_default().to_ascii_lowercase();
        if !is_sha1(&name) {
            return Err(ApiError::bad_request(
                "Each chunk needs its SHA-1 as the file name",
            ));
        }
        let raw = field
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid multipart body: {e}")))?;
        let data = if gzip {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .take(CHUNK_SIZE as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| ApiError::bad_request(format!("Invalid gzip chunk {name}: {e}")))?;
            out
        } else {
            raw.to_vec()
        };
        if data.len() > CHUNK_SIZE {
            return Err(ApiError::bad_request(format!(
                "Chunk {name} is larger than {CHUNK_SIZE} bytes"
            )));
        }
        total += data.len();
        if total > MAX_REQUEST_SIZE {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request is larger than maxRequestSize",
            ));
        }
        let actual = sha1_hex(&data);
        if actual != name {
            return Err(ApiError::bad_request(format!(
                "Checksum mismatch for chunk {name}: got {actual}"
            )));
        }
        chunks.push((name, data));
    }
    let stored: Vec<String> = chunks.iter().map(|(n, _)| n.clone()).collect();
    state.db.call(move |c| {
        let tx = c.transaction()?;
        for (name, data) in &chunks {
            tx.execute(
                "INSERT OR IGNORE INTO file_chunks (org_id, checksum, data, date_created) VALUES (?1, ?2, ?3, ?4)",
                params![org_id, name, data, now_iso()],
            )?;
        }
        tx.commit()?;
        Ok(())
    })
    .await?;
    Ok(Json(json!({ "checksums": stored })))
}

/// `POST …/artifactbundle/assemble/`: reports missing chunks, or assembles, verifies and
/// stores the bundle. Assembly is synchronous, so the answer after the last chunk arrived
/// is `ok` straight away (Sentry may say `created`/`assembling` first; clients poll on).
async fn assemble(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    JsonBody(body): JsonBody<AssembleBody>,
) -> ApiResult<Json<Value>> {
    let checksum = body
        .checksum
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| is_sha1(c))
        .ok_or_else(|| field_error("checksum", "A SHA-1 checksum is required."))?;
    let chunks: Vec<String> = body
        .chunks
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if chunks.iter().any(|c| !is_sha1(c)) {
        return Err(field_error(
            "chunks",
            "Each chunk must be a SHA-1 checksum.",
        ));
    }
    let project_names = body.projects.unwrap_or_default();
    let release = body.version.filter(|v| !v.is_empty());
    let dist = body.dist;
    state.db.call(move |c| {
        let org_id = find_org(c, &auth, &org)?.id;
        let mut projects = Vec::new();
        for p in &project_names {
            projects.push(project_in_org(c, org_id, p).map(|p| p.id).map_err(|_| {
                ApiError::new(StatusCode::NOT_FOUND, format!("Project not found: {p}"))
            })?);
        }
        let existing: Option<i64> = c
            .query_row(
                "SELECT id FROM artifact_bundles WHERE org_id = ?1 AND checksum = ?2",
                params![org_id, checksum],
                |r| r.get(0),
            )
            .optional()?;
        if existing.is_some() {
            return Ok(Json(json!({"state": "ok", "missingChunks": []})));
        }
        let mut missing: Vec<String> = Vec::new();
        for chunk in &chunks {
            let have: Option<i64> = c
                .query_row(
                    "SELECT 1 FROM file_chunks WHERE org_id = ?1 AND checksum = ?2",
                    params![org_id, chunk],
                    |r| r.get(0),
                )
                .optional()?;
            if have.is_none() && !missing.contains(chunk) {
                missing.push(chunk.clone());
            }
        }
        if !missing.is_empty() || chunks.is_empty() {
            return Ok(Json(json!({"state": "not_found", "missingChunks": missing})));
        }
        let mut data: Vec<u8> = Vec::new();
        for chunk in &chunks {
            let part: Vec<u8> = c.query_row(
                "SELECT data FROM file_chunks WHERE org_id = ?1 AND checksum = ?2",
                params![org_id, chunk],
                |r| r.get(0),
            )?;
            data.extend_from_slice(&part);
            if data.len() as u64 > MAX_FILE_SIZE {
                return Ok(Json(error_state("File exceeds maxFileSize")));
            }
        }
        if sha1_hex(&data) != checksum {
            return Ok(Json(error_state("Reported checksum mismatch")));
        }
        // sentry-cli 3.x and sentry 0.49 send a source bundle (`SYSB` header, then a zip);
        // a bare zip is accepted too.
        let files = match crate::sourcemaps::read_manifest(&data) {
            Ok(files) => files,
            Err(e) => return Ok(Json(error_state(&format!("Invalid artifact bundle: {e}")))),
        };
        let tx = c.transaction()?;
        tx.execute(
            "INSERT INTO artifact_bundles (org_id, checksum, projects, release, dist, size, data, date_created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                org_id,
                checksum,
                json!(projects).to_string(),
                release,
                dist,
                data.len() as i64,
                data,
                now_iso()
            ],
        )?;
        let bundle_id = tx.last_insert_rowid();
        crate::sourcemaps::index_bundle(&tx, bundle_id, org_id, &files)?;
        // The chunks now live in the bundle.
        {
            let mut del = tx.prepare_cached(
                "DELETE FROM file_chunks WHERE org_id = ?1 AND checksum = ?2",
            )?;
            for chunk in &chunks {
                del.execute(params![org_id, chunk])?;
            }
        }
        tx.commit()?;
        Ok(Json(json!({"state": "ok", "missingChunks": []})))
    })
    .await
}

fn error_state(detail: &str) -> Value {
    json!({"state": "error", "missingChunks": [], "detail": detail})
}
