//! `sentry org view [<org>]`: one organization's details.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::CliResult;
use crate::output::format::{datetime, text};
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Organization slug (default: from context)
    pub org: Option<String>,
    /// Open the organization in the browser instead
    #[arg(short = 'w', long)]
    pub web: bool,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct OrgView {
    org: Value,
    detected_from: Option<String>,
}

fn yes_no(v: Option<&Value>) -> &'static str {
    if v.and_then(Value::as_bool) == Some(true) {
        "Yes"
    } else {
        "No"
    }
}

impl Report for OrgView {
    fn json(&self) -> Value {
        self.org.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let o = &self.org;
        out.heading(&format!("{}: {}", text(o, "slug"), text(o, "name")))?;
        out.blank()?;
        let two_fa = if o.get("require2FA").and_then(Value::as_bool) == Some(true) {
            "Required"
        } else {
            "Not required"
        };
        let mut rows = vec![
            vec!["Slug".to_string(), text(o, "slug")],
            vec!["Name".to_string(), text(o, "name")],
            vec!["ID".to_string(), text(o, "id")],
            vec![
                "Created".to_string(),
                datetime(o.get("dateCreated").and_then(Value::as_str)),
            ],
            vec!["2FA".to_string(), two_fa.to_string()],
            vec![
                "Early Adopter".to_string(),
                yes_no(o.get("isEarlyAdopter")).to_string(),
            ],
        ];
        let role = text(o, "orgRole");
        if !role.is_empty() {
            rows.push(vec!["Your Role".to_string(), role]);
        }
        out.table(None, rows)?;
        if let Some(features) = o.get("features").and_then(Value::as_array) {
            out.blank()?;
            out.line(format!("Features ({}):", features.len()))?;
            out.blank()?;
            for f in features {
                out.line(format!("• {}", f.as_str().unwrap_or_default()))?;
            }
        }
        if let Some(from) = &self.detected_from {
            out.blank()?;
            out.line(format!("Detected from {from}"))?;
        }
        Ok(())
    }
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    match args.org.as_deref() {
        Some(org) => ctx.route_to_org(org.trim_end_matches('/')),
        None => ctx.route_to_target(None),
    }
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let (org, detected_from) = r.resolve_org(args.org.as_deref())?;
    if args.web {
        return crate::web::open(ctx, &crate::web::org_url(client.base_url(), &org));
    }
    let base = crate::regions::region_for_org(ctx, &client, &org)?;
    // The region probe already fetched this object from the control silo when the region was
    // unknown; only a region other than the base URL needs the second request.
    let detail = match crate::regions::probed_org(ctx, &client, &org) {
        Some(v) if base == client.base_url().trim_end_matches('/') => v,
        _ => client
            .org_api(&org, &base)
            .detail()
            .send_json::<Value>()
            .map_err(api_error)?,
    };
    emit(
        &OrgView {
            org: detail,
            detected_from,
        },
        &ctx.output,
    )?;
    Ok(0)
}
