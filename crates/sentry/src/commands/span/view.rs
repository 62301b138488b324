//! `sentry span view [<org>/<project>/]<trace-id> <span-id> [<span-id>…]`: spans located in
//! their trace's tree (depth, ancestors, children) plus their full attributes from
//! `trace-items/{span}/` as `data`.

use std::collections::BTreeMap;
use std::io;

use clap::Args;
use serde_json::{json, Map, Value};

use crate::commands::trace::shared;
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

const USAGE: &str = "sentry span view [<org>/<project>/]<trace-id> <span-id> [<span-id>...]";

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// [<org>/<project>/]<trace-id> <span-id> [<span-id>...] - Trace ID and one or more span IDs
    #[arg(value_name = "trace-id/span-id", num_args = 1.., required = true)]
    pub ids: Vec<String>,
    /// Span tree depth limit (number, "all" for unlimited, "no" to disable)
    #[arg(long, default_value = "3", value_parser = shared::parse_depth)]
    pub spans: usize,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// JavaScript's `a || b`: `a` when truthy, else `b` as it is (absent stays absent).
fn or<'v>(a: Option<&'v Value>, b: Option<&'v Value>) -> Option<&'v Value> {
    let truthy = |v: &Value| match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => true,
    };
    match a {
        Some(v) if truthy(v) => Some(v),
        _ => b,
    }
}

fn brief(v: &Value) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, val: Option<&Value>| {
        if let Some(val) = val {
            m.insert(k.into(), val.clone());
        }
    };
    put("span_id", v.get("span_id"));
    put("op", or(v.get("op"), v.get("transaction.op")));
    put(
        "description",
        or(v.get("description"), v.get("transaction")),
    );
    Value::Object(m)
}

struct Found<'a> {
    span: &'a Value,
    depth: usize,
    ancestors: Vec<&'a Value>,
}

fn find<'a>(roots: &'a [Value], id: &str) -> Option<Found<'a>> {
    fn walk<'a>(
        v: &'a Value,
        id: &str,
        depth: usize,
        anc: &mut Vec<&'a Value>,
    ) -> Option<Found<'a>> {
        if v.get("span_id")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
            == Some(id)
        {
            return Some(Found {
                span: v,
                depth,
                ancestors: anc.clone(),
            });
        }
        anc.push(v);
        for c in v
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(f) = walk(c, id, depth + 1, anc) {
                return Some(f);
            }
        }
        anc.pop();
        None
    }
    roots.iter().find_map(|r| walk(r, id, 0, &mut Vec::new()))
}

struct SpanView {
    trace: String,
    spans: Vec<Value>,
    trees: Vec<Vec<String>>,
}

