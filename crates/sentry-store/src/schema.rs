//! The upstream `cli.db` schema (version 16): DDL, version-gated migrations and repair.
//!
//! The column lists below are the compatibility contract with the TypeScript CLI (npm `sentry`
//! 0.45): a database either tool writes must be readable by the other. The DDL text is generated
//! in the same layout upstream uses, so even `sqlite_master.sql` of a fresh database matches.

use rusqlite::{params, Connection, OptionalExtension};

/// Schema version written by upstream 0.45 and by us.
pub const SCHEMA_VERSION: i64 = 16;

const NOW_MS_DEFAULT: &str = "(unixepoch() * 1000)";

/// One column of a table definition.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub ty: &'static str,
    pub primary_key: bool,
    pub check: Option<&'static str>,
    pub not_null: bool,
    pub default: Option<&'static str>,
    /// Schema version that added this column with `ALTER TABLE` (nullable columns only);
    /// such columns are the ones repair may add to an existing table.
    pub added_in: Option<i64>,
}

/// One table definition.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub composite_pk: Option<&'static [&'static str]>,
}

const fn col(name: &'static str, ty: &'static str) -> Column {
    Column {
        name,
        ty,
        primary_key: false,
        check: None,
        not_null: false,
        default: None,
        added_in: None,
    }
}

const fn pk(name: &'static str, ty: &'static str) -> Column {
    Column {
        primary_key: true,
        ..col(name, ty)
    }
}

const fn single_row_id() -> Column {
    Column {
        check: Some("id = 1"),
        ..pk("id", "INTEGER")
    }
}

const fn req(name: &'static str, ty: &'static str) -> Column {
    Column {
        not_null: true,
        ..col(name, ty)
    }
}

const fn since(name: &'static str, ty: &'static str, version: i64) -> Column {
    Column {
        added_in: Some(version),
        ..col(name, ty)
    }
}

const fn now_ms(name: &'static str) -> Column {
    Column {
        not_null: true,
        default: Some(NOW_MS_DEFAULT),
        ..col(name, "INTEGER")
    }
}

