//! `accounts` (schema v21): every stored login, one row each, exactly one of them active.
//!
//! The rules follow upstream 0.49 so both tools agree on which login is in use:
//!
//! - the **active** account is the row with `is_active = 1` (the most recently updated one,
//!   should several claim it);
//! - a login for a server **replaces** the login stored for that server (the active account
//!   when it is on that server, else the most recently used account there) and becomes
//!   active; accounts on other servers are kept. Adding *another* account on a server is a
//!   separate, explicit mode ([`LoginTarget::NewAccount`]);
//! - whenever a different account becomes active, the per-session caches
//!   (`pagination_cursors`, `issue_org_cache`, `completion_cache`) are emptied;
//! - removing an account also removes the `org_regions` rows cached under its credential;
//!   removing the active one lets the most recently used remaining account take over when
//!   asked to (plain `auth logout`);
//! - a refresh token the server rejects **invalidates** the account (credentials cleared, the
//!   row and its identity kept, still active), so the user sees which login to renew instead
//!   of silently continuing as someone else.
//!
//! Every write here must land ([`crate::StoreError::NotSaved`] on failure), except
//! [`Store::mark_account_used`], which is bookkeeping. Rows another tool wrote with values we
//! cannot use (a token that is not text, a host that is not an http(s) URL, …) are skipped
//! with one warning per process; the other accounts stay usable.

use std::cell::RefCell;

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::auth::{AuthChange, AuthRecord, UserInfo};
use crate::{fault, now_ms, schema, Result, Store, StoreError, AUTH_LOCK_TIMEOUT, BUSY_TIMEOUT};

/// Credential identity used when no token is in play (upstream's value, so cache rows made
/// anonymously line up in both tools).
pub const ANONYMOUS_IDENTITY: &str = "<anon>";

/// What kind of secret a credential identity is derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A stored OAuth session, identified by its refresh token (stable across access-token
    /// refreshes that keep the refresh token).
    OAuthRefresh,
    /// A stored login without a refresh token (`auth login --token`, or an OAuth grant
    /// without one), identified by its access token.
    OAuthAccess,
    /// A token from the environment or another non-stored source.
    Env,
}

impl CredentialKind {
    fn label(self) -> &'static str {
        match self {
            CredentialKind::OAuthRefresh => "oauth",
            CredentialKind::OAuthAccess => "oauth-access",
            CredentialKind::Env => "env",
        }
    }
}

/// The credential identity upstream keys per-credential caches with (`org_regions`):
/// lowercase hex SHA-256 of `<kind label> NUL <secret>`. The secret itself is never stored
/// in cache rows, only this digest.
pub fn credential_identity(kind: CredentialKind, secret: &str) -> String {
    let mut data = Vec::with_capacity(kind.label().len() + 1 + secret.len());
    data.extend_from_slice(kind.label().as_bytes());
    data.push(0);
    data.extend_from_slice(secret.as_bytes());
    let digest = ring::digest::digest(&ring::digest::SHA256, &data);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Identity of a stored login: by refresh token when there is one, else by access token;
/// `None` without either (an invalidated account).
pub(crate) fn credential_identity_of(
    token: Option<&str>,
    refresh_token: Option<&str>,
) -> Option<String> {
    if let Some(r) = refresh_token.filter(|r| !r.is_empty()) {
        return Some(credential_identity(CredentialKind::OAuthRefresh, r));
    }
    token
        .filter(|t| !t.is_empty())
        .map(|t| credential_identity(CredentialKind::OAuthAccess, t))
}

/// A new account id: a UUIDv7 string (RFC 9562: 48-bit Unix milliseconds, version 7,
/// variant 10, the rest random), as upstream generates, so ids sort by creation time.
pub(crate) fn new_account_id() -> String {
    use ring::rand::SecureRandom;
    let mut rnd = [0u8; 10];
    if ring::rand::SystemRandom::new().fill(&mut rnd).is_err() {
        // No OS randomness: uniqueness is all an account id needs; mix time and pid.
        let seed = (std::process::id() as u128) << 64
            | std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
        rnd.copy_from_slice(&seed.to_le_bytes()[..10]);
    }
    let ms = (now_ms().max(0) as u64) & 0xffff_ffff_ffff;
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6] = 0x70 | (rnd[0] & 0x0f);
    b[7] = rnd[1];
    b[8] = 0x80 | (rnd[2] & 0x3f);
    b[9..].copy_from_slice(&rnd[3..]);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The origin (`scheme://host[:port]`, lowercase, default port dropped) of an http(s) URL
/// without credentials, as upstream compares servers; `None` for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https")
        || u.host_str().is_none_or(str::is_empty)
        || !u.username().is_empty()
        || u.password().is_some()
    {
        return None;
    }
    Some(u.origin().ascii_serialization())
}

/// The key two hosts are compared by: their origin, with every SaaS origin
/// (`https://sentry.io`, `https://<region>.sentry.io`, default port) counting as one server.
fn server_key(host: &str) -> Option<String> {
    let origin = origin_of(host)?;
    let saas = origin
        .strip_prefix("https://")
        .filter(|h| !h.contains(':'))
        .is_some_and(|h| h == "sentry.io" || h.ends_with(".sentry.io"));
    Some(if saas { "saas".into() } else { origin })
}

