//! Turning a `<feedback>` argument into the feedback issue and its org.
//!
//! The forms are those of `issue view` (numeric ID, short ID, `org/SHORT-ID`,
//! `org/project/suffix`, issue URLs), looked up the same way, plus `@latest`, which here means
//! the newest *unresolved feedback* rather than the newest issue. Whatever is found must be of
//! category `feedback`: acting on an error issue through `feedback resolve` would be a silent
//! surprise, so it is refused before any change.

use sentry_target::{IssueRef, Selector};
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::issue::ResolvedIssue;
use crate::target::Resolver;

/// `status:` filter of each mailbox (`all` has none). Sentry stores spam as `ignored`.
pub fn mailbox_filter(status: &str) -> Option<&'static str> {
    match status {
        "unresolved" => Some("status:unresolved"),
        "resolved" => Some("status:resolved"),
        "spam" => Some("status:ignored"),
        _ => None,
    }
}

/// The issue search query of a mailbox: the category, the status, then the user's query.
pub fn feedback_query(status: &str, user: Option<&str>) -> String {
    let user = user.map(str::trim).filter(|q| !q.is_empty());
    ["issue.category:feedback"]
        .into_iter()
        .chain(mailbox_filter(status))
        .chain(user)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Validates the argument without any request: malformed IDs and `@most_frequent` (which
/// means nothing for feedback) are exit 21.
pub fn parse(raw: &str) -> CliResult<IssueRef> {
    let parsed = crate::target::issue::parse(raw)?;
    if let IssueRef::Selector {
        which: Selector::MostFrequent,
        ..
    } = parsed
    {
        return Err(CliError::validation(
            "Feedback only supports @latest; @most_frequent is not meaningful for Feedback.",
        ));
    }
    Ok(parsed)
}

/// Finds the feedback `raw` names; `command` (`view`, `resolve`, …) words the hints.
pub fn find_feedback(r: &Resolver, raw: &str, command: &str) -> CliResult<ResolvedIssue> {
    let parsed = parse(raw)?;
    if let IssueRef::Selector { org, .. } = &parsed {
        return latest(r, org.as_deref(), command);
    }
    let numeric = match &parsed {
        IssueRef::Numeric { org, id } => Some((org.clone(), *id)),
        _ => None,
    };
    let found = r.resolve_parsed(&parsed, raw).map_err(|e| {
        if e.exit_code != exit::NOT_FOUND || !e.message.ends_with(" not found.") {
            return e;
        }
        // A numeric ID that matches nothing keeps 0.49's issue wording (it may be a suffix);
        // any other unknown ID names the feedback and where to list it.
        if let Some((org, id)) = &numeric {
            let scope = org
                .as_deref()
                .map(|o| format!(" in org '{o}'"))
                .unwrap_or_default();
            return CliError::new(
                exit::NOT_FOUND,
                format!(
                    "Issue {id} not found.\n\nTry:\n  sentry feedback {command} {raw}\n\nOr:\n  - No issue with numeric ID {id} found{scope} — you may not have access, or it may have been deleted.\n  - If this is a short ID suffix, try: sentry feedback {command} <project>-{id}"
                ),
            );
        }
        {
            CliError::new(
                exit::NOT_FOUND,
                format!(
                    "Feedback '{raw}' not found.\n\nTry:\n  sentry feedback {command} {raw}\n\nOr:\n  - List available Feedback: sentry feedback list"
                ),
            )
        }
    })?;
    if found.issue.get("issueCategory").and_then(Value::as_str) != Some("feedback") {
        let short = found.short_id();
        return Err(CliError::new(
            exit::NOT_FOUND,
            format!(
                "Issue '{short}' is not User Feedback.\n\nTry:\n  sentry issue view {}/{short}\n\nOr:\n  - Use a Feedback ID from: sentry feedback list",
                found.org
            ),
        ));
    }
    Ok(found)
}

/// `@latest`: the newest unresolved feedback of the org (named, else detected). The list
/// item is the result, as upstream uses it without a detail lookup.
fn latest(r: &Resolver, org: Option<&str>, command: &str) -> CliResult<ResolvedIssue> {
    let org = match org {
        Some(o) => o.to_string(),
        None => r
            .resolve_org(None)
            .map_err(|e| {
                if e.exit_code == exit::CONTEXT {
                    CliError::new(
                        exit::CONTEXT,
                        format!("Organization is required.\n\nSpecify it using:\n  sentry feedback {command} <org>/@latest"),
                    )
                } else {
                    e
                }
            })?
            .0,
    };
    let list: Vec<Value> = r
        .org(&org)?
        .issues()
        .query("query", feedback_query("unresolved", None))
        .query("limit", "1")
        .query("sort", "date")
        .query("collapse", "filtered")
        .query("collapse", "unhandled")
        .send_json()
        .map_err(api_error)?;
    let issue = list.into_iter().next().ok_or_else(|| {
        CliError::new(
            exit::NOT_FOUND,
            format!(
                "Selector '@latest' found no unresolved User Feedback.\n\nTry:\n  sentry feedback list {org}/ --status all\n\nOr:\n  - The @latest selector only matches unresolved Feedback."
            ),
        )
    })?;
    Ok(ResolvedIssue { org, issue })
}

/// The status commands (`resolve`, `unresolve`, `spam`): find the feedback (refusing other
/// issues before any change), `PUT /organizations/{org}/issues/{id}/` with `{status}`, and
/// show the server's answer; `summary` words the line from the short ID.
pub fn change_status(
    ctx: &Context,
    raw: &str,
    command: &str,
    status: &str,
    summary: impl Fn(&str) -> String,
) -> CliResult<i32> {
    parse(raw)?;
    ctx.route_to_target(Some(raw));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let found = find_feedback(&r, raw, command)?;
    let updated: Value = r
        .org(&found.org)?
        .update_issue(&found.id())
        .json(&serde_json::json!({ "status": status }))
        .map_err(api_error)?
        .send_json()
        .map_err(api_error)?;
    let short = crate::target::str_field(&updated, "shortId").unwrap_or_else(|| found.short_id());
    emit(
        &Changed {
            line: summary(&short),
            feedback: updated,
        },
        &ctx.output,
    )?;
    Ok(0)
}

/// The updated feedback (`--json`) and one line for a person.
struct Changed {
    line: String,
    feedback: Value,
}

impl Report for Changed {
    fn json(&self) -> Value {
        self.feedback.clone()
    }
    fn human(&self, out: &mut Human) -> std::io::Result<()> {
        out.line(&self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailbox_queries() {
        assert_eq!(
            feedback_query("unresolved", None),
            "issue.category:feedback status:unresolved"
        );
        assert_eq!(
            feedback_query("spam", Some(" url:*x* ")),
            "issue.category:feedback status:ignored url:*x*"
        );
        assert_eq!(feedback_query("all", Some("")), "issue.category:feedback");
    }

    #[test]
    fn most_frequent_is_refused_before_any_request() {
        assert_eq!(parse("@most_frequent").unwrap_err().exit_code, 21);
        assert!(parse("my-org/@latest").is_ok());
    }
}
