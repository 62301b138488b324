//! `cli.db`: the local SQLite store of the `sentry` CLI.
//!
//! The file format is the one of the official TypeScript CLI (npm `sentry` 0.45, schema
//! version 16) so a login made with either tool works with the other. On top of upstream we
//! never let the store brick the tool (decisions.md #6): a corrupt file is moved aside and
//! replaced, and a read-only database degrades to "no caching" with one warning.
//!
//! The library never prints: diagnostics are collected and exposed through
//! [`Store::warnings`] / [`Store::take_warnings`] for the binary to show.

mod auth;
mod caches;
mod meta;
mod pagination;
mod regions;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

pub use auth::{AuthChange, AuthRecord, UserInfo};
pub use caches::{
    CachedProject, DsnCacheEntry, ProjectAlias, ProjectRootEntry, RepoCacheEntry,
    PROJECT_ROOT_TTL_MS, REPO_CACHE_TTL_MS,
};
pub use pagination::{CursorDirection, PaginationState, CURSOR_TTL_MS};
pub use regions::{CachedOrg, OrgRegion, ORG_CACHE_TTL_MS};
pub use schema::SCHEMA_VERSION;

/// File name of the database inside the config directory (upstream's name, so both tools
/// share one login).
pub const DB_FILE_NAME: &str = "cli.db";

/// Busy timeout for ordinary statements: long enough to ride out another CLI process's
/// write, short enough that a wedged lock is reported instead of hanging a command.
pub const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// Busy timeout while waiting for the OAuth refresh lock: the holder may be doing a network
/// round trip to the token endpoint, which can take far longer than a local write.
pub const AUTH_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// Failure of a store operation that could not be degraded into "no caching".
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local database error ({path}): {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("invalid data in local database ({path}): {detail}")]
    InvalidData { path: PathBuf, detail: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch: the unit of every timestamp column in `cli.db`.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[derive(Debug, Default)]
struct State {
    read_only: bool,
    read_only_warned: bool,
    warnings: Vec<String>,
}

/// An open `cli.db`. Cheap to open (one schema check when the file is current), `Send + Sync`
/// (the connection is behind a mutex), one SQLite connection per `Store`.
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("read_only", &self.is_read_only())
            .finish()
    }
}

/// Why opening the file as a writable, migrated database did not work.
enum OpenFailure {
    /// Not a SQLite database (or damaged beyond reading its header/schema).
    Corrupt(rusqlite::Error),
    /// Opened, but writes are impossible (permissions, read-only file system).
    ReadOnly(rusqlite::Error),
    /// Could not be opened at all.
    Unavailable(rusqlite::Error),
}

fn code(e: &rusqlite::Error) -> Option<ErrorCode> {
    e.sqlite_error_code()
}

fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(
        code(e),
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt)
    )
}

/// Errors meaning "this database cannot be written here" rather than "this write is wrong".
fn is_read_only_error(e: &rusqlite::Error) -> bool {
    matches!(
        code(e),
        Some(ErrorCode::ReadOnly)
            | Some(ErrorCode::CannotOpen)
            | Some(ErrorCode::PermissionDenied)
            | Some(ErrorCode::SystemIoFailure)
    ) || e
        .to_string()
        .to_lowercase()
        .contains("attempt to write a readonly database")
}

/// Apply upstream's connection settings: busy timeout first, so the WAL switch itself waits
/// for other processes instead of failing.
fn configure(conn: &Connection, writable: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if writable {
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // Only a brand-new file is switched to WAL. A populated rollback-journal file was
            // written by upstream's WASM driver (npm install on Node < 22.15), which cannot
            // open WAL databases at all ("unable to open database file"): converting it would
            // brick that install, so it keeps its journal mode.
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            if pages == 0 {
                let _: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            } else {
                log::debug!("keeping journal_mode={mode} of an existing database");
            }
        }
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
    Ok(())
}

/// Bring the schema up to v16 unless the quick check says it already is.
fn ensure_schema(conn: &Connection) -> rusqlite::Result<()> {
    if schema::is_current(conn).unwrap_or(false) {
        return Ok(());
    }
    // Another process may be migrating at the same moment: IMMEDIATE serialises us behind it
    // and every step below re-checks, so the second one finds nothing to do.
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let fixed = schema::migrate(&tx)?;
    tx.commit()?;
    if !fixed.is_empty() {
        log::info!("Auto-repaired database: {}", fixed.join(", "));
    }
    Ok(())
}

