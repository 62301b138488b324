//! `sentry event view [<org>/<project>] <event-id> [...]`: one or more events with their stack
//! trace, span tree and attachments.
//!
//! The first ID may be shortened (`a1b2c3d4`, `a1b2…8f90`): with an explicit `<org>/<project>`
//! it is looked up among the project's events of the last 90 days and used when exactly one
//! matches (a warning names the full ID). Without a target the org and project come from
//! settings, DSNs, the directory name or "your only project"; failing those, the event is
//! searched in every org, and only then is it exit 22.

use std::io;

use clap::Args;
use sentry_target::{parse_event_id, parse_target, EventIdInput, EventIdRefusal, Partial, Target};
use serde_json::Value;

use crate::commands::event::render::{attachment_lines, event_body, span_tree};
use crate::commands::issue::view::parse_spans;
use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::target::{auto_detect_failed, failed_to, Guess, Resolver, Scope};

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// `[<org>/<project>] <event-id>...`, or `<org>/<project>/<event-id>`; the first ID may
    /// be shortened to 8+ hex digits when the project is given
    #[arg(required = true, num_args = 1..)]
    pub args: Vec<String>,
    /// Open the event in the browser instead
    #[arg(short = 'w', long)]
    pub web: bool,
    /// Span tree depth: a number, `all` or `no`
    #[arg(long, default_value = "3")]
    pub spans: String,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// A 32-hex event ID (UUID dashes allowed), normalised to lower-case without dashes.
pub fn event_id(s: &str) -> Option<String> {
    match parse_event_id(s) {
        Ok(EventIdInput::Exact(id)) => Some(id),
        _ => None,
    }
}

/// How long ago a shortened ID is looked for (upstream's window for events).
const PREFIX_SCAN_PERIOD: &str = "90d";
/// Most candidates listed when a shortened ID matches several events.
const MAX_CANDIDATES: usize = 5;

/// One event to show, with what was fetched around it.
struct Shown {
    event: Value,
    trace: Value,
    trace_lines: Vec<String>,
    attachments: Vec<Value>,
}

struct EventView {
    events: Vec<Shown>,
    /// More than one ID was asked for: JSON is an array even if some failed.
    several: bool,
    hints: Vec<String>,
}

impl Report for EventView {
    fn json(&self) -> Value {
        let items: Vec<Value> = self
            .events
            .iter()
            .map(|e| {
                let mut v = e.event.clone();
                if let Some(m) = v.as_object_mut() {
                    m.insert("trace".into(), e.trace.clone());
                    m.insert("attachments".into(), Value::Array(e.attachments.clone()));
                }
                v
            })
            .collect();
        if !self.several && items.len() == 1 {
            items.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(items)
        }
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        for (i, e) in self.events.iter().enumerate() {
            if i > 0 {
                out.blank()?;
                out.line("---")?;
                out.blank()?;
            }
            out.heading(&format!("Event {}", text(&e.event, "eventID")))?;
            out.blank()?;
            event_body(out, &e.event)?;
            for l in &e.trace_lines {
                out.line(l)?;
            }
            for l in attachment_lines(&e.attachments) {
                out.line(l)?;
            }
        }
        if !self.hints.is_empty() {
            out.blank()?;
            out.line(self.hints.join(" | "))?;
        }
        Ok(())
    }
}

