//! `org_regions`: org slug → region URL, doubling as the cached organization list (rows with
//! an id and a name, updated within 7 days). A cache: its writes are best effort (see the
//! crate docs).
//!
//! Schema v21 keys every row by **credential identity** and **source origin**, as upstream
//! 0.49 does: a region learned with one credential from one server is only ever served to
//! that credential asking that server again — never because some other login (or another
//! server's answer) once wrote the row. Each row also keeps the **response origin**, the
//! origin whose response named the region, so the caller can check that it still trusts
//! that origin. `account_id` ties rows to the stored login they were learned with, so a
//! logout removes them.
//!
//! Origins are stored normalised (`scheme://host[:port]`, see [`crate::origin_of`]); the
//! lookups normalise their arguments the same way.

use rusqlite::{params, OptionalExtension, Row};

use crate::accounts::{credential_identity_of, origin_of};
use crate::{now_ms, Result, Store};

/// Cached org list entries older than this are ignored (forces a fresh API call).
pub const ORG_CACHE_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// One `org_regions` row. `org_id`/`org_name`/`org_role` are `None` when only the region
/// was learned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrgRegion {
    pub org_slug: String,
    pub org_id: Option<String>,
    pub org_name: Option<String>,
    pub org_role: Option<String>,
    pub region_url: String,
    /// Identity of the credential the region was learned with (see
    /// [`crate::credential_identity`], [`Store::credential_identity_for_token`]).
    pub credential_identity: String,
    /// The stored account holding that credential. Left `None` when writing, the store
    /// fills it in from the accounts.
    pub account_id: Option<String>,
    /// The origin the lookup was made against (the cache namespace: the server the
    /// command talks to).
    pub source_origin: String,
    /// The origin whose response named `region_url` (the control silo for an org list or
    /// an org probe).
    pub response_origin: String,
    /// Set to now when writing.
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

const COLS: &str = "org_slug, org_id, org_name, org_role, region_url, credential_identity, \
    account_id, source_origin, response_origin, updated_at";

fn row_to_region(r: &Row<'_>) -> rusqlite::Result<OrgRegion> {
    Ok(OrgRegion {
        org_slug: r.get(0)?,
        org_id: r.get(1)?,
        org_name: r.get(2)?,
        org_role: r.get(3)?,
        region_url: r.get(4)?,
        credential_identity: r.get(5)?,
        account_id: r.get(6)?,
        source_origin: r.get(7)?,
        response_origin: r.get(8)?,
        updated_at: r.get::<_, Option<i64>>(9)?.unwrap_or(0),
    })
}

/// The stored form of an origin argument (unparsable input is kept trimmed, so it simply
/// matches nothing real).
fn norm(origin: &str) -> String {
    origin_of(origin).unwrap_or_else(|| origin.trim().trim_end_matches('/').to_string())
}

