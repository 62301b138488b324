//! `sentry auth refresh`: refresh the OAuth access token now, or re-authorize with other
//! scopes (`--scope`/`--read-only` run a new device flow).

use std::io;

use clap::Args;
use serde_json::{json, Value};

use crate::auth::refresh::Want;
use crate::auth::{scopes, TokenSource};
use crate::context::{now_ms, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Force refresh even if the access token is still valid
    #[arg(long)]
    pub force: bool,
    /// Re-authenticate with read-only OAuth scopes
    #[arg(long)]
    pub read_only: bool,
    /// Re-authenticate with specific OAuth scopes (repeatable, comma-separated)
    #[arg(short = 's', long = "scope", value_name = "SCOPE")]
    pub scope: Vec<String>,
}

struct Refreshed {
    refreshed: bool,
    message: &'static str,
    expires_at: Option<i64>,
}

impl Refreshed {
    fn expires_in(&self) -> Option<i64> {
        // A token just issued reads as its full lifetime (3600 s, "1 hour"); an older one
        // counts whole seconds left ("59 minutes"), as upstream prints them.
        let slack = if self.refreshed { 500 } else { 0 };
        self.expires_at
            .map(|e| ((e - now_ms() + slack) / 1000).max(0))
    }
}

/// `2026-11-22T09:37:41.349Z`, as JavaScript's `toISOString()`.
pub fn iso_ms(ms: i64) -> Option<String> {
    jiff::Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

impl Report for Refreshed {
    fn json(&self) -> Value {
        let mut v = json!({
            "success": true,
            "refreshed": self.refreshed,
            "message": self.message,
        });
        if let Some(secs) = self.expires_in() {
            v["expiresIn"] = json!(secs);
        }
        if let Some(iso) = self.expires_at.and_then(iso_ms) {
            v["expiresAt"] = json!(iso);
        }
        v
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        let dur = crate::output::format::duration(self.expires_in().unwrap_or(0));
        if self.refreshed {
            let head = out.green(&format!("✓ {}.", self.message));
            out.line(format!("{head} Access token valid for {dur}."))
        } else {
            out.line(format!("Access token is still valid for {dur}."))?;
            out.line("Use --force to refresh anyway.")
        }
    }
}

pub fn run(ctx: &Context, args: &RefreshArgs) -> CliResult<i32> {
    scopes::check_flags(false, args.read_only, !args.scope.is_empty())?;
    if args.read_only || !args.scope.is_empty() {
        return reauthorize(ctx, args);
    }
    let sel = ctx.token_selection()?;
    let Some(tok) = ctx.active_token()? else {
        if sel.dead_stored {
            return Err(no_refresh_token());
        }
        return Err(crate::auth::refresh::not_authenticated());
    };
    if !tok.stored {
        let what = match &tok.source {
            TokenSource::Env(v) => v.clone(),
            TokenSource::File(p) => format!("the token in {}", p.display()),
            _ => "--auth-token".to_string(),
        };
        let kind = match &tok.source {
            TokenSource::Env(_) => "an environment variable token",
            TokenSource::File(_) => "a config file token",
            _ => "a token given with --auth-token",
        };
        return Err(CliError::new(
            exit::TOKEN_INVALID,
            format!("Cannot refresh {kind}.\nToken refresh is only available for OAuth sessions.\nUpdate {what} to change your token."),
        ));
    }
    if !tok.refreshable {
        return Err(no_refresh_token());
    }
    let want = if args.force {
        Want::Force
    } else {
        Want::IfNeeded
    };
    let (_, did, rec) = ctx.refresh_stored(want)?;
    let report = Refreshed {
        refreshed: did,
        message: if did {
            "Access token refreshed successfully"
        } else {
            "Access token is still valid"
        },
        expires_at: rec.expires_at,
    };
    emit(&report, &ctx.output)?;
    Ok(0)
}

fn no_refresh_token() -> CliError {
    CliError::new(
        exit::TOKEN_INVALID,
        "No refresh token available. You may be using a manual API token.\nRun 'sentry auth login' to authenticate with OAuth and enable auto-refresh.",
    )
}

/// A new device flow with other scopes, replacing the stored session on success.
fn reauthorize(ctx: &Context, args: &RefreshArgs) -> CliResult<i32> {
    let requested = scopes::requested(args.read_only, &args.scope)?;
    let store = ctx.store()?;
    // The new session must be saved: fail before the device flow when it cannot be.
    store
        .ensure_writable()
        .map_err(crate::context::store_error)?;
    let stored_host = store
        .auth()
        .map_err(crate::context::store_error)?
        .and_then(|r| r.host);
    let host = match (&ctx.global.url, stored_host) {
        (None, Some(h)) => h,
        _ => crate::commands::auth::login::login_host(ctx, None)?,
    };
    let login = crate::commands::auth::login::LoginArgs {
        timeout: 900,
        ..Default::default()
    };
    let grant = crate::commands::auth::login::run_device_flow(ctx, &host, requested, &login)?;
    let rec = grant.record(&host);
    // The session being re-authorized is the one this process uses (the active account,
    // or the one `--account`/routing picked); a login approved as another user on that
    // server replaces it like `auth login --force` does.
    let in_use = ctx.active_token()?.and_then(|t| t.account_id).filter(|id| {
        store
            .account(id)
            .ok()
            .flatten()
            .is_some_and(|a| a.is_on_server(&host))
    });
    let target = match &in_use {
        Some(id) => sentry_store::LoginTarget::Account(id),
        None => sentry_store::LoginTarget::ReplaceOnServer,
    };
    let outcome = store
        .save_login(&rec, target)
        .map_err(crate::context::store_error)?;
    if let Some(u) = grant.user {
        crate::commands::auth::login::LoginUser {
            id: u.id,
            name: u.name,
            email: u.email,
            username: None,
        }
        .save(ctx, &outcome.account_id)?;
    }
    emit(
        &Refreshed {
            refreshed: true,
            message: "Re-authenticated with updated scopes",
            expires_at: rec.expires_at,
        },
        &ctx.output,
    )?;
    Ok(0)
}