/// The positionals as `(target, first ID as typed, further IDs)`.
///
/// One argument: `<id>`, `<org>/<project>/<id>`, `<project>/<id>` or an event URL
/// (`<org>/<project>` alone lacks the ID, exit 22). Several: a target first
/// (unless the first is already a full ID), or an ID first and the target after it (warned).
fn split_args(args: &[String]) -> CliResult<(Option<String>, String, Vec<String>)> {
    let required = || {
        CliError::new(
            exit::CONTEXT,
            "An event ID is required: sentry event view [<org>/<project>] <event-id>",
        )
    };
    let single = |a: &str| -> CliResult<(Option<String>, String)> {
        if event_id(a).is_some() {
            return Ok((None, a.to_string()));
        }
        // An event URL names the org and the event (not the project).
        if let Ok(Target::Url { org, event, .. }) = parse_target(a) {
            return match (org, event) {
                (Some(org), Some(event)) => Ok((Some(format!("{org}/")), event)),
                _ => Err(required()),
            };
        }
        match a.split('/').collect::<Vec<_>>().as_slice() {
            [one] => Ok((None, (*one).to_string())),
            [_, ""] | [_, _, ""] => Err(required()),
            // `<project>/<id>` when the second part can be an ID; `<org>/<project>` (no ID)
            // otherwise.
            [project, id] if parse_event_id(id).is_ok() => {
                Ok((Some((*project).to_string()), (*id).to_string()))
            }
            [_, _] => Err(required()),
            [org, project, id] => Ok((Some(format!("{org}/{project}")), (*id).to_string())),
            // Deeper paths: the last segment is the ID, the rest the target (refused later
            // if it is not one).
            [rest @ .., id] => Ok((Some(rest.join("/")), (*id).to_string())),
            [] => Err(required()),
        }
    };
    let (first, rest) = args.split_first().ok_or_else(required)?;
    if rest.is_empty() || first.matches('/').count() >= 2 {
        let (target, id) = single(first)?;
        return Ok((target, id, rest.to_vec()));
    }
    // `<id> <org>/<project>`: the target came second.
    if !first.contains('/') && rest[0].contains('/') {
        crate::diag!(
            "Warning: Arguments appear reversed. Interpreting as: {} {first}",
            rest[0]
        );
        return Ok((Some(rest[0].clone()), first.clone(), rest[1..].to_vec()));
    }
    if event_id(first).is_some() {
        return Ok((None, first.clone(), rest.to_vec()));
    }
    Ok((Some(first.clone()), rest[0].clone(), rest[1..].to_vec()))
}

/// `sentry event view <org>/<project>/<id>` with what is known filled in.
fn canonical(org: &str, project: Option<&str>) -> String {
    format!(
        "sentry event view {}/{}/<id>",
        if org.is_empty() { "<org>" } else { org },
        project.unwrap_or("<project>")
    )
}

/// The validation error for an unusable ID (exit 21): what was given, an example, a guess at
/// what it was, and why no lookup was tried.
fn invalid_id(raw: &str, why: Option<&str>) -> CliError {
    let (headline, mut more) = sentry_target::event_id::invalid_message(raw);
    if let Some(w) = why {
        more.push_str("\n\n");
        more.push_str(w);
    }
    CliError::validation(headline).with_hint(more)
}

/// The org and project a shortened ID may be looked up in: only what the user named.
fn lookup_scope(target: Option<&str>) -> (String, Option<String>) {
    match target.map(parse_target) {
        Some(Ok(Target::Explicit { org, project })) => (org, Some(project)),
        Some(Ok(Target::OrgAll { org })) => (org, None),
        _ => (String::new(), None),
    }
}

/// The error for an ID argument that cannot identify an event (no lookup is tried).
fn refusal_error(raw: &str, refusal: EventIdRefusal, target: Option<&str>) -> CliError {
    let (org, project) = lookup_scope(target);
    match refusal {
        EventIdRefusal::Leftover(v) => invalid_id(
            raw,
            Some(&format!(
                "'{v}' is not a hex event ID — this often means a shell variable or pipeline value was empty."
            )),
        ),
        EventIdRefusal::OverNested => invalid_id(
            raw,
            Some("Use exactly <org>/<project>/<id>; extra path segments are not supported."),
        ),
        EventIdRefusal::TooShort => invalid_id(
            raw,
            Some(&format!(
                "Need at least {} hex chars of the event ID to attempt recovery.",
                sentry_target::event_id::MIN_PREFIX
            )),
        ),
        EventIdRefusal::LooksLikeSlug => CliError::new(
            exit::NOT_FOUND,
            format!("Event '{raw}' is not a valid ID."),
        )
        .with_hint(format!(
            "Try:\n  {}\n\nOr:\n  - '{raw}' looks like a project slug, not a event ID. Try: sentry issue list {}/{raw}",
            canonical(&org, project.as_deref()),
            if org.is_empty() { "<org>" } else { &org }
        )),
    }
}

