//! `sentry monitor list [<target>]` (alias `monitors`): the org's cron monitors, in the modes
//! `team list` has (org-all is one server page with a cursor and the JSON envelope; explicit
//! and detected targets list their orgs' monitors). Monitors are org-scoped, so a project
//! target lists its org's monitors with a note.
//!
//! `<org>/<name>` where `<name>` is no project of the org filters the org's monitors by slug
//! or name, as 0.49 does: a glob (`nightly-*`), else exact then partial matches, else close
//! (fuzzy) ones; when nothing matches at all it lists the org's monitors with the note.

use std::io;

use serde_json::Value;

use sentry_api::{OrgApi, RequestBuilder};

use crate::commands::team::list::{run_list, ListArgs, ListSpec};
use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::paging::with_org_slug;
use crate::target::{str_field, Resolver};

/// `config.schedule`: a crontab string, or `[n, unit]` for interval monitors.
fn schedule(m: &Value) -> String {
    match m.get("config").and_then(|c| c.get("schedule")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|p| match p {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

fn monitor_row(m: &Value) -> Vec<String> {
    let s = |k: &str| str_field(m, k).unwrap_or_default();
    vec![s("id"), s("slug"), s("name"), s("status"), schedule(m)]
}

fn org_monitors<'c>(api: &OrgApi<'c>) -> RequestBuilder<'c> {
    api.monitors()
}

pub const MONITORS: ListSpec = ListSpec {
    command: "monitor list",
    noun: "monitors",
    resource: "monitors",
    org_list: org_monitors,
    project_list: None,
    header: &["ID", "SLUG", "NAME", "STATUS", "SCHEDULE"],
    row: monitor_row,
    align: &[],
    note_for_project: None,
    org_scoped_note: true,
};

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    if let Some((org, name)) = args.target.as_deref().and_then(org_and_name) {
        let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
            .map_err(crate::target::target_error)?;
        ctx.route_to_target(args.target.as_deref());
        let client = ctx.authed_client()?;
        let r = Resolver::new(ctx, &client);
        if r.project_detail(org, name)?.is_none() {
            if args.cursor.is_some() {
                return Err(CliError::validation(
                    "The --cursor flag requires the <org>/ pattern (e.g., sentry monitor list my-org/).",
                ));
            }
            let all: Vec<Value> = r
                .org(org)?
                .monitors()
                .pages(sentry_api::Paging::per_page(10_000, 100))
                .collect()
                .map_err(api_error)?
                .items;
            let matched = matching(&all, name);
            if !matched.is_empty() {
                let total = matched.len();
                let mut items = with_org_slug(matched, org);
                items.truncate(limit as usize);
                emit(
                    &Matches {
                        items,
                        total,
                        name: name.to_string(),
                    },
                    &ctx.output,
                )?;
                return Ok(0);
            }
        }
    }
    run_list(ctx, &MONITORS, args)
}

/// `<org>/<name>` with both parts (not a URL, not `<org>/`).
fn org_and_name(target: &str) -> Option<(&str, &str)> {
    if target.contains("://") {
        return None;
    }
    let (org, name) = target.split_once('/')?;
    (!org.is_empty() && !name.is_empty() && !name.contains('/')).then_some((org, name))
}

/// The monitors whose slug or name matches `pattern`: a glob when it has `*` or `?`; else
/// exact matches, then partial ones; else those within a small edit distance.
fn matching(monitors: &[Value], pattern: &str) -> Vec<Value> {
    let pattern = pattern.to_lowercase();
    let keys = |m: &Value| {
        ["slug", "name"]
            .iter()
            .filter_map(|k| str_field(m, k))
            .map(|s| s.to_lowercase())
            .collect::<Vec<_>>()
    };
    let pick = |f: &dyn Fn(&str) -> bool| -> Vec<Value> {
        monitors
            .iter()
            .filter(|m| keys(m).iter().any(|k| f(k)))
            .cloned()
            .collect()
    };
    if pattern.contains(['*', '?']) {
        return pick(&|k| glob(&pattern, k));
    }
    let mut out = pick(&|k| k == pattern);
    for m in pick(&|k| k.contains(&pattern) && k != pattern) {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if out.is_empty() {
        let max = (pattern.chars().count() / 4).max(2);
        out = pick(&|k| edit_distance(k, &pattern) <= max);
    }
    out
}

/// `*` any run, `?` one character (monitor names here, file names for `sentry-cli send-event`).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Levenshtein distance.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Monitors matching a name: a flat JSON array, like 0.49's filtered listing.
struct Matches {
    items: Vec<Value>,
    total: usize,
    name: String,
}

impl Report for Matches {
    fn json(&self) -> Value {
        Value::Array(self.items.clone())
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        let rows = self.items.iter().map(monitor_row).collect();
        out.table(Some(MONITORS.header), rows)?;
        out.blank()?;
        out.blank()?;
        if self.items.len() < self.total {
            out.line(format!(
                "Showing {} of {} monitors matching '{}'.",
                self.items.len(),
                self.total,
                self.name
            ))
        } else {
            out.line(format!(
                "Showing {} monitors matching '{}'",
                self.items.len(),
                self.name
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_match_by_glob_text_or_closeness() {
        let ms: Vec<Value> = ["nightly", "nightly-backup", "hourly", "weekly"]
            .iter()
            .map(|s| json!({"slug": s, "name": s}))
            .collect();
        let slugs = |p: &str| {
            matching(&ms, p)
                .iter()
                .map(|m| m["slug"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(slugs("nightly-*"), ["nightly-backup"]);
        assert_eq!(slugs("*ly"), ["nightly", "hourly", "weekly"]);
        assert_eq!(slugs("nightly"), ["nightly", "nightly-backup"]);
        assert_eq!(slugs("backup"), ["nightly-backup"]);
        assert_eq!(slugs("nigthly"), ["nightly"]);
        assert!(slugs("zzzzqq").is_empty());
        assert_eq!(org_and_name("acme/nightly"), Some(("acme", "nightly")));
        assert_eq!(org_and_name("acme/"), None);
    }

    #[test]
    fn schedules_of_both_kinds() {
        assert_eq!(
            schedule(&json!({"config": {"schedule": "0 0 * * *"}})),
            "0 0 * * *"
        );
        assert_eq!(
            schedule(&json!({"config": {"schedule": [1, "day"]}})),
            "1 day"
        );
        assert_eq!(schedule(&json!({})), "");
    }
}
