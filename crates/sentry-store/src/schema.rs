//! The upstream `cli.db` schema (version 21): DDL, version-gated migrations and repair.
//!
//! The column lists below are the compatibility contract with the TypeScript CLI (npm `sentry`
//! 0.49): a database either tool writes must be readable by the other. The DDL text is generated
//! in the same layout upstream uses, so even `sqlite_master.sql` of a fresh database matches.
//!
//! Migration follows upstream's version-gated steps exactly, so a file is the same whichever
//! tool migrated it: v17 rebuilt `org_regions` keyed by credential and origin (the rows are a
//! cache and were dropped), v18 moved the single login from `auth`/`user_info` into `accounts`
//! and dropped those two tables, v19 tied region rows to accounts, v20/v21 added
//! `completion_cache` and `telemetry_envelope_queue`. Tables we don't know are never touched.

use rusqlite::{params, Connection, OptionalExtension};

use crate::accounts::{credential_identity_of, new_account_id};

/// Schema version written by upstream 0.49 and by us.
pub const SCHEMA_VERSION: i64 = 21;

/// `metadata` key prefix of the interim (schema 16) record of which origin named each org's
/// region. v21 has real columns for it; such rows are deleted when `org_regions` is rebuilt.
pub(crate) const INTERIM_SOURCE_PREFIX: &str = "orgRegionSource.";

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
    /// Schema version that added this column to an existing table. Repair adds such a
    /// column with `ALTER TABLE … ADD COLUMN name TYPE` (no constraint, as upstream does);
    /// a missing column without it cannot be added in place.
    pub added_in: Option<i64>,
}

/// One table definition.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub composite_pk: Option<&'static [&'static str]>,
    /// Holds data that cannot be re-fetched (logins, settings): never dropped by repair.
    /// The other tables are caches, rebuilt when their shape is wrong.
    pub persistent: bool,
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

const fn req_since(name: &'static str, ty: &'static str, version: i64) -> Column {
    Column {
        added_in: Some(version),
        ..req(name, ty)
    }
}

const fn now_ms(name: &'static str) -> Column {
    Column {
        not_null: true,
        default: Some(NOW_MS_DEFAULT),
        ..col(name, "INTEGER")
    }
}

const fn table(name: &'static str, columns: &'static [Column]) -> Table {
    Table {
        name,
        columns,
        composite_pk: None,
        persistent: false,
    }
}

const fn persistent(name: &'static str, columns: &'static [Column]) -> Table {
    Table {
        persistent: true,
        ..table(name, columns)
    }
}

