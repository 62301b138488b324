//! OAuth 2.0 device authorization grant (RFC 8628), Sentry's setup-code grant and
//! refresh-token rotation.
//!
//! `sentry auth login` against the local server runs the same device flow it runs against
//! sentry.io, so the CLI's polling, `slow_down` handling, expiry and refresh logic are
//! exercised over real HTTP. The local server has exactly one user, so approving needs no
//! login: the page at `/oauth/device/` (or the `/_test/device/...` control routes) decides.
//!
//! `sentry auth bootstrap` redeems a one-time setup code instead (grant type
//! [`SETUP_CODE_GRANT`]): `sntryc_<base64 JSON {"url": <this server>}>_<43-character secret>`.
//! A code is good for one redemption within [`crate::ServerConfig::setup_code_lifetime_secs`]
//! and yields the same token response as the device flow. Sentry hands codes out in its web
//! UI; here they are minted by `POST /oauth/setup-code/` with a user's API token (what
//! `sentry local setup-code` calls) or by the `/_test/setup-codes` control route.
//!
//! Access tokens land in `api_tokens` (kind `oauth`) and are checked by [`crate::auth`] like
//! every other token; their lifetime is [`crate::ServerConfig::access_token_lifetime_secs`].
//! Refresh tokens rotate: each is good for exactly one refresh, and refreshing also revokes
//! the access token it was issued with, as Sentry does.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use sentry_wire::oauth::{
    DEVICE_CODE_GRANT, DEVICE_CODE_PATH, REFRESH_TOKEN_GRANT, SETUP_CODE_GRANT, SETUP_CODE_PATH,
    TOKEN_PATH,
};
use sentry_wire::scopes::{ALL_SCOPES, DEFAULT_SCOPES};
use sentry_wire::tokens::SETUP_CODE_PREFIX;

use crate::db::{now_iso, now_ms, random_hex};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Letters a person can type from a screen without confusing them (RFC 8628 §6.1: no vowels,
/// so no words; no digits that look like letters).
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// A polling client may be this much early without being told to slow down: timers and
/// request latency jitter.
const POLL_TOLERANCE_MS: i64 = 100;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(DEVICE_CODE_PATH, post(device_code))
        .route(TOKEN_PATH, post(token))
        .route("/oauth/device/", get(device_page).post(device_page_submit))
        .route(SETUP_CODE_PATH, post(setup_code_endpoint))
}

/// What a person (or a test) decided about a pending user code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Deny,
}

impl Decision {
    pub fn status(self) -> &'static str {
        match self {
            Decision::Approve => "approved",
            Decision::Deny => "denied",
        }
    }
}

/// Why a user code could not be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    Unknown,
    Expired,
    AlreadyDecided,
}

impl CodeProblem {
    pub fn message(self) -> &'static str {
        match self {
            CodeProblem::Unknown => "Unknown code. Check the code shown in your terminal.",
            CodeProblem::Expired => {
                "This code has expired. Start the login again in your terminal."
            }
            CodeProblem::AlreadyDecided => "This code has already been used.",
        }
    }
}

/// Canonical `ABCD-EFGH` form of what a person typed (case, spaces and dashes forgiven).
pub fn normalize_user_code(raw: &str) -> Option<String> {
    let letters: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.len() != 8 {
        return None;
    }
    Some(format!("{}-{}", &letters[..4], &letters[4..]))
}

fn random_user_code() -> String {
    let mut s = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            s.push('-');
        }
        let idx = fastrand::usize(..USER_CODE_ALPHABET.len());
        s.push(USER_CODE_ALPHABET[idx] as char);
    }
    s
}