impl Report for SpanView {
    fn json(&self) -> Value {
        Value::Array(self.spans.clone())
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        for (i, s) in self.spans.iter().enumerate() {
            if i > 0 {
                out.blank()?;
                out.line("---")?;
            }
            let id = s.get("span_id").and_then(Value::as_str).unwrap_or_default();
            out.heading(&format!("Span {id}"))?;
            out.blank()?;
            let mut rows = vec![
                vec!["Span ID".to_string(), id.to_string()],
                vec!["Trace ID".to_string(), self.trace.clone()],
            ];
            let text = |k: &str| s.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
            if let Some(p) = text("parent_span_id") {
                rows.push(vec!["Parent".into(), p.into()]);
            }
            if let Some(o) = text("op") {
                rows.push(vec!["Op".into(), o.into()]);
            }
            if let Some(d) = text("description") {
                rows.push(vec!["Description".into(), d.into()]);
            }
            if let Some(d) = s.get("duration").and_then(Value::as_f64) {
                rows.push(vec!["Duration".into(), shared::fmt_ms(Some(d))]);
            }
            if let Some(p) = text("project_slug") {
                rows.push(vec!["Project".into(), p.into()]);
            }
            if let Some(st) = s
                .get("start_timestamp")
                .and_then(Value::as_f64)
                .filter(|f| *f > 0.0)
            {
                rows.push(vec!["Started".into(), shared::local_time_secs(st)]);
            }
            let children = s
                .get("children")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            rows.push(vec!["Children".into(), children.to_string()]);
            if let Some(Value::Object(data)) = s.get("data") {
                for (k, v) in data.iter().take(10) {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    if !v.is_empty() {
                        rows.push(vec![k.clone(), v]);
                    }
                }
                if data.len() > 10 {
                    rows.push(vec![
                        "...".into(),
                        format!("{} more (use --json)", data.len() - 10),
                    ]);
                }
            }
            out.table(None, rows)?;
            let ancestors = s
                .get("ancestors")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if !ancestors.is_empty() {
                out.blank()?;
                out.line("─── Ancestors ───")?;
                out.blank()?;
                for (depth, a) in ancestors.iter().enumerate() {
                    out.line(format!(
                        "{}{} — {} ({})",
                        "  ".repeat(depth),
                        shared::str_or(a, &["op"]).unwrap_or_else(|| "unknown".into()),
                        shared::str_or(a, &["description"])
                            .unwrap_or_else(|| "(no description)".into()),
                        a.get("span_id").and_then(Value::as_str).unwrap_or_default()
                    ))?;
                }
            }
            for l in &self.trees[i] {
                out.line(l)?;
            }
        }
        Ok(())
    }
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    let (first, rest) = args.ids.split_first().expect("clap requires one");
    if rest.is_empty() {
        if shared::is_hex(first.trim(), 16) {
            return Err(CliError::validation(format!(
                "Trace ID and span ID are required: '{first}' looks like a span ID (16 characters), not a trace ID."
            ))
            .with_hint(format!("Provide the trace ID first: sentry span view <trace-id> {first}")));
        }
        return Err(
            CliError::validation("Span ID is required.").with_hint(format!("Usage: {USAGE}"))
        );
    }
    let t = shared::parse_trace_target(first, USAGE)?;
    let ids: Vec<String> = rest
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(shared::span_id)
        .collect::<CliResult<_>>()?;
    ctx.route_to_target(t.org.as_ref().map(|o| format!("{o}/")).as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let org = shared::trace_org(&r, &t)?;
    let api = r.org(&org)?;
    let roots = shared::fetch_trace(&api, &t.trace, &[])?;
    if roots.is_empty() {
        return Err(CliError::new(exit::NOT_FOUND, format!("Trace \"{}\" not found.", t.trace))
            .with_hint(format!("Try:\n  {USAGE}\nOr:\n  - The ID format is valid but no matching trace exists in this project\n  - Check that you are querying the right org/project, or the trace may be past your plan's retention window")));
    }
    let found: Vec<(String, Found)> = ids
        .iter()
        .filter_map(|id| find(&roots, id).map(|f| (id.clone(), f)))
        .collect();
    if found.is_empty() {
        let msg = if ids.len() == 1 {
            format!("Span \"{}\" in trace {} not found.", ids[0], t.trace)
        } else {
            format!(
                "Spans in trace {} none of the requested IDs were found.",
                t.trace
            )
        };
        return Err(CliError::new(exit::NOT_FOUND, msg).with_hint(format!("Try:\n  {USAGE}")));
    }
    if found.len() < ids.len() {
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !found.iter().any(|(f, _)| f == *id))
            .map(|id| format!(" - {id}"))
            .collect();
        crate::diag!(
            "Warning: {} of {} span(s) not found in trace:\n{}",
            missing.len(),
            ids.len(),
            missing.join("\n")
        );
    }
    let wanted: Vec<(String, Option<String>)> = found
        .iter()
        .map(|(id, f)| {
            (
                id.clone(),
                f.span
                    .get("project_slug")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
        })
        .collect();
    let details: BTreeMap<String, Value> = shared::span_details(
        &api,
        &wanted,
        t.project.as_deref().unwrap_or_default(),
        &t.trace,
    );
    let mut spans = Vec::new();
    let mut trees = Vec::new();
    for (id, f) in &found {
        let s = f.span;
        let mut m = Map::new();
        let put = |m: &mut Map<String, Value>, k: &str, v: Option<&Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v.clone());
            }
        };
        put(&mut m, "span_id", s.get("span_id"));
        put(&mut m, "parent_span_id", s.get("parent_span_id"));
        m.insert("trace_id".into(), json!(t.trace));
        put(&mut m, "op", or(s.get("op"), s.get("transaction.op")));
        put(
            &mut m,
            "description",
            or(s.get("description"), s.get("transaction")),
        );
        put(&mut m, "start_timestamp", s.get("start_timestamp"));
        put(
            &mut m,
            "end_timestamp",
            or(s.get("end_timestamp"), s.get("timestamp")),
        );
        if let Some(d) = shared::span_duration(s) {
            m.insert("duration".into(), shared::num(d));
        }
        put(&mut m, "project_slug", s.get("project_slug"));
        put(&mut m, "transaction", s.get("transaction"));
        m.insert("depth".into(), json!(f.depth));
        m.insert(
            "ancestors".into(),
            Value::Array(f.ancestors.iter().map(|a| brief(a)).collect()),
        );
        m.insert(
            "children".into(),
            Value::Array(
                s.get("children")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(brief)
                    .collect(),
            ),
        );
        if let Some(d) = details.get(id) {
            let data = shared::custom_attributes(d);
            if !data.is_empty() {
                m.insert("data".into(), Value::Object(data));
            }
        }
        spans.push(Value::Object(m));
        let has_children = s
            .get("children")
            .and_then(Value::as_array)
            .is_some_and(|c| !c.is_empty());
        trees.push(if has_children {
            shared::span_tree_lines(&t.trace, std::slice::from_ref(s), args.spans)
        } else {
            Vec::new()
        });
    }
    emit(
        &SpanView {
            trace: t.trace,
            spans,
            trees,
        },
        &ctx.output,
    )?;
    Ok(0)
}
