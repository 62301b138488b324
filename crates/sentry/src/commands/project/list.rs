//! `sentry project list [<org>/|<org>/<project>|<project>]` (alias `projects`).
//!
//! Org-all is one server page with a cursor; an explicit project is a one-element flat array;
//! with no target every project of the context org (or of every org) is fetched and sliced.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::paging::{self, envelope, with_org_slug};
use crate::target::{str_field, Resolver, Scope};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// <org>/ (all projects), <org>/<project>, or <project>
    pub target: Option<String>,
    /// Maximum number of projects (1-1000)
    #[arg(short = 'n', long, default_value_t = 25)]
    pub limit: i64,
    /// Only projects whose platform contains this text
    #[arg(long)]
    pub platform: Option<String>,
    /// Page: next, prev, first, or a raw cursor (org-all mode)
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct ProjectList {
    items: Vec<Value>,
    /// `(nextCursor, hasPrev, hasMore)` for the envelope modes.
    page: Option<(Option<String>, bool, bool)>,
    command: String,
    /// Auto mode with more projects than shown: the command that pages through them
    /// (upstream's JSON `hint`).
    json_hint: Option<String>,
}

impl Report for ProjectList {
    fn json(&self) -> Value {
        match &self.page {
            Some((next, has_prev, has_more)) => {
                let mut v = envelope(self.items.clone(), next.as_deref(), *has_prev);
                v["hasMore"] = Value::Bool(*has_more);
                if let Some(h) = &self.json_hint {
                    v["hint"] = Value::String(h.clone());
                }
                v
            }
            None => Value::Array(self.items.clone()),
        }
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.items.is_empty() {
            return out.line("No projects found.");
        }
        let rows = self
            .items
            .iter()
            .map(|p| {
                let s = |k: &str| str_field(p, k).unwrap_or_default();
                vec![s("orgSlug"), s("slug"), s("name"), s("platform")]
            })
            .collect();
        out.table(Some(&["ORG", "PROJECT", "NAME", "PLATFORM"]), rows)?;
        out.blank()?;
        out.line(format!("Showing {} projects", self.items.len()))?;
        if let Some((next, has_prev, _)) = &self.page {
            for h in paging::hints(&self.command, *has_prev, next.is_some()) {
                out.line(h)?;
            }
        }
        out.blank()?;
        out.line("Tip: Use 'sentry project view <org>/<project>' for details")
    }
}

/// Caches a listed org's projects under `list:` keys as 0.49 does after every listing (the
/// org's slug stands for its name there too), so shell completion and name inference can
/// offer them without a request. A cache that cannot be written is no failure.
fn remember(ctx: &Context, org: &str, projects: &[Value]) {
    let triples: Vec<(String, String, String)> = projects
        .iter()
        .filter_map(|p| {
            let slug = str_field(p, "slug")?;
            let name = str_field(p, "name").unwrap_or_else(|| slug.clone());
            Some((str_field(p, "id").unwrap_or_default(), slug, name))
        })
        .collect();
    if let Ok(store) = ctx.store() {
        let _ = store.project_cache_put_org_list(org, org, &triples);
    }
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::target::target_error)? as usize;
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let platform = args.platform.as_deref().map(str::to_lowercase);
    let keep = |p: &Value| match &platform {
        Some(want) => str_field(p, "platform").is_some_and(|v| v.to_lowercase().contains(want)),
        None => true,
    };
    let report = match args.target.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => match r.resolve_target(Some(t))?.scope {
            Scope::OrgAll { org } => {
                let key = format!("{}|projects|{org}", client.base_url());
                let plan = paging::plan(ctx, "project list", &key, args.cursor.as_deref())?;
                let (items, next, has_prev) =
                    paging::single_page(r.org(&org)?.projects(), limit as u32, &plan)?;
                plan.record(ctx, next.as_deref());
                remember(ctx, &org, &items);
                let items: Vec<Value> = with_org_slug(items, &org)
                    .into_iter()
                    .filter(keep)
                    .collect();
                ProjectList {
                    items,
                    page: Some((next.clone(), has_prev, next.is_some())),
                    command: format!("sentry project list {org}/"),
                    json_hint: None,
                }
            }
            Scope::Projects(ps) => {
                let mut items = Vec::new();
                for p in ps {
                    let detail = r.project_detail(&p.org, &p.slug)?.ok_or_else(|| {
                        CliError::new(
                            exit::NOT_FOUND,
                            format!("Project '{}/{}' not found.", p.org, p.slug),
                        )
                    })?;
                    items.extend(with_org_slug(vec![detail], &p.org));
                }
                ProjectList {
                    items: items.into_iter().filter(keep).collect(),
                    page: None,
                    command: String::new(),
                    json_hint: None,
                }
            }
        },
        None => {
            let context_org = r.context_org()?;
            let orgs = match &context_org {
                Some(o) => vec![o.clone()],
                None => r.org_slugs()?,
            };
            let mut all = Vec::new();
            for org in &orgs {
                let projects = r.org_projects(org)?;
                remember(ctx, org, &projects);
                all.extend(with_org_slug(projects, org));
            }
            let mut items: Vec<Value> = all.into_iter().filter(keep).collect();
            let has_more = items.len() > limit;
            items.truncate(limit);
            let org_arg = context_org.as_deref().unwrap_or("<org>");
            ProjectList {
                items,
                page: Some((None, false, has_more)),
                command: String::new(),
                json_hint: has_more.then(|| format!("sentry project list {org_arg}/ --json")),
            }
        }
    };
    emit(&report, &ctx.output)?;
    Ok(0)
}
