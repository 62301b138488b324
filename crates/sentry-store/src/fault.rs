//! Why `cli.db` could not be written, in words a person can act on.
//!
//! A write that must land (a login, a logout, a `cli defaults` value) that fails is reported
//! with the real reason — a full disk is not "read-only" — and the fix, naming the path to
//! free, chmod or move. The cause is taken from the OS error (`errno`) wherever one exists
//! (our own file-system calls, or SQLite's last system error) and only otherwise from
//! SQLite's result code plus a look at the file system.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode};

/// What stopped a write. Each variant carries the path the fix is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteFault {
    /// `cli.db` exists but is a directory (or another non-file).
    NotAFile { path: PathBuf },
    /// `blocker`, a component of the config dir's path, is a regular file.
    BlockedByFile { blocker: PathBuf, dir: PathBuf },
    /// The OS refused access to `path` (owner/mode); `owner` is its owning uid.
    PermissionDenied { path: PathBuf, owner: Option<u32> },
    /// The file system holding `dir` is mounted read-only.
    ReadOnlyFileSystem { dir: PathBuf },
    /// No space (or inode/quota) left on the file system holding `dir`.
    DiskFull { dir: PathBuf },
    /// The process's file size limit (RLIMIT_FSIZE, `ulimit -f`) stopped the write.
    FileTooLarge,
    /// Another process kept the database locked longer than the busy timeout.
    Locked { path: PathBuf },
    /// The file is damaged and could not be moved aside.
    Corrupt { path: PathBuf },
    /// A newer CLI wrote the file (schema `version`, above ours): it is read but never
    /// written, so the newer tool finds it as it left it.
    NewerSchema { path: PathBuf, version: i64 },
    /// Anything else, with the OS or SQLite message.
    Other { detail: String },
}

impl WriteFault {
    /// The reason, one sentence without a trailing period.
    pub fn reason(&self) -> String {
        match self {
            WriteFault::NotAFile { path } => {
                format!("{} is a directory, not a database file", path.display())
            }
            WriteFault::BlockedByFile { blocker, dir } => format!(
                "{} is a file, so the config directory {} cannot be created",
                blocker.display(),
                dir.display()
            ),
            WriteFault::PermissionDenied { path, .. } => {
                format!("Permission denied writing {}", path.display())
            }
            WriteFault::ReadOnlyFileSystem { .. } => "the file system is read-only".into(),
            WriteFault::DiskFull { .. } => "No space left on device".into(),
            WriteFault::FileTooLarge => "the process's file size limit was reached".into(),
            WriteFault::Locked { .. } => "the database stayed locked by another process".into(),
            WriteFault::Corrupt { path } => {
                format!("{} is damaged and could not be moved aside", path.display())
            }
            WriteFault::NewerSchema { version, .. } => format!(
                "the file is from a newer Sentry CLI: schema {version}, this one knows up to {}",
                crate::SCHEMA_VERSION
            ),
            WriteFault::Other { detail } => detail.clone(),
        }
    }

    /// What to do about it, naming the path.
    pub fn fix(&self) -> String {
        let elsewhere = "or point SENTRY_CONFIG_DIR at a writable directory";
        match self {
            WriteFault::NotAFile { path } => format!(
                "Move {0} out of the way (e.g. mv {0} {0}.bak) and retry.",
                path.display()
            ),
            WriteFault::BlockedByFile { blocker, .. } => format!(
                "Rename or remove the file {}, {elsewhere}.",
                blocker.display()
            ),
            WriteFault::PermissionDenied { path, owner } => {
                let me = current_uid();
                match (owner, me) {
                    (Some(o), Some(me)) if *o != me => format!(
                        "{} belongs to uid {o}; give it to your user (sudo chown -R {me} {}) {elsewhere}.",
                        path.display(),
                        path.display()
                    ),
                    _ => format!("Make it writable (chmod u+rwX {}) {elsewhere}.", path.display()),
                }
            }
            WriteFault::ReadOnlyFileSystem { dir } => format!(
                "Remount the file system holding {} read-write, {elsewhere}.",
                dir.display()
            ),
            WriteFault::DiskFull { dir } => format!(
                "Free space on the file system holding {0} (see df -h {0}), then retry.",
                dir.display()
            ),
            WriteFault::FileTooLarge => {
                "Raise the file size limit (ulimit -f unlimited) and retry.".into()
            }
            WriteFault::Locked { path } => format!(
                "Retry when other sentry commands have finished; if it persists, find the process holding {} (e.g. fuser {}).",
                path.display(),
                path.display()
            ),
            WriteFault::Corrupt { path } => format!(
                "Move {0} out of the way (e.g. mv {0} {0}.bak) and retry.",
                path.display()
            ),
            WriteFault::NewerSchema { .. } => "Update this sentry CLI to the latest version; until then, logins and defaults it finds are used but nothing is saved.".into(),
            WriteFault::Other { .. } => {
                format!("Check the config directory, {elsewhere}.")
            }
        }
    }

