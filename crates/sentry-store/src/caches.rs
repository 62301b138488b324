//! The lookup caches: `dsn_cache`, `project_cache`, `project_aliases`, `issue_org_cache`,
//! `repo_cache`, `project_root_cache`. They only save API round trips, so reads of a
//! read-only or damaged store simply miss. Every write here is a cache write: when the file
//! cannot be written, caching turns off with one warning and the call still returns `Ok`.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, Row};

use crate::{now_ms, Result, Store};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// `repo_cache` entries older than this are ignored.
pub const REPO_CACHE_TTL_MS: i64 = 7 * DAY_MS;
/// Lifetime of a `project_root_cache` entry.
pub const PROJECT_ROOT_TTL_MS: i64 = DAY_MS;

/// DSN detection result for one project root (`dsn_cache` row). The JSON/mtime columns are
/// the detector's validation data, stored verbatim in upstream's format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DsnCacheEntry {
    pub directory: String,
    pub dsn: String,
    pub project_id: String,
    pub org_id: Option<String>,
    /// Where the DSN was found: upstream uses `code`, `env_file`, `env`, `config`.
    pub source: String,
    pub source_path: Option<String>,
    pub resolved_org_slug: Option<String>,
    pub resolved_org_name: Option<String>,
    pub resolved_project_slug: Option<String>,
    pub resolved_project_name: Option<String>,
    pub fingerprint: Option<String>,
    pub all_dsns_json: Option<String>,
    pub source_mtimes_json: Option<String>,
    pub dir_mtimes_json: Option<String>,
    pub root_dir_mtime: Option<i64>,
    pub ttl_expires_at: Option<i64>,
    pub cached_at: i64,
    pub last_accessed: i64,
}

/// A `project_cache` row. Keys: `"<orgId>:<projectId>"`, `"dsn:<publicKey>"`,
/// `"list:<org>/<project>"` (see the key helpers).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CachedProject {
    pub cache_key: String,
    pub org_slug: String,
    pub org_name: String,
    pub project_slug: String,
    pub project_name: String,
    pub project_id: Option<String>,
    pub cached_at: i64,
    pub last_accessed: i64,
}

impl CachedProject {
    /// Key of a project known by numeric org and project ids (from a DSN).
    pub fn key_for_ids(org_id: &str, project_id: &str) -> String {
        format!("{org_id}:{project_id}")
    }
    /// Key of a project known only by a DSN public key (self-hosted DSNs have no org id).
    pub fn key_for_dsn(public_key: &str) -> String {
        format!("dsn:{public_key}")
    }
    /// Key of a project seen in an org's project list.
    pub fn key_for_list(org_slug: &str, project_slug: &str) -> String {
        format!("list:{org_slug}/{project_slug}")
    }
}

/// A monorepo short alias (`A` in `A-12`) → org/project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectAlias {
    pub org_slug: String,
    pub project_slug: String,
}

/// `repo_cache` row: an org's repository list as raw JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoCacheEntry {
    pub repos_json: String,
    pub cached_at: i64,
}

/// `project_root_cache` row: which project root a cwd resolved to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRootEntry {
    pub project_root: String,
    pub reason: String,
    pub cwd_mtime: i64,
    pub cached_at: i64,
    pub ttl_expires_at: i64,
}

const DSN_COLS: &str = "directory, dsn, project_id, org_id, source, source_path, \
    resolved_org_slug, resolved_org_name, resolved_project_slug, resolved_project_name, \
    fingerprint, all_dsns_json, source_mtimes_json, dir_mtimes_json, root_dir_mtime, \
    ttl_expires_at, cached_at, last_accessed";

fn row_to_dsn(r: &Row<'_>) -> rusqlite::Result<DsnCacheEntry> {
    Ok(DsnCacheEntry {
        directory: r.get(0)?,
        dsn: r.get(1)?,
        project_id: r.get(2)?,
        org_id: r.get(3)?,
        source: r.get(4)?,
        source_path: r.get(5)?,
        resolved_org_slug: r.get(6)?,
        resolved_org_name: r.get(7)?,
        resolved_project_slug: r.get(8)?,
        resolved_project_name: r.get(9)?,
        fingerprint: r.get(10)?,
        all_dsns_json: r.get(11)?,
        source_mtimes_json: r.get(12)?,
        dir_mtimes_json: r.get(13)?,
        root_dir_mtime: r.get(14)?,
        ttl_expires_at: r.get(15)?,
        cached_at: r.get::<_, Option<i64>>(16)?.unwrap_or(0),
        last_accessed: r.get::<_, Option<i64>>(17)?.unwrap_or(0),
    })
}

