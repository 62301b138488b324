//! `sentry login [--auth-token T] [-g]`: the sentry-cli spelling, kept (hidden) so old
//! scripts and muscle memory keep working. With a token it is `sentry auth login --token T`;
//! without one it asks for a token at the terminal, as sentry-cli did.

use std::io::{self, BufRead, IsTerminal, Write};

use clap::Args;

use crate::commands::auth::login;
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};

#[derive(Debug, Args)]
pub struct LegacyLoginArgs {
    /// Accepted for sentry-cli compatibility; the login is always stored in cli.db
    #[arg(short = 'g', long = "global")]
    pub global: bool,
}

pub fn run(ctx: &Context, _args: &LegacyLoginArgs) -> CliResult<i32> {
    let token = match ctx
        .global
        .auth_token
        .clone()
        .filter(|t| !t.trim().is_empty())
    {
        Some(t) => t,
        None => prompt_for_token(ctx)?,
    };
    // Same as `auth login --token`, including the "already authenticated" gate.
    login::run(
        ctx,
        &login::LoginCmd {
            login: login::LoginArgs {
                token: Some(token),
                ..Default::default()
            },
            email: None,
        },
    )
}

fn prompt_for_token(ctx: &Context) -> CliResult<String> {
    if !io::stdin().is_terminal() || ctx.output.json {
        return Err(CliError::new(
            exit::USAGE,
            "No auth token given and no terminal to ask for one.",
        )
        .with_hint(
            "Pass the token with: sentry login --auth-token <TOKEN> (or use `sentry auth login`)",
        ));
    }
    let base = ctx.settings()?.configured_url.value.clone();
    let url = format!("{base}/settings/account/api/auth-tokens/");
    let mut err = io::stderr();
    writeln!(err, "Sign in with an auth token.")?;
    writeln!(
        err,
        "If you do not have one yet, create one in your browser now."
    )?;
    writeln!(err)?;
    if crate::auth::device::browser_allowed(false) && open::that_detached(&url).is_ok() {
        writeln!(err, "Opened {url}")?;
    } else {
        writeln!(err, "Create a token at {url}")?;
    }
    write!(err, "Enter your token: ")?;
    err.flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    let token = line.trim().to_string();
    if token.is_empty() {
        return Err(CliError::validation("No token entered."));
    }
    Ok(token)
}