/// Whether two host URLs name the same Sentry server (upstream's rule: same origin, and all
/// of SaaS is one server). Unparsable hosts match nothing.
pub fn same_server(a: &str, b: &str) -> bool {
    matches!((server_key(a), server_key(b)), (Some(x), Some(y)) if x == y)
}

/// One `accounts` row. Timestamps are ms since epoch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Account {
    /// UUIDv7 string.
    pub account_id: String,
    /// Origin of the server the login is for; `None` in rows migrated from logins made
    /// before schema v16 (the caller binds them to the configured host).
    pub host: Option<String>,
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    /// `None` once the account was invalidated (a rejected refresh token) — the row stays
    /// so the user can see and renew it.
    pub token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_at: Option<i64>,
    pub issued_at: Option<i64>,
    pub is_active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_used_at: i64,
}

impl Account {
    /// Upstream's "usable": a token that has not expired, or expired but refreshable.
    pub fn is_usable(&self, now_ms: i64) -> bool {
        let Some(_) = self.token.as_deref().filter(|t| !t.is_empty()) else {
            return false;
        };
        self.expires_at.is_none_or(|e| e == 0 || now_ms <= e)
            || self.refresh_token.as_deref().is_some_and(|r| !r.is_empty())
    }

    /// Whether the account holds a (possibly expired) token at all.
    pub fn has_token(&self) -> bool {
        self.token.as_deref().is_some_and(|t| !t.is_empty())
    }

    /// The identity its per-credential cache rows are keyed by (see
    /// [`credential_identity`]); `None` for an invalidated account.
    pub fn credential_identity(&self) -> Option<String> {
        credential_identity_of(self.token.as_deref(), self.refresh_token.as_deref())
    }

    /// Whether the login is for `host`'s server (see [`same_server`]).
    pub fn is_on_server(&self, host: &str) -> bool {
        self.host.as_deref().is_some_and(|h| same_server(h, host))
    }

    /// The credential part, in the shape of the pre-v18 `auth` row.
    pub fn auth_record(&self) -> AuthRecord {
        AuthRecord {
            token: self.token.clone(),
            refresh_token: self.refresh_token.clone(),
            expires_at: self.expires_at,
            issued_at: self.issued_at,
            updated_at: self.updated_at,
            host: self.host.clone(),
        }
    }

    /// The identity part, in the shape of the pre-v18 `user_info` row (`None` until the
    /// user's id is known).
    pub fn user_info(&self) -> Option<UserInfo> {
        Some(UserInfo {
            user_id: self.user_id.clone().filter(|u| !u.is_empty())?,
            email: self.email.clone(),
            username: self.username.clone(),
            name: self.name.clone(),
            updated_at: self.updated_at,
        })
    }
}

/// Which stored login [`Store::save_login`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginTarget<'a> {
    /// A plain login (or `--force`): replace the login stored for the record's server —
    /// the active account when it is on that server (or has no host yet), else the most
    /// recently used account there — or add one. The result becomes active.
    ReplaceOnServer,
    /// `auth login <email>` while logged in: always a new account, which becomes active.
    NewAccount,
    /// Renew the credentials of this stored account without changing which account is
    /// active. Fails with [`StoreError::NoSuchAccount`] when it is gone, or is on another
    /// server than the record's host.
    Account(&'a str),
}

/// What [`Store::save_login`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOutcome {
    pub account_id: String,
    /// An existing account's credentials were replaced (as opposed to a new row).
    pub replaced: bool,
    /// Whether the account is now the active one.
    pub active: bool,
}

/// What [`Store::set_account_identity`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdentityOutcome {
    /// Other accounts of the same user on the same server, removed as duplicates (a
    /// re-login that turned out to be the same person).
    pub removed_duplicates: Vec<String>,
}

const ACCOUNT_COLS: &str = "account_id, host, user_id, email, username, name, token, \
    refresh_token, expires_at, issued_at, is_active, created_at, updated_at, last_used_at";

/// Upstream's recency order (the account a logout promotes, the one a server's login
/// replaces).
const RECENT_FIRST: &str =
    "ORDER BY last_used_at DESC, updated_at DESC, created_at ASC, account_id ASC";

/// A row that could not be used, with the reason (for the one warning).
pub(crate) struct Unreadable {
    id: String,
    why: String,
}

fn text(v: &Value, column: &str) -> std::result::Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Text(s) => Ok(Some(s.clone())),
        _ => Err(format!("{column} is not text")),
    }
}

fn int(v: &Value, column: &str) -> std::result::Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Integer(i) => Ok(Some(*i)),
        _ => Err(format!("{column} is not an integer")),
    }
}

fn display_id(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Null => "(none)".into(),
        _ => "(binary)".into(),
    }
}