    /// True for faults that mean "this store cannot be written here", as opposed to a lock
    /// held for a while or an unexpected error.
    pub(crate) fn is_unwritable(&self) -> bool {
        !matches!(self, WriteFault::Locked { .. } | WriteFault::Other { .. })
    }
}

impl fmt::Display for WriteFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason())
    }
}

#[cfg(unix)]
fn current_uid() -> Option<u32> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    Some(unsafe { libc::geteuid() })
}

#[cfg(not(unix))]
fn current_uid() -> Option<u32> {
    None
}

#[cfg(unix)]
fn owner_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn owner_of(_path: &Path) -> Option<u32> {
    None
}

/// Whether the current user may write `path` (access(2) with W_OK).
#[cfg(unix)]
fn may_write(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

#[cfg(not(unix))]
fn may_write(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
}

#[cfg(unix)]
fn on_read_only_fs(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statvfs only writes into the zeroed struct we own.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        libc::statvfs(c.as_ptr(), &mut st) == 0 && (st.f_flag & libc::ST_RDONLY) != 0
    }
}

#[cfg(not(unix))]
fn on_read_only_fs(_path: &Path) -> bool {
    false
}

/// Whether the file system holding `path` is (nearly) out of space or inodes: less room
/// than SQLite needs for its 32 KiB shared-memory file plus a page, or no free inode on a
/// file system that counts them (`f_files == 0` means it does not).
#[cfg(unix)]
fn out_of_space(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statvfs only writes into the zeroed struct we own.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut st) != 0 {
            return false;
        }
        let free = (st.f_bavail as u64).saturating_mul(st.f_frsize as u64);
        free < 40 * 1024 || (st.f_files != 0 && st.f_favail == 0)
    }
}

#[cfg(not(unix))]
fn out_of_space(_path: &Path) -> bool {
    false
}

/// The nearest ancestor of `path` that exists (what the OS checked when creating below it).
fn nearest_existing(path: &Path) -> PathBuf {
    path.ancestors()
        .find(|p| p.symlink_metadata().is_ok())
        .unwrap_or(path)
        .to_path_buf()
}

/// The first component of `dir`'s path that exists but is not a directory.
fn file_in_the_way(dir: &Path) -> Option<PathBuf> {
    let mut ancestors: Vec<&Path> = dir.ancestors().collect();
    ancestors.reverse();
    ancestors
        .into_iter()
        .find(|p| std::fs::metadata(p).is_ok_and(|m| !m.is_dir()))
        .map(Path::to_path_buf)
}

/// The path a permission fix should name: the database file when it exists and is the one
/// refused, else the config dir (or its nearest existing ancestor when it doesn't exist).
fn refused_path(db: &Path) -> PathBuf {
    if db.exists() && !may_write(db) {
        return db.to_path_buf();
    }
    let dir = db.parent().unwrap_or(db);
    if dir.exists() {
        dir.to_path_buf()
    } else {
        nearest_existing(dir)
    }
}

