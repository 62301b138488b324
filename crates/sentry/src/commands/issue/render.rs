//! Human rendering shared by the issue, event, org and project commands: dates, counts and the
//! issue key/value box, in the layout of the official CLI.

use std::io;

use jiff::{tz::TimeZone, Timestamp};
use serde_json::Value;

use crate::output::Human;
use crate::target::str_field;

fn parse_ts(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok()
}

/// `5m ago`, `3h ago`, `2d ago`, or `Jan 15` for anything older than a month.
pub fn relative(ts: Option<&str>) -> String {
    let Some(t) = ts.and_then(parse_ts) else {
        return "-".to_string();
    };
    let secs = Timestamp::now().as_second() - t.as_second();
    let secs = secs.max(0);
    match secs {
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s if s < 30 * 86_400 => format!("{}d ago", s / 86_400),
        _ => t
            .to_zoned_datetime(TimeZone::system())
            .strftime("%b %-d")
            .to_string(),
    }
}

/// `11/25/2026, 9:43:36 PM` in the local time zone, like the official CLI's detail views.
pub fn datetime(ts: Option<&str>) -> String {
    match ts.and_then(parse_ts) {
        Some(t) => t
            .to_zoned_datetime(TimeZone::system())
            .strftime("%-m/%-d/%Y, %-I:%M:%S %p")
            .to_string(),
        None => "-".to_string(),
    }
}

/// 1234 → `1.2k`, 2500000 → `2.5M`.
pub fn abbreviate(v: Option<&Value>) -> String {
    let n = match v {
        Some(Value::String(s)) => s.parse::<f64>().ok(),
        Some(Value::Number(n)) => n.as_f64(),
        _ => None,
    };
    match n {
        None => "0".into(),
        Some(n) if n < 1000.0 => format!("{}", n as i64),
        Some(n) if n < 1_000_000.0 => trim_unit(n / 1000.0, "k"),
        Some(n) => trim_unit(n / 1_000_000.0, "M"),
    }
}

fn trim_unit(v: f64, unit: &str) -> String {
    let s = format!("{v:.1}");
    format!("{}{unit}", s.trim_end_matches(".0"))
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub fn text(v: &Value, key: &str) -> String {
    str_field(v, key).unwrap_or_default()
}

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
    fn counts_are_abbreviated() {
        assert_eq!(abbreviate(Some(&json!("12"))), "12");
        assert_eq!(abbreviate(Some(&json!(1234))), "1.2k");
        assert_eq!(abbreviate(Some(&json!(2000))), "2k");
        assert_eq!(abbreviate(Some(&json!(2_500_000))), "2.5M");
    }

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
