//! SDK ingest: `POST /api/{project_id}/envelope/`, the legacy `POST /api/{project_id}/store/`
//! and Spotlight's `POST /stream`.
//!
//! Parsing and decompression happen on the request task; storage goes through one writer
//! thread that commits whatever envelopes are waiting in a single transaction (group commit).
//! That keeps the DB mutex held for one short batch instead of once per envelope, while each
//! request still waits until its data is committed, so a read right after a send sees it.

use std::collections::HashMap;
use std::io::Read;
use std::sync::mpsc;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use rusqlite::OptionalExtension;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::db::{now_ms, Db};
use crate::envelope::{self, Envelope, Item};
use crate::error::ApiError;
use crate::events;
use crate::state::AppState;

/// Content type of envelopes, also the SSE event name under which `/stream` relays them.
pub const ENVELOPE_CONTENT_TYPE: &str = "application/x-sentry-envelope";

/// Envelopes the writer commits per transaction at most, so readers never wait long.
const MAX_BATCH: usize = 512;

struct Job {
    project_id: i64,
    /// DSN public key the writer checks against `project_id` before storing. Checking there,
    /// inside the batch transaction, spares each request a DB lock of its own.
    key: Option<String>,
    envelope: events::PreparedEnvelope,
    received_ms: i64,
    reply: oneshot::Sender<Result<Option<String>, ApiError>>,
}

/// Handle to the ingest writer thread. Cloned into the app state; the thread ends when the
/// last clone is dropped.
#[derive(Clone)]
pub struct IngestQueue {
    tx: mpsc::Sender<Job>,
}

impl IngestQueue {
    /// Spawns the writer thread for `db`.
    pub fn spawn(db: Db) -> IngestQueue {
        let (tx, rx) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("sentry-local-ingest".into())
            .spawn(move || writer_loop(db, rx));
        if let Err(e) = spawned {
            log::error!("cannot start the ingest writer: {e}");
        }
        IngestQueue { tx }
    }

    /// Stores an envelope and waits for the commit. Returns the event id to answer with.
    /// Parsing, grouping and serializing happen here, on the caller's task, so that only SQL
    /// is left for the single writer thread.
    pub async fn submit(
        &self,
        project_id: i64,
        envelope: &Envelope,
    ) -> Result<Option<String>, ApiError> {
        self.enqueue(project_id, None, envelope).await
    }

    /// Like [`IngestQueue::submit`], but stores only if `key` is an active DSN key of
    /// `project_id`, answering 403 as Relay does otherwise.
    pub async fn submit_with_key(
        &self,
        project_id: i64,
        key: String,
        envelope: &Envelope,
    ) -> Result<Option<String>, ApiError> {
        self.enqueue(project_id, Some(key), envelope).await
    }

    async fn enqueue(
        &self,
        project_id: i64,
        key: Option<String>,
        envelope: &Envelope,
    ) -> Result<Option<String>, ApiError> {
        let received_ms = now_ms();
        let envelope = events::prepare_envelope(envelope, received_ms);
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job {
                project_id,
                key,
                envelope,
                received_ms,
                reply,
            })
            .map_err(|_| ApiError::internal("ingest writer is not running"))?;
        rx.await
            .unwrap_or_else(|_| Err(ApiError::internal("ingest writer stopped")))
    }
}

fn writer_loop(db: Db, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results: Result<Vec<Result<Option<String>, ApiError>>, String> = db.with(|c| {
            let mut tx = c.transaction().map_err(|e| e.to_string())?;
            let mut out = Vec::with_capacity(batch.len());
            for job in &batch {
                if let Some(key) = &job.key {
                    if let Err(e) = check_key(&tx, job.project_id, key) {
                        out.push(Err(e));
                        continue;
                    }
                }
                // A savepoint per envelope: one bad envelope must not undo its neighbours.
                let r = (|| {
                    let sp = tx.savepoint()?;
                    let id = events::store_prepared(
                        &sp,
                        job.project_id,
                        &job.envelope,
                        job.received_ms,
                    )?;
                    sp.commit()?;
                    Ok::<_, rusqlite::Error>(id)
                })();
                out.push(r.map_err(ApiError::internal));
            }
            tx.commit().map_err(|e| e.to_string())?;
            Ok(out)
        });
        match results {
            Ok(rs) => {
                for (job, r) in batch.into_iter().zip(rs) {
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                for job in batch {
                    let _ = job.reply.send(Err(ApiError::internal(&e)));
                }
            }
        }
    }
}

