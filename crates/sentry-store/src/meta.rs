//! The `metadata` key/value table: `cli defaults` (`defaults.org`, `defaults.project`,
//! `defaults.url`, `defaults.headers`, `defaults.ca-cert`, `defaults.telemetry`, …) and
//! upstream's bookkeeping keys, which we preserve untouched. Every write here must land: a
//! failure is [`crate::StoreError::NotSaved`], never a silent no-op.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};

use crate::{Result, Store};

impl Store {
    /// Value of one metadata key.
    pub fn meta_get(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row("SELECT value FROM metadata WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
        })
    }

    /// Insert or replace one metadata key.
    pub fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO metadata (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
    }

    /// Delete one metadata key (absent keys are fine).
    pub fn meta_delete(&self, key: &str) -> Result<()> {
        self.write(|c| {
            c.execute("DELETE FROM metadata WHERE key = ?1", [key])?;
            Ok(())
        })
    }

    /// All keys starting with `prefix` (byte-exact, no LIKE wildcards), e.g. `"defaults."`.
    pub fn meta_with_prefix(&self, prefix: &str) -> Result<BTreeMap<String, String>> {
        self.read(|c| {
            let mut stmt =
                c.prepare("SELECT key, value FROM metadata WHERE substr(key, 1, length(?1)) = ?1")?;
            let rows = stmt.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }

    /// Delete every key starting with `prefix` in one transaction (`cli defaults --clear`).
    pub fn meta_delete_prefix(&self, prefix: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "DELETE FROM metadata WHERE substr(key, 1, length(?1)) = ?1",
                [prefix],
            )?;
            Ok(())
        })
    }

    /// Set and delete several keys atomically: `set` entries with `Some` are written, `None`
    /// entries deleted. Used where a half-applied change would be confusing (e.g. login
    /// writing `defaults.url` together with other keys).
    pub fn meta_update(&self, changes: &[(&str, Option<&str>)]) -> Result<()> {
        self.write(|c| {
            for (key, value) in changes {
                match value {
                    Some(v) => {
                        c.execute(
                            "INSERT INTO metadata (key, value) VALUES (?1, ?2)
                             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            params![key, v],
                        )?;
                    }
                    None => {
                        c.execute("DELETE FROM metadata WHERE key = ?1", [key])?;
                    }
                }
            }
            Ok(())
        })
    }

    /// The per-install id upstream generates for telemetry, if an upstream CLI created one.
    /// We send no telemetry and make no update checks (the binary talks only to the Sentry
    /// host the user configured), so we never create it.
    pub fn instance_id(&self) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT instance_id FROM instance_info WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()
        })
    }
}
