//! `sentry issue list [<target>]` (alias `issues`): issue search with auto-pagination past 100
//! (`limit=min(remaining,100)` per request) and `--cursor next|prev|first` navigation.

use std::collections::BTreeMap;
use std::io;

use clap::Args;
use sentry_api::encode_segment;
use serde_json::Value;

use crate::commands::issue::render::{abbreviate, relative, subtitle, text, triage};
use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Align, Human, Report};
use crate::resolve::paging::{self, envelope};
use crate::resolve::{Resolver, Scope};

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
    /// Accepted for compatibility; responses are never cached
    #[arg(short = 'f', long)]
    pub fresh: bool,
}

struct IssueList {
    title: String,
    issues: Vec<Value>,
    next: Option<String>,
    has_prev: bool,
    aliases: BTreeMap<String, String>,
    command: String,
    detected_from: Option<String>,
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
        const HEADER: [&str; 7] = [
            "SHORT ID", "ISSUE", "SEEN", "AGE", "EVENTS", "USERS", "TRIAGE",
        ];
        // Build every cell but the issue text first: its width is what the others leave.
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut texts: Vec<(String, String)> = Vec::new();
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
            texts.push((text(i, "title"), subtitle(i)));
            rows.push(vec![
                short,
                String::new(),
                relative(i.get("lastSeen").and_then(Value::as_str)),
                relative(i.get("firstSeen").and_then(Value::as_str)),
                abbreviate(i.get("count")),
                abbreviate(i.get("userCount")),
                triage(i),
            ]);
        }
        let width = issue_column_width(out.width, &HEADER, &rows);
        for (row, (title, sub)) in rows.iter_mut().zip(texts) {
            let title = ellipsize(&title, width);
            let sub = ellipsize(&sub, width);
            row[1] = if sub.is_empty() || sub == title {
                title
            } else {
                format!("{title}\n{}", out.dim(&sub))
            };
        }
        use Align::{Left, Right};
        out.table_aligned(
            Some(&HEADER),
            rows,
            &[Left, Left, Left, Left, Right, Right, Left],
        )?;
        out.blank()?;
        out.line(format!("Showing {} issues", self.issues.len()))?;
        for h in paging::hints(&self.command, self.has_prev, self.next.is_some()) {
            out.line(h)?;
        }
        if let Some(from) = &self.detected_from {
            out.line(format!("Detected from {from}"))?;
        }
        out.blank()?;
        out.line("Tip: Use 'sentry issue view <SHORT ID>' for details")
    }
}

/// Characters left for the ISSUE column on a `terminal`-wide line once the other columns,
/// borders and padding are placed, so titles are cut instead of wrapped (each issue stays two
/// lines tall, as upstream prints it).
fn issue_column_width(terminal: u16, header: &[&str], rows: &[Vec<String>]) -> usize {
    let others: usize = (0..header.len())
        .filter(|&c| c != 1)
        .map(|c| {
            rows.iter()
                .flat_map(|r| r[c].lines())
                .chain(std::iter::once(header[c]))
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0)
        })
        .sum();
    // One border per column plus one, and one space of padding on each side of every cell.
    let chrome = header.len() + 1 + 2 * header.len();
    (terminal as usize)
        .saturating_sub(others + chrome)
        .clamp(16, 100)
}

/// Cuts `s` to `max` characters with a trailing `…`, so each issue stays two lines tall.
fn ellipsize(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("");
    if line.chars().count() <= max && !s.contains('\n') {
        return line.to_string();
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::resolve::target_error)? as usize;
    let period = sentry_target::parse_period(&args.period, jiff::Timestamp::now())
        .map_err(crate::resolve::target_error)?;
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
                        crate::resolve::str_field(&d, "id").unwrap_or_default()
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
        let endpoint = format!("/organizations/{}/issues/", encode_segment(org));
        let mut cursor = plan.cursor.clone();
        let mut pages = 0;
        let mut got = 0usize;
        loop {
            let remaining = limit - got;
            let mut req = r.org_get(org, &endpoint)?;
            for id in ids {
                req = req.query("project", id.as_str());
            }
            if !query.is_empty() {
                req = req.query("query", query.as_str());
            }
            if let Some(c) = &cursor {
                req = req.query("cursor", c.as_str());
            }
            req = req
                .query("limit", remaining.min(100).to_string())
                .query("sort", sort.as_str());
            for (k, v) in &period {
                req = req.query(*k, v.as_str());
            }
            req = req
                .query("groupStatsPeriod", "auto")
                .query("collapse", "filtered")
                .query("collapse", "unhandled");
            let resp = req.send().map_err(|e| search_error(e, &query))?;
            pages += 1;
            let batch: Vec<Value> = resp.json().map_err(api_error)?;
            let links = resp.link();
            if pages == 1 && links.prev.is_some() {
                has_prev = true;
            }
            got += batch.len();
            issues.extend(batch);
            next_cursor = links.next.clone();
            if got >= limit || next_cursor.is_none() {
                break;
            }
            if pages >= cap {
                eprintln!(
                    "Warning: Pagination limit reached ({pages} pages, {got} items). Results may be incomplete."
                );
                break;
            }
            cursor = next_cursor.clone();
        }
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
            detected_from: resolved.detected_from.clone(),
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
