//! The opt-in request log of `sentry local serve --log-requests`: one line per answered
//! request, for people debugging how their SDK or CLI talks to the server.
//!
//! A line holds the method, the path with its query, the status and the time to the response
//! head (a `/stream` subscription counts as answered once its stream starts). Rule: it never
//! holds a header, so no `Authorization` value, and no body. The server prints nothing
//! itself; the embedding program gets each [`RequestLine`] through the callback.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// One answered request.
#[derive(Debug, Clone)]
pub struct RequestLine {
    pub method: String,
    /// Path and query as requested (`/api/0/organizations/?per_page=100`).
    pub path: String,
    pub status: u16,
    pub duration: Duration,
}

impl fmt::Display for RequestLine {
    /// `GET /api/0/organizations/ 200 3ms`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}ms",
            self.method,
            self.path,
            self.status,
            self.duration.as_millis()
        )
    }
}

/// Where the request log goes.
#[derive(Clone)]
pub struct RequestLog(Arc<dyn Fn(&RequestLine) + Send + Sync>);

impl RequestLog {
    pub fn new(f: impl Fn(&RequestLine) + Send + Sync + 'static) -> Self {
        RequestLog(Arc::new(f))
    }
}

impl fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestLog")
    }
}

pub(crate) async fn middleware(
    State(log): State<RequestLog>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), |p| p.to_string());
    let resp = next.run(req).await;
    (log.0)(&RequestLine {
        method,
        path,
        status: resp.status().as_u16(),
        duration: started.elapsed(),
    });
    resp
}
