//! `sentry auth login`: the OAuth device flow (default) or an API token (`--token`).

use std::io::{self, IsTerminal};
use std::time::Duration;

use clap::Args;
use sentry_store::{AuthRecord, UserInfo};
use serde_json::{json, Map, Value};

use crate::auth::device::{self, FlowOptions};
use crate::auth::scopes;
use crate::context::{api_error, store_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args, Clone, Default)]
pub struct LoginArgs {
    /// Authenticate using an API token instead of OAuth
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Timeout for the OAuth flow in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub timeout: u64,
    /// Re-authenticate without prompting
    #[arg(long)]
    pub force: bool,
    /// Request only read-only OAuth scopes (project, org, event, member, team, alerts :read)
    #[arg(long)]
    pub read_only: bool,
    /// Request specific OAuth scopes (repeatable, comma-separated), e.g. -s project:read,org:read
    #[arg(short = 's', long = "scope", value_name = "SCOPE")]
    pub scope: Vec<String>,
    /// Never open a browser; print the URL and QR code only
    #[arg(long)]
    pub no_browser: bool,
}

/// The identity cached in `user_info`, as printed after login.
#[derive(Debug, Clone, Default)]
pub struct LoginUser {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
}

impl LoginUser {
    /// `Jane Doe <jane@example.com>`, falling back to whatever is known.
    pub fn display(&self) -> String {
        let who = self.name.clone().or_else(|| self.username.clone());
        match (who, &self.email) {
            (Some(w), Some(e)) => format!("{w} <{e}>"),
            (Some(w), None) => w,
            (None, Some(e)) => e.clone(),
            (None, None) => format!("user {}", self.id),
        }
    }

    pub fn from_api(v: &Value) -> Option<LoginUser> {
        let id = match v.get("id")? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Some(LoginUser {
            id,
            name: s("name"),
            email: s("email"),
            username: s("username"),
        })
    }

    fn record(&self) -> UserInfo {
        UserInfo {
            user_id: self.id.clone(),
            email: self.email.clone(),
            username: self.username.clone(),
            name: self.name.clone(),
            updated_at: 0,
        }
    }

    /// Refresh the cached identity when nothing depends on it (`auth whoami`): failures
    /// are ignored, as upstream does.
    pub fn store(&self, ctx: &Context) {
        if let Ok(store) = ctx.store() {
            let _ = store.set_user_info(&self.record());
        }
    }

    /// Save the identity of a login that was just stored: must land like the login itself.
    pub fn save(&self, ctx: &Context) -> CliResult<()> {
        ctx.store()?
            .set_user_info(&self.record())
            .map_err(store_error)
    }
}

/// The result of an OAuth login (`auth login`, `auth bootstrap`).
pub(crate) struct OAuthLogin {
    pub(crate) config_path: String,
    pub(crate) expires_in: u64,
    pub(crate) refresh: bool,
    pub(crate) user: Option<LoginUser>,
}

impl Report for OAuthLogin {
    fn json(&self) -> Value {
        let mut v = json!({
            "method": "oauth",
            "configPath": self.config_path,
            "expiresIn": self.expires_in,
            "refreshEnabled": self.refresh,
        });
        if let Some(u) = &self.user {
            let mut m = Map::new();
            m.insert("id".into(), json!(u.id));
            if let Some(n) = &u.name {
                m.insert("name".into(), json!(n));
            }
            if let Some(e) = &u.email {
                m.insert("email".into(), json!(e));
            }
            v["user"] = Value::Object(m);
        }
        v
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(out.green("✔ Authentication successful!"))?;
        if let Some(u) = &self.user {
            out.line(format!("  Logged in as: {}", u.display()))?;
        }
        if self.refresh {
            out.line("  Automatic refresh: enabled")?;
        } else {
            out.line("  Automatic refresh: unavailable")?;
            out.line(format!(
                "  Access token expires in: {}",
                crate::auth::format_duration(self.expires_in as i64)
            ))?;
        }
        out.line(format!("  Config saved to: {}", self.config_path))?;
        out.blank()
    }
}

struct TokenLogin {
    config_path: String,
    user: Option<LoginUser>,
}

