//! `sentry trace view [<org>/[<project>/]]<trace-id>`: a trace's summary and span tree.
//!
//! With `--json` (or `--full`) every span's full attributes are fetched too
//! (`trace-items/{span}/`) and the non-standard ones become the span's `data`, as 0.49
//! prints them; a span whose details cannot be fetched is warned about and kept without.

use std::collections::BTreeMap;
use std::io;

use clap::Args;
use serde_json::{json, Map, Value};

use super::shared::{self, num};
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

const USAGE: &str = "sentry trace view [<org>/<project>/]<trace-id>";

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// [<org>/<project>/]<trace-id> - Target (optional) and trace ID (required)
    #[arg(value_name = "org/project/trace-id", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// Open in browser
    #[arg(short = 'w', long)]
    pub web: bool,
    /// Fetch full span attributes (auto-enabled with --json)
    #[arg(long)]
    pub full: bool,
    /// Span tree depth limit (number, "all" for unlimited, "no" to disable)
    #[arg(long, default_value = "3", value_parser = shared::parse_depth)]
    pub spans: usize,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// The summary 0.49 computes over the span forest.
pub struct Summary {
    pub trace: String,
    pub duration: f64,
    pub span_count: usize,
    pub projects: Vec<String>,
    pub root_transaction: Option<Value>,
    pub root_op: Option<Value>,
    pub start: f64,
}

pub fn summarize(trace: &str, roots: &[Value]) -> Summary {
    let mut s = Summary {
        trace: trace.to_string(),
        duration: f64::NAN,
        span_count: 0,
        projects: Vec::new(),
        root_transaction: None,
        root_op: None,
        start: f64::INFINITY,
    };
    let mut max_end = 0.0_f64;
    fn walk(v: &Value, root: bool, s: &mut Summary, max_end: &mut f64) {
        s.span_count += 1;
        if let Some(st) = v
            .get("start_timestamp")
            .and_then(Value::as_f64)
            .filter(|f| *f > 0.0)
        {
            s.start = s.start.min(st);
        }
        if let Some(end) = shared::truthy_f64(v.get("end_timestamp"))
            .or_else(|| v.get("timestamp").and_then(Value::as_f64))
            .filter(|f| *f > 0.0)
        {
            *max_end = max_end.max(end);
        }
        if let Some(p) = v
            .get("project_slug")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
        {
            if !s.projects.iter().any(|x| x == p) {
                s.projects.push(p.to_string());
            }
        }
        if root && s.root_transaction.is_none() {
            // `transaction ?? description`, `transaction.op ?? op` (null and absent alike).
            let pick = |a: &str, b: &str| {
                v.get(a)
                    .filter(|x| !x.is_null())
                    .or_else(|| v.get(b).filter(|x| !x.is_null()))
                    .cloned()
            };
            s.root_transaction = pick("transaction", "description");
            s.root_op = pick("transaction.op", "op");
        }
        for c in v
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(c, false, s, max_end);
        }
    }
    for r in roots {
        walk(r, true, &mut s, &mut max_end);
    }
    if s.start.is_finite() && max_end > 0.0 && max_end >= s.start {
        s.duration = (max_end - s.start) * 1000.0;
    }
    s
}

fn summary_json(s: &Summary) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("traceId".into(), json!(s.trace));
    m.insert("duration".into(), num(s.duration));
    m.insert("spanCount".into(), json!(s.span_count));
    m.insert("projects".into(), json!(s.projects));
    if let Some(t) = &s.root_transaction {
        m.insert("rootTransaction".into(), t.clone());
    }
    if let Some(o) = &s.root_op {
        m.insert("rootOp".into(), o.clone());
    }
    m.insert("startTimestamp".into(), num(s.start));
    m
}

/// A span for JSON: zero measurements dropped, details' custom attributes as `data`.
fn json_span(v: &Value, details: &BTreeMap<String, Value>) -> Value {
    let Value::Object(src) = v else {
        return v.clone();
    };
    let mut m = Map::new();
    for (k, val) in src {
        match k.as_str() {
            "children" | "measurements" => {}
            _ => {
                m.insert(k.clone(), val.clone());
            }
        }
    }
    if let Some(Value::Object(ms)) = src.get("measurements") {
        let kept: Map<String, Value> = ms
            .iter()
            .filter(|(_, v)| v.as_f64() != Some(0.0))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !kept.is_empty() {
            m.insert("measurements".into(), Value::Object(kept));
        }
    }
    if let Some(Value::Array(children)) = src.get("children") {
        m.insert(
            "children".into(),
            Value::Array(children.iter().map(|c| json_span(c, details)).collect()),
        );
    }
    if !details.is_empty() {
        if let Some(d) = src
            .get("span_id")
            .and_then(Value::as_str)
            .and_then(|id| details.get(id))
        {
            let data = shared::custom_attributes(d);
            if !data.is_empty() {
                // `data` goes after the span's own keys, children last, as 0.49 builds it.
                let children = m.remove("children");
                m.insert("data".into(), Value::Object(data));
                if let Some(c) = children {
                    m.insert("children".into(), c);
                }
            }
        }
    }
    Value::Object(m)
}

struct TraceView {
    summary: Summary,
    spans: Vec<Value>,
    details: BTreeMap<String, Value>,
    replay: Option<Value>,
    tree: Vec<String>,
    hint: String,
}

