//! `sentry log view [<org>/<project>] <log-id> [<log-id>…]` (also `sentry log <id>`): log
//! entries by ID, with their context, SDK, trace and source location. IDs may come one per
//! argument or newline-separated in one (piped from `log list`).
//!
//! `--fields` names beyond the detail columns are log attributes, requested as extra
//! `field=` columns. For people, each log's full attribute set (`trace-items/{id}/`) gives a
//! "Custom Attributes" section (only the `--fields` ones when given).

use std::io;

use clap::Args;
use serde_json::Value;

use crate::commands::trace::shared;
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

/// The detail columns 0.49 asks for.
const FIELDS: &[&str] = &[
    "sentry.item_id",
    "timestamp",
    "timestamp_precise",
    "message",
    "severity",
    "trace",
    "project",
    "environment",
    "release",
    "sdk.name",
    "sdk.version",
    "span_id",
    "code.function",
    "code.file.path",
    "code.line.number",
    "sentry.otel.kind",
    "sentry.otel.status_code",
    "sentry.otel.instrumentation_scope.name",
];
const USAGE: &str = "sentry log view <org>/<project> <log-id> [<log-id>...]";
/// Attributes every log has besides the detail columns ([`FIELDS`]): together they are shown
/// in their own sections rather than as custom ones.
const STANDARD_EXTRA: &[&str] = &[
    "id",
    "severity_number",
    "item_type",
    "organization_id",
    "project.id",
    "project_id",
    "sentry.timestamp_nanos",
    "sentry.observed_timestamp_nanos",
    "tags[sentry.trace_flags,number]",
];

fn is_standard(name: &str) -> bool {
    FIELDS.contains(&name) || STANDARD_EXTRA.contains(&name)
}

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// [<org>/<project>] <log-id> [<log-id>...] - Target (optional) and one or more log IDs
    #[arg(value_name = "org/project/log-id", num_args = 1.., required = true)]
    pub ids: Vec<String>,
    /// Open in browser
    #[arg(short = 'w', long)]
    pub web: bool,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct LogView {
    logs: Vec<Value>,
    base: String,
    org: String,
    /// Each log's `trace-items` attributes (human output only; `None` when not fetched).
    details: Vec<Option<Vec<Value>>>,
    /// `--fields` names: the custom attributes to show.
    fields: Vec<String>,
}

/// The "Custom Attributes" rows of one log: from its attribute set, minus the standard
/// ones (only `fields` when given); without one, the `fields` the row itself carries.
fn custom_rows(log: &Value, details: Option<&[Value]>, fields: &[String]) -> Vec<Vec<String>> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match details.filter(|d| !d.is_empty()) {
        Some(attrs) => attrs
            .iter()
            .filter_map(|a| {
                let name = a.get("name")?.as_str()?;
                if is_standard(name) || (!fields.is_empty() && !fields.iter().any(|f| f == name)) {
                    return None;
                }
                let v = a.get("value").unwrap_or(&Value::Null);
                let shown = if a.get("type").and_then(Value::as_str) == Some("array") {
                    v.to_string()
                } else {
                    text(v)
                };
                Some(vec![name.to_string(), shown])
            })
            .collect(),
        None => fields
            .iter()
            .filter_map(|f| {
                let v = log.get(f.as_str()).filter(|v| !v.is_null())?;
                Some(vec![f.clone(), text(v)])
            })
            .collect(),
    }
}

fn kv(out: &mut Human, title: Option<&str>, rows: Vec<Vec<String>>) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    out.blank()?;
    if let Some(t) = title {
        out.line(t)?;
        out.blank()?;
    }
    out.table(None, rows)
}

