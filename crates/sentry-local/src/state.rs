//! Shared state handed to every route handler.

use std::sync::Arc;

use crate::db::Db;
use crate::server::ServerConfig;

/// Cloned into every handler; cheap because everything inside is reference counted. The
/// fields tests look at (`db`, `hooks`, `stream`) are public through
/// [`crate::RunningServer::state`]; the rest is the server's own.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub(crate) config: Arc<ServerConfig>,
    /// The externally visible base URL (`http://127.0.0.1:PORT`), known only after binding.
    pub(crate) base_url: Arc<str>,
    /// Fault rules, request log and counters of the test control plane (`/_test/...`).
    pub hooks: Arc<crate::faults::TestHooks>,
    /// Writer thread that commits ingested envelopes in batches.
    pub(crate) ingest: crate::ingest::IngestQueue,
    /// Every ingested envelope is published here for `GET /stream` subscribers (live, and
    /// kept a while for those resuming with `Last-Event-ID`).
    pub stream: Arc<crate::stream::StreamHub>,
    /// Set to `true` on shutdown so long-lived `/stream` responses end and graceful shutdown
    /// does not wait for them forever.
    pub(crate) closing: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    /// The one place the shared state is assembled (starting the ingest writer thread), so
    /// `start` and `serve_forever` cannot drift apart when a field is added.
    pub(crate) fn new(db: Db, config: ServerConfig, base_url: &str) -> AppState {
        AppState {
            ingest: crate::ingest::IngestQueue::spawn(db.clone()),
            db,
            config: Arc::new(config),
            base_url: base_url.into(),
            hooks: Default::default(),
            stream: Default::default(),
            closing: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }
}