fn parse_account(v: &[Value]) -> std::result::Result<Account, Unreadable> {
    let id = display_id(&v[0]);
    let fail = |why: String| Unreadable {
        id: id.clone(),
        why,
    };
    let account_id = text(&v[0], "account_id")
        .map_err(fail)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| fail("account_id is missing".into()))?;
    let host = text(&v[1], "host").map_err(fail)?;
    if let Some(h) = &host {
        if origin_of(h).is_none() {
            return Err(fail(format!("host '{h}' is not an http(s) URL")));
        }
    }
    Ok(Account {
        account_id,
        host,
        user_id: text(&v[2], "user_id").map_err(fail)?,
        email: text(&v[3], "email").map_err(fail)?,
        username: text(&v[4], "username").map_err(fail)?,
        name: text(&v[5], "name").map_err(fail)?,
        token: text(&v[6], "token").map_err(fail)?,
        refresh_token: text(&v[7], "refresh_token").map_err(fail)?,
        expires_at: int(&v[8], "expires_at").map_err(fail)?,
        issued_at: int(&v[9], "issued_at").map_err(fail)?,
        is_active: int(&v[10], "is_active").map_err(fail)? == Some(1),
        created_at: int(&v[11], "created_at").map_err(fail)?.unwrap_or(0),
        updated_at: int(&v[12], "updated_at").map_err(fail)?.unwrap_or(0),
        last_used_at: int(&v[13], "last_used_at").map_err(fail)?.unwrap_or(0),
    })
}

/// The login of a pre-v18 file we may not migrate (read-only, or another user's), read from
/// `auth`/`user_info` as the one active account, so such a file does not look logged out.
fn legacy_login(c: &Connection) -> rusqlite::Result<Option<Account>> {
    if !schema::table_exists(c, "auth")? {
        return Ok(None);
    }
    let (token, refresh_token, expires_at, issued_at, updated_at, host) =
        match schema::legacy_auth_row(c)? {
            Some(row) => row,
            None => return Ok(None),
        };
    let (user_id, email, username, name) = schema::legacy_user_row(c)?.unwrap_or_default();
    Ok(Some(Account {
        account_id: LEGACY_ACCOUNT_ID.to_string(),
        host,
        user_id,
        email,
        username,
        name,
        token,
        refresh_token,
        expires_at,
        issued_at,
        is_active: true,
        created_at: updated_at.unwrap_or(0),
        updated_at: updated_at.unwrap_or(0),
        last_used_at: updated_at.unwrap_or(0),
    }))
}

/// Id reported for the login of an unmigrated pre-v18 file (see [`legacy_login`]).
pub const LEGACY_ACCOUNT_ID: &str = "legacy-auth-row";

/// Accounts matching `filter` (an SQL tail: `WHERE …` and/or `ORDER BY …`), each parsed
/// or set aside as unreadable. A file without `accounts` (pre-v18, not migrated because it
/// cannot be written) yields its legacy login whatever the filter.
fn query_accounts(
    c: &Connection,
    tail: &str,
    args: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<(Vec<Account>, Vec<Unreadable>)> {
    if !schema::table_exists(c, "accounts")? {
        return Ok((legacy_login(c)?.into_iter().collect(), Vec::new()));
    }
    let mut stmt = c.prepare(&format!("SELECT {ACCOUNT_COLS} FROM accounts {tail}"))?;
    let rows = stmt.query_map(args, |r| {
        (0..14)
            .map(|i| r.get::<_, Value>(i))
            .collect::<rusqlite::Result<Vec<Value>>>()
    })?;
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for row in rows {
        match parse_account(&row?) {
            Ok(a) => good.push(a),
            Err(u) => bad.push(u),
        }
    }
    Ok((good, bad))
}

fn all_accounts(c: &Connection) -> rusqlite::Result<(Vec<Account>, Vec<Unreadable>)> {
    query_accounts(c, "ORDER BY created_at ASC, account_id ASC", &[])
}

fn active_of(c: &Connection) -> rusqlite::Result<(Option<Account>, Vec<Unreadable>)> {
    let (good, bad) = query_accounts(c, "WHERE is_active = 1 ORDER BY updated_at DESC", &[])?;
    Ok((good.into_iter().next(), bad))
}

fn by_id(c: &Connection, id: &str) -> rusqlite::Result<(Option<Account>, Vec<Unreadable>)> {
    let (good, bad) = query_accounts(c, "WHERE account_id = ?1", &[&id])?;
    Ok((good.into_iter().find(|a| a.account_id == id), bad))
}

/// Upstream's per-session caches, emptied whenever the active account changes: their rows
/// are not keyed by account.
pub(crate) fn clear_session_caches(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "DELETE FROM pagination_cursors;
         DELETE FROM issue_org_cache;
         DELETE FROM completion_cache;",
    )
}

/// Make `id` the only active account and stamp its `last_used_at`.
fn activate(c: &Connection, id: &str, now: i64) -> rusqlite::Result<()> {
    c.execute("UPDATE accounts SET is_active = 0 WHERE is_active = 1", [])?;
    c.execute(
        "UPDATE accounts SET is_active = 1, last_used_at = ?1 WHERE account_id = ?2",
        params![now, id],
    )?;
    Ok(())
}

