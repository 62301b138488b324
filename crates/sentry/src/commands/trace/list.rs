//! `sentry trace list [<org>/<project>|<project>]` (also `sentry traces`): recent traces of a
//! project, one row per transaction (a root span), from the spans explore table
//! (`dataset=spans`, `is_transaction:true`), newest or slowest first.

use std::io;

use clap::Args;
use serde_json::{json, Map, Value};

use super::shared;
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{emit, Human, Report};
use crate::target::{paging, Resolver};

const FIELDS: &[&str] = &[
    "trace",
    "id",
    "transaction",
    "timestamp",
    "span.duration",
    "project",
];

#[derive(Debug, Args)]
pub struct ListArgs {
    /// <org>/<project> or <project> (search)
    #[arg(value_name = "org/project")]
    pub target: Option<String>,
    /// Number of traces (1-1000)
    #[arg(short = 'n', long, default_value_t = 25, allow_negative_numbers = true)]
    pub limit: i64,
    /// Search query (Sentry search syntax)
    #[arg(short = 'q', long)]
    pub query: Option<String>,
    /// Sort by: date, duration
    #[arg(short = 's', long, default_value = "date", value_parser = ["date", "duration"])]
    pub sort: String,
    /// Time range: "7d", "2024-01-01..2024-02-01", ">=2024-01-01"
    #[arg(short = 't', long, default_value = "7d")]
    pub period: String,
    /// Navigate pages: "next", "prev", "first" (or raw cursor string)
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// Upstream's envelope: `{data, hasMore, hasPrev, nextCursor?}`.
pub fn list_envelope(data: Vec<Value>, next: Option<&str>, has_prev: bool) -> Value {
    let mut m = Map::new();
    m.insert("data".into(), Value::Array(data));
    m.insert("hasMore".into(), json!(next.is_some()));
    m.insert("hasPrev".into(), json!(has_prev));
    if let Some(n) = next.filter(|n| !n.is_empty()) {
        m.insert("nextCursor".into(), json!(n));
    }
    Value::Object(m)
}

struct TraceList {
    org: String,
    project: String,
    traces: Vec<Value>,
    next: Option<String>,
    has_prev: bool,
    command: String,
}

impl Report for TraceList {
    fn json(&self) -> Value {
        list_envelope(self.traces.clone(), self.next.as_deref(), self.has_prev)
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let nav = paging::hints(&self.command, self.has_prev, self.next.is_some()).join(" | ");
        if self.traces.is_empty() {
            return out.line(if self.next.is_some() || !nav.is_empty() {
                format!("No traces on this page. {nav}")
            } else {
                "No traces found.".to_string()
            });
        }
        out.line(format!("Recent traces in {}/{}:", self.org, self.project))?;
        out.blank()?;
        let rows = self
            .traces
            .iter()
            .map(|t| {
                vec![
                    t.get("trace")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    shared::str_or(t, &["transaction"]).unwrap_or_else(|| "unknown".into()),
                    shared::fmt_ms(t.get("span.duration").and_then(Value::as_f64)),
                    crate::output::format::relative(t.get("timestamp").and_then(Value::as_str)),
                ]
            })
            .collect();
        out.table_aligned(
            Some(&["Trace ID", "Transaction", "Duration", "When"]),
            rows,
            &[
                crate::output::Align::Left,
                crate::output::Align::Left,
                crate::output::Align::Right,
            ],
        )?;
        // Upstream's table text ends in a newline of its own, so two blank lines follow it.
        out.blank()?;
        out.blank()?;
        let n = self.traces.len();
        let head = format!("Showing {n} trace{}.", if n == 1 { "" } else { "s" });
        if nav.is_empty() {
            out.line(format!(
                "{head} Use 'sentry trace view <TRACE_ID>' to view the full span tree."
            ))
        } else {
            out.line(format!("{head} {nav}"))
        }
    }
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = shared::limit(args.limit)?;
    let period = shared::period_pairs(&args.period)?;
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let (org, project, project_id) = shared::one_project(
        &r,
        args.target.as_deref(),
        "sentry trace list <org>/<project>",
    )?;
    let key = format!(
        "{}|{org}/{project}|{}|{}|{}",
        client.base_url(),
        args.sort,
        args.query.as_deref().unwrap_or(""),
        args.period
    );
    let plan = paging::plan(ctx, "trace-list", &key, args.cursor.as_deref())?;
    let query = ["is_transaction:true", args.query.as_deref().unwrap_or("")]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let mut req = r.org(&org)?.events().query("dataset", "spans");
    for f in FIELDS {
        req = req.query("field", *f);
    }
    req = req
        .query("project", project_id.as_str())
        .query("query", query);
    for (k, v) in &period {
        req = req.query(*k, v.as_str());
    }
    req = req.query(
        "sort",
        if args.sort == "duration" {
            "-span.duration"
        } else {
            "-timestamp"
        },
    );
    let (traces, next, has_prev) = shared::walk_rows(ctx, req, limit, plan.cursor.clone())?;
    plan.record(ctx, next.as_deref());
    emit(
        &TraceList {
            command: format!("sentry trace list {org}/{project}"),
            org,
            project,
            traces: traces
                .into_iter()
                .map(|t| shared::reorder(t, FIELDS))
                .collect(),
            next,
            has_prev: plan.has_prev || has_prev,
        },
        &ctx.output,
    )?;
    Ok(0)
}