impl Store {
    /// Upsert rows in one transaction, `updated_at` = now, origins normalised, `account_id`
    /// filled in from the account holding the row's credential. `None` id/name/role keep
    /// what is already stored (learning a region must not erase the org's name).
    pub fn upsert_org_regions(&self, rows: &[OrgRegion]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        self.cache_write(|c| {
            let mut owners: Vec<(String, String)> = Vec::new();
            {
                let mut stmt = c.prepare(
                    "SELECT account_id, token, refresh_token FROM accounts
                     WHERE typeof(account_id) = 'text'",
                )?;
                let found = stmt.query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1).ok().flatten(),
                        r.get::<_, Option<String>>(2).ok().flatten(),
                    ))
                })?;
                for row in found {
                    let (id, token, refresh) = row?;
                    if let Some(identity) =
                        credential_identity_of(token.as_deref(), refresh.as_deref())
                    {
                        owners.push((identity, id));
                    }
                }
            }
            let mut stmt = c.prepare(
                "INSERT INTO org_regions (org_slug, org_id, org_name, org_role, region_url,
                   credential_identity, account_id, source_origin, response_origin, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(credential_identity, source_origin, org_slug) DO UPDATE SET
                   org_id = coalesce(excluded.org_id, org_id),
                   org_name = coalesce(excluded.org_name, org_name),
                   org_role = coalesce(excluded.org_role, org_role),
                   region_url = excluded.region_url,
                   account_id = excluded.account_id,
                   response_origin = excluded.response_origin,
                   updated_at = excluded.updated_at",
            )?;
            for o in rows {
                let account = o.account_id.clone().or_else(|| {
                    owners
                        .iter()
                        .find(|(identity, _)| *identity == o.credential_identity)
                        .map(|(_, id)| id.clone())
                });
                stmt.execute(params![
                    o.org_slug,
                    o.org_id,
                    o.org_name,
                    o.org_role,
                    o.region_url,
                    o.credential_identity,
                    account,
                    norm(&o.source_origin),
                    norm(&o.response_origin),
                    now
                ])?;
            }
            Ok(())
        })
    }

    /// The row cached for `slug` when `credential_identity` asked `source_origin`, whatever
    /// its age (region URLs don't go stale).
    pub fn org_region(
        &self,
        credential_identity: &str,
        source_origin: &str,
        slug: &str,
    ) -> Result<Option<OrgRegion>> {
        let source = norm(source_origin);
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {COLS} FROM org_regions
                     WHERE org_slug = ?1 AND source_origin = ?2 AND credential_identity = ?3"
                ),
                params![slug, source, credential_identity],
                row_to_region,
            )
            .optional()
        })
    }

    /// Resolve a numeric org id (from a DSN host like `o123.ingest…`) to its row, within
    /// the same credential and source origin.
    pub fn org_region_by_id(
        &self,
        credential_identity: &str,
        source_origin: &str,
        org_id: &str,
    ) -> Result<Option<OrgRegion>> {
        let source = norm(source_origin);
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {COLS} FROM org_regions
                     WHERE org_id = ?1 AND source_origin = ?2 AND credential_identity = ?3
                     LIMIT 1"
                ),
                params![org_id, source, credential_identity],
                row_to_region,
            )
            .optional()
        })
    }

    /// The rows of one credential and source origin, ordered by slug.
    pub fn org_regions(
        &self,
        credential_identity: &str,
        source_origin: &str,
    ) -> Result<Vec<OrgRegion>> {
        let source = norm(source_origin);
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {COLS} FROM org_regions
                 WHERE source_origin = ?1 AND credential_identity = ?2 ORDER BY org_slug"
            ))?;
            let rows = stmt.query_map(params![source, credential_identity], row_to_region)?;
            rows.collect()
        })
    }

    /// Every row, whoever learned it (diagnostics and tests), ordered by slug, origin and
    /// identity.
    pub fn all_org_regions(&self) -> Result<Vec<OrgRegion>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {COLS} FROM org_regions
                 ORDER BY org_slug, source_origin, credential_identity"
            ))?;
            let rows = stmt.query_map([], row_to_region)?;
            rows.collect()
        })
    }

    /// The cached org list of one credential and source origin: rows with id and name
    /// updated within [`ORG_CACHE_TTL_MS`]. Empty means "ask the API".
    pub fn cached_organizations(
        &self,
        credential_identity: &str,
        source_origin: &str,
    ) -> Result<Vec<CachedOrg>> {
        let cutoff = now_ms() - ORG_CACHE_TTL_MS;
        let source = norm(source_origin);
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT org_slug, org_id, org_name, org_role FROM org_regions
                 WHERE source_origin = ?1 AND credential_identity = ?2
                   AND org_id IS NOT NULL AND org_name IS NOT NULL AND updated_at > ?3
                 ORDER BY org_slug",
            )?;
            let rows = stmt.query_map(params![source, credential_identity, cutoff], |r| {
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

    /// Forget every org region (after an org list says they changed, or `cli fix`-style
    /// resets). Logout removes only the logged-out account's rows (see
    /// [`Store::remove_account`]).
    pub fn clear_org_regions(&self) -> Result<()> {
        self.cache_write(|c| {
            c.execute("DELETE FROM org_regions", [])?;
            Ok(())
        })
    }
}
