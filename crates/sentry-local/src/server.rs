//! Configuration, routing and the background lifecycle of the local server.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::routing::get;
use axum::Router;
use tokio::sync::oneshot;

use crate::db::{Bootstrap, Db};
use crate::request_log::RequestLog;
use crate::state::AppState;

/// How to run the server. `data: None` keeps everything in memory (tests).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    pub data: Option<PathBuf>,
    /// Enables `/_test/...` control routes (fault injection, approving device codes).
    /// Never on for `sentry local serve`.
    pub test_control: bool,
    /// Lifetime of OAuth access tokens issued by the device flow.
    pub access_token_lifetime_secs: u64,
    /// How long a device code (and its user code) can be approved and polled.
    pub device_code_lifetime_secs: u64,
    /// Minimum seconds between device-code polls; faster polls get `slow_down`.
    pub device_poll_interval_secs: u64,
    /// How long a setup code (`sentry auth bootstrap`) can be redeemed after it is minted.
    pub setup_code_lifetime_secs: u64,
    /// Largest accepted request body (after decompression) for ingest.
    pub max_body_bytes: usize,
    /// Called once per answered request (`sentry local serve --log-requests`).
    pub request_log: Option<RequestLog>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8969,
            data: None,
            test_control: false,
            access_token_lifetime_secs: 8 * 3600,
            device_code_lifetime_secs: 600,
            device_poll_interval_secs: 5,
            setup_code_lifetime_secs: 600,
            max_body_bytes: 20 * 1024 * 1024,
            request_log: None,
        }
    }
}

impl ServerConfig {
    /// In-memory server on a free loopback port with the test control routes on.
    pub fn for_tests() -> Self {
        Self {
            port: 0,
            test_control: true,
            ..Self::default()
        }
    }
}

/// Builds the full router: the REST API under `/api/0`, next to the paths SDKs,
/// browsers and OAuth clients use (`/api/{project}/envelope/`, `/stream`, `/oauth/…`).
/// Test control routes and the fault layer exist only on test servers.
pub(crate) fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .route("/health", get(|| async { "OK" }))
        .merge(crate::api::router(&state))
        .merge(crate::oauth::routes())
        .merge(crate::ingest::routes())
        .merge(crate::stream::routes());
    if state.config.test_control {
        app = app.merge(crate::control::routes());
        app = crate::control_regions::install(app, &state);
        // The fault layer wraps everything so that tests can break any route.
        app = app.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::faults::middleware,
        ));
    }
    if let Some(log) = state.config.request_log.clone() {
        app = app.layer(axum::middleware::from_fn_with_state(
            log,
            crate::request_log::middleware,
        ));
    }
    app.layer(axum::middleware::from_fn(crate::error::log_internal_errors))
        .with_state(state)
}

/// A server running on its own runtime thread; dropping it shuts the server down.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub url: String,
    pub bootstrap: Bootstrap,
    /// The server's state, for tests that look inside (`state.db.with(...)`).
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningServer {
    /// The DSN of the bootstrap project, pointing at this server.
    pub fn dsn(&self) -> String {
        dsn_for(
            &self.url,
            &self.bootstrap.public_key,
            self.bootstrap.project_id,
        )
    }

    pub fn token(&self) -> &str {
        &self.bootstrap.token
    }

    /// Stops accepting connections and waits for in-flight requests to finish.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.state.closing.send_replace(true);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `http://<key>@host:port/<project id>`: the DSN an SDK needs to send to this server.
pub fn dsn_for(base_url: &str, public_key: &str, project_id: i64) -> String {
    let (scheme, rest) = base_url.split_once("://").unwrap_or(("http", base_url));
    format!(
        "{scheme}://{public_key}@{}/{project_id}",
        rest.trim_end_matches('/')
    )
}

/// Opens storage, binds the socket and serves on a background thread with its own tokio
/// runtime, so blocking callers (the CLI, tests) can use it without being async themselves.
pub fn start(config: ServerConfig) -> std::io::Result<RunningServer> {
    let db = Db::open(config.data.as_deref())?;
    let bootstrap = db.bootstrap().map_err(std::io::Error::other)?;
    let std_listener = std::net::TcpListener::bind((config.host.as_str(), config.port))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let url = base_url(&config.host, addr);
    let state = AppState::new(db, config, &url);
    let (tx, rx) = oneshot::channel::<()>();
    let rt = crate::serve::runtime()?;
    let serving = state.clone();
    let thread = std::thread::Builder::new()
        .name("sentry-local".into())
        .spawn(move || {
            rt.block_on(async move {
                match tokio::net::TcpListener::from_std(std_listener) {
                    Ok(listener) => {
                        crate::serve::run(listener, serving, async {
                            let _ = rx.await;
                        })
                        .await
                    }
                    Err(e) => log::error!("local server cannot listen: {e}"),
                }
            });
        })?;
    Ok(RunningServer {
        addr,
        url,
        bootstrap,
        state,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

/// `http://host:port` keeping the host the user asked for (`localhost` stays `localhost`, so
/// SDK DSNs and CORS origins match what they typed), with the port actually bound and IPv6
/// literals bracketed.
pub(crate) fn base_url(host: &str, addr: SocketAddr) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("http://[{host}]:{}", addr.port())
    } else {
        format!("http://{host}:{}", addr.port())
    }
}
