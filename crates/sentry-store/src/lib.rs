//! `cli.db`: the local SQLite store of the `sentry` CLI.
//!
//! The file format is the one of the official TypeScript CLI (npm `sentry` 0.49, schema
//! version 21) so a login made with either tool works with the other; files of older
//! upstream versions (0.45 wrote version 16) are migrated forward exactly as 0.49 migrates
//! them, and a file of a newer schema is used read-only (see [`Store::open`]). On top of
//! upstream (where a corrupt file makes every command fail, even `--help`) we never let the
//! store brick the tool: a corrupt file is moved aside (`cli.db.corrupt-<unix seconds>`) and
//! replaced, and a read-only database degrades to "no caching" with one warning.
//!
//! Logins live in `accounts` (one row per login, one active; see the `accounts` module and
//! [`Account`]); the single-login calls ([`Store::auth`], [`Store::set_auth`], …) map onto
//! the active account.
//!
//! Writes come in two kinds, and every writing method says which it is:
//!
//! - **must land** — logins and their identity (`accounts`) and the `metadata` preferences
//!   (`cli defaults`). A failure is returned as
//!   [`StoreError::NotSaved`] with the real cause ([`WriteFault`]: disk full, permission,
//!   a directory in place of the file, …) so the command can fail instead of claiming
//!   success. [`Store::ensure_writable`] checks up front (before a login's network work).
//! - **cache** (`*_cache_*`, aliases, regions, cursors) — best effort: when the file cannot
//!   be written, caching turns off with one warning and the call returns `Ok`.
//!
//! The library never prints: diagnostics are collected and exposed through
//! [`Store::warnings`] / [`Store::take_warnings`] for the binary to show.

mod accounts;
mod auth;
mod caches;
mod completion;
mod fault;
mod meta;
mod pagination;
mod regions;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

pub use accounts::{
    credential_identity, origin_of, same_server, Account, CredentialKind, IdentityOutcome,
    LoginOutcome, LoginTarget, ANONYMOUS_IDENTITY, LEGACY_ACCOUNT_ID,
};
pub use auth::{AuthChange, AuthRecord, UserInfo};
pub use caches::{
    CachedProject, DsnCacheEntry, ProjectAlias, ProjectRootEntry, RepoCacheEntry,
    PROJECT_ROOT_TTL_MS, REPO_CACHE_TTL_MS,
};
pub use completion::CompletionNames;
pub use fault::WriteFault;
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
    /// A must-land write did not reach the file; `fault` says why and how to fix it.
    #[error("{fault}")]
    NotSaved { path: PathBuf, fault: WriteFault },
    /// The account an operation names is not stored (any more).
    #[error("No stored account with id '{0}'.")]
    NoSuchAccount(String),
}

impl StoreError {
    /// What the user can do about the failure, when the store knows (see [`WriteFault::fix`]).
    pub fn fix(&self) -> Option<String> {
        match self {
            StoreError::NotSaved { fault, .. } => Some(fault.fix()),
            _ => None,
        }
    }
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
    /// Cache writes are dropped (the file cannot be written, or a cache write found so).
    caching_off: bool,
    /// Why the connection cannot write at all (read-only open or in-memory fallback); a
    /// must-land write fails with this without trying.
    unwritable: Option<WriteFault>,
    /// The "not writable" warning was queued already (it is shown once per process).
    warned: bool,
    /// The "unreadable accounts" warning was queued already (once per process too).
    warned_accounts: bool,
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
    /// The file cannot be written or opened here; the fault says why.
    Unwritable(WriteFault),
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

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        code(e),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked)
    )
}

