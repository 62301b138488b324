//! `sentry monitor list [<target>]` (alias `monitors`): the org's cron monitors, in the modes
//! `team list` has (org-all is one server page with a cursor and the JSON envelope; explicit
//! and detected targets list their orgs' monitors). Monitors are org-scoped, so a project
//! target lists its org's monitors with a note.

use serde_json::Value;

use sentry_api::{OrgApi, RequestBuilder};

use crate::commands::team::list::{run_list, ListArgs, ListSpec};
use crate::context::Context;
use crate::error::CliResult;
use crate::target::str_field;

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
    run_list(ctx, &MONITORS, args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
