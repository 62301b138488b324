//! `sentry auth bootstrap`: log in with the one-time setup code in `SENTRY_SETUP_CODE`, no
//! browser involved (CI machines, containers, agents).
//!
//! The code (`sntryc_<base64 JSON {"url": ...}>_<secret>`, see [`sentry_config::setup_code_url`])
//! names the instance that issued it; it is redeemed there with
//! `POST {url}/oauth/token/` (`grant_type=urn:sentry:params:oauth:grant-type:setup_code`) and
//! the OAuth session it yields is stored like `auth login`'s. Checked before any request, in
//! upstream's order (0.49), each a validation error (exit 21):
//!
//! 1. the variable is set and the code well formed;
//! 2. `--url`, when given, names the same instance as the code;
//! 3. a plain-`http` instance is confirmed by `--url` or `SENTRY_HOST`/`SENTRY_URL` in the
//!    environment (a code alone cannot send the CLI to an unencrypted server);
//! 4. no login is replaced without `--force`: neither a usable active login nor any stored
//!    login for the code's server.
//!
//! The code is never printed: it is registered as a secret before anything can log it.

use clap::Args;
use sentry_store::LoginTarget;

use super::login::{LoginUser, OAuthLogin};
use crate::auth::oauth::{unreachable_error, CallError};
use crate::context::{now_ms, store_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::emit;

/// `sentry auth bootstrap --help` (upstream's text).
pub const LONG_ABOUT: &str = "Redeem SENTRY_SETUP_CODE for OAuth credentials without opening a browser.

The code is short-lived and can be redeemed only once. Get a new code from Sentry if it has expired or already been used.
Use --force to replace an existing stored login.";

#[derive(Debug, Args, Clone, Default)]
pub struct BootstrapArgs {
    /// Replace the stored login
    #[arg(long)]
    pub force: bool,
    /// Explicit issuing Sentry instance URL
    // Same id as the global flag, so the value still reaches settings resolution; declared
    // here for upstream's help text.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
}

const MISSING: &str = "Set SENTRY_SETUP_CODE to the private code provided by Sentry.";

pub fn run(ctx: &Context, args: &BootstrapArgs) -> CliResult<i32> {
    let settings = ctx.settings()?;
    let Some(code) = settings.setup_code.as_ref().map(|s| s.value.clone()) else {
        let mut err = CliError::validation(MISSING);
        if let Some(s) = settings.env_var(sentry_config::SETUP_CODE_ENV) {
            if !s.value.trim().is_empty() {
                err = err.with_hint(format!(
                    "SENTRY_SETUP_CODE in {} is ignored: a setup code is read from the environment only.",
                    s.origin
                ));
            }
        }
        return Err(err);
    };
    register_code(&code);
    let host =
        sentry_config::setup_code_url(&code).map_err(|e| CliError::validation(e.to_string()))?;
    check_instance(ctx, &host)?;

    // A login that cannot be saved fails before the single-use code is spent.
    let store = ctx.store()?;
    store.ensure_writable().map_err(store_error)?;
    if !args.force && has_login(ctx, &host)? {
        return Err(CliError::validation(
            "A stored login already exists. To replace it, run:\n\
SENTRY_SETUP_CODE='<setup-code>' sentry auth bootstrap --force",
        ));
    }

    let oauth = ctx.oauth_client(&host)?;
    let grant = oauth.redeem_setup_code(&code).map_err(|e| match e {
        CallError::Unreachable(e) => unreachable_error(&host, &e, exit::API),
        CallError::Other(e) => e,
    })?;
    crate::logging::register_secret(&grant.access_token);
    if let Some(r) = &grant.refresh_token {
        crate::logging::register_secret(r);
    }

    let outcome = store
        .save_login(&grant.record(&host), LoginTarget::ReplaceOnServer)
        .map_err(store_error)?;
    // Later commands go to the server of this login: a self-hosted one becomes the default
    // URL, and a default left over from a self-hosted server no longer applies to SaaS.
    if sentry_config::is_saas_url(&host) {
        if store
            .meta_get("defaults.url")
            .map_err(store_error)?
            .is_some()
        {
            store.meta_delete("defaults.url").map_err(store_error)?;
        }
    } else {
        store.meta_set("defaults.url", &host).map_err(store_error)?;
    }
    let user = grant.user.as_ref().map(|u| LoginUser {
        id: u.id.clone(),
        name: u.name.clone(),
        email: u.email.clone(),
        username: None,
    });
    match &user {
        Some(u) => u.save(ctx, &outcome.account_id)?,
        // A replaced login's identity would otherwise be shown for a user nobody confirmed.
        None => store
            .clear_account_identity(&outcome.account_id)
            .map_err(store_error)?,
    }
    emit(
        &OAuthLogin {
            config_path: store.path().display().to_string(),
            expires_in: grant.expires_in,
            refresh: grant.refresh_token.is_some(),
            user,
        },
        &ctx.output,
    )?;
    Ok(0)
}

/// The code in every form it could be written in: as typed, and form-encoded in the token
/// request's body.
fn register_code(code: &str) {
    crate::logging::register_secret(code);
    let encoded: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
    crate::logging::register_secret(&encoded);
}

/// Steps 2 and 3 of the module doc: `--url` must match the code's instance, and plain
/// `http` needs the user's own confirmation (`--url` or the environment).
fn check_instance(ctx: &Context, host: &str) -> CliResult<()> {
    let configured = &ctx.settings()?.configured_url;
    let explicit = ctx.global.url.is_some();
    if explicit && configured.value != host {
        return Err(CliError::validation(
            "The setup code belongs to a different Sentry instance.",
        ));
    }
    let from_env = matches!(
        &configured.origin,
        sentry_config::Origin::Env(v) if v == "SENTRY_HOST" || v == "SENTRY_URL"
    );
    let confirmed = explicit || (from_env && configured.value == host);
    if !host.starts_with("https://") && !confirmed {
        return Err(CliError::validation(
            "HTTP setup requires an explicit --url or SENTRY_URL for the issuing instance.",
        ));
    }
    Ok(())
}

/// Step 4 of the module doc: a usable active login (any server) or any stored login for
/// `host`'s server.
fn has_login(ctx: &Context, host: &str) -> CliResult<bool> {
    let store = ctx.store()?;
    let active_usable = store
        .active_account()
        .map_err(store_error)?
        .is_some_and(|a| a.is_usable(now_ms()));
    Ok(active_usable
        || !store
            .accounts_on_server(host)
            .map_err(store_error)?
            .is_empty())
}
