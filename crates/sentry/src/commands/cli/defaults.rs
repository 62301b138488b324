//! `sentry cli defaults [<key> [<value>]] [--clear] [--yes]`: preferences kept in cli.db
//! (`metadata` keys `defaults.*`), with upstream's keys, validation and JSON shapes.

use std::io::{self, IsTerminal};

use clap::Args;
use serde_json::{json, Map, Value};

use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct DefaultsArgs {
    /// Setting to show, set or clear: org, project, url, headers, ca-cert, telemetry, agent-skills, graphics
    pub key: Option<String>,
    /// New value for the setting
    pub value: Option<String>,
    /// Clear the given setting, or every setting when no key is given
    #[arg(long)]
    pub clear: bool,
    /// Confirm clearing every setting without a prompt
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Same as --yes
    #[arg(short = 'f', long)]
    pub force: bool,
}

/// (canonical key, metadata key, human label), in upstream's display order.
const KEYS: &[(&str, &str, &str)] = &[
    ("organization", "defaults.org", "Organization"),
    ("project", "defaults.project", "Project"),
    ("telemetry", "defaults.telemetry", "Telemetry"),
    ("url", "defaults.url", "URL"),
    ("headers", "defaults.headers", "Headers"),
    ("ca-cert", "defaults.ca-cert", "CA Certificate"),
    ("agent-skills", "defaults.agent-skills", "Agent Skills"),
    ("graphics", "defaults.graphics", "Graphics"),
];

/// Human table order differs from the JSON key order upstream uses.
const DISPLAY_ORDER: &[&str] = &[
    "organization",
    "project",
    "telemetry",
    "agent-skills",
    "graphics",
    "url",
    "headers",
    "ca-cert",
];

fn canonical(key: &str) -> Option<&'static str> {
    Some(match key.trim().to_ascii_lowercase().as_str() {
        "org" | "organization" => "organization",
        "project" => "project",
        "telemetry" => "telemetry",
        "agent-skills" => "agent-skills",
        "graphics" => "graphics",
        "url" => "url",
        "headers" => "headers",
        "ca-cert" | "ca" | "cert" | "ca-certs" => "ca-cert",
        _ => return None,
    })
}

fn entry(key: &str) -> &'static (&'static str, &'static str, &'static str) {
    KEYS.iter()
        .find(|(k, _, _)| *k == key)
        .expect("canonical key")
}

