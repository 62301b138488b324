//! `sentry auth logout`: forget the stored login (no server-side revocation, like upstream).

use std::io;

use clap::Args;
use serde_json::{json, Value};

use crate::auth::TokenSource;
use crate::context::{now_ms, store_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct LogoutArgs {}

enum Logout {
    Done { config_path: String },
    NotLoggedIn,
}

impl Report for Logout {
    fn json(&self) -> Value {
        match self {
            Logout::Done { config_path } => json!({ "loggedOut": true, "configPath": config_path }),
            Logout::NotLoggedIn => {
                json!({ "loggedOut": false, "message": "Not currently authenticated." })
            }
        }
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        match self {
            Logout::Done { config_path } => {
                out.line(out.green("✓ Logged out successfully."))?;
                out.blank()?;
                out.line(format!("Credentials removed from: {config_path}"))
            }
            Logout::NotLoggedIn => out.line("Not currently authenticated."),
        }
    }
}

/// The error for a credential that logout cannot remove (exit 12).
fn external_source(source: &TokenSource) -> CliError {
    let msg = match source {
        TokenSource::Env(v) => format!(
            "Authentication is provided via {v} environment variable. Unset {v} to log out."
        ),
        TokenSource::File(p) => format!(
            "Authentication is provided via the token in {}. Remove it from that file to log out.",
            p.display()
        ),
        _ => "Authentication is provided via --auth-token. Stop passing it to log out.".to_string(),
    };
    CliError::new(exit::TOKEN_INVALID, msg)
}

pub fn run(ctx: &Context, _args: &LogoutArgs) -> CliResult<i32> {
    let settings = ctx.settings()?;
    let store = ctx.store()?;
    let stored = store.auth().map_err(store_error)?;
    let sel = crate::auth::select::select(settings, stored.as_ref(), now_ms());
    let has_stored = stored
        .as_ref()
        .is_some_and(|r| r.token.as_deref().is_some_and(|t| !t.is_empty()));
    // With SENTRY_FORCE_ENV_TOKEN the env token is the effective credential.
    let effective_external = sel
        .chosen
        .as_ref()
        .filter(|c| !c.stored && c.source != TokenSource::Flag);
    let report = match (has_stored, effective_external) {
        (_, Some(ext)) if settings.force_env_token || !has_stored => {
            return Err(external_source(&ext.source))
        }
        (true, _) => {
            store.clear_auth().map_err(store_error)?;
            let _ = std::fs::remove_dir_all(ctx.config_dir().join("cache").join("responses"));
            Logout::Done {
                config_path: store.path().display().to_string(),
            }
        }
        (false, _) => Logout::NotLoggedIn,
    };
    emit(&report, &ctx.output)?;
    Ok(0)
}
