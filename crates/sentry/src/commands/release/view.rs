//! `sentry release view [<org>/]<version>` (alias `show`): the release with health data.

use std::io;

use clap::Args;
use serde_json::Value;

use super::{or_dash, project_slugs, release_status, resolve};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::format::{relative, text};
use crate::output::{emit, Human, Report};
use crate::target::failed_to;

const USAGE: &str = "sentry release view [<org>/]<version>";

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// [<org>/]<version> - Release version to view
    #[arg(value_name = "org/version")]
    pub release: String,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct ReleaseView(Value, Option<String>);

fn when(v: &Value, key: &str) -> String {
    match v.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => relative(Some(s)),
        _ => "—".to_string(),
    }
}

impl Report for ReleaseView {
    fn json(&self) -> Value {
        self.0.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let v = &self.0;
        let version = text(v, "version");
        let short = text(v, "shortVersion");
        let title = if short.is_empty() { &version } else { &short };
        out.heading(&format!("Release {title}"))?;
        out.blank()?;
        let mut rows = vec![vec!["Version".to_string(), version.clone()]];
        if !short.is_empty() && short != version {
            rows.push(vec!["Short Version".into(), short.clone()]);
        }
        rows.push(vec!["Status".into(), release_status(v).into()]);
        if v.get("dateCreated").and_then(Value::as_str).is_some() {
            rows.push(vec!["Created".into(), when(v, "dateCreated")]);
        }
        rows.push(vec!["Released".into(), when(v, "dateReleased")]);
        rows.push(vec!["First Event".into(), when(v, "firstEvent")]);
        rows.push(vec!["Last Event".into(), when(v, "lastEvent")]);
        rows.push(vec!["Ref".into(), or_dash(text(v, "ref"))]);
        let num = |k: &str| v.get(k).and_then(Value::as_i64).unwrap_or(0).to_string();
        rows.push(vec!["Commits".into(), num("commitCount")]);
        rows.push(vec!["Deploys".into(), num("deployCount")]);
        rows.push(vec!["New Issues".into(), num("newGroups")]);
        let projects = project_slugs(v);
        if !projects.is_empty() {
            rows.push(vec!["Projects".into(), projects]);
        }
        if let Some(d) = v.get("lastDeploy").filter(|d| d.is_object()) {
            let finished = d.get("dateFinished").and_then(Value::as_str);
            rows.push(vec![
                "Last Deploy".into(),
                format!("{} ({})", text(d, "environment"), relative(finished)),
            ]);
        }
        out.table(None, rows)?;
        super::hint(out, self.1.as_deref())
    }
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    let (client, t) = resolve(ctx, &args.release, USAGE)?;
    let release = crate::target::Resolver::new(ctx, &client)
        .org(&t.org)?
        .release(&t.version)
        .query("health", "1")
        .query("adoptionStages", "1")
        .send_json::<Value>()
        .map_err(|e| failed_to(&format!("get release '{}'", t.version), e))?;
    let detected = t.detected_from.map(|d| format!("Detected from {d}"));
    emit(&ReleaseView(release, detected), &ctx.output)?;
    Ok(0)
}
