//! The HTTP pipeline: every request of the CLI goes through [`Client::execute`].

use std::io;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use ureq::http;

use crate::config::{ClientConfig, ProxyConfig, RetryNotice, RetryObserver, TokenRefresher};
use crate::error::{format_duration, spaced_duration};
use crate::response::{status_text, ApiResponse};
use crate::retry::{backoff, is_retryable_status, parse_retry_after};
use crate::urls::{api_url, append_query, is_local_host, redact_userinfo, Origin};
use crate::ApiError;

/// Redirect hops followed per attempt before the 3xx response is returned as is.
const MAX_REDIRECTS: u32 = 10;
/// Largest response body read, counted after decompression: API answers are JSON documents
/// of kilobytes, so more is a misrouted download or a compression bomb, reported as an invalid
/// response rather than read into memory.
pub const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;
/// Seer autofix endpoints legitimately take minutes; upstream gives them 120 s.
const AUTOFIX_TIMEOUT: Duration = Duration::from_secs(120);
/// Header that marks the one retry after a token refresh, so it is never refreshed again.
pub const RETRY_MARKER_HEADER: &str = "x-sentry-cli-retry";

/// A blocking Sentry API client. Cheap to share across threads (`&Client` is `Sync`), so
/// fan-outs over organizations can run requests in parallel.
pub struct Client {
    agent: ureq::Agent,
    base_url: String,
    /// Where the base URL was configured, for messages (`SENTRY_URL`, `--url`, …).
    base_label: String,
    /// Where the proxy was configured, if one is used.
    proxy_label: Option<String>,
    scheme_implied: bool,
    token: RwLock<Option<String>>,
    /// Origins the token may go to ([`crate::scope`]), plus region origins learned from
    /// responses of trusted origins.
    trusted: RwLock<Vec<Origin>>,
    /// Set when the settings break the token rule: every request that would carry
    /// credentials returns it instead of being sent.
    refusal: Option<ApiError>,
    user_agent: String,
    custom_headers: Vec<(String, String)>,
    timeout: Duration,
    /// The end of this client's time budget (see [`ClientConfig::budget`]).
    deadline: Option<Instant>,
    budget: Option<Duration>,
    max_retries: u32,
    retry_base_delay: Duration,
    refresher: Option<Arc<dyn TokenRefresher>>,
    on_retry: Option<RetryObserver>,
    /// Serialises refreshes so parallel requests hit by the same 401 refresh only once.
    refresh_lock: Mutex<()>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

/// A request being assembled; created by [`Client::request`] and friends. Cloning it is how a
/// pager sends the same request once per page.
#[must_use = "a request does nothing until sent"]
#[derive(Clone)]
pub struct RequestBuilder<'a> {
    client: &'a Client,
    method: String,
    endpoint: String,
    url: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    timeout: Option<Duration>,
    authenticated: bool,
    follow_redirects: bool,
}

impl<'a> RequestBuilder<'a> {
    /// Adds one query parameter (repeat the call for array parameters).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds several query parameters.
    pub fn query_pairs<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        for (k, v) in pairs {
            self.query
                .push((k.as_ref().to_string(), v.as_ref().to_string()));
        }
        self
    }

    /// Adds a request header (sent to any origin the request reaches; prefer custom headers
    /// in the config for site-wide headers).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Serializes `value` as the JSON body and sets `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Result<Self, ApiError> {
        let bytes = serde_json::to_vec(value).map_err(|e| ApiError::Config {
            message: format!("Could not serialize the request body: {e}"),
        })?;
        self.body = Some(bytes);
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        self.headers
            .push(("Content-Type".to_string(), "application/json".to_string()));
        Ok(self)
    }

    /// Sets a raw body with its content type.
    pub fn body(mut self, bytes: Vec<u8>, content_type: &str) -> Self {
        self.body = Some(bytes);
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        self.headers
            .push(("Content-Type".to_string(), content_type.to_string()));
        self
    }

    /// Overrides the per-attempt timeout (e.g. 120 s for autofix endpoints).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends no `Authorization` header and skips the host-scope check (OAuth endpoints,
    /// public share links).
    pub fn without_auth(mut self) -> Self {
        self.authenticated = false;
        self
    }

    /// Returns a 3xx response as it is instead of following it: for requests whose body is
    /// a credential (a one-time setup code), which a 307/308 would carry to wherever the
    /// `Location` points.
    pub fn no_redirects(mut self) -> Self {
        self.follow_redirects = false;
        self
    }

    /// Sends the request; non-2xx statuses become [`ApiError::Http`].
    pub fn send(self) -> Result<ApiResponse, ApiError> {
        let method = self.method.clone();
        self.send_raw()?.error_for_status(&method)
    }

    /// Sends the request and returns the final response whatever its status (`sentry api`
    /// prints error bodies too). Transport failures are still errors.
    pub fn send_raw(self) -> Result<ApiResponse, ApiError> {
        let client = self.client;
        client.execute(self)
    }

    /// Sends and decodes a 2xx JSON body.
    pub fn send_json<T: serde::de::DeserializeOwned>(self) -> Result<T, ApiError> {
        self.send()?.json()
    }
}

