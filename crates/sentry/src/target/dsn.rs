//! DSN auto-detection step of target resolution.
//!
//! Detection walks the working tree (gitignore-aware, in `sentry_target::dsn`); the result is
//! cached in cli.db `dsn_cache` per directory and reused while the recorded directory and file
//! mtimes and the DSN environment variables are unchanged, so a repeat command does not walk.
//! Each DSN is mapped to its project through the API (cached in `project_cache`). Several
//! projects (a monorepo) get short aliases in `project_aliases` for `f-g`-style issue IDs.

use std::collections::BTreeMap;

use sentry_store::{CachedProject, DsnCacheEntry, ProjectAlias};
use sentry_target::dsn::{self, CacheStamp, DetectedDsn, DsnSource};
use serde_json::Value;

use super::{project_ref, str_field, ProjectRef, Resolver};
use crate::error::CliResult;

/// Detection results stay usable for a day even when nothing changed (new DSNs written into a
/// previously DSN-free file are invisible to the mtime check).
const DSN_CACHE_TTL_MS: i64 = 24 * 3600 * 1000;

/// DSNs of the working tree, from the cache when still valid, else by walking it.
pub fn detect_cached(r: &Resolver) -> Vec<DetectedDsn> {
    let ctx = r.ctx;
    let dir = ctx.cwd.to_string_lossy().to_string();
    let store = ctx.store().ok();
    let now = crate::context::now_ms();
    if let Some(entry) = store.and_then(|s| s.dsn_cache_get(&dir).ok().flatten()) {
        if let Some(dsns) = cached_dsns(r, &entry, now) {
            log::debug!("[dsn] using cached detection for {dir}");
            return dsns;
        }
    }
    let detection = dsn::detect(&ctx.cwd, &ctx.env);
    for bad in &detection.invalid {
        crate::diag!(
            "Warning: ignoring invalid DSN in {}{}: {}",
            bad.path.as_deref().unwrap_or(bad.env_var.as_str()),
            bad.line.map(|l| format!(":{l}")).unwrap_or_default(),
            bad.error.reason
        );
    }
    if let (Some(store), Some(primary)) = (store, detection.primary()) {
        let entry = DsnCacheEntry {
            directory: dir.clone(),
            dsn: primary.raw.clone(),
            project_id: primary.dsn.project_id.to_string(),
            org_id: primary.dsn.org_id.map(|o| o.to_string()),
            source: primary.source.as_str().to_string(),
            source_path: primary.path.clone(),
            resolved_org_slug: None,
            resolved_org_name: None,
            resolved_project_slug: None,
            resolved_project_name: None,
            fingerprint: Some(detection.fingerprint.clone()),
            all_dsns_json: serde_json::to_string(&detection.dsns).ok(),
            source_mtimes_json: serde_json::to_string(&detection.stamp.source_mtimes).ok(),
            dir_mtimes_json: serde_json::to_string(&detection.stamp.dir_mtimes).ok(),
            root_dir_mtime: Some(detection.stamp.root_dir_mtime),
            ttl_expires_at: Some(now + DSN_CACHE_TTL_MS),
            cached_at: now,
            last_accessed: now,
        };
        if let Err(e) = store.dsn_cache_put(&entry) {
            log::debug!("[dsn] could not cache detection: {e}");
        }
    }
    detection.dsns
}

fn cached_dsns(r: &Resolver, e: &DsnCacheEntry, now: i64) -> Option<Vec<DetectedDsn>> {
    if e.ttl_expires_at.is_some_and(|t| t <= now) {
        return None;
    }
    let stamp = CacheStamp {
        root: r.ctx.cwd.clone(),
        root_dir_mtime: e.root_dir_mtime?,
        source_mtimes: serde_json::from_str(e.source_mtimes_json.as_deref()?).ok()?,
        dir_mtimes: serde_json::from_str(e.dir_mtimes_json.as_deref()?).ok()?,
        env_values: BTreeMap::new(),
    };
    if !dsn::still_valid(&stamp) {
        return None;
    }
    let dsns: Vec<DetectedDsn> = serde_json::from_str(e.all_dsns_json.as_deref()?).ok()?;
    // Environment DSNs are not covered by mtimes: the cached ones must match the env exactly.
    let cached_env: BTreeMap<String, String> = dsns
        .iter()
        .filter(|d| d.source == DsnSource::EnvVar)
        .filter_map(|d| Some((d.env_var.clone()?, d.raw.clone())))
        .collect();
    let current_env: BTreeMap<String, String> = dsn::DSN_ENV_VARS
        .iter()
        .filter_map(|v| {
            let val = r.ctx.env.get(*v)?.trim().to_string();
            (!val.is_empty()).then(|| (v.to_string(), val))
        })
        .collect();
    (cached_env == current_env).then_some(dsns)
}

