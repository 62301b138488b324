//! `sentry span list [<org>/<project> | [<org>/<project>/]<trace-id>]` (also `sentry
//! spans`): spans of a project, or of one trace across every project, from the spans
//! explore table, as flat rows (`span_id, trace_id, parent_span_id, op, …`) like 0.49.
//!
//! `--fields` names other than the columns above are span attributes: they are requested as
//! extra `field=` columns (`gen_ai` stands for the four token/model attributes), copied onto
//! each row, and shown as extra table columns.

use std::io;

use clap::Args;
use serde_json::{Map, Value};

use crate::commands::trace::list::list_envelope;
use crate::commands::trace::shared;
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{emit, Human, Report};
use crate::target::{paging, Resolver};

const FIELDS: &[&str] = &[
    "id",
    "parent_span",
    "span.op",
    "description",
    "span.duration",
    "timestamp",
    "project",
    "transaction",
    "trace",
];
/// The row's own names; `--fields` naming one of these (or a requested column) adds nothing.
const OWN_NAMES: &[&str] = &[
    "span_id",
    "trace_id",
    "parent_span_id",
    "op",
    "duration_ms",
    "start_timestamp",
    "project_slug",
];
/// What `--fields gen_ai` stands for.
const GEN_AI: &[&str] = &[
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.request.model",
    "gen_ai.system",
];
const USAGE: &str = "sentry span list [<org>/<project>/]<trace-id>";