/// Every table of schema v16, in upstream's declaration order.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "schema_version",
        columns: &[pk("version", "INTEGER")],
        composite_pk: None,
    },
    Table {
        name: "auth",
        columns: &[
            single_row_id(),
            col("token", "TEXT"),
            col("refresh_token", "TEXT"),
            col("expires_at", "INTEGER"),
            col("issued_at", "INTEGER"),
            now_ms("updated_at"),
            since("host", "TEXT", 16),
        ],
        composite_pk: None,
    },
    Table {
        name: "project_cache",
        columns: &[
            pk("cache_key", "TEXT"),
            req("org_slug", "TEXT"),
            req("org_name", "TEXT"),
            req("project_slug", "TEXT"),
            req("project_name", "TEXT"),
            since("project_id", "TEXT", 7),
            now_ms("cached_at"),
            now_ms("last_accessed"),
        ],
        composite_pk: None,
    },
    Table {
        name: "dsn_cache",
        columns: &[
            pk("directory", "TEXT"),
            req("dsn", "TEXT"),
            req("project_id", "TEXT"),
            col("org_id", "TEXT"),
            req("source", "TEXT"),
            col("source_path", "TEXT"),
            col("resolved_org_slug", "TEXT"),
            col("resolved_org_name", "TEXT"),
            col("resolved_project_slug", "TEXT"),
            col("resolved_project_name", "TEXT"),
            since("fingerprint", "TEXT", 4),
            since("all_dsns_json", "TEXT", 4),
            since("source_mtimes_json", "TEXT", 4),
            since("dir_mtimes_json", "TEXT", 4),
            since("root_dir_mtime", "INTEGER", 4),
            since("ttl_expires_at", "INTEGER", 4),
            now_ms("cached_at"),
            now_ms("last_accessed"),
        ],
        composite_pk: None,
    },
    Table {
        name: "project_aliases",
        columns: &[
            pk("alias", "TEXT"),
            req("org_slug", "TEXT"),
            req("project_slug", "TEXT"),
            col("dsn_fingerprint", "TEXT"),
            now_ms("cached_at"),
            now_ms("last_accessed"),
        ],
        composite_pk: None,
    },
    Table {
        name: "pagination_cursors",
        columns: &[
            req("command_key", "TEXT"),
            req("context", "TEXT"),
            req("cursor_stack", "TEXT"),
            Column {
                default: Some("0"),
                ..req("page_index", "INTEGER")
            },
            req("expires_at", "INTEGER"),
        ],
        composite_pk: Some(&["command_key", "context"]),
    },
    Table {
        name: "metadata",
        columns: &[pk("key", "TEXT"), req("value", "TEXT")],
        composite_pk: None,
    },
    Table {
        name: "org_regions",
        columns: &[
            pk("org_slug", "TEXT"),
            since("org_id", "TEXT", 8),
            since("org_name", "TEXT", 9),
            since("org_role", "TEXT", 10),
            req("region_url", "TEXT"),
            now_ms("updated_at"),
        ],
        composite_pk: None,
    },
    Table {
        name: "user_info",
        columns: &[
            single_row_id(),
            req("user_id", "TEXT"),
            col("email", "TEXT"),
            col("username", "TEXT"),
            since("name", "TEXT", 3),
            now_ms("updated_at"),
        ],
        composite_pk: None,
    },
    Table {
        name: "instance_info",
        columns: &[
            single_row_id(),
            req("instance_id", "TEXT"),
            now_ms("created_at"),
        ],
        composite_pk: None,
    },
    Table {
        name: "repo_cache",
        columns: &[
            pk("org_slug", "TEXT"),
            req("repos_json", "TEXT"),
            now_ms("cached_at"),
        ],
        composite_pk: None,
    },
    Table {
        name: "issue_org_cache",
        columns: &[
            pk("issue_id", "TEXT"),
            req("org_slug", "TEXT"),
            now_ms("cached_at"),
        ],
        composite_pk: None,
    },
    Table {
        name: "project_root_cache",
        columns: &[
            pk("cwd", "TEXT"),
            req("project_root", "TEXT"),
            req("reason", "TEXT"),
            req("cwd_mtime", "INTEGER"),
            now_ms("cached_at"),
            req("ttl_expires_at", "INTEGER"),
        ],
        composite_pk: None,
    },
    Table {
        name: "completion_telemetry_queue",
        columns: &[
            pk("id", "INTEGER"),
            now_ms("created_at"),
            req("command_path", "TEXT"),
            req("duration_ms", "INTEGER"),
            req("result_count", "INTEGER"),
        ],
        composite_pk: None,
    },
];

pub(crate) fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// `CREATE TABLE IF NOT EXISTS` text in upstream's exact layout.
pub(crate) fn create_table_sql(t: &Table) -> String {
    let mut defs: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            let mut parts = vec![c.name.to_string(), c.ty.to_string()];
            if c.primary_key {
                parts.push("PRIMARY KEY".into());
            }
            if let Some(check) = c.check {
                parts.push(format!("CHECK ({check})"));
            }
            if c.not_null {
                parts.push("NOT NULL".into());
            }
            if let Some(default) = c.default {
                parts.push(format!("DEFAULT {default}"));
            }
            parts.join(" ")
        })
        .collect();
    if let Some(cols) = t.composite_pk {
        defs.push(format!("PRIMARY KEY ({})", cols.join(", ")));
    }
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    {}\n  )",
        t.name,
        defs.join(",\n    ")
    )
}

fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

fn columns_of(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let rows = stmt.query_map([table], |r| r.get::<_, String>(0))?;
    rows.collect()
}

fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    Ok(columns_of(conn, table)?.iter().any(|c| c == column))
}

fn add_column_if_missing(
    conn: &Connection,
    table: &str,
    column: &str,
    ty: &str,
    fixed: &mut Vec<String>,
) -> rusqlite::Result<()> {
    if table_exists(conn, table)? && !has_column(conn, table, column)? {
        conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {ty}"))?;
        fixed.push(format!("Added column {table}.{column}"));
    }
    Ok(())
}

fn create_table(conn: &Connection, name: &str) -> rusqlite::Result<()> {
    if let Some(t) = table(name) {
        conn.execute_batch(&create_table_sql(t))?;
    }
    Ok(())
}

