//! Bearer-token authentication of REST API requests.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rusqlite::OptionalExtension;

use crate::db::now_ms;
use crate::error::ApiError;
use crate::state::AppState;

/// The caller of an authenticated API route. Extracting it rejects missing, unknown and
/// expired tokens with 401 exactly as Sentry words it.
#[derive(Debug, Clone)]
pub struct Authed {
    pub token: String,
    pub user_id: Option<i64>,
    /// Set for org tokens: they can only see their own organization.
    pub org_id: Option<i64>,
    pub kind: String,
    pub scopes: Vec<String>,
}

impl Authed {
    /// True when the token carries `scope` or a stronger scope of the same resource
    /// (`x:admin` ⊇ `x:write` ⊇ `x:read`).
    pub fn has_scope(&self, scope: &str) -> bool {
        let (resource, level) = scope.split_once(':').unwrap_or((scope, ""));
        let implied: &[&str] = match level {
            "read" => &["read", "write", "admin"],
            "write" => &["write", "admin"],
            _ => &[],
        };
        self.scopes.iter().any(|s| {
            s == scope
                || s.split_once(':')
                    .is_some_and(|(r, l)| r == resource && implied.contains(&l))
        })
    }

    /// 403 unless the token has `scope`; read-only tokens fail here on every write.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// 403 unless the token has one of `scopes`: Sentry's permission classes for releases,
    /// monitors and explore accept any scope of a set.
    pub fn require_any(&self, scopes: &[&str]) -> Result<(), ApiError> {
        if scopes.iter().any(|s| self.has_scope(s)) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// Looks a bearer token up; shared by the extractor and by routes that authenticate by hand.
pub fn lookup_token(state: &AppState, token: &str) -> Result<Authed, ApiError> {
    let row = state.db.with(|c| {
        c.query_row(
            "SELECT user_id, org_id, kind, scopes, expires_at FROM api_tokens WHERE token = ?1",
            [token],
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            },
        )
        .optional()
    })?;
    let Some((user_id, org_id, kind, scopes, expires_at)) = row else {
        return Err(ApiError::invalid_token());
    };
    if expires_at.is_some_and(|e| e <= now_ms()) {
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "Token expired",
        ));
    }
    Ok(Authed {
        token: token.to_string(),
        user_id,
        org_id,
        kind,
        scopes: scopes.split_whitespace().map(str::to_string).collect(),
    })
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        lookup_token(state, token)
    }
}
