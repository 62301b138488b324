//! `sentry auth login`: the OAuth device flow (default) or an API token (`--token`).

use std::io::{self, IsTerminal};
use std::time::Duration;

use clap::Args;
use sentry_store::{AuthRecord, LoginTarget, UserInfo};
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

/// `sentry auth login [<email>|<email>:<server>]`.
#[derive(Debug, Args, Clone, Default)]
pub struct LoginCmd {
    #[command(flatten)]
    pub login: LoginArgs,
    /// Log in as this account (adds it, or logs in to it again, without prompting):
    /// <email> or <email>:<server>; the login is refused if you approve it as someone else
    #[arg(value_name = "EMAIL")]
    pub email: Option<String>,
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
        crate::auth::accounts::person(
            self.name.as_deref(),
            self.username.as_deref(),
            self.email.as_deref(),
        )
        .unwrap_or_else(|| format!("user {}", self.id))
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

    /// Refresh the cached identity of `account_id` when nothing depends on it (`auth
    /// whoami`): failures are ignored, as upstream does.
    pub fn store(&self, ctx: &Context, account_id: &str) {
        if let Ok(store) = ctx.store() {
            let _ = store.set_account_identity(account_id, &self.record());
        }
    }

    /// Save the identity of the login just stored as `account_id`: must land like the
    /// login itself.
    pub fn save(&self, ctx: &Context, account_id: &str) -> CliResult<()> {
        ctx.store()?
            .set_account_identity(account_id, &self.record())
            .map(|_| ())
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
                crate::output::format::duration(self.expires_in as i64)
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

/// The host to log in against. `--url` (and, unlike upstream, a URL from the environment or
/// `cli defaults`: they are the user's own) is trusted; a URL only a project config file
/// supplies is refused until the user confirms it with `--url` (exit 13).
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

/// `defaults.url` after a successful login with a self-hosted `--url` (or `<email>:<server>`);
/// must land, since later commands would otherwise talk to the wrong host with this login.
fn persist_url(ctx: &Context, host: &str, explicit: bool) -> CliResult<()> {
    if explicit && !sentry_config::is_saas_url(host) {
        ctx.store()?
            .meta_set("defaults.url", host)
            .map_err(store_error)?;
    }
    Ok(())
}

/// `jane@example.com` or `jane@example.com:sentry.example.com` → the email and the server's
/// URL (`https://` unless the server names its scheme).
fn parse_email(raw: &str) -> CliResult<(String, Option<String>)> {
    let bad = || {
        CliError::validation(format!(
            "Expected an email address, or <email>:<server> with a valid server, to log in as; got '{raw}'."
        ))
    };
    let t = raw.trim();
    let (who, server) = match t.split_once(':') {
        Some((w, s)) => (w, Some(s.trim())),
        None => (t, None),
    };
    let valid_email = who
        .find('@')
        .is_some_and(|i| i > 0 && i < who.len() - 1 && who[i + 1..].find('@').is_none())
        && !who.chars().any(char::is_whitespace);
    if !valid_email {
        return Err(bad());
    }
    let url = match server {
        None => None,
        Some(s) => Some(sentry_config::normalize_url(s).map_err(|_| bad())?),
    };
    Ok((who.to_string(), url))
}

/// The "already logged in" gate for a login without an email. `Ok(false)` means stop
/// with exit 0. On a terminal the user may add another account; elsewhere the flag that
/// answers the question is named.
fn may_add_login(ctx: &Context, force: bool) -> CliResult<bool> {
    let store = ctx.store()?;
    let now = crate::context::now_ms();
    let accounts = store.accounts().map_err(store_error)?;
    let active = accounts.iter().find(|a| a.is_active && a.is_usable(now));
    let settings = ctx.settings()?;
    let env_var = ["SENTRY_AUTH_TOKEN", "SENTRY_TOKEN"].into_iter().find(|v| {
        settings
            .env_var(v)
            .is_some_and(|s| !s.value.trim().is_empty())
    });
    if let Some(var) = env_var {
        crate::diag!("Warning: {var} is set in your environment (likely from build tooling).\n  OAuth credentials will be stored separately and used for CLI commands.");
    }
    let Some(active) = active else {
        return Ok(true);
    };
    if force {
        return Ok(true);
    }
    if io::stdin().is_terminal() && io::stderr().is_terminal() && !ctx.output.json {
        let who = crate::auth::accounts::who(active);
        return crate::prompt::confirm(&format!(
            "Already authenticated as {who}. Add another account? (The current account stays saved; see 'sentry auth list'. Use --force to replace it.)"
        ));
    }
    crate::diag!("You are already authenticated. Use 'sentry auth login <email>' to add another account, or '--force' to replace the current login.");
    Ok(false)
}

/// How a login is stored: a new account when it names one or adds another, else the
/// login on that server is replaced (`--force`, or the first login).
fn target_for(email: Option<&str>, force: bool) -> LoginTarget<'static> {
    if email.is_some() || !force {
        LoginTarget::NewAccount
    } else {
        LoginTarget::ReplaceOnServer
    }
}

/// Refuses a login approved as someone else than the email the user asked for: Sentry
/// authorizes whoever is signed in to the browser.
fn check_email(expected: Option<&str>, got: Option<&str>) -> CliResult<()> {
    let Some(expected) = expected else {
        return Ok(());
    };
    match got {
        None => {
            crate::diag!("Warning: Could not confirm the login is for {expected}: the server did not report an email.");
            Ok(())
        }
        Some(got) if got.trim().eq_ignore_ascii_case(expected.trim()) => Ok(()),
        Some(got) => Err(CliError::validation(format!(
            "Signed in as {got}, not {expected}. Nothing was saved.\n\nSentry authorizes whichever user is signed in to the browser. Sign in as {expected} there (or use a private window) and run the command again."
        ))),
    }
}

pub fn run(ctx: &Context, cmd: &LoginCmd) -> CliResult<i32> {
    let args = &cmd.login;
    scopes::check_flags(args.token.is_some(), args.read_only, !args.scope.is_empty())?;
    let requested = if args.token.is_none() {
        scopes::requested(args.read_only, &args.scope)?
    } else {
        Vec::new()
    };
    let (email, named_url) = match &cmd.email {
        Some(raw) => {
            let (e, u) = parse_email(raw)?;
            (Some(e), u)
        }
        None => (None, None),
    };
    let host = match named_url {
        Some(url) => {
            if let Some(flag) = ctx.global.url.as_deref() {
                if sentry_store::origin_of(flag).as_deref() != Some(url.as_str()) {
                    return Err(CliError::validation(format!(
                        "'{}' names {url}, but --url is {flag}. Pass only one server.",
                        cmd.email.as_deref().unwrap_or_default()
                    )));
                }
            }
            url
        }
        None => login_host(ctx, args.token.as_deref())?,
    };
    let explicit_url =
        ctx.global.url.is_some() || cmd.email.as_deref().is_some_and(|e| e.contains(':'));
    // A login that cannot be saved fails before any network work (or a browser round trip).
    ctx.store()?.ensure_writable().map_err(store_error)?;
    if email.is_none() && !may_add_login(ctx, args.force)? {
        return Ok(0);
    }
    let _ = std::fs::remove_dir_all(ctx.config_dir().join("cache").join("responses"));
    let how = How {
        host: &host,
        email: email.as_deref(),
        target: target_for(email.as_deref(), args.force),
        explicit_url,
    };
    match &args.token {
        Some(token) => token_login(ctx, token.trim(), &how),
        None => oauth_login(ctx, requested, args, &how),
    }
}

/// Where and as whom a login goes.
pub struct How<'a> {
    pub host: &'a str,
    pub email: Option<&'a str>,
    pub target: LoginTarget<'static>,
    /// The server was named on the command line (`--url`, `<email>:<server>`): it becomes the
    /// default URL.
    pub explicit_url: bool,
}

