//! `sentry project view [<org>/<project>|<project>]`: details and DSN of one project (several
//! when a monorepo's DSNs were detected). JSON is always an array.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::format::{datetime, text};
use crate::output::{emit, Human, Report};
use crate::target::{auto_detect_failed, failed_to, Guess, Resolver, Scope};

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// <org>/<project> or <project>; auto-detected when omitted
    pub target: Option<String>,
    /// Open the project in the browser instead
    #[arg(short = 'w', long)]
    pub web: bool,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct ProjectView {
    projects: Vec<Value>,
    detected_from: Option<String>,
}

fn yes_no(p: &Value, key: &str) -> String {
    if p.get(key).and_then(Value::as_bool) == Some(true) {
        "Yes"
    } else {
        "No"
    }
    .to_string()
}

impl Report for ProjectView {
    fn json(&self) -> Value {
        Value::Array(self.projects.clone())
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        for (i, p) in self.projects.iter().enumerate() {
            if i > 0 {
                out.blank()?;
                out.line("─".repeat(40))?;
                out.blank()?;
            }
            out.heading(&format!("{}: {}", text(p, "slug"), text(p, "name")))?;
            out.blank()?;
            let org = p.get("organization").cloned().unwrap_or(Value::Null);
            let status = p.get("status").and_then(Value::as_str).unwrap_or("unknown");
            let first_event = match p.get("firstEvent").and_then(Value::as_str) {
                Some(t) => datetime(Some(t)),
                None => "No events yet".into(),
            };
            let rows = vec![
                vec!["Slug".to_string(), text(p, "slug")],
                vec!["Name".to_string(), text(p, "name")],
                vec!["ID".to_string(), text(p, "id")],
                vec!["Platform".to_string(), text(p, "platform")],
                vec![
                    "DSN".to_string(),
                    p.get("dsn")
                        .and_then(Value::as_str)
                        .unwrap_or("-")
                        .to_string(),
                ],
                vec!["Status".to_string(), status.to_string()],
                vec![
                    "Created".to_string(),
                    datetime(p.get("dateCreated").and_then(Value::as_str)),
                ],
                vec![
                    "Organization".to_string(),
                    format!("{} ({})", text(&org, "name"), text(&org, "slug")),
                ],
                vec!["First Event".to_string(), first_event],
                vec!["Sessions".to_string(), yes_no(p, "hasSessions")],
                vec!["Replays".to_string(), yes_no(p, "hasReplays")],
                vec!["Profiles".to_string(), yes_no(p, "hasProfiles")],
                vec!["Monitors".to_string(), yes_no(p, "hasMonitors")],
            ];
            out.table(None, rows)?;
            if let Some(features) = p
                .get("features")
                .and_then(Value::as_array)
                .filter(|f| !f.is_empty())
            {
                out.blank()?;
                out.line(format!("Features ({}):", features.len()))?;
                for f in features {
                    out.line(format!("• {}", f.as_str().unwrap_or_default()))?;
                }
            }
        }
        if let Some(from) = &self.detected_from {
            out.blank()?;
            out.line(format!("Detected from {from}"))?;
        }
        Ok(())
    }
}

/// The DSN shown for a project: the first active key's public DSN, else the first key's.
pub fn project_dsn(r: &Resolver, org: &str, slug: &str) -> CliResult<Option<String>> {
    let keys: Vec<Value> = r
        .org(org)?
        .project_keys(slug)
        .send_json()
        .map_err(api_error)?;
    let pick = keys
        .iter()
        .find(|k| k.get("isActive").and_then(Value::as_bool) == Some(true))
        .or_else(|| keys.first());
    Ok(pick
        .and_then(|k| k.get("dsn"))
        .and_then(|d| d.get("public"))
        .and_then(Value::as_str)
        .map(str::to_string))
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let resolved = match args
        .target
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => r.resolve_target(Some(t))?,
        // Settings, DSNs and the directory name only: upstream's `project view` never guesses
        // "your only project", and an org alone is not enough.
        None => r
            .detect(Guess::DirName)?
            .filter(|d| matches!(d.scope, Scope::Projects(_)))
            .ok_or_else(|| auto_detect_failed("sentry project view <org>/<project>"))?,
    };
    let projects = match &resolved.scope {
        Scope::Projects(ps) => ps,
        Scope::OrgAll { org } => {
            return Err(CliError::new(exit::CONTEXT, "Specific project is required.").with_hint(
                format!(
                    "Specify it using:\n  sentry project view {org}/<project>\n\nOr:\n  - Specify the full org/project target, not just the organization"
                ),
            ))
        }
    };
    if args.web {
        let p = &projects[0];
        return crate::web::open(
            ctx,
            &crate::web::project_url(client.base_url(), &p.org, &p.slug),
        );
    }
    let mut out = Vec::new();
    for p in projects {
        // A named project that does not exist is the API's 404, reported as such (exit 30).
        let mut detail: Value = r
            .org(&p.org)?
            .project(&p.slug)
            .query("collapse", "organization")
            .send_json()
            .map_err(|e| failed_to("get project", e))?;
        let dsn = project_dsn(&r, &p.org, &p.slug)?;
        if let Some(m) = detail.as_object_mut() {
            m.insert("dsn".into(), dsn.map(Value::String).unwrap_or(Value::Null));
        }
        out.push(detail);
    }
    emit(
        &ProjectView {
            projects: out,
            detected_from: resolved.detected_from.clone(),
        },
        &ctx.output,
    )?;
    Ok(0)
}
