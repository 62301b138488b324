//! `sentry dsn list [<org>/|<org>/<project>|<project>]` (alias `ls`): public DSNs with their
//! name, enabled status and creation date, enabled and disabled keys alike.
//!
//! `<org>/` is one server page of the org-wide key list with a cursor; projects (named,
//! searched or detected) list each project's keys.

use std::collections::BTreeMap;
use std::io;

use clap::Args;
use sentry_api::models::{ProjectKey, Raw};
use serde_json::{json, Value};

use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::paging;
use crate::target::{Resolver, Scope};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// <org>/ (all projects), <org>/<project>, or <project> (search)
    pub target: Option<String>,
    /// Maximum number of DSNs to list
    #[arg(short = 'n', long, default_value_t = 25)]
    pub limit: i64,
    /// Page: next, prev, first, or a raw cursor (org-wide mode)
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// One row: a key and the project it belongs to.
#[derive(Debug, Clone, PartialEq)]
struct Dsn {
    org: String,
    project: String,
    key: ProjectKey,
}

impl Dsn {
    /// 0.49's fields, in its order.
    fn json(&self) -> Value {
        json!({
            "name": self.key.name,
            "isActive": self.key.is_active,
            "dateCreated": self.key.date_created,
            "dsn": self.key.dsn.public,
            "org": self.org,
            "project": self.project,
        })
    }
}

struct DsnList {
    items: Vec<Dsn>,
    next: Option<String>,
    has_prev: bool,
    command: String,
}

impl Report for DsnList {
    fn json(&self) -> Value {
        paging::envelope(
            self.items.iter().map(Dsn::json).collect(),
            self.next.as_deref(),
            self.has_prev,
        )
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.items.is_empty() {
            return out.line("No DSNs found.");
        }
        let rows = self
            .items
            .iter()
            .map(|d| {
                vec![
                    format!("{}/{}", d.org, d.project),
                    d.key.name.clone().unwrap_or_default(),
                    if d.key.is_active {
                        "Enabled"
                    } else {
                        "Disabled"
                    }
                    .to_string(),
                    crate::output::format::relative(d.key.date_created.as_deref()),
                    d.key.dsn.public.clone().unwrap_or_default(),
                ]
            })
            .collect();
        // Upstream's column minimums; the DSN is never narrowed, so it stays copyable.
        let mut t =
            crate::output::Table::new(Some(&["PROJECT", "NAME", "STATUS", "CREATED", "DSN"]), rows);
        t.min_widths = vec![24, 12, 8, 7, 0];
        t.fixed = vec![false, false, false, false, true];
        out.print_table(&t)?;
        // Upstream's table text ends in a newline of its own: a blank line follows it.
        out.blank()?;
        let hints = paging::hints(&self.command, self.has_prev, self.next.is_some());
        if !hints.is_empty() {
            for h in hints {
                out.line(h)?;
            }
        }
        Ok(())
    }
}

/// The keys of an org-wide page, each labelled with its project's slug (`projectId` → slug
/// from the org's projects, fetched only when some key names a project).
fn label_org_keys(
    org: &str,
    keys: Vec<Raw<ProjectKey>>,
    slugs: &BTreeMap<String, String>,
) -> Vec<Dsn> {
    keys.into_iter()
        .map(|k| {
            let id = k.project_id.clone().unwrap_or_default();
            Dsn {
                org: org.to_string(),
                project: slugs.get(&id).cloned().unwrap_or(id),
                key: k.model,
            }
        })
        .collect()
}