/// Delete the `org_regions` rows cached under an account: by its credential identity and
/// by its id.
fn delete_regions_of(
    c: &Connection,
    id: &str,
    token: Option<&str>,
    refresh: Option<&str>,
) -> rusqlite::Result<()> {
    if let Some(identity) = credential_identity_of(token, refresh) {
        c.execute(
            "DELETE FROM org_regions WHERE credential_identity = ?1",
            [identity],
        )?;
    }
    c.execute("DELETE FROM org_regions WHERE account_id = ?1", [id])?;
    Ok(())
}

/// Token, refresh token and active flag of a row.
type RawCredentials = (Option<String>, Option<String>, bool);

/// The raw credentials of a row, read without the strict parse (so an unreadable row can
/// still be removed with its caches).
fn raw_credentials(c: &Connection, id: &str) -> rusqlite::Result<Option<RawCredentials>> {
    c.query_row(
        "SELECT token, refresh_token, is_active FROM accounts WHERE account_id = ?1",
        [id],
        |r| {
            let t = r.get::<_, Value>(0)?;
            let rt = r.get::<_, Value>(1)?;
            let active = r.get::<_, Value>(2)?;
            Ok((
                text(&t, "").ok().flatten(),
                text(&rt, "").ok().flatten(),
                matches!(active, Value::Integer(1)),
            ))
        },
    )
    .optional()
}

/// Remove one account and its cached regions; `Some(was_active)` when it existed.
fn delete_account(c: &Connection, id: &str) -> rusqlite::Result<Option<bool>> {
    let Some((token, refresh, active)) = raw_credentials(c, id)? else {
        return Ok(None);
    };
    delete_regions_of(c, id, token.as_deref(), refresh.as_deref())?;
    c.execute("DELETE FROM accounts WHERE account_id = ?1", [id])?;
    Ok(Some(active))
}

/// Upstream's invalidation: forget the credentials (and what was cached under them), keep
/// the row, its identity and whether it is active.
fn invalidate(c: &Connection, id: &str, now: i64) -> rusqlite::Result<bool> {
    let Some((token, refresh, _)) = raw_credentials(c, id)? else {
        return Ok(false);
    };
    delete_regions_of(c, id, token.as_deref(), refresh.as_deref())?;
    c.execute(
        "UPDATE accounts SET token = NULL, refresh_token = NULL, expires_at = NULL,
           issued_at = NULL, updated_at = ?1 WHERE account_id = ?2",
        params![now, id],
    )?;
    clear_session_caches(c)?;
    Ok(true)
}

/// Overwrite one account's credentials; a record without a host keeps the stored one.
fn update_credentials(c: &Connection, id: &str, rec: &AuthRecord) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE accounts SET host = coalesce(?1, host), token = ?2, refresh_token = ?3,
           expires_at = ?4, issued_at = ?5, updated_at = ?6 WHERE account_id = ?7",
        params![
            rec.host,
            rec.token,
            rec.refresh_token,
            rec.expires_at,
            rec.issued_at,
            rec.updated_at,
            id
        ],
    )?;
    Ok(())
}

fn insert_active(c: &Connection, rec: &AuthRecord, now: i64) -> rusqlite::Result<String> {
    let id = new_account_id();
    c.execute("UPDATE accounts SET is_active = 0 WHERE is_active = 1", [])?;
    c.execute(
        "INSERT INTO accounts (account_id, host, token, refresh_token, expires_at, issued_at,
           is_active, created_at, updated_at, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?7)",
        params![
            id,
            rec.host,
            rec.token,
            rec.refresh_token,
            rec.expires_at,
            rec.issued_at,
            now,
            rec.updated_at
        ],
    )?;
    clear_session_caches(c)?;
    Ok(id)
}

/// The write behind [`Store::save_login`], inside the caller's transaction. `Ok(None)`:
/// the target account is gone (or on another server).
fn apply_login(
    c: &Connection,
    rec: &AuthRecord,
    target: LoginTarget<'_>,
    bad: &mut Vec<Unreadable>,
) -> rusqlite::Result<Option<LoginOutcome>> {
    let now = now_ms();
    match target {
        LoginTarget::Account(id) => {
            let (acct, b) = by_id(c, id)?;
            bad.extend(b);
            let Some(acct) = acct else { return Ok(None) };
            if let (Some(want), Some(_)) = (rec.host.as_deref(), acct.host.as_deref()) {
                if !acct.is_on_server(want) {
                    return Ok(None);
                }
            }
            update_credentials(c, &acct.account_id, rec)?;
            Ok(Some(LoginOutcome {
                account_id: acct.account_id,
                replaced: true,
                active: acct.is_active,
            }))
        }
        LoginTarget::NewAccount => Ok(Some(LoginOutcome {
            account_id: insert_active(c, rec, now)?,
            replaced: false,
            active: true,
        })),
        LoginTarget::ReplaceOnServer => {
            let (active, b) = active_of(c)?;
            bad.extend(b);
            let matches_active = |a: &Account| match (a.host.as_deref(), rec.host.as_deref()) {
                (Some(h), Some(want)) => same_server(h, want),
                // A login from before hosts were stored is the one being replaced (upstream
                // binds it to the configured host first); a record without a host replaces
                // the active login.
                _ => true,
            };
            let mut candidate = active.filter(matches_active);
            if candidate.is_none() {
                if let Some(want) = rec.host.as_deref() {
                    let (recent, b) = query_accounts(c, RECENT_FIRST, &[])?;
                    bad.extend(b);
                    candidate = recent.into_iter().find(|a| a.is_on_server(want));
                }
            }
            match candidate {
                Some(acct) => {
                    update_credentials(c, &acct.account_id, rec)?;
                    if !acct.is_active {
                        activate(c, &acct.account_id, now)?;
                        clear_session_caches(c)?;
                    }
                    Ok(Some(LoginOutcome {
                        account_id: acct.account_id,
                        replaced: true,
                        active: true,
                    }))
                }
                None => Ok(Some(LoginOutcome {
                    account_id: insert_active(c, rec, now)?,
                    replaced: false,
                    active: true,
                })),
            }
        }
    }
}

