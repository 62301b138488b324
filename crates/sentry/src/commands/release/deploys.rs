//! `sentry release deploys [<org>/]<version>`: the release's deploys.

use std::io;

use clap::Args;
use serde_json::Value;

use super::{ops, resolve};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::format::{relative, text};
use crate::output::{emit, Human, Report};
use crate::target::{failed_to, Resolver};

const USAGE: &str = "sentry release deploys [<org>/]<version>";

#[derive(Debug, Args)]
pub struct DeploysArgs {
    /// [<org>/]<version> - Release version
    #[arg(value_name = "org/version")]
    pub release: String,
}

struct Deploys(Vec<Value>);

impl Report for Deploys {
    fn json(&self) -> Value {
        Value::Array(self.0.clone())
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.0.is_empty() {
            return out.line("No deploys found for this release.");
        }
        let dash = |s: String| if s.is_empty() { "—".to_string() } else { s };
        let rows = self
            .0
            .iter()
            .map(|d| {
                let finished = match d.get("dateFinished").and_then(Value::as_str) {
                    Some(f) if !f.is_empty() => relative(Some(f)),
                    _ => "—".to_string(),
                };
                vec![text(d, "environment"), dash(text(d, "name")), finished]
            })
            .collect();
        out.table(Some(&["ENVIRONMENT", "NAME", "FINISHED"]), rows)
    }
}

pub fn run(ctx: &Context, args: &DeploysArgs) -> CliResult<i32> {
    let (client, t) = resolve(ctx, &args.release, USAGE)?;
    let deploys = ops::deploys(&Resolver::new(ctx, &client).org(&t.org)?, &t.version)
        .map_err(|e| failed_to(&format!("list deploys for release '{}'", t.version), e))?;
    emit(&Deploys(deploys), &ctx.output)?;
    Ok(0)
}