/// A received envelope as relayed to `/stream` subscribers.
#[derive(Debug, Clone)]
pub struct StreamMessage {
    pub content_type: String,
    /// The envelope's event id (SSE `id:`), empty when it has none.
    pub id: String,
    pub body: Arc<Vec<u8>>,
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/{project_id}/envelope/", post(envelope_endpoint))
        .route("/api/{project_id}/envelope", post(envelope_endpoint))
        .route("/api/{project_id}/store/", post(store_endpoint))
        .route("/api/{project_id}/store", post(store_endpoint))
        .route("/stream", post(stream_post))
        // Ingest enforces `max_body_bytes` itself, after decompression too.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(cors))
}

/// True for `http(s)://localhost`, `127.0.0.1` and `[::1]` origins (any port): browser SDKs
/// of apps under development may send here, nothing else may read the answers.
fn is_local_origin(origin: &str) -> bool {
    url::Url::parse(origin).ok().is_some_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && matches!(
                u.host_str(),
                Some("localhost" | "127.0.0.1" | "[::1]" | "::1")
            )
    })
}

/// CORS for ingest and `/stream`, limited to local origins, including preflights.
pub async fn cors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| is_local_origin(o))
        .map(str::to_string);
    let preflight = req.method() == axum::http::Method::OPTIONS;
    let mut resp = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    if let Some(origin) = origin.and_then(|o| axum::http::HeaderValue::from_str(&o).ok()) {
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::VARY, axum::http::HeaderValue::from_static("Origin"));
        if preflight {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                axum::http::HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                axum::http::HeaderValue::from_static(
                    "content-type, content-encoding, x-sentry-auth, sentry-trace, baggage",
                ),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                axum::http::HeaderValue::from_static("86400"),
            );
        }
    }
    resp
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
}

/// Reads the body up to `limit` bytes and undoes `Content-Encoding`, capping the decompressed
/// size too so that a small gzip bomb is answered with 413 rather than filling memory.
async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Vec<u8>, ApiError> {
    let raw: Bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    decode(&raw, &encoding, limit)
}

fn read_capped(mut r: impl Read, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    (&mut r)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| ApiError::bad_request(format!("invalid compressed body: {e}")))?;
    if out.len() > limit {
        return Err(too_large());
    }
    Ok(out)
}

/// Decodes one `Content-Encoding`. `deflate` accepts both zlib-wrapped and raw streams,
/// because SDKs disagree on which one the name means.
pub fn decode(raw: &[u8], encoding: &str, limit: usize) -> Result<Vec<u8>, ApiError> {
    match encoding {
        "" | "identity" => Ok(raw.to_vec()),
        "gzip" | "x-gzip" => read_capped(flate2::read::MultiGzDecoder::new(raw), limit),
        "deflate" => {
            if raw.len() >= 2
                && (u16::from(raw[0]) << 8 | u16::from(raw[1])) % 31 == 0
                && raw[0] & 0x0f == 8
            {
                read_capped(flate2::read::ZlibDecoder::new(raw), limit)
            } else {
                read_capped(flate2::read::DeflateDecoder::new(raw), limit)
            }
        }
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("unsupported content encoding: {other}"),
        )),
    }
}

/// The `sentry_key` of a request: `X-Sentry-Auth`, `Authorization: Sentry ...`, or the query.
fn sentry_key(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    for name in ["x-sentry-auth", "authorization"] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            let v = v.trim();
            let Some(rest) = v
                .strip_prefix("Sentry ")
                .or_else(|| v.strip_prefix("sentry "))
            else {
                continue;
            };
            for part in rest.split(',') {
                if let Some((k, val)) = part.trim().split_once('=') {
                    if k.trim() == "sentry_key" && !val.trim().is_empty() {
                        return Some(val.trim().to_string());
                    }
                }
            }
        }
    }
    query.get("sentry_key").filter(|s| !s.is_empty()).cloned()
}

/// Public key of a DSN (`scheme://key[:secret]@host/...`).
fn dsn_public_key(dsn: &str) -> Option<String> {
    let url = url::Url::parse(dsn).ok()?;
    Some(url.username().to_string()).filter(|u| !u.is_empty())
}

/// The checks of a DSN key that need no database: one was sent, and the project id of the
/// URL is a number.
fn key_credentials(project_id: &str, key: Option<String>) -> Result<(i64, String), ApiError> {
    let Some(key) = key else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing authorization information",
        ));
    };
    let project_id: i64 = project_id
        .parse()
        .map_err(|_| ApiError::bad_request("invalid project id"))?;
    Ok((project_id, key))
}

/// Checks that `key` is an active key of `project_id`, answering as Relay does otherwise.
async fn authorize_key(
    state: &AppState,
    project_id: &str,
    key: Option<String>,
) -> Result<i64, ApiError> {
    let (project_id, key) = key_credentials(project_id, key)?;
    state.db.call(move |c| check_key(c, project_id, &key)).await
}