/// Which account a lock is about.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LockTarget<'a> {
    /// Whichever account is active when the lock is taken (the compatibility API).
    Active,
    Account(&'a str),
}

/// Restores the ordinary busy timeout when the refresh lock is released, on every path.
struct TimeoutGuard<'a>(&'a Connection);

impl Drop for TimeoutGuard<'_> {
    fn drop(&mut self) {
        let _ = self.0.busy_timeout(BUSY_TIMEOUT);
    }
}

impl Store {
    /// Queue the one warning about rows we cannot use (once per process).
    pub(crate) fn note_unreadable(&self, bad: Vec<Unreadable>) {
        if bad.is_empty() {
            return;
        }
        let mut st = self.state();
        if st.warned_accounts {
            return;
        }
        st.warned_accounts = true;
        let list = bad
            .iter()
            .map(|u| format!("'{}' ({})", u.id, u.why))
            .collect::<Vec<_>>()
            .join(", ");
        st.warnings.push(format!(
            "Warning: Ignoring {} unreadable stored account{} in the local database: {list}.\n  Path: {}\n  Fix: log in again to that server, or remove it with 'sentry auth logout <account id>'.",
            bad.len(),
            if bad.len() == 1 { "" } else { "s" },
            self.path.display()
        ));
    }

    fn read_accounts<T: Default>(
        &self,
        f: impl Fn(&Connection) -> rusqlite::Result<(T, Vec<Unreadable>)>,
    ) -> Result<T> {
        let cell: RefCell<Vec<Unreadable>> = RefCell::new(Vec::new());
        let value = self.read(|c| {
            let (v, bad) = f(c)?;
            *cell.borrow_mut() = bad;
            Ok(v)
        })?;
        self.note_unreadable(cell.into_inner());
        Ok(value)
    }

