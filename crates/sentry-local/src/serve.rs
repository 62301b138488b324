//! Foreground serving for `sentry local serve`: bind, bootstrap, announce, run until Ctrl-C.
//!
//! Unlike [`crate::start`] (a background thread for tests and `local run`), this runs on the
//! caller's runtime and returns only on shutdown. It prints nothing itself: the binary decides
//! how to show the URL, token and DSN handed to `on_ready`.

use std::net::SocketAddr;

use crate::db::Db;
use crate::server::{base_url, dsn_for, router, ServerConfig};
use crate::state::AppState;

/// What a started server tells its user.
#[derive(Debug, Clone)]
pub struct ReadyInfo {
    pub addr: SocketAddr,
    /// Base URL for `SENTRY_URL` (`http://host:port`).
    pub url: String,
    /// The admin token (all scopes) of the bootstrap user.
    pub token: String,
    /// DSN of the bootstrap project.
    pub dsn: String,
    pub org_slug: String,
    pub project_slug: String,
    pub project_id: i64,
}

/// Serves until Ctrl-C (or SIGTERM on Unix), then stops accepting, ends `/stream`
/// subscriptions and waits for in-flight requests.
pub async fn serve_forever(
    config: ServerConfig,
    on_ready: impl FnOnce(&ReadyInfo),
) -> std::io::Result<()> {
    let db = Db::open(config.data.as_deref()).map_err(std::io::Error::other)?;
    let boot = db.bootstrap().map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
    let addr = listener.local_addr()?;
    let url = base_url(&config.host, addr);
    let state = AppState::new(db, config, &url);
    let info = ReadyInfo {
        addr,
        dsn: dsn_for(&url, &boot.public_key, boot.project_id),
        url,
        token: boot.token,
        org_slug: boot.org_slug,
        project_slug: boot.project_slug,
        project_id: boot.project_id,
    };
    on_ready(&info);
    let closing = state.closing.clone();
    let app = router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            closing.send_replace(true);
        })
        .await
}

/// [`serve_forever`] on a runtime of its own, for callers that are not async.
pub fn serve_blocking(
    config: ServerConfig,
    on_ready: impl FnOnce(&ReadyInfo),
) -> std::io::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(serve_forever(config, on_ready))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
