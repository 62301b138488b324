//! `org_regions`: org slug → region URL, doubling as the cached organization list (§5.5). A
//! cache: its writes are best effort (see the crate docs).
//!
//! Each row also records the origin whose response named the region (`source_origin`), so a
//! later process trusts a cached region for a token only when that token trusts the origin
//! that named it — never because some other login once wrote the row. Schema 21 has a column
//! for this; schema 16 has none, so the value lives in a `metadata` row per org
//! ([`SOURCE_KEY_PREFIX`]`<slug>`), written in the same transaction. Rows written by other
//! tools carry none and are re-validated by the caller.

use rusqlite::{params, OptionalExtension, Row};

use crate::{now_ms, Result, Store};

/// Cached org list entries older than this are ignored (forces a fresh API call).
pub const ORG_CACHE_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// One `org_regions` row. `org_id`/`org_name`/`org_role` are NULL in rows written before
/// schema v8/v9/v10 or when only the region was learned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrgRegion {
    pub org_slug: String,
    pub org_id: Option<String>,
    pub org_name: Option<String>,
    pub org_role: Option<String>,
    pub region_url: String,
    pub updated_at: i64,
    /// The origin whose response named `region_url` (`None`: unknown, e.g. a row written by
    /// another tool).
    pub source_origin: Option<String>,
}

/// `metadata` key prefix holding each org's [`OrgRegion::source_origin`].
pub const SOURCE_KEY_PREFIX: &str = "orgRegionSource.";

/// An organization as served from the cache (rows that have id and name and are fresh).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedOrg {
    pub slug: String,
    pub id: String,
    pub name: String,
    pub role: Option<String>,
}

const COLS: &str = "org_slug, org_id, org_name, org_role, region_url, updated_at";

fn row_to_region(r: &Row<'_>) -> rusqlite::Result<OrgRegion> {
    Ok(OrgRegion {
        org_slug: r.get(0)?,
        org_id: r.get(1)?,
        org_name: r.get(2)?,
        org_role: r.get(3)?,
        region_url: r.get(4)?,
        updated_at: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
        source_origin: None,
    })
}

fn source_of(c: &rusqlite::Connection, slug: &str) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT value FROM metadata WHERE key = ?1",
        [format!("{SOURCE_KEY_PREFIX}{slug}")],
        |r| r.get(0),
    )
    .optional()
}

impl Store {
    /// Upsert rows in one transaction, `updated_at` = now. `None` id/name/role keep what is
    /// already stored (learning a region must not erase the org's name).
    pub fn upsert_org_regions(&self, rows: &[OrgRegion]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        self.cache_write(|c| {
            let mut stmt = c.prepare(
                "INSERT INTO org_regions (org_slug, org_id, org_name, org_role, region_url, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(org_slug) DO UPDATE SET
                   org_id = coalesce(excluded.org_id, org_id),
                   org_name = coalesce(excluded.org_name, org_name),
                   org_role = coalesce(excluded.org_role, org_role),
                   region_url = excluded.region_url,
                   updated_at = excluded.updated_at",
            )?;
            let mut source = c.prepare(
                "INSERT INTO metadata (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?;
            let mut unknown = c.prepare("DELETE FROM metadata WHERE key = ?1")?;
            for o in rows {
                stmt.execute(params![
                    o.org_slug,
                    o.org_id,
                    o.org_name,
                    o.org_role,
                    o.region_url,
                    now
                ])?;
                let key = format!("{SOURCE_KEY_PREFIX}{}", o.org_slug);
                match &o.source_origin {
                    Some(origin) => source.execute(params![key, origin])?,
                    None => unknown.execute([key])?,
                };
            }
            Ok(())
        })
    }

    /// The row for one org slug, whatever its age (region URLs don't go stale), with the
    /// origin that named its region.
    pub fn org_region(&self, slug: &str) -> Result<Option<OrgRegion>> {
        self.read(|c| {
            let row = c
                .query_row(
                    &format!("SELECT {COLS} FROM org_regions WHERE org_slug = ?1"),
                    [slug],
                    row_to_region,
                )
                .optional()?;
            match row {
                Some(mut r) => {
                    r.source_origin = source_of(c, slug)?;
                    Ok(Some(r))
                }
                None => Ok(None),
            }
        })
    }

    /// Resolve a numeric org id (from a DSN host like `o123.ingest…`) to its row.
    pub fn org_region_by_id(&self, org_id: &str) -> Result<Option<OrgRegion>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {COLS} FROM org_regions WHERE org_id = ?1 LIMIT 1"),
                [org_id],
                row_to_region,
            )
            .optional()
        })
    }

    /// All rows, ordered by slug.
    pub fn org_regions(&self) -> Result<Vec<OrgRegion>> {
        self.read(|c| {
            let mut stmt =
                c.prepare(&format!("SELECT {COLS} FROM org_regions ORDER BY org_slug"))?;
            let rows = stmt.query_map([], row_to_region)?;
            rows.collect()
        })
    }

    /// The cached org list: rows with id and name updated within [`ORG_CACHE_TTL_MS`].
    /// Empty means "ask the API".
    pub fn cached_organizations(&self) -> Result<Vec<CachedOrg>> {
        let cutoff = now_ms() - ORG_CACHE_TTL_MS;
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT org_slug, org_id, org_name, org_role FROM org_regions
                 WHERE org_id IS NOT NULL AND org_name IS NOT NULL AND updated_at > ?1
                 ORDER BY org_slug",
            )?;
            let rows = stmt.query_map([cutoff], |r| {
                Ok(CachedOrg {
                    slug: r.get(0)?,
                    id: r.get(1)?,
                    name: r.get(2)?,
                    role: r.get(3)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Forget all org regions (part of logout; also after an org list says they changed).
    pub fn clear_org_regions(&self) -> Result<()> {
        self.cache_write(|c| {
            c.execute("DELETE FROM org_regions", [])?;
            clear_sources(c)
        })
    }
}

/// Deletes every [`SOURCE_KEY_PREFIX`] metadata row.
pub(crate) fn clear_sources(c: &rusqlite::Connection) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM metadata WHERE substr(key, 1, length(?1)) = ?1",
        [SOURCE_KEY_PREFIX],
    )?;
    Ok(())
}
