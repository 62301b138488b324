//! Chunked file upload and artifact-bundle assembly (`sentry sourcemap upload`,
//! `sentry-cli sourcemaps upload`).
//!
//! The protocol: the client reads the upload options, asks `assemble` which chunks the
//! server lacks, uploads those (multipart, one part per chunk named by its SHA-1, optionally
//! gzip-compressed), then calls `assemble` again. Chunks are verified against their names
//! and the assembled file against its checksum, so a client that splits or hashes wrongly
//! fails here exactly as it would against Sentry.

use std::io::Read;

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use crate::api::releases::WRITE_SCOPES;
use crate::api::{field_error, find_org, project_in_org};
use crate::auth::Authed;
use crate::db::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS file_chunks (
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- lower-case hex SHA-1 of the (uncompressed) chunk
    checksum TEXT NOT NULL,
    data BLOB NOT NULL,
    date_created TEXT NOT NULL,
    PRIMARY KEY (org_id, checksum)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS artifact_bundles (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    checksum TEXT NOT NULL,
    -- JSON array of project ids
    projects TEXT NOT NULL,
    release TEXT,
    dist TEXT,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    date_created TEXT NOT NULL,
    UNIQUE (org_id, checksum)
);
"#;

/// Chunk size offered to clients (Sentry's value).
pub const CHUNK_SIZE: usize = 8 * 1024 * 1024;
/// Chunks per multipart request offered to clients.
pub const CHUNKS_PER_REQUEST: usize = 64;
/// Largest multipart request accepted (uncompressed chunk bytes).
pub const MAX_REQUEST_SIZE: usize = 32 * 1024 * 1024;
/// Largest assembled file.
pub const MAX_FILE_SIZE: u64 = 2 * 1024 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/0/organizations/{org}/chunk-upload/",
            get(options)
                .post(upload)
                // Multipart framing on top of the chunk bytes.
                .layer(DefaultBodyLimit::max(MAX_REQUEST_SIZE + 1024 * 1024)),
        )
        .route(
            "/api/0/organizations/{org}/artifactbundle/assemble/",
            post(assemble),
        )
}

async fn options(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.require_any(WRITE_SCOPES)?;
    let slug = state.db.with(|c| find_org(c, &auth, &org))?.slug;
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
    auth.require_any(WRITE_SCOPES)?;
    let org_id = state.db.with(|c| find_org(c, &auth, &org))?.id;
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
    state.db.with(|c| -> ApiResult<()> {
        let tx = c.transaction()?;
        for (name, data) in &chunks {
            tx.execute(
                "INSERT OR IGNORE INTO file_chunks (org_id, checksum, data, date_created) VALUES (?1, ?2, ?3, ?4)",
                params![org_id, name, data, now_iso()],
            )?;
        }
        tx.commit()?;
        Ok(())
    })?;
    Ok(Json(json!({ "checksums": stored })))
}

fn string_list(body: &Value, field: &str) -> ApiResult<Vec<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| field_error(field, "Expected a list of strings."))
            })
            .collect(),
        Some(_) => Err(field_error(field, "Expected a list of strings.")),
    }
}

/// `POST …/artifactbundle/assemble/`: reports missing chunks, or assembles, verifies and
/// stores the bundle. Assembly is synchronous, so the answer after the last chunk arrived
/// is `ok` straight away (Sentry may say `created`/`assembling` first; clients poll on).
async fn assemble(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    auth.require_any(WRITE_SCOPES)?;
    let checksum = body
        .get("checksum")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .filter(|c| is_sha1(c))
        .ok_or_else(|| field_error("checksum", "A SHA-1 checksum is required."))?;
    let chunks: Vec<String> = string_list(&body, "chunks")?
        .into_iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if chunks.iter().any(|c| !is_sha1(c)) {
        return Err(field_error(
            "chunks",
            "Each chunk must be a SHA-1 checksum.",
        ));
    }
    let project_names = string_list(&body, "projects")?;
    let release = body
        .get("version")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    let dist = body.get("dist").and_then(Value::as_str).map(str::to_string);
    state.db.with(|c| -> ApiResult<Json<Value>> {
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
        if !data.starts_with(b"PK\x03\x04") {
            return Ok(Json(error_state("Invalid artifact bundle: not a zip archive")));
        }
        c.execute(
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
        Ok(Json(json!({"state": "ok", "missingChunks": []})))
    })
}

fn error_state(detail: &str) -> Value {
    json!({"state": "error", "missingChunks": [], "detail": detail})
}
