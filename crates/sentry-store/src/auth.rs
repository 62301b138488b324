//! The stored credential (`auth`, single row id = 1) and the cached identity (`user_info`).

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::{fault, now_ms, schema, Result, Store, StoreError, AUTH_LOCK_TIMEOUT, BUSY_TIMEOUT};

/// The `auth` row. Timestamps are ms since epoch. `host` is NULL for rows written before
/// schema v16 (the caller backfills it with the configured host, as upstream does).
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
    /// A record for a token obtained now, with upstream's timestamp rules (§1.7):
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

/// Cached identity of the logged-in user (`user_info`, single row id = 1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInfo {
    pub user_id: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub updated_at: i64,
}

/// What [`Store::with_auth_lock`] should do with the credential once the callback returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthChange {
    /// Leave the stored row as it is (another process already refreshed, or nothing to do).
    Keep,
    /// Replace the row (a refreshed token), committed atomically with the lock release.
    Set(AuthRecord),
    /// The session is dead (`invalid_grant`): clear credentials exactly like logout.
    Clear,
}

/// A column that older schema versions lack (`auth.host` < v16, `user_info.name` < v3):
/// absent reads as NULL, so a read-only old database still yields its login.
fn optional_col<T: rusqlite::types::FromSql>(
    r: &rusqlite::Row<'_>,
    name: &str,
) -> rusqlite::Result<Option<T>> {
    match r.get::<_, Option<T>>(name) {
        Err(rusqlite::Error::InvalidColumnName(_)) => Ok(None),
        other => other,
    }
}

fn read_auth(c: &Connection) -> rusqlite::Result<Option<AuthRecord>> {
    c.query_row("SELECT * FROM auth WHERE id = 1", [], |r| {
        Ok(AuthRecord {
            token: r.get("token")?,
            refresh_token: r.get("refresh_token")?,
            expires_at: r.get("expires_at")?,
            issued_at: r.get("issued_at")?,
            updated_at: r.get::<_, Option<i64>>("updated_at")?.unwrap_or(0),
            host: optional_col(r, "host")?,
        })
    })
    .optional()
}

fn write_auth(c: &Connection, rec: &AuthRecord) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO auth (id, token, refresh_token, expires_at, issued_at, updated_at, host)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET token = excluded.token,
           refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
           issued_at = excluded.issued_at, updated_at = excluded.updated_at,
           host = excluded.host",
        params![
            rec.token,
            rec.refresh_token,
            rec.expires_at,
            rec.issued_at,
            rec.updated_at,
            rec.host
        ],
    )?;
    Ok(())
}

/// Everything logout removes (§1.4); every other table and all metadata but the org regions'
/// sources (which belong to the removed rows) are kept.
fn clear_session(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "DELETE FROM auth WHERE id = 1;
         DELETE FROM user_info WHERE id = 1;
         DELETE FROM org_regions;
         DELETE FROM pagination_cursors;
         DELETE FROM issue_org_cache;",
    )?;
    crate::regions::clear_sources(c)
}

/// Restores the ordinary busy timeout when the auth lock is released, on every exit path.
struct TimeoutGuard<'a>(&'a Connection);

impl Drop for TimeoutGuard<'_> {
    fn drop(&mut self) {
        let _ = self.0.busy_timeout(BUSY_TIMEOUT);
    }
}

impl Store {
    /// The stored credential row, as written by us or by upstream.
    pub fn auth(&self) -> Result<Option<AuthRecord>> {
        self.read(read_auth)
    }

    /// Store the credential exactly as given (use [`AuthRecord::issued_now`] to build one).
    /// Must land: fails with [`StoreError::NotSaved`] when the row was not written.
    pub fn set_auth(&self, rec: &AuthRecord) -> Result<()> {
        self.write(|c| write_auth(c, rec))
    }

    /// Logout: delete the `auth` and `user_info` rows and all `org_regions`,
    /// `pagination_cursors` and `issue_org_cache` rows in one transaction (§1.4). Must land.
    pub fn clear_auth(&self) -> Result<()> {
        self.write(clear_session)
    }