/// How one attempt failed, before it is turned into an [`ApiError`].
enum AttemptError {
    Timeout,
    /// Nothing listens on the port: retrying within seconds does not change that, and a CI
    /// log must not look hung, so a refused connection fails at once, naming the setting the
    /// URL came from.
    Refused,
    /// The host name does not resolve.
    HostNotFound,
    /// The proxy refused the tunnel (407, 403, 404…): a setting to fix, not a blip.
    Proxy(String),
    Network(String),
    Tls(String),
    /// The body exceeded [`MAX_BODY_BYTES`] (status of the response).
    TooLarge(u16),
    Fatal(ApiError),
}

impl AttemptError {
    fn retryable(&self) -> bool {
        matches!(self, AttemptError::Timeout | AttemptError::Network(_))
    }

    fn describe(&self) -> String {
        match self {
            AttemptError::Timeout => "timed out".to_string(),
            AttemptError::Refused => "connection refused".to_string(),
            AttemptError::HostNotFound => "host not found".to_string(),
            AttemptError::Proxy(c) => c.clone(),
            AttemptError::TooLarge(_) => "response too large".to_string(),
            AttemptError::Network(c) | AttemptError::Tls(c) => c.clone(),
            AttemptError::Fatal(e) => e.headline(),
        }
    }
}

impl Client {
    /// Builds the client: the token rule's decision ([`crate::scope::decide`]), TLS roots
    /// (with extra CA files), proxy, timeouts. The time budget starts now.
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        let user_agent = config.user_agent();
        let route = &config.route;
        // A credential without a bearer token (an OAuth client: its requests carry device
        // codes and refresh tokens in their bodies) is still subject to the rule.
        let credential = config.credential.as_ref();
        let decision = crate::scope::decide(credential, route)?;
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are followed by the pipeline itself: ureq's "same host" rule ignores
            // the port, and custom headers must be dropped too.
            .max_redirects(0)
            .user_agent(user_agent.as_str())
            .timeout_connect(Some(config.connect_timeout));
        // A refused client sends nothing, so the settings it was refused for are not even
        // read (a project's CA file, its proxy).
        if decision.refusal.is_none() {
            builder = builder.tls_config(build_tls(route)?);
            if let Some(proxy) = &route.proxy {
                builder = builder.proxy(Some(build_proxy(&proxy.value)?));
            }
        }
        let agent = builder.build().new_agent();