/// A non-empty file that doesn't start with SQLite's magic header. Checked before SQLite
/// touches the file so nothing (e.g. a stale WAL) is altered before it is moved aside.
fn has_foreign_header(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match f.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(_) => return false,
        }
    }
    read > 0 && header[..read] != b"SQLite format 3\0"[..read]
}

fn open_writable(path: &Path) -> std::result::Result<(Connection, bool), OpenFailure> {
    if has_foreign_header(path) {
        return Err(OpenFailure::Corrupt(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
            Some("file is not a database".into()),
        )));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| {
        if is_corrupt(&e) {
            OpenFailure::Corrupt(e)
        } else {
            OpenFailure::Unavailable(e)
        }
    })?;
    // SQLite silently falls back to read-only when the file is not writable.
    let writable = !conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true);
    let classify = |e: rusqlite::Error| {
        if is_corrupt(&e) {
            OpenFailure::Corrupt(e)
        } else if is_read_only_error(&e) {
            OpenFailure::ReadOnly(e)
        } else {
            OpenFailure::Unavailable(e)
        }
    };
    configure(&conn, writable).map_err(classify)?;
    if writable {
        ensure_schema(&conn).map_err(classify)?;
        Ok((conn, false))
    } else {
        // Touch the schema so a corrupt read-only file is still recognised as corrupt.
        schema::is_current(&conn).map_err(classify)?;
        Ok((conn, true))
    }
}

fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let plain = || -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn, false)?;
        schema::is_current(&conn)?;
        Ok(conn)
    };
    plain().or_else(|e| {
        // A WAL database in a directory we cannot write: SQLite cannot create the -shm file
        // it needs even for reading. `immutable=1` reads the main file without WAL/locks;
        // a cleanly closed database has everything checkpointed into it.
        log::debug!("read-only open failed ({e}), retrying as immutable");
        let uri = format!("file:{}?immutable=1", uri_path(path));
        let conn = Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn, false)?;
        schema::is_current(&conn)?;
        Ok(conn)
    })
}

/// Percent-encode the characters that would end or alter the path part of a SQLite URI.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for ch in path.to_string_lossy().chars() {
        match ch {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", ch as u32)),
            c => out.push(c),
        }
    }
    out
}

/// An empty in-memory v16 database: lets every read answer "nothing cached" when the real
/// file cannot be used at all.
fn open_memory() -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    ensure_schema(&conn)?;
    Ok(conn)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Create the config dir (0700, only when we create it: an existing dir keeps its mode).
fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    // The umask may have stripped bits from 0700; the leaf must be exactly 0700.
    set_mode(dir, 0o700)
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// chmod 0600 on the database and its WAL/SHM files; missing files and failures are ignored
/// (a file owned by someone else is reported by the read-only path instead).
fn tighten_file_modes(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let p = sidecar(path, suffix);
        if p.exists() {
            let _ = set_mode(&p, 0o600);
        }
    }
}

fn read_only_warning(path: &Path) -> String {
    format!(
        "Warning: Sentry CLI local database is read-only. Caching and preferences won't persist.\n  Path: {}",
        path.display()
    )
}