impl Report for TokenLogin {
    fn json(&self) -> Value {
        let mut v = json!({ "method": "token", "configPath": self.config_path });
        if let Some(u) = &self.user {
            v["user"] = json!({
                "id": u.id, "email": u.email, "username": u.username, "name": u.name,
            });
        }
        v
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(out.green("✔ Authenticated with API token"))?;
        if let Some(u) = &self.user {
            out.line(format!("  Logged in as: {}", u.display()))?;
        }
        out.line(format!("  Config saved to: {}", self.config_path))?;
        out.blank()
    }
}

/// The host to log in against. `--url` (and, decisions.md #3, a URL from the environment or
/// `cli defaults`) is trusted; a URL only a project config file supplies is refused until
/// the user confirms it with `--url` (exit 13).
pub fn login_host(ctx: &Context, token: Option<&str>) -> CliResult<String> {
    if let Some(raw) = &ctx.global.url {
        if raw.trim().is_empty() {
            return Err(CliError::new(
                exit::USAGE,
                "Failed to parse \"\" for url: --url cannot be empty",
            ));
        }
    }
    let settings = ctx.settings()?;
    if ctx.global.url.is_none() {
        if let Some(t) = token {
            // An org token names its own instance.
            if let Ok(Some(claims)) = sentry_config::parse_org_token(t) {
                if let Some(url) = claims.url {
                    return Ok(url);
                }
            }
        }
        if let Some(path) = ctx.project_url_file()? {
            let url = &settings.configured_url.value;
            let suffix = if token.is_some() {
                " --token <your-token>"
            } else {
                ""
            };
            return Err(CliError::new(
                exit::HOST_SCOPE,
                format!(
                    "Refusing to log in against {url} — this URL was read from .sentryclirc ({}) but hasn't been confirmed as trusted yet.\n\n\
To authenticate against this self-hosted instance, confirm the host explicitly:\n  sentry auth login --url {url}{suffix}",
                    path.display()
                ),
            ));
        }
    }
    Ok(settings.configured_url.value.clone())
}

/// `defaults.url` after a successful login with a self-hosted `--url`; must land, since
/// later commands would otherwise talk to the wrong host with this login.
fn persist_url(ctx: &Context, host: &str) -> CliResult<()> {
    if ctx.global.url.is_some() && !sentry_config::is_saas_url(host) {
        ctx.store()?
            .meta_set("defaults.url", host)
            .map_err(store_error)?;
    }
    Ok(())
}

/// The "already logged in" gate. `Ok(false)` means stop with exit 0.
fn may_replace_login(ctx: &Context, force: bool) -> CliResult<bool> {
    let store = ctx.store()?;
    let stored = store.auth().map_err(store_error)?;
    let usable = stored
        .as_ref()
        .and_then(crate::auth::ActiveToken::from_stored)
        .filter(|t| !t.is_expired(crate::context::now_ms()) || t.refreshable);
    let settings = ctx.settings()?;
    if usable.is_none() {
        let env_var = ["SENTRY_AUTH_TOKEN", "SENTRY_TOKEN"].into_iter().find(|v| {
            settings
                .env_var(v)
                .is_some_and(|s| !s.value.trim().is_empty())
        });
        if let Some(var) = env_var {
            eprintln!("{var} is set in your environment (likely from build tooling).\n  OAuth credentials will be stored separately and used for CLI commands.");
        }
    }
    if usable.is_some() && !force {
        if io::stdin().is_terminal() && io::stderr().is_terminal() && !ctx.output.json {
            let who = store
                .user_info()
                .ok()
                .flatten()
                .map(|u| {
                    LoginUser {
                        id: u.user_id,
                        name: u.name,
                        email: u.email,
                        username: u.username,
                    }
                    .display()
                })
                .unwrap_or_else(|| "the stored login".to_string());
            if !crate::context::confirm(&format!(
                "Already authenticated as {who}. Re-authenticate?"
            ))? {
                return Ok(false);
            }
        } else {
            eprintln!("You are already authenticated. Use '--force' or 'sentry auth logout' first to re-authenticate.");
            return Ok(false);
        }
    }
    if stored.is_some() {
        store.clear_auth().map_err(store_error)?;
    }
    let _ = std::fs::remove_dir_all(ctx.config_dir().join("cache").join("responses"));
    Ok(true)
}

