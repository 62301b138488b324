//! `sentry issue tags <issue> <key> [-e <environment>]`: which values of one tag concentrate an
//! issue's events (`GET /organizations/{org}/issues/{id}/tags/{key}/`).
//!
//! `--json` is the server's answer as is (`key`, `name`, `uniqueValues`, `totalValues`,
//! `topValues` with counts and first/last seen). Shares are of `totalValues`, the retained
//! events including those without the tag, so the rows need not add up to 100%.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};
use crate::output::{emit, Align, Human, Report};
use crate::target::Resolver;

#[derive(Debug, Args)]
pub struct TagsArgs {
    /// Issue: @latest, @most_frequent, <org>/ID, <org>/<project>#ID, <project>-suffix, ID, or suffix
    pub issue: String,
    /// Tag key, e.g. release, server_name, browser.name
    pub key: String,
    /// Filter to one environment (default: all environments)
    #[arg(short = 'e', long)]
    pub environment: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct TagValues {
    tag: Value,
    short_id: String,
    environment: Option<String>,
}

/// `66.7%`; a dash when the share is unknown (no count or no total).
fn share(count: Option<i64>, total: Option<i64>) -> String {
    match (count, total) {
        (Some(c), Some(t)) if t > 0 => format!("{:.1}%", c as f64 / t as f64 * 100.0),
        _ => "—".into(),
    }
}

impl Report for TagValues {
    fn json(&self) -> Value {
        self.tag.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let key = self.tag.get("key").and_then(Value::as_str).unwrap_or("");
        let total = self.tag.get("totalValues").and_then(Value::as_i64);
        let top: Vec<Value> = self
            .tag
            .get("topValues")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        out.line(out.bold(&format!("{key} — top values")))?;
        out.blank()?;
        out.line(format!(
            "Total retained events: {}",
            total.map_or_else(|| "unknown".to_string(), |t| t.to_string())
        ))?;
        if top.is_empty() {
            out.blank()?;
            out.line("No top values returned.")?;
        } else {
            let rows = top
                .iter()
                .map(|v| {
                    let value = match v.get("value") {
                        Some(Value::String(s)) if s.is_empty() => "(empty or missing)".into(),
                        Some(Value::String(s)) => s.clone(),
                        _ => "(unknown)".into(),
                    };
                    let count = v.get("count").and_then(Value::as_i64);
                    vec![
                        value,
                        count.map_or_else(|| "—".to_string(), |c| c.to_string()),
                        share(count, total),
                    ]
                })
                .collect();
            out.table_aligned(
                Some(&["VALUE", "EVENTS", "SHARE"]),
                rows,
                &[Align::Left, Align::Right, Align::Right],
            )?;
            out.blank()?;
            let counts: Option<Vec<i64>> = top
                .iter()
                .map(|v| v.get("count").and_then(Value::as_i64))
                .collect();
            if let (Some(t), Some(counts)) = (total, counts) {
                let rest = t - counts.iter().sum::<i64>();
                if rest > 0 {
                    out.blank()?;
                    out.line(format!(
                        "Other values (not shown): {rest} events ({}).",
                        share(Some(rest), Some(t))
                    ))?;
                }
            }
        }
        out.blank()?;
        out.blank()?;
        out.line(format!(
            "Issue: {}. Environment: {}. Scope: retained events.",
            self.short_id,
            self.environment.as_deref().unwrap_or("all environments")
        ))
    }
}

pub fn run(ctx: &Context, args: &TagsArgs) -> CliResult<i32> {
    crate::target::issue::parse(&args.issue)?;
    if args.key.trim().is_empty() {
        return Err(CliError::validation("Tag key must not be empty."));
    }
    ctx.route_to_target(Some(&args.issue));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let found = r.resolve_issue(&args.issue)?;
    let mut req = r.org(&found.org)?.issue_tag(&found.id(), args.key.trim());
    if let Some(e) = &args.environment {
        req = req.query("environment", e.as_str());
    }
    let tag: Value = req.send_json().map_err(|e| {
        // 0.49 names what failed instead of "API request failed".
        let mut err = api_error(e);
        if let Some(rest) = err.message.strip_prefix("API request failed: ") {
            err.message = format!("Failed to retrieve issue tag distribution: {rest}");
        }
        err
    })?;
    emit(
        &TagValues {
            tag,
            short_id: found.short_id(),
            environment: args.environment.clone(),
        },
        &ctx.output,
    )?;
    Ok(0)
}