impl Store {
    /// Open (creating if needed) `<config_dir>/cli.db`.
    ///
    /// Never fails because of the file's state: a corrupt file is renamed
    /// `cli.db.corrupt-<unix seconds>` and replaced; an unwritable one is used read-only; an
    /// unusable one is replaced by an empty in-memory database. Each of those adds a warning.
    pub fn open(config_dir: &Path) -> Result<Store> {
        let path = config_dir.join(DB_FILE_NAME);
        let mut state = State::default();

        if let Err(e) = ensure_dir(config_dir) {
            log::debug!("cannot create {}: {e}", config_dir.display());
            return Self::degraded(path, state, None);
        }

        let mut attempt = open_writable(&path);
        if let Err(OpenFailure::Corrupt(e)) = &attempt {
            log::debug!("{} is corrupt: {e}", path.display());
            let moved = sidecar(&path, &format!(".corrupt-{}", now_secs()));
            match std::fs::rename(&path, &moved) {
                Ok(()) => {
                    // A WAL left by the old file must not be replayed into the new one.
                    for suffix in ["-wal", "-shm"] {
                        let side = sidecar(&path, suffix);
                        if side.exists() {
                            let _ = std::fs::rename(&side, sidecar(&moved, suffix));
                        }
                    }
                    state.warnings.push(format!(
                        "Warning: Sentry CLI local database was corrupt and has been replaced with a fresh one.\n  Moved to: {}",
                        moved.display()
                    ));
                    attempt = open_writable(&path);
                }
                Err(io) => {
                    log::debug!("cannot move corrupt database aside: {io}");
                    state.warnings.push(format!(
                        "Warning: Sentry CLI local database is corrupt and could not be moved aside. Caching and preferences won't persist.\n  Path: {}",
                        path.display()
                    ));
                    state.read_only_warned = true;
                    return Self::degraded(path, state, None);
                }
            }
        }

        match attempt {
            Ok((conn, read_only)) => {
                tighten_file_modes(&path);
                if read_only {
                    state.read_only = true;
                    state.read_only_warned = true;
                    state.warnings.push(read_only_warning(&path));
                }
                Ok(Store {
                    path,
                    conn: Mutex::new(conn),
                    state: Mutex::new(state),
                })
            }
            Err(OpenFailure::ReadOnly(e)) | Err(OpenFailure::Unavailable(e)) => {
                log::debug!("cannot open {} for writing: {e}", path.display());
                let ro = open_read_only(&path).ok();
                Self::degraded(path, state, ro)
            }
            Err(OpenFailure::Corrupt(e)) => {
                // Still corrupt after a successful rename: nothing more to try.
                log::debug!("fresh database unusable: {e}");
                Self::degraded(path, state, None)
            }
        }
    }

    /// A store whose writes are no-ops: the read-only file if it could be opened, else an
    /// empty in-memory database.
    fn degraded(path: PathBuf, mut state: State, conn: Option<Connection>) -> Result<Store> {
        let conn = match conn {
            Some(c) => c,
            None => open_memory().map_err(|source| StoreError::Sqlite {
                path: path.clone(),
                source,
            })?,
        };
        state.read_only = true;
        if !state.read_only_warned {
            state.read_only_warned = true;
            state.warnings.push(read_only_warning(&path));
        }
        Ok(Store {
            path,
            conn: Mutex::new(conn),
            state: Mutex::new(state),
        })
    }

    /// Path of the database file (`<config dir>/cli.db`), for "Config saved to" style output.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Warnings collected so far (corrupt file replaced, read-only database), each possibly
    /// multi-line, for the binary to print to stderr.
    pub fn warnings(&self) -> Vec<String> {
        self.state().warnings.clone()
    }