const PROJECT_COLS: &str =
    "cache_key, org_slug, org_name, project_slug, project_name, project_id, cached_at, last_accessed";

fn row_to_project(r: &Row<'_>) -> rusqlite::Result<CachedProject> {
    Ok(CachedProject {
        cache_key: r.get(0)?,
        org_slug: r.get(1)?,
        org_name: r.get(2)?,
        project_slug: r.get(3)?,
        project_name: r.get(4)?,
        project_id: r.get(5)?,
        cached_at: r.get::<_, Option<i64>>(6)?.unwrap_or(0),
        last_accessed: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
    })
}

fn upsert_project(c: &rusqlite::Connection, p: &CachedProject, now: i64) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO project_cache (cache_key, org_slug, org_name, project_slug, project_name,
           project_id, cached_at, last_accessed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT(cache_key) DO UPDATE SET org_slug = excluded.org_slug,
           org_name = excluded.org_name, project_slug = excluded.project_slug,
           project_name = excluded.project_name, project_id = excluded.project_id,
           cached_at = excluded.cached_at, last_accessed = excluded.last_accessed",
        params![
            p.cache_key,
            p.org_slug,
            p.org_name,
            p.project_slug,
            p.project_name,
            p.project_id,
            now
        ],
    )?;
    Ok(())
}

impl Store {
    // ---- dsn_cache -------------------------------------------------------------------

    /// The cached detection for a project root; a hit refreshes `last_accessed`.
    /// TTL/mtime validation is the detector's job (it owns those fields' meaning).
    pub fn dsn_cache_get(&self, directory: &str) -> Result<Option<DsnCacheEntry>> {
        let entry = self.read(|c| {
            c.query_row(
                &format!("SELECT {DSN_COLS} FROM dsn_cache WHERE directory = ?1"),
                [directory],
                row_to_dsn,
            )
            .optional()
        })?;
        if entry.is_some() {
            let now = now_ms();
            self.write_best_effort(|c| {
                c.execute(
                    "UPDATE dsn_cache SET last_accessed = ?1 WHERE directory = ?2",
                    params![now, directory],
                )?;
                Ok(())
            });
        }
        Ok(entry)
    }

    /// Store a detection result; `cached_at` and `last_accessed` are set to now.
    pub fn dsn_cache_put(&self, e: &DsnCacheEntry) -> Result<()> {
        let now = now_ms();
        self.cache_write(|c| {
            c.execute(
                &format!(
                    "INSERT OR REPLACE INTO dsn_cache ({DSN_COLS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)"
                ),
                params![
                    e.directory,
                    e.dsn,
                    e.project_id,
                    e.org_id,
                    e.source,
                    e.source_path,
                    e.resolved_org_slug,
                    e.resolved_org_name,
                    e.resolved_project_slug,
                    e.resolved_project_name,
                    e.fingerprint,
                    e.all_dsns_json,
                    e.source_mtimes_json,
                    e.dir_mtimes_json,
                    e.root_dir_mtime,
                    e.ttl_expires_at,
                    now
                ],
            )?;
            Ok(())
        })?;
        self.maybe_cleanup_caches();
        Ok(())
    }

    /// Record which org/project the cached DSN resolved to (after the API lookup).
    /// No-op when the directory has no entry.
    pub fn dsn_cache_set_resolution(
        &self,
        directory: &str,
        org_slug: &str,
        org_name: &str,
        project_slug: &str,
        project_name: &str,
    ) -> Result<()> {
        let now = now_ms();
        self.cache_write(|c| {
            c.execute(
                "UPDATE dsn_cache SET resolved_org_slug = ?1, resolved_org_name = ?2,
                   resolved_project_slug = ?3, resolved_project_name = ?4, last_accessed = ?5
                 WHERE directory = ?6",
                params![
                    org_slug,
                    org_name,
                    project_slug,
                    project_name,
                    now,
                    directory
                ],
            )?;
            Ok(())
        })
    }

    /// Remove one directory's entry, or all entries with `None`.
    pub fn dsn_cache_clear(&self, directory: Option<&str>) -> Result<()> {
        self.cache_write(|c| {
            match directory {
                Some(d) => c.execute("DELETE FROM dsn_cache WHERE directory = ?1", [d])?,
                None => c.execute("DELETE FROM dsn_cache", [])?,
            };
            Ok(())
        })
    }

    // ---- project_cache ---------------------------------------------------------------

