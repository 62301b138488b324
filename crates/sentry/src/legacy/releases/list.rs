//! `sentry-cli releases list [-P] [-R [-D DELIM]]`: the newest releases of the org, or of the
//! project when one is configured (`-p`, `SENTRY_PROJECT`, `defaults.project`), as 3.x's
//! table; `--raw` prints only the versions, joined by the delimiter (a newline by default).

use clap::Args;
use serde_json::Value;

use super::{print_always, OrgProjectArgs};
use crate::commands::release::ops;
use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{self, NotFound};
use crate::legacy::table::{human_duration, seconds_since, Table};
use crate::legacy::LegacyGlobal;
use crate::output::format::text;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Display the Projects column
    #[arg(verbatim_doc_comment, short = 'P', long = "show-projects")]
    pub show_projects: bool,
    /// Print raw, delimiter separated list of releases. [defaults to new line]
    #[arg(verbatim_doc_comment, short = 'R', long)]
    pub raw: bool,
    /// Delimiter for the --raw flag
    #[arg(
        verbatim_doc_comment,
        short = 'D',
        long,
        value_name = "delimiter",
        default_value = "\n",
        hide_default_value = true
    )]
    pub delimiter: String,
}

/// `N hours ago` for a timestamp field, else `missing`.
fn ago(v: &Value, key: &str, missing: &str) -> String {
    match v.get(key).and_then(Value::as_str).and_then(seconds_since) {
        Some(secs) => format!("{} ago", human_duration(secs)),
        None => missing.to_string(),
    }
}

pub fn run(
    ctx: &Context,
    global: &LegacyGlobal,
    scope: &OrgProjectArgs,
    args: &ListArgs,
) -> CliResult<i32> {
    let client = remote::client(ctx)?;
    let org = remote::org(ctx)?;
    let project = remote::projects(ctx, &scope.projects)?.into_iter().next();
    let not_found = match project {
        Some(_) => NotFound::Project,
        None => NotFound::Org,
    };
    let releases = ops::list(&remote::org_api(&client, &org), project.as_deref())
        .map_err(|e| remote::api_failure(e, not_found))?;
    if args.raw {
        let versions: Vec<String> = releases.iter().map(|r| text(r, "version")).collect();
        return print_always(global, &versions.join(&args.delimiter)).map(|_| 0);
    }
    let mut header = vec!["Released", "Version"];
    if args.show_projects {
        header.push("Projects");
    }
    header.extend(["New Events", "Last Event"]);
    let mut table = Table::new(&header);
    for r in &releases {
        let mut row = vec![ago(r, "dateReleased", "(unreleased)"), text(r, "version")];
        if args.show_projects {
            let slugs: Vec<String> = r
                .get("projects")
                .and_then(Value::as_array)
                .map(|ps| ps.iter().map(|p| text(p, "slug")).collect())
                .unwrap_or_default();
            row.push(slugs.join("\n"));
        }
        row.push(
            r.get("newGroups")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .to_string(),
        );
        row.push(ago(r, "lastEvent", "-"));
        table.row(row);
    }
    let rendered = table.render();
    if !rendered.is_empty() {
        print_always(global, &rendered)?;
    }
    Ok(0)
}
