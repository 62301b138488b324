//! `sentry event view [<org>/<project>] <event-id> [...]`: with a project the project events
//! endpoint; with only an ID the project from context, else the org-wide `eventids` lookup.

use std::io;

use clap::Args;
use sentry_api::encode_segment;
use serde_json::Value;

use crate::commands::event::render::{event_body, trace_block};
use crate::commands::issue::render::text;
use crate::commands::issue::view::{fetch_trace, parse_spans};
use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::resolve::{ProjectRef, Resolver, Scope};

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// `[<org>/<project>] <event-id>...`, or `<org>/<project>/<event-id>`
    #[arg(required = true, num_args = 1..)]
    pub args: Vec<String>,
    /// Open the event in the browser instead
    #[arg(short = 'w', long)]
    pub web: bool,
    /// Spans of the event's trace to show: a number, `all` or `no`
    #[arg(long, default_value = "3")]
    pub spans: String,
    /// Accepted for compatibility; responses are never cached
    #[arg(short = 'f', long)]
    pub fresh: bool,
}

/// A 32-hex event ID (dashes allowed), normalised to lower-case without dashes.
pub fn event_id(s: &str) -> Option<String> {
    let id: String = s
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_lowercase();
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

struct EventView {
    events: Vec<(Value, Value)>,
    found_in: Option<String>,
}

impl Report for EventView {
    fn json(&self) -> Value {
        let items: Vec<Value> = self
            .events
            .iter()
            .map(|(e, t)| {
                let mut v = e.clone();
                if let Some(m) = v.as_object_mut() {
                    m.insert("trace".into(), t.clone());
                }
                v
            })
            .collect();
        if items.len() == 1 {
            items.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(items)
        }
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        for (i, (e, t)) in self.events.iter().enumerate() {
            if i > 0 {
                out.blank()?;
            }
            let id = text(e, "eventID");
            out.heading(&format!("Event {id} ({})", id.get(..8).unwrap_or(&id)))?;
            out.blank()?;
            event_body(out, e)?;
            trace_block(out, Some(t).filter(|t| !t.is_null()))?;
        }
        if let Some(f) = &self.found_in {
            out.blank()?;
            out.line(format!("Found in {f}"))?;
        }
        Ok(())
    }
}

/// Splits the positionals into an optional target and the event IDs (validated, exit 21).
fn split_args(args: &[String]) -> CliResult<(Option<String>, Vec<String>)> {
    let bad = |s: &str| {
        CliError::validation(format!(
            "Invalid event ID '{s}': expected 32 hexadecimal characters."
        ))
    };
    let mut target = None;
    let mut ids = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if let Some(id) = event_id(a) {
            ids.push(id);
            continue;
        }
        let parts: Vec<&str> = a.split('/').collect();
        if parts.len() == 3 && target.is_none() {
            let id = event_id(parts[2]).ok_or_else(|| bad(parts[2]))?;
            target = Some(format!("{}/{}", parts[0], parts[1]));
            ids.push(id);
        } else if a.contains('/') && target.is_none() {
            if i > 0 {
                eprintln!(
                    "Warning: the target '{a}' came after the event ID; using it as the target."
                );
            }
            target = Some(a.clone());
        } else {
            return Err(bad(a));
        }
    }
    if ids.is_empty() {
        return Err(CliError::new(
            exit::CONTEXT,
            "An event ID is required: sentry event view [<org>/<project>] <event-id>",
        ));
    }
    Ok((target, ids))
}

fn project_event(r: &Resolver, p: &ProjectRef, id: &str) -> CliResult<Option<Value>> {
    let endpoint = format!(
        "/projects/{}/{}/events/{}/",
        encode_segment(&p.org),
        encode_segment(&p.slug),
        id
    );
    match r.org_get(&p.org, &endpoint)?.send_json::<Value>() {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.status() == Some(404) => Ok(None),
        Err(e) => Err(api_error(e)),
    }
}

/// `GET /organizations/{org}/eventids/{id}/` over every org → (org, project, event).
fn lookup_everywhere(r: &Resolver, id: &str) -> CliResult<Option<(String, String, Value)>> {
    for org in r.org_slugs()? {
        let endpoint = format!("/organizations/{}/eventids/{id}/", encode_segment(&org));
        match r.org_get(&org, &endpoint)?.send_json::<Value>() {
            Ok(v) => {
                let project = text(&v, "projectSlug");
                let event = v.get("event").cloned().unwrap_or(Value::Null);
                return Ok(Some((org, project, event)));
            }
            Err(e) if e.status() == Some(404) => continue,
            Err(e) => return Err(api_error(e)),
        }
    }
    Ok(None)
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    let keep = parse_spans(&args.spans)?;
    let (target, ids) = split_args(&args.args)?;
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let project = match &target {
        Some(t) => match r.resolve_target(Some(t))?.scope {
            Scope::Projects(ps) => ps.into_iter().next(),
            Scope::OrgAll { .. } => {
                return Err(CliError::new(
                    exit::CONTEXT,
                    "A project is required: use <org>/<project> <event-id>.",
                ))
            }
        },
        // Context (flags/env/DSN/inference) when it resolves; otherwise the org-wide lookup.
        None => match r.resolve_target(None) {
            Ok(res) => match res.scope {
                Scope::Projects(ps) if ps.len() == 1 => ps.into_iter().next(),
                _ => None,
            },
            Err(e) if e.exit_code == exit::CONTEXT => None,
            Err(e) => return Err(e),
        },
    };
    let mut events = Vec::new();
    let mut found_in = None;
    for id in &ids {
        let mut hit = None;
        if let Some(p) = &project {
            if let Some(e) = project_event(&r, p, id)? {
                hit = Some((p.org.clone(), p.slug.clone(), e));
            }
        }
        if hit.is_none() && target.is_none() {
            hit = lookup_everywhere(&r, id)?;
            if let Some((o, p, _)) = &hit {
                eprintln!("Found event in {o}/{p}");
                found_in = Some(format!("{o}/{p}"));
            }
        }
        let (org, proj, event) =
            hit.ok_or_else(|| CliError::new(exit::NOT_FOUND, format!("Event {id} not found.")))?;
        if args.web {
            return crate::web::open(
                ctx,
                &crate::web::event_url(client.base_url(), &org, &proj, id),
            );
        }
        let trace = fetch_trace(&r, &org, &event, keep);
        events.push((event, trace));
    }
    emit(&EventView { events, found_in }, &ctx.output)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        let id = "d8c02d9c6b2e4a0a92433960a4bf84c4".to_string();
        assert_eq!(
            split_args(std::slice::from_ref(&id)).unwrap(),
            (None, vec![id.clone()])
        );
        assert_eq!(
            split_args(&["o/p".into(), id.clone()]).unwrap(),
            (Some("o/p".into()), vec![id.clone()])
        );
        assert_eq!(
            split_args(&[format!("o/p/{id}")]).unwrap(),
            (Some("o/p".into()), vec![id.clone()])
        );
        assert_eq!(split_args(&["o/p".into()]).unwrap_err().exit_code, 22);
        assert_eq!(split_args(&["nothex".into()]).unwrap_err().exit_code, 21);
    }
}