/// Retry `f` while SQLite answers "busy" without having waited: a few steps (the WAL switch,
/// a reader meeting a writer's recovery) return SQLITE_BUSY at once instead of calling the
/// busy handler. Bounded by [`BUSY_TIMEOUT`], after which the busy error is returned.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(2);
    loop {
        match f() {
            Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Apply upstream's connection settings: busy timeout first, so nothing below fails on a
/// lock another process holds.
///
/// The journal mode is never changed here. Upstream 0.49 uses two SQLite drivers: with the
/// native one (Node ≥ 22.15) it switches every file to WAL on open; with the WASM one (older
/// Node, the npm install many people have) it cannot open a WAL file while another process
/// has it open (the `-shm` file exists: "unable to open database file", losing the login for
/// that run), and converts a WAL file back to a rollback journal (`journal_mode=delete`)
/// whenever it can. So each upstream keeps the file in the mode it needs, and a file in
/// rollback-journal mode is the one every upstream driver opens at any time. We therefore
/// create new files with a rollback journal (see [`create_fresh`]) and keep whatever mode an
/// existing file has: converting either way would fight one of the upstream drivers, and our
/// code works in both (writes are `BEGIN IMMEDIATE` transactions under the busy timeout, so
/// readers and writers wait for each other in either mode).
fn configure(conn: &Connection, writable: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if writable && log::log_enabled!(log::Level::Debug) {
        let mode: String = retry_busy(|| conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)))?;
        log::debug!("cli.db journal_mode={mode}");
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
    Ok(())
}

/// Bring the schema up to v21 unless the quick check says it already is. Never called on a
/// file of a newer schema (see [`open_writable`]).
fn ensure_schema(conn: &Connection) -> rusqlite::Result<()> {
    if retry_busy(|| schema::is_current(conn)).unwrap_or(false) {
        return Ok(());
    }
    // Another process may be migrating at the same moment: IMMEDIATE serialises us behind it
    // and every step below re-checks, so the second one finds nothing to do.
    retry_busy(|| {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let fixed = schema::migrate(&tx)?;
        tx.commit()?;
        if !fixed.is_empty() {
            log::info!("Auto-repaired database: {}", fixed.join(", "));
        }
        Ok(())
    })
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

fn remove_with_sidecars(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(sidecar(path, suffix));
    }
}

/// Create `cli.db` when it does not exist, race-free: the database and its schema are built
/// in a private temp file (rollback journal, see [`configure`] for why), closed and then
/// hard-linked into place, which fails if another process got there first; that process's
/// identical database is then used. Parallel first runs therefore never see a half-made
/// file.
fn create_fresh(path: &Path) -> std::result::Result<(), WriteFault> {
    // Unique per process and per call: two threads released together can read the same
    // clock value, and a shared name would make the second `create_new` fail and the store
    // open degraded.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = sidecar(
        path,
        &format!(
            ".tmp-{}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ),
    );
    // Our own create first: when it fails, the OS error says why (full disk or inode table,
    // permissions, read-only mount); SQLite's "unable to open database file" would not.
    if let Err(e) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
    {
        return Err(fault::from_io(&e, path));
    }
    let built = (|| -> std::result::Result<(), WriteFault> {
        let conn = Connection::open_with_flags(
            &tmp,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| fault::from_sqlite(None, &e, path))?;
        let built = (|| {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            ensure_schema(&conn)
        })();
        if let Err(e) = built {
            // Classified against the real path so the message names cli.db's directory.
            return Err(fault::from_sqlite(Some(&conn), &e, path));
        }
        conn.close()
            .map_err(|(conn, e)| fault::from_sqlite(Some(&conn), &e, path))
    })();
    if let Err(fault) = built {
        log::debug!("building {} failed: {fault:?}", tmp.display());
        remove_with_sidecars(&tmp);
        return Err(fault);
    }
    let _ = set_mode(&tmp, 0o600);
    let placed = match std::fs::hard_link(&tmp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // File systems without hard links: a plain rename, only while nothing is there (the
        // window is tiny and the loser's file is a complete database as well).
        Err(e) if !path.exists() => std::fs::rename(&tmp, path).map_err(|_| e),
        Err(_) => Ok(()),
    };
    remove_with_sidecars(&tmp);
    placed.map_err(|e| fault::from_io(&e, path))
}

/// Open an existing `cli.db` for writing. `Ok((conn, true))` when SQLite could only open it
/// read-only (file mode or owner), with the reason.
fn open_writable(
    path: &Path,
) -> std::result::Result<(Connection, Option<WriteFault>), OpenFailure> {
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
            // SQLite keeps no OS error for a failed open; opening the file ourselves does.
            let os = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .err()
                .filter(|io| io.raw_os_error().is_some());
            OpenFailure::Unwritable(match os {
                Some(io) => fault::from_io(&io, path),
                None => fault::from_sqlite(None, &e, path),
            })
        }
    })?;
    // SQLite silently falls back to read-only when the file is not writable.
    let writable = !conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true);
    let classify = |conn: &Connection, e: rusqlite::Error| {
        if is_corrupt(&e) {
            OpenFailure::Corrupt(e)
        } else {
            OpenFailure::Unwritable(fault::from_sqlite(Some(conn), &e, path))
        }
    };
    configure(&conn, writable).map_err(|e| classify(&conn, e))?;
    if writable {
        // A newer CLI's file: we understand the tables we know, but migrating it "down" or
        // repairing it to our shape would destroy what the newer tool relies on. Read it
        // and write nothing (SQLite itself refuses writes on this connection).
        let stored =
            retry_busy(|| schema::stored_version(&conn)).map_err(|e| classify(&conn, e))?;
        if let Some(version) = stored.filter(|v| *v > SCHEMA_VERSION) {
            conn.execute_batch("PRAGMA query_only = ON")
                .map_err(|e| classify(&conn, e))?;
            let fault = WriteFault::NewerSchema {
                path: path.to_path_buf(),
                version,
            };
            return Ok((conn, Some(fault)));
        }
        ensure_schema(&conn).map_err(|e| classify(&conn, e))?;
        Ok((conn, None))
    } else {
        // Touch the schema so a corrupt read-only file is still recognised as corrupt.
        schema::is_current(&conn).map_err(|e| classify(&conn, e))?;
        let fault = fault::probe(path).unwrap_or_else(|| WriteFault::PermissionDenied {
            path: path.to_path_buf(),
            owner: None,
        });
        Ok((conn, Some(fault)))
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

/// An empty in-memory v21 database: lets every read answer "nothing cached" when the real
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

fn unwritable_warning(path: &Path, fault: &WriteFault) -> String {
    format!(
        "Warning: Sentry CLI local database cannot be written ({}). Caching is off, and logins and defaults cannot be saved.\n  Path: {}\n  Fix: {}",
        fault.reason(),
        path.display(),
        fault.fix()
    )
}

impl Store {
    /// Open (creating if needed) `<config_dir>/cli.db`.
    ///
    /// An older schema is migrated to v21 as upstream 0.49 migrates it (in one transaction).
    /// Never fails because of the file's state: a corrupt file is renamed
    /// `cli.db.corrupt-<unix seconds>` and replaced; an unwritable one is used read-only; a
    /// newer CLI's file (schema above 21) is read but never written
    /// ([`WriteFault::NewerSchema`]); an unusable one is replaced by an empty in-memory
    /// database. Each of those adds a warning, and must-land writes on such a store fail with
    /// the recorded [`WriteFault`].
    pub fn open(config_dir: &Path) -> Result<Store> {
        let path = config_dir.join(DB_FILE_NAME);
        let mut state = State::default();

        if let Err(e) = ensure_dir(config_dir) {
            log::debug!("cannot create {}: {e}", config_dir.display());
            let fault = fault::from_io(&e, &path);
            return Self::degraded(path, state, None, fault);
        }
        if path.symlink_metadata().is_ok() && path.is_dir() {
            let fault = WriteFault::NotAFile { path: path.clone() };
            return Self::degraded(path, state, None, fault);
        }
        if path.symlink_metadata().is_err() {
            if let Err(fault) = create_fresh(&path) {
                log::debug!("cannot create {}: {fault:?}", path.display());
                return Self::degraded(path, state, None, fault);
            }
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
                    attempt = match create_fresh(&path) {
                        Ok(()) => open_writable(&path),
                        Err(fault) => Err(OpenFailure::Unwritable(fault)),
                    };
                }
                Err(io) => {
                    log::debug!("cannot move corrupt database aside: {io}");
                    let fault = WriteFault::Corrupt { path: path.clone() };
                    state.warnings.push(format!(
                        "Warning: Sentry CLI local database is corrupt and could not be moved aside. Caching is off, and logins and defaults cannot be saved.\n  Path: {}\n  Fix: {}",
                        path.display(),
                        fault.fix()
                    ));
                    state.warned = true;
                    return Self::degraded(path, state, None, fault);
                }
            }
        }

        match attempt {
            Ok((conn, unwritable)) => {
                tighten_file_modes(&path);
                if let Some(fault) = unwritable {
                    state.warnings.push(unwritable_warning(&path, &fault));
                    state.warned = true;
                    state.caching_off = true;
                    state.unwritable = Some(fault);
                }
                Ok(Store {
                    path,
                    conn: Mutex::new(conn),
                    state: Mutex::new(state),
                })
            }
            Err(OpenFailure::Unwritable(fault)) => {
                log::debug!("cannot open {} for writing: {fault:?}", path.display());
                let ro = open_read_only(&path).ok();
                Self::degraded(path, state, ro, fault)
            }
            Err(OpenFailure::Corrupt(e)) => {
                // Still corrupt after a successful rename: nothing more to try.
                log::debug!("fresh database unusable: {e}");
                let fault = WriteFault::Corrupt { path: path.clone() };
                Self::degraded(path, state, None, fault)
            }
        }
    }

    /// A store whose writes cannot land: the read-only file if it could be opened, else an
    /// empty in-memory database. Cache writes are dropped, must-land writes fail with `fault`.
    fn degraded(
        path: PathBuf,
        mut state: State,
        conn: Option<Connection>,
        fault: WriteFault,
    ) -> Result<Store> {
        let conn = match conn {
            Some(c) => c,
            None => open_memory().map_err(|source| StoreError::Sqlite {
                path: path.clone(),
                source,
            })?,
        };
        state.caching_off = true;
        if !state.warned {
            state.warned = true;
            state.warnings.push(unwritable_warning(&path, &fault));
        }
        state.unwritable = Some(fault);
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

    /// Warnings collected so far (corrupt file replaced, file not writable), each possibly
    /// multi-line, for the binary to print to stderr.
    pub fn warnings(&self) -> Vec<String> {
        self.state().warnings.clone()
    }

    /// Like [`Store::warnings`] but drains them, so a warning raised later in the run (a
    /// write failing mid-command) can be printed once without repeating earlier ones.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.state().warnings)
    }

    /// True when cache writes are being dropped (file/dir not writable, in-memory fallback,
    /// or a cache write found the disk full).
    pub fn is_read_only(&self) -> bool {
        self.state().caching_off
    }

    /// Must-land check before doing work whose result has to be saved (a login's network
    /// round trips): `Err(NotSaved)` when this store already knows it cannot write.
    pub fn ensure_writable(&self) -> Result<()> {
        match &self.state().unwritable {
            Some(fault) => Err(StoreError::NotSaved {
                path: self.path.clone(),
                fault: fault.clone(),
            }),
            None => Ok(()),
        }
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

    fn not_saved(&self, fault: WriteFault) -> StoreError {
        StoreError::NotSaved {
            path: self.path.clone(),
            fault,
        }
    }

    /// Turn caching off after a cache write found the file unwritable (one warning).
    fn turn_caching_off(&self, fault: &WriteFault) {
        log::debug!("cache write to {} failed: {fault:?}", self.path.display());
        let mut st = self.state();
        st.caching_off = true;
        if !st.warned {
            st.warned = true;
            st.warnings.push(unwritable_warning(&self.path, fault));
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
                if self.state().unwritable.is_some() || self.repair(&conn).is_err() {
                    log::debug!("read from {} failed: {e}", self.path.display());
                    return Ok(T::default());
                }
                f(&conn).map_err(|e| self.err(e))
            }
            Err(e) => Err(self.err(e)),
        }
    }

    /// Run `f` in one IMMEDIATE transaction (never a half-written DB), repairing the schema
    /// once on a schema error. Errors are returned with the connection for classification.
    fn transact(
        &self,
        conn: &Connection,
        f: &dyn Fn(&Connection) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let run = |conn: &Connection| -> rusqlite::Result<()> {
            let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
            f(&tx)?;
            tx.commit()
        };
        match run(conn) {
            Err(e) if schema::is_schema_error(&e) => match self.repair(conn) {
                Ok(()) => run(conn),
                Err(_) => Err(e),
            },
            other => other,
        }
    }

    /// A must-land write: the credential, the login's identity, `metadata`. Fails with
    /// [`StoreError::NotSaved`] (cause and fix) when it did not reach the file.
    fn write(&self, f: impl Fn(&Connection) -> rusqlite::Result<()>) -> Result<()> {
        self.ensure_writable()?;
        let conn = self.conn();
        match self.transact(&conn, &f) {
            Ok(()) => Ok(()),
            Err(e) => {
                let fault = fault::from_sqlite(Some(&conn), &e, &self.path);
                log::debug!("write to {} failed: {e} ({fault:?})", self.path.display());
                Err(self.not_saved(fault))
            }
        }
    }

    /// A cache write: skipped when caching is off; a file that turns out unwritable (disk
    /// full, permissions) turns caching off with one warning and still returns `Ok`. Only an
    /// unexpected error (a constraint, a damaged table) is returned.
    fn cache_write(&self, f: impl Fn(&Connection) -> rusqlite::Result<()>) -> Result<()> {
        if self.is_read_only() {
            return Ok(());
        }
        let conn = self.conn();
        match self.transact(&conn, &f) {
            Ok(()) => Ok(()),
            Err(e) => {
                let fault = fault::from_sqlite(Some(&conn), &e, &self.path);
                if fault.is_unwritable() {
                    drop(conn);
                    self.turn_caching_off(&fault);
                    Ok(())
                } else if matches!(fault, WriteFault::Locked { .. }) {
                    log::debug!("cache write skipped: {e}");
                    Ok(())
                } else {
                    Err(self.err(e))
                }
            }
        }
    }

    /// Cache write whose failure must not fail the command (e.g. touching `last_accessed`).
    fn write_best_effort(&self, f: impl Fn(&Connection) -> rusqlite::Result<()>) {
        if let Err(e) = self.cache_write(f) {
            log::debug!("ignored cache write failure: {e}");
        }
    }

    /// Purge cache rows unused for 7 days and expired project-root rows. Runs on roughly one
    /// cache write in ten (like upstream) so the file stays small without a cost per command.
    /// Cache write.
    pub fn cleanup_caches(&self) -> Result<()> {
        let cutoff = now_ms() - 7 * 24 * 60 * 60 * 1000;
        let now = now_ms();
        self.cache_write(|c| {
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
            c.execute(
                "DELETE FROM completion_cache WHERE last_seen < ?1",
                [cutoff],
            )?;
            Ok(())
        })
    }

    /// On-demand repair (`sentry cli fix`): create missing tables, add missing columns,
    /// rebuild cache tables of the wrong shape, stamp version 21. Returns what was fixed,
    /// in upstream's wording (`Added column auth.host`). Must land: a store that cannot be
    /// written fails with [`StoreError::NotSaved`] rather than reporting nothing to fix.
    pub fn repair_schema(&self) -> Result<Vec<String>> {
        self.ensure_writable()?;
        let conn = self.conn();
        let run = || -> rusqlite::Result<Vec<String>> {
            let tx = rusqlite::Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)?;
            let fixed = schema::migrate(&tx)?;
            tx.commit()?;
            Ok(fixed)
        };
        run().map_err(|e| self.not_saved(fault::from_sqlite(Some(&conn), &e, &self.path)))
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
        // A new file uses a rollback journal, which every upstream driver can open.
        assert_eq!(pragma(&store, "journal_mode"), "delete");
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
