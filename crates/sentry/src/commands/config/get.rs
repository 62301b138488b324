//! `sentry config get <key>`: one effective value, for scripts (`$(sentry config get defaults.url)`).

use std::io;

use clap::Args;
use serde_json::{json, Value};

use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Setting key as `sentry config list` shows it, e.g. defaults.url, defaults.org, http.proxy_url
    pub key: String,
    /// Also print where the value came from
    #[arg(long)]
    pub origin: bool,
}

struct One {
    key: String,
    value: String,
    origin: String,
    show_origin: bool,
}

impl Report for One {
    fn json(&self) -> Value {
        json!({ "key": self.key, "value": self.value, "origin": self.origin })
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.show_origin {
            out.line(format!("{}\t{}", self.value, self.origin))
        } else {
            out.line(&self.value)
        }
    }
}

pub fn run(ctx: &Context, args: &GetArgs) -> CliResult<i32> {
    let all = super::list::entries(ctx)?;
    let wanted = args.key.trim().to_ascii_lowercase();
    let found = all
        .0
        .into_iter()
        .find(|(k, _, _)| k.eq_ignore_ascii_case(&wanted));
    let Some((key, value, origin)) = found else {
        return Err(CliError::new(
            crate::error::exit::NOT_FOUND,
            format!("No value set for '{}'.", args.key),
        )
        .with_hint("See every setting with: sentry config list"));
    };
    emit(
        &One {
            key,
            value,
            origin,
            show_origin: args.origin,
        },
        &ctx.output,
    )?;
    Ok(0)
}
