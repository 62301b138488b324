//! Keeping an OAuth session alive.
//!
//! Refresh tokens rotate: each one is good for exactly one refresh. Several CLI processes
//! sharing one `cli.db` (parallel CI steps, shell pipelines) would otherwise race: the
//! loser posts an already-used refresh token, gets `invalid_grant` and logs the user out.
//! So every refresh runs inside [`sentry_store::Store::with_auth_lock`], re-reads the stored
//! row there and only posts when the row still needs it; a process that waited on the lock
//! finds the token its neighbour obtained and uses it without a request.

use std::path::PathBuf;

use sentry_store::{AuthChange, AuthRecord, Store, StoreError};

use crate::auth::oauth::{unreachable_error, CallError, OAuthClient};
use crate::context::store_error;
use crate::error::{exit, CliError};

/// Refresh when this fraction of the token's lifetime or less remains (upstream's 10 %).
pub const REFRESH_THRESHOLD: f64 = 0.1;

/// Assumed lifetime when a row has an expiry but no issue time (upstream's fallback).
const DEFAULT_LIFETIME_MS: i64 = 3_600_000;

/// Whether a stored access token should be refreshed before use.
pub fn needs_refresh(expires_at: Option<i64>, issued_at: Option<i64>, now: i64) -> bool {
    let Some(exp) = expires_at else {
        return false;
    };
    let issued = issued_at.unwrap_or(exp - DEFAULT_LIFETIME_MS);
    let lifetime = (exp - issued).max(0);
    let remaining = exp - now;
    remaining <= 0 || (remaining as f64) <= lifetime as f64 * REFRESH_THRESHOLD
}

/// What the caller wants from [`refresh_locked`].
#[derive(Debug, Clone, Copy)]
pub enum Want<'a> {
    /// Refresh only if the stored token is (nearly) expired.
    IfNeeded,
    /// `auth refresh --force`.
    Force,
    /// The server answered 401 to this token: refresh unless it was already replaced.
    Rejected(&'a str),
}

/// Result of a refresh attempt that did not fail.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// This process obtained a new token.
    Refreshed(AuthRecord),
    /// Nothing to do: the stored token is fresh (possibly thanks to another process).
    Current(AuthRecord),
}

impl Outcome {
    pub fn record(&self) -> &AuthRecord {
        match self {
            Outcome::Refreshed(r) | Outcome::Current(r) => r,
        }
    }
}

enum LockError {
    Store(StoreError),
    Cli(CliError),
}

impl From<StoreError> for LockError {
    fn from(e: StoreError) -> Self {
        LockError::Store(e)
    }
}

pub fn not_authenticated() -> CliError {
    CliError::new(
        exit::NOT_AUTHENTICATED,
        "Not authenticated. Run 'sentry auth login' first.",
    )
}

/// Message of a refresh token the server no longer accepts (credentials are cleared).
pub fn session_expired(why: &str) -> CliError {
    CliError::new(
        exit::TOKEN_EXPIRED,
        format!("Session expired: {why}. Run 'sentry auth login' to re-authenticate."),
    )
}

/// Refreshes the session of the stored account `account_id` under its cross-process lock.
pub fn refresh_locked(
    store: &Store,
    oauth: &OAuthClient,
    want: Want<'_>,
    account_id: &str,
) -> Result<Outcome, CliError> {
    let result = store.with_account_lock(
        account_id,
        |current| -> Result<(AuthChange, Result<Outcome, CliError>), LockError> {
            let Some(rec) = current
                .map(|a| a.auth_record())
                .filter(|r| r.token.as_deref().is_some_and(|t| !t.is_empty()))
            else {
                return Ok((AuthChange::Keep, Err(not_authenticated())));
            };
            let token = rec.token.clone().unwrap_or_default();
            let now = sentry_store::now_ms();
            let needed = match want {
                Want::IfNeeded => needs_refresh(rec.expires_at, rec.issued_at, now),
                Want::Force => true,
                Want::Rejected(rejected) => token == rejected,
            };
            if !needed {
                return Ok((AuthChange::Keep, Ok(Outcome::Current(rec))));
            }
            let Some(refresh_token) = rec.refresh_token.clone().filter(|r| !r.is_empty()) else {
                return Ok((
                    AuthChange::Keep,
                    Err(CliError::new(
                        exit::TOKEN_EXPIRED,
                        "Session expired and no refresh token available. Run 'sentry auth login'.",
                    )),
                ));
            };
            log::debug!("refreshing the OAuth access token at {}", oauth.host);
            match oauth.refresh(&refresh_token) {
                Ok(Ok(grant)) => {
                    crate::logging::register_secret(&grant.access_token);
                    let host = rec.host.clone().or_else(|| Some(oauth.host.clone()));
                    let new = AuthRecord::issued_now(
                        grant.access_token,
                        grant.refresh_token.or(Some(refresh_token)),
                        Some(grant.expires_in),
                        host,
                    );
                    Ok((AuthChange::Set(new.clone()), Ok(Outcome::Refreshed(new))))
                }
                Ok(Err(why)) => Ok((AuthChange::Clear, Err(session_expired(&why)))),
                Err(CallError::Unreachable(e)) => Err(LockError::Cli(unreachable_error(
                    &oauth.host,
                    &e,
                    exit::API,
                ))),
                Err(CallError::Other(e)) => Err(LockError::Cli(e)),
            }
        },
    );
    match result {
        Ok(inner) => inner,
        Err(LockError::Store(e)) => Err(store_error(e)),
        Err(LockError::Cli(e)) => Err(e),
    }
}

/// The api crate's hook for "the server said 401": refresh once under the lock.
pub struct StoreRefresher {
    pub config_dir: PathBuf,
    pub template: sentry_api::ClientConfig,
    pub host: String,
    pub client_id: String,
    /// The stored account whose session is refreshed.
    pub account_id: String,
}

impl sentry_api::TokenRefresher for StoreRefresher {
    fn refresh(&self, rejected_token: &str) -> Result<Option<String>, sentry_api::ApiError> {
        let to_api = |e: CliError| sentry_api::ApiError::Auth {
            message: e.full_message(),
            hint: e.hint.clone(),
            exit_code: e.exit_code,
        };
        let store = Store::open(&self.config_dir).map_err(|e| to_api(store_error(e)))?;
        let oauth =
            OAuthClient::new(self.template.clone(), &self.host, &self.client_id).map_err(to_api)?;
        let outcome = refresh_locked(
            &store,
            &oauth,
            Want::Rejected(rejected_token),
            &self.account_id,
        )
        .map_err(to_api)?;
        let token = outcome.record().token.clone();
        if let Some(t) = &token {
            crate::logging::register_secret(t);
        }
        // Same token as the rejected one means nothing changed: let the 401 stand.
        Ok(token.filter(|t| t != rejected_token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        let now = 1_000_000_000;
        // 300 s left of 3600 s: refresh (observed upstream).
        assert!(needs_refresh(
            Some(now + 300_000),
            Some(now - 3_300_000),
            now
        ));
        // 400 s left of 3600 s: keep.
        assert!(!needs_refresh(
            Some(now + 400_000),
            Some(now - 3_200_000),
            now
        ));
        assert!(needs_refresh(Some(now - 1), Some(now - 10_000), now));
        assert!(!needs_refresh(None, None, now));
        // Missing issue time: assume one hour.
        assert!(!needs_refresh(Some(now + 1_800_000), None, now));
        assert!(needs_refresh(Some(now + 100_000), None, now));
    }
}
