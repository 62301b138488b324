//! `sentry release archive|restore [<org>/]<version>`: sets the release's status to
//! `archived` or back to `open`.

use std::io;

use clap::Args;
use serde_json::{json, Value};

use super::{card, hint, is_dry_run, ops, resolve};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::target::{failed_to, Resolver};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// [<org>/]<version> - Release version
    #[arg(value_name = "org/version")]
    pub release: String,
    /// Show what would happen without making changes
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

#[derive(Clone, Copy)]
pub enum Change {
    Archive,
    Restore,
}

impl Change {
    fn verb(self) -> &'static str {
        match self {
            Change::Archive => "archive",
            Change::Restore => "restore",
        }
    }
    /// The release `status` this change sets (shared with sentry-cli 3.x's archive/restore).
    pub fn status(self) -> &'static str {
        match self {
            Change::Archive => "archived",
            Change::Restore => "open",
        }
    }
}

struct Changed {
    release: Value,
    change: Change,
    hint: Option<String>,
}

impl Report for Changed {
    fn json(&self) -> Value {
        self.release.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let v = &self.release;
        let version = text(v, "version");
        let verb = self.change.verb();
        if is_dry_run(v) {
            out.line(format!("Would {verb} release {version} (dry run)"))?;
        } else {
            let (title, status) = match self.change {
                Change::Archive => ("Archived", "Archived"),
                Change::Restore => ("Restored", "Open"),
            };
            card(
                out,
                &format!("Release {title}: {version}"),
                vec![("Version", version.clone()), ("Status", status.into())],
            )?;
        }
        hint(out, self.hint.as_deref())
    }
}

pub fn run(ctx: &Context, args: &StatusArgs, change: Change) -> CliResult<i32> {
    let verb = change.verb();
    let usage = format!("sentry release {verb} [<org>/]<version>");
    let (client, t) = resolve(ctx, &args.release, &usage)?;
    if args.dry_run {
        let report = Changed {
            release: json!({"dryRun": true, "version": t.version, "org": t.org}),
            change,
            hint: Some(format!("Dry run — release was not {verb}d.")),
        };
        emit(&report, &ctx.output)?;
        return Ok(0);
    }
    let changes = ops::ReleaseChanges {
        status: Some(change.status()),
        ..ops::ReleaseChanges::default()
    };
    let release = ops::update(
        &Resolver::new(ctx, &client).org(&t.org)?,
        &t.version,
        &changes,
    )
    .map_err(|e| failed_to(&format!("update release '{}'", t.version), e))?;
    let report = Changed {
        release,
        change,
        hint: t
            .detected_from
            .as_ref()
            .map(|d| format!("Detected from {d}")),
    };
    emit(&report, &ctx.output)?;
    Ok(0)
}
