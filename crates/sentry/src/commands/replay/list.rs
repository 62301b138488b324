//! `sentry replay list [<target>]`: recent Session Replays of an org or project, newest first.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};
use crate::output::format::relative;
use crate::output::{emit, Align, Human, Report, Table};
use crate::target::paging::{self, envelope};
use crate::target::Resolver;

/// The fields the replay index is asked for (0.49's list).
pub const FIELDS: [&str; 30] = [
    "activity",
    "browser",
    "count_dead_clicks",
    "count_errors",
    "count_infos",
    "count_rage_clicks",
    "count_segments",
    "count_urls",
    "count_warnings",
    "device",
    "dist",
    "duration",
    "environment",
    "error_ids",
    "finished_at",
    "has_viewed",
    "id",
    "info_ids",
    "is_archived",
    "os",
    "platform",
    "project_id",
    "releases",
    "sdk",
    "started_at",
    "tags",
    "trace_ids",
    "urls",
    "user",
    "warning_ids",
];

/// Sort fields the replay index accepts (with or without `-`).
pub(crate) const SORTABLE: [&str; 28] = [
    "activity",
    "browser",
    "browser.name",
    "browser.version",
    "count_dead_clicks",
    "count_errors",
    "count_infos",
    "count_rage_clicks",
    "count_screens",
    "count_urls",
    "count_warnings",
    "device.brand",
    "device.family",
    "device.model",
    "device.name",
    "dist",
    "duration",
    "finished_at",
    "os",
    "os.name",
    "os.version",
    "platform",
    "project_id",
    "sdk.name",
    "started_at",
    "user.email",
    "user.id",
    "user.username",
];