/// The fingerprint of the DSNs detected here (keys the alias table), if any.
pub fn current_fingerprint(r: &Resolver) -> Option<String> {
    let dsns = detect_cached(r);
    (!dsns.is_empty()).then(|| dsn::fingerprint(dsns.iter().map(|d| &d.dsn)))
}

/// The projects named by detected DSNs and a description of where they came from, or `None`
/// when no DSN is found. DSNs whose project cannot be found are skipped with a warning.
pub fn dsn_projects(r: &Resolver) -> CliResult<Option<(Vec<ProjectRef>, String)>> {
    let dsns = detect_cached(r);
    if dsns.is_empty() {
        return Ok(None);
    }
    let mut projects: Vec<ProjectRef> = Vec::new();
    for d in &dsns {
        match project_for_dsn(r, d)? {
            Some(p) => {
                if !projects.iter().any(|q| q.org == p.org && q.slug == p.slug) {
                    projects.push(p);
                }
            }
            None => crate::diag!(
                "Warning: no accessible project matches the DSN found in {} (project {}).",
                describe(d),
                d.dsn.project_id
            ),
        }
    }
    if projects.is_empty() {
        return Ok(None);
    }
    let from = if dsns.len() == 1 {
        format!("DSN in {}", describe(&dsns[0]))
    } else {
        format!("{} DSNs in this directory", dsns.len())
    };
    if let (Some(first), Ok(store)) = (projects.first(), r.ctx.store()) {
        let dir = r.ctx.cwd.to_string_lossy().to_string();
        let _ = store.dsn_cache_set_resolution(
            &dir,
            &first.org,
            &first.org,
            &first.slug,
            first.name.as_deref().unwrap_or(&first.slug),
        );
    }
    if projects.len() > 1 {
        save_aliases(r, &dsns, &projects);
    }
    Ok(Some((projects, from)))
}

/// Short aliases (`f`, `b`) for the projects of a monorepo, stored for issue IDs like `f-g`.
fn save_aliases(r: &Resolver, dsns: &[DetectedDsn], projects: &[ProjectRef]) {
    let pairs: Vec<(String, String)> = projects
        .iter()
        .map(|p| (p.org.clone(), p.slug.clone()))
        .collect();
    let map: BTreeMap<String, ProjectAlias> = sentry_target::aliases::build_aliases(&pairs)
        .into_iter()
        .map(|a| {
            (
                a.alias,
                ProjectAlias {
                    org_slug: a.org,
                    project_slug: a.project,
                },
            )
        })
        .collect();
    let fp = dsn::fingerprint(dsns.iter().map(|d| &d.dsn));
    if let Ok(store) = r.ctx.store() {
        if let Err(e) = store.set_project_aliases(&map, Some(&fp)) {
            log::debug!("[dsn] could not store aliases: {e}");
        }
    }
}

fn describe(d: &DetectedDsn) -> String {
    match (&d.path, d.line, &d.env_var) {
        (Some(p), Some(l), _) => format!("{p}:{l}"),
        (Some(p), None, _) => p.clone(),
        (None, _, Some(v)) => v.clone(),
        _ => d.source.as_str().to_string(),
    }
}