        let base_url = route
            .base_url
            .value
            .trim()
            .trim_end_matches('/')
            .to_string();
        Ok(Client {
            agent,
            base_url,
            base_label: route.base_url.label.clone(),
            proxy_label: route.proxy.as_ref().map(|p| p.label.clone()),
            scheme_implied: config.scheme_implied,
            token: RwLock::new(
                credential
                    .map(|c| c.token.clone())
                    .filter(|t| !t.is_empty()),
            ),
            trusted: RwLock::new(decision.origins),
            refusal: decision.refusal,
            user_agent,
            custom_headers: config.custom_headers,
            timeout: config.timeout,
            deadline: config.budget.map(|b| Instant::now() + b),
            budget: config.budget,
            max_retries: config.max_retries,
            retry_base_delay: config.retry_base_delay,
            refresher: config.refresher,
            on_retry: config.on_retry,
            refresh_lock: Mutex::new(()),
        })
    }

    /// Why requests with credentials are refused under these settings, if they are (the token
    /// rule, [`crate::scope`]). Commands call this to fail before doing any work; requests
    /// return it anyway.
    pub fn refusal(&self) -> Option<&ApiError> {
        self.refusal.as_ref()
    }

    /// The control-silo base URL, without trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Whether a token is configured.
    pub fn has_token(&self) -> bool {
        self.token.read().map(|t| t.is_some()).unwrap_or(false)
    }

    /// Trusts `region_url` because a response from `answered_by` named it — in this process
    /// (the typed endpoints that read region URLs call this) or in an earlier one (cli.db
    /// records which origin named each cached region). Rule 5 of [`crate::scope`]: only when
    /// `answered_by` itself is trusted. Returns whether `region_url` is now trusted.
    pub fn trust_region_named_by(&self, answered_by: &str, region_url: &str) -> bool {
        let from_trusted = Origin::parse(answered_by).is_some_and(|o| self.origin_trusted(&o));
        let Some(origin) = Origin::parse(region_url).filter(|_| from_trusted) else {
            return false;
        };
        if let Ok(mut t) = self.trusted.write() {
            if !t.contains(&origin) {
                t.push(origin);
            }
        }
        true
    }

    /// Whether credentials may be sent to the origin of `url`.
    pub fn is_trusted(&self, url: &str) -> bool {
        Origin::parse(url)
            .map(|o| self.origin_trusted(&o))
            .unwrap_or(false)
    }

    fn origin_trusted(&self, origin: &Origin) -> bool {
        self.trusted
            .read()
            .map(|t| t.iter().any(|a| a.trusts(origin)))
            .unwrap_or(false)
    }

    fn trusted_list(&self) -> Vec<String> {
        self.trusted
            .read()
            .map(|t| t.iter().map(|o| o.to_string()).collect())
            .unwrap_or_default()
    }

    fn current_token(&self) -> Option<String> {
        self.token.read().ok().and_then(|t| t.clone())
    }

    /// A request to `endpoint` on the control silo (`/api/0/` is added; absolute URLs kept).
    pub fn request(&self, method: &str, endpoint: &str) -> RequestBuilder<'_> {
        self.request_at(method, &self.base_url, endpoint)
    }

    /// A request to `endpoint` on another base URL (an organization's region).
    pub fn request_at(&self, method: &str, base: &str, endpoint: &str) -> RequestBuilder<'_> {
        RequestBuilder {
            client: self,
            method: method.to_ascii_uppercase(),
            endpoint: endpoint.to_string(),
            url: api_url(base, endpoint),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            timeout: None,
            authenticated: true,
            follow_redirects: true,
        }
    }

    pub fn get(&self, endpoint: &str) -> RequestBuilder<'_> {
        self.request("GET", endpoint)
    }

    pub fn post(&self, endpoint: &str) -> RequestBuilder<'_> {
        self.request("POST", endpoint)
    }

    pub fn put(&self, endpoint: &str) -> RequestBuilder<'_> {
        self.request("PUT", endpoint)
    }

    pub fn delete(&self, endpoint: &str) -> RequestBuilder<'_> {
        self.request("DELETE", endpoint)
    }

    /// The checks every request passes before anything is sent — the token rule's refusal
    /// and the host scope of the token — and the request they let through, with the token
    /// it may carry.
    fn prepare(&self, req: RequestBuilder<'_>) -> Result<(Prepared, Option<String>), ApiError> {
        let url = append_query(&req.url, &req.query);
        let origin = Origin::parse(&url).ok_or_else(|| ApiError::Config {
            message: format!("Invalid request URL: {url}"),
        })?;
        // A refused client sends nothing at all: unauthenticated requests of a credential's
        // client (OAuth) carry secrets in their bodies.
        if let Some(refusal) = &self.refusal {
            return Err(refusal.clone());
        }
        let token = if req.authenticated {
            self.current_token()
        } else {
            None
        };
        if token.is_some() && !self.origin_trusted(&origin) {
            let from_base = Origin::parse(&self.base_url).as_ref() == Some(&origin);
            return Err(ApiError::HostScope {
                target: origin.to_string(),
                allowed: self.trusted_list(),
                source: from_base.then(|| self.base_label.clone()),
                project_file: None,
            });
        }
        let timeout = req.timeout.unwrap_or_else(|| {
            if url_path_contains(&url, "/autofix/") {
                self.timeout.max(AUTOFIX_TIMEOUT)
            } else {
                self.timeout
            }
        });
        let prepared = Prepared {
            method: req.method,
            endpoint: req.endpoint,
            url,
            origin,
            headers: req.headers,
            body: req.body,
            timeout,
            follow_redirects: req.follow_redirects,
        };
        Ok((prepared, token))
    }

    /// Host scope, retries, and the one refresh-and-retry after a 401.
    fn execute(&self, req: RequestBuilder<'_>) -> Result<ApiResponse, ApiError> {
        let (prepared, token) = self.prepare(req)?;
        let response = self.with_retries(&prepared, token.as_deref(), false)?;
        if response.status == 401 {
            if let (Some(rejected), Some(refresher)) = (token.as_deref(), &self.refresher) {
                let new_token = {
                    let _guard = self.refresh_lock.lock().unwrap_or_else(|p| p.into_inner());
                    match self.current_token() {
                        // Another thread already replaced the rejected token.
                        Some(current) if current != rejected => Some(current),
                        _ => {
                            log::debug!(
                                "[http] 401 from {}; refreshing the token once",
                                prepared.endpoint
                            );
                            let fresh = refresher.refresh(rejected)?;
                            if let (Some(f), Ok(mut t)) = (&fresh, self.token.write()) {
                                *t = Some(f.clone());
                            }
                            fresh
                        }
                    }
                };
                if let Some(new_token) = new_token {
                    return self.with_retries(&prepared, Some(&new_token), true);
                }
            }
        }
        Ok(response)
    }

    /// Time left in this client's budget (`None`: no budget).
    fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Runs attempts until one succeeds, a failure is not retryable, the retries are used up
    /// or the budget would run out during the wait. Each retry is announced first.
    fn with_retries(
        &self,
        req: &Prepared,
        token: Option<&str>,
        retry_marker: bool,
    ) -> Result<ApiResponse, ApiError> {
        let mut retry = 0u32;
        let host = req.origin.authority();
        loop {
            let remaining = self.remaining();
            if remaining.is_some_and(|r| r.is_zero()) {
                return Err(self.budget_error(req));
            }
            let timeout = remaining.map_or(req.timeout, |r| r.min(req.timeout));
            let started = Instant::now();
            let result = self.attempt(req, token, retry_marker, timeout);
            let ms = started.elapsed().as_millis();
            let path = path_of(&req.url);
            let last = retry >= self.max_retries;
            let (what, delay) = match result {
                Ok(resp) => {
                    log::debug!(
                        "[http] {} {} → {} ({}ms)",
                        req.method,
                        path,
                        resp.status,
                        ms
                    );
                    if last || !is_retryable_status(resp.status) {
                        return Ok(resp);
                    }
                    let delay = resp
                        .header("retry-after")
                        .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()))
                        .unwrap_or_else(|| backoff(self.retry_base_delay, retry));
                    if !self.fits(delay) {
                        // Waiting would outlast the budget: the response is the answer.
                        log::debug!(
                            "[http] not retrying {} {}: a {} wait does not fit the time budget",
                            req.method,
                            path,
                            format_duration(delay)
                        );
                        return Ok(resp);
                    }
                    let what = format!("{} {}", resp.status, status_text(resp.status));
                    (what.trim().to_string(), delay)
                }
                Err(err) => {
                    log::debug!(
                        "[http] {} {} → error: {} ({}ms)",
                        req.method,
                        path,
                        err.describe(),
                        ms
                    );
                    let cut_by_budget = matches!(err, AttemptError::Timeout)
                        && timeout < req.timeout
                        && self.remaining().is_some_and(|r| r.is_zero());
                    if cut_by_budget {
                        return Err(self.budget_error(req));
                    }
                    if last || !err.retryable() {
                        return Err(self.finish_error(req, err));
                    }
                    let delay = backoff(self.retry_base_delay, retry);
                    if !self.fits(delay) {
                        return Err(self.finish_error(req, err));
                    }
                    let what = match &err {
                        AttemptError::Timeout => {
                            format!("no response within {}", spaced_duration(timeout))
                        }
                        other => other.describe(),
                    };
                    (what, delay)
                }
            };
            retry += 1;
            let notice = RetryNotice {
                what,
                host: host.clone(),
                delay,
                retry,
                max_retries: self.max_retries,
            };
            log::debug!("[http] {} {}: {notice}", req.method, path);
            if let Some(observer) = &self.on_retry {
                observer(&notice);
            }
            std::thread::sleep(delay);
        }
    }

    /// Whether a wait of `delay` leaves time for another attempt within the budget.
    fn fits(&self, delay: Duration) -> bool {
        self.remaining().is_none_or(|r| delay < r)
    }

    fn budget_error(&self, req: &Prepared) -> ApiError {
        ApiError::Timeout {
            endpoint: req.endpoint.clone(),
            after: self.budget.unwrap_or(req.timeout),
            budget: self.budget,
        }
    }

    fn finish_error(&self, req: &Prepared, err: AttemptError) -> ApiError {
        let from_base = Origin::parse(&self.base_url).as_ref() == Some(&req.origin);
        // Names the setting to fix, when the failing host is the configured one.
        let setting = if from_base {
            self.base_label.as_str()
        } else {
            "the organization's region URL"
        };
        let local = is_local_host(req.origin.host());
        let network = |cause: &str, hint: Option<String>| ApiError::Network {
            endpoint: req.endpoint.clone(),
            origin: req.origin.to_string(),
            cause: cause.to_string(),
            hint,
        };
        match err {
            AttemptError::Timeout => ApiError::Timeout {
                endpoint: req.endpoint.clone(),
                after: req.timeout,
                budget: None,
            },
            AttemptError::Refused if local => network(
                "connection refused",
                Some(format!(
                    "Nothing is listening at {}. Start the server (e.g. `sentry local serve`) or fix the URL ({setting}).",
                    req.origin
                )),
            ),
            AttemptError::Refused => network(
                "connection refused",
                Some(format!(
                    "The server at {} refused the connection. Check the URL and port ({setting}) and that the server is running.",
                    req.origin
                )),
            ),
            AttemptError::HostNotFound => network(
                "host not found",
                Some(format!(
                    "The host name '{}' does not resolve. Check the URL ({setting}) for a typo.",
                    req.origin.host()
                )),
            ),
            AttemptError::Proxy(cause) => network(
                &cause,
                Some(format!(
                    "Check the proxy setting ({}) and its credentials.",
                    self.proxy_label.as_deref().unwrap_or("proxy")
                )),
            ),
            AttemptError::Network(cause) => {
                let hint = local.then(|| {
                    format!(
                        "Check that the server at {} is running and the URL ({setting}) is right.",
                        req.origin
                    )
                });
                network(&cause, hint)
            }
            AttemptError::Tls(cause) => {
                let plain_http = cause.contains("InvalidContentType")
                    || cause.contains("corrupt message")
                    || cause.contains("InvalidMessage");
                let http_url = format!("http://{}", req.origin.authority());
                let hint = if from_base && self.scheme_implied {
                    Some(format!(
                        "{setting} has no scheme, so https:// was assumed. If the server speaks plain HTTP, use {http_url}"
                    ))
                } else if plain_http {
                    Some(format!(
                        "The server at {} did not answer with TLS. If it speaks plain HTTP, use {http_url} ({setting}).",
                        req.origin
                    ))
                } else {
                    None
                };
                ApiError::Tls {
                    endpoint: req.endpoint.clone(),
                    origin: req.origin.to_string(),
                    cause,
                    hint,
                }
            }
            AttemptError::TooLarge(status) => ApiError::InvalidResponse {
                endpoint: req.endpoint.clone(),
                status,
                reason: format!(
                    "The response body is larger than {} MiB after decompression; it was not read.",
                    MAX_BODY_BYTES / (1024 * 1024)
                ),
                html: false,
            },
            AttemptError::Fatal(e) => e,
        }
    }

    /// One attempt, following redirects. Authorization only goes to the request's own
    /// origin; custom headers only to trusted origins.
    fn attempt(
        &self,
        req: &Prepared,
        token: Option<&str>,
        retry_marker: bool,
        timeout: Duration,
    ) -> Result<ApiResponse, AttemptError> {
        let mut url = req.url.clone();
        let mut method = req.method.clone();
        let mut body = req.body.clone();
        let deadline = Instant::now() + timeout;
        let mut hops = 0;
        loop {
            let origin = Origin::parse(&url).ok_or_else(|| {
                AttemptError::Fatal(ApiError::Config {
                    message: format!("Invalid request URL: {url}"),
                })
            })?;
            let builder = self.request_head(
                req,
                &method,
                &url,
                &origin,
                body.is_some(),
                token,
                retry_marker,
            );
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(AttemptError::Timeout);
            }
            let result = match &body {
                Some(b) => {
                    let request = builder.body(b.clone()).map_err(invalid_request)?;
                    let request = self
                        .agent
                        .configure_request(request)
                        .timeout_global(Some(remaining))
                        .build();
                    self.agent.run(request)
                }
                None => {
                    let request = builder.body(()).map_err(invalid_request)?;
                    let request = self
                        .agent
                        .configure_request(request)
                        .timeout_global(Some(remaining))
                        .build();
                    self.agent.run(request)
                }
            };
            let mut response = result.map_err(classify)?;
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY_BYTES)
                .read_to_vec()
                .map_err(|e| match e {
                    ureq::Error::BodyExceedsLimit(_) => AttemptError::TooLarge(status),
                    other => classify(other),
                })?;

            let is_redirect = matches!(status, 301 | 302 | 303 | 307 | 308);
            if is_redirect && req.follow_redirects && hops < MAX_REDIRECTS {
                if let Some(next) = location.and_then(|l| resolve_location(&url, &l)) {
                    log::debug!("[http] {} {} → {} redirect", method, path_of(&url), status);
                    hops += 1;
                    if status == 303 || ((status == 301 || status == 302) && method == "POST") {
                        if method != "HEAD" {
                            method = "GET".to_string();
                        }
                        body = None;
                    }
                    url = next;
                    continue;
                }
            }
            return Ok(ApiResponse {
                status,
                headers,
                body: bytes,
                url,
                endpoint: req.endpoint.clone(),
            });
        }
    }
}