impl Report for TraceView {
    fn json(&self) -> Value {
        let mut m = summary_json(&self.summary);
        if let Some(r) = &self.replay {
            m.insert("replayId".into(), r.clone());
        }
        m.insert(
            "spans".into(),
            Value::Array(
                self.spans
                    .iter()
                    .map(|s| json_span(s, &self.details))
                    .collect(),
            ),
        );
        Value::Object(m)
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let s = &self.summary;
        out.heading(&format!("Trace {}", s.trace))?;
        out.blank()?;
        let mut rows = Vec::new();
        if let Some(t) = s.root_transaction.as_ref().and_then(Value::as_str) {
            let op = s
                .root_op
                .as_ref()
                .and_then(Value::as_str)
                .map(|o| format!("[{o}] "))
                .unwrap_or_default();
            rows.push(vec!["Root".to_string(), format!("{op}{t}")]);
        }
        rows.push(vec!["Duration".into(), shared::fmt_ms(Some(s.duration))]);
        rows.push(vec!["Spans".into(), s.span_count.to_string()]);
        if !s.projects.is_empty() {
            rows.push(vec!["Projects".into(), s.projects.join(", ")]);
        }
        if s.start.is_finite() && s.start > 0.0 {
            rows.push(vec!["Started".into(), shared::local_time_secs(s.start)]);
        }
        if let Some(r) = &self.replay {
            rows.push(vec![
                "Replay ID".into(),
                r.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| "none".into()),
            ]);
        }
        out.table(None, rows)?;
        for l in &self.tree {
            out.line(l)?;
        }
        if !self.details.is_empty() {
            out.blank()?;
            out.line(format!(
                "{} span(s) have attribute data. Use --json to see full details.",
                self.details.len()
            ))?;
        }
        out.blank()?;
        out.line(&self.hint)
    }
}

/// The trace's replay, as 0.49 looks it up: the first replay's ID, `null` when none;
/// `None` (left out) when the lookup fails, e.g. a server without replays.
fn replay_of(api: &sentry_api::OrgApi, trace: &str) -> Option<Value> {
    let body: Value = api
        .replays()
        .query("field", "id")
        .query("per_page", "1")
        .query("project", "-1")
        .query("query", format!("trace:{trace}"))
        .query("sort", "-started_at")
        .query("statsPeriod", "90d")
        .send_json()
        .ok()?;
    Some(body.pointer("/data/0/id").cloned().unwrap_or(Value::Null))
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    // `<project> <trace-id>` (project search) or one `[<org>/[<project>/]]<trace-id>`.
    let (raw, search) = match args.target.as_slice() {
        [one] => (one.clone(), None),
        [project, id] => (id.clone(), Some(project.clone())),
        _ => unreachable!("clap allows one or two values"),
    };
    let mut t = shared::parse_trace_target(&raw, USAGE)?;
    ctx.route_to_target(t.org.as_ref().map(|o| format!("{o}/")).as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    if let Some(p) = &search {
        let (org, slug, _) = shared::one_project(&r, Some(p), USAGE)?;
        t.org = Some(org);
        t.project = Some(slug);
    }
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
    if let (Some(p), None) = (&t.project, &search) {
        // A named project must exist (0.49 checks it before reading the trace).
        if r.project_detail(&org, p)?.is_none() {
            return Err(CliError::new(
                exit::NOT_FOUND,
                format!("Project '{p}' not found in organization '{org}'."),
            ));
        }
    }
    let spans = shared::fetch_trace(&api, &t.trace)?;
    let replay = replay_of(&api, &t.trace);
    if spans.is_empty() {
        return Err(CliError::new(
            exit::NOT_FOUND,
            format!("Trace '{}' not found.", t.trace),
        )
        .with_hint(format!(
            "Try:\n  sentry trace view {org}/{}/{}\nOr:\n  - Check that you are querying the right org/project\n  - The trace may be past your plan's retention window",
            t.project.as_deref().unwrap_or("<project>"),
            t.trace
        )));
    }
    let summary = summarize(&t.trace, &spans);
    let details = if args.full || ctx.output.json {
        let all: Vec<(String, Option<String>)> = shared::flatten(&spans)
            .into_iter()
            .filter_map(|s| {
                Some((
                    s.get("span_id")?.as_str()?.to_string(),
                    s.get("project_slug")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ))
            })
            .collect();
        let fallback = t
            .project
            .clone()
            .or_else(|| {
                spans[0]
                    .get("project_slug")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        shared::span_details(&api, &all, &fallback, &t.trace)
    } else {
        BTreeMap::new()
    };
    let hint = match (&t.project, summary.projects.len()) {
        (Some(p), _) => format!(
            "Filtered to project '{p}'. Full trace: sentry trace view {org}/{}",
            t.trace
        ),
        (None, n) if n > 1 => format!(
            "This trace spans {n} projects ({}). Filter: sentry trace view {org}/{}/{}",
            summary.projects.join(", "),
            summary.projects[0],
            t.trace
        ),
        _ => format!(
            "Tip: Open in browser with 'sentry trace view --web {}'",
            t.trace
        ),
    };
    let tree = shared::span_tree_lines(&t.trace, &spans, args.spans);
    emit(
        &TraceView {
            summary,
            spans,
            details,
            replay,
            tree,
            hint,
        },
        &ctx.output,
    )?;
    Ok(0)
}
