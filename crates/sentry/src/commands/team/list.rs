//! `sentry team list [<target>]` (alias `teams`), and the org-scoped list machinery that
//! `repo list` shares: org-all mode is one server page with a cursor (JSON envelope); explicit
//! and auto-detected modes fetch one unparameterised page per org and slice (flat array).

use std::io;

use clap::Args;
use sentry_api::{OrgApi, RequestBuilder};
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::CliResult;
use crate::output::{emit, Align, Human, Report};
use crate::target::paging::{self, envelope, with_org_slug};
use crate::target::{Resolver, Scope};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// <org>/ (all), <org>/<project>, or <project>; auto-detected when omitted
    pub target: Option<String>,
    /// Maximum number of items (1-1000)
    #[arg(short = 'n', long, default_value_t = 25)]
    pub limit: i64,
    /// Page: next, prev, first, or a raw cursor (org-all mode)
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// How one org-scoped resource is listed and shown.
pub struct ListSpec {
    /// `team list`, for hints and the cursor key.
    pub command: &'static str,
    /// Plural noun for messages.
    pub noun: &'static str,
    /// `teams`: names the listing in the cursor key.
    pub resource: &'static str,
    /// The org-wide list endpoint.
    pub org_list: for<'c> fn(&OrgApi<'c>) -> RequestBuilder<'c>,
    /// The list endpoint for an explicit project, when the resource has one.
    pub project_list: Option<for<'c> fn(&OrgApi<'c>, &str) -> RequestBuilder<'c>>,
    pub header: &'static [&'static str],
    pub row: fn(&Value) -> Vec<String>,
    /// Body alignment per column; count columns are right-aligned like upstream's tables.
    pub align: &'static [Align],
    /// Printed on stderr when a project was named for a resource that only exists per org.
    pub note_for_project: Option<&'static str>,
    /// 0.49's monitor list: a named project lists its org's items with a note in the output
    /// ("… are org-scoped. Showing all … in '<org>'.") and a tip naming `<org>/`.
    pub org_scoped_note: bool,
}

struct Listing<'a> {
    spec: &'a ListSpec,
    items: Vec<Value>,
    /// `Some` in org-all mode: the paginated envelope.
    page: Option<(Option<String>, bool)>,
    org_hint: Option<String>,
    /// A project was named for an org-scoped resource ([`ListSpec::org_scoped_note`]).
    org_scoped: bool,
}

impl Report for Listing<'_> {
    fn json(&self) -> Value {
        match &self.page {
            Some((next, has_prev)) => envelope(self.items.clone(), next.as_deref(), *has_prev),
            None => Value::Array(self.items.clone()),
        }
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.items.is_empty() {
            return match &self.org_hint {
                Some(org) => out.line(format!(
                    "No {} found in organization '{org}'.",
                    self.spec.noun
                )),
                None => out.line(format!("No {} found.", self.spec.noun)),
            };
        }
        let rows = self.items.iter().map(|v| (self.spec.row)(v)).collect();
        out.table_aligned(Some(self.spec.header), rows, self.spec.align)?;
        out.blank()?;
        if let (true, Some(org)) = (self.org_scoped, &self.org_hint) {
            out.line(format!(
                "Note: {} are org-scoped. Showing all {} in '{org}'.",
                self.spec.noun, self.spec.noun
            ))?;
            out.blank()?;
        }
        let more = matches!(&self.page, Some((Some(_), _)));
        out.line(format!(
            "Showing {} {}{}",
            self.items.len(),
            self.spec.noun,
            if more { " (more available)" } else { "" }
        ))?;
        if let Some((next, has_prev)) = &self.page {
            // 0.49's org-all footer: `Prev: … | Next: …` on one line.
            let target = self
                .org_hint
                .as_deref()
                .map(|o| format!(" {o}/"))
                .unwrap_or_default();
            let command = format!("sentry {}{target}", self.spec.command);
            let mut nav = Vec::new();
            if *has_prev {
                nav.push(format!("Prev: {command} -c prev"));
            }
            if next.is_some() {
                nav.push(format!("Next: {command} -c next"));
            }
            if !nav.is_empty() {
                out.line(nav.join(" | "))?;
            }
        } else if let (true, Some(org)) = (self.org_scoped, &self.org_hint) {
            out.line(format!(
                "Tip: Use 'sentry {} {org}/' for paginated results",
                self.spec.command
            ))?;
        } else {
            out.line(format!(
                "Tip: Use 'sentry {} <org>/' to filter by organization",
                self.spec.command
            ))?;
        }
        Ok(())
    }
}

/// The target-less listing (0.49's auto-detect mode): the orgs of the settings' org or of
/// the detected projects (DSNs, directory name), else every org; each org's first page,
/// merged, capped at `limit` per org, as a flat array. Hints follow the table instead of a
/// count: a "Showing N of M" only when capped, and the tip naming `<org>/`.
struct AutoListing<'a> {
    spec: &'a ListSpec,
    items: Vec<Value>,
    total: usize,
    /// The one org the listing was scoped to, for the empty message.
    sole_org: Option<String>,
}

