//! User Feedback: envelope `feedback` items (the SDKs' feedback widget and `captureFeedback`)
//! and the older `user_report` items, turned into feedback issues as Sentry does.
//!
//! Sentry does not group feedback: every submission becomes its own issue of category
//! `feedback` (type `feedback`, serialized `type: "generic"` like every issue-platform group),
//! titled "User Feedback", level `info`, priority medium, with the message, name and email in
//! the issue metadata. Its event is the feedback event itself (`contexts.feedback`), so the
//! issue's `events/latest/` answers what `sentry feedback view` shows. A `user_report` (name,
//! email, comments about an error event) becomes the same kind of issue, linked to that error
//! through `associated_event_id`, as Sentry's shim does.

use serde_json::{json, Map, Value};

use crate::grouping::GroupInfo;

/// Internal marker stored in `groups.event_type` for feedback issues.
pub const FEEDBACK_TYPE: &str = "feedback";

/// Sentry's `PriorityLevel.MEDIUM`, the default priority of feedback issues.
const MEDIUM_PRIORITY: i64 = 50;

fn non_empty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The feedback event of a `user_report` item (`{event_id, name, email, comments}`), with a
/// fresh event id: the report's own `event_id` names the error it is about.
pub fn event_from_user_report(report: &Map<String, Value>, received_ms: i64) -> Map<String, Value> {
    let mut feedback = Map::new();
    feedback.insert(
        "message".into(),
        Value::from(non_empty(report.get("comments")).unwrap_or_default()),
    );
    if let Some(email) = non_empty(report.get("email")) {
        feedback.insert("contact_email".into(), Value::from(email));
    }
    if let Some(name) = non_empty(report.get("name")) {
        feedback.insert("name".into(), Value::from(name));
    }
    if let Some(id) = report
        .get("event_id")
        .and_then(Value::as_str)
        .and_then(crate::envelope::normalize_event_id)
    {
        feedback.insert("associated_event_id".into(), Value::from(id));
    }
    let mut ev = Map::new();
    ev.insert("event_id".into(), Value::from(crate::db::random_hex(16)));
    ev.insert("type".into(), Value::from("feedback"));
    ev.insert("platform".into(), Value::from("other"));
    ev.insert("level".into(), Value::from("info"));
    ev.insert("timestamp".into(), Value::from(received_ms as f64 / 1000.0));
    ev.insert(
        "contexts".into(),
        json!({"feedback": Value::Object(feedback)}),
    );
    ev
}

/// The issue of one feedback event. `source` is Sentry's `metadata.source`
/// (`new_feedback_envelope` for `feedback` items, `user_report_envelope` for user reports).
pub fn group_info(ev: &Map<String, Value>, event_id: &str, source: &str) -> GroupInfo {
    let fb = ev
        .get("contexts")
        .and_then(|c| c.get("feedback"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let message = non_empty(fb.get("message")).unwrap_or_default();
    let mut metadata = json!({
        "title": "User Feedback",
        "value": message,
        "message": message,
        "source": source,
        "initial_priority": MEDIUM_PRIORITY,
    });
    for key in ["contact_email", "name", "associated_event_id"] {
        if let Some(v) = non_empty(fb.get(key)) {
            metadata[key] = Value::from(v);
        }
    }
    if let Some(name) = non_empty(ev.get("sdk").and_then(|s| s.get("name"))) {
        let normalized = name
            .strip_prefix("sentry.")
            .map(|rest| rest.replace('.', "-"))
            .unwrap_or_else(|| name.clone());
        metadata["sdk"] = json!({"name": name, "name_normalized": normalized});
    }
    let platform = non_empty(ev.get("platform")).unwrap_or_else(|| "other".into());
    GroupInfo {
        // Never grouped: one issue per submission.
        hash: format!("feedback:{event_id}"),
        title: "User Feedback".into(),
        culprit: "user".into(),
        event_type: FEEDBACK_TYPE.into(),
        metadata,
        level: "info".into(),
        platform,
        message,
        location: None,
        is_unhandled: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_item_metadata() {
        let ev = json!({
            "platform": "javascript",
            "sdk": {"name": "sentry.javascript.browser"},
            "contexts": {"feedback": {"message": "Checkout broken", "name": "Ada", "contact_email": "ada@example.com"}}
        });
        let info = group_info(ev.as_object().unwrap(), "ab", "new_feedback_envelope");
        assert_eq!(info.title, "User Feedback");
        assert_eq!(info.hash, "feedback:ab");
        assert_eq!(info.metadata["message"], "Checkout broken");
        assert_eq!(info.metadata["contact_email"], "ada@example.com");
        assert_eq!(
            info.metadata["sdk"]["name_normalized"],
            "javascript-browser"
        );
        assert_eq!(info.platform, "javascript");
    }

    #[test]
    fn user_report_becomes_feedback() {
        let r = json!({"event_id": "0123456789abcdef0123456789abcdef", "name": "Bo", "email": "bo@x.io", "comments": "It crashed"});
        let ev = event_from_user_report(r.as_object().unwrap(), 1_000);
        let fb = &ev["contexts"]["feedback"];
        assert_eq!(fb["message"], "It crashed");
        assert_eq!(
            fb["associated_event_id"],
            "0123456789abcdef0123456789abcdef"
        );
        assert_ne!(ev["event_id"], r["event_id"]);
    }
}