struct DefaultsReport {
    action: &'static str,
    values: Vec<(&'static str, Option<String>)>,
    changed: Option<(String, Option<String>, Option<String>)>,
}

impl Report for DefaultsReport {
    fn json(&self) -> Value {
        let mut defaults = Map::new();
        for (k, v) in &self.values {
            defaults.insert(
                (*k).to_string(),
                v.clone().map(Value::String).unwrap_or(Value::Null),
            );
        }
        let mut out = json!({ "action": self.action, "defaults": defaults });
        if let Some((key, prev, new)) = &self.changed {
            out["changed"] = json!({ "key": key, "previousValue": prev, "newValue": new });
        }
        out
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        match (self.action, &self.changed) {
            ("set", Some((key, _, new))) => {
                let label = entry(key).2;
                let check = out.green("✓");
                out.line(format!(
                    "{check} Default {label} set to {}",
                    new.as_deref().unwrap_or("")
                ))
            }
            ("clear", Some((key, _, _))) => {
                let label = entry(key).2;
                let check = out.green("✓");
                out.line(format!("{check} Default {label} cleared"))
            }
            ("clear-all", _) => {
                let check = out.green("✓");
                out.line(format!("{check} All defaults cleared"))?;
                out.blank()?;
                let hint = out.dim("All defaults have been cleared.");
                out.line(hint)
            }
            _ => {
                out.line(out.bold("Defaults"))?;
                out.blank()?;
                let rows = DISPLAY_ORDER
                    .iter()
                    .map(|k| {
                        let v = self
                            .values
                            .iter()
                            .find(|(key, _)| key == k)
                            .and_then(|(_, v)| v.clone());
                        let shown = match (*k, v) {
                            ("telemetry", None) => "off (this CLI sends no telemetry)".to_string(),
                            ("agent-skills" | "graphics", None) => "on (default)".to_string(),
                            (_, Some(v)) => v,
                            (_, None) => "not set".to_string(),
                        };
                        vec![entry(k).2.to_string(), shown]
                    })
                    .collect();
                out.table(None, rows)
            }
        }
    }
}

pub fn run(ctx: &Context, args: &DefaultsArgs) -> CliResult<i32> {
    let store = ctx.store()?;
    let key = match &args.key {
        Some(k) => Some(canonical(k).ok_or_else(|| {
            CliError::validation(format!(
                "Unknown default '{k}'. Valid keys: organization, project, telemetry, agent-skills, graphics, url, headers, ca-cert, org, ca, cert, ca-certs"
            ))
        })?),
        None => None,
    };
    let read_all = |store: &sentry_store::Store| -> CliResult<Vec<(&'static str, Option<String>)>> {
        KEYS.iter()
            .map(|(k, meta, _)| {
                Ok((
                    *k,
                    store.meta_get(meta).map_err(crate::context::store_error)?,
                ))
            })
            .collect()
    };

    let report = match (key, &args.value, args.clear) {
        (Some(_), Some(_), true) => {
            return Err(CliError::validation(
                "Pass either a value or --clear, not both.",
            ));
        }
        // clap fills the key before the value; kept as an error rather than a panic.
        (None, Some(_), _) => return Err(CliError::validation("A value needs a key before it.")),
        (None, None, true) => {
            if !(args.yes || args.force) {
                if !io::stdin().is_terminal() || ctx.output.json {
                    return Err(CliError::new(
                        exit::GENERAL,
                        "Destructive operation refused in non-interactive mode. Use --yes or --force to confirm.",
                    ));
                }
                if !crate::prompt::confirm("Clear all defaults?")? {
                    return Ok(0);
                }
            }
            for (_, meta, _) in KEYS {
                store
                    .meta_delete(meta)
                    .map_err(crate::context::store_error)?;
            }
            DefaultsReport {
                action: "clear-all",
                values: read_all(store)?,
                changed: None,
            }
        }
        (Some(k), None, true) => {
            let meta = entry(k).1;
            let prev = store.meta_get(meta).map_err(crate::context::store_error)?;
            store
                .meta_delete(meta)
                .map_err(crate::context::store_error)?;
            DefaultsReport {
                action: "clear",
                values: read_all(store)?,
                changed: Some((k.to_string(), prev, None)),
            }
        }
        (Some(k), Some(raw), false) => {
            let value = validate(k, raw, ctx)?;
            let meta = entry(k).1;
            let prev = store.meta_get(meta).map_err(crate::context::store_error)?;
            store
                .meta_set(meta, &value)
                .map_err(crate::context::store_error)?;
            DefaultsReport {
                action: "set",
                values: read_all(store)?,
                changed: Some((k.to_string(), prev, Some(value))),
            }
        }
        (_, None, false) => DefaultsReport {
            action: "show",
            values: read_all(store)?,
            changed: None,
        },
    };
    emit(&report, &ctx.output)?;
    Ok(0)
}

/// Normalises and checks a value the way upstream does before it is stored.
fn validate(key: &str, raw: &str, ctx: &Context) -> CliResult<String> {
    let v = raw.trim();
    match key {
        "organization" | "project" => {
            if v.is_empty() {
                return Err(CliError::validation(format!(
                    "The {key} slug cannot be empty."
                )));
            }
            Ok(v.to_string())
        }
        "telemetry" | "agent-skills" | "graphics" => match v.to_ascii_lowercase().as_str() {
            "on" | "yes" | "true" | "1" => Ok("on".into()),
            "off" | "no" | "false" | "0" => Ok("off".into()),
            _ => Err(CliError::validation(format!(
                "Invalid {key} value: '{v}'. Use on/off, yes/no, true/false, or 1/0."
            ))),
        },
        "url" => {
            let with_scheme = if v.contains("://") {
                v.to_string()
            } else {
                format!("https://{v}")
            };
            let parsed = url::Url::parse(&with_scheme)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
                .ok_or_else(|| CliError::validation(format!("Invalid URL: {v}")))?;
            Ok(parsed.as_str().trim_end_matches('/').to_string())
        }
        "headers" => {
            sentry_config::parse_custom_headers(v).map_err(|e| CliError::config(e.to_string()))?;
            Ok(v.to_string())
        }
        "ca-cert" => {
            let path = ctx.cwd.join(v);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                CliError::validation(format!(
                    "Cannot read CA certificate {}: {e}",
                    path.display()
                ))
            })?;
            if !text.contains("-----BEGIN CERTIFICATE-----") {
                return Err(CliError::validation(format!(
                    "{} is not a PEM certificate (no -----BEGIN CERTIFICATE----- line).",
                    path.display()
                )));
            }
            let abs = std::fs::canonicalize(&path).unwrap_or(path);
            Ok(abs.display().to_string())
        }
        _ => Ok(v.to_string()),
    }
}