fn project_for_dsn(r: &Resolver, d: &DetectedDsn) -> CliResult<Option<ProjectRef>> {
    let key = CachedProject::key_for_dsn(&d.dsn.public_key);
    let store = r.ctx.store().ok();
    if let Some(c) = store.and_then(|s| s.project_cache_get(&key).ok().flatten()) {
        return Ok(Some(ProjectRef {
            org: c.org_slug,
            slug: c.project_slug,
            id: c.project_id,
            name: Some(c.project_name),
        }));
    }
    let mut found: Option<Value> = None;
    if let Some(org_id) = d.dsn.org_id {
        // Ids work where slugs do; the org's region is not known yet: the control silo.
        let (org_id, project_id) = (org_id.to_string(), d.dsn.project_id.to_string());
        if let Ok(v) = r
            .client
            .org_api(&org_id, r.client.base_url())
            .project(&project_id)
            .query("collapse", "organization")
            .send_json::<Value>()
        {
            found = Some(v);
        }
    }
    if found.is_none() {
        found = search_by_key(r, &d.dsn.public_key)?;
    }
    let Some(p) = found else { return Ok(None) };
    let Some(org) = p.get("organization").and_then(|o| str_field(o, "slug")) else {
        return Ok(None);
    };
    let pref = project_ref(&org, &p);
    if let Some(store) = store {
        let _ = store.project_cache_put(&CachedProject {
            cache_key: key,
            org_slug: pref.org.clone(),
            org_name: p
                .get("organization")
                .and_then(|o| str_field(o, "name"))
                .unwrap_or_else(|| pref.org.clone()),
            project_slug: pref.slug.clone(),
            project_name: pref.name.clone().unwrap_or_else(|| pref.slug.clone()),
            project_id: pref.id.clone(),
            cached_at: 0,
            last_accessed: 0,
        });
    }
    Ok(Some(pref))
}

/// `GET /projects/?query=dsn:<key>` on every region (SaaS) or on the server itself
/// (self-hosted has no regions, so it never fans out).
fn search_by_key(r: &Resolver, key: &str) -> CliResult<Option<Value>> {
    let base = r.client.base_url().to_string();
    let saas = sentry_api::Origin::parse(&base).is_some_and(|o| o.is_saas());
    let mut bases = Vec::new();
    if saas {
        if let Ok(regions) = r.client.user_regions() {
            // `user_regions` trusted them: the control silo named them.
            bases.extend(regions.into_iter().map(|region| region.url));
        }
    }
    if bases.is_empty() {
        bases.push(base);
    }
    for b in bases {
        let resp = r
            .client
            .all_projects_at(&b)
            .query("query", format!("dsn:{key}"))
            .send_json::<Vec<Value>>();
        match resp {
            Ok(list) => {
                if let Some(p) = list.into_iter().find(|p| p.get("organization").is_some()) {
                    return Ok(Some(p));
                }
            }
            Err(e) if e.is_auth_error() => return Err(crate::context::api_error(e)),
            Err(e) => log::debug!("[dsn] project search on {b} failed: {}", e.headline()),
        }
    }
    Ok(None)
}

/// The DSN that ingest commands (`event send`, `monitor run`) send to: `explicit` (a flag or
/// positional), else the configured DSN (`SENTRY_DSN`, `auth.dsn`), else the first DSN
/// detected in the working tree. `None` when there is none anywhere.
pub fn ingest_dsn(
    ctx: &crate::context::Context,
    explicit: Option<&str>,
) -> CliResult<Option<String>> {
    if let Some(d) = explicit.map(str::trim).filter(|d| !d.is_empty()) {
        return Ok(Some(d.to_string()));
    }
    if let Some(d) = ctx.settings()?.dsn.as_ref() {
        let d = d.value.trim();
        if !d.is_empty() {
            return Ok(Some(d.to_string()));
        }
    }
    // Detection only reads the working tree and cli.db; the resolver wants a client, and a
    // token-less one keeps ingest from loading or refreshing a token it never sends.
    let client = ctx.ingest_client(&ctx.settings()?.url.value)?;
    let r = Resolver::new(ctx, &client);
    Ok(detect_cached(&r).into_iter().next().map(|d| {
        log::debug!("[dsn] using auto-detected DSN from {}", d.source.as_str());
        d.raw
    }))
}

/// Parses a DSN for ingest: where envelopes go, the key that authenticates them, and a
/// token-less client for the DSN's host.
pub fn ingest_target(
    ctx: &crate::context::Context,
    raw: &str,
) -> CliResult<(
    sentry_api::Client,
    sentry_api::resources::ingest::IngestTarget,
)> {
    let dsn = dsn::Dsn::parse(raw.trim())
        .map_err(|e| crate::error::CliError::validation(format!("Invalid DSN: {}", e.reason)))?;
    let client = ctx.ingest_client(&dsn.origin())?;
    let target = sentry_api::resources::ingest::IngestTarget {
        envelope_url: dsn.envelope_url(),
        public_key: dsn.public_key,
    };
    Ok((client, target))
}
