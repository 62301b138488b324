//! The `/api/0` router, built so that a route cannot exist without a declared scope.
//!
//! Feature modules add routes through [`ApiRouter::route`] with paths relative to
//! [`API_PREFIX`], which is joined to them here only. It takes nothing but [`Scoped`] method routers,
//! and those are only made by [`get`], [`post`], [`put`] and [`delete`] here, each of which
//! needs a [`Need`]. Each path gets one route layer ([`crate::auth::guard`]) that checks the
//! need of the request's method before the handler runs.
//!
//! The prefix is joined here rather than with `Router::nest`, because a nested `/` route
//! would answer `/api/0` but not the API index `/api/0/` that clients request, and nesting
//! hides the full path from handlers that build `Link` URLs.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};
use axum::Router;

use crate::auth::{Guard, Need};
use crate::state::AppState;

pub(crate) use sentry_wire::API_PREFIX;

/// Routes of the REST API, relative to [`API_PREFIX`].
pub(crate) struct ApiRouter {
    state: AppState,
    router: Router<AppState>,
}

impl ApiRouter {
    pub fn new(state: &AppState) -> Self {
        Self {
            state: state.clone(),
            router: Router::new(),
        }
    }

    /// Adds `path` (relative to [`API_PREFIX`], e.g. `/organizations/{org}/`) with its methods
    /// and the guard that enforces their needs.
    pub fn route(mut self, path: &str, methods: Scoped) -> Self {
        let guard = Guard {
            state: self.state.clone(),
            needs: methods.needs.into(),
        };
        let methods = methods
            .router
            .route_layer(axum::middleware::from_fn_with_state(
                guard,
                crate::auth::guard,
            ));
        self.router = self.router.route(&format!("{API_PREFIX}{path}"), methods);
        self
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// A method router whose every method has a [`Need`].
pub(crate) struct Scoped {
    router: MethodRouter<AppState>,
    needs: Vec<(Method, Need)>,
}

fn scoped<H, T>(method: Method, need: Need, handler: H) -> Scoped
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let router = match method {
        Method::POST => routing::post(handler),
        Method::PUT => routing::put(handler),
        Method::DELETE => routing::delete(handler),
        _ => routing::get(handler),
    };
    Scoped {
        router,
        needs: vec![(method, need)],
    }
}

/// `GET` (and `HEAD`) with the need of the route.
pub(crate) fn get<H, T>(need: Need, handler: H) -> Scoped
where
    H: Handler<T, AppState>,
    T: 'static,
{
    scoped(Method::GET, need, handler)
}

pub(crate) fn post<H, T>(need: Need, handler: H) -> Scoped
where
    H: Handler<T, AppState>,
    T: 'static,
{
    scoped(Method::POST, need, handler)
}

pub(crate) fn put<H, T>(need: Need, handler: H) -> Scoped
where
    H: Handler<T, AppState>,
    T: 'static,
{
    scoped(Method::PUT, need, handler)
}

pub(crate) fn delete<H, T>(need: Need, handler: H) -> Scoped
where
    H: Handler<T, AppState>,
    T: 'static,
{
    scoped(Method::DELETE, need, handler)
}

impl Scoped {
    fn and(mut self, other: Scoped) -> Self {
        self.router = self.router.merge(other.router);
        self.needs.extend(other.needs);
        self
    }

    pub fn get<H, T>(self, need: Need, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.and(get(need, handler))
    }

    pub fn post<H, T>(self, need: Need, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.and(post(need, handler))
    }

    pub fn put<H, T>(self, need: Need, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.and(put(need, handler))
    }

    pub fn delete<H, T>(self, need: Need, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.and(delete(need, handler))
    }

    /// Raises (or lowers) the request body limit of the methods added so far.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.router = self
            .router
            .layer(axum::extract::DefaultBodyLimit::max(bytes));
        self
    }
}
