//! `sentry release delete [<org>/]<version>` (aliases `remove`, `rm`): the release is looked
//! up first; at a terminal the version must be typed back, otherwise `--yes`/`--force`.

use std::io::{self, BufRead, IsTerminal, Write};

use clap::Args;
use serde_json::{json, Value};

use super::resolve;
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::target::{failed_to, Resolver};

const USAGE: &str = "sentry release delete [<org>/]<version>";

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// [<org>/]<version> - Release version to delete
    #[arg(value_name = "org/version")]
    pub release: String,
    /// Skip confirmation prompt
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Force the operation without confirmation
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Show what would happen without making changes
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

struct Deleted(Value);

impl Report for Deleted {
    fn json(&self) -> Value {
        self.0.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let v = &self.0;
        let (version, org) = (text(v, "version"), text(v, "org"));
        if v.get("dryRun").and_then(Value::as_bool) == Some(true) {
            out.line(format!(
                "Would delete release {version} from {org}. (dry run)"
            ))
        } else if v.get("deleted").and_then(Value::as_bool) == Some(true) {
            out.line(format!("Release {version} deleted from {org}."))
        } else {
            out.line("Cancelled.")
        }
    }
}

/// Asks for the version to be typed back; true when it was.
fn typed_back(version: &str, deploys: i64) -> CliResult<bool> {
    let suffix = match deploys {
        0 => String::new(),
        1 => " (1 deploy)".to_string(),
        n => format!(" ({n} deploys)"),
    };
    let mut stderr = io::stderr();
    write!(
        stderr,
        "Type '{version}' to permanently delete this release{suffix}: "
    )?;
    stderr.flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim() == version)
}

pub fn run(ctx: &Context, args: &DeleteArgs) -> CliResult<i32> {
    let (client, t) = resolve(ctx, &args.release, USAGE)?;
    let org = Resolver::new(ctx, &client).org(&t.org)?;
    let release = org
        .release(&t.version)
        .send_json::<Value>()
        .map_err(|e| failed_to(&format!("get release '{}'", t.version), e))?;
    if args.dry_run {
        let v = json!({"deleted": false, "org": t.org, "version": t.version, "dryRun": true});
        emit(&Deleted(v), &ctx.output)?;
        return Ok(0);
    }
    if !(args.yes || args.force) {
        if !io::stdin().is_terminal() || ctx.output.json {
            return Err(CliError::new(
                exit::GENERAL,
                "Destructive operation refused in non-interactive mode. Use --yes or --force to confirm.",
            ));
        }
        let deploys = release
            .get("deployCount")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if !typed_back(&t.version, deploys)? {
            let v = json!({"deleted": false, "org": t.org, "version": t.version});
            emit(&Deleted(v), &ctx.output)?;
            return Ok(0);
        }
    }
    // A 404 here means it vanished since the lookup above: deleted all the same.
    super::ops::delete(&org, &t.version).map_err(|e| {
        let health = e
            .api_detail()
            .is_some_and(|d| d.contains("health data"));
        if e.status() == Some(400) && health {
            CliError::new(
                exit::API,
                format!("Release '{}' has health data and cannot be deleted", t.version),
            )
            .with_hint("Releases with active session or crash-free data are protected by Sentry and cannot be removed via the API. The health data must age out before the release can be deleted.")
        } else {
            failed_to(&format!("delete release '{}'", t.version), e)
        }
    })?;
    let v = json!({"deleted": true, "org": t.org, "version": t.version});
    emit(&Deleted(v), &ctx.output)?;
    Ok(0)
}
