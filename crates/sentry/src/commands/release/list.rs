//! `sentry release list [<org>/|<org>/<project>|<project>]` (alias `ls`, and `sentry
//! releases`): org-all is one server page with a cursor (`{data, hasMore, …}`); a project
//! (named or detected) is a flat array of its releases, each with `orgSlug` and
//! `targetProject`.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::format::{relative, text};
use crate::output::{emit, Align, Human, Report};
use crate::target::paging::{self, envelope, with_org_slug};
use crate::target::{failed_to, str_field, Guess, Resolver, Scope};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// <org>/ (all projects), <org>/<project>, or <project> (search)
    #[arg(value_name = "org/project")]
    pub target: Option<String>,
    /// Maximum number of releases to list
    #[arg(short = 'n', long, default_value_t = 25)]
    pub limit: i64,
    /// Sort: date, sessions, users, crash_free_sessions (cfs), crash_free_users (cfu)
    #[arg(short = 's', long, default_value = "date")]
    pub sort: String,
    /// Filter by environment (repeatable, comma-separated)
    #[arg(short = 'e', long)]
    pub environment: Vec<String>,
    /// Health stats period (e.g., 24h, 7d, 14d, 90d)
    #[arg(short = 't', long, default_value = "90d")]
    pub period: String,
    /// Filter by status: open (default) or archived
    #[arg(long, default_value = "open")]
    pub status: String,
    /// Navigate pages: "next", "prev", "first" (or raw cursor string)
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// `--sort` with 0.49's aliases.
fn sort_value(raw: &str) -> CliResult<&'static str> {
    Ok(match raw {
        "date" => "date",
        "sessions" => "sessions",
        "users" => "users",
        "crash_free_sessions" | "stable_sessions" | "cfs" => "crash_free_sessions",
        "crash_free_users" | "stable_users" | "cfu" => "crash_free_users",
        _ => {
            return Err(CliError::new(
                exit::USAGE,
                format!(
                    "Failed to parse \"{raw}\" for sort: Invalid sort value. Must be one of: date, sessions, users, crash_free_sessions, crash_free_users, stable_sessions, stable_users, cfs, cfu"
                ),
            ))
        }
    })
}

struct ReleaseList {
    items: Vec<Value>,
    /// `(nextCursor, hasPrev)` in org-all mode.
    page: Option<(Option<String>, bool)>,
    command: String,
    hint: Option<String>,
    /// Named project: how many releases it has (of which `items` is the first `--limit`)
    /// and the tip under the count.
    total: Option<(usize, Option<String>)>,
    /// Detected project(s): no footer under the table.
    bare: bool,
    /// The environment a project's list defaulted to, shown instead of the footer.
    env_note: Option<String>,
}

fn health(r: &Value) -> Option<&Value> {
    r.get("projects")?
        .as_array()?
        .iter()
        .filter_map(|p| p.get("healthData"))
        .find(|h| h.get("hasHealthData").and_then(Value::as_bool) == Some(true))
}

fn percent(v: Option<&Value>, digits: usize) -> String {
    match v.and_then(Value::as_f64) {
        Some(x) => format!("{x:.digits$}%"),
        None => "—".to_string(),
    }
}