/// Approves or denies the pending device code `user_code`. The outer error is storage
/// failure; the inner one says why the code could not be decided.
pub async fn decide(
    state: &AppState,
    user_code: &str,
    decision: Decision,
) -> ApiResult<Result<String, CodeProblem>> {
    let Some(code) = normalize_user_code(user_code) else {
        return Ok(Err(CodeProblem::Unknown));
    };
    state
        .db
        .call(move |c| {
            let row: Option<(String, i64)> = c
                .query_row(
                    "SELECT status, expires_ms FROM oauth_device_codes WHERE user_code = ?1",
                    [&code],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((status, expires_ms)) = row else {
                return Ok(Err(CodeProblem::Unknown));
            };
            if expires_ms <= now_ms() {
                return Ok(Err(CodeProblem::Expired));
            }
            if status != "pending" {
                return Ok(Err(CodeProblem::AlreadyDecided));
            }
            c.execute(
                "UPDATE oauth_device_codes SET status = ?1, user_id = 1 WHERE user_code = ?2",
                params![decision.status(), code],
            )?;
            Ok(Ok(code))
        })
        .await
}

/// `POST /oauth/device/code/` (RFC 8628 §3.1).
#[derive(Deserialize, Default)]
struct DeviceCodeRequest {
    client_id: Option<String>,
    scope: Option<String>,
}

/// `POST /oauth/token/` for every grant this server issues.
#[derive(Deserialize, Default)]
struct TokenRequest {
    grant_type: Option<String>,
    device_code: Option<String>,
    refresh_token: Option<String>,
    setup_code: Option<String>,
    client_id: Option<String>,
}

/// The approve/deny form of the verification page.
#[derive(Deserialize, Default)]
struct DecisionForm {
    user_code: Option<String>,
    action: Option<String>,
}

/// Parameters of an OAuth endpoint, typed. RFC 6749 mandates form encoding; JSON is accepted
/// as well because hand-written clients send it. As in OAuth servers generally, unknown
/// parameters are ignored, empty ones count as absent and a repeated one counts once (the
/// first); a body that parses as neither gives no parameters, so the endpoint answers which
/// one is missing.
struct OAuthParams<T>(T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OAuthParams<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut fields = serde_json::Map::new();
        for (k, v) in parse_params(is_json, &body) {
            if !v.is_empty() && !fields.contains_key(&k) {
                fields.insert(k, Value::String(v));
            }
        }
        // Every field is an optional string, so only a bug can make this fail.
        let typed = serde_json::from_value(Value::Object(fields)).unwrap_or_default();
        Ok(OAuthParams(typed))
    }
}

/// The name/value pairs of a form or JSON body (JSON numbers count as their text).
fn parse_params(is_json: bool, body: &[u8]) -> Vec<(String, String)> {
    if is_json {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            return map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Number(n) => Some((k, n.to_string())),
                    _ => None,
                })
                .collect();
        }
        return Vec::new();
    }
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// An RFC 6749 §5.2 error response.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn bad(error: &str, description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

/// The scopes a space-separated `scope` parameter asks for, deduplicated in order;
/// [`DEFAULT_SCOPES`] when it names none. `Err` carries the first unknown scope.
pub(crate) fn parse_scopes(raw: Option<&str>) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for s in raw.unwrap_or_default().split_whitespace() {
        if !ALL_SCOPES.contains(&s) {
            return Err(s.to_string());
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    if out.is_empty() {
        out = DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect();
    }
    Ok(out)
}

async fn device_code(
    State(state): State<AppState>,
    OAuthParams(req): OAuthParams<DeviceCodeRequest>,
) -> Response {
    let Some(client_id) = req.client_id else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Missing client_id",
        );
    };
    let scopes = match parse_scopes(req.scope.as_deref()) {
        Ok(scopes) => scopes,
        Err(unknown) => return bad("invalid_scope", &format!("Unknown scope: {unknown}")),
    };
    let lifetime = state.config.device_code_lifetime_secs;
    let interval = state.config.device_poll_interval_secs;
    let device_code = random_hex(32);
    let now = now_ms();
    let stored = device_code.clone();
    let inserted = state.db.call(move |c| {
        // Forget codes that expired long ago so user codes can be reused eventually.
        c.execute(
            "DELETE FROM oauth_device_codes WHERE expires_ms < ?1",
            [now - 86_400_000],
        )?;
        loop {
            let user_code = random_user_code();
            let taken: Option<i64> = c
                .query_row(
                    "SELECT 1 FROM oauth_device_codes WHERE user_code = ?1",
                    [&user_code],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some() {
                continue;
            }
            c.execute(
                "INSERT INTO oauth_device_codes (device_code, user_code, client_id, scopes, expires_ms, interval_secs, status, date_created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)",
                params![
                    stored,
                    user_code,
                    client_id,
                    scopes.join(" "),
                    now + (lifetime as i64) * 1000,
                    interval as i64,
                    now_iso()
                ],
            )?;
            return Ok(user_code);
        }
    });
    let user_code = match inserted.await {
        Ok(code) => code,
        Err(e) => return e.into_response(),
    };
    let verification_uri = format!("{}/oauth/device/", state.base_url);
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": format!("{verification_uri}?user_code={user_code}"),
            "expires_in": lifetime,
            "interval": interval,
        })),
    )
        .into_response()
}

