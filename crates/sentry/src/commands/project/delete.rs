//! `sentry project delete <org>/<project>|<project>`: asks at a terminal; without one it needs
//! `--yes`. `--dry-run` shows what would be deleted and sends no DELETE.

use std::io::{self, IsTerminal};

use clap::Args;
use serde_json::{json, Value};

use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::prompt::confirm;
use crate::target::{Resolver, Scope};

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// <org>/<project> or <project>
    pub target: String,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Same as --yes
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Show what would be deleted without deleting
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
        let what = format!(
            "'{}' ({}/{})",
            text(v, "name"),
            text(v, "org"),
            text(v, "project")
        );
        if v.get("dryRun").and_then(Value::as_bool) == Some(true) {
            out.line(format!("Dry run: would delete project {what}."))
        } else {
            out.line(format!("Deleted project {what}."))
        }
    }
}

pub fn run(ctx: &Context, args: &DeleteArgs) -> CliResult<i32> {
    ctx.route_to_target(Some(&args.target));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let resolved = r.resolve_target(Some(&args.target))?;
    let p = match &resolved.scope {
        Scope::Projects(ps) if ps.len() == 1 => ps[0].clone(),
        _ => {
            return Err(CliError::validation(format!(
                "'{}' does not name one project; use <org>/<project>.",
                args.target
            )))
        }
    };
    let detail = r.project_detail(&p.org, &p.slug)?.ok_or_else(|| {
        CliError::new(
            exit::NOT_FOUND,
            format!("Project '{}/{}' not found.", p.org, p.slug),
        )
    })?;
    let name = text(&detail, "name");
    let url = crate::web::project_url(client.base_url(), &p.org, &p.slug);
    if args.dry_run {
        let v = json!({"dryRun": true, "org": p.org, "project": p.slug, "name": name, "url": url});
        emit(&Deleted(v), &ctx.output)?;
        return Ok(0);
    }
    if !(args.yes || args.force) {
        if !io::stdin().is_terminal() || ctx.output.json {
            return Err(CliError::validation(format!(
                "Refusing to delete project '{}/{}' without confirmation: stdin is not a terminal.",
                p.org, p.slug
            ))
            .with_hint("Pass --yes to delete without a prompt."));
        }
        if !confirm(&format!(
            "Delete project '{name}' ({}/{})? This cannot be undone.",
            p.org, p.slug
        ))? {
            crate::output::write_stdout(b"Cancelled.\n")?;
            return Ok(1);
        }
    }
    r.org(&p.org)?
        .delete_project(&p.slug)
        .send()
        .map_err(api_error)?;
    let v = json!({"deleted": true, "org": p.org, "project": p.slug, "name": name, "url": url});
    emit(&Deleted(v), &ctx.output)?;
    Ok(0)
}
