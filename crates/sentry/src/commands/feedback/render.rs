//! Human rendering of feedback, in the layout of the official CLI: cards on narrow terminals
//! (and when piped), a table from 100 columns on, and the detail view's key/value box,
//! message quote, latest event, other replays and attachments.

use std::io;

use serde_json::Value;

use crate::commands::event::render::{event_body_linked, format_bytes};
use crate::output::format::{relative, text};
use crate::output::Human;

/// Upstream switches from cards to a table at this terminal width.
const TABLE_MIN_WIDTH: u16 = 100;
/// Card messages are cut to this many characters (with an ellipsis).
const CARD_MESSAGE_MAX: usize = 160;
/// Replays listed under "Additional Replays" before "N more".
const MAX_REPLAYS: usize = 3;

fn meta_str(fb: &Value, key: &str) -> Option<String> {
    fb.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `Name <email>`, the name or the email alone, else "Anonymous User".
pub fn sender(fb: &Value) -> String {
    let flat = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = meta_str(fb, "name").map(flat);
    let email = meta_str(fb, "contact_email").map(flat);
    match (name, email) {
        (Some(n), Some(e)) if n != e => format!("{n} <{e}>"),
        (Some(n), _) => n,
        (None, Some(e)) => e,
        (None, None) => "Anonymous User".into(),
    }
}

/// The feedback text: `metadata.message`, else `value`, `title`, the issue title.
pub fn message(fb: &Value) -> String {
    meta_str(fb, "message")
        .or_else(|| meta_str(fb, "value"))
        .or_else(|| meta_str(fb, "title"))
        .unwrap_or_else(|| text(fb, "title"))
        .replace("\r\n", "\n")
}

fn one_line(s: &str) -> String {
    s.split('\n')
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Mailbox of a status: spam is stored as `ignored`.
pub fn status(out: &Human, fb: &Value) -> String {
    match fb.get("status").and_then(Value::as_str) {
        Some("ignored") => out.dim("Spam"),
        Some("resolved") => out.green("Resolved"),
        Some("unresolved") => out.yellow("Unresolved"),
        Some(other) => other.to_string(),
        None => "Unknown".into(),
    }
}

fn read(out: &Human, fb: &Value) -> String {
    match fb.get("hasSeen").and_then(Value::as_bool) {
        None => out.dim("Unknown"),
        Some(true) => out.dim("Read"),
        Some(false) => out.blue("Unread"),
    }
}

fn received(fb: &Value) -> String {
    relative(fb.get("firstSeen").and_then(Value::as_str))
}

fn project_slug(fb: &Value) -> String {
    fb.get("project")
        .and_then(|p| p.get("slug"))
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string()
}

/// The list: `Feedback in <title>` and a card per item, or a table on wide terminals.
pub fn list(out: &mut Human, title: &str, items: &[Value]) -> io::Result<()> {
    if out.width >= TABLE_MIN_WIDTH {
        out.line(format!("Feedback in {title}:"))?;
        out.blank()?;
        let rows = items
            .iter()
            .map(|fb| {
                vec![
                    text(fb, "shortId"),
                    received(fb),
                    sender(fb),
                    one_line(&message(fb)),
                    status(out, fb),
                    read(out, fb),
                    project_slug(fb),
                ]
            })
            .collect();
        // Upstream's column rules: minimum widths, the ID and status columns never narrowed,
        // over-long cells cut with `…`; its table text ends in a newline of its own.
        let mut t = crate::output::Table::new(
            Some(&[
                "ID", "RECEIVED", "FROM", "MESSAGE", "STATUS", "READ", "PROJECT",
            ]),
            rows,
        );
        t.min_widths = vec![8, 10, 12, 16, 8, 6, 7];
        t.fixed = vec![true, false, false, false, true, true, false];
        t.truncate = true;
        out.print_table(&t)?;
        return out.blank();
    }
    out.heading(&format!("Feedback in {title}"))?;
    for fb in items {
        out.blank()?;
        out.line(out.bold(&text(fb, "shortId")))?;
        out.blank()?;
        let mut msg = one_line(&message(fb));
        if msg.chars().count() > CARD_MESSAGE_MAX {
            msg = msg.chars().take(CARD_MESSAGE_MAX - 1).collect::<String>() + "…";
        }
        out.line(format!("• Received: {}", received(fb)))?;
        out.line(format!("• From: {}", sender(fb)))?;
        out.line(format!("• Message: {msg}"))?;
        out.line(format!("• Status: {}", status(out, fb)))?;
        out.line(format!("• Read: {}", read(out, fb)))?;
        out.line(format!("• Project: {}", project_slug(fb)))?;
    }
    Ok(())
}

/// The replay id an event names (tag `replayId`/`replay.id`, else `contexts.replay`).
pub fn event_replay_id(event: &Value) -> Option<String> {
    let tag = event
        .get("tags")
        .and_then(Value::as_array)
        .and_then(|tags| {
            tags.iter().find(|t| {
                matches!(
                    t.get("key").and_then(Value::as_str),
                    Some("replayId" | "replay.id")
                )
            })
        })
        .and_then(|t| t.get("value"))
        .and_then(Value::as_str);
    let ctx = event
        .get("contexts")
        .and_then(|c| c.get("replay"))
        .and_then(|r| r.get("replay_id"))
        .and_then(Value::as_str);
    [tag, ctx]
        .into_iter()
        .flatten()
        .find_map(normalize_replay_id)
}

/// A replay id as Sentry spells it: 32 lower-case hex digits (dashes dropped).
pub fn normalize_replay_id(raw: &str) -> Option<String> {
    let id: String = raw.trim().chars().filter(|c| *c != '-').collect();
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_ascii_lowercase())
}

/// Everything `feedback view` shows.
pub struct ViewParts<'a> {
    pub org: &'a str,
    pub feedback: &'a Value,
    pub event: &'a Value,
    pub replay_ids: &'a [String],
    pub attachments: &'a [Value],
}

