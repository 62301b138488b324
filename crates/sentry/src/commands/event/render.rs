//! Human rendering of one event (used by `event view` and the "Latest Event" block of
//! `issue view`), in the layout upstream 0.49 prints: summary box, user, environment, request,
//! stack trace (with the exception mechanism and the source lines around each frame),
//! breadcrumbs and tags; then the span tree of the event's trace and its attachments.

use std::io;

use jiff::{tz::TimeZone, Timestamp};
use serde_json::{json, Value};

use crate::output::format::{datetime, text};
use crate::output::Human;
use crate::target::Resolver;

/// A non-empty string (numbers as text) at `key`.
fn s(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(x) if !x.is_empty() => Some(x.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first of `keys` that holds a value.
fn first(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| s(v, k))
}

/// Writes sections separated by exactly one blank line, however each section ends (a frame's
/// source lines end with a blank of their own).
struct Body<'a> {
    out: &'a mut Human,
    last_blank: bool,
}

impl Body<'_> {
    fn line(&mut self, s: impl AsRef<str>) -> io::Result<()> {
        self.last_blank = false;
        self.out.line(s)
    }
    fn blank(&mut self) -> io::Result<()> {
        if !self.last_blank {
            self.last_blank = true;
            self.out.blank()?;
        }
        Ok(())
    }
    fn table(&mut self, header: Option<&[&str]>, rows: Vec<Vec<String>>) -> io::Result<()> {
        self.last_blank = false;
        self.out.table(header, rows)
    }
    /// A bold section title with a blank line before and after.
    fn section(&mut self, title: &str) -> io::Result<()> {
        self.blank()?;
        let t = self.out.bold(title);
        self.line(t)?;
        self.blank()
    }
}

/// The entry of `type` in the event's `entries`.
fn entry<'e>(event: &'e Value, kind: &str) -> Option<&'e Value> {
    event
        .get("entries")?
        .as_array()?
        .iter()
        .find(|e| e.get("type").and_then(Value::as_str) == Some(kind))
}

/// Event body: everything below the heading.
pub fn event_body(out: &mut Human, event: &Value) -> io::Result<()> {
    event_body_linked(out, event, None)
}

/// [`event_body`], with the event's Session Replay linked on the server of `permalink` (a
/// Sentry web URL of the issue or feedback shown), as upstream links it.
pub fn event_body_linked(
    out: &mut Human,
    event: &Value,
    permalink: Option<&str>,
) -> io::Result<()> {
    let mut b = Body {
        out,
        last_blank: true,
    };
    summary(&mut b, event)?;
    user(&mut b, event)?;
    environment(&mut b, event)?;
    request(&mut b, event)?;
    stack_trace(&mut b, event)?;
    breadcrumbs(&mut b, event)?;
    replay(&mut b, event, permalink)?;
    if let Some(tags) = event
        .get("tags")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty())
    {
        let rows: Vec<Vec<String>> = tags
            .iter()
            .map(|t| vec![text(t, "key"), text(t, "value")])
            .collect();
        b.section("Tags")?;
        b.table(Some(&["Key", "Value"]), rows)?;
    }
    Ok(())
}

