//! The single-login view of the store, kept while the binary moves to the accounts API.
//!
//! Up to schema v17 the credential lived in `auth` (one row, id = 1) and the identity in
//! `user_info`; v18 folded both into `accounts`. These calls map the old shape onto the
//! **active account**:
//!
//! | call | on schema 21 |
//! | --- | --- |
//! | [`Store::auth`] | the active account's credentials, when it holds a token |
//! | [`Store::set_auth`] | [`Store::save_login`] with [`LoginTarget::ReplaceOnServer`]: replace the login for `rec.host`'s server (accounts on other servers stay) and make it active |
//! | [`Store::clear_auth`] | log out of the active account; the most recently used other one takes over |
//! | [`Store::user_info`] | the identity of the account [`Store::auth`] returns |
//! | [`Store::set_user_info`] | [`Store::set_account_identity`] on the active account |
//! | [`Store::with_auth_lock`] | [`Store::with_account_lock`] on the account active when the lock is taken |

use crate::accounts::{LockTarget, LoginTarget};
use crate::{now_ms, Result, Store, StoreError};

/// A login's credentials (the pre-v18 `auth` row shape). Timestamps are ms since epoch.
/// `host` is NULL for logins made before schema v16 (the caller backfills it with the
/// configured host, as upstream does).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthRecord {
    pub token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_at: Option<i64>,
    pub issued_at: Option<i64>,
    pub updated_at: i64,
    pub host: Option<String>,
}

impl AuthRecord {
    /// A record for a token obtained now, with upstream's timestamp rules:
    /// `expires_at = now + expires_in`, `issued_at = now`, both NULL without `expires_in`
    /// (API tokens never expire and are never refreshed).
    pub fn issued_now(
        token: impl Into<String>,
        refresh_token: Option<String>,
        expires_in_secs: Option<u64>,
        host: Option<String>,
    ) -> AuthRecord {
        let now = now_ms();
        let expires_at =
            expires_in_secs.map(|s| now.saturating_add((s as i64).saturating_mul(1000)));
        AuthRecord {
            token: Some(token.into()),
            refresh_token,
            expires_at,
            issued_at: expires_at.map(|_| now),
            updated_at: now,
            host,
        }
    }
}

/// Who a login belongs to (the pre-v18 `user_info` row shape).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInfo {
    pub user_id: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    /// Read: the account's `updated_at`. Ignored when writing.
    pub updated_at: i64,
}

/// What [`Store::with_account_lock`] / [`Store::with_auth_lock`] should do with the locked
/// account once the callback returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthChange {
    /// Leave the account as it is (another process already refreshed, or nothing to do).
    Keep,
    /// Replace its credentials (a refreshed token; a record without a host keeps the
    /// stored one), committed atomically with the lock release. Under
    /// [`Store::with_auth_lock`] with no logged-in active account this stores a new login
    /// (as [`Store::set_auth`] does).
    Set(AuthRecord),
    /// The session is dead (`invalid_grant`): invalidate the account as upstream does
    /// (credentials and their cached regions gone, row and identity kept; see
    /// [`Store::invalidate_account`]).
    Clear,
}

impl Store {
    /// The active account's credentials, when it holds a token (`None` when nobody is
    /// logged in or the active account was invalidated).
    pub fn auth(&self) -> Result<Option<AuthRecord>> {
        Ok(self
            .active_account()?
            .filter(|a| a.has_token())
            .map(|a| a.auth_record()))
    }

    /// Store a login for `rec.host`'s server and make it the active account (see
    /// [`LoginTarget::ReplaceOnServer`]). The record is stored as given (build one with
    /// [`AuthRecord::issued_now`]). Must land: [`StoreError::NotSaved`] when it did not.
    pub fn set_auth(&self, rec: &AuthRecord) -> Result<()> {
        self.save_login(rec, LoginTarget::ReplaceOnServer)
            .map(|_| ())
    }

    /// Logout of the active account: it and its cached regions are removed, the
    /// per-session caches (`pagination_cursors`, `issue_org_cache`, `completion_cache`) are
    /// emptied, and the most recently used remaining account becomes active. Without an
    /// active account only the per-session caches are emptied. Must land.
    pub fn clear_auth(&self) -> Result<()> {
        match self.active_account()? {
            Some(a) => self.remove_account(&a.account_id, true).map(|_| ()),
            None => self.write(crate::accounts::clear_session_caches),
        }
    }

    /// Who the login [`Store::auth`] returns belongs to, once known.
    pub fn user_info(&self) -> Result<Option<UserInfo>> {
        Ok(self
            .active_account()?
            .filter(|a| a.has_token())
            .and_then(|a| a.user_info()))
    }

    /// Save who the active account belongs to (see [`Store::set_account_identity`]; other
    /// accounts of that user on the same server are removed as duplicates). Must land.
    /// Without an active account there is no login to describe and nothing is written, as
    /// upstream does (another process logged out meanwhile); use
    /// [`Store::set_account_identity`] with the id [`Store::save_login`] returned to name
    /// exactly the login just made.
    pub fn set_user_info(&self, u: &UserInfo) -> Result<()> {
        let Some(active) = self.active_account()? else {
            log::debug!("no active account to attach the identity to");
            return Ok(());
        };
        match self.set_account_identity(&active.account_id, u) {
            // Logged out between the two steps: the same as no active account.
            Err(StoreError::NoSuchAccount(_)) => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// [`Store::with_account_lock`] for whichever account is active when the lock is
    /// taken, seen as its credentials (`None` when there is no active account or it holds
    /// no token).
    pub fn with_auth_lock<T, E>(
        &self,
        f: impl FnOnce(Option<AuthRecord>) -> std::result::Result<(AuthChange, T), E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        self.locked(LockTarget::Active, |acct| {
            f(acct.filter(|a| a.has_token()).map(|a| a.auth_record()))
        })
    }
}