/// The database half of [`authorize_key`]; the ingest writer runs it inside its batch.
fn check_key(c: &rusqlite::Connection, project_id: i64, key: &str) -> Result<i64, ApiError> {
    let row: Option<(i64, bool)> = c
        .prepare_cached("SELECT project_id, is_active FROM project_keys WHERE public_key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        Some((pid, true)) if pid == project_id => Ok(pid),
        Some((_, false)) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "event submission rejected with_reason: DisabledKey",
        )),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "event submission rejected with_reason: ProjectId",
        )),
    }
}

fn broadcast(state: &AppState, env: &Envelope) {
    if !state.stream.wanted() {
        return;
    }
    state.stream.publish(StreamMessage {
        content_type: ENVELOPE_CONTENT_TYPE.into(),
        id: env.event_id().unwrap_or_default(),
        body: Arc::new(env.to_bytes()),
    });
}

async fn envelope_endpoint(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(body, &headers, state.config.max_body_bytes).await?;
    let env = envelope::parse(&bytes).map_err(ApiError::bad_request)?;
    // Relay also accepts the DSN in the envelope header as authentication.
    let key = sentry_key(&headers, &query).or_else(|| {
        env.header
            .get("dsn")
            .and_then(Value::as_str)
            .and_then(dsn_public_key)
    });
    let (pid, key) = key_credentials(&project_id, key)?;
    let id = state.ingest.submit_with_key(pid, key, &env).await?;
    broadcast(&state, &env);
    Ok(Json(id_body(id)).into_response())
}

fn id_body(id: Option<String>) -> Value {
    match id {
        Some(id) => json!({ "id": id }),
        None => json!({}),
    }
}

/// Legacy single-event JSON. Old SDKs send it base64-encoded and zlib-compressed.
async fn store_endpoint(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let key = sentry_key(&headers, &query);
    let pid = authorize_key(&state, &project_id, key).await?;
    let limit = state.config.max_body_bytes;
    let mut bytes = read_body(body, &headers, limit).await?;
    let trimmed = bytes.trim_ascii_start();
    if !trimmed.starts_with(b"{") {
        use base64::Engine;
        if let Ok(zipped) = base64::engine::general_purpose::STANDARD.decode(bytes.trim_ascii()) {
            bytes = decode(&zipped, "deflate", limit)?;
        }
    }
    let mut ev = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(ApiError::bad_request("invalid event: not a JSON object")),
        Err(e) => return Err(ApiError::bad_request(format!("invalid event JSON: {e}"))),
    };
    let id = ev
        .get("event_id")
        .and_then(Value::as_str)
        .and_then(envelope::normalize_event_id)
        .unwrap_or_else(|| crate::db::random_hex(16));
    ev.insert("event_id".into(), Value::from(id.clone()));
    let payload = Value::Object(ev).to_string().into_bytes();
    let env = Envelope {
        header: [("event_id".to_string(), Value::from(id))]
            .into_iter()
            .collect(),
        items: vec![Item {
            header: [("type".to_string(), Value::from("event"))]
                .into_iter()
                .collect(),
            payload,
        }],
    };
    let id = state.ingest.submit(pid, &env).await?;
    broadcast(&state, &env);
    Ok(Json(id_body(id)).into_response())
}

/// Spotlight's ingest: no key needed. The envelope goes to the project its `dsn` header
/// names, else to the first project, and is relayed to every `/stream` subscriber.
async fn stream_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(body, &headers, state.config.max_body_bytes).await?;
    let env = envelope::parse(&bytes).map_err(ApiError::bad_request)?;
    let by_dsn = env
        .header
        .get("dsn")
        .and_then(Value::as_str)
        .and_then(dsn_public_key);
    let pid: Option<i64> = state
        .db
        .call(move |c| {
            let mut found = None;
            if let Some(k) = &by_dsn {
                found = c
                    .query_row(
                        "SELECT project_id FROM project_keys WHERE public_key = ?1",
                        [k],
                        |r| r.get(0),
                    )
                    .optional()?;
            }
            if found.is_none() {
                found = c
                    .query_row("SELECT id FROM projects ORDER BY id LIMIT 1", [], |r| {
                        r.get(0)
                    })
                    .optional()?;
            }
            Ok(found)
        })
        .await?;
    if let Some(pid) = pid {
        state.ingest.submit(pid, &env).await?;
    }
    broadcast(&state, &env);
    Ok(StatusCode::NO_CONTENT.into_response())
}
