//! SQLite storage of the local server.
//!
//! One connection behind a mutex: the server is single-user and SQLite serialises writes
//! anyway, so a pool would only add contention. Handlers keep their closures short and
//! never hold the lock across an `.await`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};

/// Tables every part of the server relies on. Feature modules add their own tables through
/// [`EXTRA_SCHEMAS`] so that the core schema stays readable.
pub const CORE_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    date_joined TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS organizations (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    date_created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS teams (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    date_created TEXT NOT NULL,
    UNIQUE (org_id, slug)
);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    platform TEXT,
    date_created TEXT NOT NULL,
    -- next short-id counter for issues of this project (Sentry's per-project sequence)
    next_short_id INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, slug)
);
CREATE TABLE IF NOT EXISTS project_keys (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    public_key TEXT NOT NULL UNIQUE,
    secret_key TEXT NOT NULL,
    label TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    date_created TEXT NOT NULL
);
-- Bearer tokens of every kind: personal (`sntryu_`), OAuth access tokens and org tokens.
CREATE TABLE IF NOT EXISTS api_tokens (
    token TEXT PRIMARY KEY,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    org_id INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
    -- space-separated scopes, as OAuth spells them
    scopes TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'oauth', 'org')),
    -- unix milliseconds; NULL = never expires
    expires_at INTEGER,
    date_created TEXT NOT NULL
);
-- Every envelope item the server kept, as received (after decompression). Ingest writes it;
-- the tail, logs, spans, transactions, traces, monitors and attachments read from it.
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- envelope item type: event, transaction, log, check_in, attachment, ...
    item_type TEXT NOT NULL,
    -- event_id of the envelope (or of the event/transaction payload), lower-case hex, no dashes
    event_id TEXT,
    -- trace id when the payload carries one (contexts.trace.trace_id, log trace_id, check_in trace)
    trace_id TEXT,
    received_ms INTEGER NOT NULL,
    -- the item header as JSON
    headers TEXT NOT NULL,
    -- JSON payloads as text; binary payloads (attachments) in `data`
    payload TEXT,
    data BLOB
);
CREATE INDEX IF NOT EXISTS items_by_type ON items (project_id, item_type, received_ms);
CREATE INDEX IF NOT EXISTS items_by_trace ON items (trace_id);
"#;

/// Schemas of feature modules, run after [`CORE_SCHEMA`] on every open (all `IF NOT EXISTS`).
/// A module that needs tables appends its `SCHEMA` constant here.
pub const EXTRA_SCHEMAS: &[&str] = &[
    crate::oauth::SCHEMA,
    crate::events::SCHEMA,
    crate::api::repos::SCHEMA,
    crate::api::releases::SCHEMA,
    crate::api::uploads::SCHEMA,
    crate::api::monitors::SCHEMA,
];

/// Every scope a Sentry token can carry; the seeded admin token gets all of them.
pub const ALL_SCOPES: &[&str] = &[
    "org:read",
    "org:write",
    "org:admin",
    "org:integrations",
    "org:ci",
    "member:invite",
    "member:read",
    "member:write",
    "member:admin",
    "team:read",
    "team:write",
    "team:admin",
    "project:read",
    "project:write",
    "project:admin",
    "project:releases",
    "project:distribution",
    "event:read",
    "event:write",
    "event:admin",
    "alerts:read",
    "alerts:write",
];

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
    /// Opens (creating if needed) the database file, or an in-memory one for `None`.
    pub fn open(path: Option<&Path>) -> rusqlite::Result<Db> {
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
        conn.execute_batch(CORE_SCHEMA)?;
        for schema in EXTRA_SCHEMAS {
            conn.execute_batch(schema)?;
        }
        Ok(Db(Arc::new(Mutex::new(conn))))
    }

    /// Runs `f` with the connection locked. Keep `f` short and free of `.await`.
    pub fn with<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> R {
        let mut guard = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    /// Creates the default user, organization, team, project, DSN key and admin token on first
    /// start; on later starts returns the existing ones so the printed token and DSN stay stable.
    pub fn bootstrap(&self) -> rusqlite::Result<Bootstrap> {
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
                    params![format!("sntryu_{}", random_hex(32)), ALL_SCOPES.join(" "), now],
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
