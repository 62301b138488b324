//! `sentry event list <issue>` (also `sentry issue events`, which delegates here): an issue's
//! events, newest first, following cursors until `--limit`.
//!
//! Both spellings are one command: the page stack in cli.db and the navigation hint use the
//! name `issue events` whichever spelling ran.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::CliResult;
use crate::output::format::{relative, text};
use crate::output::{emit, Human, Report};
use crate::target::paging::{self, envelope};
use crate::target::Resolver;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Issue: numeric ID, short ID, org/CLI-G, cli-G, G, @latest, or an issue URL
    pub issue: String,
    /// Maximum number of events (1-1000)
    #[arg(short = 'n', long, default_value_t = 25)]
    pub limit: i64,
    /// Search query for events
    #[arg(short = 'q', long)]
    pub query: Option<String>,
    /// Include full event bodies (stack traces)
    #[arg(long)]
    pub full: bool,
    /// Time range, e.g. 7d, 24h
    #[arg(short = 't', long, default_value = "7d")]
    pub period: String,
    /// Page: next, prev, first, or a raw cursor
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct EventList {
    short_id: String,
    events: Vec<Value>,
    next: Option<String>,
    has_prev: bool,
    command: String,
}

fn user_label(e: &Value) -> String {
    let Some(u) = e.get("user").filter(|u| u.is_object()) else {
        return String::new();
    };
    ["email", "username", "id", "ip_address"]
        .iter()
        .find_map(|k| crate::target::str_field(u, k).filter(|s| !s.is_empty()))
        .unwrap_or_default()
}

impl Report for EventList {
    fn json(&self) -> Value {
        envelope(self.events.clone(), self.next.as_deref(), self.has_prev)
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.events.is_empty() {
            return out.line("No events found for this issue.");
        }
        out.line(format!("Events for {}:", self.short_id))?;
        out.blank()?;
        // Whole IDs: they are what `event view` takes.
        let rows = self
            .events
            .iter()
            .map(|e| {
                vec![
                    text(e, "eventID"),
                    relative(e.get("dateCreated").and_then(Value::as_str)),
                    text(e, "title"),
                    text(e, "platform"),
                    user_label(e),
                ]
            })
            .collect();
        // Laid out at its natural width, like upstream's events table (on a terminal too): the
        // whole IDs are what `event view` takes, so they must never wrap.
        let table = crate::output::Table::new(
            Some(&["EVENT ID", "TIMESTAMP", "TITLE", "PLATFORM", "USER"]),
            rows,
        );
        out.line(table.render(usize::MAX))?;
        out.blank()?;
        out.blank()?;
        let n = self.events.len();
        let mut nav = Vec::new();
        if self.has_prev {
            nav.push(format!("Prev: {} -c prev", self.command));
        }
        if self.next.is_some() {
            nav.push(format!("Next: {} -c next", self.command));
        }
        let tail = if nav.is_empty() {
            "Use 'sentry event view <EVENT_ID>' to view full event details.".to_string()
        } else {
            nav.join(" | ")
        };
        out.line(format!(
            "Showing {n} event{}. {tail}",
            if n == 1 { "" } else { "s" }
        ))
    }
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit_between(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::target::target_error)? as usize;
    crate::target::issue::parse(&args.issue)?;
    ctx.route_to_target(Some(&args.issue));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let found = r.resolve_issue(&args.issue)?;
    let (org, id) = (found.org.clone(), found.id());
    let key = format!(
        "{}|{org}|{id}|{}|{}",
        client.base_url(),
        args.query.as_deref().unwrap_or(""),
        args.period
    );
    let plan = paging::plan(ctx, "issue events", &key, args.cursor.as_deref())?;
    let mut req = r.org(&org)?.issue_events(&id);
    if let Some(q) = args.query.as_deref().filter(|q| !q.is_empty()) {
        req = req.query("query", q);
    }
    req = req
        .query("full", if args.full { "true" } else { "false" })
        .query("statsPeriod", args.period.as_str());
    let paging =
        sentry_api::Paging::per_page(limit, ctx.max_pages()).from_cursor(plan.cursor.clone());
    let page = req.pages(paging).collect::<Value>().map_err(api_error)?;
    if page.page_cap_hit {
        crate::diag!(
            "Warning: Pagination limit reached ({} pages, {} items). Results may be incomplete.",
            page.pages,
            page.items.len()
        );
    }
    let has_prev = plan.has_prev || page.has_prev;
    let next = page.next_cursor;
    let events = page.items;
    plan.record(ctx, next.as_deref());
    emit(
        &EventList {
            short_id: found.short_id(),
            events,
            next,
            has_prev,
            command: format!("sentry issue events {}", args.issue),
        },
        &ctx.output,
    )?;
    Ok(0)
}