/// True when the table's stored DDL carries the composite `PRIMARY KEY (a, b)` clause
/// (an early upstream bug created `pagination_cursors` with a single-column key).
fn has_composite_pk(conn: &Connection, t: &Table) -> rusqlite::Result<bool> {
    let Some(cols) = t.composite_pk else {
        return Ok(true);
    };
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [t.name],
            |r| r.get(0),
        )
        .optional()?;
    let expected = format!("PRIMARY KEY ({})", cols.join(", "));
    Ok(sql.is_some_and(|s| s.contains(&expected)))
}

/// Cheap check used on every open: are all tables there and is the version current?
/// Returns `Ok(false)` when the slow path (migrate) must run.
pub(crate) fn is_current(conn: &Connection) -> rusqlite::Result<bool> {
    let names = TABLES
        .iter()
        .map(|t| format!("'{}'", t.name))
        .collect::<Vec<_>>()
        .join(",");
    let present: i64 = conn.query_row(
        &format!("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({names})"),
        [],
        |r| r.get(0),
    )?;
    if present != TABLES.len() as i64 {
        return Ok(false);
    }
    let version: Option<i64> = conn
        .query_row("SELECT version FROM schema_version LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(version.is_some_and(|v| v >= SCHEMA_VERSION))
}

/// Create missing tables, run version-gated migrations from the stored version, repair, and
/// stamp version 16. Must run inside a write transaction (the caller owns it) so a crash never
/// leaves a half-migrated file. Returns the repair actions taken (for logging).
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut fixed = Vec::new();
    // Stored version before we touch anything; `None` = no row (fresh or hand-made DB).
    let stored: Option<i64> = if table_exists(conn, "schema_version")? {
        conn.query_row("SELECT version FROM schema_version LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?
    } else {
        None
    };

    for t in TABLES {
        if !table_exists(conn, t.name)? {
            conn.execute_batch(&create_table_sql(t))?;
            if stored.is_some() {
                fixed.push(format!("Created table {}", t.name));
            }
        }
    }
    let current = match stored {
        Some(v) => v,
        None => {
            conn.execute(
                "INSERT OR IGNORE INTO schema_version (version) VALUES (?1)",
                [SCHEMA_VERSION],
            )?;
            SCHEMA_VERSION
        }
    };

    if current < 3 {
        add_column_if_missing(conn, "user_info", "name", "TEXT", &mut fixed)?;
    }
    if current < 4 {
        for (c, ty) in [
            ("fingerprint", "TEXT"),
            ("all_dsns_json", "TEXT"),
            ("source_mtimes_json", "TEXT"),
            ("dir_mtimes_json", "TEXT"),
            ("root_dir_mtime", "INTEGER"),
            ("ttl_expires_at", "INTEGER"),
        ] {
            add_column_if_missing(conn, "dsn_cache", c, ty, &mut fixed)?;
        }
    }
    if current < 7 {
        add_column_if_missing(conn, "project_cache", "project_id", "TEXT", &mut fixed)?;
    }
    if current < 8 {
        add_column_if_missing(conn, "org_regions", "org_id", "TEXT", &mut fixed)?;
    }
    if current < 9 {
        add_column_if_missing(conn, "org_regions", "org_name", "TEXT", &mut fixed)?;
    }
    if current < 10 {
        add_column_if_missing(conn, "org_regions", "org_role", "TEXT", &mut fixed)?;
    }
    if current < 12 {
        // v12 replaced the single `cursor` column with a cursor stack. Cursors live five
        // minutes, so dropping the old table loses nothing worth keeping.
        conn.execute_batch("DROP TABLE IF EXISTS pagination_cursors")?;
        create_table(conn, "pagination_cursors")?;
    }
    if current < 13 && table_exists(conn, "defaults")? {
        migrate_legacy_defaults(conn)?;
    }
    if current < 16 {
        add_column_if_missing(conn, "auth", "host", "TEXT", &mut fixed)?;
    }

    repair(conn, &mut fixed)?;

    if current < SCHEMA_VERSION {
        conn.execute("UPDATE schema_version SET version = ?1", [SCHEMA_VERSION])?;
    }
    Ok(fixed)
}

/// v13: the single-row `defaults(organization, project)` table became metadata keys.
fn migrate_legacy_defaults(conn: &Connection) -> rusqlite::Result<()> {
    let cols = columns_of(conn, "defaults")?;
    let pick = |c: &str| {
        if cols.iter().any(|x| x == c) {
            c.to_string()
        } else {
            "NULL".to_string()
        }
    };
    let has_id = cols.iter().any(|x| x == "id");
    let sql = format!(
        "SELECT {}, {} FROM defaults {} LIMIT 1",
        pick("organization"),
        pick("project"),
        if has_id { "WHERE id = 1" } else { "" }
    );
    let row: Option<(Option<String>, Option<String>)> = conn
        .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((org, project)) = row {
        for (key, value) in [("defaults.org", org), ("defaults.project", project)] {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                conn.execute(
                    "INSERT OR REPLACE INTO metadata (key, value) VALUES (?1, ?2)",
                    params![key, v],
                )?;
            }
        }
    }
    conn.execute_batch("DROP TABLE defaults")
}