fn dir_of(db: &Path) -> PathBuf {
    db.parent().unwrap_or(db).to_path_buf()
}

/// Classify an OS error met while creating or writing `db` (inside its config dir).
pub(crate) fn from_errno(errno: i32, db: &Path, detail: impl FnOnce() -> String) -> WriteFault {
    let dir = dir_of(db);
    #[cfg(unix)]
    {
        match errno {
            libc::EACCES | libc::EPERM => {
                let path = refused_path(db);
                return WriteFault::PermissionDenied {
                    owner: owner_of(&path),
                    path,
                };
            }
            libc::EROFS => return WriteFault::ReadOnlyFileSystem { dir },
            libc::ENOSPC | libc::EDQUOT => return WriteFault::DiskFull { dir },
            libc::EFBIG => return WriteFault::FileTooLarge,
            libc::ENOTDIR => {
                if let Some(blocker) = file_in_the_way(&dir) {
                    return WriteFault::BlockedByFile { blocker, dir };
                }
            }
            libc::EISDIR => {
                return WriteFault::NotAFile {
                    path: db.to_path_buf(),
                }
            }
            _ => {}
        }
    }
    #[cfg(not(unix))]
    let _ = errno;
    WriteFault::Other { detail: detail() }
}

/// Classify an I/O error of our own file-system calls.
pub(crate) fn from_io(e: &io::Error, db: &Path) -> WriteFault {
    match e.raw_os_error() {
        Some(errno) => from_errno(errno, db, || e.to_string()),
        None => WriteFault::Other {
            detail: e.to_string(),
        },
    }
}

/// SQLite's last OS error on this connection (0 when the failure was not an OS error).
fn system_errno(conn: &Connection) -> i32 {
    // SAFETY: the handle is valid while `conn` is borrowed; sqlite3_system_errno only reads
    // a field of the connection object.
    unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) }
}

/// Classify a failed SQLite call on `conn` (when there is one) against `db`.
pub(crate) fn from_sqlite(conn: Option<&Connection>, e: &rusqlite::Error, db: &Path) -> WriteFault {
    let errno = conn.map(system_errno).unwrap_or(0);
    let detail = || e.to_string();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => WriteFault::Locked {
            path: db.to_path_buf(),
        },
        Some(ErrorCode::DiskFull) => WriteFault::DiskFull { dir: dir_of(db) },
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => WriteFault::Corrupt {
            path: db.to_path_buf(),
        },
        Some(ErrorCode::ReadOnly)
        | Some(ErrorCode::CannotOpen)
        | Some(ErrorCode::PermissionDenied)
        | Some(ErrorCode::SystemIoFailure) => {
            if errno != 0 {
                let fault = from_errno(errno, db, detail);
                if !matches!(fault, WriteFault::Other { .. }) {
                    return fault;
                }
            }
            probe(db).unwrap_or_else(|| WriteFault::Other { detail: detail() })
        }
        _ => WriteFault::Other { detail: detail() },
    }
}

/// Look at the file system when no errno says why: the file or dir cannot be written by us,
/// or sits on a read-only mount.
pub(crate) fn probe(db: &Path) -> Option<WriteFault> {
    let dir = dir_of(db);
    if db.is_dir() {
        return Some(WriteFault::NotAFile {
            path: db.to_path_buf(),
        });
    }
    if let Some(blocker) = file_in_the_way(&dir) {
        return Some(WriteFault::BlockedByFile { blocker, dir });
    }
    let existing = if db.exists() {
        db.to_path_buf()
    } else {
        nearest_existing(&dir)
    };
    if on_read_only_fs(&existing) {
        return Some(WriteFault::ReadOnlyFileSystem { dir });
    }
    if out_of_space(&existing) {
        return Some(WriteFault::DiskFull { dir });
    }
    if (db.exists() && !may_write(db)) || !may_write(&nearest_existing(&dir)) {
        let path = refused_path(db);
        return Some(WriteFault::PermissionDenied {
            owner: owner_of(&path),
            path,
        });
    }
    None
}