impl Report for ReleaseList {
    fn json(&self) -> Value {
        match &self.page {
            Some((next, has_prev)) => envelope(self.items.clone(), next.as_deref(), *has_prev),
            None => Value::Array(self.items.clone()),
        }
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.items.is_empty() {
            return match &self.hint {
                Some(h) => out.line(h),
                None => out.line("No releases found."),
            };
        }
        let several = {
            let set: std::collections::BTreeSet<String> = self
                .items
                .iter()
                .map(|r| text(r, "targetProject"))
                .collect();
            set.len() > 1 && !set.contains("")
        };
        let rows = self
            .items
            .iter()
            .map(|r| {
                let h = health(r);
                let short = text(r, "shortVersion");
                let mut second = relative(r.get("dateCreated").and_then(Value::as_str));
                if let Some(env) = r
                    .get("lastDeploy")
                    .and_then(|d| d.get("environment"))
                    .and_then(Value::as_str)
                {
                    second.push_str(&format!(" | {env}"));
                }
                let version = if short.is_empty() {
                    text(r, "version")
                } else {
                    short
                };
                let crashes = match h
                    .and_then(|h| h.get("sessionsCrashed"))
                    .and_then(Value::as_i64)
                {
                    Some(n) => n.to_string(),
                    None => "—".to_string(),
                };
                let mut row = vec![str_field(r, "orgSlug").unwrap_or_default()];
                if several {
                    let p = str_field(r, "targetProject").unwrap_or_default();
                    row.push(p);
                }
                row.extend([
                    format!("{version}\n{second}"),
                    percent(h.and_then(|h| h.get("adoption")), 0),
                    String::new(),
                    percent(h.and_then(|h| h.get("crashFreeSessions")), 1),
                    crashes,
                    r.get("newGroups")
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                        .to_string(),
                ]);
                row
            })
            .collect();
        let mut header = vec!["ORG"];
        if several {
            header.push("PROJECT");
        }
        header.extend([
            "VERSION",
            "ADOPTION",
            "SESSIONS",
            "CRASH-FREE",
            "CRASHES",
            "NEW ISSUES",
        ]);
        let mut table = crate::output::Table::new(Some(&header), rows);
        table.align = vec![Align::Left; header.len() - 5];
        table.align.extend([Align::Right; 5]);
        // Each release spans two lines (version, then age and last deploy).
        table.row_separators = true;
        out.print_table(&table)?;
        if let Some(note) = &self.env_note {
            out.blank()?;
            out.blank()?;
            return out.line(note);
        }
        if self.bare {
            // A detected project's list is the table alone (0.49).
            return Ok(());
        }
        out.blank()?;
        match &self.page {
            Some((next, has_prev)) if next.is_some() || *has_prev => {
                let more = if next.is_some() {
                    " (more available)"
                } else {
                    ""
                };
                out.line(format!("Showing {} releases{more}", self.items.len()))?;
                let mut nav = Vec::new();
                if *has_prev {
                    nav.push(format!("Prev: {} -c prev", self.command));
                }
                if next.is_some() {
                    nav.push(format!("Next: {} -c next", self.command));
                }
                out.line(nav.join(" | "))?;
            }
            _ => match &self.total {
                Some((total, tip)) => {
                    let n = self.items.len();
                    out.blank()?;
                    if *total > n && tip.is_none() {
                        out.line(format!(
                            "Showing {n} of {total} releases. Use --limit to show more."
                        ))?;
                    } else if *total > n {
                        out.line(format!("Showing {n} of {total} releases."))?;
                    } else {
                        out.line(format!("Showing {n} releases"))?;
                    }
                    if let Some(t) = tip {
                        out.line(t)?;
                    }
                }
                None => out.line(format!("Showing {} releases", self.items.len()))?,
            },
        }
        if let Some(h) = &self.hint {
            out.blank()?;
            out.line(h)?;
        }
        Ok(())
    }
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::target::target_error)? as usize;
    let sort = sort_value(&args.sort)?;
    let environments = crate::commands::flags::comma_list(&args.environment);
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    fn with_query<'c>(
        req: sentry_api::RequestBuilder<'c>,
        args: &ListArgs,
        sort: &str,
        environments: &[String],
    ) -> sentry_api::RequestBuilder<'c> {
        let mut req = req
            .query("health", "1")
            .query("sort", sort)
            .query("statsPeriod", args.period.as_str())
            .query("status", args.status.as_str());
        if sort != "date" {
            req = req.query("flatten", "1");
        }
        for e in environments {
            req = req.query("environment", e.as_str());
        }
        req
    }

    let mut environments = environments;
    let named = args.target.as_deref().filter(|t| !t.trim().is_empty());
    let resolved = match named {
        Some(t) => Some(r.resolve_target(Some(t))?),
        None => r.detect(Guess::DirName)?,
    };
    // A project's list defaults to its production environment when it has one (0.49),
    // and then says so instead of the count.
    let mut env_note = None;
    if environments.is_empty() {
        if let Some(Scope::Projects(ps)) = resolved.as_ref().map(|r| &r.scope) {
            if let Some(p) = ps.first() {
                if let Some(env) = production_environment(&r, &p.org, &p.slug) {
                    env_note = Some(format!("Environment: {env} (use -e to change)"));
                    environments = vec![env];
                }
            }
        }
    }
    let query = |req| with_query(req, args, sort, &environments);
    let report = match resolved.map(|res| (res.scope, res.detected_from)) {
        Some((Scope::OrgAll { org }, _)) => {
            let key = format!(
                "{}|releases|{org}|{sort}|{}|{}|{}",
                client.base_url(),
                args.period,
                args.status,
                environments.join(",")
            );
            let plan = paging::plan(ctx, "release list", &key, args.cursor.as_deref())?;
            let (items, next, has_prev) =
                paging::single_page(query(r.org(&org)?.releases()), limit as u32, &plan)?;
            plan.record(ctx, next.as_deref());
            let empty = items.is_empty();
            ReleaseList {
                items: with_org_slug(items, &org),
                page: Some((next, has_prev)),
                command: format!("sentry release list {org}/"),
                hint: empty.then(|| format!("No releases found in organization '{org}'.")),
                total: None,
                bare: false,
                env_note: None,
            }
        }
        Some((Scope::Projects(ps), detected_from)) => {
            // Only detected projects are named in each row (0.49's auto-detect mode).
            let tag = detected_from.is_some();
            let mut items = Vec::new();
            // A named project's releases are fetched up to 100 and sliced (0.49 shows the
            // total); detected projects share the limit.
            let per = if tag {
                limit.div_ceil(ps.len().max(1)).min(100)
            } else {
                100
            };
            for p in &ps {
                let id = match &p.id {
                    Some(id) => id.clone(),
                    None => match r.project_detail(&p.org, &p.slug)? {
                        Some(d) => text(&d, "id"),
                        None if tag => continue,
                        None => {
                            return Err(CliError::new(
                                exit::API,
                                "Failed to get project: 404 Not Found",
                            )
                            .with_detail("The requested resource does not exist"))
                        }
                    },
                };
                let req = query(r.org(&p.org)?.releases())
                    .query("project", id)
                    .query("per_page", per.to_string());
                let page: Vec<Value> =
                    req.send_json().map_err(|e| failed_to("list releases", e))?;
                for mut rel in page {
                    if let Some(m) = rel.as_object_mut() {
                        m.insert("orgSlug".into(), Value::String(p.org.clone()));
                        if tag {
                            m.insert("targetProject".into(), Value::String(p.slug.clone()));
                        }
                    }
                    items.push(rel);
                }
            }
            let total = items.len();
            items.truncate(limit);
            let named_org = named.filter(|t| t.contains('/')).map(|_| ps[0].org.clone());
            let total = (!tag).then(|| {
                let tip = named_org.map(|org| {
                    format!("Tip: Use 'sentry release list {org}/' to see all releases in the org")
                });
                (total, tip)
            });
            let hint = if items.is_empty() {
                let names: Vec<String> =
                    ps.iter().map(|p| format!("{}/{}", p.org, p.slug)).collect();
                Some(format!("No releases found for {}.", names.join(", ")))
            } else {
                None
            };
            ReleaseList {
                items,
                page: None,
                command: String::new(),
                hint,
                total,
                bare: tag,
                env_note: None,
            }
        }
        None => ReleaseList {
            items: Vec::new(),
            page: None,
            command: String::new(),
            hint: Some(
                "No project detected. Specify a target: sentry release list <org>/<project>".into(),
            ),
            total: None,
            bare: false,
            env_note: None,
        },
    };
    let report = ReleaseList { env_note, ..report };
    emit(&report, &ctx.output)?;
    Ok(0)
}

/// `production` or `prod` when the project has that environment; lookup failures are
/// ignored (the list is then unfiltered).
fn production_environment(r: &Resolver<'_>, org: &str, project: &str) -> Option<String> {
    let envs: Vec<Value> = r
        .org(org)
        .ok()?
        .project_environments(project)
        .send_json()
        .map_err(|e| log::debug!("[release list] environments of {org}/{project}: {e}"))
        .ok()?;
    let names: Vec<String> = envs.iter().filter_map(|e| str_field(e, "name")).collect();
    ["production", "prod"]
        .into_iter()
        .find(|want| names.iter().any(|n| n == want))
        .map(str::to_string)
}
