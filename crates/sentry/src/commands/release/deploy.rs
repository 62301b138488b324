//! `sentry release deploy [<org>/]<version> <environment> [<name>]`: records a deploy;
//! `--time N` sets started = now - N s and finished = now.

use std::io;

use clap::Args;
use serde_json::{json, Map, Value};

use super::{card, hint, is_dry_run, ops, or_dash, resolve};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::format::{relative, text};
use crate::output::{emit, Human, Report};
use crate::target::{failed_to, Resolver};

const USAGE: &str = "sentry release deploy [<org>/]<version> <environment> [name]";

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// [<org>/]<version> - Release version
    #[arg(value_name = "org/version")]
    pub release: String,
    /// Deploy environment (e.g. production)
    pub environment: String,
    /// Optional deploy name (quote multi-word names, e.g. "Deploy #42")
    pub name: Option<String>,
    /// URL for the deploy
    #[arg(long)]
    pub url: Option<String>,
    /// Deploy start time (ISO 8601)
    #[arg(long)]
    pub started: Option<String>,
    /// Deploy finish time (ISO 8601)
    #[arg(long)]
    pub finished: Option<String>,
    /// Deploy duration in seconds (sets started = now - time, finished = now)
    #[arg(short = 't', long)]
    pub time: Option<u64>,
    /// Show what would happen without making changes
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

struct Deployed {
    deploy: Value,
    hint: Option<String>,
}

fn when(v: &Value, key: &str) -> String {
    match v.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => relative(Some(s)),
        _ => "—".to_string(),
    }
}

impl Report for Deployed {
    fn json(&self) -> Value {
        self.deploy.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let v = &self.deploy;
        let env = text(v, "environment");
        if is_dry_run(v) {
            out.line(format!(
                "Would create deploy for {env} environment (dry run)"
            ))?;
        } else {
            card(
                out,
                "Deploy Created",
                vec![
                    ("ID", or_dash(text(v, "id"))),
                    ("Environment", env.clone()),
                    ("Name", or_dash(text(v, "name"))),
                    ("URL", or_dash(text(v, "url"))),
                    ("Started", when(v, "dateStarted")),
                    ("Finished", when(v, "dateFinished")),
                ],
            )?;
        }
        hint(out, self.hint.as_deref())
    }
}

fn iso(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn run(ctx: &Context, args: &DeployArgs) -> CliResult<i32> {
    if args.time.is_some() && (args.started.is_some() || args.finished.is_some()) {
        return Err(CliError::validation(
            "--time cannot be used with --started or --finished. Use either --time for duration-based timing, or --started/--finished for explicit timestamps.",
        ));
    }
    crate::commands::release::split_org_version(&args.release, USAGE)?;
    if args.environment.trim().is_empty() {
        return Err(CliError::new(
            crate::error::exit::CONTEXT,
            format!("Environment is required.\n\nSpecify it using:\n  {USAGE}"),
        ));
    }
    let (client, t) = resolve(ctx, &args.release, USAGE)?;
    let name = args.name.clone().filter(|n| !n.is_empty());
    let (started, finished) = match args.time {
        Some(secs) => {
            let now = jiff::Timestamp::now()
                .round(jiff::Unit::Millisecond)
                .unwrap_or_else(|_| jiff::Timestamp::now());
            let start = now
                .checked_sub(jiff::SignedDuration::from_secs(secs as i64))
                .unwrap_or(now);
            (Some(iso(start)), Some(iso(now)))
        }
        None => (args.started.clone(), args.finished.clone()),
    };
    if args.dry_run {
        let mut v = Map::new();
        v.insert("dryRun".into(), json!(true));
        v.insert("version".into(), json!(t.version));
        v.insert("environment".into(), json!(args.environment));
        for (k, val) in [
            ("name", &name),
            ("url", &args.url),
            ("dateStarted", &started),
            ("dateFinished", &finished),
        ] {
            if let Some(val) = val {
                v.insert(k.into(), json!(val));
            }
        }
        let report = Deployed {
            deploy: Value::Object(v),
            hint: Some("Dry run — no deploy was created.".into()),
        };
        emit(&report, &ctx.output)?;
        return Ok(0);
    }
    let new = ops::NewDeploy {
        environment: args.environment.clone(),
        name,
        url: args.url.clone(),
        date_started: started,
        date_finished: finished,
        projects: None,
    };
    let deploy = ops::create_deploy(&Resolver::new(ctx, &client).org(&t.org)?, &t.version, &new)
        .map_err(|e| failed_to("create deploy", e))?;
    emit(&Deployed { deploy, hint: None }, &ctx.output)?;
    Ok(0)
}
