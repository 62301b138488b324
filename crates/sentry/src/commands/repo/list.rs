//! `sentry repo list [<target>]` (alias `repos`): same modes as `team list`; repositories are
//! org-scoped, so a project target lists its org's repositories with a note.

use serde_json::Value;

use sentry_api::{OrgApi, RequestBuilder};

use crate::commands::team::list::{run_list, ListArgs, ListSpec};
use crate::context::Context;
use crate::error::CliResult;
use crate::target::str_field;

fn repo_row(r: &Value) -> Vec<String> {
    let s = |k: &str| str_field(r, k).unwrap_or_default();
    let provider = r
        .get("provider")
        .and_then(|p| str_field(p, "name"))
        .unwrap_or_default();
    let status = r
        .get("status")
        .map(|st| match st {
            Value::Object(_) => str_field(st, "name")
                .or_else(|| str_field(st, "id"))
                .unwrap_or_default(),
            _ => s("status"),
        })
        .unwrap_or_default();
    vec![s("orgSlug"), s("name"), provider, status, s("url")]
}

fn org_repos<'c>(api: &OrgApi<'c>) -> RequestBuilder<'c> {
    api.repos()
}

pub const REPOS: ListSpec = ListSpec {
    command: "repo list",
    noun: "repositories",
    resource: "repos",
    org_list: org_repos,
    project_list: None,
    header: &["ORG", "NAME", "PROVIDER", "STATUS", "URL"],
    row: repo_row,
    align: &[],
    note_for_project: Some("repositories are org-scoped; listing the organization's repositories."),
    org_scoped_note: false,
};

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    run_list(ctx, &REPOS, args)
}
