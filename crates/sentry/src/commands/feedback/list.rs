//! `sentry feedback list [<org>/<project> | <org>/ | <project>]`: the feedback mailboxes.
//!
//! The issue search with a forced `issue.category:feedback` and a status per mailbox
//! (`--status unresolved|resolved|spam|all`), newest first, over `--period` (14d). Pages are
//! sized with `limit` like `issue list`; `--cursor next|prev|first` walks them.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::commands::feedback::find::feedback_query;
use crate::commands::feedback::render;
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::paging::{self, envelope};
use crate::target::{Resolver, Scope};

const DEFAULT_PERIOD: &str = "14d";
const DEFAULT_LIMIT: i64 = 25;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// <org>/ (all projects), <org>/<project>, or <project> (search)
    #[arg(value_name = "org/project")]
    pub target: Option<String>,
    /// Mailbox: unresolved, resolved, spam, or all
    #[arg(long, default_value = "unresolved", value_parser = ["unresolved", "resolved", "spam", "all"])]
    pub status: String,
    /// Number of feedback items (1-1000)
    #[arg(short = 'n', long, default_value_t = DEFAULT_LIMIT, allow_negative_numbers = true)]
    pub limit: i64,
    /// Search query (Sentry issue search syntax)
    #[arg(short = 'q', long)]
    pub query: Option<String>,
    /// Time range: "7d", "2024-01-01..2024-02-01", ">=2024-01-01"
    #[arg(short = 't', long, default_value = DEFAULT_PERIOD)]
    pub period: String,
    /// Navigate pages: "next", "prev", "first" (or raw cursor string)
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct FeedbackList {
    /// `org/project` or `org (all projects)`.
    title: String,
    items: Vec<Value>,
    next: Option<String>,
    has_prev: bool,
    /// The command that shows the same list, for the page hints.
    command: String,
    org: String,
}

impl Report for FeedbackList {
    fn json(&self) -> Value {
        envelope(self.items.clone(), self.next.as_deref(), self.has_prev)
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let pages = page_hint(&self.command, self.has_prev, self.next.is_some());
        if self.items.is_empty() {
            if pages.is_empty() {
                return out.line("No feedback found.");
            }
            return out.line(format!("No feedback on this page. {pages}"));
        }
        render::list(out, &self.title, &self.items)?;
        let n = self.items.len();
        let showing = format!(
            "Showing {n} feedback item{}.",
            if n == 1 { "" } else { "s" }
        );
        out.blank()?;
        if pages.is_empty() {
            let first = crate::output::format::text(&self.items[0], "shortId");
            out.line(format!(
                "{showing} Use 'sentry feedback view {}/{first}' for details.",
                self.org
            ))
        } else {
            out.line(format!("{showing} {pages}"))
        }
    }
}

/// `Prev: <cmd> -c prev | Next: <cmd> -c next`, as upstream words its page hints.
fn page_hint(command: &str, has_prev: bool, has_next: bool) -> String {
    let mut parts = Vec::new();
    if has_prev {
        parts.push(format!("Prev: {}", command.replace("{c}", "prev")));
    }
    if has_next {
        parts.push(format!("Next: {}", command.replace("{c}", "next")));
    }
    parts.join(" | ")
}

/// The list command for the hints, `{c}` standing for the cursor word; flags at their
/// defaults are left out.
fn hint_command(target: &str, args: &ListArgs) -> String {
    let mut s = format!("sentry feedback list {target} -c {{c}}");
    if args.status != "unresolved" {
        s.push_str(&format!(" --status {}", args.status));
    }
    if args.limit != DEFAULT_LIMIT {
        s.push_str(&format!(" --limit {}", args.limit));
    }
    if let Some(q) = args.query.as_deref().filter(|q| !q.is_empty()) {
        s.push_str(&format!(
            " --query={}",
            crate::commands::feedback::render::quote(q)
        ));
    }
    if args.period != DEFAULT_PERIOD {
        s.push_str(&format!(" --period {}", args.period));
    }
    s
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::target::target_error)? as usize;
    let period = sentry_target::parse_period(&args.period, jiff::Timestamp::now())
        .map_err(crate::target::target_error)?;
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let resolved = r.resolve_target(args.target.as_deref())?;
    let (org, project) = match resolved.scope {
        Scope::OrgAll { org } => (org, None),
        Scope::Projects(ps) => {
            let p = ps.into_iter().next().ok_or_else(|| {
                CliError::new(exit::CONTEXT, "Organization and project are required.")
            })?;
            let id = r.project_id(&p)?;
            (p.org.clone(), Some((p.slug, id)))
        }
    };
    let target = match &project {
        Some((slug, _)) => format!("{org}/{slug}"),
        None => format!("{org}/"),
    };
    let title = match &project {
        Some((slug, _)) => format!("{org}/{slug}"),
        None => format!("{org} (all projects)"),
    };
    let query = feedback_query(&args.status, args.query.as_deref());
    let context_key = format!(
        "{}|{target}|{}|{}|{}|{limit}",
        client.base_url(),
        args.status,
        args.query.as_deref().unwrap_or(""),
        args.period
    );
    let plan = paging::plan(ctx, "feedback list", &context_key, args.cursor.as_deref())?;
    let mut req = r.org(&org)?.issues();
    if let Some((_, id)) = &project {
        req = req.query("project", id.as_str());
    }
    req = req.query("query", query.as_str()).query("sort", "date");
    for (k, v) in &period {
        req = req.query(*k, v.as_str());
    }
    req = req
        .query("collapse", "filtered")
        .query("collapse", "unhandled");
    let paging_spec = sentry_api::Paging {
        limit,
        max_pages: ctx.max_pages(),
        size_param: Some("limit"),
        shrink: true,
        cursor: plan.cursor.clone(),
        accept_errors: false,
    };
    let page = req
        .pages(paging_spec)
        .collect::<Value>()
        .map_err(crate::context::api_error)?;
    plan.record(ctx, page.next_cursor.as_deref());
    emit(
        &FeedbackList {
            title,
            items: page.items,
            next: page.next_cursor,
            has_prev: plan.has_prev || page.has_prev,
            command: hint_command(&target, args),
            org,
        },
        &ctx.output,
    )?;
    Ok(0)
}
