//! `sentry trace logs [<org>/[<project>/]]<trace-id>`: the logs of one trace
//! (`trace-logs/?traceId=…`), newest first. A project in the target narrows it with
//! `project:<slug>` in the query, as 0.49 does. Shared with `log list <trace-id>`, which
//! prints the same rows with its own hints.

use std::io;

use clap::Args;
use serde_json::{json, Value};

use super::shared;
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

const USAGE: &str = "sentry trace logs [<org>/[<project>/]]<trace-id>";

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// [<org>/[<project>/]]<trace-id> - Optional org/project and required trace ID
    #[arg(value_name = "org/project/trace-id")]
    pub target: String,
    /// Open trace in browser
    #[arg(short = 'w', long)]
    pub web: bool,
    /// Time range: "7d", "2024-01-01..2024-02-01", ">=2024-01-01"
    #[arg(short = 't', long, default_value = "14d")]
    pub period: String,
    /// Number of log entries (<=1000)
    #[arg(
        short = 'n',
        long,
        default_value_t = 100,
        allow_negative_numbers = true
    )]
    pub limit: i64,
    /// Filter query (e.g., "severity:error", "project:backend", "project:[a,b]")
    #[arg(short = 'q', long)]
    pub query: Option<String>,
    /// Sort order: "newest" (default) or "oldest"
    #[arg(short = 's', long, default_value = "newest", value_parser = shared::log_sort)]
    pub sort: String,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// `project:<slug>` plus the user's query.
pub fn with_project(query: Option<&str>, project: Option<&str>) -> Option<String> {
    let parts: Vec<String> = project
        .map(|p| format!("project:{p}"))
        .into_iter()
        .chain(query.filter(|q| !q.is_empty()).map(str::to_string))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Fetches a trace's logs: (rows, more may exist).
pub fn fetch(
    ctx: &Context,
    api: &sentry_api::OrgApi,
    trace: &str,
    period: &[(&'static str, String)],
    limit: usize,
    query: Option<&str>,
    sort: &str,
) -> CliResult<(Vec<Value>, bool)> {
    let mut req = api.trace_logs().query("traceId", trace);
    for (k, v) in period {
        req = req.query(*k, v.as_str());
    }
    if let Some(q) = query {
        req = req.query("query", q);
    }
    req = req.query("sort", sort);
    let (rows, _, _) = shared::walk_rows(ctx, req, limit, None)?;
    let more = rows.len() >= limit;
    Ok((
        rows.into_iter()
            .map(|r| shared::reorder(shared::normalize_log(r), shared::TRACE_LOG_KEYS))
            .collect(),
        more,
    ))
}

/// The `trace logs` table: `ID | Timestamp | Level | Message`. `fixed_id` keeps the ID column
/// at its full width however narrow the terminal, as upstream's `trace logs` does.
pub fn log_table(
    out: &mut Human,
    logs: &[Value],
    with_trace: bool,
    fixed_id: bool,
    extra: &[String],
) -> io::Result<()> {
    let rows = logs
        .iter()
        .map(|l| {
            let id = shared::str_or(l, &["sentry.item_id", "id"]).unwrap_or_default();
            let mut msg = l
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if with_trace {
                if let Some(t) = l.get("trace").and_then(Value::as_str) {
                    msg = format!("{msg} [{}]", &t[..t.len().min(8)]);
                }
            }
            let mut row = vec![
                id,
                shared::local_time_str(
                    l.get("timestamp")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                ),
                l.get("severity")
                    .and_then(Value::as_str)
                    .unwrap_or("info")
                    .to_uppercase(),
                msg,
            ];
            row.extend(extra.iter().map(|f| cell_text(l.get(f.as_str()))));
            row
        })
        .collect();
    let mut header = vec!["ID", "Timestamp", "Level", "Message"];
    header.extend(extra.iter().map(String::as_str));
    let mut t = crate::output::Table::new(Some(&header), rows);
    t.fixed = vec![fixed_id];
    out.print_table(&t)
}

/// An extra column's cell: the value as text, empty when absent or null.
pub fn cell_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

struct TraceLogs {
    trace: String,
    logs: Vec<Value>,
    has_more: bool,
    empty: String,
    hint: String,
}

impl Report for TraceLogs {
    fn json(&self) -> Value {
        json!({"data": self.logs, "hasMore": self.has_more})
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.logs.is_empty() {
            out.line(&self.empty)?;
        } else {
            log_table(out, &self.logs, false, true, &[])?;
            out.blank()?;
            let n = self.logs.len();
            out.line(format!(
                "Showing {n} log{} for trace {}.{}",
                if n == 1 { "" } else { "s" },
                self.trace,
                if self.has_more {
                    " Use --limit to show more."
                } else {
                    ""
                }
            ))?;
        }
        out.blank()?;
        out.line(&self.hint)
    }
}

pub fn run(ctx: &Context, args: &LogsArgs) -> CliResult<i32> {
    let t = shared::parse_trace_target(&args.target, USAGE)?;
    let limit = shared::limit(args.limit)?;
    let period = shared::period_pairs(&args.period)?;
    ctx.route_to_target(t.org.as_ref().map(|o| format!("{o}/")).as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let org = shared::trace_org(&r, &t)?;
    if args.web {
        return crate::web::open(
            ctx,
            &crate::web::org_page(
                client.base_url(),
                &org,
                &format!("explore/traces/trace/{}/", t.trace),
            ),
        );
    }
    let api = r.org(&org)?;
    let query = with_project(args.query.as_deref(), t.project.as_deref());
    let (logs, has_more) = fetch(
        ctx,
        &api,
        &t.trace,
        &period,
        limit,
        query.as_deref(),
        &args.sort,
    )?;
    let hint = match &t.project {
        Some(p) => format!(
            "Filtered to project '{p}'. Full trace logs: sentry trace logs {org}/{}",
            t.trace
        ),
        None => format!(
            "Filter by project: sentry trace logs {org}/<project>/{}",
            t.trace
        ),
    };
    emit(
        &TraceLogs {
            empty: format!(
                "No logs found for trace {} in the last {}.\n\nTry a longer period: sentry trace logs --period 30d {}",
                t.trace, args.period, t.trace
            ),
            trace: t.trace,
            logs,
            has_more,
            hint,
        },
        &ctx.output,
    )?;
    Ok(0)
}