/// Turns the classified first ID into a full event ID: as given, cleaned (with a warning),
/// or looked up by prefix among the named project's recent events.
fn first_event_id(
    r: &Resolver,
    target: Option<&str>,
    raw: &str,
    parsed: EventIdInput,
) -> CliResult<String> {
    let (org, project) = lookup_scope(target);
    let partial = match parsed {
        EventIdInput::Exact(id) => return Ok(id),
        EventIdInput::Cleaned { id, removed } => {
            crate::diag!("Warning: Stripped trailing '{removed}' from event ID. Using {id}.");
            return Ok(id);
        }
        EventIdInput::Partial(p) => p,
    };
    let command = canonical(&org, project.as_deref());
    let matches = match &project {
        Some(p) => match scan_event_ids(r, &org, p, &partial)? {
            Some(m) => m,
            // The lookup itself failed: report the ID as invalid, as without the lookup.
            None => return Err(invalid_id(raw, None)),
        },
        // Without a named project there is nothing to scan.
        None => Vec::new(),
    };
    match matches.as_slice() {
        [id] => {
            crate::diag!(
                "Warning: Interpreting '{raw}' as event {id} (matched prefix {}).",
                partial.display()
            );
            Ok(id.clone())
        }
        [] => Err(CliError::new(exit::NOT_FOUND, format!("Event '{raw}' not found.")).with_hint(
            format!(
                "Try:\n  {command}\n\nOr:\n  - No event matched this prefix in the last {PREFIX_SCAN_PERIOD}. Sentry cannot search by a partial event ID — pass the full 32-character ID printed by `sentry event list`."
            ),
        )),
        many => {
            let shown = &many[..many.len().min(MAX_CANDIDATES)];
            let list: Vec<String> = shown
                .iter()
                .map(|id| format!("  - {}", command.replace("<id>", id)))
                .collect();
            Err(CliError::new(
                exit::NOT_FOUND,
                format!("Event prefix '{raw}' matches {} events.", shown.len()),
            )
            .with_hint(format!(
                "Try:\n  Re-run with more characters or the full ID: {command}\n\nOr:\n{}",
                list.join("\n")
            )))
        }
    }
}

/// The IDs of the project's error events of the last 90 days (newest first, one page of
/// 100) that fit `partial`; `None` when the lookup failed for a reason other than the
/// credentials (which are reported as such).
fn scan_event_ids(
    r: &Resolver,
    org: &str,
    project: &str,
    partial: &Partial,
) -> CliResult<Option<Vec<String>>> {
    let sent = r
        .org(org)?
        .events()
        .query("dataset", "errors")
        .query("field", "id")
        .query("query", format!("project:{project}"))
        .query("sort", "-timestamp")
        .query("per_page", "100")
        .query("statsPeriod", PREFIX_SCAN_PERIOD)
        .send_json::<Value>();
    let v = match sent {
        Ok(v) => v,
        Err(e) if e.status() == Some(401) => return Err(api_error(e)),
        Err(e) => {
            log::debug!("[event.view] prefix lookup failed: {}", e.headline());
            return Ok(None);
        }
    };
    let mut out: Vec<String> = Vec::new();
    for row in v
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(id) = row.get("id").and_then(Value::as_str) {
            let id = id.to_lowercase();
            if partial.matches(&id) && !out.contains(&id) {
                out.push(id);
            }
        }
    }
    Ok(Some(out))
}

/// `GET /organizations/{org}/eventids/{id}/` → (org, project, event); `None` on 404.
fn event_in_org(r: &Resolver, org: &str, id: &str) -> CliResult<Option<(String, String, Value)>> {
    match r.org(org)?.event_id(id).send_json::<Value>() {
        Ok(v) => {
            let org = crate::target::str_field(&v, "organizationSlug").unwrap_or(org.to_string());
            let project = text(&v, "projectSlug");
            let event = v.get("event").cloned().unwrap_or(Value::Null);
            Ok(Some((org, project, event)))
        }
        Err(e) if e.status() == Some(404) => Ok(None),
        Err(e) => Err(api_error(e)),
    }
}

/// The event in any org the token can see (except `skip`), first found wins.
fn event_anywhere(
    r: &Resolver,
    id: &str,
    skip: Option<&str>,
) -> CliResult<Option<(String, String, Value)>> {
    for org in r.org_slugs()? {
        if Some(org.as_str()) == skip {
            continue;
        }
        if let Some(hit) = event_in_org(r, &org, id)? {
            return Ok(Some(hit));
        }
    }
    Ok(None)
}

