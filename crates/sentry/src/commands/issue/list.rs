//! `sentry issue list [<target>]` (alias `issues`): issue search with auto-pagination past 100
//! (`limit=min(remaining,100)` per request) and `--cursor next|prev|first` navigation.

use std::collections::BTreeMap;
use std::io;

use clap::Args;
use serde_json::Value;

use crate::commands::issue::render::{subtitle, triage};
use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::format::{abbreviate, relative, text};
use crate::output::{emit, Align, Human, Report, Table};
use crate::target::paging::{self, envelope};
use crate::target::{Resolver, Scope};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// <org>/ (all projects), <org>/<project>, or <project>; auto-detected when omitted
    pub target: Option<String>,
    /// Sentry search query, e.g. "is:unresolved level:error"
    #[arg(short = 'q', long)]
    pub query: Option<String>,
    /// Maximum number of issues (1-1000); more than 100 fetches several pages
    #[arg(short = 'n', long, default_value_t = 25)]
    pub limit: i64,
    /// Sort order (default: recommended on sentry.io, date elsewhere)
    #[arg(short = 's', long, value_parser = ["date", "new", "freq", "user", "recommended"])]
    pub sort: Option<String>,
    /// Time range: 7d, 24h, 2024-01-01..2024-02-01, >=2024-01-01, <=2024-02-01
    #[arg(short = 't', long, default_value = "90d")]
    pub period: String,
    /// Page: next, prev, first, or a raw cursor
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct IssueList {
    title: String,
    issues: Vec<Value>,
    next: Option<String>,
    has_prev: bool,
    aliases: BTreeMap<String, String>,
    command: String,
    /// Project mode (one project, named or detected) rather than a whole org: upstream's
    /// footer differs between the two.
    single_project: bool,
    limit: usize,
}

impl Report for IssueList {
    fn json(&self) -> Value {
        let mut v = envelope(self.issues.clone(), self.next.as_deref(), self.has_prev);
        if self.issues.is_empty() {
            v["_searchSyntax"] = search_syntax();
        }
        v
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.issues.is_empty() {
            out.line(format!("No issues found in {}.", self.title))?;
            for h in paging::hints(&self.command, self.has_prev, false) {
                out.line(h)?;
            }
            return Ok(());
        }
        out.line(format!("Issues in {}:", self.title))?;
        out.blank()?;
        // TREND needs room; upstream shows it from 100 columns on.
        let trend = out.width >= TREND_MIN_WIDTH;
        let mut header = vec!["SHORT ID", "ISSUE", "SEEN", "AGE"];
        if trend {
            header.push("TREND");
        }
        header.extend(["EVENTS", "USERS", "TRIAGE"]);
        let mut rows: Vec<Vec<String>> = Vec::new();
        for i in &self.issues {
            let mut short = text(i, "shortId");
            let slug = i
                .get("project")
                .map(|p| text(p, "slug"))
                .unwrap_or_default();
            if let Some(alias) = self.aliases.get(&slug) {
                if let Some((_, suffix)) = short.rsplit_once('-') {
                    short = format!("{short}\n({alias}-{})", suffix.to_lowercase());
                }
            }
            // Whitespace runs (newlines included) collapse, so each issue stays two lines.
            let one_line = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
            let (title, sub) = (one_line(text(i, "title")), one_line(subtitle(i)));
            let issue = if sub.is_empty() || sub == title {
                out.bold(&title)
            } else {
                format!("{}\n{}", out.bold(&title), out.dim(&sub))
            };
            let mut row = vec![
                short,
                issue,
                relative(i.get("lastSeen").and_then(Value::as_str)),
                relative(i.get("firstSeen").and_then(Value::as_str)),
            ];
            if trend {
                row.push(trend_cell(out, i));
            }
            row.extend([
                abbreviate(i.get("count")),
                abbreviate(i.get("userCount")),
                triage(i),
            ]);
            rows.push(row);
        }
        use Align::{Left, Right};
        let mut align = vec![Left; header.len()];
        let n = header.len();
        align[n - 3] = Right;
        align[n - 2] = Right;
        let mut fixed = vec![false; n];
        fixed[0] = true;
        if trend {
            fixed[4] = true;
        }
        // Each issue keeps its two lines: over-long lines are cut with `…`, not wrapped, and
        // a rule separates the issues, as upstream draws this table.
        out.print_table(&Table {
            header: Some(header.iter().map(|h| h.to_string()).collect()),
            rows,
            align,
            fixed,
            row_separators: true,
            truncate: true,
            border_sgr: out.border_colour(),
            ..Table::default()
        })?;
        // Upstream's two footers: project mode points at `issue view` and the next page size,
        // org mode counts and pages with cursors.
        out.blank()?;
        if self.single_project {
            out.line(
                "Tip: Use 'sentry issue view <ID>' to view details (bold part works as shorthand).",
            )?;
            if self.next.is_some() {
                out.blank()?;
                out.line(format!(
                    "More issues available — use -n {} or -c next for more.",
                    self.limit * 2
                ))?;
            }
            if self.has_prev {
                out.blank()?;
                out.line("Prev: -c prev")?;
            }
            return Ok(());
        }
        out.blank()?;
        let more = if self.next.is_some() {
            " (more available)"
        } else {
            ""
        };
        out.line(format!("Showing {} issues{more}", self.issues.len()))?;
        let mut nav = Vec::new();
        if self.has_prev {
            nav.push(format!("Prev: {} -c prev", self.command));
        }
        if self.next.is_some() {
            nav.push(format!("Next: {} -c next", self.command));
        }
        if !nav.is_empty() {
            out.line(nav.join(" | "))?;
        }
        Ok(())
    }
}