    /// One cached project by key (see [`CachedProject`] key helpers); a hit refreshes
    /// `last_accessed`.
    pub fn project_cache_get(&self, cache_key: &str) -> Result<Option<CachedProject>> {
        let p = self.read(|c| {
            c.query_row(
                &format!("SELECT {PROJECT_COLS} FROM project_cache WHERE cache_key = ?1"),
                [cache_key],
                row_to_project,
            )
            .optional()
        })?;
        if p.is_some() {
            let now = now_ms();
            self.write_best_effort(|c| {
                c.execute(
                    "UPDATE project_cache SET last_accessed = ?1 WHERE cache_key = ?2",
                    params![now, cache_key],
                )?;
                Ok(())
            });
        }
        Ok(p)
    }

    /// Upsert one project; timestamps set to now.
    pub fn project_cache_put(&self, p: &CachedProject) -> Result<()> {
        let now = now_ms();
        self.cache_write(|c| upsert_project(c, p, now))?;
        self.maybe_cleanup_caches();
        Ok(())
    }

    /// Cache an org's project list (`(id, slug, name)` triples) under `list:` keys in one
    /// transaction, as upstream does after every project listing.
    pub fn project_cache_put_org_list(
        &self,
        org_slug: &str,
        org_name: &str,
        projects: &[(String, String, String)],
    ) -> Result<()> {
        if projects.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        self.cache_write(|c| {
            for (id, slug, name) in projects {
                let p = CachedProject {
                    cache_key: CachedProject::key_for_list(org_slug, slug),
                    org_slug: org_slug.to_string(),
                    org_name: org_name.to_string(),
                    project_slug: slug.clone(),
                    project_name: name.clone(),
                    project_id: Some(id.clone()),
                    cached_at: now,
                    last_accessed: now,
                };
                upsert_project(c, &p, now)?;
            }
            Ok(())
        })?;
        self.maybe_cleanup_caches();
        Ok(())
    }