/// The event in `org/project`; when it is not there, elsewhere in the org and then in any
/// org (with a warning saying where), else exit 23.
fn project_event(
    r: &Resolver,
    org: &str,
    project: &str,
    id: &str,
) -> CliResult<(String, String, Value)> {
    match r
        .org(org)?
        .project_event(project, id)
        .query("collapse", "adjacentEvents")
        .send_json::<Value>()
    {
        Ok(v) => return Ok((org.to_string(), project.to_string(), v)),
        Err(e) if e.status() == Some(404) => {}
        Err(e) => return Err(failed_to("get event", e)),
    }
    // Best effort: a failing fallback must not hide the "not found" below (401s aside).
    let keep_auth = |e: CliError| -> CliResult<Option<(String, String, Value)>> {
        match e.api.as_ref().map(|a| a.status) {
            Some(401) => Err(e),
            _ => Ok(None),
        }
    };
    let same_org = event_in_org(r, org, id).or_else(keep_auth)?;
    if let Some((o, p, ev)) = same_org {
        crate::diag!("Warning: Event not found in {org}/{project}, but found in {o}/{p}.");
        return Ok((o, p, ev));
    }
    let elsewhere = event_anywhere(r, id, Some(org)).or_else(keep_auth)?;
    if let Some((o, p, ev)) = elsewhere {
        crate::diag!("Warning: Event not found in '{org}', but found in {o}/{p}.");
        return Ok((o, p, ev));
    }
    Err(CliError::new(
        exit::NOT_FOUND,
        format!("Event '{id}' not found in {org}/{project}."),
    )
    .with_hint(format!(
        "Try:\n  sentry event view {org}/<project> {id}\n\nOr:\n  - The ID format is valid but no matching event was found in any accessible organization\n  - Check that you are querying the right org/project — the ID may belong to a different one\n  - Events past your plan's retention window are no longer retrievable"
    )))
}

/// The event's attachments with a `download` URL each; `[]` when listing them fails.
fn attachments(r: &Resolver, org: &str, project: &str, id: &str) -> Vec<Value> {
    if project.is_empty() {
        return Vec::new();
    }
    let api = match r.org(org) {
        Ok(api) => api,
        Err(e) => {
            log::debug!("[event.view] no region for attachments: {}", e.message);
            return Vec::new();
        }
    };
    let page = match api
        .event_attachments(project, id)
        .pages(sentry_api::Paging::per_page(10_000, 100))
        .collect::<Value>()
    {
        Ok(p) => p,
        Err(e) => {
            log::debug!("[event.view] Failed to fetch attachments: {}", e.headline());
            return Vec::new();
        }
    };
    page.items
        .into_iter()
        .map(|mut a| {
            let download = api.attachment_download_url(project, id, &text(&a, "id"));
            if let Some(m) = a.as_object_mut() {
                m.insert("download".into(), Value::String(download));
            }
            a
        })
        .collect()
}

/// Where an event was found.
struct Located {
    org: String,
    project: String,
    event: Value,
    detected_from: Option<String>,
}