impl Client {
    /// Method, URL and headers of one hop of `req` to `url`. Authorization only goes to the
    /// request's own origin; custom headers only to trusted origins.
    #[allow(clippy::too_many_arguments)]
    fn request_head(
        &self,
        req: &Prepared,
        method: &str,
        url: &str,
        origin: &Origin,
        has_body: bool,
        token: Option<&str>,
        retry_marker: bool,
    ) -> http::request::Builder {
        let send_auth = *origin == req.origin;
        let mut builder = http::Request::builder().method(method).uri(url);
        if self.origin_trusted(origin) {
            for (n, v) in &self.custom_headers {
                builder = builder.header(n.as_str(), v.as_str());
            }
        }
        for (n, v) in &req.headers {
            if !has_body && n.eq_ignore_ascii_case("content-type") {
                continue;
            }
            builder = builder.header(n.as_str(), v.as_str());
        }
        if let (true, Some(t)) = (send_auth, token) {
            builder = builder.header("Authorization", format!("Bearer {t}"));
        }
        if retry_marker {
            builder = builder.header(RETRY_MARKER_HEADER, "1");
        }
        builder
    }

    /// A `GET` whose body is read as it arrives (server-sent events): the same checks,
    /// headers, proxy and TLS settings as [`Client::execute`], one attempt, no redirects
    /// followed, no retries, and no time limit once the response head arrived (a stream has
    /// no end). Connecting and waiting for the head are bounded by the usual timeouts.
    pub(crate) fn open_stream(
        &self,
        req: RequestBuilder<'_>,
    ) -> Result<crate::sse::StreamingResponse, ApiError> {
        let (prepared, token) = self.prepare(req)?;
        let head = self.request_head(
            &prepared,
            "GET",
            &prepared.url,
            &prepared.origin,
            false,
            token.as_deref(),
            false,
        );
        let request = head
            .body(())
            .map_err(|e| self.finish_error(&prepared, invalid_request(e)))?;
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(None)
            .timeout_recv_response(Some(prepared.timeout))
            .build();
        let started = Instant::now();
        let response = self
            .agent
            .run(request)
            .map_err(|e| self.finish_error(&prepared, classify(e)))?;
        log::debug!(
            "[http] GET {} → {} ({}ms, streaming)",
            path_of(&prepared.url),
            response.status().as_u16(),
            started.elapsed().as_millis()
        );
        Ok(crate::sse::StreamingResponse::new(
            response,
            prepared.url,
            prepared.endpoint,
        ))
    }
}

