//! `sentry trace view [<org>/[<project>/]]<trace-id>`: a trace's summary and span tree.
//!
//! With `--json` (or `--full`) every span's full attributes are fetched too
//! (`trace-items/{span}/`) and the non-standard ones become the span's `data`, as 0.49
//! prints them; a span whose details cannot be fetched is warned about and kept without.
//!
//! `sentry trace view PROJ-123` (one argument written exactly like a short ID) recovers the
//! trace of that issue: the trace ID of its latest event's trace context.
//!
//! `--fields` names that are not keys of the output (`http.method`), and
//! `spans[.N](.children[.N])*.additional_attributes.<name>` paths, are span attributes: the
//! trace is fetched with `additional_attributes=<name>` so the server adds them to each span,
//! and the selection keeps them beside each span's ID at every level of the tree.

use std::collections::BTreeMap;
use std::io;

use clap::Args;
use serde_json::{json, Map, Value};

use super::shared::{self, num};
use crate::context::{api_error, Context};
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

/// Keys of the trace view's JSON; other `--fields` names are span attributes.
const VIEW_KEYS: &[&str] = &[
    "traceId",
    "duration",
    "spanCount",
    "projects",
    "rootTransaction",
    "rootOp",
    "startTimestamp",
    "replayId",
    "spans",
    "spanTreeLines",
];

/// How `--fields` applies to a trace: `paths` select from the output as everywhere;
/// `attributes` are bare attribute names kept beside every span's ID; `additional` is
/// every attribute the server is asked for (both kinds, without repeats).
#[derive(Debug, Default, PartialEq)]
pub struct FieldPlan {
    pub paths: Vec<String>,
    pub attributes: Vec<String>,
    pub additional: Vec<String>,
}

/// The attribute an `spans[.N](.children[.N])*.additional_attributes.<name>` path names.
fn additional_attribute_of(path: &str) -> Option<&str> {
    fn skip_index(r: &str) -> &str {
        match r.split_once('.') {
            Some((n, tail)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => tail,
            _ => r,
        }
    }
    let mut rest = skip_index(path.strip_prefix("spans.")?);
    loop {
        if let Some(attr) = rest.strip_prefix("additional_attributes.") {
            return (!attr.is_empty()).then_some(attr);
        }
        rest = skip_index(rest.strip_prefix("children.")?);
    }
}

/// Splits `--fields` into output paths and span attributes, as 0.49 does.
pub fn field_plan(fields: &[String]) -> Option<FieldPlan> {
    if fields.is_empty() {
        return None;
    }
    let mut plan = FieldPlan::default();
    let want = |a: &str, plan: &mut FieldPlan| {
        if !plan.additional.iter().any(|x| x == a) {
            plan.additional.push(a.to_string());
        }
    };
    for f in fields {
        let head = f.split('.').next().unwrap_or(f);
        if VIEW_KEYS.contains(&head) {
            plan.paths.push(f.clone());
            if let Some(a) = additional_attribute_of(f) {
                want(a, &mut plan);
            }
        } else {
            plan.attributes.push(f.clone());
            want(f, &mut plan);
        }
    }
    Some(plan)
}

/// One span of the selection: what the paths picked from it (`picked`), its `span_id`,
/// the requested attributes it has merged into `additional_attributes`, and its children
/// likewise.
fn span_with_attributes(span: &Value, picked: Option<&Value>, attributes: &[String]) -> Value {
    let mut out = match picked {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    if let Some(id) = span.get("span_id") {
        out.insert("span_id".into(), id.clone());
    }
    let have = span.get("additional_attributes").and_then(Value::as_object);
    let found: Map<String, Value> = attributes
        .iter()
        .filter_map(|a| Some((a.clone(), have?.get(a)?.clone())))
        .collect();
    if !found.is_empty() {
        let mut merged = match out.get("additional_attributes") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        merged.extend(found);
        out.insert("additional_attributes".into(), Value::Object(merged));
    }
    if let Some(Value::Array(children)) = span.get("children") {
        let picked_children = picked.and_then(|p| p.get("children"));
        out.insert(
            "children".into(),
            Value::Array(
                children
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        span_with_attributes(c, picked_children.and_then(|p| p.get(i)), attributes)
                    })
                    .collect(),
            ),
        );
    }
    Value::Object(out)
}

