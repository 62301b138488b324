//! `sentry release finalize [<org>/]<version>`: sets `dateReleased` (now or `--released`).

use std::io;

use clap::Args;
use serde_json::{json, Value};

use super::create::now_iso;
use super::{card, hint, is_dry_run, ops, or_dash, resolve};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::target::{failed_to, Resolver};

const USAGE: &str = "sentry release finalize [<org>/]<version>";

#[derive(Debug, Args)]
pub struct FinalizeArgs {
    /// [<org>/]<version> - Release version to finalize
    #[arg(value_name = "org/version")]
    pub release: String,
    /// Custom release timestamp (ISO 8601). Defaults to now.
    #[arg(long)]
    pub released: Option<String>,
    /// URL for the release
    #[arg(long)]
    pub url: Option<String>,
    /// Show what would happen without making changes
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

struct Finalized {
    release: Value,
    hint: Option<String>,
}

impl Report for Finalized {
    fn json(&self) -> Value {
        self.release.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let v = &self.release;
        let version = text(v, "version");
        if is_dry_run(v) {
            out.line(format!("Would finalize release {version} (dry run)"))?;
        } else {
            card(
                out,
                &format!("Release Finalized: {version}"),
                vec![
                    ("Version", version.clone()),
                    ("Status", "Finalized".into()),
                    ("Released", or_dash(text(v, "dateReleased"))),
                ],
            )?;
        }
        hint(out, self.hint.as_deref())
    }
}

pub fn run(ctx: &Context, args: &FinalizeArgs) -> CliResult<i32> {
    let (client, t) = resolve(ctx, &args.release, USAGE)?;
    let released = args.released.clone().unwrap_or_else(now_iso);
    let detected = t
        .detected_from
        .as_ref()
        .map(|d| format!("Detected from {d}"));
    if args.dry_run {
        let v = json!({"dryRun": true, "version": t.version, "org": t.org, "released": released});
        let report = Finalized {
            release: v,
            hint: Some("Dry run — release was not finalized.".into()),
        };
        emit(&report, &ctx.output)?;
        return Ok(0);
    }
    let changes = ops::ReleaseChanges {
        date_released: Some(released),
        url: args.url.clone(),
        ..ops::ReleaseChanges::default()
    };
    let release = ops::update(
        &Resolver::new(ctx, &client).org(&t.org)?,
        &t.version,
        &changes,
    )
    .map_err(|e| failed_to(&format!("update release '{}'", t.version), e))?;
    emit(
        &Finalized {
            release,
            hint: detected,
        },
        &ctx.output,
    )?;
    Ok(0)
}