impl RequestBuilder<'_> {
    /// Sends a `GET` and returns the response with its body unread (see
    /// [`Client::open_stream`]).
    pub(crate) fn send_streaming(self) -> Result<crate::sse::StreamingResponse, ApiError> {
        let client = self.client;
        client.open_stream(self)
    }
}

/// A request with its URL finalised, replayable across attempts.
struct Prepared {
    method: String,
    endpoint: String,
    url: String,
    origin: Origin,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    timeout: Duration,
    follow_redirects: bool,
}

fn invalid_request(e: http::Error) -> AttemptError {
    AttemptError::Fatal(ApiError::Config {
        message: format!("Invalid request: {e}"),
    })
}

fn url_path_contains(url: &str, needle: &str) -> bool {
    url::Url::parse(url)
        .map(|u| u.path().contains(needle))
        .unwrap_or(false)
}

fn resolve_location(current: &str, location: &str) -> Option<String> {
    let base = url::Url::parse(current).ok()?;
    let next = base.join(location.trim()).ok()?;
    matches!(next.scheme(), "http" | "https").then(|| next.to_string())
}

/// Path and query of a URL, for logs (never the host's credentials, never headers).
fn path_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{}", u.path(), q),
            None => u.path().to_string(),
        },
        Err(_) => url.to_string(),
    }
}

