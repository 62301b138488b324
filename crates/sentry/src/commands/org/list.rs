//! `sentry org list` (alias `sentry orgs`): every org from the control silo; fills the region
//! cache so later org-scoped commands need no probe.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::CliResult;
use crate::output::{emit, Human, Report};
use crate::resolve::str_field;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Maximum number of organizations to show (1-1000)
    #[arg(short = 'n', long, default_value_t = 25)]
    pub limit: i64,
    /// Accepted for compatibility; responses are never cached
    #[arg(short = 'f', long)]
    pub fresh: bool,
}

struct OrgList {
    orgs: Vec<Value>,
    total: usize,
}

impl Report for OrgList {
    fn json(&self) -> Value {
        Value::Array(self.orgs.clone())
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.orgs.is_empty() {
            return out.line("No organizations found.");
        }
        let regions: Vec<String> = self
            .orgs
            .iter()
            .map(|o| sentry_api::org_region_url(o).unwrap_or_default())
            .collect();
        let mut distinct = regions.clone();
        distinct.sort();
        distinct.dedup();
        let show_region = distinct.len() > 1;
        let rows: Vec<Vec<String>> = self
            .orgs
            .iter()
            .zip(&regions)
            .map(|(o, r)| {
                let mut row = vec![str_field(o, "slug").unwrap_or_default()];
                if show_region {
                    row.push(crate::regions::region_label(r));
                }
                row.push(str_field(o, "name").unwrap_or_default());
                row
            })
            .collect();
        let header: &[&str] = if show_region {
            &["SLUG", "REGION", "NAME"]
        } else {
            &["SLUG", "NAME"]
        };
        out.table(Some(header), rows)?;
        out.blank()?;
        if self.total > self.orgs.len() {
            out.line(format!(
                "Showing {} of {} organizations",
                self.orgs.len(),
                self.total
            ))?;
        }
        out.line("Tip: Use 'sentry org view <slug>' for details")
    }
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::resolve::target_error)?;
    let client = ctx.authed_client()?;
    let mut orgs = client.list_organizations().map_err(api_error)?;
    crate::regions::record_org_list(ctx, &client, &orgs);
    let total = orgs.len();
    orgs.truncate(limit as usize);
    emit(&OrgList { orgs, total }, &ctx.output)?;
    Ok(0)
}