pub fn run(ctx: &Context, args: &LoginArgs) -> CliResult<i32> {
    scopes::check_flags(args.token.is_some(), args.read_only, !args.scope.is_empty())?;
    let requested = if args.token.is_none() {
        scopes::requested(args.read_only, &args.scope)?
    } else {
        Vec::new()
    };
    let host = login_host(ctx, args.token.as_deref())?;
    // A login that cannot be saved fails before any network work (or a browser round trip).
    ctx.store()?.ensure_writable().map_err(store_error)?;
    if !may_replace_login(ctx, args.force)? {
        return Ok(0);
    }
    match &args.token {
        Some(token) => token_login(ctx, token.trim(), &host),
        None => oauth_login(ctx, &host, requested, args),
    }
}

/// `--token`: store, validate against `/users/me/regions/`, cache the user.
pub fn token_login(ctx: &Context, token: &str, host: &str) -> CliResult<i32> {
    if token.is_empty() {
        return Err(CliError::validation("--token cannot be empty"));
    }
    crate::logging::register_secret(token);
    let client = ctx.login_client(host, token)?;
    let store = ctx.store()?;
    store
        .set_auth(&AuthRecord::issued_now(
            token,
            None,
            None,
            Some(host.to_string()),
        ))
        .map_err(store_error)?;
    match client.user_regions() {
        Ok(regions) => log::debug!("token valid for {} region(s)", regions.len()),
        Err(e) if e.is_auth_error() => {
            store.clear_auth().map_err(store_error)?;
            return Err(CliError::new(
                exit::TOKEN_INVALID,
                "Invalid API token. Please check your token and try again.",
            ));
        }
        Err(e) => return Err(api_error(e)),
    }
    persist_url(ctx, host)?;
    let user = client.get_auth().ok().and_then(|v| LoginUser::from_api(&v));
    if let Some(u) = &user {
        u.save(ctx)?;
    }
    emit(
        &TokenLogin {
            config_path: store.path().display().to_string(),
            user,
        },
        &ctx.output,
    )?;
    Ok(0)
}

/// The device flow, then store the session and the user it belongs to.
pub fn oauth_login(
    ctx: &Context,
    host: &str,
    scopes: Vec<String>,
    args: &LoginArgs,
) -> CliResult<i32> {
    let grant = run_device_flow(ctx, host, scopes, args)?;
    let store = ctx.store()?;
    let refresh = grant.refresh_token.is_some();
    store
        .set_auth(&AuthRecord::issued_now(
            grant.access_token.clone(),
            grant.refresh_token.clone(),
            Some(grant.expires_in),
            Some(host.to_string()),
        ))
        .map_err(store_error)?;
    let user = grant.user.as_ref().map(|u| LoginUser {
        id: u.id.clone(),
        name: u.name.clone(),
        email: u.email.clone(),
        username: None,
    });
    if let Some(u) = &user {
        u.save(ctx)?;
    }
    persist_url(ctx, host)?;
    emit(
        &OAuthLogin {
            config_path: store.path().display().to_string(),
            expires_in: grant.expires_in,
            refresh,
            user,
        },
        &ctx.output,
    )?;
    Ok(0)
}

/// Runs the device flow against `host` with the login flags' timeout and browser choice.
pub fn run_device_flow(
    ctx: &Context,
    host: &str,
    scopes: Vec<String>,
    args: &LoginArgs,
) -> CliResult<crate::auth::oauth::TokenGrant> {
    let oauth = ctx.oauth_client(host)?;
    let grant = device::run(
        &oauth,
        &FlowOptions {
            scopes,
            timeout: Duration::from_secs(args.timeout),
            no_browser: args.no_browser,
        },
    )?;
    crate::logging::register_secret(&grant.access_token);
    if let Some(r) = &grant.refresh_token {
        crate::logging::register_secret(r);
    }
    Ok(grant)
}