fn classify(e: ureq::Error) -> AttemptError {
    match e {
        ureq::Error::Timeout(_) => AttemptError::Timeout,
        ureq::Error::Io(io) => classify_io(io),
        ureq::Error::Rustls(r) => AttemptError::Tls(r.to_string()),
        ureq::Error::Tls(m) => AttemptError::Tls(m.to_string()),
        ureq::Error::Pem(p) => AttemptError::Tls(p.to_string()),
        ureq::Error::HostNotFound => AttemptError::HostNotFound,
        ureq::Error::ConnectionFailed => AttemptError::Network("connection failed".to_string()),
        ureq::Error::Protocol(p) => AttemptError::Network(format!("protocol error: {p}")),
        ureq::Error::ConnectProxyFailed(m) => {
            AttemptError::Proxy(format!("proxy connection failed: {m}"))
        }
        ureq::Error::BodyExceedsLimit(_) => AttemptError::TooLarge(0),
        ureq::Error::BadUri(m) => AttemptError::Fatal(ApiError::Config {
            message: format!("Invalid request URL: {m}"),
        }),
        ureq::Error::InvalidProxyUrl => AttemptError::Fatal(ApiError::Config {
            message: "Invalid proxy URL".to_string(),
        }),
        ureq::Error::Http(h) => AttemptError::Fatal(ApiError::Config {
            message: format!("Invalid request: {h}"),
        }),
        other => AttemptError::Network(other.to_string()),
    }
}

