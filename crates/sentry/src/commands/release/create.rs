//! `sentry release create [<org>/]<version>` (alias `new`): projects from `-p a,b`
//! (the global `--project` flag), `--finalize`, `--ref`, `--url`, `--dry-run`.

use std::io;

use clap::Args;
use serde_json::{json, Map, Value};

use super::{card, hint, is_dry_run, ops, project_slugs, release_status, resolve};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::target::{failed_to, Resolver};

const USAGE: &str = "sentry release create [<org>/]<version>";

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// [<org>/]<version> - Release version to create
    #[arg(value_name = "org/version")]
    pub release: String,
    /// Immediately finalize the release (set dateReleased)
    #[arg(long)]
    pub finalize: bool,
    /// Git ref (branch or tag name)
    #[arg(long = "ref")]
    pub git_ref: Option<String>,
    /// URL to the release source
    #[arg(long)]
    pub url: Option<String>,
    /// Show what would happen without making changes
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

struct Created {
    release: Value,
    hint: Option<String>,
}

impl Report for Created {
    fn json(&self) -> Value {
        self.release.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let v = &self.release;
        let version = text(v, "version");
        if is_dry_run(v) {
            let projects = project_slugs(v);
            let mut line = format!("Would create release {version}");
            if !projects.is_empty() {
                line.push_str(&format!(" in projects: {projects}"));
            }
            if v.get("dateReleased").and_then(Value::as_str).is_some() {
                line.push_str(" (finalized)");
            }
            out.line(format!("{line} (dry run)"))?;
        } else {
            let mut rows = vec![
                ("Version", version.clone()),
                ("Status", release_status(v).to_string()),
            ];
            let projects = project_slugs(v);
            if !projects.is_empty() {
                rows.push(("Projects", projects));
            }
            card(out, &format!("Release Created: {version}"), rows)?;
        }
        hint(out, self.hint.as_deref())
    }
}

pub fn now_iso() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Millisecond)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub fn run(ctx: &Context, args: &CreateArgs) -> CliResult<i32> {
    let (client, t) = resolve(ctx, &args.release, USAGE)?;
    let projects: Option<Vec<String>> = ctx
        .global
        .project
        .as_deref()
        .map(|p| p.split(',').map(|s| s.trim().to_string()).collect());
    let released = args.finalize.then(now_iso);
    if args.dry_run {
        let mut v = Map::new();
        v.insert("dryRun".into(), json!(true));
        v.insert("version".into(), json!(t.version));
        let slugs: Vec<Value> = projects
            .iter()
            .flatten()
            .map(|s| json!({ "slug": s }))
            .collect();
        v.insert("projects".into(), Value::Array(slugs));
        for (k, val) in [
            ("ref", &args.git_ref),
            ("url", &args.url),
            ("dateReleased", &released),
        ] {
            if let Some(val) = val {
                v.insert(k.into(), json!(val));
            }
        }
        let report = Created {
            release: Value::Object(v),
            hint: Some("Dry run — no release was created.".into()),
        };
        emit(&report, &ctx.output)?;
        return Ok(0);
    }
    let new = ops::NewRelease {
        version: t.version.clone(),
        projects: projects.map(|ps| ps.into_iter().map(Value::String).collect()),
        git_ref: args.git_ref.clone(),
        url: args.url.clone(),
        date_released: released,
        ..ops::NewRelease::default()
    };
    let release = ops::create(&Resolver::new(ctx, &client).org(&t.org)?, &new)
        .map_err(|e| failed_to("create release", e))?;
    let hint = if args.finalize {
        "Release created and finalized.".to_string()
    } else {
        format!(
            "Release created. Finalize with: sentry release finalize {}",
            t.version
        )
    };
    emit(
        &Created {
            release,
            hint: Some(hint),
        },
        &ctx.output,
    )?;
    Ok(0)
}