/// The primary event: from the target, from detection, or searched in every org.
fn locate(r: &Resolver, target: Option<&str>, id: &str) -> CliResult<Located> {
    let at = |(org, project, event): (String, String, Value), from: Option<String>| Located {
        org,
        project,
        event,
        detected_from: from,
    };
    if let Some(t) = target {
        return match r.resolve_target(Some(t))?.scope {
            Scope::Projects(ps) => {
                let p = &ps[0];
                Ok(at(project_event(r, &p.org, &p.slug, id)?, None))
            }
            Scope::OrgAll { org } => match event_in_org(r, &org, id)? {
                Some(hit) => Ok(at(hit, None)),
                None => Err(CliError::new(
                    exit::NOT_FOUND,
                    format!("Event {id} in organization \"{org}\" not found."),
                )
                .with_hint(format!("Try:\n  sentry event view {org}/<project> {id}"))),
            },
        };
    }
    if let Some(found) = r.detect(Guess::DirNameThenSoleProject)? {
        if let Scope::Projects(ps) = &found.scope {
            let p = &ps[0];
            return Ok(at(
                project_event(r, &p.org, &p.slug, id)?,
                found.detected_from.clone(),
            ));
        }
    }
    match event_anywhere(r, id, None)? {
        Some((org, project, event)) => {
            crate::diag!(
                "Warning: Found event in {org}/{project}. Use: sentry event view {org}/{project} {id}"
            );
            Ok(at((org, project, event), None))
        }
        None => Err(auto_detect_failed(
            "sentry event view <org>/<project> <event-id>",
        )),
    }
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    let depth = parse_spans(&args.spans)?;
    let (target, first, extra) = split_args(&args.args)?;
    // Refusals need no network: reported before anything else.
    let parsed =
        parse_event_id(&first).map_err(|why| refusal_error(&first, why, target.as_deref()))?;
    ctx.route_to_target(target.as_deref().or(Some(first.as_str())));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let id = first_event_id(&r, target.as_deref(), &first, parsed)?;
    let mut ids = vec![id.clone()];
    for e in &extra {
        match event_id(e) {
            Some(x) if !ids.contains(&x) => ids.push(x),
            Some(_) => {}
            None => crate::diag!("Skipping invalid event ID: {e}"),
        }
    }

    let found = locate(&r, target.as_deref(), &id)?;
    if args.web {
        if ids.len() > 1 {
            crate::diag!("Warning: --web only opens the first event; extra event IDs are ignored.");
        }
        return crate::web::open(
            ctx,
            &crate::web::event_url(client.base_url(), &found.org, &found.project, &id),
        );
    }
    let mut located = vec![(found.org.clone(), found.project.clone(), found.event)];
    for x in &ids[1..] {
        match project_event(&r, &found.org, &found.project, x) {
            Ok(hit) => located.push(hit),
            Err(e) => crate::diag!("Warning: Failed to fetch event {x}: {}", e.message),
        }
    }
    let mut events = Vec::new();
    let mut first_attachments = Vec::new();
    for (i, (org, project, event)) in located.into_iter().enumerate() {
        let tree = span_tree(&r, &org, &event, depth);
        let project = if project.is_empty() {
            text(&event, "projectSlug")
        } else {
            project
        };
        let atts = attachments(&r, &org, &project, &text(&event, "eventID"));
        if i == 0 {
            first_attachments = atts.clone();
        }
        events.push(Shown {
            event,
            trace: tree.json,
            trace_lines: tree.lines,
            attachments: atts,
        });
    }
    let mut hints = Vec::new();
    if let Some(from) = found.detected_from {
        hints.push(format!("Detected from {from}"));
    }
    if let Some(a) = first_attachments.first() {
        let name = crate::target::str_field(a, "name").unwrap_or_else(|| "attachment".into());
        let more = if first_attachments.len() > 1 {
            format!(" ({} more)", first_attachments.len() - 1)
        } else {
            String::new()
        };
        hints.push(format!(
            "Download attachment: sentry api {} > {}{more}",
            shell_word(&text(a, "download")),
            shell_word(&name)
        ));
    }
    emit(
        &EventView {
            events,
            several: ids.len() > 1,
            hints,
        },
        &ctx.output,
    )?;
    Ok(0)
}

/// `s` single-quoted for a POSIX shell (always, so a pasted hint never globs or splits).
fn shell_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(args: &[&str]) -> CliResult<(Option<String>, String, Vec<String>)> {
        split_args(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn splitting() {
        let id = "d8c02d9c6b2e4a0a92433960a4bf84c4";
        assert_eq!(split(&[id]).unwrap(), (None, id.into(), vec![]));
        assert_eq!(
            split(&["o/p", id]).unwrap(),
            (Some("o/p".into()), id.into(), vec![])
        );
        assert_eq!(
            split(&[&format!("o/p/{id}")]).unwrap(),
            (Some("o/p".into()), id.into(), vec![])
        );
        assert_eq!(
            split(&["o/p/a1b2c3d4", id]).unwrap(),
            (Some("o/p".into()), "a1b2c3d4".into(), vec![id.into()])
        );
        assert_eq!(
            split(&["p/a1b2c3d4"]).unwrap(),
            (Some("p".into()), "a1b2c3d4".into(), vec![])
        );
        assert_eq!(
            split(&["a1b2c3d4", "o/p"]).unwrap(),
            (Some("o/p".into()), "a1b2c3d4".into(), vec![])
        );
        assert_eq!(
            split(&["p", "a1b2c3d4"]).unwrap(),
            (Some("p".into()), "a1b2c3d4".into(), vec![])
        );
        assert_eq!(
            split(&[id, id]).unwrap(),
            (None, id.into(), vec![id.into()])
        );
        assert_eq!(split(&["o/p/"]).unwrap_err().exit_code, 22);
        assert_eq!(split(&["o/"]).unwrap_err().exit_code, 22);
        assert_eq!(split(&["o/p"]).unwrap_err().exit_code, 22);
        assert_eq!(
            split(&[&format!(
                "https://sentry.io/organizations/o/issues/1/events/{id}/"
            )])
            .unwrap(),
            (Some("o/".into()), id.into(), vec![])
        );
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("app.log"), "'app.log'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
