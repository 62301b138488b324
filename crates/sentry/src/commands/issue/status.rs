//! The one flow of the issue status changes (`issue resolve`, `issue unresolve`,
//! `issue archive`): check the argument, find the issue, `PUT` the new status, show the issue
//! as it now is. Each command supplies only the request body and its summary line.
//!
//! (`issue merge` is not one of them: it takes several issues, sends one bulk request and
//! reports the parent and children.)

use std::io;

use serde_json::Value;

use crate::commands::issue::render::issue_box;
use crate::context::{api_error, Context};
use crate::error::CliResult;
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::target::issue::ResolvedIssue;
use crate::target::Resolver;

/// A new status: the body of `PUT /organizations/{org}/issues/{id}/` and the line that
/// summarises it (`Resolved in release 1.2.3`).
pub type Change = (Value, String);

/// Changes the status of the issue `raw` names. A malformed argument fails (exit 21) before
/// any request; `change` runs once the issue is found and may look things up first (the
/// org's repositories for `resolve --in @commit`).
pub fn change_status(
    ctx: &Context,
    raw: &str,
    change: impl FnOnce(&Resolver, &ResolvedIssue) -> CliResult<Change>,
) -> CliResult<i32> {
    crate::target::issue::parse(raw)?;
    ctx.route_to_target(Some(raw));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let found = r.resolve_issue(raw)?;
    let (body, summary) = change(&r, &found)?;
    let issue = put_status(&r, &found, &body)?;
    emit(&StatusChange { summary, issue }, &ctx.output)?;
    Ok(0)
}

/// The result of a status change: a one-line summary and the updated issue.
struct StatusChange {
    summary: String,
    issue: Value,
}

impl Report for StatusChange {
    fn json(&self) -> Value {
        self.issue.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(out.green(&self.summary))?;
        out.blank()?;
        out.heading(&format!(
            "{}: {}",
            text(&self.issue, "shortId"),
            text(&self.issue, "title")
        ))?;
        out.blank()?;
        issue_box(out, &self.issue)
    }
}

/// `PUT /organizations/{org}/issues/{id}/` with `body`; returns the updated issue.
fn put_status(r: &Resolver, found: &ResolvedIssue, body: &Value) -> CliResult<Value> {
    let resp: Value = r
        .org(&found.org)?
        .update_issue(&found.id())
        .json(body)
        .map_err(api_error)?
        .send_json()
        .map_err(api_error)?;
    // Some servers answer with only the changed fields: show them over the issue we had.
    let mut merged = found.issue.clone();
    if let (Some(m), Some(changes)) = (merged.as_object_mut(), resp.as_object()) {
        for (k, v) in changes {
            m.insert(k.clone(), v.clone());
        }
    }
    Ok(merged)
}