/// Non-destructive schema repair: create missing tables, add missing nullable columns, and
/// recreate ephemeral tables whose shape cannot be altered in place (wrong composite key, or a
/// required column missing). Appends a human description of every change to `fixed`.
pub(crate) fn repair(conn: &Connection, fixed: &mut Vec<String>) -> rusqlite::Result<()> {
    for t in TABLES {
        if !table_exists(conn, t.name)? {
            conn.execute_batch(&create_table_sql(t))?;
            fixed.push(format!("Created table {}", t.name));
            continue;
        }
        let present = columns_of(conn, t.name)?;
        let missing: Vec<&Column> = t
            .columns
            .iter()
            .filter(|c| !present.iter().any(|p| p == c.name))
            .collect();
        let unfixable = missing.iter().any(|c| c.added_in.is_none());
        if t.name == "pagination_cursors" && (unfixable || !has_composite_pk(conn, t)?) {
            conn.execute_batch("DROP TABLE pagination_cursors")?;
            conn.execute_batch(&create_table_sql(t))?;
            fixed.push("Recreated table pagination_cursors with correct shape".into());
            continue;
        }
        for c in missing {
            if c.added_in.is_some() {
                conn.execute_batch(&format!(
                    "ALTER TABLE {} ADD COLUMN {} {}",
                    t.name, c.name, c.ty
                ))?;
                fixed.push(format!("Added column {}.{}", t.name, c.name));
            } else {
                // A NOT NULL column without a constant default cannot be added by ALTER
                // TABLE; leave the table alone rather than destroy user data.
                log::warn!(
                    "cli.db table {} lacks required column {}; not repairable in place",
                    t.name,
                    c.name
                );
            }
        }
    }
    Ok(())
}

/// Errors upstream's auto-repair reacts to: the schema is behind what the query expects.
pub(crate) fn is_schema_error(e: &rusqlite::Error) -> bool {
    let msg = e.to_string().to_lowercase();
    msg.contains("no such column")
        || msg.contains("no such table")
        || msg.contains("has no column named")
        || msg.contains("on conflict clause does not match")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourteen_tables_and_upstream_ddl_layout() {
        assert_eq!(TABLES.len(), 14);
        let auth = create_table_sql(table("auth").unwrap());
        assert_eq!(
            auth,
            "CREATE TABLE IF NOT EXISTS auth (\n    id INTEGER PRIMARY KEY CHECK (id = 1),\n    \
             token TEXT,\n    refresh_token TEXT,\n    expires_at INTEGER,\n    issued_at INTEGER,\n    \
             updated_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),\n    host TEXT\n  )"
        );
        let pc = create_table_sql(table("pagination_cursors").unwrap());
        assert!(pc.ends_with(
            "page_index INTEGER NOT NULL DEFAULT 0,\n    expires_at INTEGER NOT NULL,\n    \
             PRIMARY KEY (command_key, context)\n  )"
        ));
    }

    #[test]
    fn schema_error_classification() {
        let conn = Connection::open_in_memory().unwrap();
        let e = conn.execute("SELECT x FROM nope", []).unwrap_err();
        assert!(is_schema_error(&e));
        conn.execute_batch("CREATE TABLE t (a TEXT)").unwrap();
        let e = conn
            .execute("INSERT INTO t (b) VALUES (1)", [])
            .unwrap_err();
        assert!(is_schema_error(&e));
        let e = conn.execute("INSERT INTO t VALUES (1, 2)", []).unwrap_err();
        assert!(!is_schema_error(&e));
    }
}