    /// Like [`Store::warnings`] but drains them, so a warning raised later in the run (a
    /// write failing mid-command) can be printed once without repeating earlier ones.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.state().warnings)
    }

    /// True when writes are being dropped (read-only file/dir or in-memory fallback).
    pub fn is_read_only(&self) -> bool {
        self.state().read_only
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn invalid(&self, detail: String) -> StoreError {
        StoreError::InvalidData {
            path: self.path.clone(),
            detail,
        }
    }

    /// Switch to no-caching mode after a write failed because the file became unwritable.
    fn degrade_to_read_only(&self, e: &rusqlite::Error) {
        log::debug!("write to {} failed: {e}", self.path.display());
        let mut st = self.state();
        st.read_only = true;
        if !st.read_only_warned {
            st.read_only_warned = true;
            st.warnings.push(read_only_warning(&self.path));
        }
    }

    /// Run the schema repair in its own transaction (the runtime counterpart of upstream's
    /// auto-repair: a query hit a missing table/column).
    fn repair(&self, conn: &Connection) -> rusqlite::Result<()> {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let mut fixed = Vec::new();
        schema::repair(&tx, &mut fixed)?;
        tx.commit()?;
        if !fixed.is_empty() {
            log::info!("Auto-repaired database: {}", fixed.join(", "));
        }
        Ok(())
    }

    /// Run a read, repairing the schema once on a schema error. In read-only mode a schema
    /// error reads as "nothing stored" because we may not fix the file.
    fn read<T: Default>(&self, f: impl Fn(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.conn();
        match f(&conn) {
            Ok(v) => Ok(v),
            Err(e) if schema::is_schema_error(&e) => {
                if self.is_read_only() || self.repair(&conn).is_err() {
                    log::debug!("read from {} failed: {e}", self.path.display());
                    return Ok(T::default());
                }
                f(&conn).map_err(|e| self.err(e))
            }
            Err(e) => Err(self.err(e)),
        }
    }

    /// Run a write in one IMMEDIATE transaction (never a half-written DB), repairing the
    /// schema once on a schema error. A no-op returning `Ok` in read-only mode.
    fn write(&self, f: impl Fn(&Connection) -> rusqlite::Result<()>) -> Result<()> {
        if self.is_read_only() {
            return Ok(());
        }
        let conn = self.conn();
        let run = |conn: &Connection| -> rusqlite::Result<()> {
            let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
            f(&tx)?;
            tx.commit()
        };
        let outcome = match run(&conn) {
            Err(e) if schema::is_schema_error(&e) => match self.repair(&conn) {
                Ok(()) => run(&conn),
                Err(_) => Err(e),
            },
            other => other,
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(e) if is_read_only_error(&e) => {
                self.degrade_to_read_only(&e);
                Ok(())
            }
            Err(e) => Err(self.err(e)),
        }
    }

    /// Write that must not fail the command (e.g. touching `last_accessed` on a cache hit).
    fn write_best_effort(&self, f: impl Fn(&Connection) -> rusqlite::Result<()>) {
        if let Err(e) = self.write(f) {
            log::debug!("ignored cache write failure: {e}");
        }
    }

    /// Purge cache rows unused for 7 days and expired project-root rows. Runs on roughly one
    /// cache write in ten (like upstream) so the file stays small without a cost per command.
    pub fn cleanup_caches(&self) -> Result<()> {
        let cutoff = now_ms() - 7 * 24 * 60 * 60 * 1000;
        let now = now_ms();
        self.write(|c| {
            c.execute(
                "DELETE FROM project_cache WHERE last_accessed < ?1",
                [cutoff],
            )?;
            c.execute("DELETE FROM dsn_cache WHERE last_accessed < ?1", [cutoff])?;
            c.execute(
                "DELETE FROM project_aliases WHERE last_accessed < ?1",
                [cutoff],
            )?;
            c.execute(
                "DELETE FROM project_root_cache WHERE ttl_expires_at <= ?1",
                [now],
            )?;
            Ok(())
        })
    }

    /// On-demand repair (`sentry cli fix`): create missing tables, add missing columns,
    /// recreate a malformed `pagination_cursors`, stamp version 16. Returns what was fixed,
    /// in upstream's wording (`Added column auth.host`). Nothing happens when read-only.
    pub fn repair_schema(&self) -> Result<Vec<String>> {
        if self.is_read_only() {
            return Ok(Vec::new());
        }
        let conn = self.conn();
        let run = || -> rusqlite::Result<Vec<String>> {
            let tx = rusqlite::Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)?;
            let fixed = schema::migrate(&tx)?;
            tx.commit()?;
            Ok(fixed)
        };
        match run() {
            Ok(fixed) => Ok(fixed),
            Err(e) if is_read_only_error(&e) => {
                self.degrade_to_read_only(&e);
                Ok(Vec::new())
            }
            Err(e) => Err(self.err(e)),
        }
    }

    fn maybe_cleanup_caches(&self) {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        // Mix in the pid so processes started in the same instant don't all decide alike.
        let mixed = nanos.wrapping_mul(2654435761) ^ std::process::id();
        if mixed.is_multiple_of(10) {
            if let Err(e) = self.cleanup_caches() {
                log::debug!("cache cleanup failed: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(store: &Store, name: &str) -> String {
        let conn = store.conn();
        conn.query_row(&format!("PRAGMA {name}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        })
        .unwrap()
    }

    #[test]
    fn connection_settings_match_upstream() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(pragma(&store, "busy_timeout"), "5000");
        assert_eq!(pragma(&store, "journal_mode"), "wal");
        assert_eq!(pragma(&store, "foreign_keys"), "1");
        // NORMAL = 1
        assert_eq!(pragma(&store, "synchronous"), "1");
        assert!(!store.is_read_only());
        assert!(store.warnings().is_empty());
    }

    #[test]
    fn auth_lock_restores_ordinary_busy_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let seen: Result<i64, StoreError> = store.with_auth_lock(|_| Ok((AuthChange::Keep, 7)));
        assert_eq!(seen.unwrap(), 7);
        assert_eq!(pragma(&store, "busy_timeout"), "5000");
        let failed: Result<(), StoreError> = store.with_auth_lock(|_| {
            Err(StoreError::InvalidData {
                path: PathBuf::new(),
                detail: "x".into(),
            })
        });
        assert!(failed.is_err());
        assert_eq!(pragma(&store, "busy_timeout"), "5000");
    }
}