/// Every table of schema v21, in upstream's declaration order (which is also the order a
/// fresh file lists them in `sqlite_master`).
pub(crate) const TABLES: &[Table] = &[
    persistent("schema_version", &[pk("version", "INTEGER")]),
    persistent(
        "accounts",
        &[
            pk("account_id", "TEXT"),
            col("host", "TEXT"),
            col("user_id", "TEXT"),
            col("email", "TEXT"),
            col("username", "TEXT"),
            col("name", "TEXT"),
            col("token", "TEXT"),
            col("refresh_token", "TEXT"),
            col("expires_at", "INTEGER"),
            col("issued_at", "INTEGER"),
            Column {
                default: Some("0"),
                ..req("is_active", "INTEGER")
            },
            now_ms("created_at"),
            now_ms("updated_at"),
            now_ms("last_used_at"),
        ],
    ),
    table(
        "project_cache",
        &[
            pk("cache_key", "TEXT"),
            req("org_slug", "TEXT"),
            req("org_name", "TEXT"),
            req("project_slug", "TEXT"),
            req("project_name", "TEXT"),
            since("project_id", "TEXT", 7),
            now_ms("cached_at"),
            now_ms("last_accessed"),
        ],
    ),
    table(
        "dsn_cache",
        &[
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
    ),
    table(
        "project_aliases",
        &[
            pk("alias", "TEXT"),
            req("org_slug", "TEXT"),
            req("project_slug", "TEXT"),
            col("dsn_fingerprint", "TEXT"),
            now_ms("cached_at"),
            now_ms("last_accessed"),
        ],
    ),
    Table {
        composite_pk: Some(&["command_key", "context"]),
        ..table(
            "pagination_cursors",
            &[
                req("command_key", "TEXT"),
                req("context", "TEXT"),
                req("cursor_stack", "TEXT"),
                Column {
                    default: Some("0"),
                    ..req("page_index", "INTEGER")
                },
                req("expires_at", "INTEGER"),
            ],
        )
    },
    persistent("metadata", &[pk("key", "TEXT"), req("value", "TEXT")]),
    Table {
        composite_pk: Some(&["credential_identity", "source_origin", "org_slug"]),
        ..table(
            "org_regions",
            &[
                req("org_slug", "TEXT"),
                since("org_id", "TEXT", 8),
                since("org_name", "TEXT", 9),
                since("org_role", "TEXT", 10),
                req("region_url", "TEXT"),
                req_since("credential_identity", "TEXT", 17),
                since("account_id", "TEXT", 19),
                req_since("source_origin", "TEXT", 17),
                req_since("response_origin", "TEXT", 17),
                now_ms("updated_at"),
            ],
        )
    },
    persistent(
        "instance_info",
        &[
            single_row_id(),
            req("instance_id", "TEXT"),
            now_ms("created_at"),
        ],
    ),
    table(
        "repo_cache",
        &[
            pk("org_slug", "TEXT"),
            req("repos_json", "TEXT"),
            now_ms("cached_at"),
        ],
    ),
    table(
        "issue_org_cache",
        &[
            pk("issue_id", "TEXT"),
            req("org_slug", "TEXT"),
            now_ms("cached_at"),
        ],
    ),
    Table {
        composite_pk: Some(&["kind", "org_slug", "value"]),
        ..table(
            "completion_cache",
            &[
                req("kind", "TEXT"),
                req("org_slug", "TEXT"),
                req("value", "TEXT"),
                col("label", "TEXT"),
                now_ms("last_seen"),
            ],
        )
    },
    table(
        "project_root_cache",
        &[
            pk("cwd", "TEXT"),
            req("project_root", "TEXT"),
            req("reason", "TEXT"),
            req("cwd_mtime", "INTEGER"),
            now_ms("cached_at"),
            req("ttl_expires_at", "INTEGER"),
        ],
    ),
    persistent(
        "completion_telemetry_queue",
        &[
            pk("id", "INTEGER"),
            now_ms("created_at"),
            req("command_path", "TEXT"),
            req("duration_ms", "INTEGER"),
            req("result_count", "INTEGER"),
        ],
    ),
    table(
        "telemetry_envelope_queue",
        &[
            pk("id", "INTEGER"),
            req("created_at", "INTEGER"),
            Column {
                default: Some("0"),
                ..req("is_error", "INTEGER")
            },
            req("size", "INTEGER"),
            req("envelope", "BLOB"),
        ],
    ),
];

/// The single-login tables of schema ≤ 17, which v18 folded into `accounts` and dropped.
pub(crate) const LEGACY_LOGIN_TABLES: [&str; 2] = ["auth", "user_info"];

pub(crate) fn table_def(name: &str) -> Option<&'static Table> {
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

pub(crate) fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
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
    if let Some(t) = table_def(name) {
        conn.execute_batch(&create_table_sql(t))?;
    }
    Ok(())
}

/// The primary key columns the definition declares, in key order.
fn expected_pk(t: &Table) -> Vec<&'static str> {
    match t.composite_pk {
        Some(cols) => cols.to_vec(),
        None => t
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name)
            .collect(),
    }
}

