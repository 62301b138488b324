//! Versioned schema of the server's own SQLite database.
//!
//! The version lives in SQLite's `user_version` header field: 0 for a new file and for files
//! written before versions existed, then the number of the last migration applied. Opening a
//! database applies, in order, every migration above its version, each in its own transaction
//! that also records the new version, so a failed migration leaves the file at the last
//! version that fully applied.
//!
//! Rules: migrations are append-only. A released migration is never edited (databases in
//! `~/.sentry/local` already ran it); a layout change is a new migration with the next number
//! (`ALTER TABLE … ADD COLUMN …`, a new table, a backfill). A database whose version is newer
//! than [`LATEST`] was written by a newer build and is refused rather than half-understood.

use rusqlite::Connection;

/// One step of the schema.
pub(crate) struct Migration {
    /// The version the database has once this migration applied (1, 2, …, no gaps).
    pub version: u32,
    /// SQL run as one batch.
    pub sql: &'static str,
}

/// Every migration, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("migrations/0001_baseline.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("migrations/0002_setup_codes.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("migrations/0003_artifact_bundle_files.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("migrations/0004_trace_metrics.sql"),
    },
];

/// The schema version this build writes.
#[cfg(test)]
pub(crate) const LATEST: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Why a database could not be brought to the current schema.
#[derive(Debug)]
pub enum MigrateError {
    /// The file was written by a newer build (its version is above what this build knows).
    TooNew { found: u32, latest: u32 },
    Sql {
        version: u32,
        error: rusqlite::Error,
    },
}

impl std::fmt::Display for MigrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MigrateError::TooNew { found, latest } => write!(
                f,
                "the database has schema version {found}, newer than this sentry knows ({latest}); \
                 use a newer sentry or another --data directory"
            ),
            MigrateError::Sql { version, error } => {
                write!(
                    f,
                    "could not migrate the database to schema version {version}: {error}"
                )
            }
        }
    }
}

impl std::error::Error for MigrateError {}

/// The `user_version` of the open database.
pub(crate) fn version(c: &Connection) -> rusqlite::Result<u32> {
    c.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the database to [`LATEST`]; returns the version it had before.
pub(crate) fn migrate(c: &mut Connection) -> Result<u32, MigrateError> {
    apply(c, MIGRATIONS)
}

/// [`migrate`] with an explicit list (tests pass their own).
fn apply(c: &mut Connection, migrations: &[Migration]) -> Result<u32, MigrateError> {
    let latest = migrations.last().map_or(0, |m| m.version);
    let sql_error = |version| move |error| MigrateError::Sql { version, error };
    let found = version(c).map_err(sql_error(0))?;
    if found > latest {
        return Err(MigrateError::TooNew { found, latest });
    }
    for m in migrations.iter().filter(|m| m.version > found) {
        let tx = c.transaction().map_err(sql_error(m.version))?;
        tx.execute_batch(m.sql).map_err(sql_error(m.version))?;
        // `user_version` is part of the file header, written with (and rolled back with) the
        // transaction.
        tx.pragma_update(None, "user_version", m.version)
            .map_err(sql_error(m.version))?;
        tx.commit().map_err(sql_error(m.version))?;
        log::debug!(
            "local server database migrated to schema version {}",
            m.version
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(c: &Connection, table: &str) -> Vec<String> {
        let mut stmt = c
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn versions_are_numbered_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1);
        }
    }

    #[test]
    fn a_new_database_gets_every_migration_once() {
        let mut c = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut c).unwrap(), 0);
        assert_eq!(version(&c).unwrap(), LATEST);
        assert!(columns(&c, "api_tokens").contains(&"scopes".to_string()));
        // Opening again applies nothing.
        assert_eq!(migrate(&mut c).unwrap(), LATEST);
    }

    const V1: Migration = Migration {
        version: 1,
        sql: "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY);",
    };
    const V2: Migration = Migration {
        version: 2,
        sql: "ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT '';",
    };

    #[test]
    fn later_migrations_reach_databases_of_earlier_versions() {
        let mut c = Connection::open_in_memory().unwrap();
        apply(&mut c, &[V1]).unwrap();
        c.execute("INSERT INTO t (id) VALUES (7)", []).unwrap();
        assert_eq!(apply(&mut c, &[V1, V2]).unwrap(), 1);
        assert_eq!(version(&c).unwrap(), 2);
        assert_eq!(columns(&c, "t"), ["id", "note"]);
        let note: String = c
            .query_row("SELECT note FROM t WHERE id = 7", [], |r| r.get(0))
            .unwrap();
        assert_eq!(note, "");
    }

    #[test]
    fn a_failing_migration_changes_nothing() {
        let bad = Migration {
            version: 2,
            sql: "ALTER TABLE t ADD COLUMN a TEXT; ALTER TABLE missing ADD COLUMN b TEXT;",
        };
        let mut c = Connection::open_in_memory().unwrap();
        apply(&mut c, &[V1]).unwrap();
        let err = apply(&mut c, &[V1, bad]).unwrap_err();
        assert!(matches!(err, MigrateError::Sql { version: 2, .. }), "{err}");
        assert_eq!(version(&c).unwrap(), 1);
        assert_eq!(
            columns(&c, "t"),
            ["id"],
            "the first statement was rolled back"
        );
    }

    #[test]
    fn newer_databases_are_refused() {
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "user_version", LATEST + 1).unwrap();
        let err = migrate(&mut c).unwrap_err();
        assert!(matches!(err, MigrateError::TooNew { .. }));
        assert!(
            err.to_string().contains("newer than this sentry knows"),
            "{err}"
        );
    }
}
