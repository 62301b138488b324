//! The one error type route handlers return, rendered the way Sentry renders API errors, and
//! the layer that logs internal errors.
//!
//! Rule: a client never sees why the server failed. [`ApiError::internal`] keeps the cause
//! (an SQL error, a failed task) for the log and answers Sentry's generic
//! `{"detail": "Internal Error"}`; [`log_internal_errors`] writes the cause to the log with the
//! request's method and path, which is where a person debugging the server looks.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An API error answered as `{"detail": "..."}` with the given status, as Sentry does.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    /// Why an internal error happened; logged, never sent.
    cause: Option<String>,
}

/// The body text of every 500, as Sentry words it.
pub const INTERNAL_ERROR_DETAIL: &str = "Internal Error";

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            cause: None,
        }
    }
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "The requested resource does not exist",
        )
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Authentication credentials were not provided.",
        )
    }
    pub fn invalid_token() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Invalid token")
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "You do not have permission to perform this action.",
        )
    }
    /// A failure of the server itself. `cause` goes to the log only; the client gets the
    /// generic [`INTERNAL_ERROR_DETAIL`].
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: INTERNAL_ERROR_DETAIL.to_string(),
            cause: Some(cause.to_string()),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::QueryReturnedNoRows => Self::not_found(),
            other => Self::internal(other),
        }
    }
}

/// The cause of an internal error, carried on the response from the handler to
/// [`log_internal_errors`] (response extensions are never sent).
#[derive(Clone)]
struct InternalCause(Arc<str>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            Json(serde_json::json!({ "detail": self.detail })),
        )
            .into_response();
        if let Some(cause) = self.cause {
            resp.extensions_mut().insert(InternalCause(cause.into()));
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Outermost layer: logs every internal error with the request it answered
/// (`GET /api/0/organizations/local/teams/ → 500: no such table: teams`).
pub(crate) async fn log_internal_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut resp = next.run(req).await;
    if let Some(InternalCause(cause)) = resp.extensions_mut().remove::<InternalCause>() {
        log::error!("{method} {path} → {}: {cause}", resp.status().as_u16());
    }
    resp
}