/// Terminal width from which the TREND column is shown.
const TREND_MIN_WIDTH: u16 = 100;

/// The TREND cell: a sparkline of the issue's event counts (`stats`, first period) over the
/// substatus (New, Ongoing, Regressed, Escalating), either line left out when unknown.
fn trend_cell(out: &Human, issue: &Value) -> String {
    let counts: Vec<f64> = issue
        .get("stats")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
        .and_then(Value::as_array)
        .map(|series| {
            series
                .iter()
                .map(|p| {
                    p.get(1)
                        .and_then(|c| c.as_f64().or_else(|| c.as_str()?.parse().ok()))
                        .unwrap_or(0.0)
                })
                .collect()
        })
        .unwrap_or_default();
    let spark = sparkline(&counts, 8);
    let status = match text(issue, "substatus").as_str() {
        "new" => out.green("New"),
        "ongoing" => out.dim("Ongoing"),
        "regressed" => out.red("Regressed"),
        "escalating" => out.yellow("Escalating"),
        _ => String::new(),
    };
    let spark = if spark.is_empty() {
        spark
    } else {
        out.dim(&spark)
    };
    [spark, status]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Draws `values` as at most `slots` bars. Longer series are averaged over equal runs; each
/// bar is scaled to the tallest (eight levels), and an empty slot is drawn as a baseline `⎽`
/// so a quiet issue still shows a line.
fn sparkline(values: &[f64], slots: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() {
        return String::new();
    }
    let buckets: Vec<f64> = if values.len() <= slots {
        values.to_vec()
    } else {
        let step = values.len() as f64 / slots as f64;
        (0..slots)
            .map(|i| {
                let from = (i as f64 * step).floor() as usize;
                let to = (((i + 1) as f64 * step).floor() as usize).max(from + 1);
                let run = &values[from..to.min(values.len())];
                run.iter().sum::<f64>() / run.len().max(1) as f64
            })
            .collect()
    };
    let max = buckets.iter().copied().fold(0.0, f64::max);
    buckets
        .iter()
        .map(|v| {
            if *v <= 0.0 || max <= 0.0 {
                '⎽'
            } else {
                BARS[((v / max * 7.0).round() as usize).min(7)]
            }
        })
        .collect()
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    // 0.49's issue-list wording: full sentences, and the way past the cap.
    let limit =
        sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT).map_err(|e| {
            let mut err = crate::target::target_error(e);
            err.message = if args.limit < 1 {
                "--limit must be at least 1.".into()
            } else {
                format!(
                    "{}. Use --cursor to paginate through larger result sets.",
                    err.message
                )
            };
            err
        })? as usize;
    let period = sentry_target::parse_period(&args.period, jiff::Timestamp::now())
        .map_err(crate::target::target_error)?;
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let saas = sentry_api::Origin::parse(client.base_url()).is_some_and(|o| o.is_saas());
    let sort = args
        .sort
        .clone()
        .unwrap_or_else(|| if saas { "recommended" } else { "date" }.to_string());
    let r = Resolver::new(ctx, &client);
    let resolved = r.resolve_target(args.target.as_deref())?;

    // One request stream per org, with the numeric project IDs of explicit/detected projects.
    let mut per_org: Vec<(String, Vec<String>)> = Vec::new();
    let mut slugs: Vec<String> = Vec::new();
    match &resolved.scope {
        Scope::OrgAll { org } => per_org.push((org.clone(), Vec::new())),
        Scope::Projects(ps) => {
            for p in ps {
                let id = match &p.id {
                    Some(id) => id.clone(),
                    None => {
                        let d = r.project_detail(&p.org, &p.slug)?.ok_or_else(|| {
                            CliError::new(
                                exit::NOT_FOUND,
                                format!("Project '{}/{}' not found.", p.org, p.slug),
                            )
                        })?;
                        crate::target::str_field(&d, "id").unwrap_or_default()
                    }
                };
                slugs.push(format!("{}/{}", p.org, p.slug));
                match per_org.iter_mut().find(|(o, _)| *o == p.org) {
                    Some((_, ids)) => ids.push(id),
                    None => per_org.push((p.org.clone(), vec![id])),
                }
            }
        }
    }
    if args.cursor.is_some() && per_org.len() > 1 {
        return Err(CliError::validation(
            "--cursor works with one organization at a time; name the target as <org>/ or <org>/<project>.",
        ));
    }
    let title = match &resolved.scope {
        Scope::OrgAll { org } => org.clone(),
        Scope::Projects(_) => slugs.join(", "),
    };
    let target_arg = args
        .target
        .as_deref()
        .map(|t| format!(" {t}"))
        .unwrap_or_default();
    let command = format!("sentry issue list{target_arg}");
    let query = args.query.clone().unwrap_or_default();
    let context_key = format!(
        "{}|{}|{}|{}|{}|{}",
        client.base_url(),
        per_org
            .iter()
            .map(|(o, ids)| format!("{o}:{}", ids.join(",")))
            .collect::<Vec<_>>()
            .join(";"),
        sort,
        query,
        args.period,
        limit
    );
    let plan = paging::plan(ctx, "issue list", &context_key, args.cursor.as_deref())?;

    let mut issues: Vec<Value> = Vec::new();
    let mut next_cursor: Option<String> = None;
    let mut has_prev = plan.has_prev;
    let cap = ctx.max_pages();
    for (org, ids) in &per_org {
        let mut req = r.org(org)?.issues();
        for id in ids {
            req = req.query("project", id.as_str());
        }
        if !query.is_empty() {
            req = req.query("query", query.as_str());
        }
        req = req.query("sort", sort.as_str());
        for (k, v) in &period {
            req = req.query(*k, v.as_str());
        }
        req = req
            .query("groupStatsPeriod", "auto")
            .query("collapse", "filtered")
            .query("collapse", "unhandled");
        // The issue search sizes pages with `limit`, each asking only for what is missing.
        let paging = sentry_api::Paging {
            limit,
            max_pages: cap,
            size_param: Some("limit"),
            shrink: true,
            cursor: plan.cursor.clone(),
            accept_errors: false,
        };
        let page = req
            .pages(paging)
            .collect::<Value>()
            .map_err(|e| search_error(e, &query))?;
        has_prev |= page.has_prev;
        if page.page_cap_hit {
            crate::diag!(
                "Warning: Pagination limit reached ({} pages, {} items). Results may be incomplete.",
                page.pages,
                page.items.len()
            );
        }
        next_cursor = page.next_cursor;
        issues.extend(page.items);
    }
    if per_org.len() == 1 {
        plan.record(ctx, next_cursor.as_deref());
    }
    let aliases = if slugs.len() > 1 {
        ctx.store()
            .ok()
            .and_then(|s| s.project_aliases().ok())
            .map(|m| {
                m.into_iter()
                    .map(|(alias, p)| (p.project_slug, alias))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        BTreeMap::new()
    };
    emit(
        &IssueList {
            title,
            issues,
            next: next_cursor,
            has_prev,
            aliases,
            command,
            single_project: slugs.len() == 1,
            limit,
        },
        &ctx.output,
    )?;
    Ok(0)
}

/// A 400 from issue search is almost always the query or the sort; say which.
fn search_error(e: sentry_api::ApiError, query: &str) -> CliError {
    let detail = e.api_detail().unwrap_or_default();
    let status = e.status();
    let mut err = api_error(e);
    if status == Some(400) {
        if detail.contains("Sort key") {
            err = err.with_hint("This server does not support that sort; try --sort date.");
        } else if !query.is_empty() {
            err = err.with_hint(
                "Check the --query syntax, e.g. \"is:unresolved level:error\" (https://docs.sentry.io/concepts/search/).",
            );
        }
    }
    err
}

/// Added to an empty `--json` result, as upstream does, so an agent whose query matched
/// nothing can see the search grammar it has to use instead of guessing (no OR, no AND).
fn search_syntax() -> Value {
    serde_json::json!({
        "_type": "sentry_search_syntax",
        "docs": "https://docs.sentry.io/concepts/search/",
        "grammar": "https://github.com/getsentry/sentry/blob/master/static/app/components/searchSyntax/grammar.pegjs",
        "behavior": "Terms are space-separated and implicitly ANDed.",
        "operators": {
            "and": "NOT supported \u{2014} implicit (space-separated terms are all required)",
            "or": "NOT supported \u{2014} use key:[val1,val2] in-list syntax instead",
            "not": "!key:value (prefix with !)",
            "comparison": [">=", "<=", ">", "<", "=", "!="],
            "wildcard": "* in values (e.g., message:*timeout*)",
            "inList": "key:[val1,val2] \u{2014} matches any value in the list"
        },
        "filterTypes": [
            "text (key:value)",
            "text_in (key:[val1,val2])",
            "numeric (key:>100, key:<=50)",
            "boolean (key:true, key:false)",
            "date (key:>2024-01-01)",
            "relative_date (key:-24h, key:+7d)",
            "duration (key:>1s, key:<500ms)",
            "has (has:key \u{2014} not null check)",
            "is (is:unresolved, is:resolved, is:ignored)"
        ],
        "commonFilters": [
            "is:unresolved",
            "is:resolved",
            "is:ignored",
            "assigned:me",
            "assigned:[me,none]",
            "has:user",
            "level:error",
            "level:warning",
            "!browser:Chrome",
            "firstSeen:-24h",
            "lastSeen:-1h",
            "age:-7d",
            "times_seen:>100"
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_averages_runs_and_scales_to_the_peak() {
        let mut hourly = vec![0.0; 24];
        hourly[23] = 1.0;
        assert_eq!(sparkline(&hourly, 8), "⎽⎽⎽⎽⎽⎽⎽█");
        assert_eq!(sparkline(&[0.0; 24], 8), "⎽⎽⎽⎽⎽⎽⎽⎽");
        assert_eq!(sparkline(&[1.0, 2.0, 4.0, 8.0], 8), "▂▃▅█");
        assert_eq!(sparkline(&[], 8), "");
    }

    #[test]
    fn multi_line_titles_keep_each_issue_two_lines_tall() {
        let list = IssueList {
            title: "o/p".into(),
            issues: vec![serde_json::json!({
                "shortId": "P-1",
                "title": "Error:\n  first\tline",
                "metadata": {"value": "a\n\nb"},
                "count": "3",
            })],
            next: None,
            has_prev: false,
            aliases: BTreeMap::new(),
            command: "sentry issue list".into(),
            single_project: true,
            limit: 25,
        };
        let mut out = Human::new(false);
        out.width = 80;
        list.human(&mut out).unwrap();
        let s = String::from_utf8(out.into_bytes()).unwrap();
        let body: Vec<&str> = s.lines().filter(|l| l.starts_with('│')).skip(1).collect();
        assert_eq!(body.len(), 2, "{s}");
        assert!(
            body[0].starts_with("│ P-1      │ Error: first line "),
            "{s}"
        );
        assert!(body[1].starts_with("│          │ a b "), "{s}");
    }

    #[test]
    fn trend_cell_is_the_sparkline_over_the_substatus() {
        let out = Human::new(false);
        let issue = serde_json::json!({
            "stats": {"24h": [[1, 0], [2, 3], [3, "6"]]},
            "substatus": "regressed",
        });
        assert_eq!(trend_cell(&out, &issue), "⎽▅█\nRegressed");
        assert_eq!(trend_cell(&out, &serde_json::json!({})), "");
    }
}
