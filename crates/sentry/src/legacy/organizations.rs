//! `sentry-cli organizations list`: every organization the token reaches (the same
//! `GET /organizations/` walk as `sentry org list`), in 3.x's table.

use clap::Subcommand;
use serde_json::Value;

use crate::context::Context;
use crate::error::CliResult;
use crate::legacy::remote::{api_failure, client, NotFound};
use crate::legacy::table::Table;
use crate::legacy::LegacyGlobal;
use crate::target::str_field;

#[derive(Debug, Subcommand)]
pub enum OrganizationsCommand {
    /// List all organizations available to the authenticated token.
    List,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, _cmd: &OrganizationsCommand) -> CliResult<i32> {
    let client = client(ctx)?;
    let orgs = client
        .list_organizations()
        .map_err(|e| api_failure(e, NotFound::Resource))?;
    let mut table = Table::new(&[
        "ID",
        "Name",
        "Slug",
        "Date Created",
        "Early Adopter",
        "Requires 2FA",
    ]);
    let flag = |o: &Value, k: &str| {
        o.get(k)
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .to_string()
    };
    for o in &orgs {
        let s = |k: &str| str_field(o, k).unwrap_or_default();
        let created = s("dateCreated").chars().take(10).collect();
        table.row(vec![
            s("id"),
            s("name"),
            s("slug"),
            created,
            flag(o, "isEarlyAdopter"),
            flag(o, "require2FA"),
        ]);
    }
    if table.is_empty() {
        return super::print(global, "No organizations found").map(|_| 0);
    }
    super::print(global, &table.render())?;
    Ok(0)
}