    /// The cached identity of the logged-in user.
    pub fn user_info(&self) -> Result<Option<UserInfo>> {
        self.read(|c| {
            c.query_row("SELECT * FROM user_info WHERE id = 1", [], |r| {
                Ok(UserInfo {
                    user_id: r.get("user_id")?,
                    email: r.get("email")?,
                    username: r.get("username")?,
                    name: optional_col(r, "name")?,
                    updated_at: r.get::<_, Option<i64>>("updated_at")?.unwrap_or(0),
                })
            })
            .optional()
        })
    }

    /// Replace the identity saved at login; `updated_at` is set to now. Must land.
    pub fn set_user_info(&self, u: &UserInfo) -> Result<()> {
        let now = now_ms();
        self.write(|c| {
            c.execute(
                "INSERT INTO user_info (id, user_id, email, username, name, updated_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id,
                   email = excluded.email, username = excluded.username,
                   name = excluded.name, updated_at = excluded.updated_at",
                params![u.user_id, u.email, u.username, u.name, now],
            )?;
            Ok(())
        })
    }

    /// Cross-process serialisation of the OAuth refresh.
    ///
    /// Takes SQLite's write lock (`BEGIN IMMEDIATE`, waiting up to [`AUTH_LOCK_TIMEOUT`]),
    /// re-reads the auth row inside the lock and hands it to `f`. Whatever `f` decides
    /// ([`AuthChange`]) is committed atomically when the lock is released, so N processes
    /// refreshing at once perform one refresh each in turn, each seeing the previous result:
    /// `f` should first check whether the record it receives still needs refreshing.
    ///
    /// `f` runs while the lock (and this store's connection) is held: it must not call back
    /// into this `Store` (that would deadlock) and should do nothing slower than the token
    /// request. If `f` returns `Err`, nothing is written.
    ///
    /// Must land: when the store cannot be written, `f` still runs on what can be read, and
    /// a change it asks for ([`AuthChange::Set`]/[`AuthChange::Clear`]) fails with
    /// [`StoreError::NotSaved`] instead of being dropped; [`AuthChange::Keep`] succeeds.
    pub fn with_auth_lock<T, E>(
        &self,
        f: impl FnOnce(Option<AuthRecord>) -> std::result::Result<(AuthChange, T), E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        let known = self.state().unwritable.clone();
        if let Some(fault) = known {
            let current = self.auth()?;
            let (change, value) = f(current)?;
            return match change {
                AuthChange::Keep => Ok(value),
                _ => Err(self.not_saved(fault).into()),
            };
        }
        let conn = self.conn();
        conn.busy_timeout(AUTH_LOCK_TIMEOUT)
            .map_err(|e| self.err(e))?;
        let _restore = TimeoutGuard(&conn);

        let tx = match rusqlite::Transaction::new_unchecked(&conn, TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                let fault = fault::from_sqlite(Some(&conn), &e, &self.path);
                if !fault.is_unwritable() {
                    return Err(self.not_saved(fault).into());
                }
                // The file cannot be written at all: answer from what can be read.
                let current = read_auth(&conn).ok().flatten();
                let (change, value) = f(current)?;
                return match change {
                    AuthChange::Keep => Ok(value),
                    _ => Err(self.not_saved(fault).into()),
                };
            }
        };
        let current = match read_auth(&tx) {
            Ok(v) => v,
            Err(e) if schema::is_schema_error(&e) => {
                let mut fixed = Vec::new();
                schema::repair(&tx, &mut fixed).map_err(|e| self.err(e))?;
                if !fixed.is_empty() {
                    log::info!("Auto-repaired database: {}", fixed.join(", "));
                }
                read_auth(&tx).map_err(|e| self.err(e))?
            }
            Err(e) => return Err(self.err(e).into()),
        };
        // On `Err` (or a panic) the transaction is dropped, which rolls it back.
        let (change, value) = f(current)?;
        let applied = match &change {
            AuthChange::Keep => Ok(()),
            AuthChange::Set(rec) => write_auth(&tx, rec),
            AuthChange::Clear => clear_session(&tx),
        }
        .and_then(|()| tx.commit());
        match applied {
            Ok(()) => Ok(value),
            Err(e) => Err(self
                .not_saved(fault::from_sqlite(Some(&conn), &e, &self.path))
                .into()),
        }
    }
}
