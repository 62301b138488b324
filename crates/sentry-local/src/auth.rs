//! Bearer-token authentication and scope checks of REST API requests.
//!
//! Every route under `/api/0` declares a [`Need`] (see [`crate::routing`]); the guard layer
//! in front of its handler authenticates the token and checks the scope before the handler
//! runs, in Sentry's order: 401 for a missing, unknown or expired token, then 403 for a token
//! without the scope. The handler reads the caller with the [`Authed`] extractor.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension};

use crate::db::now_ms;
use crate::error::ApiError;
use crate::state::AppState;

/// The caller of an authenticated API route.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user_id: Option<i64>,
    /// Set for org tokens: they can only see their own organization.
    pub org_id: Option<i64>,
    pub scopes: Vec<String>,
}

impl Authed {
    /// True when the token carries `scope` or a stronger scope of the same resource
    /// (`x:admin` ⊇ `x:write` ⊇ `x:read`), as Sentry's permission classes list them.
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

    /// True when the token carries one of `scopes`.
    pub fn has_any(&self, scopes: &[&str]) -> bool {
        scopes.iter().any(|s| self.has_scope(s))
    }
}

/// What a route demands of its caller, per method. Sentry's permission classes reduced to
/// what they check on a token: one scope out of a set.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Need {
    /// No token needed (the API index). A token that is sent must still be valid.
    Anyone,
    /// Any valid token; Sentry checks no scope (the user's own data, the org list).
    Token,
    /// A token with one of these scopes (stronger levels of the same resource count).
    AnyOf(&'static [&'static str]),
}

/// The scope sets of Sentry's permission classes for the endpoints this server has.
pub(crate) mod needs {
    use super::Need::{self, AnyOf};

    // OrganizationPermission
    pub const ORG_READ: Need = AnyOf(&["org:read"]);
    pub const ORG_WRITE: Need = AnyOf(&["org:write"]);
    pub const ORG_ADMIN: Need = AnyOf(&["org:admin"]);
    // OrganizationEventPermission, GroupPermission, ProjectEventPermission
    pub const EVENT_READ: Need = AnyOf(&["event:read"]);
    pub const EVENT_WRITE: Need = AnyOf(&["event:write"]);
    pub const EVENT_ADMIN: Need = AnyOf(&["event:admin"]);
    // ProjectPermission, TeamProjectPermission, project keys and environments
    pub const PROJECT_READ: Need = AnyOf(&["project:read"]);
    pub const PROJECT_WRITE: Need = AnyOf(&["project:write"]);
    pub const PROJECT_ADMIN: Need = AnyOf(&["project:admin"]);
    // TeamPermission
    pub const TEAM_READ: Need = AnyOf(&["team:read"]);
    // OrganizationTeamsPermission: creating a team
    pub const TEAM_CREATE: Need = AnyOf(&["org:write", "team:write"]);
    // OrganizationTeamMemberPermission: joining a team
    pub const TEAM_JOIN: Need = AnyOf(&["org:read", "team:write"]);
    // OrganizationReleasePermission (releases, deploys, commits, chunk upload, assemble)
    pub const RELEASE_READ: Need = AnyOf(&["project:read", "project:releases", "org:ci"]);
    pub const RELEASE_WRITE: Need = AnyOf(&["project:write", "project:releases", "org:ci"]);
    pub const RELEASE_DELETE: Need = AnyOf(&["project:admin", "project:releases"]);
    // OrganizationIntegrationsLoosePermission (repositories)
    pub const REPO_READ: Need = AnyOf(&["org:read", "org:integrations", "org:ci"]);
    pub const REPO_WRITE: Need = AnyOf(&["org:read", "org:integrations"]);
    // OrganizationMonitorPermission: org:read for every method
    pub const MONITOR: Need = AnyOf(&["org:read"]);
}

/// The bearer token of a request: `None` without an `Authorization: Bearer` header,
/// `Some("")` for a bearer header with nothing in it.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

/// Looks a bearer token up: 401 for unknown and expired tokens, as Sentry words them.
pub(crate) fn lookup_token(c: &Connection, token: &str) -> Result<Authed, ApiError> {
    let row = c
        .prepare_cached(
            "SELECT user_id, org_id, scopes, expires_at FROM api_tokens WHERE token = ?1",
        )?
        .query_row([token], |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })
        .optional()?;
    let Some((user_id, org_id, scopes, expires_at)) = row else {
        return Err(ApiError::invalid_token());
    };
    if expires_at.is_some_and(|e| e <= now_ms()) {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "Token expired"));
    }
    Ok(Authed {
        user_id,
        org_id,
        scopes: scopes.split_whitespace().map(str::to_string).collect(),
    })
}

/// The needs of one path, per method; built by [`crate::routing`].
#[derive(Clone)]
pub(crate) struct Guard {
    pub state: AppState,
    pub needs: std::sync::Arc<[(Method, Need)]>,
}

impl Guard {
    fn need(&self, method: &Method) -> Option<Need> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.needs
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, n)| *n)
    }
}

/// Route layer of every API route: authenticates, checks the route's [`Need`] and hands the
/// caller to the handler as a request extension.
pub(crate) async fn guard(State(guard): State<Guard>, mut req: Request, next: Next) -> Response {
    // The method router answers 405 itself before this layer runs, so a method is known.
    let Some(need) = guard.need(req.method()) else {
        return ApiError::internal(format!("no scope declared for {}", req.method()))
            .into_response();
    };
    let token = bearer(req.headers()).map(str::to_string);
    let authed = match (token, need) {
        (None, Need::Anyone) => None,
        (Some(t), Need::Anyone) if t.is_empty() => None,
        (None, _) => return ApiError::unauthorized().into_response(),
        (Some(t), _) if t.is_empty() => return ApiError::unauthorized().into_response(),
        (Some(t), _) => match guard.state.db.call(move |c| lookup_token(c, &t)).await {
            Ok(a) => Some(a),
            Err(e) => return e.into_response(),
        },
    };
    if let (Need::AnyOf(scopes), Some(a)) = (need, &authed) {
        if !a.has_any(scopes) {
            return ApiError::forbidden().into_response();
        }
    }
    if let Some(a) = authed {
        req.extensions_mut().insert(a);
    }
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = ApiError;

    /// The caller the guard authenticated. Missing only on a route that was declared
    /// [`Need::Anyone`] and called without a token, which [`MaybeAuthed`] is for.
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Authed>()
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }
}

/// The caller of a [`Need::Anyone`] route, if a token was sent.
pub(crate) struct MaybeAuthed(pub Option<Authed>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuthed {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuthed(parts.extensions.get::<Authed>().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authed(scopes: &[&str]) -> Authed {
        Authed {
            user_id: None,
            org_id: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn stronger_levels_imply_weaker_ones_of_the_same_resource() {
        let a = authed(&["project:admin", "org:ci"]);
        assert!(a.has_scope("project:read") && a.has_scope("project:write"));
        assert!(a.has_scope("org:ci"));
        assert!(!a.has_scope("org:read"));
        assert!(!authed(&["event:read"]).has_scope("event:write"));
        assert!(authed(&["team:write"]).has_any(&["org:write", "team:write"]));
    }

    #[test]
    fn bearer_header_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer  abc ".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "bearer ".parse().unwrap());
        assert_eq!(bearer(&h), Some(""));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
