//! `sentry local setup-code`: a one-time `SENTRY_SETUP_CODE` for the running
//! `sentry local serve`, to try `sentry auth bootstrap` (or hand a container a login) without
//! a browser. Sentry mints these codes in its web UI; the local server mints them for the API
//! token `local serve` printed and recorded in its state file, which is how this command
//! authenticates (`POST /oauth/setup-code/`).

use std::io;

use clap::Args;
use serde_json::{json, Value};

use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};
use crate::output::{Human, Report};

#[derive(Debug, Args)]
pub struct SetupCodeArgs {
    #[command(flatten)]
    pub output: super::OutputFlags,
}

/// The code as the server minted it.
struct Minted {
    code: String,
    url: String,
    scope: String,
    expires_in: u64,
}

impl Report for Minted {
    fn json(&self) -> Value {
        json!({
            "setupCode": self.code,
            "url": self.url,
            "scope": self.scope,
            "expiresIn": self.expires_in,
        })
    }

    /// One `NAME=value` line, so `export "$(sentry local setup-code)"` works.
    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(format!("SENTRY_SETUP_CODE={}", self.code))
    }
}

pub fn run(ctx: &Context, _args: &SetupCodeArgs) -> CliResult<i32> {
    let (url, token) = super::state::running_server(ctx).ok_or_else(|| {
        CliError::config("No running `sentry local serve` found.")
            .with_hint("Start one with `sentry local serve`.")
    })?;
    crate::logging::register_secret(&token);
    let client = ctx.login_client(&url, &token)?;
    let v: Value = client
        .post(&format!("{url}{}", sentry_wire::oauth::SETUP_CODE_PATH))
        .no_redirects()
        .send_json()
        .map_err(api_error)?;
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let code = field("setup_code")
        .ok_or_else(|| CliError::general(format!("{url} did not answer with a setup code")))?;
    crate::logging::register_secret(&code);
    let minted = Minted {
        code,
        url: field("url").unwrap_or_else(|| url.clone()),
        scope: field("scope").unwrap_or_default(),
        expires_in: v.get("expires_in").and_then(Value::as_u64).unwrap_or(0),
    };
    if !ctx.output.json {
        crate::diag!(
            "Single use, valid for {}. Log in with it:\n  SENTRY_SETUP_CODE=<code> sentry auth bootstrap --url {}",
            crate::output::format::duration(minted.expires_in as i64),
            minted.url
        );
    }
    crate::output::emit(&minted, &ctx.output)?;
    Ok(0)
}