fn classify_io(e: io::Error) -> AttemptError {
    if let Some(inner) = e.get_ref() {
        if let Some(r) = inner.downcast_ref::<rustls::Error>() {
            return AttemptError::Tls(r.to_string());
        }
    }
    // getaddrinfo failures arrive as uncategorised I/O errors with this text (std's
    // `ToSocketAddrs`): a name that does not resolve now will not resolve in a second either,
    // and retrying it for tens of seconds made offline CI logs look hung.
    if e.to_string()
        .contains("failed to lookup address information")
    {
        return AttemptError::HostNotFound;
    }
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => AttemptError::Timeout,
        io::ErrorKind::ConnectionRefused => AttemptError::Refused,
        io::ErrorKind::ConnectionReset => AttemptError::Network("connection reset".into()),
        io::ErrorKind::ConnectionAborted => AttemptError::Network("connection aborted".into()),
        io::ErrorKind::UnexpectedEof => {
            AttemptError::Network("connection closed before the response was complete".into())
        }
        _ => AttemptError::Network(e.to_string()),
    }
}

fn build_tls(route: &crate::Route) -> Result<ureq::tls::TlsConfig, ApiError> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if route.insecure_tls.is_some() {
        tls = tls.disable_verification(true);
    }
    if !route.ca_certs.is_empty() {
        let mut roots: Vec<ureq::tls::Certificate<'static>> =
            webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|c| ureq::tls::Certificate::from_der(c.as_ref()))
                .collect();
        for path in route.ca_certs.iter().map(|c| &c.value) {
            let pem = std::fs::read(path).map_err(|e| ApiError::Config {
                message: format!("Could not read CA certificate file {}: {e}", path.display()),
            })?;
            let mut found = 0;
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => {
                        roots.push(c);
                        found += 1;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        return Err(ApiError::Config {
                            message: format!(
                                "Invalid PEM in CA certificate file {}: {e}",
                                path.display()
                            ),
                        })
                    }
                }
            }
            if found == 0 {
                return Err(ApiError::Config {
                    message: format!("No certificates found in CA file {}", path.display()),
                });
            }
        }
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&roots));
    }
    Ok(tls.build())
}