/// True when the stored table's primary key is the declared one (same columns, same order).
/// An early upstream bug created `pagination_cursors` with a single-column key, and a v16
/// `org_regions` is keyed by slug alone.
fn has_expected_pk(conn: &Connection, t: &Table) -> rusqlite::Result<bool> {
    let mut stmt =
        conn.prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")?;
    let stored: Vec<String> = stmt
        .query_map([t.name], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(stored.iter().map(String::as_str).eq(expected_pk(t)))
}

/// The version in `schema_version`, `None` when the table or its row is missing (a fresh
/// or hand-made file).
pub(crate) fn stored_version(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    if !table_exists(conn, "schema_version")? {
        return Ok(None);
    }
    conn.query_row("SELECT version FROM schema_version LIMIT 1", [], |r| {
        r.get::<_, Option<i64>>(0)
    })
    .optional()
    .map(Option::flatten)
}

/// Cheap check used on every open: are all v21 tables there, the pre-v18 login tables gone
/// and the version current? Returns `Ok(false)` when the slow path (migrate) must run.
pub(crate) fn is_current(conn: &Connection) -> rusqlite::Result<bool> {
    let names = TABLES
        .iter()
        .map(|t| format!("'{}'", t.name))
        .collect::<Vec<_>>()
        .join(",");
    let legacy = LEGACY_LOGIN_TABLES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(",");
    let (present, stale): (i64, i64) = conn.query_row(
        &format!(
            "SELECT coalesce(sum(name IN ({names})), 0), coalesce(sum(name IN ({legacy})), 0)
             FROM sqlite_master WHERE type = 'table'"
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if present != TABLES.len() as i64 || stale != 0 {
        return Ok(false);
    }
    Ok(stored_version(conn)?.is_some_and(|v| v >= SCHEMA_VERSION))
}

/// Create missing tables, run version-gated migrations from the stored version, repair, and
/// stamp version 21. Must run inside a write transaction (the caller owns it) so a crash never
/// leaves a half-migrated file. The caller never runs it on a file of a newer schema.
/// Returns the repair actions taken (for logging).
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut fixed = Vec::new();
    // Stored version before we touch anything; `None` = no row (fresh or hand-made DB).
    let stored = stored_version(conn)?;

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
    if current < 17 {
        // v17: regions are cached per credential and per origin. Upstream drops the old rows
        // (a cache) rather than guess whose credential named them; so do we, together with
        // our interim per-org source records in `metadata`, which belonged to those rows.
        conn.execute_batch("DROP TABLE IF EXISTS org_regions")?;
        create_table(conn, "org_regions")?;
        conn.execute(
            "DELETE FROM metadata WHERE substr(key, 1, length(?1)) = ?1",
            [INTERIM_SOURCE_PREFIX],
        )?;
    }
    // v18 (and a stray `auth` table a v16-era tool recreated in a newer file later): the
    // single login becomes an account.
    if current < 18
        || LEGACY_LOGIN_TABLES
            .iter()
            .any(|t| table_exists(conn, t).unwrap_or(false))
    {
        migrate_single_login(conn, current >= 18)?;
    }
    if current < 19 {
        add_column_if_missing(conn, "org_regions", "account_id", "TEXT", &mut fixed)?;
        link_regions_to_accounts(conn)?;
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

/// A text value of a legacy row, tolerating whatever type an old tool stored.
fn text_of(v: rusqlite::types::Value) -> Option<String> {
    use rusqlite::types::Value;
    match v {
        Value::Text(s) => Some(s),
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(f) => Some(f.to_string()),
        Value::Blob(b) => String::from_utf8(b).ok(),
        Value::Null => None,
    }
}

fn int_of(v: rusqlite::types::Value) -> Option<i64> {
    use rusqlite::types::Value;
    match v {
        Value::Integer(i) => Some(i),
        Value::Real(f) => Some(f as i64),
        Value::Text(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `SELECT` list of `cols` from `table`, a column the table lacks (an old or hand-made one)
/// reading as NULL.
fn select_list(conn: &Connection, table: &str, cols: &[&str]) -> rusqlite::Result<String> {
    let present = columns_of(conn, table)?;
    Ok(cols
        .iter()
        .map(|c| {
            if present.iter().any(|p| p == c) {
                c.to_string()
            } else {
                format!("NULL AS {c}")
            }
        })
        .collect::<Vec<_>>()
        .join(", "))
}

/// A pre-v18 login row.
pub(crate) type LegacyAuth = (
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// The `auth` row (id = 1) of a pre-v18 file: token, refresh token, expires, issued,
/// updated, host.
pub(crate) fn legacy_auth_row(conn: &Connection) -> rusqlite::Result<Option<LegacyAuth>> {
    let cols = select_list(
        conn,
        "auth",
        &[
            "token",
            "refresh_token",
            "expires_at",
            "issued_at",
            "updated_at",
            "host",
        ],
    )?;
    conn.query_row(&format!("SELECT {cols} FROM auth WHERE id = 1"), [], |r| {
        Ok((
            text_of(r.get(0)?),
            text_of(r.get(1)?),
            int_of(r.get(2)?),
            int_of(r.get(3)?),
            int_of(r.get(4)?),
            text_of(r.get(5)?),
        ))
    })
    .optional()
}

/// A pre-v18 identity row: user id, email, username, name.
pub(crate) type LegacyUser = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The `user_info` row (id = 1) of a pre-v18 file.
pub(crate) fn legacy_user_row(conn: &Connection) -> rusqlite::Result<Option<LegacyUser>> {
    if !table_exists(conn, "user_info")? {
        return Ok(None);
    }
    let cols = select_list(conn, "user_info", &["user_id", "email", "username", "name"])?;
    conn.query_row(
        &format!("SELECT {cols} FROM user_info WHERE id = 1"),
        [],
        |r| {
            Ok((
                text_of(r.get(0)?),
                text_of(r.get(1)?),
                text_of(r.get(2)?),
                text_of(r.get(3)?),
            ))
        },
    )
    .optional()
}

/// v18: the `auth` row (id = 1) with a token becomes the active account, carrying the
/// identity of the `user_info` row; then both tables are dropped, as upstream does.
/// `stray`: the file is v18+ already and the tables were recreated by an older tool since
/// (our v16-era binary does so); its login is imported unless an account holds that token.
fn migrate_single_login(conn: &Connection, stray: bool) -> rusqlite::Result<()> {
    create_table(conn, "accounts")?;
    let login = if table_exists(conn, "auth")? {
        legacy_auth_row(conn)?
    } else {
        None
    };
    if let Some((Some(token), refresh, expires, issued, updated, host)) =
        login.filter(|l| l.0.as_deref().is_some_and(|t| !t.is_empty()))
    {
        let duplicate = stray
            && conn.query_row(
                "SELECT count(*) FROM accounts WHERE token = ?1",
                [&token],
                |r| r.get::<_, i64>(0),
            )? > 0;
        if !duplicate {
            let who = legacy_user_row(conn)?;
            let (user_id, email, username, name) = who.unwrap_or_default();
            let now = crate::now_ms();
            conn.execute("UPDATE accounts SET is_active = 0", [])?;
            conn.execute(
                "INSERT INTO accounts (account_id, host, user_id, email, username, name,
                   token, refresh_token, expires_at, issued_at, is_active, created_at,
                   updated_at, last_used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12, ?11)",
                params![
                    new_account_id(),
                    host,
                    user_id,
                    email,
                    username,
                    name,
                    token,
                    refresh,
                    expires,
                    issued,
                    now,
                    updated.unwrap_or(now)
                ],
            )?;
        }
    }
    for t in LEGACY_LOGIN_TABLES {
        conn.execute_batch(&format!("DROP TABLE IF EXISTS {t}"))?;
    }
    Ok(())
}

/// v19: region rows cached under an account's credential get that account's id.
fn link_regions_to_accounts(conn: &Connection) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT account_id, token, refresh_token FROM accounts")?;
    let rows: Vec<(Option<String>, Option<String>, Option<String>)> = stmt
        .query_map([], |r| {
            Ok((text_of(r.get(0)?), text_of(r.get(1)?), text_of(r.get(2)?)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare(
        "UPDATE org_regions SET account_id = ?1
         WHERE credential_identity = ?2 AND account_id IS NULL",
    )?;
    for (id, token, refresh) in rows {
        let (Some(id), Some(identity)) = (
            id,
            credential_identity_of(token.as_deref(), refresh.as_deref()),
        ) else {
            continue;
        };
        update.execute(params![id, identity])?;
    }
    Ok(())
}

/// Non-destructive schema repair: create missing tables, add missing columns that a version
/// added, and rebuild cache tables whose shape cannot be fixed in place (wrong primary key,
/// or a column missing that no version added). Tables holding data that cannot be re-fetched
/// are left alone. Appends a human description of every change to `fixed`, in upstream's
/// wording.
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
        let wrong_pk = !has_expected_pk(conn, t)?;
        if (unfixable || wrong_pk) && !t.persistent {
            conn.execute_batch(&format!("DROP TABLE {}", t.name))?;
            conn.execute_batch(&create_table_sql(t))?;
            fixed.push(format!(
                "Recreated table {} with correct primary key",
                t.name
            ));
            continue;
        }
        if wrong_pk {
            log::warn!(
                "cli.db table {} has an unexpected primary key and holds data that cannot be rebuilt",
                t.name
            );
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
    fn fifteen_tables_and_upstream_ddl_layout() {
        assert_eq!(TABLES.len(), 15);
        let accounts = create_table_sql(table_def("accounts").unwrap());
        assert_eq!(
            accounts,
            "CREATE TABLE IF NOT EXISTS accounts (\n    account_id TEXT PRIMARY KEY,\n    \
             host TEXT,\n    user_id TEXT,\n    email TEXT,\n    username TEXT,\n    name TEXT,\n    \
             token TEXT,\n    refresh_token TEXT,\n    expires_at INTEGER,\n    issued_at INTEGER,\n    \
             is_active INTEGER NOT NULL DEFAULT 0,\n    \
             created_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),\n    \
             updated_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),\n    \
             last_used_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000)\n  )"
        );
        let regions = create_table_sql(table_def("org_regions").unwrap());
        assert!(regions.ends_with(
            "updated_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000),\n    \
             PRIMARY KEY (credential_identity, source_origin, org_slug)\n  )"
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