#[derive(Debug, Args)]
pub struct ListArgs {
    /// <org>/ (all projects), <org>/<project>, or <project> (search)
    pub target: Option<String>,
    /// Number of replays (1-1000)
    #[arg(short = 'n', long, default_value_t = 25, allow_negative_numbers = true)]
    pub limit: i64,
    /// Search query (Sentry replay search syntax)
    #[arg(short = 'q', long)]
    pub query: Option<String>,
    /// Environment filter (repeatable, comma-separated)
    #[arg(short = 'e', long)]
    pub environment: Vec<String>,
    /// Sort: date, oldest, duration, errors, activity, or a replay sort like -count_rage_clicks
    #[arg(short = 's', long, default_value = "date")]
    pub sort: String,
    /// Time range: "7d", "2024-01-01..2024-02-01", ">=2024-01-01"
    #[arg(short = 't', long, default_value = "7d")]
    pub period: String,
    /// Navigate pages: "next", "prev", "first" (or raw cursor string)
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

fn sort_param(raw: &str) -> CliResult<String> {
    let t = raw.trim();
    let named = match t.to_ascii_lowercase().as_str() {
        "date" => Some("-started_at"),
        "oldest" => Some("started_at"),
        "duration" => Some("-duration"),
        "errors" => Some("-count_errors"),
        "activity" => Some("-activity"),
        _ => None,
    };
    if let Some(n) = named {
        return Ok(n.to_string());
    }
    if SORTABLE.contains(&t.trim_start_matches('-')) {
        return Ok(t.to_string());
    }
    Err(CliError::validation(
        "Invalid sort value. Must be one of: date, oldest, duration, errors, activity or a replay sort like -count_rage_clicks",
    ))
}

/// `5s`, `2m 5s`, `1h 3m`, `2d 4h` for a duration in seconds.
pub fn short_duration(secs: f64) -> String {
    let t = secs.round().max(0.0) as i64;
    let (d, h, m, s) = (t / 86_400, t % 86_400 / 3600, t % 3600 / 60, t % 60);
    if d > 0 {
        if h > 0 {
            format!("{d}d {h}h")
        } else {
            format!("{d}d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h}h {m}m")
        } else {
            format!("{h}h")
        }
    } else if m > 0 {
        if s > 0 {
            format!("{m}m {s}s")
        } else {
            format!("{m}m")
        }
    } else {
        format!("{s}s")
    }
}

/// The user a replay shows: display name, username, email, id or IP.
pub fn user_label(r: &Value) -> Option<String> {
    let u = r.get("user")?;
    ["display_name", "username", "email", "id", "ip"]
        .iter()
        .find_map(|k| match u.get(*k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
}

struct ReplayList {
    title: String,
    replays: Vec<Value>,
    next: Option<String>,
    has_prev: bool,
    hint: String,
}

impl Report for ReplayList {
    fn json(&self) -> Value {
        envelope(self.replays.clone(), self.next.as_deref(), self.has_prev)
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.replays.is_empty() {
            out.line(if self.next.is_some() {
                "No replays on this page."
            } else {
                "No replays found."
            })?;
        } else {
            out.line(format!("Recent replays in {}:", self.title))?;
            out.blank()?;
            let count = |r: &Value, k: &str| match r.get(k) {
                Some(Value::Number(n)) => n.to_string(),
                _ => "0".into(),
            };
            let rows = self
                .replays
                .iter()
                .map(|r| {
                    vec![
                        r.get("id")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        relative(r.get("started_at").and_then(Value::as_str)),
                        r.get("duration")
                            .and_then(Value::as_f64)
                            .map_or_else(|| "—".into(), short_duration),
                        count(r, "count_errors"),
                        count(r, "count_segments"),
                        user_label(r).unwrap_or_else(|| "—".into()),
                        match r.get("project_id") {
                            Some(Value::String(s)) => s.clone(),
                            Some(Value::Number(n)) => n.to_string(),
                            _ => "—".into(),
                        },
                    ]
                })
                .collect();
            // Upstream's minimum column widths.
            let heads = [
                format!("{:<32}", "ID"),
                format!("{:<10}", "STARTED"),
                format!("{:<10}", "DURATION"),
                "ERRORS".to_string(),
                "SEGMENTS".to_string(),
                format!("{:<16}", "USER"),
                "PROJECT".to_string(),
            ];
            let h: Vec<&str> = heads.iter().map(String::as_str).collect();
            // Upstream never narrows this table: IDs must stay copyable on one line.
            let mut t = Table::new(Some(&h), rows);
            t.align = vec![
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
            ];
            t.fixed = vec![true; 7];
            out.print_table(&t)?;
        }
        if !self.hint.is_empty() {
            out.blank()?;
            out.blank()?;
            out.line(&self.hint)?;
        }
        Ok(())
    }
}

/// Up to `limit` rows of a `{data: [...]}` list, each request asking only for what is
/// missing (`per_page=min(remaining,100)`), following cursors.
pub fn data_pages(
    req: sentry_api::RequestBuilder<'_>,
    limit: usize,
    max_pages: usize,
    cursor: Option<String>,
) -> CliResult<sentry_api::Page<Value>> {
    let mut pages = req.pages(sentry_api::Paging {
        limit,
        max_pages,
        size_param: Some("per_page"),
        shrink: true,
        cursor,
        accept_errors: false,
    });
    let mut items: Vec<Value> = Vec::new();
    let mut last_next = None;
    while let Some(resp) = pages.next_response() {
        let resp = resp.map_err(api_error)?;
        let body: Value = resp.json().map_err(api_error)?;
        items.extend(
            body.get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        last_next = pages.cursor().map(str::to_string);
        if items.len() >= limit {
            break;
        }
    }
    items.truncate(limit);
    Ok(sentry_api::Page {
        items,
        has_more: last_next.is_some(),
        next_cursor: last_next,
        has_prev: false,
        pages: pages.pages(),
        page_cap_hit: false,
    })
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::target::target_error)? as usize;
    let period = sentry_target::parse_period(&args.period, jiff::Timestamp::now())
        .map_err(crate::target::target_error)?;
    let sort = sort_param(&args.sort)?;
    let envs = crate::commands::flags::comma_list(&args.environment);
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let (org, project) = r.org_and_project(args.target.as_deref())?;
    let project = project.map(|p| p.slug);
    let target = match &project {
        Some(p) => format!("{org}/{p}"),
        None => format!("{org}/"),
    };
    let title = match &project {
        Some(p) => format!("{org}/{p}"),
        None => format!("{org} (all projects)"),
    };
    let context_key = format!(
        "{}|{target}|{}|{}|{}|{}|{limit}",
        client.base_url(),
        envs.join(","),
        args.sort,
        args.query.as_deref().unwrap_or(""),
        args.period
    );
    let plan = paging::plan(ctx, "replay list", &context_key, args.cursor.as_deref())?;
    let mut req = r.org(&org)?.replays();
    for e in &envs {
        req = req.query("environment", e.as_str());
    }
    for f in FIELDS {
        req = req.query("field", f);
    }
    if let Some(p) = &project {
        req = req.query("projectSlug", p.as_str());
    }
    if let Some(q) = args.query.as_deref().filter(|q| !q.is_empty()) {
        req = req.query("query", q);
    }
    req = req.query("sort", sort.as_str());
    for (k, v) in &period {
        req = req.query(*k, v.as_str());
    }
    let page = data_pages(req, limit, ctx.max_pages(), plan.cursor.clone())?;
    plan.record(ctx, page.next_cursor.as_deref());
    let replays: Vec<Value> = page
        .items
        .into_iter()
        .map(|mut v| {
            if let Some(n) = v.get("project_id").and_then(Value::as_i64) {
                v["project_id"] = Value::String(n.to_string());
            }
            v
        })
        .collect();
    let has_prev = plan.has_prev;
    let mut flags = String::new();
    if let Some(q) = args.query.as_deref().filter(|q| !q.is_empty()) {
        flags.push_str(&format!(
            " --query={}",
            crate::commands::feedback::render::quote(q)
        ));
    }
    if sort != "-started_at" {
        flags.push_str(&format!(" --sort \"{}\"", args.sort));
    }
    for e in &envs {
        flags.push_str(&format!(" -e \"{e}\""));
    }
    if args.period != "7d" {
        flags.push_str(&format!(" --period {}", args.period));
    }
    let mut pages = Vec::new();
    if has_prev {
        pages.push(format!("Prev: sentry replay list {target} -c prev{flags}"));
    }
    if page.next_cursor.is_some() {
        pages.push(format!("Next: sentry replay list {target} -c next{flags}"));
    }
    let pages = pages.join(" | ");
    let hint = if replays.is_empty() {
        if pages.is_empty() {
            String::new()
        } else {
            format!("No replays on this page. {pages}")
        }
    } else {
        let n = replays.len();
        let showing = format!("Showing {n} replay{}.", if n == 1 { "" } else { "s" });
        if pages.is_empty() {
            let id = replays[0].get("id").and_then(Value::as_str).unwrap_or("");
            format!("{showing} Use 'sentry replay view {org}/{id}' for details.")
        } else {
            format!("{showing} {pages}")
        }
    };
    emit(
        &ReplayList {
            title,
            replays,
            next: page.next_cursor,
            has_prev,
            hint,
        },
        &ctx.output,
    )?;
    Ok(0)
}