/// `--token`: validate against `/users/me/regions/`, then store and cache the user.
pub fn token_login(ctx: &Context, token: &str, how: &How<'_>) -> CliResult<i32> {
    if token.is_empty() {
        return Err(CliError::validation("--token cannot be empty"));
    }
    crate::logging::register_secret(token);
    let client = ctx.login_client(how.host, token)?;
    let store = ctx.store()?;
    let rec = AuthRecord::issued_now(token, None, None, Some(how.host.to_string()));
    // A token the server rejects is never stored; one it could not check (5xx, network)
    // is kept, so a flaky server does not lose a login the user typed, and the error
    // still fails the command.
    let checked = match client.user_regions() {
        Ok(regions) => {
            log::debug!("token valid for {} region(s)", regions.len());
            Ok(())
        }
        Err(e) if e.is_auth_error() => {
            return Err(CliError::new(
                exit::TOKEN_INVALID,
                "Invalid API token. Please check your token and try again.",
            ));
        }
        Err(e) => Err(api_error(e)),
    };
    let user = if checked.is_ok() {
        client.get_auth().ok().and_then(|v| LoginUser::from_api(&v))
    } else {
        None
    };
    if checked.is_ok() {
        check_email(how.email, user.as_ref().and_then(|u| u.email.as_deref()))?;
    }
    let outcome = store.save_login(&rec, how.target).map_err(store_error)?;
    checked?;
    persist_url(ctx, how.host, how.explicit_url)?;
    if let Some(u) = &user {
        u.save(ctx, &outcome.account_id)?;
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
    scopes: Vec<String>,
    args: &LoginArgs,
    how: &How<'_>,
) -> CliResult<i32> {
    if let Some(e) = how.email {
        crate::diag!("Starting authentication for {e}...");
    }
    let grant = run_device_flow(ctx, how.host, scopes, args)?;
    check_email(
        how.email,
        grant.user.as_ref().and_then(|u| u.email.as_deref()),
    )?;
    let store = ctx.store()?;
    let refresh = grant.refresh_token.is_some();
    let outcome = store
        .save_login(&grant.record(how.host), how.target)
        .map_err(store_error)?;
    let user = grant.user.as_ref().map(|u| LoginUser {
        id: u.id.clone(),
        name: u.name.clone(),
        email: u.email.clone(),
        username: None,
    });
    if let Some(u) = &user {
        u.save(ctx, &outcome.account_id)?;
    }
    persist_url(ctx, how.host, how.explicit_url)?;
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