fn build_proxy(cfg: &ProxyConfig) -> Result<ureq::Proxy, ApiError> {
    let invalid = |why: &str| ApiError::Config {
        message: format!("Invalid proxy URL {}: {why}", redact_userinfo(&cfg.url)),
    };
    let raw = cfg.url.trim();
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    let parsed = url::Url::parse(&with_scheme).map_err(|e| invalid(&e.to_string()))?;
    let protocol = ureq::ProxyProtocol::try_from(parsed.scheme())
        .map_err(|_| invalid("unsupported scheme (use http, https, socks4, socks5)"))?;
    let host = parsed.host_str().ok_or_else(|| invalid("missing host"))?;
    let mut builder = ureq::Proxy::builder(protocol).host(host);
    if let Some(port) = parsed.port() {
        builder = builder.port(port);
    }
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let username = cfg
        .username
        .clone()
        .or_else(|| (!parsed.username().is_empty()).then(|| decode(parsed.username())));
    let password = cfg
        .password
        .clone()
        .or_else(|| parsed.password().map(decode));
    match (username, password) {
        (Some(u), p) => {
            builder = builder.username(&u);
            if let Some(p) = p {
                builder = builder.password(&p);
            }
        }
        // ureq needs a username slot to carry a lone password.
        (None, Some(p)) => builder = builder.username("").password(&p),
        (None, None) => {}
    }
    for entry in &cfg.no_proxy {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        builder = builder.no_proxy(&strip_port(entry));
    }
    builder.build().map_err(|e| invalid(&e.to_string()))
}

/// NO_PROXY entries sometimes carry a port (`localhost:8080`); ureq matches hosts only.
fn strip_port(entry: &str) -> String {
    if entry.starts_with('[') {
        return entry
            .split_once(']')
            .map(|(h, _)| h.trim_start_matches('[').to_string())
            .unwrap_or_else(|| entry.to_string());
    }
    match entry.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h.to_string(),
        _ => entry.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(
            resolve_location("http://a:1/api/0/x/", "/api/0/y/").as_deref(),
            Some("http://a:1/api/0/y/")
        );
        assert_eq!(
            resolve_location("http://a:1/api/0/x/", "http://b:2/z").as_deref(),
            Some("http://b:2/z")
        );
        assert_eq!(resolve_location("http://a/", "ftp://x/"), None);
    }

    #[test]
    fn no_proxy_ports_and_redaction() {
        assert_eq!(strip_port("localhost:8080"), "localhost");
        assert_eq!(strip_port(".example.com"), ".example.com");
        assert_eq!(strip_port("[::1]:80"), "::1");
        assert_eq!(path_of("http://h/api/0/x/?a=1"), "/api/0/x/?a=1");
    }

    #[test]
    fn bad_proxy_is_config_error() {
        let cfg = ProxyConfig {
            url: "gopher://proxy:70".into(),
            ..Default::default()
        };
        let err = build_proxy(&cfg).unwrap_err();
        assert_eq!(err.exit_code(), 20);
        assert!(
            err.message().contains("unsupported scheme"),
            "{}",
            err.message()
        );
    }
}
