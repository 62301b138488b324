//! `sentry issue view <issue>`: the issue, its latest event (stack trace, tags) and trace spans.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::commands::event::render::{event_body, span_tree};
use crate::commands::issue::render::issue_box;
use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Issue: numeric ID, short ID (CLI-G), org/CLI-G, cli-G, G, @latest, or an issue URL
    pub issue: String,
    /// Open the issue in the browser instead
    #[arg(short = 'w', long)]
    pub web: bool,
    /// Span tree depth for the latest event's trace: a number, `all` or `no`
    #[arg(long, default_value = "3")]
    pub spans: String,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// `--spans n|all|no` → how many levels of the span tree to show (0 = skip the trace
/// request, `usize::MAX` = all).
pub fn parse_spans(s: &str) -> CliResult<usize> {
    match s.trim().to_ascii_lowercase().as_str() {
        "no" | "none" | "false" | "0" => Ok(0),
        "all" => Ok(usize::MAX),
        v => v.parse::<usize>().map_err(|_| {
            CliError::validation(format!(
                "Invalid --spans '{s}': use a number, 'all' or 'no'."
            ))
        }),
    }
}

struct IssueView {
    issue: Value,
    event: Value,
    org: String,
    replay_ids: Vec<Value>,
    trace: Value,
    trace_lines: Vec<String>,
}

impl Report for IssueView {
    fn json(&self) -> Value {
        let mut v = self.issue.clone();
        if let Some(m) = v.as_object_mut() {
            m.insert("event".into(), self.event.clone());
            m.insert("org".into(), Value::String(self.org.clone()));
            m.insert("replayIds".into(), Value::Array(self.replay_ids.clone()));
            m.insert("trace".into(), self.trace.clone());
        }
        v
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let i = &self.issue;
        let short = text(i, "shortId");
        out.heading(&format!("{short}: {}", text(i, "title")))?;
        out.blank()?;
        issue_box(out, i)?;
        if let Some(meta) = i.get("metadata") {
            if let Some(msg) = meta
                .get("value")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                out.blank()?;
                out.line("Message:")?;
                out.blank()?;
                out.line(format!("  {msg}"))?;
            }
            let file = text(meta, "filename");
            let func = text(meta, "function");
            if !file.is_empty() || !func.is_empty() {
                out.blank()?;
            }
            if !file.is_empty() {
                out.line(format!("File: {file}"))?;
            }
            if !func.is_empty() {
                out.line(format!("Function: {func}"))?;
            }
        }
        if !self.replay_ids.is_empty() {
            out.blank()?;
            out.line(format!("Replays: {}", self.replay_ids.len()))?;
        }
        if self.event.is_object() {
            // Directly under the issue block, as upstream prints it.
            let id = text(&self.event, "eventID");
            out.heading(&format!("Latest Event ({id})"))?;
            out.blank()?;
            event_body(out, &self.event)?;
            for l in &self.trace_lines {
                out.line(l)?;
            }
        }
        out.blank()?;
        // Only point at commands this CLI has (upstream suggests `issue explain`, which we lack).
        out.line(format!(
            "Tip: Use 'sentry issue events {short}' to list its events"
        ))
    }
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    let keep = parse_spans(&args.spans)?;
    crate::target::issue::parse(&args.issue)?;
    ctx.route_to_target(Some(&args.issue));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let found = r.resolve_issue(&args.issue)?;
    let id = found.id();
    if args.web {
        return crate::web::open(
            ctx,
            &crate::web::issue_url(client.base_url(), &found.org, &id),
        );
    }
    let org = found.org.clone();
    let api = r.org(&org)?;
    let replay_ids = api
        .replay_count()
        .query("data_source", "errors")
        .query("project", "-1")
        .query("query", format!("issue.id:[{id}]"))
        .query("returnIds", "true")
        .query("statsPeriod", "90d")
        .send_json::<Value>()
        .ok()
        .and_then(|v| v.get(&id).and_then(Value::as_array).cloned())
        .unwrap_or_default();
    let event = match api
        .latest_issue_event(&id)
        .query("collapse", "adjacentEvents")
        .send_json::<Value>()
    {
        Ok(v) => v,
        Err(e) if e.status() == Some(404) => Value::Null,
        Err(e) => return Err(api_error(e)),
    };
    let (trace, trace_lines) = if event.is_object() {
        let tree = span_tree(&r, &org, &event, keep);
        (tree.json, tree.lines)
    } else {
        (Value::Null, Vec::new())
    };
    emit(
        &IssueView {
            issue: found.issue,
            event,
            org,
            replay_ids,
            trace,
            trace_lines,
        },
        &ctx.output,
    )?;
    Ok(0)
}
