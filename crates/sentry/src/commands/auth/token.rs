//! `sentry auth token`: print the token the CLI would use, for scripts
//! (`curl -H "Authorization: Bearer $(sentry auth token)"`).

use std::io;

use clap::Args;
use serde_json::Value;

use crate::context::Context;
use crate::error::CliResult;
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct TokenArgs {}

/// The bare token line; under `--json` a JSON string as 0.49 prints it, so `--jq` and
/// `--fields` work on it like on every other command's data.
struct Token(String);

impl Report for Token {
    fn json(&self) -> Value {
        Value::String(self.0.clone())
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(&self.0)
    }
}

pub fn run(ctx: &Context, _args: &TokenArgs) -> CliResult<i32> {
    // An expired but refreshable session is refreshed first (upstream says "Not authenticated"
    // there, but the session is good).
    let token = ctx.require_token()?;
    emit(&Token(token.value), &ctx.output)?;
    Ok(0)
}
