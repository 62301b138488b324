//! `sentry-cli events [-o ORG] [-p PROJECT] list [-U] [-T] [--pages N] [--max-rows N]`: the
//! project's latest events in 3.x's table.

use clap::{Args, Subcommand};
use serde_json::Value;

use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{api_failure, client, org, paging, project, NotFound};
use crate::legacy::send_event::hyphenated;
use crate::legacy::table::Table;
use crate::legacy::LegacyGlobal;
use crate::target::{str_field, Resolver};

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The organization ID or slug.
    #[arg(short = 'o', long, global = true, value_name = "ORG")]
    pub org: Option<String>,
    /// The project ID or slug.
    #[arg(short = 'p', long, global = true, value_name = "PROJECT")]
    pub project: Option<String>,
    #[command(subcommand)]
    pub command: EventsCommand,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List all events in your organization.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Display the Users column.
    #[arg(short = 'U', long = "show-user")]
    pub show_user: bool,
    /// Display the Tags column.
    #[arg(short = 'T', long = "show-tags")]
    pub show_tags: bool,
    /// Maximum number of rows to print.
    #[arg(long = "max-rows", value_name = "MAX_ROWS")]
    pub max_rows: Option<usize>,
    /// Maximum number of pages to fetch (100 events/page).
    #[arg(long, value_name = "PAGES", default_value_t = 5)]
    pub pages: usize,
}

/// 3.x's User cell: the known fields run together (`ID: 7Username: bobIP: {{auto}}`), `-`
/// for an event without a user.
fn user_cell(e: &Value) -> String {
    let Some(u) = e.get("user").filter(|u| u.is_object()) else {
        return "-".to_string();
    };
    [
        ("ID", "id"),
        ("Username", "username"),
        ("Email", "email"),
        ("IP", "ip_address"),
    ]
    .iter()
    .filter_map(|(label, k)| str_field(u, k).map(|v| format!("{label}: {v}")))
    .collect()
}

/// 3.x's Tags cell: one `key: value` line per tag.
fn tags_cell(e: &Value) -> String {
    e.get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .map(|t| {
                    format!(
                        "{}: {}",
                        str_field(t, "key").unwrap_or_default(),
                        str_field(t, "value").unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &EventsArgs) -> CliResult<i32> {
    let EventsCommand::List(list) = &args.command;
    let org = org(ctx)?;
    let project = project(ctx)?;
    let client = client(ctx)?;
    let page = Resolver::new(ctx, &client)
        .org(&org)?
        .project_events(&project)
        .pages(paging(list.pages))
        .collect::<Value>()
        .map_err(|e| api_failure(e, NotFound::Project))?;
    let mut header = vec!["Event ID", "Date", "Title"];
    if list.show_user {
        header.push("User");
    }
    if list.show_tags {
        header.push("Tags");
    }
    let mut table = Table::new(&header);
    for e in page.items.iter().take(list.max_rows.unwrap_or(usize::MAX)) {
        let id = str_field(e, "eventID")
            .or_else(|| str_field(e, "id"))
            .unwrap_or_default();
        let mut row = vec![
            hyphenated(&id),
            str_field(e, "dateCreated").unwrap_or_default(),
            str_field(e, "title").unwrap_or_default(),
        ];
        if list.show_user {
            row.push(user_cell(e));
        }
        if list.show_tags {
            row.push(tags_cell(e));
        }
        table.row(row);
    }
    if table.is_empty() {
        return super::print(global, "No events found").map(|_| 0);
    }
    super::print(global, &table.render())?;
    Ok(0)
}