/// Spans (at any depth) the server gave requested attributes.
fn with_additional(spans: &[Value]) -> usize {
    shared::flatten(spans)
        .into_iter()
        .filter(|s| {
            s.get("additional_attributes")
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty())
        })
        .count()
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
    fn json_fields(&self, fields: &[String]) -> Value {
        let value = self.json();
        let Some(plan) = field_plan(fields) else {
            return value;
        };
        let mut out = match crate::output::select(&value, &plan.paths) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        if !plan.attributes.is_empty() && !plan.paths.iter().any(|p| p == "spans") {
            let picked = out.get("spans").cloned();
            let spans = value
                .get("spans")
                .and_then(Value::as_array)
                .map(|all| {
                    all.iter()
                        .enumerate()
                        .map(|(i, s)| {
                            span_with_attributes(
                                s,
                                picked.as_ref().and_then(|p| p.get(i)),
                                &plan.attributes,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.insert("spans".into(), Value::Array(spans));
        }
        Value::Object(out)
    }
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
        let n = with_additional(&self.spans);
        if n > 0 {
            out.blank()?;
            out.line(format!(
                "{n} {} additional attributes. Use --json to see them.",
                if n == 1 { "span has" } else { "spans have" }
            ))?;
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

/// The trace's replay, as 0.49 looks it up (the replay list's query with every list field):
/// the first replay's ID, `null` when none;
/// `None` (left out) when the lookup fails, e.g. a server without replays.
fn replay_of(api: &sentry_api::OrgApi, trace: &str) -> Option<Value> {
    let mut req = api.replays();
    for f in crate::commands::replay::list::FIELDS {
        req = req.query("field", f);
    }
    let body: Value = req
        .query("per_page", "1")
        .query("project", "-1")
        .query("query", format!("trace:{trace}"))
        .query("sort", "-started_at")
        .query("statsPeriod", "90d")
        .send_json()
        .ok()?;
    Some(body.pointer("/data/0/id").cloned().unwrap_or(Value::Null))
}

/// Where the trace comes from: a parsed target, or an issue's latest event.
struct Located {
    org: String,
    trace: String,
    /// The project the trace is read for (detail fallback, the not-found hint).
    project: Option<String>,
    /// A project named as `<org>/<project>/<trace-id>`, which must exist and is named in
    /// the hint.
    filter: Option<String>,
}

/// `PROJ-123`: the trace of the issue's latest event (0.49's recovery for a short ID given
/// where a trace ID belongs), in the org known from context.
fn locate_issue(r: &Resolver, short_id: &str) -> CliResult<Located> {
    crate::diag!(
        "Warning: '{short_id}' is an issue short ID, not a trace ID. Looking up the issue's trace."
    );
    let org = match r.resolve_org(None) {
        Ok((org, _)) => org,
        Err(e) if e.exit_code == exit::CONTEXT => {
            return Err(CliError::new(exit::CONTEXT, "Organization is required.").with_hint(
                format!(
                    "Specify it using:\n  sentry issue view {short_id}\n\nOr:\n  - Run from a directory with a Sentry DSN in source code or .env files\n  - Set SENTRY_ORG and SENTRY_PROJECT (or SENTRY_DSN) environment variables\n  - Run 'sentry org list' to find your organization slug\n  - Run 'sentry project list <org>/' to find project slugs"
                ),
            ))
        }
        Err(e) => return Err(e),
    };
    let api = r.org(&org)?;
    let sid = short_id.to_uppercase();
    let found: Value = match api.short_id(&sid).send_json() {
        Ok(v) => v,
        Err(e) if e.status() == Some(404) => {
            return Err(CliError::new(
                exit::API,
                format!("Short ID '{sid}' not found in organization '{org}'"),
            )
            .with_detail("The issue may have been deleted or merged")
            .with_detail(format!(
                "Verify the short ID and org: sentry issue view {org}/{sid}"
            ))
            .with_detail(format!("List issues in this org: sentry issue list {org}/")))
        }
        Err(e) => return Err(api_error(e)),
    };
    let Some(issue) = found.get("group").filter(|g| g.is_object()) else {
        return Err(CliError::new(
            exit::API,
            format!("Short ID {sid} resolved but no issue group returned"),
        )
        .with_detail("Issue not found"));
    };
    let id = crate::target::str_field(issue, "id").unwrap_or_default();
    let project = issue
        .pointer("/project/slug")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let event: Value = api
        .latest_issue_event(&id)
        .query("collapse", "adjacentEvents")
        .send_json()
        .map_err(api_error)?;
    let trace = event
        .pointer("/contexts/trace/trace_id")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            CliError::validation(format!(
                "Could not find a trace for issue '{short_id}'. The latest event has no trace context."
            ))
            .with_hint(format!("Try: sentry issue view {short_id}"))
        })?;
    Ok(Located {
        org,
        trace: trace.to_string(),
        project,
        filter: None,
    })
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    // `<project> <trace-id>` (project search), one `[<org>/[<project>/]]<trace-id>`, or one
    // issue short ID.
    let (raw, search) = match args.target.as_slice() {
        [one] => (one.clone(), None),
        [project, id] => (id.clone(), Some(project.clone())),
        _ => unreachable!("clap allows one or two values"),
    };
    let issue = search.is_none() && sentry_target::is_exact_short_id(raw.trim());
    let parsed = if issue {
        None
    } else {
        Some(shared::parse_trace_target(&raw, USAGE)?)
    };
    if let Some(first) = search
        .as_deref()
        .filter(|p| sentry_target::is_exact_short_id(p))
    {
        crate::diag!("Warning: Did you mean: sentry issue view {first}");
    }
    ctx.route_to_target(
        parsed
            .as_ref()
            .and_then(|t| t.org.as_ref())
            .map(|o| format!("{o}/"))
            .as_deref(),
    );
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let loc = match parsed {
        None => locate_issue(&r, raw.trim())?,
        Some(mut t) => {
            if let Some(p) = &search {
                let (org, slug, _) = shared::one_project(&r, Some(p), USAGE)?;
                t.org = Some(org);
                t.project = Some(slug);
            }
            Located {
                org: shared::trace_org(&r, &t)?,
                filter: t.project.clone().filter(|_| search.is_none()),
                project: t.project,
                trace: t.trace,
            }
        }
    };
    let org = loc.org.clone();
    if args.web {
        return crate::web::open(
            ctx,
            &crate::web::org_page(
                client.base_url(),
                &org,
                &format!("explore/traces/trace/{}/", loc.trace),
            ),
        );
    }
    let api = r.org(&org)?;
    if let Some(p) = &loc.filter {
        // A named project must exist (0.49 checks it before reading the trace).
        if r.project_detail(&org, p)?.is_none() {
            return Err(CliError::new(
                exit::NOT_FOUND,
                format!("Project '{p}' not found in organization '{org}'."),
            ));
        }
    }
    // `--fields` naming span attributes (with or without --json) asks the server for them.
    let additional = ctx
        .output
        .fields
        .as_deref()
        .and_then(field_plan)
        .map(|p| p.additional)
        .unwrap_or_default();
    let spans = shared::fetch_trace(&api, &loc.trace, &additional)?;
    let replay = replay_of(&api, &loc.trace);
    if spans.is_empty() {
        return Err(CliError::new(
            exit::NOT_FOUND,
            format!("Trace '{}' not found.", loc.trace),
        )
        .with_hint(format!(
            "Try:\n  sentry trace view {org}/{}/{}\nOr:\n  - Check that you are querying the right org/project\n  - The trace may be past your plan's retention window",
            loc.project.as_deref().unwrap_or("<project>"),
            loc.trace
        )));
    }
    let summary = summarize(&loc.trace, &spans);
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
        let fallback = loc
            .project
            .clone()
            .or_else(|| {
                spans[0]
                    .get("project_slug")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        shared::span_details(&api, &all, &fallback, &loc.trace)
    } else {
        BTreeMap::new()
    };
    let trace = &loc.trace;
    let hint = match (&loc.filter, summary.projects.len()) {
        (Some(p), _) => {
            format!("Filtered to project '{p}'. Full trace: sentry trace view {org}/{trace}")
        }
        (None, n) if n > 1 => format!(
            "This trace spans {n} projects ({}). Filter: sentry trace view {org}/{}/{trace}",
            summary.projects.join(", "),
            summary.projects[0],
        ),
        _ => format!("Tip: Open in browser with 'sentry trace view --web {trace}'"),
    };
    let tree = shared::span_tree_lines(trace, &spans, args.spans);
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
