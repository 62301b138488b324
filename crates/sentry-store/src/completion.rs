//! The names shell completion may offer, read straight from `cli.db` without migrating,
//! writing or waiting: completion runs on every Tab press, so a missing, locked, damaged or
//! foreign file yields no names rather than an error, a delay or a line on stderr.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// How long completion waits for a writer holding the database lock.
const LOCK_WAIT: Duration = Duration::from_millis(20);

/// Cached names, most recently used first where the cache records it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CompletionNames {
    /// `(slug, display name)` of every org seen (regions, projects, list caches).
    pub orgs: Vec<(String, Option<String>)>,
    /// `(org slug, project slug, display name)`.
    pub projects: Vec<(String, String, Option<String>)>,
    /// `completion_cache` rows: `(kind, org slug, value, label)`; kinds as upstream writes
    /// them (`release`, `monitor`, `team`, …).
    pub values: Vec<(String, String, String, Option<String>)>,
}

impl CompletionNames {
    /// Reads the names in `<config_dir>/cli.db`; empty on any failure.
    pub fn read(config_dir: &Path) -> CompletionNames {
        Self::try_read(&config_dir.join("cli.db")).unwrap_or_default()
    }

    fn try_read(path: &Path) -> rusqlite::Result<CompletionNames> {
        if !path.is_file() {
            return Ok(CompletionNames::default());
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(LOCK_WAIT)?;
        let mut names = CompletionNames::default();
        // Each table on its own: an older file may lack one of them.
        if let Ok(mut st) = conn.prepare(
            "SELECT org_slug, org_name FROM org_regions ORDER BY updated_at DESC, org_slug",
        ) {
            for row in st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.flatten() {
                push_org(&mut names.orgs, row);
            }
        }
        if let Ok(mut st) = conn.prepare(
            "SELECT org_slug, project_slug, project_name FROM project_cache
             ORDER BY last_accessed DESC",
        ) {
            for (org, slug, name) in st
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
                })?
                .flatten()
            {
                push_org(&mut names.orgs, (org.clone(), None));
                if !names.projects.iter().any(|p| p.0 == org && p.1 == slug) {
                    names.projects.push((org, slug, name));
                }
            }
        }
        if let Ok(mut st) = conn.prepare(
            "SELECT kind, org_slug, value, label FROM completion_cache ORDER BY last_seen DESC",
        ) {
            for row in st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .flatten()
            {
                let row: (String, String, String, Option<String>) = row;
                push_org(&mut names.orgs, (row.1.clone(), None));
                names.values.push(row);
            }
        }
        Ok(names)
    }
}

fn push_org(orgs: &mut Vec<(String, Option<String>)>, (slug, name): (String, Option<String>)) {
    match orgs.iter_mut().find(|o| o.0 == slug) {
        Some(o) => {
            if o.1.is_none() {
                o.1 = name;
            }
        }
        None => orgs.push((slug, name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_damaged_files_give_no_names() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            CompletionNames::read(dir.path()),
            CompletionNames::default()
        );
        std::fs::write(dir.path().join("cli.db"), b"not a database at all").unwrap();
        assert_eq!(
            CompletionNames::read(dir.path()),
            CompletionNames::default()
        );
    }

    #[test]
    fn names_come_from_regions_projects_and_list_caches() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(dir.path()).unwrap();
        drop(store);
        let conn = Connection::open(dir.path().join("cli.db")).unwrap();
        conn.execute_batch(
            "INSERT INTO org_regions (org_slug, org_name, region_url, credential_identity,
               source_origin, response_origin, updated_at)
               VALUES ('acme', 'Acme Inc', 'https://us.sentry.io', 'x', 'https://sentry.io',
                       'https://sentry.io', 2);
             INSERT INTO project_cache (cache_key, org_slug, org_name, project_slug,
               project_name, project_id, cached_at, last_accessed)
               VALUES ('list:beta/web', 'beta', 'Beta', 'web', 'Web', '7', 1, 1);
             INSERT INTO completion_cache (kind, org_slug, value, label, last_seen)
               VALUES ('release', 'acme', '1.0', NULL, 5);",
        )
        .unwrap();
        let names = CompletionNames::read(dir.path());
        assert_eq!(
            names.orgs,
            [
                ("acme".into(), Some("Acme Inc".into())),
                ("beta".into(), None)
            ]
        );
        assert_eq!(
            names.projects,
            [("beta".into(), "web".into(), Some("Web".into()))]
        );
        assert_eq!(
            names.values,
            [("release".into(), "acme".into(), "1.0".into(), None)]
        );
    }
}