async fn token(
    State(state): State<AppState>,
    OAuthParams(req): OAuthParams<TokenRequest>,
) -> Response {
    match req.grant_type.as_deref() {
        Some(DEVICE_CODE_GRANT) => device_code_grant(&state, req).await,
        Some(SETUP_CODE_GRANT) => setup_code_grant(&state, req).await,
        Some(REFRESH_TOKEN_GRANT) => refresh_grant(&state, req).await,
        Some(other) => bad(
            "unsupported_grant_type",
            &format!("Unsupported grant type: {other}"),
        ),
        None => bad("invalid_request", "Missing grant_type"),
    }
}

/// `client_id, scopes, expires_ms, interval_secs, last_poll_ms, status, user_id`.
type DeviceRow = (String, String, i64, i64, Option<i64>, String, Option<i64>);

/// What a device-code poll turned into.
enum Poll {
    Error(&'static str, &'static str),
    Granted(Value),
}

async fn device_code_grant(state: &AppState, req: TokenRequest) -> Response {
    let Some(device_code) = req.device_code else {
        return bad("invalid_request", "Missing device_code");
    };
    let client_id = req.client_id;
    let lifetime = state.config.access_token_lifetime_secs;
    let result = state.db.call(move |c| {
        let device_code = device_code.as_str();
        let tx = c.transaction()?;
        let row: Option<DeviceRow> = tx
            .query_row(
                "SELECT client_id, scopes, expires_ms, interval_secs, last_poll_ms, status, user_id
                 FROM oauth_device_codes WHERE device_code = ?1",
                [device_code],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((owner, scopes, expires_ms, interval, last_poll, status, user_id)) = row else {
            return Ok(Poll::Error("invalid_grant", "Invalid device code"));
        };
        if client_id.as_ref().is_some_and(|id| *id != owner) {
            return Ok(Poll::Error(
                "invalid_grant",
                "Device code was issued to another client",
            ));
        }
        let now = now_ms();
        if status == "consumed" {
            return Ok(Poll::Error("invalid_grant", "Device code was already used"));
        }
        if expires_ms <= now {
            return Ok(Poll::Error("expired_token", "The device code has expired"));
        }
        if status == "denied" {
            return Ok(Poll::Error(
                "access_denied",
                "The user denied the authorization request",
            ));
        }
        if let Some(last) = last_poll {
            if interval > 0 && now - last < interval * 1000 - POLL_TOLERANCE_MS {
                // RFC 8628 §3.5: the interval grows by 5 s for this and every later request.
                tx.execute(
                    "UPDATE oauth_device_codes SET last_poll_ms = ?1, interval_secs = interval_secs + 5 WHERE device_code = ?2",
                    params![now, device_code],
                )?;
                tx.commit()?;
                return Ok(Poll::Error(
                    "slow_down",
                    "Polling too frequently; wait longer between requests",
                ));
            }
        }
        tx.execute(
            "UPDATE oauth_device_codes SET last_poll_ms = ?1 WHERE device_code = ?2",
            params![now, device_code],
        )?;
        if status != "approved" {
            tx.commit()?;
            return Ok(Poll::Error(
                "authorization_pending",
                "The user has not yet approved the request",
            ));
        }
        tx.execute(
            "UPDATE oauth_device_codes SET status = 'consumed' WHERE device_code = ?1",
            [device_code],
        )?;
        let grant = issue_tokens(&tx, user_id.unwrap_or(1), &scopes, &owner, lifetime)?;
        tx.commit()?;
        Ok(Poll::Granted(grant))
    });
    match result.await {
        Ok(Poll::Granted(body)) => {
            ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
        }
        Ok(Poll::Error(code, description)) => bad(code, description),
        Err(e) => e.into_response(),
    }
}

/// A setup code just minted, as the minting routes answer it.
#[derive(Debug, Clone)]
pub(crate) struct MintedSetupCode {
    pub code: String,
    pub scopes: Vec<String>,
    pub expires_in: u64,
}

impl MintedSetupCode {
    pub fn json(&self, base_url: &str) -> Value {
        json!({
            "setup_code": self.code,
            "url": base_url,
            "scope": self.scopes.join(" "),
            "expires_in": self.expires_in,
        })
    }
}

/// `sntryc_<base64 of {"url": base_url}>_<secret>`: the secret is 32 random bytes in
/// unpadded standard base64, the 43 characters `[A-Za-z0-9+/]` clients check for.
fn new_setup_code(base_url: &str) -> String {
    use base64::Engine as _;
    let payload = json!({ "url": base_url }).to_string();
    let secret: Vec<u8> = (0..32).map(|_| fastrand::u8(..)).collect();
    format!(
        "{SETUP_CODE_PREFIX}{}_{}",
        base64::engine::general_purpose::STANDARD.encode(payload),
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(secret)
    )
}

/// Stores a new single-use setup code for `user_id` that grants `scopes` and can be
/// redeemed for `lifetime_secs` from now.
pub(crate) async fn mint_setup_code(
    state: &AppState,
    user_id: i64,
    scopes: Vec<String>,
    lifetime_secs: u64,
) -> ApiResult<MintedSetupCode> {
    let code = new_setup_code(&state.base_url);
    let stored = code.clone();
    let joined = scopes.join(" ");
    let now = now_ms();
    let lifetime_ms = i64::try_from(lifetime_secs)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000);
    let expires_ms = now.saturating_add(lifetime_ms);
    state
        .db
        .call(move |c| {
            // Codes that expired a day ago can no longer be told apart from unknown ones
            // usefully; forget them.
            c.execute(
                "DELETE FROM oauth_setup_codes WHERE expires_ms < ?1",
                [now - 86_400_000],
            )?;
            c.execute(
                "INSERT INTO oauth_setup_codes (code, user_id, scopes, expires_ms, date_created)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![stored, user_id, joined, expires_ms, now_iso()],
            )?;
            Ok(())
        })
        .await?;
    Ok(MintedSetupCode {
        code,
        scopes,
        expires_in: lifetime_secs,
    })
}