fn feedback_url(event: &Value) -> Option<String> {
    let from_ctx = event
        .get("contexts")
        .and_then(|c| c.get("feedback"))
        .and_then(|f| f.get("url"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    from_ctx.map(str::to_string).or_else(|| {
        event
            .get("tags")
            .and_then(Value::as_array)?
            .iter()
            .find(|t| t.get("key").and_then(Value::as_str) == Some("url"))
            .and_then(|t| t.get("value"))
            .and_then(Value::as_str)
            .map(str::to_string)
    })
}

fn linked_event(v: &ViewParts) -> Option<String> {
    v.event
        .get("contexts")
        .and_then(|c| c.get("feedback"))
        .and_then(|f| f.get("associated_event_id"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| meta_str(v.feedback, "associated_event_id"))
}

pub fn view(out: &mut Human, v: &ViewParts) -> io::Result<()> {
    let fb = v.feedback;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut push = |k: &str, val: String| rows.push(vec![k.to_string(), val]);
    push("Status", status(out, fb));
    push("Read", read(out, fb));
    push("From", sender(fb));
    push("Received", received(fb));
    if let Some(p) = fb.get("project").filter(|p| p.is_object()) {
        let slug = text(p, "slug");
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| slug.clone());
        push("Project", format!("{name} ({slug})"));
    }
    if let Some(a) = fb
        .get("assignedTo")
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str)
    {
        push("Assignee", a.to_string());
    }
    if let Some(s) = meta_str(fb, "source") {
        push("Source", s);
    }
    if let Some(sdk) = fb.get("metadata").and_then(|m| m.get("sdk")) {
        let name = sdk
            .get("name_normalized")
            .and_then(Value::as_str)
            .or_else(|| sdk.get("name").and_then(Value::as_str));
        if let Some(n) = name {
            push("SDK", n.to_string());
        }
    }
    if let Some(url) = feedback_url(v.event) {
        push("URL", url);
    }
    if let Some(id) = linked_event(v) {
        let project = fb
            .get("project")
            .and_then(|p| p.get("slug"))
            .and_then(Value::as_str);
        let cmd = match project {
            Some(p) if !v.org.is_empty() => format!("sentry event view {}/{p}/{id}", v.org),
            _ => format!("sentry event view {id}"),
        };
        push("Linked error", cmd);
    }
    if fb.get("permalink").and_then(Value::as_str).is_some() {
        push("Sentry", "Open feedback".into());
    }
    out.heading(&format!("{}: User Feedback", text(fb, "shortId")))?;
    out.blank()?;
    out.table(None, rows)?;
    out.blank()?;
    out.line(out.bold("Message"))?;
    out.blank()?;
    for l in message(fb).split('\n') {
        out.line(format!("  {l}"))?;
    }
    if let Some(summary) = meta_str(fb, "summary") {
        out.blank()?;
        out.line(out.bold("Summary"))?;
        out.blank()?;
        out.line(summary)?;
    }
    if v.event.is_object() {
        out.blank()?;
        out.heading(&format!(
            "Latest Feedback Event ({})",
            text(v.event, "eventID")
        ))?;
        out.blank()?;
        event_body_linked(
            out,
            v.event,
            v.feedback.get("permalink").and_then(Value::as_str),
        )?;
    }
    let own = event_replay_id(v.event);
    let others: Vec<&String> = v
        .replay_ids
        .iter()
        .filter(|r| Some(*r) != own.as_ref())
        .collect();
    if !others.is_empty() {
        out.blank()?;
        out.line(out.bold("Additional Replays"))?;
        out.blank()?;
        for id in others.iter().take(MAX_REPLAYS) {
            let cmd = if v.org.is_empty() {
                format!("sentry replay view {id}")
            } else {
                format!("sentry replay view {}/{id}", v.org)
            };
            out.line(format!("• {id} ({cmd})"))?;
        }
        if others.len() > MAX_REPLAYS {
            out.line(format!("• {} more", others.len() - MAX_REPLAYS))?;
        }
    }
    if !v.attachments.is_empty() {
        out.blank()?;
        out.line(out.bold("Attachments"))?;
        out.blank()?;
        for a in v.attachments {
            let mut details = Vec::new();
            if let Some(m) = a.get("mimetype").and_then(Value::as_str) {
                details.push(m.to_string());
            }
            if let Some(size) = a.get("size").and_then(Value::as_u64) {
                details.push(format_bytes(size));
            }
            let details = if details.is_empty() {
                String::new()
            } else {
                format!(" ({})", details.join(", "))
            };
            out.line(format!(
                "• {}{details} — {}",
                text(a, "name"),
                text(a, "id")
            ))?;
        }
    }
    Ok(())
}

/// A query value as a shell word: bare when safe, else double-quoted.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@*".contains(&b))
    {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn senders() {
        let fb = |m: Value| json!({ "metadata": m });
        assert_eq!(
            sender(&fb(json!({"name":"Ada","contact_email":"a@x.io"}))),
            "Ada <a@x.io>"
        );
        assert_eq!(sender(&fb(json!({"contact_email":"a@x.io"}))), "a@x.io");
        assert_eq!(sender(&fb(json!({}))), "Anonymous User");
    }

    #[test]
    fn replay_ids_from_tags_or_context() {
        let ev =
            json!({"tags":[{"key":"replay.id","value":"346789A7-03f6-4543-84f1-de473b8b9fcc"}]});
        assert_eq!(
            event_replay_id(&ev).as_deref(),
            Some("346789a703f6454384f1de473b8b9fcc")
        );
        let ev = json!({"contexts":{"replay":{"replay_id":"346789a703f6454384f1de473b8b9fcc"}}});
        assert!(event_replay_id(&ev).is_some());
        assert_eq!(event_replay_id(&json!({})), None);
    }
}