    /// Every readable account, oldest first (upstream's listing order: `created_at`, then
    /// id), with `is_active` set on the active one.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.read_accounts(all_accounts)
    }

    /// The active account, if any (it may be invalidated: check [`Account::has_token`]).
    pub fn active_account(&self) -> Result<Option<Account>> {
        self.read_accounts(active_of)
    }

    /// Whether a row with this account id exists, readable or not (an unreadable row can
    /// still be logged out of by its id, as the warning about it says).
    pub fn account_row_exists(&self, account_id: &str) -> Result<bool> {
        self.read(|c| Ok(raw_credentials(c, account_id)?.is_some()))
    }

    /// One account by id.
    pub fn account(&self, account_id: &str) -> Result<Option<Account>> {
        self.read_accounts(|c| by_id(c, account_id))
    }

    /// Accounts a user named: the account with exactly this id, else every account whose
    /// email, username or user id equals `who` ignoring case (oldest first). Fuzzy
    /// matching and `who:server` forms are the command's business.
    pub fn find_accounts(&self, who: &str) -> Result<Vec<Account>> {
        let who = who.trim();
        let all = self.accounts()?;
        if let Some(a) = all.iter().find(|a| a.account_id == who) {
            return Ok(vec![a.clone()]);
        }
        let lower = who.to_lowercase();
        Ok(all
            .into_iter()
            .filter(|a| {
                [&a.email, &a.username, &a.user_id]
                    .into_iter()
                    .flatten()
                    .any(|v| v.to_lowercase() == lower)
            })
            .collect())
    }

    /// Accounts whose login is for `host`'s server (see [`same_server`]), most recently
    /// used first.
    pub fn accounts_on_server(&self, host: &str) -> Result<Vec<Account>> {
        let recent = self.read_accounts(|c| query_accounts(c, RECENT_FIRST, &[]))?;
        Ok(recent
            .into_iter()
            .filter(|a| a.is_on_server(host))
            .collect())
    }

    /// Store a login (see [`LoginTarget`] for which account it lands in). The record is
    /// written as given (build it with [`AuthRecord::issued_now`]); a record without a
    /// host keeps the replaced account's. A new account gets a fresh UUIDv7 id and no
    /// identity yet ([`Store::set_account_identity`] follows once the user is known).
    /// Must land.
    pub fn save_login(&self, rec: &AuthRecord, target: LoginTarget<'_>) -> Result<LoginOutcome> {
        let out: RefCell<Option<Option<LoginOutcome>>> = RefCell::new(None);
        let bad: RefCell<Vec<Unreadable>> = RefCell::new(Vec::new());
        self.write(|c| {
            let mut b = Vec::new();
            let r = apply_login(c, rec, target, &mut b)?;
            *bad.borrow_mut() = b;
            *out.borrow_mut() = Some(r);
            Ok(())
        })?;
        self.note_unreadable(bad.into_inner());
        match out.into_inner().flatten() {
            Some(o) => Ok(o),
            None => Err(StoreError::NoSuchAccount(match target {
                LoginTarget::Account(id) => id.to_string(),
                _ => String::new(),
            })),
        }
    }

    /// Make an account the active one (`auth switch`): stamps its `last_used_at` and, when
    /// the active account changes, empties the per-session caches. Must land;
    /// [`StoreError::NoSuchAccount`] when there is no such (readable) account.
    pub fn set_active_account(&self, account_id: &str) -> Result<()> {
        let found = RefCell::new(false);
        self.write(|c| {
            let (acct, _) = by_id(c, account_id)?;
            let Some(acct) = acct else {
                *found.borrow_mut() = false;
                return Ok(());
            };
            *found.borrow_mut() = true;
            if !acct.is_active {
                activate(c, account_id, now_ms())?;
                clear_session_caches(c)?;
            }
            Ok(())
        })?;
        if found.into_inner() {
            Ok(())
        } else {
            Err(StoreError::NoSuchAccount(account_id.to_string()))
        }
    }

    /// Record that a command used this account (its `last_used_at`, which decides who a
    /// logout promotes). Bookkeeping: best effort, never fails the command.
    pub fn mark_account_used(&self, account_id: &str) {
        let now = now_ms();
        self.write_best_effort(|c| {
            c.execute(
                "UPDATE accounts SET last_used_at = ?1 WHERE account_id = ?2",
                params![now, account_id],
            )?;
            Ok(())
        });
    }

    /// Log out of one account: delete it and the `org_regions` rows cached under it. When
    /// it was the active one, the per-session caches are emptied and — with
    /// `promote_next` — the most recently used remaining account becomes active. Returns
    /// the active account's id afterwards. An unknown id changes nothing. Must land.
    pub fn remove_account(&self, account_id: &str, promote_next: bool) -> Result<Option<String>> {
        let active = RefCell::new(None);
        self.write(|c| {
            let was_active = delete_account(c, account_id)?;
            let next = match was_active {
                Some(true) => {
                    clear_session_caches(c)?;
                    if promote_next {
                        promote_most_recent(c)?
                    } else {
                        None
                    }
                }
                _ => current_active_id(c)?,
            };
            *active.borrow_mut() = next;
            Ok(())
        })?;
        Ok(active.into_inner())
    }

    /// Log out of every account (`auth logout all`): empties `accounts`, `org_regions` and
    /// the per-session caches; metadata (defaults) and the other caches stay, so the file
    /// remains one upstream reads as "logged out". Must land.
    pub fn remove_all_accounts(&self) -> Result<()> {
        self.write(|c| {
            c.execute_batch("DELETE FROM accounts; DELETE FROM org_regions;")?;
            clear_session_caches(c)
        })
    }

    /// Forget an account's credentials (a refresh token the server rejected, or an expired
    /// session without one) but keep the row, its identity and its active flag, as
    /// upstream does; its cached regions and the per-session caches go. `false` when there
    /// is no such account. Must land.
    pub fn invalidate_account(&self, account_id: &str) -> Result<bool> {
        let done = RefCell::new(false);
        self.write(|c| {
            *done.borrow_mut() = invalidate(c, account_id, now_ms())?;
            Ok(())
        })?;
        Ok(done.into_inner())
    }

    /// Save who an account belongs to (after login or `whoami`). Other accounts of the
    /// same user on the same server are duplicates and are removed (with their cached
    /// regions); a username the API did not return is kept from this account or taken from
    /// a duplicate. `updated_at` is not touched (it dates the credentials). Must land;
    /// [`StoreError::NoSuchAccount`] when the account is gone.
    pub fn set_account_identity(&self, account_id: &str, u: &UserInfo) -> Result<IdentityOutcome> {
        let out: RefCell<Option<IdentityOutcome>> = RefCell::new(None);
        let bad: RefCell<Vec<Unreadable>> = RefCell::new(Vec::new());
        self.write(|c| {
            let (all, b) = all_accounts(c)?;
            *bad.borrow_mut() = b;
            let Some(me) = all.iter().find(|a| a.account_id == account_id) else {
                *out.borrow_mut() = None;
                return Ok(());
            };
            let same_host = |a: &Account| match (a.host.as_deref(), me.host.as_deref()) {
                (Some(x), Some(y)) => same_server(x, y),
                (x, y) => x == y,
            };
            let dupes: Vec<&Account> = all
                .iter()
                .filter(|a| {
                    a.account_id != me.account_id
                        && a.user_id.as_deref() == Some(u.user_id.as_str())
                        && same_host(a)
                })
                .collect();
            let username = u
                .username
                .clone()
                .or_else(|| {
                    (me.user_id.as_deref() == Some(u.user_id.as_str()))
                        .then(|| me.username.clone())
                        .flatten()
                })
                .or_else(|| dupes.iter().find_map(|d| d.username.clone()));
            c.execute(
                "UPDATE accounts SET user_id = ?1, email = ?2, username = ?3, name = ?4
                 WHERE account_id = ?5",
                params![u.user_id, u.email, username, u.name, me.account_id],
            )?;
            let mut removed = Vec::new();
            let mut lost_active = false;
            for d in &dupes {
                if delete_account(c, &d.account_id)? == Some(true) {
                    lost_active = true;
                }
                removed.push(d.account_id.clone());
            }
            if lost_active && !me.is_active {
                // The duplicate was in use: its replacement takes over, never nobody.
                activate(c, &me.account_id, now_ms())?;
            }
            *out.borrow_mut() = Some(IdentityOutcome {
                removed_duplicates: removed,
            });
            Ok(())
        })?;
        self.note_unreadable(bad.into_inner());
        out.into_inner()
            .ok_or_else(|| StoreError::NoSuchAccount(account_id.to_string()))
    }

    /// Forget who an account belongs to (the identity columns only). Must land.
    pub fn clear_account_identity(&self, account_id: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "UPDATE accounts SET user_id = NULL, email = NULL, username = NULL, name = NULL
                 WHERE account_id = ?1",
                [account_id],
            )?;
            Ok(())
        })
    }

    /// The identity the given token's cache rows are keyed by: the stored account holding
    /// that token (by refresh token when it has one), else an environment token's identity;
    /// [`ANONYMOUS_IDENTITY`] without a token.
    pub fn credential_identity_for_token(&self, token: Option<&str>) -> String {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return ANONYMOUS_IDENTITY.to_string();
        };
        let stored: Option<(Option<String>, Option<String>)> = self
            .read(|c| {
                c.query_row(
                    "SELECT token, refresh_token FROM accounts WHERE token = ?1
                     ORDER BY is_active DESC LIMIT 1",
                    [token],
                    |r| {
                        Ok(Some((
                            text(&r.get::<_, Value>(0)?, "").ok().flatten(),
                            text(&r.get::<_, Value>(1)?, "").ok().flatten(),
                        )))
                    },
                )
                .optional()
                .map(Option::flatten)
            })
            .unwrap_or(None);
        stored
            .and_then(|(t, r)| credential_identity_of(t.as_deref(), r.as_deref()))
            .unwrap_or_else(|| credential_identity(CredentialKind::Env, token))
    }

    /// Cross-process serialisation of one account's OAuth refresh.
    ///
    /// Takes SQLite's write lock (`BEGIN IMMEDIATE`, waiting up to [`AUTH_LOCK_TIMEOUT`]),
    /// re-reads the account inside the lock and hands it to `f` (`None` when it is gone).
    /// Whatever `f` decides ([`AuthChange`]) is applied to *that* account — by id, whatever
    /// became active meanwhile — and committed atomically with the lock release, so N
    /// processes refreshing at once perform one refresh each in turn, each seeing the
    /// previous result: `f` should first check whether the account it receives still
    /// needs refreshing. [`AuthChange::Set`] on an account that is gone fails with
    /// [`StoreError::NoSuchAccount`] (a logout won the race; nothing is resurrected).
    ///
    /// The lock is the database's write lock, so it is per account in what it protects and
    /// hands over, but holding it also delays other writers (of any account) for the
    /// duration of `f`; `f` should do nothing slower than the token request.
    ///
    /// `f` runs while the lock (and this store's connection) is held: it must not call back
    /// into this `Store` (that would deadlock). If `f` returns `Err`, nothing is written.
    ///
    /// Must land: when the store cannot be written, `f` still runs on what can be read, and
    /// a change it asks for fails with [`StoreError::NotSaved`]; [`AuthChange::Keep`]
    /// succeeds.
    pub fn with_account_lock<T, E>(
        &self,
        account_id: &str,
        f: impl FnOnce(Option<Account>) -> std::result::Result<(AuthChange, T), E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        self.locked(LockTarget::Account(account_id), f)
    }

    /// The lock behind [`Store::with_account_lock`] and [`Store::with_auth_lock`].
    pub(crate) fn locked<T, E>(
        &self,
        target: LockTarget<'_>,
        f: impl FnOnce(Option<Account>) -> std::result::Result<(AuthChange, T), E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        let read_target = |c: &Connection| match target {
            LockTarget::Active => active_of(c),
            LockTarget::Account(id) => by_id(c, id),
        };
        let known = self.state().unwritable.clone();
        if let Some(fault) = known {
            let current = self.read_accounts(read_target)?;
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
                let current = read_target(&conn).ok().and_then(|(a, _)| a);
                let (change, value) = f(current)?;
                return match change {
                    AuthChange::Keep => Ok(value),
                    _ => Err(self.not_saved(fault).into()),
                };
            }
        };
        let (current, bad) = match read_target(&tx) {
            Ok(v) => v,
            Err(e) if schema::is_schema_error(&e) => {
                let mut fixed = Vec::new();
                schema::repair(&tx, &mut fixed).map_err(|e| self.err(e))?;
                if !fixed.is_empty() {
                    log::info!("Auto-repaired database: {}", fixed.join(", "));
                }
                read_target(&tx).map_err(|e| self.err(e))?
            }
            Err(e) => return Err(self.err(e).into()),
        };
        self.note_unreadable(bad);
        let locked_id = current.as_ref().map(|a| a.account_id.clone());
        // On `Err` (or a panic) the transaction is dropped, which rolls it back.
        let (change, value) = f(current)?;
        let mut missing = false;
        let applied = match (&change, &locked_id, target) {
            (AuthChange::Keep, _, _) => Ok(()),
            (AuthChange::Set(rec), Some(id), _) => update_credentials(&tx, id, rec),
            (AuthChange::Set(rec), None, LockTarget::Active) => {
                apply_login(&tx, rec, LoginTarget::ReplaceOnServer, &mut Vec::new()).map(|_| ())
            }
            (AuthChange::Set(_), None, LockTarget::Account(_)) => {
                missing = true;
                Ok(())
            }
            (AuthChange::Clear, Some(id), _) => invalidate(&tx, id, now_ms()).map(|_| ()),
            (AuthChange::Clear, None, _) => Ok(()),
        }
        .and_then(|()| tx.commit());
        if missing {
            if let LockTarget::Account(id) = target {
                return Err(StoreError::NoSuchAccount(id.to_string()).into());
            }
        }
        match applied {
            Ok(()) => Ok(value),
            Err(e) => Err(self
                .not_saved(fault::from_sqlite(Some(&conn), &e, &self.path))
                .into()),
        }
    }
}

