//! Human rendering of one event (used by `event view` and the "Latest Event" block of
//! `issue view`): summary box, user, environment, stack trace, tags and the span list.

use std::io;

use serde_json::Value;

use crate::commands::issue::render::{datetime, text};
use crate::output::Human;

fn s(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(x) if !x.is_empty() => Some(x.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Event body: everything below the heading.
pub fn event_body(out: &mut Human, event: &Value) -> io::Result<()> {
    let mut rows = vec![
        vec!["Event ID".to_string(), text(event, "eventID")],
        vec![
            "Received".to_string(),
            datetime(
                event
                    .get("dateReceived")
                    .or_else(|| event.get("dateCreated"))
                    .and_then(Value::as_str),
            ),
        ],
    ];
    if let Some(l) = s(event, "location").or_else(|| s(event, "culprit")) {
        rows.push(vec!["Location".into(), l]);
    }
    if let Some(r) = event.get("release") {
        if let Some(v) = s(r, "version").or_else(|| r.as_str().map(str::to_string)) {
            rows.push(vec!["Release".into(), v]);
        }
    }
    out.table(None, rows)?;

    if let Some(user) = event.get("user").filter(|u| u.is_object()) {
        let mut rows = Vec::new();
        for (label, key) in [
            ("Email", "email"),
            ("Username", "username"),
            ("ID", "id"),
            ("IP", "ip_address"),
        ] {
            if let Some(v) = s(user, key) {
                rows.push(vec![label.to_string(), v]);
            }
        }
        if !rows.is_empty() {
            out.blank()?;
            out.line(out.bold("User"))?;
            out.blank()?;
            out.table(None, rows)?;
        }
    }

    if let Some(ctx) = event.get("contexts").filter(|c| c.is_object()) {
        let mut rows = Vec::new();
        for (label, key) in [
            ("Browser", "browser"),
            ("OS", "os"),
            ("Device", "device"),
            ("Runtime", "runtime"),
        ] {
            if let Some(c) = ctx.get(key) {
                let name = s(c, "name").or_else(|| s(c, "model"));
                if let Some(name) = name {
                    let v = match s(c, "version") {
                        Some(ver) => format!("{name} {ver}"),
                        None => name,
                    };
                    rows.push(vec![label.to_string(), v]);
                }
            }
        }
        if !rows.is_empty() {
            out.blank()?;
            out.line(out.bold("Environment"))?;
            out.blank()?;
            out.table(None, rows)?;
        }
    }

    stack_trace(out, event)?;

    if let Some(tags) = event
        .get("tags")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty())
    {
        let rows: Vec<Vec<String>> = tags
            .iter()
            .map(|t| vec![text(t, "key"), text(t, "value")])
            .collect();
        out.blank()?;
        out.line(out.bold("Tags"))?;
        out.blank()?;
        out.table(Some(&["Key", "Value"]), rows)?;
    }
    Ok(())
}

fn stack_trace(out: &mut Human, event: &Value) -> io::Result<()> {
    let Some(entries) = event.get("entries").and_then(Value::as_array) else {
        return Ok(());
    };
    let Some(exc) = entries
        .iter()
        .find(|e| e.get("type").and_then(Value::as_str) == Some("exception"))
    else {
        return Ok(());
    };
    let values = exc
        .get("data")
        .and_then(|d| d.get("values"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if values.is_empty() {
        return Ok(());
    }
    out.blank()?;
    out.line(out.bold("Stack Trace"))?;
    for v in &values {
        out.blank()?;
        out.line(format!("{}: {}", text(v, "type"), text(v, "value")))?;
        let frames = v
            .get("stacktrace")
            .and_then(|st| st.get("frames"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        out.blank()?;
        // Most recent call first.
        for f in frames.iter().rev() {
            let func = s(f, "function").unwrap_or_else(|| "?".into());
            let file = s(f, "filename")
                .or_else(|| s(f, "absPath"))
                .or_else(|| s(f, "module"))
                .unwrap_or_else(|| "?".into());
            let line = s(f, "lineNo")
                .or_else(|| s(f, "lineno"))
                .unwrap_or_else(|| "?".into());
            let col = s(f, "colNo")
                .or_else(|| s(f, "colno"))
                .unwrap_or_else(|| "?".into());
            let in_app = f
                .get("inApp")
                .or_else(|| f.get("in_app"))
                .and_then(Value::as_bool)
                == Some(true);
            out.line(format!(
                "at {func} ({file}:{line}:{col}){}",
                if in_app { " [in-app]" } else { "" }
            ))?;
            if let Some(ctx) = f.get("context").and_then(Value::as_array) {
                let this_line = f.get("lineNo").and_then(Value::as_i64);
                for c in ctx {
                    let (Some(n), Some(code)) = (
                        c.get(0).and_then(Value::as_i64),
                        c.get(1).and_then(Value::as_str),
                    ) else {
                        continue;
                    };
                    if Some(n) == this_line {
                        out.blank()?;
                        out.line(format!("  > {n:>6} | {code}"))?;
                        out.blank()?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The span list of a trace, or the "no trace data" note.
pub fn trace_block(out: &mut Human, trace: Option<&Value>) -> io::Result<()> {
    out.blank()?;
    let spans = trace
        .and_then(|t| t.get("spans"))
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty());
    let Some(spans) = spans else {
        return out.line("No trace data available for this event.");
    };
    let trace_id = trace.map(|t| text(t, "traceId")).unwrap_or_default();
    out.line(out.bold(&format!("Trace {trace_id}")))?;
    out.blank()?;
    for sp in spans {
        let op = s(sp, "op")
            .or_else(|| s(sp, "transaction"))
            .unwrap_or_else(|| "span".into());
        let desc = s(sp, "description")
            .or_else(|| s(sp, "transaction"))
            .unwrap_or_default();
        let dur = sp
            .get("duration")
            .and_then(Value::as_f64)
            .map(|d| format!(" ({d:.0}ms)"))
            .unwrap_or_default();
        out.line(format!("  {op} — {desc}{dur}"))?;
    }
    Ok(())
}
