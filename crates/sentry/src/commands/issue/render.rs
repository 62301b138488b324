//! Human rendering of issues: the status label, triage line, subtitle and the issue
//! key/value box, in the layout of the official CLI. Formatting that is not about issues
//! (dates, counts) is in [`crate::output::format`].

use std::io;

use serde_json::Value;

use crate::output::format::{capitalize, datetime, text};
use crate::output::Human;
use crate::target::str_field;

/// `● Unresolved (New)` from `status` + `substatus`.
pub fn status_label(issue: &Value) -> String {
    let status = text(issue, "status");
    let main = match status.as_str() {
        "resolved" => "✓ Resolved".to_string(),
        "ignored" => "◌ Archived".to_string(),
        "unresolved" | "" => "● Unresolved".to_string(),
        other => format!("● {}", capitalize(other)),
    };
    match issue.get("substatus").and_then(Value::as_str) {
        Some(sub) if !sub.is_empty() => {
            let sub = match sub {
                "archived_until_escalating" => "Until escalating".to_string(),
                "archived_until_condition_met" => "Until condition met".to_string(),
                "archived_forever" => "Forever".to_string(),
                other => capitalize(&other.replace('_', " ")),
            };
            format!("{main} ({sub})")
        }
        _ => main,
    }
}

/// Priority plus Seer fixability (`High`, `High · 70% fixable`).
pub fn triage(issue: &Value) -> String {
    let p = capitalize(&text(issue, "priority"));
    match issue.get("seerFixabilityScore").and_then(Value::as_f64) {
        Some(f) => format!("{p} · {:.0}% fixable", f * 100.0),
        None => p,
    }
}

/// Subtitle under an issue title: the exception value, else the culprit.
pub fn subtitle(issue: &Value) -> String {
    let meta = issue.get("metadata");
    meta.and_then(|m| m.get("value"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| text(issue, "culprit"))
}

/// The key/value box of `issue view` and of the mutation commands.
pub fn issue_box(out: &mut Human, issue: &Value) -> io::Result<()> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut push = |k: &str, v: String| rows.push(vec![k.to_string(), v]);
    let status = status_label(issue);
    let painted = match issue.get("status").and_then(Value::as_str) {
        Some("resolved") => out.green(&status),
        Some("ignored") => out.dim(&status),
        _ => out.yellow(&status),
    };
    push("Status", painted);
    if let Some(p) = issue.get("priority").and_then(Value::as_str) {
        push("Priority", capitalize(p));
    }
    if let Some(f) = issue.get("seerFixabilityScore").and_then(Value::as_f64) {
        let label = if f >= 0.7 {
            "High"
        } else if f >= 0.4 {
            "Medium"
        } else {
            "Low"
        };
        push("Fixability", format!("{label} ({:.0}%)", f * 100.0));
    }
    let unhandled = issue.get("isUnhandled").and_then(Value::as_bool) == Some(true);
    push(
        "Level",
        format!(
            "{}{}",
            text(issue, "level"),
            if unhandled { " (unhandled)" } else { "" }
        ),
    );
    push("Platform", text(issue, "platform"));
    push("Type", text(issue, "type"));
    let assignee = issue
        .get("assignedTo")
        .filter(|a| !a.is_null())
        .map(|a| str_field(a, "name").unwrap_or_else(|| text(a, "email")))
        .unwrap_or_else(|| "Unassigned".into());
    push("Assignee", assignee);
    if let Some(p) = issue.get("project") {
        push(
            "Project",
            format!("{} ({})", text(p, "name"), text(p, "slug")),
        );
    }
    push("Events", text(issue, "count"));
    push("Users", text(issue, "userCount"));
    push(
        "First seen",
        datetime(issue.get("firstSeen").and_then(Value::as_str)),
    );
    push(
        "Last seen",
        datetime(issue.get("lastSeen").and_then(Value::as_str)),
    );
    let culprit = text(issue, "culprit");
    if !culprit.is_empty() {
        push("Culprit", culprit);
    }
    let link = text(issue, "permalink");
    if !link.is_empty() {
        push("Link", link);
    }
    out.table(None, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_labels() {
        assert_eq!(
            status_label(&json!({"status":"unresolved","substatus":"new"})),
            "● Unresolved (New)"
        );
        assert_eq!(
            status_label(&json!({"status":"ignored","substatus":"archived_forever"})),
            "◌ Archived (Forever)"
        );
        assert_eq!(status_label(&json!({"status":"resolved"})), "✓ Resolved");
    }
}
