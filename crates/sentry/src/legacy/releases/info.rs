//! `sentry-cli releases info VERSION [-P] [-C]`: one release as a 3.x table. Scripts use it
//! as an existence check (`--quiet`: no output, exit 0 when the release exists, 1 when not),
//! so a missing release is exit 1; we also say so on stderr unless `--quiet` (3.x is silent).

use clap::Args;
use serde_json::Value;

use super::parse_version;
use crate::commands::release::ops;
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::remote::{self, NotFound};
use crate::legacy::table::{utc_datetime, Table};
use crate::legacy::LegacyGlobal;
use crate::output::format::text;

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The version of the release
    #[arg(verbatim_doc_comment, value_name = "VERSION", value_parser = parse_version)]
    pub version: String,
    /// Display the Projects column
    #[arg(verbatim_doc_comment, short = 'P', long = "show-projects")]
    pub show_projects: bool,
    /// Display the Commits column
    #[arg(verbatim_doc_comment, short = 'C', long = "show-commits")]
    pub show_commits: bool,
}

/// Lines of one cell: the values, one per line, or `-` when there are none.
fn cell(values: Vec<String>) -> String {
    if values.is_empty() {
        "-".to_string()
    } else {
        values.join("\n")
    }
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &InfoArgs) -> CliResult<i32> {
    let client = remote::client(ctx)?;
    let org = remote::org(ctx)?;
    let api = remote::org_api(&client, &org);
    let Some(release) =
        ops::get(&api, &args.version).map_err(|e| remote::api_failure(e, NotFound::Release))?
    else {
        let message = format!(
            "Release {} does not exist in organization {org}.",
            args.version
        );
        return Err(match global.quiet {
            true => CliError::already_reported(1, message),
            false => CliError::general(message),
        });
    };
    if global.quiet {
        return Ok(0);
    }
    let last_event = release
        .get("lastEvent")
        .and_then(Value::as_str)
        .map(utc_datetime);
    let mut header = vec!["Version", "Date created"];
    let mut row = vec![
        text(&release, "version"),
        utc_datetime(&text(&release, "dateCreated")),
    ];
    if let Some(last) = last_event {
        header.push("Last event");
        row.push(last);
    }
    if args.show_projects {
        header.push("Projects");
        let slugs = release
            .get("projects")
            .and_then(Value::as_array)
            .map(|ps| ps.iter().map(|p| text(p, "slug")).collect())
            .unwrap_or_default();
        row.push(cell(slugs));
    }
    if args.show_commits {
        header.push("Commits");
        let commits = ops::commits(&api, &args.version)
            .map_err(|e| remote::api_failure(e, NotFound::Release))?;
        row.push(cell(commits.iter().map(|c| text(c, "id")).collect()));
    }
    let mut table = Table::new(&header);
    table.row(row);
    super::super::print(global, &table.render())?;
    Ok(0)
}