/// The span attributes `--fields` asks for beyond the default columns, in order.
pub fn extra_fields(fields: Option<&[String]>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in fields.unwrap_or_default() {
        let names: Vec<&str> = if f == "gen_ai" {
            GEN_AI.to_vec()
        } else {
            vec![f.as_str()]
        };
        for n in names {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        }
    }
    out.retain(|f| !FIELDS.contains(&f.as_str()) && !OWN_NAMES.contains(&f.as_str()));
    out
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// [<org>/<project>] or [<org>/<project>/]<trace-id>
    #[arg(value_name = "org/project/trace-id", num_args = 0..=2)]
    pub target: Vec<String>,
    /// Number of spans (<=1000)
    #[arg(short = 'n', long, default_value_t = 25, allow_negative_numbers = true)]
    pub limit: i64,
    /// Filter spans (e.g., "op:db", "project:backend", "project:[cli,api]")
    #[arg(short = 'q', long)]
    pub query: Option<String>,
    /// Sort order: date, duration
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

/// `op:` and `duration:` are spelled `span.op:` and `span.duration:` in the spans table.
fn translate_query(q: &str) -> String {
    q.split_whitespace()
        .map(|tok| {
            let (neg, rest) = match tok.strip_prefix('!') {
                Some(r) => ("!", r),
                None => ("", tok),
            };
            match rest.split_once(':') {
                Some((k, v)) => {
                    let k = k.to_lowercase();
                    let k = match k.as_str() {
                        "op" => "span.op".to_string(),
                        "duration" => "span.duration".to_string(),
                        _ => k,
                    };
                    format!("{neg}{k}:{v}")
                }
                None => tok.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An explore row as 0.49's flat span: missing/null optional fields are left out; the
/// `extra` columns the server returned follow, null ones included.
fn flat_span(row: &Value, extra: &[String]) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<&Value>| {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            m.insert(k.to_string(), v.clone());
        }
    };
    put("span_id", row.get("id"));
    put("trace_id", row.get("trace"));
    put("parent_span_id", row.get("parent_span"));
    put("op", row.get("span.op"));
    put("description", row.get("description"));
    put("duration_ms", row.get("span.duration"));
    let start = row
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_millisecond() as f64 / 1000.0);
    m.insert(
        "start_timestamp".into(),
        shared::num(start.unwrap_or(f64::NAN)),
    );
    let mut put = |k: &str, v: Option<&Value>| {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            m.insert(k.to_string(), v.clone());
        }
    };
    put("project_slug", row.get("project"));
    put("transaction", row.get("transaction"));
    for f in extra {
        if let Some(v) = row.get(f.as_str()) {
            m.entry(f.clone()).or_insert_with(|| v.clone());
        }
    }
    Value::Object(m)
}

struct SpanList {
    spans: Vec<Value>,
    next: Option<String>,
    has_prev: bool,
    trace: Option<String>,
    scope: String,
    command: String,
    /// Extra attribute columns (`--fields`).
    extra: Vec<String>,
}

impl Report for SpanList {
    fn json(&self) -> Value {
        list_envelope(self.spans.clone(), self.next.as_deref(), self.has_prev)
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let nav = paging::hints(&self.command, self.has_prev, self.next.is_some()).join(" | ");
        if self.spans.is_empty() {
            return out.line(if self.next.is_some() || !nav.is_empty() {
                format!("No spans on this page. {nav}")
            } else {
                "No spans matched the query.".to_string()
            });
        }
        match &self.trace {
            Some(t) => out.line(format!("Spans in trace {t}:"))?,
            None => {
                out.line(format!("Spans in {}:", self.scope))?;
                out.blank()?;
                out.blank()?;
            }
        }
        let multi = {
            let mut ps: Vec<&str> = self
                .spans
                .iter()
                .filter_map(|s| s.get("project_slug").and_then(Value::as_str))
                .collect();
            ps.sort_unstable();
            ps.dedup();
            ps.len() > 1
        };
        let mut header = Vec::new();
        if multi {
            header.push("Project");
        }
        header.push("Span ID");
        if self.trace.is_none() {
            header.push("Trace ID");
        }
        header.extend(["Op", "Description", "Duration"]);
        header.extend(self.extra.iter().map(String::as_str));
        let rows = self
            .spans
            .iter()
            .map(|s| {
                let get = |k: &str| {
                    s.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                let mut row = Vec::new();
                if multi {
                    row.push(shared::str_or(s, &["project_slug"]).unwrap_or_else(|| "—".into()));
                }
                row.push(get("span_id"));
                if self.trace.is_none() {
                    row.push(shared::str_or(s, &["trace_id"]).unwrap_or_else(|| "—".into()));
                }
                row.push(shared::str_or(s, &["op"]).unwrap_or_else(|| "—".into()));
                row.push(
                    shared::str_or(s, &["description"])
                        .unwrap_or_else(|| "(no description)".into()),
                );
                row.push(shared::fmt_ms(s.get("duration_ms").and_then(Value::as_f64)));
                for f in &self.extra {
                    row.push(match s.get(f.as_str()) {
                        None | Some(Value::Null) => "—".to_string(),
                        Some(Value::String(v)) => v.clone(),
                        Some(v) => v.to_string(),
                    });
                }
                row
            })
            .collect();
        // Upstream's column rules: IDs and the duration are never narrowed, every column has
        // a minimum width, and over-long cells are cut with `…` rather than wrapped. Extra
        // `--fields` columns follow the duration, left-aligned and without a minimum.
        let rules = |h: &str| match h {
            "Project" => (8, false),
            "Span ID" => (18, true),
            "Trace ID" => (34, true),
            "Op" => (6, false),
            "Duration" => (8, true),
            _ => (0, false),
        };
        let base = header.len() - self.extra.len();
        let mut t = crate::output::Table::new(Some(&header), rows);
        t.align = vec![crate::output::Align::Left; base - 1];
        t.align.push(crate::output::Align::Right);
        t.min_widths = header[..base].iter().map(|h| rules(h).0).collect();
        t.fixed = header[..base].iter().map(|h| rules(h).1).collect();
        t.truncate = true;
        out.print_table(&t)?;
        // Upstream's table text ends in a newline of its own, so two blank lines follow it.
        out.blank()?;
        out.blank()?;
        let n = self.spans.len();
        let head = format!("Showing {n} span{}.", if n == 1 { "" } else { "s" });
        if !nav.is_empty() {
            return out.line(format!("{head} {nav}"));
        }
        out.line(match &self.trace {
            Some(t) => format!("{head} Use 'sentry span view {t} <span-id>' to view span details."),
            None => {
                format!("{head} Use 'sentry span view <trace-id> <span-id>' to view span details.")
            }
        })
    }
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = shared::limit(args.limit)?;
    let period = shared::period_pairs(&args.period)?;
    // Trace mode: the last argument ends in a trace ID (`<project> <trace-id>` searches the
    // project first).
    let trace_arg = args
        .target
        .last()
        .filter(|a| shared::names_trace(a))
        .cloned();
    let trace = match &trace_arg {
        Some(raw) => Some(shared::parse_trace_target(raw, USAGE)?),
        None if args.target.len() > 1 => {
            return Err(crate::error::CliError::validation(format!(
                "Invalid trace ID \"{}\". Expected a 32-character hexadecimal string.",
                args.target[1]
            )))
        }
        None => None,
    };
    let first = args.target.first().cloned();
    ctx.route_to_target(first.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let (org, scope, project_id, mut query, ctx_key) = match &trace {
        Some(t) => {
            let mut t = t.clone();
            if args.target.len() == 2 {
                let (o, p, _) = shared::one_project(&r, Some(&args.target[0]), USAGE)?;
                t.org = Some(o);
                t.project = Some(p);
            }
            let org = shared::trace_org(&r, &t)?;
            let key = format!("{org}/{}/{}", t.project.as_deref().unwrap_or(""), t.trace);
            (
                org,
                String::new(),
                "-1".to_string(),
                vec![format!("trace:{}", t.trace)],
                key,
            )
        }
        None => {
            let (org, slug, id) = shared::one_project(&r, first.as_deref(), USAGE)?;
            let scope = format!("{org}/{slug}");
            (org, scope.clone(), id, Vec::new(), scope)
        }
    };
    if let Some(q) = args.query.as_deref().filter(|q| !q.is_empty()) {
        query.push(translate_query(q));
    }
    let key = format!(
        "{}|{ctx_key}|{}|{}|{}",
        client.base_url(),
        args.sort,
        args.query.as_deref().unwrap_or(""),
        args.period
    );
    let command_key = if trace.is_some() {
        "span-list"
    } else {
        "span-search"
    };
    let plan = paging::plan(ctx, command_key, &key, args.cursor.as_deref())?;
    let extra = extra_fields(ctx.output.fields.as_deref());
    let mut req = r.org(&org)?.events().query("dataset", "spans");
    for f in FIELDS
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
    {
        req = req.query("field", f);
    }
    req = req.query("project", project_id.as_str());
    if !query.is_empty() {
        req = req.query("query", query.join(" "));
    }
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
    let (rows, next, has_prev) = shared::walk_rows(ctx, req, limit, plan.cursor.clone())?;
    plan.record(ctx, next.as_deref());
    let command = match &trace {
        Some(t) => format!(
            "sentry span list {org}/{}/{}",
            t.project.as_deref().unwrap_or("<project>"),
            t.trace
        ),
        None => format!("sentry span list {scope}"),
    };
    emit(
        &SpanList {
            spans: rows.iter().map(|r| flat_span(r, &extra)).collect(),
            next,
            has_prev: plan.has_prev || has_prev,
            trace: trace.map(|t| t.trace),
            scope,
            command,
            extra,
        },
        &ctx.output,
    )?;
    Ok(0)
}