impl Report for AutoListing<'_> {
    fn json(&self) -> Value {
        Value::Array(self.items.clone())
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let noun = self.spec.noun;
        let mut hints = Vec::new();
        if self.items.is_empty() {
            hints.push(match &self.sole_org {
                Some(org) => format!("No {noun} found in organization '{org}'."),
                None => format!("No {noun} found."),
            });
        } else {
            let rows = self.items.iter().map(|v| (self.spec.row)(v)).collect();
            out.table_aligned(Some(self.spec.header), rows, self.spec.align)?;
            out.blank()?;
            out.blank()?;
        }
        if self.total > self.items.len() {
            hints.push(format!(
                "Showing {} of {} {noun}",
                self.items.len(),
                self.total
            ));
        }
        if !self.items.is_empty() {
            hints.push(format!(
                "Tip: Use 'sentry {} <org>/' to filter by organization",
                self.spec.command
            ));
        }
        for h in hints {
            out.line(h)?;
        }
        Ok(())
    }
}

fn auto_list<'a>(r: &Resolver, spec: &'a ListSpec, limit: usize) -> CliResult<AutoListing<'a>> {
    let settings = r.ctx.settings()?;
    let orgs = match &settings.org {
        Some(o) => vec![o.value.clone()],
        None => match r.detect(crate::target::Guess::DirName)? {
            Some(found) => found.orgs(),
            None => Vec::new(),
        },
    };
    let scoped = !orgs.is_empty();
    let orgs = if scoped { orgs } else { r.org_slugs()? };
    let mut items = Vec::new();
    for org in &orgs {
        // One org that cannot be listed (no access, another region down) does not hide the
        // others; it is named on stderr.
        let page = r.org(org).and_then(|api| {
            (spec.org_list)(&api)
                .send_json::<Vec<Value>>()
                .map_err(api_error)
        });
        match page {
            Ok(page) => items.extend(with_org_slug(page, org)),
            Err(e) if orgs.len() > 1 => {
                crate::diag!(
                    "Warning: could not list {} of '{org}': {}",
                    spec.noun,
                    e.message
                )
            }
            Err(e) => return Err(e),
        }
    }
    let total = items.len();
    items.truncate(if orgs.len() > 1 {
        limit * orgs.len()
    } else {
        limit
    });
    Ok(AutoListing {
        spec,
        items,
        total,
        sole_org: (scoped && orgs.len() == 1).then(|| orgs[0].clone()),
    })
}

fn team_row(t: &Value) -> Vec<String> {
    let s = |k: &str| crate::target::str_field(t, k).unwrap_or_default();
    vec![s("orgSlug"), s("slug"), s("name"), s("memberCount")]
}

pub const TEAMS: ListSpec = ListSpec {
    command: "team list",
    noun: "teams",
    resource: "teams",
    org_list: org_teams,
    project_list: Some(project_teams),
    header: &["ORG", "SLUG", "NAME", "MEMBERS"],
    row: team_row,
    align: &[Align::Left, Align::Left, Align::Left, Align::Right],
    note_for_project: None,
    org_scoped_note: false,
};

fn org_teams<'c>(api: &OrgApi<'c>) -> RequestBuilder<'c> {
    api.teams()
}

fn project_teams<'c>(api: &OrgApi<'c>, project: &str) -> RequestBuilder<'c> {
    api.project_teams(project)
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    run_list(ctx, &TEAMS, args)
}

pub fn run_list(ctx: &Context, spec: &ListSpec, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::target::target_error)?;
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    if args.target.as_deref().is_none_or(|t| t.trim().is_empty()) {
        let listing = auto_list(&r, spec, limit as usize)?;
        emit(&listing, &ctx.output)?;
        return Ok(0);
    }
    let resolved = r.resolve_target(args.target.as_deref())?;
    let listing = match &resolved.scope {
        Scope::OrgAll { org } => {
            let key = format!("{}|{}|{org}", client.base_url(), spec.resource);
            let plan = paging::plan(ctx, spec.command, &key, args.cursor.as_deref())?;
            let (items, next, has_prev) =
                paging::single_page((spec.org_list)(&r.org(org)?), limit, &plan)?;
            plan.record(ctx, next.as_deref());
            Listing {
                spec,
                items: with_org_slug(items, org),
                page: Some((next, has_prev)),
                org_hint: Some(org.clone()),
                org_scoped: false,
            }
        }
        Scope::Projects(projects) => {
            let mut items = Vec::new();
            let mut seen_orgs: Vec<String> = Vec::new();
            for p in projects {
                let api = r.org(&p.org)?;
                let req = match (spec.project_list, resolved.explicit) {
                    (Some(f), true) => f(&api, &p.slug),
                    _ => {
                        if seen_orgs.contains(&p.org) {
                            continue;
                        }
                        seen_orgs.push(p.org.clone());
                        (spec.org_list)(&api)
                    }
                };
                if let (Some(note), true) = (spec.note_for_project, resolved.explicit) {
                    crate::diag!("Note: {note}");
                }
                let page: Vec<Value> = req.send_json().map_err(api_error)?;
                items.extend(with_org_slug(page, &p.org));
            }
            items.truncate(limit as usize);
            let org_hint = (resolved.orgs().len() == 1).then(|| resolved.orgs()[0].clone());
            Listing {
                spec,
                items,
                page: None,
                org_hint,
                org_scoped: spec.org_scoped_note && resolved.explicit,
            }
        }
    };
    emit(&listing, &ctx.output)?;
    Ok(0)
}