/// What redeeming a setup code turned into.
enum Redeem {
    Refused(&'static str, &'static str),
    Granted(Value),
}

/// `grant_type=urn:sentry:params:oauth:grant-type:setup_code`: an unknown, used or expired
/// code is `invalid_grant` (400), as for the other grants; a good one is marked used and
/// answered with a fresh token pair in the device flow's response shape.
async fn setup_code_grant(state: &AppState, req: TokenRequest) -> Response {
    let Some(client_id) = req.client_id else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Missing client_id",
        );
    };
    let Some(setup_code) = req.setup_code else {
        return bad("invalid_request", "Missing setup_code");
    };
    let lifetime = state.config.access_token_lifetime_secs;
    let result = state.db.call(move |c| {
        let tx = c.transaction()?;
        let row: Option<(i64, String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT user_id, scopes, expires_ms, used_ms FROM oauth_setup_codes WHERE code = ?1",
                [&setup_code],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((user_id, scopes, expires_ms, used_ms)) = row else {
            return Ok(Redeem::Refused("invalid_grant", "Invalid setup code"));
        };
        if used_ms.is_some() {
            return Ok(Redeem::Refused(
                "invalid_grant",
                "Setup code was already used",
            ));
        }
        let now = now_ms();
        if expires_ms <= now {
            return Ok(Redeem::Refused("invalid_grant", "Setup code has expired"));
        }
        tx.execute(
            "UPDATE oauth_setup_codes SET used_ms = ?1 WHERE code = ?2",
            params![now, setup_code],
        )?;
        let grant = issue_tokens(&tx, user_id, &scopes, &client_id, lifetime)?;
        tx.commit()?;
        Ok(Redeem::Granted(grant))
    });
    match result.await {
        Ok(Redeem::Granted(body)) => {
            state.hooks.setup_code_grants.fetch_add(1, Ordering::SeqCst);
            ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
        }
        Ok(Redeem::Refused(code, description)) => bad(code, description),
        Err(e) => e.into_response(),
    }
}

/// Parameters of `POST /oauth/setup-code/` and of the `/_test/setup-codes` control route.
#[derive(Deserialize, Default)]
pub(crate) struct SetupCodeRequest {
    /// Space-separated scopes; [`DEFAULT_SCOPES`] when absent.
    pub scope: Option<String>,
}