/// A named project the server does not have (exit 23, upstream's wording).
fn project_not_found(org: &str, project: &str) -> CliError {
    CliError::new(
        exit::NOT_FOUND,
        format!(
            "Project '{project}' not found in organization '{org}'.\n\nTry:\n  sentry project list {org}/"
        ),
    )
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit_between(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::target::target_error)?;
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let resolved = r.resolve_target(args.target.as_deref())?;
    let report = match &resolved.scope {
        Scope::OrgAll { org } => {
            let key = format!("{}|dsns|{org}", client.base_url());
            let plan = paging::plan(ctx, "dsn list", &key, args.cursor.as_deref())?;
            let paging =
                sentry_api::Paging::per_page(limit as usize, 1).from_cursor(plan.cursor.clone());
            let page = r
                .org(org)?
                .org_project_keys()
                .pages(paging)
                .collect::<Raw<ProjectKey>>()
                .map_err(api_error)?;
            plan.record(ctx, page.next_cursor.as_deref());
            let slugs: BTreeMap<String, String> = if page.items.is_empty() {
                BTreeMap::new()
            } else {
                r.org_projects(org)?
                    .iter()
                    .filter_map(|p| {
                        let p: sentry_api::models::Project =
                            serde_json::from_value(p.clone()).ok()?;
                        Some((p.id, p.slug))
                    })
                    .collect()
            };
            DsnList {
                items: label_org_keys(org, page.items, &slugs),
                has_prev: plan.has_prev || page.has_prev,
                next: page.next_cursor,
                command: format!("sentry dsn list {org}/"),
            }
        }
        Scope::Projects(projects) => {
            let mut items = Vec::new();
            for p in projects {
                let keys: Vec<Raw<ProjectKey>> = r
                    .org(&p.org)?
                    .project_keys(&p.slug)
                    .pages(sentry_api::Paging::per_page(limit as usize, 1))
                    .collect()
                    .map_err(|e| match e.status() {
                        Some(404) => project_not_found(&p.org, &p.slug),
                        _ => api_error(e),
                    })?
                    .items;
                items.extend(keys.into_iter().map(|k| Dsn {
                    org: p.org.clone(),
                    project: p.slug.clone(),
                    key: k.model,
                }));
            }
            items.truncate(limit as usize);
            DsnList {
                items,
                next: None,
                has_prev: false,
                command: "sentry dsn list".into(),
            }
        }
    };
    emit(&report, &ctx.output)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(v: Value) -> Raw<ProjectKey> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn org_wide_keys_are_labelled_with_their_projects_slug() {
        let slugs = BTreeMap::from([("1".to_string(), "app".to_string())]);
        let keys = vec![
            key(
                json!({"id": "a", "name": "Default", "isActive": true, "projectId": 1,
                "dateCreated": "2026-01-01T00:00:00Z", "dsn": {"public": "https://a@h/1"}}),
            ),
            key(
                json!({"id": "b", "name": "Old", "isActive": false, "projectId": 9,
                "dsn": {"public": "https://b@h/9"}}),
            ),
        ];
        let rows = label_org_keys("acme", keys, &slugs);
        assert_eq!(
            rows.iter().map(Dsn::json).collect::<Vec<_>>(),
            vec![
                json!({"name": "Default", "isActive": true, "dateCreated": "2026-01-01T00:00:00Z",
                    "dsn": "https://a@h/1", "org": "acme", "project": "app"}),
                // A project the list did not include keeps its id rather than vanishing.
                json!({"name": "Old", "isActive": false, "dateCreated": null,
                    "dsn": "https://b@h/9", "org": "acme", "project": "9"}),
            ]
        );
    }

    #[test]
    fn the_table_says_enabled_or_disabled_and_the_json_is_an_envelope() {
        let list = DsnList {
            items: label_org_keys(
                "acme",
                vec![key(
                    json!({"id": "b", "name": "Old", "isActive": false, "projectId": 1,
                    "dsn": {"public": "https://b@h/1"}}),
                )],
                &BTreeMap::from([("1".to_string(), "app".to_string())]),
            ),
            next: Some("0:25:0".into()),
            has_prev: false,
            command: "sentry dsn list acme/".into(),
        };
        let v = list.json();
        assert_eq!(
            (v["hasMore"].clone(), v["nextCursor"].clone()),
            (json!(true), json!("0:25:0"))
        );
        let mut out = Human::new(false);
        list.human(&mut out).unwrap();
        let text = String::from_utf8(out.into_bytes()).unwrap();
        assert!(
            text.contains("acme/app") && text.contains("Disabled"),
            "{text}"
        );
        assert!(
            text.ends_with("Next page: sentry dsn list acme/ -c next\n"),
            "{text}"
        );
    }
}
