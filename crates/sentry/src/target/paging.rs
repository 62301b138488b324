//! `-c/--cursor next|prev|first|<raw>`: client-side page navigation. A raw cursor is sent
//! as is; the stored state expires 5 minutes after the last page was shown.
//!
//! Sentry cursors only go forward from a response, so `prev` needs memory: the start cursors of
//! the pages already shown are kept as a stack in cli.db `pagination_cursors`, keyed by the
//! command and everything that shapes the result (host, org/project, query, sort, period).

use sentry_store::CursorDirection;
use sentry_target::{parse_cursor, CursorArg};

use crate::context::Context;
use crate::error::{CliError, CliResult};

/// Which page to fetch and how to record it afterwards.
#[derive(Debug, Clone)]
pub struct CursorPlan {
    /// Cursor to send (`None` = first page).
    pub cursor: Option<String>,
    direction: CursorDirection,
    command_key: String,
    context_key: String,
    /// A page before this one exists (from the stored stack).
    pub has_prev: bool,
}

/// Decides the cursor for this run from `--cursor` and the stored stack.
pub fn plan(
    ctx: &Context,
    command_key: &str,
    context_key: &str,
    arg: Option<&str>,
) -> CliResult<CursorPlan> {
    let mut p = CursorPlan {
        cursor: None,
        direction: CursorDirection::First,
        command_key: command_key.to_string(),
        context_key: context_key.to_string(),
        has_prev: false,
    };
    let Some(raw) = arg else { return Ok(p) };
    let parsed = parse_cursor(raw).map_err(crate::target::target_error)?;
    let state = || -> CliResult<sentry_store::PaginationState> {
        ctx.store()?
            .pagination_get(command_key, context_key)
            .ok()
            .flatten()
            .ok_or_else(|| {
                CliError::validation(
                    "No saved pagination state for this command (it expires after 5 minutes).",
                )
                .with_hint("Run it without --cursor first, then use --cursor next.")
            })
    };
    match parsed {
        CursorArg::First => {}
        CursorArg::Raw(c) => {
            p.cursor = Some(c);
            p.has_prev = true;
        }
        CursorArg::Next => {
            let s = state()?;
            let next = s.stack.get(s.index + 1).cloned().ok_or_else(|| {
                CliError::validation("There is no next page: the last page was already shown.")
            })?;
            p.cursor = Some(next).filter(|c| !c.is_empty());
            p.direction = CursorDirection::Next;
            p.has_prev = true;
        }
        CursorArg::Prev => {
            let s = state()?;
            if s.index == 0 {
                return Err(CliError::validation(
                    "There is no previous page: the first page is already shown.",
                ));
            }
            let idx = s.index - 1;
            p.cursor = s.stack.get(idx).cloned().filter(|c| !c.is_empty());
            p.direction = CursorDirection::Prev;
            p.has_prev = idx > 0;
        }
    }
    Ok(p)
}

impl CursorPlan {
    /// Stores the stack after a page was shown; `next` is the cursor of the page after it.
    pub fn record(&self, ctx: &Context, next: Option<&str>) {
        if let Ok(store) = ctx.store() {
            if let Err(e) =
                store.pagination_advance(&self.command_key, &self.context_key, self.direction, next)
            {
                log::debug!("[paging] could not store cursor state: {e}");
            }
        }
    }
}

/// Pagination hints printed under a table.
pub fn hints(command: &str, has_prev: bool, has_next: bool) -> Vec<String> {
    let mut out = Vec::new();
    if has_prev {
        out.push(format!("Previous page: {command} -c prev"));
    }
    if has_next {
        out.push(format!("Next page: {command} -c next"));
    }
    out
}

/// One page of an org-scoped list (`per_page=min(limit,100)`), the org-all mode of
/// `project/team/repo list`: items, the next cursor (only when the server has more) and
/// whether a previous page exists.
pub fn single_page(
    req: sentry_api::RequestBuilder<'_>,
    limit: u32,
    plan: &CursorPlan,
) -> CliResult<(Vec<serde_json::Value>, Option<String>, bool)> {
    let paging = sentry_api::Paging::per_page(limit as usize, 1).from_cursor(plan.cursor.clone());
    let page = req
        .pages(paging)
        .collect::<serde_json::Value>()
        .map_err(crate::context::api_error)?;
    Ok((page.items, page.next_cursor, plan.has_prev || page.has_prev))
}

/// `{data, hasMore, nextCursor?, hasPrev}`: the list envelope of upstream's paginated modes.
pub fn envelope(
    data: Vec<serde_json::Value>,
    next: Option<&str>,
    has_prev: bool,
) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("data".into(), serde_json::Value::Array(data));
    m.insert("hasMore".into(), serde_json::Value::Bool(next.is_some()));
    if let Some(n) = next {
        m.insert(
            "nextCursor".into(),
            serde_json::Value::String(n.to_string()),
        );
    }
    m.insert("hasPrev".into(), serde_json::Value::Bool(has_prev));
    serde_json::Value::Object(m)
}

/// Adds `orgSlug` to each item, as upstream does for multi-org lists.
pub fn with_org_slug(items: Vec<serde_json::Value>, org: &str) -> Vec<serde_json::Value> {
    items
        .into_iter()
        .map(|mut v| {
            if let Some(m) = v.as_object_mut() {
                m.insert("orgSlug".into(), serde_json::Value::String(org.to_string()));
            }
            v
        })
        .collect()
}