    /// Distinct `(project_slug, project_name)` cached for an org (completions, name
    /// inference); the most recently cached name wins.
    pub fn project_cache_for_org(&self, org_slug: &str) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT project_slug, project_name, MAX(cached_at) FROM project_cache
                 WHERE org_slug = ?1 GROUP BY project_slug ORDER BY project_slug",
            )?;
            let rows = stmt.query_map([org_slug], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }

    /// Drop every cached project.
    pub fn project_cache_clear(&self) -> Result<()> {
        self.cache_write(|c| {
            c.execute("DELETE FROM project_cache", [])?;
            Ok(())
        })
    }

    // ---- project_aliases -------------------------------------------------------------

    /// Replace all aliases atomically. Aliases are stored lower-case; `dsn_fingerprint`
    /// ties them to the DSN set they were computed from.
    pub fn set_project_aliases(
        &self,
        aliases: &BTreeMap<String, ProjectAlias>,
        dsn_fingerprint: Option<&str>,
    ) -> Result<()> {
        let now = now_ms();
        self.cache_write(|c| {
            c.execute("DELETE FROM project_aliases", [])?;
            let mut stmt = c.prepare(
                "INSERT OR REPLACE INTO project_aliases
                   (alias, org_slug, project_slug, dsn_fingerprint, cached_at, last_accessed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            )?;
            for (alias, target) in aliases {
                stmt.execute(params![
                    alias.to_lowercase(),
                    target.org_slug,
                    target.project_slug,
                    dsn_fingerprint,
                    now
                ])?;
            }
            Ok(())
        })?;
        self.maybe_cleanup_caches();
        Ok(())
    }

    /// All aliases (lower-case keys); a non-empty result refreshes `last_accessed`.
    pub fn project_aliases(&self) -> Result<BTreeMap<String, ProjectAlias>> {
        let map: BTreeMap<String, ProjectAlias> = self.read(|c| {
            let mut stmt =
                c.prepare("SELECT alias, org_slug, project_slug FROM project_aliases")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    ProjectAlias {
                        org_slug: r.get(1)?,
                        project_slug: r.get(2)?,
                    },
                ))
            })?;
            rows.collect()
        })?;
        if !map.is_empty() {
            let now = now_ms();
            self.write_best_effort(|c| {
                c.execute("UPDATE project_aliases SET last_accessed = ?1", [now])?;
                Ok(())
            });
        }
        Ok(map)
    }

    /// Look up one alias (case-insensitive). When both the caller's current DSN fingerprint
    /// and the stored one are known and differ, the alias is stale and `None` is returned.
    pub fn project_by_alias(
        &self,
        alias: &str,
        current_fingerprint: Option<&str>,
    ) -> Result<Option<ProjectAlias>> {
        let key = alias.to_lowercase();
        let row: Option<(String, String, Option<String>)> = self.read(|c| {
            c.query_row(
                "SELECT org_slug, project_slug, dsn_fingerprint FROM project_aliases WHERE alias = ?1",
                [&key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })?;
        let Some((org_slug, project_slug, stored_fp)) = row else {
            return Ok(None);
        };
        if let (Some(cur), Some(stored)) = (current_fingerprint, stored_fp.as_deref()) {
            if cur != stored {
                return Ok(None);
            }
        }
        let now = now_ms();
        self.write_best_effort(|c| {
            c.execute(
                "UPDATE project_aliases SET last_accessed = ?1 WHERE alias = ?2",
                params![now, key],
            )?;
            Ok(())
        });
        Ok(Some(ProjectAlias {
            org_slug,
            project_slug,
        }))
    }

    /// Drop all aliases.
    pub fn clear_project_aliases(&self) -> Result<()> {
        self.cache_write(|c| {
            c.execute("DELETE FROM project_aliases", [])?;
            Ok(())
        })
    }

    // ---- issue_org_cache -------------------------------------------------------------

    /// Org slug a numeric issue id was last found in.
    pub fn issue_org(&self, issue_id: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT org_slug FROM issue_org_cache WHERE issue_id = ?1",
                [issue_id],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Remember the org of a numeric issue id.
    pub fn set_issue_org(&self, issue_id: &str, org_slug: &str) -> Result<()> {
        let now = now_ms();
        self.cache_write(|c| {
            c.execute(
                "INSERT INTO issue_org_cache (issue_id, org_slug, cached_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(issue_id) DO UPDATE SET org_slug = excluded.org_slug,
                   cached_at = excluded.cached_at",
                params![issue_id, org_slug, now],
            )?;
            Ok(())
        })
    }

    /// Evict a stale mapping (the cached org answered 404).
    pub fn delete_issue_org(&self, issue_id: &str) -> Result<()> {
        self.cache_write(|c| {
            c.execute(
                "DELETE FROM issue_org_cache WHERE issue_id = ?1",
                [issue_id],
            )?;
            Ok(())
        })
    }

    // ---- repo_cache ------------------------------------------------------------------

    /// An org's cached repository list, if younger than [`REPO_CACHE_TTL_MS`].
    pub fn repo_cache_get(&self, org_slug: &str) -> Result<Option<RepoCacheEntry>> {
        let cutoff = now_ms() - REPO_CACHE_TTL_MS;
        self.read(|c| {
            c.query_row(
                "SELECT repos_json, cached_at FROM repo_cache WHERE org_slug = ?1 AND cached_at > ?2",
                params![org_slug, cutoff],
                |r| {
                    Ok(RepoCacheEntry {
                        repos_json: r.get(0)?,
                        cached_at: r.get(1)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Store an org's repository list (raw JSON array).
    pub fn repo_cache_put(&self, org_slug: &str, repos_json: &str) -> Result<()> {
        let now = now_ms();
        self.cache_write(|c| {
            c.execute(
                "INSERT INTO repo_cache (org_slug, repos_json, cached_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(org_slug) DO UPDATE SET repos_json = excluded.repos_json,
                   cached_at = excluded.cached_at",
                params![org_slug, repos_json, now],
            )?;
            Ok(())
        })
    }

    // ---- project_root_cache ----------------------------------------------------------

    /// The cached project root for a cwd, unless expired.
    pub fn project_root_get(&self, cwd: &str) -> Result<Option<ProjectRootEntry>> {
        let now = now_ms();
        self.read(|c| {
            c.query_row(
                "SELECT project_root, reason, cwd_mtime, cached_at, ttl_expires_at
                 FROM project_root_cache WHERE cwd = ?1 AND ttl_expires_at > ?2",
                params![cwd, now],
                |r| {
                    Ok(ProjectRootEntry {
                        project_root: r.get(0)?,
                        reason: r.get(1)?,
                        cwd_mtime: r.get(2)?,
                        cached_at: r.get(3)?,
                        ttl_expires_at: r.get(4)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Cache a cwd's project root for [`PROJECT_ROOT_TTL_MS`]. `cwd_mtime` lets the reader
    /// notice the directory changed.
    pub fn project_root_put(
        &self,
        cwd: &str,
        project_root: &str,
        reason: &str,
        cwd_mtime: i64,
    ) -> Result<()> {
        let now = now_ms();
        self.cache_write(|c| {
            c.execute(
                "INSERT OR REPLACE INTO project_root_cache
                   (cwd, project_root, reason, cwd_mtime, cached_at, ttl_expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    cwd,
                    project_root,
                    reason,
                    cwd_mtime,
                    now,
                    now + PROJECT_ROOT_TTL_MS
                ],
            )?;
            Ok(())
        })
    }
}