/// The replay the event names (`replay.id`/`replayId` tag, else `contexts.replay`).
fn replay(b: &mut Body, event: &Value, permalink: Option<&str>) -> io::Result<()> {
    let Some(id) = crate::commands::feedback::render::event_replay_id(event) else {
        return Ok(());
    };
    b.section("Replay")?;
    b.line(format!("ID: {id}"))?;
    let origin = permalink
        .and_then(|p| url::Url::parse(p).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null");
    if let Some(origin) = origin {
        b.line(format!("Link: {origin}/explore/replays/{id}/"))?;
    }
    Ok(())
}

fn summary(b: &mut Body, event: &Value) -> io::Result<()> {
    let mut rows = vec![vec!["Event ID".to_string(), text(event, "eventID")]];
    if let Some(received) = event.get("dateReceived").and_then(Value::as_str) {
        rows.push(vec!["Received".into(), datetime(Some(received))]);
    }
    if let Some(l) = s(event, "location") {
        rows.push(vec!["Location".into(), l]);
    }
    if let Some(t) = event
        .get("contexts")
        .and_then(|c| c.get("trace"))
        .and_then(|t| s(t, "trace_id"))
    {
        rows.push(vec!["Trace".into(), t]);
    }
    if let Some(sdk) = event.get("sdk").filter(|v| v.is_object()) {
        let (name, version) = (s(sdk, "name"), s(sdk, "version"));
        if name.is_some() || version.is_some() {
            let name = name.unwrap_or_else(|| "unknown".into());
            let label = match version {
                Some(v) => format!("{name} {v}"),
                None => name,
            };
            rows.push(vec!["SDK".into(), label]);
        }
    }
    if let Some(v) = event.get("release").and_then(|r| s(r, "shortVersion")) {
        rows.push(vec!["Release".into(), v]);
    }
    b.table(None, rows)
}

fn user(b: &mut Body, event: &Value) -> io::Result<()> {
    let Some(u) = event.get("user").filter(|u| u.is_object()) else {
        return Ok(());
    };
    let mut rows = Vec::new();
    for (label, key) in [
        ("Name", "name"),
        ("Email", "email"),
        ("Username", "username"),
        ("ID", "id"),
        ("IP", "ip_address"),
    ] {
        if let Some(v) = s(u, key) {
            rows.push(vec![label.to_string(), v]);
        }
    }
    if let Some(geo) = u.get("geo").filter(|g| g.is_object()) {
        let city = s(geo, "city");
        let mut parts = Vec::new();
        if let Some(c) = &city {
            parts.push(c.clone());
        }
        if let Some(r) = s(geo, "region").filter(|r| Some(r) != city.as_ref()) {
            parts.push(r);
        }
        if let Some(cc) = s(geo, "country_code") {
            parts.push(format!("({cc})"));
        }
        if !parts.is_empty() {
            rows.push(vec!["Location".into(), parts.join(", ")]);
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    b.section("User")?;
    b.table(None, rows)
}

fn environment(b: &mut Body, event: &Value) -> io::Result<()> {
    let Some(ctx) = event.get("contexts").filter(|c| c.is_object()) else {
        return Ok(());
    };
    let named = |c: &Value, unknown: &str| {
        let name = s(c, "name").unwrap_or_else(|| unknown.to_string());
        match s(c, "version") {
            Some(v) => format!("{name} {v}"),
            None => name,
        }
    };
    let mut rows = Vec::new();
    if let Some(c) = ctx.get("browser").filter(|c| c.is_object()) {
        rows.push(vec!["Browser".into(), named(c, "Unknown Browser")]);
    }
    if let Some(c) = ctx.get("os").filter(|c| c.is_object()) {
        rows.push(vec!["OS".into(), named(c, "Unknown OS")]);
    }
    if let Some(c) = ctx.get("device").filter(|c| c.is_object()) {
        let family = first(c, &["family", "model"]).unwrap_or_default();
        match s(c, "brand") {
            Some(brand) => rows.push(vec!["Device".into(), format!("{family} ({brand})")]),
            None if !family.is_empty() => rows.push(vec!["Device".into(), family]),
            None => {}
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    b.section("Environment")?;
    b.table(None, rows)
}

fn request(b: &mut Body, event: &Value) -> io::Result<()> {
    let Some(data) = entry(event, "request").and_then(|e| e.get("data")) else {
        return Ok(());
    };
    let Some(url) = s(data, "url") else {
        return Ok(());
    };
    b.section("Request")?;
    let method = s(data, "method").unwrap_or_else(|| "GET".into());
    b.line(format!("{method} {url}"))?;
    let user_agent = match data.get("headers") {
        Some(Value::Array(pairs)) => pairs.iter().find_map(|p| {
            let k = p.get(0)?.as_str()?;
            k.eq_ignore_ascii_case("user-agent")
                .then(|| p.get(1)?.as_str().map(str::to_string))?
        }),
        Some(Value::Object(m)) => m
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
            .and_then(|(_, v)| v.as_str().map(str::to_string)),
        _ => None,
    };
    if let Some(ua) = user_agent {
        b.line(format!("User-Agent: {}", clip(&ua, 100)))?;
    }
    Ok(())
}

/// `s` cut to `max` characters, the last three replaced by `...` when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        format!("{}...", s.chars().take(max - 3).collect::<String>())
    } else {
        s.to_string()
    }
}

fn stack_trace(b: &mut Body, event: &Value) -> io::Result<()> {
    let Some(exc) = entry(event, "exception") else {
        return Ok(());
    };
    let values = exc
        .get("data")
        .and_then(|d| d.get("values"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    b.section("Stack Trace")?;
    for v in &values {
        let kind = s(v, "type").unwrap_or_else(|| "Error".into());
        b.line(format!("{kind}: {}", s(v, "value").unwrap_or_default()))?;
        if let Some(m) = v.get("mechanism").filter(|m| m.is_object()) {
            let handled = if m.get("handled").and_then(Value::as_bool) == Some(true) {
                "handled"
            } else {
                "unhandled"
            };
            let kind = s(m, "type").unwrap_or_else(|| "unknown".into());
            b.line(format!("mechanism: {kind} ({handled})"))?;
        }
        b.blank()?;
        let frames = v
            .get("stacktrace")
            .and_then(|st| st.get("frames"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // Most recent call first.
        for f in frames.iter().rev() {
            frame(b, f)?;
        }
    }
    Ok(())
}

/// `at fn (file:line:col) [in-app]`, then the source lines around it, the frame's own line
/// marked with `>`.
fn frame(b: &mut Body, f: &Value) -> io::Result<()> {
    let func = s(f, "function").unwrap_or_else(|| "<anonymous>".into());
    let file = first(f, &["filename", "absPath", "abs_path"]).unwrap_or_else(|| "<unknown>".into());
    let line_no = f.get("lineNo").or_else(|| f.get("lineno"));
    let line = line_no
        .and_then(|_| first(f, &["lineNo", "lineno"]))
        .unwrap_or_else(|| "?".into());
    let col = first(f, &["colNo", "colno"]).unwrap_or_else(|| "?".into());
    let in_app = f
        .get("inApp")
        .or_else(|| f.get("in_app"))
        .and_then(Value::as_bool)
        == Some(true);
    b.line(format!(
        "at {func} ({file}:{line}:{col}){}",
        if in_app { " [in-app]" } else { "" }
    ))?;
    let context = f
        .get("context")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty());
    if let Some(context) = context {
        let this_line = line_no.and_then(Value::as_i64);
        b.blank()?;
        for c in context {
            let Some(n) = c.get(0).and_then(Value::as_i64) else {
                continue;
            };
            let code = c.get(1).and_then(Value::as_str).unwrap_or_default();
            let mark = if Some(n) == this_line { '>' } else { ' ' };
            b.line(format!("  {mark} {n:>6} | {code}"))?;
        }
        b.blank()?;
    }
    Ok(())
}

fn breadcrumbs(b: &mut Body, event: &Value) -> io::Result<()> {
    let crumbs = entry(event, "breadcrumbs")
        .and_then(|e| e.get("data"))
        .and_then(|d| d.get("values"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if crumbs.is_empty() {
        return Ok(());
    }
    let rows = crumbs
        .iter()
        .map(|c| {
            let time = c
                .get("timestamp")
                .and_then(Value::as_str)
                .and_then(|t| t.parse::<Timestamp>().ok())
                .map(|t| {
                    t.to_zoned_datetime(TimeZone::system())
                        .strftime("%-I:%M:%S %p")
                        .to_string()
                })
                .unwrap_or_else(|| "??:??:??".into());
            let level = s(c, "level").unwrap_or_else(|| "info".into());
            let category = s(c, "category").unwrap_or_else(|| "default".into());
            vec![
                time,
                level,
                cell(&category),
                cell(&clip(&crumb_message(c), 80)),
            ]
        })
        .collect();
    b.section("Breadcrumbs")?;
    b.table(Some(&["Time", "Level", "Category", "Message"]), rows)
}

/// A table cell: a `|` would read as a column border, so it becomes `│` as upstream shows it.
fn cell(s: &str) -> String {
    s.replace('|', "│")
}

/// The crumb's message, else a summary of its data (an HTTP call, a navigation, a console
/// call's first argument).
fn crumb_message(c: &Value) -> String {
    if let Some(m) = s(c, "message") {
        return m;
    }
    let Some(d) = c.get("data").filter(|d| d.is_object()) else {
        return String::new();
    };
    if let (Some(url), Some(method)) = (s(d, "url"), s(d, "method")) {
        let status = s(d, "status_code")
            .map(|st| format!(" → {st}"))
            .unwrap_or_default();
        return format!("{method} {url}{status}");
    }
    if let (Some(from), Some(to)) = (s(d, "from"), s(d, "to")) {
        return format!("{from} → {to}");
    }
    if let Some(arg) = d
        .get("arguments")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        let text = match arg {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        return text.chars().take(60).collect();
    }
    String::new()
}

/// The span tree of an event's trace: what `--json` carries as `trace` and the lines shown
/// under the event.
pub struct SpanTree {
    /// `{traceId, spans}` (spans cut to the depth asked for), or null when there is none.
    pub json: Value,
    pub lines: Vec<String>,
}

/// Root spans shown before the rest is summarised in one line.
const MAX_ROOT_SPANS: usize = 50;

/// Fetches the event's trace (`GET /organizations/{org}/trace/{id}/?timestamp=…`) and lays
/// out its spans down to `depth` levels (`usize::MAX` = all). `depth == 0` skips it all.
pub fn span_tree(r: &Resolver, org: &str, event: &Value, depth: usize) -> SpanTree {
    let none = |line: &str| SpanTree {
        json: Value::Null,
        lines: vec![String::new(), line.to_string()],
    };
    if depth == 0 {
        return SpanTree {
            json: Value::Null,
            lines: Vec::new(),
        };
    }
    let Some(trace_id) = event
        .get("contexts")
        .and_then(|c| c.get("trace"))
        .and_then(|t| s(t, "trace_id"))
    else {
        return none("No trace data available for this event.");
    };
    let Some(created) = event
        .get("dateCreated")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok())
    else {
        return none("No timestamp available to fetch span tree.");
    };
    // Seconds, with the milliseconds as a fraction when there are any.
    let ms = created.as_millisecond();
    let timestamp = if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{}", ms as f64 / 1000.0)
    };
    let fetched = r.org(org).map_err(|e| e.message).and_then(|api| {
        api.trace(&trace_id)
            .query("timestamp", timestamp)
            .send_json::<Value>()
            .map_err(|e| e.headline())
    });
    let spans: Vec<Value> = match fetched {
        Ok(Value::Array(a)) => a,
        Ok(Value::Object(m)) => m
            .get("spans")
            .or_else(|| m.get("transactions"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        Ok(_) => Vec::new(),
        Err(e) => {
            log::debug!("[span-tree] {e}");
            return none("Unable to fetch span tree for this event.");
        }
    };
    let mut lines = Vec::new();
    if !spans.is_empty() {
        lines.extend([
            String::new(),
            "─── Span Tree ───".to_string(),
            String::new(),
            format!("Trace — {trace_id}"),
        ]);
        let truncated = spans.len() > MAX_ROOT_SPANS;
        let shown = &spans[..spans.len().min(MAX_ROOT_SPANS)];
        for (i, sp) in shown.iter().enumerate() {
            span_lines(
                &mut lines,
                sp,
                "",
                !truncated && i + 1 == shown.len(),
                1,
                depth,
            );
        }
        if truncated {
            let more = spans.len() - MAX_ROOT_SPANS;
            lines.push(format!(
                "└─ ... {more} more root span{} ({} total). Use --json to see all.",
                if more == 1 { "" } else { "s" },
                spans.len()
            ));
        }
    }
    let spans = if depth == usize::MAX {
        spans
    } else {
        cut_depth(&spans, depth, 1)
    };
    SpanTree {
        json: json!({ "traceId": trace_id, "spans": spans }),
        lines,
    }
}

/// `├─ op — description  (duration)  span_id`, then the children down to `depth`.
fn span_lines(
    lines: &mut Vec<String>,
    sp: &Value,
    prefix: &str,
    last: bool,
    level: usize,
    depth: usize,
) {
    let op = first(sp, &["op", "transaction.op"]).unwrap_or_else(|| "unknown".into());
    let desc =
        first(sp, &["description", "transaction"]).unwrap_or_else(|| "(no description)".into());
    let mut line = format!("{prefix}{} {op} — {desc}", if last { "└─" } else { "├─" });
    if let Some(ms) = span_duration_ms(sp) {
        line.push_str(&format!("  ({})", pretty_ms(ms)));
    }
    line.push_str(&format!("  {}", s(sp, "span_id").unwrap_or_default()));
    lines.push(line);
    if level < depth {
        let children = sp
            .get("children")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let child_prefix = format!("{prefix}{}", if last { "   " } else { "│  " });
        for (i, c) in children.iter().enumerate() {
            span_lines(
                lines,
                c,
                &child_prefix,
                i + 1 == children.len(),
                level + 1,
                depth,
            );
        }
    }
}

/// `duration` (ms), else end minus start (seconds).
fn span_duration_ms(sp: &Value) -> Option<f64> {
    if let Some(d) = sp.get("duration").and_then(Value::as_f64) {
        return Some(d);
    }
    let end = ["end_timestamp", "timestamp"]
        .iter()
        .find_map(|k| sp.get(*k).and_then(Value::as_f64).filter(|v| *v != 0.0))?;
    let start = sp.get("start_timestamp").and_then(Value::as_f64)?;
    let ms = (end - start) * 1000.0;
    (ms >= 0.0).then_some(ms)
}

/// `350ms`, `1.2s`, `2m 5.3s`, `1h 2m 3s`: the compact duration style of upstream's span
/// tree (seconds keep one decimal, cut not rounded).
pub fn pretty_ms(ms: f64) -> String {
    if ms < 1000.0 {
        let v = if ms >= 1.0 { ms.round() } else { ms.ceil() };
        return format!("{v}ms");
    }
    // Whole milliseconds, so that 125.3 s shows as 5.3 s and not 5.29….
    let total = ms.round() as u64;
    let days = total / 86_400_000;
    let hours = total % 86_400_000 / 3_600_000;
    let minutes = total % 3_600_000 / 60_000;
    let tenths = total % 60_000 / 100;
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days}d"));
    }
    if hours > 0 {
        parts.push(format!("{hours}h"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes}m"));
    }
    if tenths > 0 || parts.is_empty() {
        let text = format!("{}.{}", tenths / 10, tenths % 10);
        parts.push(format!("{}s", text.trim_end_matches(".0")));
    }
    parts.join(" ")
}

/// The spans with children below `depth` levels removed (an emptied list stays, as `[]`).
fn cut_depth(spans: &[Value], depth: usize, level: usize) -> Vec<Value> {
    if level > depth {
        return Vec::new();
    }
    spans
        .iter()
        .map(|sp| {
            let mut sp = sp.clone();
            if let Some(children) = sp.get("children").and_then(Value::as_array).cloned() {
                sp["children"] = Value::Array(cut_depth(&children, depth, level + 1));
            }
            sp
        })
        .collect()
}

/// `• name (type, size) — id` per attachment, under an "Attachments" title.
pub fn attachment_lines(attachments: &[Value]) -> Vec<String> {
    if attachments.is_empty() {
        return Vec::new();
    }
    let mut lines = vec!["Attachments".to_string(), String::new()];
    for a in attachments {
        let mut details = Vec::new();
        if let Some(m) = s(a, "mimetype") {
            details.push(m);
        }
        if let Some(size) = a.get("size").and_then(Value::as_u64) {
            details.push(format_bytes(size));
        }
        let details = if details.is_empty() {
            String::new()
        } else {
            format!(" ({})", details.join(", "))
        };
        lines.push(format!(
            "• {}{details} — {}",
            text(a, "name"),
            text(a, "id")
        ));
    }
    lines
}

/// `512 B`, `3.3 KB`, `1.0 GB` (1024-based, one decimal).
pub fn format_bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let v = n as f64;
    if v < K {
        format!("{n} B")
    } else if v < K * K {
        format!("{:.1} KB", v / K)
    } else if v < K * K * K {
        format!("{:.1} MB", v / (K * K))
    } else {
        format!("{:.1} GB", v / (K * K * K))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(pretty_ms(0.4), "1ms");
        assert_eq!(pretty_ms(350.4), "350ms");
        assert_eq!(pretty_ms(1337.0), "1.3s");
        assert_eq!(pretty_ms(60_000.0), "1m");
        assert_eq!(pretty_ms(125_300.0), "2m 5.3s");
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(3_435_689), "3.3 MB");
        assert_eq!(format_bytes(1_073_741_824), "1.0 GB");
    }

    #[test]
    fn depth_cut_keeps_an_empty_child_list() {
        let spans = vec![
            json!({"span_id": "a", "children": [{"span_id": "b", "children": [{"span_id": "c"}]}]}),
        ];
        assert_eq!(
            cut_depth(&spans, 1, 1),
            vec![json!({"span_id": "a", "children": []})]
        );
        assert_eq!(
            cut_depth(&spans, 2, 1),
            vec![json!({"span_id": "a", "children": [{"span_id": "b", "children": []}]})]
        );
    }

    #[test]
    fn crumbs_summarise_their_data() {
        assert_eq!(
            crumb_message(&json!({"data": {"method": "GET", "url": "/x", "status_code": 200}})),
            "GET /x → 200"
        );
        assert_eq!(
            crumb_message(&json!({"data": {"from": "/a", "to": "/b"}})),
            "/a → /b"
        );
        assert_eq!(crumb_message(&json!({"message": "hi"})), "hi");
    }
}