/// `POST /oauth/setup-code/` with `Authorization: Bearer <token>`: mints a setup code for
/// the token's user (`sentry local setup-code`). Sentry mints codes in its web UI for a
/// signed-in person; the token stands in for that session here. Org tokens have no user and
/// are refused.
async fn setup_code_endpoint(
    State(state): State<AppState>,
    headers: HeaderMap,
    OAuthParams(req): OAuthParams<SetupCodeRequest>,
) -> Response {
    let token = match crate::auth::bearer(&headers) {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => return ApiError::unauthorized().into_response(),
    };
    let authed = match state
        .db
        .call(move |c| crate::auth::lookup_token(c, &token))
        .await
    {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Some(user_id) = authed.user_id else {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "Setup codes are for users; organization tokens have no user.",
        )
        .into_response();
    };
    let scopes = match parse_scopes(req.scope.as_deref()) {
        Ok(scopes) => scopes,
        Err(unknown) => {
            return ApiError::bad_request(format!("Unknown scope: {unknown}")).into_response()
        }
    };
    // A code cannot grant more than the token minting it holds.
    if let Some(extra) = scopes.iter().find(|s| !authed.has_scope(s)) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            format!("The token minting this code lacks the scope {extra}."),
        )
        .into_response();
    }
    let lifetime = state.config.setup_code_lifetime_secs;
    match mint_setup_code(&state, user_id, scopes, lifetime).await {
        Ok(minted) => (
            StatusCode::CREATED,
            [(header::CACHE_CONTROL, "no-store")],
            Json(minted.json(&state.base_url)),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn refresh_grant(state: &AppState, req: TokenRequest) -> Response {
    let Some(refresh_token) = req.refresh_token else {
        return bad("invalid_request", "Missing refresh_token");
    };
    let client_id = req.client_id;
    let lifetime = state.config.access_token_lifetime_secs;
    let result = state.db.call(move |c| {
        let refresh_token = refresh_token.as_str();
        let tx = c.transaction()?;
        let row: Option<(String, i64, String, String)> = tx
            .query_row(
                "SELECT access_token, user_id, client_id, scopes FROM oauth_refresh_tokens WHERE token = ?1",
                [refresh_token],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((old_access, user_id, owner, scopes)) = row else {
            return Ok(None);
        };
        if client_id.as_ref().is_some_and(|id| *id != owner) {
            return Ok(None);
        }
        tx.execute("DELETE FROM oauth_refresh_tokens WHERE token = ?1", [refresh_token])?;
        tx.execute("DELETE FROM api_tokens WHERE token = ?1", [&old_access])?;
        let grant = issue_tokens(&tx, user_id, &scopes, &owner, lifetime)?;
        tx.commit()?;
        Ok(Some(grant))
    });
    match result.await {
        Ok(Some(body)) => {
            state.hooks.refresh_grants.fetch_add(1, Ordering::SeqCst);
            ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
        }
        Ok(None) => bad("invalid_grant", "Invalid refresh token"),
        Err(e) => e.into_response(),
    }
}

/// Creates an access/refresh token pair and renders the token response of Sentry.
fn issue_tokens(
    tx: &Transaction<'_>,
    user_id: i64,
    scopes: &str,
    client_id: &str,
    lifetime_secs: u64,
) -> rusqlite::Result<Value> {
    let access = random_hex(32);
    let refresh = random_hex(32);
    let now = now_ms();
    let expires_ms = now.saturating_add((lifetime_secs as i64).saturating_mul(1000));
    let created = now_iso();
    tx.execute(
        "INSERT INTO api_tokens (token, user_id, scopes, kind, expires_at, date_created) VALUES (?1, ?2, ?3, 'oauth', ?4, ?5)",
        params![access, user_id, scopes, expires_ms, created],
    )?;
    tx.execute(
        "INSERT INTO oauth_refresh_tokens (token, access_token, user_id, client_id, scopes, date_created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![refresh, access, user_id, client_id, scopes, created],
    )?;
    let (name, email): (String, String) = tx.query_row(
        "SELECT name, email FROM users WHERE id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let expires_at = jiff::Timestamp::from_millisecond(expires_ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_default();
    Ok(json!({
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": lifetime_secs,
        "expires_at": expires_at,
        "scope": scopes,
        "user": { "id": user_id.to_string(), "name": name, "email": email },
    }))
}

// ---------------------------------------------------------------------------------------
// The verification page a person opens from the terminal.

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Sentry (local)</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#2b1d38}}\
         input[type=text]{{font-size:1.5rem;letter-spacing:.2em;text-transform:uppercase;width:12ch}}\
         button{{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}}.error{{color:#c0392b}}code{{font-size:1.25rem}}</style>\
         </head><body><h1>{title}</h1>\n{body}\n</body></html>\n",
        title = escape_html(title),
    );
    (status, Html(html)).into_response()
}

fn entry_form(prefill: &str, error: Option<&str>) -> String {
    let mut body = String::new();
    if let Some(e) = error {
        let _ = write!(body, "<p class=\"error\">{}</p>", escape_html(e));
    }
    let _ = write!(
        body,
        "<p>Enter the code shown in your terminal.</p>\
         <form method=\"get\" action=\"/oauth/device/\">\
         <input type=\"text\" name=\"user_code\" value=\"{}\" autocomplete=\"off\" autofocus required> \
         <button type=\"submit\">Continue</button></form>",
        escape_html(prefill)
    );
    body
}

#[derive(Deserialize)]
struct PageQuery {
    user_code: Option<String>,
}

async fn device_page(State(state): State<AppState>, Query(q): Query<PageQuery>) -> Response {
    let raw = q.user_code.unwrap_or_default();
    if raw.trim().is_empty() {
        return page(StatusCode::OK, "Authorize device", &entry_form("", None));
    }
    let Some(code) = normalize_user_code(&raw) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Authorize device",
            &entry_form(&raw, Some(CodeProblem::Unknown.message())),
        );
    };
    let lookup = code.clone();
    let row = state
        .db
        .call(move |c| {
            Ok(c.query_row(
                "SELECT scopes, status, expires_ms FROM oauth_device_codes WHERE user_code = ?1",
                [&lookup],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()?)
        })
        .await;
    let problem = match row {
        Err(e) => return e.into_response(),
        Ok(None) => Some(CodeProblem::Unknown),
        Ok(Some((_, _, expires))) if expires <= now_ms() => Some(CodeProblem::Expired),
        Ok(Some((_, ref status, _))) if status != "pending" => Some(CodeProblem::AlreadyDecided),
        Ok(Some(_)) => None,
    };
    if let Some(p) = problem {
        return page(
            StatusCode::BAD_REQUEST,
            "Authorize device",
            &entry_form(&raw, Some(p.message())),
        );
    }
    let scopes = match row {
        Ok(Some((scopes, _, _))) => scopes,
        _ => String::new(),
    };
    let mut body = format!(
        "<p>The Sentry CLI is asking for access to this local Sentry as \
         <strong>Local Developer</strong>.</p><p>Code: <code>{}</code></p><p>Permissions:</p><ul>",
        escape_html(&code)
    );
    for s in scopes.split_whitespace() {
        let _ = write!(body, "<li>{}</li>", escape_html(s));
    }
    let _ = write!(
        body,
        "</ul><form method=\"post\" action=\"/oauth/device/\">\
         <input type=\"hidden\" name=\"user_code\" value=\"{}\">\
         <button type=\"submit\" name=\"action\" value=\"approve\">Approve</button>\
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></form>",
        escape_html(&code)
    );
    page(StatusCode::OK, "Authorize device", &body)
}

/// Refuses form posts from other web sites: any page in the browser could otherwise
/// approve a code it started itself against this server.
fn cross_site(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin != "null" && origin.trim_end_matches('/') != state.base_url.trim_end_matches('/')
}

async fn device_page_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    OAuthParams(form): OAuthParams<DecisionForm>,
) -> Response {
    if cross_site(&state, &headers) {
        return page(
            StatusCode::FORBIDDEN,
            "Authorize device",
            "<p class=\"error\">This form can only be submitted from this server's own page.</p>",
        );
    }
    let raw = form.user_code.unwrap_or_default();
    let decision = match form.action.as_deref() {
        Some("approve") => Decision::Approve,
        Some("deny") => Decision::Deny,
        _ => {
            return page(
                StatusCode::BAD_REQUEST,
                "Authorize device",
                &entry_form(&raw, Some("Choose Approve or Deny.")),
            )
        }
    };
    match decide(&state, &raw, decision).await {
        Err(e) => e.into_response(),
        Ok(Err(p)) => page(
            StatusCode::BAD_REQUEST,
            "Authorize device",
            &entry_form(&raw, Some(p.message())),
        ),
        Ok(Ok(_)) if decision == Decision::Approve => page(
            StatusCode::OK,
            "Device approved",
            "<p>You're signed in. Return to your terminal to continue.</p>",
        ),
        Ok(Ok(_)) => page(
            StatusCode::OK,
            "Request denied",
            "<p>The request was denied. You can close this page.</p>",
        ),
    }
}
