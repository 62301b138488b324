//! SQLite storage of the local server.
//!
//! One connection behind a mutex: the server is single-user and SQLite serialises writes
//! anyway, so a pool would only add contention. SQLite calls block, so route handlers never
//! run them on the async worker threads: they go through [`Db::call`], which runs the closure
//! on tokio's blocking pool; the ingest writer has a thread of its own. The schema is
//! versioned ([`crate::migrations`]).

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};

use sentry_wire::scopes::ALL_SCOPES;
use sentry_wire::tokens::USER_TOKEN_PREFIX;

use crate::error::{ApiError, ApiResult};

#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

/// What a freshly started server prints so a person (or a test) can use it at once.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    pub token: String,
    pub org_slug: String,
    pub project_slug: String,
    pub project_id: i64,
    pub public_key: String,
}

impl Db {
    /// Opens (creating if needed) the database file, or an in-memory one for `None`, and
    /// brings it to the current schema version.
    pub fn open(path: Option<&Path>) -> std::io::Result<Db> {
        let in_file = |e: &dyn std::fmt::Display| match path {
            Some(p) => std::io::Error::other(format!("{}: {e}", p.display())),
            None => std::io::Error::other(e.to_string()),
        };
        let mut conn = Self::connect(path).map_err(|e| in_file(&e))?;
        crate::migrations::migrate(&mut conn).map_err(|e| in_file(&e))?;
        Ok(Db(Arc::new(Mutex::new(conn))))
    }

    fn connect(path: Option<&Path>) -> rusqlite::Result<Connection> {
        let conn = match path {
            Some(p) => {
                if let Some(dir) = p.parent() {
                    create_private_dir(dir);
                }
                let c = Connection::open(p)?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                // Ingest rewrites the same hot pages (issue rows, index leaves) in every
                // commit: checkpointing less often copies each of them once instead of many
                // times, and a bigger page cache keeps them from being read back.
                c.pragma_update(None, "wal_autocheckpoint", 10_000)?;
                c.pragma_update(None, "cache_size", -32_768)?;
                // The database holds API tokens and DSN keys: owner-only, like cli.db.
                restrict_files(p);
                c
            }
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(conn)
    }

    /// Runs `f` with the connection locked, on the calling thread. For threads that may
    /// block (the ingest writer, start-up, tests); route handlers use [`Db::call`].
    pub fn with<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> R {
        let mut guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    /// Runs `f` with the connection locked on tokio's blocking pool, so that neither the
    /// query nor the wait for the lock holds an async worker thread. A panic in `f` is an
    /// internal error (the mutex recovers from the poisoning).
    pub(crate) async fn call<R, F>(&self, f: F) -> ApiResult<R>
    where
        F: FnOnce(&mut Connection) -> ApiResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.with(f))
            .await
            .unwrap_or_else(|e| Err(ApiError::internal(format!("database task failed: {e}"))))
    }

    /// Creates the default user, organization, team, project, DSN key and admin token on first
    /// start; on later starts returns the existing ones so the printed token and DSN stay stable.
    pub(crate) fn bootstrap(&self) -> rusqlite::Result<Bootstrap> {
        self.with(|c| {
            let tx = c.transaction()?;
            let now = now_iso();
            let has_user: Option<i64> =
                tx.query_row("SELECT id FROM users WHERE id = 1", [], |r| r.get(0)).optional()?;
            if has_user.is_none() {
                tx.execute(
                    "INSERT INTO users (id, email, username, name, date_joined) VALUES (1, ?1, ?2, ?3, ?4)",
                    params!["dev@localhost", "dev", "Local Developer", now],
                )?;
                tx.execute(
                    "INSERT INTO organizations (id, slug, name, date_created) VALUES (1, 'local', 'Local', ?1)",
                    params![now],
                )?;
                tx.execute(
                    "INSERT INTO teams (id, org_id, slug, name, date_created) VALUES (1, 1, 'local', 'Local', ?1)",
                    params![now],
                )?;
                tx.execute(
                    "INSERT INTO projects (id, org_id, team_id, slug, name, platform, date_created) VALUES (1, 1, 1, 'app', 'app', 'other', ?1)",
                    params![now],
                )?;
                tx.execute(
                    "INSERT INTO project_keys (project_id, public_key, secret_key, label, date_created) VALUES (1, ?1, ?2, 'Default', ?3)",
                    params![random_hex(16), random_hex(16), now],
                )?;
                tx.execute(
                    "INSERT INTO api_tokens (token, user_id, scopes, kind, date_created) VALUES (?1, 1, ?2, 'user', ?3)",
                    params![format!("{USER_TOKEN_PREFIX}{}", random_hex(32)), ALL_SCOPES.join(" "), now],
                )?;
            }
            let token: String = tx.query_row(
                "SELECT token FROM api_tokens WHERE user_id = 1 AND kind = 'user' ORDER BY rowid LIMIT 1",
                [],
                |r| r.get(0),
            )?;
            let (org_slug, project_slug, project_id, public_key) = tx.query_row(
                "SELECT o.slug, p.slug, p.id, k.public_key FROM projects p
                 JOIN organizations o ON o.id = p.org_id
                 JOIN project_keys k ON k.project_id = p.id
                 ORDER BY p.id, k.id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            tx.commit()?;
            Ok(Bootstrap { token, org_slug, project_slug, project_id, public_key })
        })
    }
}

/// Creates the data directory owner-only (0700) when it does not exist yet.
fn create_private_dir(dir: &Path) {
    if dir.exists() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir);
    }
    #[cfg(not(unix))]
    {
        let _ = std::fs::create_dir_all(dir);
    }
}

/// chmod 0600 on the database and its WAL/SHM side files (missing ones are skipped).
fn restrict_files(db: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::set_permissions(&name, std::fs::Permissions::from_mode(0o600));
        }
    }
    #[cfg(not(unix))]
    let _ = db;
}

/// Current time as Sentry formats timestamps in API responses (RFC 3339, UTC, `Z`).
pub fn now_iso() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Random lower-case hex of `bytes` bytes (keys, tokens, ids).
pub fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}