/// Make the most recently used account active; its id, or `None` when none is left.
fn promote_most_recent(c: &Connection) -> rusqlite::Result<Option<String>> {
    let next: Option<String> = c
        .query_row(
            &format!("SELECT account_id FROM accounts WHERE typeof(account_id) = 'text' {RECENT_FIRST} LIMIT 1"),
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = &next {
        activate(c, id, now_ms())?;
    }
    Ok(next)
}

fn current_active_id(c: &Connection) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT account_id FROM accounts WHERE is_active = 1 AND typeof(account_id) = 'text'
         ORDER BY updated_at DESC LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_upstreams_sha256_formula() {
        // Observed in a file upstream 0.49 migrated: the access-token login's org_regions
        // rows carry this identity.
        assert_eq!(
            credential_identity(
                CredentialKind::OAuthAccess,
                "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"
            ),
            "d072232997a9c75e19625bb9676163fa60bb475f624be034bbfd41a1d9788e12"
        );
        assert_eq!(
            credential_identity_of(Some("a"), Some("r")),
            Some(credential_identity(CredentialKind::OAuthRefresh, "r"))
        );
        assert_eq!(
            credential_identity_of(Some("a"), Some("")),
            Some(credential_identity(CredentialKind::OAuthAccess, "a"))
        );
        assert_eq!(credential_identity_of(None, None), None);
    }

    #[test]
    fn account_ids_are_uuid_v7() {
        let before = now_ms();
        let id = new_account_id();
        let after = now_ms();
        assert_eq!(id.len(), 36);
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('7'), "{id}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{id}");
        let ms = i64::from_str_radix(&format!("{}{}", parts[0], parts[1]), 16).unwrap();
        assert!(before <= ms && ms <= after, "{id}");
        assert_ne!(new_account_id(), new_account_id());
    }

    #[test]
    fn servers_compare_by_origin_and_saas_is_one_server() {
        assert!(same_server("https://sentry.io", "https://us.sentry.io/"));
        assert!(same_server("https://de.sentry.io", "https://sentry.io:443"));
        assert!(same_server(
            "http://127.0.0.1:9000/",
            "HTTP://127.0.0.1:9000"
        ));
        assert!(!same_server(
            "http://127.0.0.1:9000",
            "http://127.0.0.1:9001"
        ));
        assert!(!same_server("https://sentry.io:8443", "https://sentry.io"));
        assert!(!same_server("https://evilsentry.io", "https://sentry.io"));
        assert!(!same_server("sentry.io", "sentry.io"));
        assert!(!same_server("https://u:p@sentry.io", "https://sentry.io"));
        assert_eq!(
            origin_of("https://Sentry.Example.com:443/base/"),
            Some("https://sentry.example.com".into())
        );
    }

    #[test]
    fn usable_follows_upstream() {
        let now = 1_000;
        let a = Account {
            token: Some("t".into()),
            ..Default::default()
        };
        assert!(a.is_usable(now));
        let expired = Account {
            expires_at: Some(999),
            ..a.clone()
        };
        assert!(!expired.is_usable(now));
        let refreshable = Account {
            refresh_token: Some("r".into()),
            ..expired.clone()
        };
        assert!(refreshable.is_usable(now));
        assert!(!Account::default().is_usable(now));
    }
}
