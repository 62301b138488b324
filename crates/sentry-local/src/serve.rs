//! The one accept loop, used by the background server of tests and `local run`
//! ([`crate::start`]) and by the foreground `sentry local serve` ([`serve_forever`]).
//!
//! It runs its own loop instead of `axum::serve` for two reasons. Test servers must be able
//! to reset a connection ([`ConnKill`]): each of their connections keeps a duplicate of its
//! socket, and pulling the switch sets `SO_LINGER` to zero and closes it, so the kernel sends
//! a RST instead of a FIN — what a crashing proxy does. And graceful shutdown is bounded, so
//! that a client holding a response open cannot keep the server alive.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::sync::watch;

use crate::db::Db;
use crate::faults::ConnKill;
use crate::server::{base_url, dsn_for, router, ServerConfig};
use crate::state::AppState;

/// How long in-flight connections get to finish after shutdown was requested.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

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

/// Serves `state`'s router on `listener` until `shutdown` resolves; then ends `/stream`
/// subscriptions, stops accepting and gives in-flight requests [`SHUTDOWN_GRACE`].
pub(crate) async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let killable = state.config.test_control;
    let closing = state.closing.clone();
    let app = router(state);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
        };
        let (stream, peer) = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                log::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tasks.spawn(serve_connection(
            stream,
            peer,
            app.clone(),
            killable,
            stop_rx.clone(),
        ));
    }
    closing.send_replace(true);
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    killable: bool,
    mut stop: watch::Receiver<bool>,
) {
    // A second descriptor for the same socket, to set SO_LINGER on it when killing.
    let dup = killable
        .then(|| socket2::SockRef::from(&stream).try_clone().ok())
        .flatten();
    let kill = ConnKill::default();
    let notified = kill.0.clone();
    let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        if killable {
            req.extensions_mut().insert(kill.clone());
        }
        req.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        async move {
            let req = req.map(Body::new);
            let res: Result<Response, Infallible> =
                tower_service::Service::call(&mut app, req).await;
            res
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = notified.notified() => {
            if let Some(sock) = &dup {
                let _ = sock.set_linger(Some(Duration::ZERO));
            }
            // Dropping the connection (below) and `dup` closes the last descriptors: RST.
        }
        _ = async { let _ = stop.wait_for(|s| *s).await; } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.as_mut().await;
        }
    }
}

/// `sentry local serve`: opens storage, binds, announces through `on_ready` (the binary
/// decides how to print it) and serves until Ctrl-C (or SIGTERM on Unix).
pub async fn serve_forever(
    config: ServerConfig,
    on_ready: impl FnOnce(&ReadyInfo),
) -> std::io::Result<()> {
    // Opening (and migrating) the database blocks: not on an async worker.
    let path = config.data.clone();
    let (db, boot) = tokio::task::spawn_blocking(move || {
        let db = Db::open(path.as_deref())?;
        let boot = db.bootstrap().map_err(std::io::Error::other)?;
        Ok::<_, std::io::Error>((db, boot))
    })
    .await
    .map_err(std::io::Error::other)??;
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
    run(listener, state, shutdown_signal()).await;
    Ok(())
}

/// [`serve_forever`] on a runtime of its own, for callers that are not async.
pub fn serve_blocking(
    config: ServerConfig,
    on_ready: impl FnOnce(&ReadyInfo),
) -> std::io::Result<()> {
    runtime()?.block_on(serve_forever(config, on_ready))
}

/// The server's runtime: two workers are plenty, since SQLite work runs on the blocking pool
/// and the ingest writer thread, never on them.
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
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
