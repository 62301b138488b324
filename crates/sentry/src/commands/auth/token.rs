//! `sentry auth token`: print the token the CLI would use, for scripts
//! (`curl -H "Authorization: Bearer $(sentry auth token)"`).

use clap::Args;

use crate::context::Context;
use crate::error::CliResult;
use crate::output::{json_bytes, write_stdout};

#[derive(Debug, Args)]
pub struct TokenArgs {}

pub fn run(ctx: &Context, _args: &TokenArgs) -> CliResult<i32> {
    // An expired but refreshable session is refreshed first (decisions.md #9).
    let token = ctx.require_token()?;
    if ctx.output.json {
        write_stdout(&json_bytes(&serde_json::Value::String(token.value)))?;
    } else {
        write_stdout(format!("{}\n", token.value).as_bytes())?;
    }
    Ok(0)
}
