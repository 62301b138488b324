//! `org_regions`: org slug → region URL, doubling as the cached organization list and the set
//! of region origins trusted for the stored token (§5.5). A cache: its writes are best
//! effort (see the crate docs).

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
}

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
    })
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
            for o in rows {
                stmt.execute(params![
                    o.org_slug,
                    o.org_id,
                    o.org_name,
                    o.org_role,
                    o.region_url,
                    now
                ])?;
            }
            Ok(())
        })
    }

    /// The row for one org slug, whatever its age (region URLs don't go stale).
    pub fn org_region(&self, slug: &str) -> Result<Option<OrgRegion>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {COLS} FROM org_regions WHERE org_slug = ?1"),
                [slug],
                row_to_region,
            )
            .optional()
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

    /// Distinct region URLs: origins the token's host told us belong to the same account,
    /// hence trusted for the stored token.
    pub fn known_region_urls(&self) -> Result<Vec<String>> {
        self.read(|c| {
            let mut stmt =
                c.prepare("SELECT DISTINCT region_url FROM org_regions ORDER BY region_url")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
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
            Ok(())
        })
    }
}
