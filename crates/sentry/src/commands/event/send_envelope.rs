//! `sentry send-envelope [--dsn] [--raw] <files>` (hidden): removed in 0.49, which answers
//! every use with the `event send --raw` spelling and exit 1, sending nothing.

use clap::Args;

use crate::context::Context;
use crate::error::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct SendEnvelopeArgs {
    /// Path(s) to envelope file(s)
    pub files: Vec<String>,
    /// DSN
    #[arg(long)]
    pub dsn: Option<String>,
    /// Raw mode
    #[arg(long)]
    pub raw: bool,
}

pub fn run(_ctx: &Context, args: &SendEnvelopeArgs) -> CliResult<i32> {
    let files = if args.files.is_empty() {
        "<file>".to_string()
    } else {
        args.files.join(" ")
    };
    Err(CliError::general(format!(
        "`sentry send-envelope` has been removed.\nUse: sentry event send --raw {files}"
    )))
}