impl Report for LogView {
    fn json(&self) -> Value {
        Value::Array(self.logs.clone())
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        for (i, l) in self.logs.iter().enumerate() {
            if i > 0 {
                out.blank()?;
                out.line("---")?;
                out.blank()?;
            }
            let s = |k: &str| {
                l.get(k)
                    .filter(|v| !v.is_null())
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .filter(|v| !v.is_empty())
            };
            let id = s("sentry.item_id").unwrap_or_default();
            let short = if id.len() >= 12 {
                format!("{}...{}", &id[..6], &id[id.len() - 6..])
            } else {
                id.clone()
            };
            out.heading(&format!("Log {short}"))?;
            out.blank()?;
            out.table(
                None,
                vec![
                    vec!["ID".into(), id.clone()],
                    vec![
                        "Timestamp".into(),
                        shared::local_time_str(&s("timestamp").unwrap_or_default()),
                    ],
                    vec![
                        "Severity".into(),
                        s("severity")
                            .unwrap_or_else(|| "info".into())
                            .to_uppercase(),
                    ],
                ],
            )?;
            if let Some(m) = s("message") {
                out.blank()?;
                out.line("Message:")?;
                out.blank()?;
                for line in m.lines() {
                    out.line(format!("  {line}"))?;
                }
            }
            let ctx_rows: Vec<Vec<String>> = [
                ("Project", "project"),
                ("Environment", "environment"),
                ("Release", "release"),
            ]
            .iter()
            .filter_map(|(label, k)| s(k).map(|v| vec![label.to_string(), v]))
            .collect();
            kv(out, Some("Context"), ctx_rows)?;
            let sdk = match (s("sdk.name"), s("sdk.version")) {
                (Some(n), Some(v)) => Some(format!("{n} {v}")),
                (a, b) => a.or(b),
            };
            kv(
                out,
                Some("SDK"),
                sdk.map(|v| vec![vec!["SDK".into(), v]]).unwrap_or_default(),
            )?;
            if let Some(t) = s("trace") {
                let mut rows = vec![vec!["Trace ID".into(), t.clone()]];
                if let Some(sp) = s("span_id") {
                    rows.push(vec!["Span ID".into(), sp]);
                }
                rows.push(vec![
                    "Link".into(),
                    crate::web::org_page(
                        &self.base,
                        &self.org,
                        &format!("explore/traces/trace/{t}/"),
                    ),
                ]);
                kv(out, Some("Trace"), rows)?;
            }
            let mut src = Vec::new();
            if let Some(f) = s("code.function") {
                src.push(vec!["Function".into(), f]);
            }
            if let Some(p) = s("code.file.path") {
                let file = match s("code.line.number") {
                    Some(n) => format!("{p}:{n}"),
                    None => p,
                };
                src.push(vec!["File".into(), file]);
            }
            kv(out, Some("Source Location"), src)?;
            let otel: Vec<Vec<String>> = [
                ("Kind", "sentry.otel.kind"),
                ("Status", "sentry.otel.status_code"),
                ("Scope", "sentry.otel.instrumentation_scope.name"),
            ]
            .iter()
            .filter_map(|(label, k)| s(k).map(|v| vec![label.to_string(), v]))
            .collect();
            kv(out, Some("OpenTelemetry"), otel)?;
            let details = self.details.get(i).and_then(Option::as_deref);
            kv(
                out,
                Some("Custom Attributes"),
                custom_rows(l, details, &self.fields),
            )?;
        }
        Ok(())
    }
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    // A first argument that is not a log ID names the project.
    let (target, raw_ids): (Option<String>, Vec<&str>) = {
        let first = args.ids[0].trim();
        let is_id_like =
            |s: &str| !s.contains('/') && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        if args.ids.len() > 1 && !is_id_like(first) {
            (
                Some(first.to_string()),
                args.ids[1..]
                    .iter()
                    .flat_map(|s| s.split_whitespace())
                    .collect(),
            )
        } else if args.ids.len() == 1 && first.contains('/') {
            // `<org>/<project>/<log-id>`.
            let (t, id) = first.rsplit_once('/').expect("contains /");
            (Some(t.to_string()), vec![id])
        } else {
            (
                None,
                args.ids.iter().flat_map(|s| s.split_whitespace()).collect(),
            )
        }
    };
    if raw_ids.is_empty() {
        return Err(
            CliError::validation("Log ID is required.").with_hint(format!("Usage: {USAGE}"))
        );
    }
    let mut ids: Vec<String> = raw_ids
        .iter()
        .map(|i| shared::log_id(i))
        .collect::<CliResult<_>>()?;
    ids.dedup();
    ctx.route_to_target(target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let (org, project, project_id) = shared::one_project(&r, target.as_deref(), USAGE)?;
    if args.web {
        for id in &ids {
            crate::web::open(
                ctx,
                &crate::web::org_page(
                    client.base_url(),
                    &org,
                    &format!("explore/logs/?logId={id}"),
                ),
            )?;
        }
        return Ok(0);
    }
    let fields: Vec<String> = ctx.output.fields.clone().unwrap_or_default();
    let extra: Vec<&str> = fields
        .iter()
        .map(String::as_str)
        .filter(|f| !FIELDS.contains(f))
        .collect();
    let mut logs = Vec::new();
    for chunk in ids.chunks(100) {
        let mut req = r.org(&org)?.events().query("dataset", "logs");
        for f in FIELDS.iter().chain(extra.iter()) {
            req = req.query("field", *f);
        }
        req = req
            .query("project", project_id.as_str())
            .query("query", format!("sentry.item_id:[{}]", chunk.join(",")))
            .query("per_page", chunk.len().to_string())
            .query("sampling", "NORMAL")
            .query("statsPeriod", "90d");
        let body: Value = req.send_json().map_err(crate::context::api_error)?;
        logs.extend(
            body.get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|r| shared::reorder(shared::normalize_log(r), FIELDS)),
        );
    }
    if logs.is_empty() {
        let (what, tip) = if ids.len() == 1 {
            (
                format!("Log '{}'", ids[0]),
                format!("Try:\n  sentry log view {org}/{project}/{}\nOr:\n  - Make sure the log ID is correct and was sent within the last 90 days", ids[0]),
            )
        } else {
            (
                format!("{} log(s)", ids.len()),
                format!(
                    "Make sure the log IDs are correct and were sent within the last 90 days\n{}",
                    ids.iter()
                        .map(|i| format!("  ID: {i}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            )
        };
        return Err(CliError::new(
            exit::NOT_FOUND,
            format!("{what} not found in {org}/{project}."),
        )
        .with_hint(tip));
    }
    if logs.len() < ids.len() {
        let missing: Vec<String> = ids
            .iter()
            .filter(|i| {
                !logs
                    .iter()
                    .any(|l| l.get("sentry.item_id").and_then(Value::as_str) == Some(i.as_str()))
            })
            .map(|i| format!(" - {i}"))
            .collect();
        if !missing.is_empty() {
            crate::diag!(
                "Warning: {} of {} log(s) not found:\n{}",
                missing.len(),
                ids.len(),
                missing.join("\n")
            );
        }
    }
    // People see each log's custom attributes; JSON carries only the columns.
    let details = if ctx.output.json {
        Vec::new()
    } else {
        let api = r.org(&org)?;
        logs.iter()
            .map(|l| {
                let trace = l.get("trace").and_then(Value::as_str)?;
                let id = l.get("sentry.item_id").and_then(Value::as_str)?;
                let v: Value = api
                    .trace_item(&project, id)
                    .query("trace_id", trace)
                    .query("item_type", "logs")
                    .send_json()
                    .ok()?;
                v.get("attributes").and_then(Value::as_array).cloned()
            })
            .collect()
    };
    emit(
        &LogView {
            logs,
            base: client.base_url().to_string(),
            org,
            details,
            fields,
        },
        &ctx.output,
    )?;
    Ok(0)
}
