//! Per-process context: settings resolved once, the store opened on first use, one HTTP client.
//!
//! Nothing here runs for `--help`/`--version` (clap answers those before a context exists), and
//! each piece is created lazily so a command pays only for what it touches.

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::error::{exit, CliError, CliResult};
use crate::output::{parse_fields, rich_output, OutputOptions};

pub struct Context {
    pub global: GlobalArgs,
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
    pub output: OutputOptions,
    store: OnceCell<sentry_store::Store>,
    settings: OnceCell<sentry_config::Settings>,
    selection: OnceCell<crate::auth::Selection>,
    /// The stored account a command asked for (`--account`, or the account that serves the
    /// org it targets); `None` = the active account. Set before the token is selected.
    wanted_account: RefCell<Option<String>>,
    /// The stored login after this process refreshed it.
    refreshed: RefCell<Option<ActiveToken>>,
}

pub use crate::auth::ActiveToken;

impl Context {
    pub fn from_process(global: GlobalArgs) -> CliResult<Context> {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let cwd = std::env::current_dir()
            .map_err(|e| CliError::general(format!("Cannot read the working directory: {e}")))?;
        let home = env.get("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);

        // The level is known once settings are resolved; until then lines are held.
        crate::logging::init();
        if let Some(raw) = &global.log_level {
            if crate::logging::parse_level(raw).is_none() {
                crate::logging::set_level(log::LevelFilter::Warn);
                return Err(CliError::new(
                    exit::USAGE,
                    format!("invalid value '{raw}' for '--log-level': expected one of error, warn, info, debug, trace, off"),
                ));
            }
        }
        if let Some(t) = &global.auth_token {
            crate::logging::register_secret(t);
        }

        let jq = match &global.jq {
            Some(expr) => Some(std::rc::Rc::new(crate::jq::JqFilter::compile(expr)?)),
            None => None,
        };
        let fields = global.fields.as_deref().map(parse_fields);
        let rich = rich_output(&|k| env.get(k).cloned());
        let mut ctx = Context {
            output: OutputOptions {
                json: global.json || jq.is_some(),
                fields,
                rich,
                jq,
            },
            global,
            env,
            cwd,
            home,
            store: OnceCell::new(),
            settings: OnceCell::new(),
            selection: OnceCell::new(),
            wanted_account: RefCell::new(None),
            refreshed: RefCell::new(None),
        };
        // Settings are the single source of the log level and of SENTRY_OUTPUT_FORMAT, from
        // whichever level set them (flag, environment, `.env`, `[log] level`). A command that
        // needs settings reports a resolution error itself; the others still run, logging at
        // the flag's level (or the default).
        let resolved = ctx.settings().map(|s| {
            (
                s.log_level.value,
                s.json_output.value,
                s.color.value == sentry_config::ColorMode::Rich,
            )
        });
        match resolved {
            Ok((level, json, rich)) => {
                crate::logging::set_level(crate::logging::filter(level));
                ctx.output.json |= json;
                ctx.output.rich = rich;
            }
            Err(_) => {
                let flag = match ctx.global.verbose {
                    true => Some("debug"),
                    false => ctx.global.log_level.as_deref(),
                };
                let level = flag
                    .and_then(crate::logging::parse_level)
                    .unwrap_or(log::LevelFilter::Warn);
                crate::logging::set_level(level);
            }
        }
        Ok(ctx)
    }

    /// Most pages one auto-paginated listing fetches (`SENTRY_MAX_PAGINATION_PAGES`, 50).
    pub fn max_pages(&self) -> usize {
        self.settings()
            .map(|s| s.max_pagination_pages.value as usize)
            .unwrap_or(50)
    }

    pub fn config_dir(&self) -> PathBuf {
        sentry_config::config_dir(&self.env, self.home.as_deref())
    }

    /// Opens cli.db on first use; warnings (recovered corrupt file, read-only) go to stderr once.
    pub fn store(&self) -> CliResult<&sentry_store::Store> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let store = sentry_store::Store::open(&self.config_dir()).map_err(store_error)?;
        for w in store.take_warnings() {
            crate::diag!("{w}");
        }
        Ok(self.store.get_or_init(|| store))
    }

    /// Prints what the store noticed while the command ran (an unreadable account row),
    /// once each, after the command's own output.
    pub fn flush_store_warnings(&self) {
        if let Some(store) = self.store.get() {
            for w in store.take_warnings() {
                crate::diag!("{w}");
            }
        }
    }

    /// Settings from flags, environment, files and `cli defaults`, resolved once.
    pub fn settings(&self) -> CliResult<&sentry_config::Settings> {
        if let Some(s) = self.settings.get() {
            return Ok(s);
        }
        let cli_defaults = self
            .store()?
            .meta_with_prefix("defaults.")
            .map_err(store_error)?;
        let inputs = sentry_config::Inputs {
            cwd: self.cwd.clone(),
            home: self.home.clone(),
            env: self.env.clone(),
            flags: sentry_config::FlagValues {
                url: self.global.url.clone(),
                auth_token: self.global.auth_token.clone(),
                log_level: match self.global.verbose {
                    true => Some("debug".to_string()),
                    false => self.global.log_level.clone(),
                },
                org: self.global.org.clone(),
                project: self.global.project.clone(),
                headers: self.global.headers.clone(),
            },
            cli_defaults,
            stdout_is_tty: io::stdout().is_terminal(),
        };
        let settings = sentry_config::resolve(&inputs).map_err(config_error)?;
        for w in &settings.warnings {
            crate::diag!("Warning: {w}");
        }
        for t in &settings.tokens {
            crate::logging::register_secret(&t.value);
        }
        Ok(self.settings.get_or_init(|| settings))
    }

    /// Makes this command use the stored account `account_id` instead of the active one
    /// (`org list --account`). Must come before anything selects the token.
    pub fn use_account(&self, account_id: &str) {
        debug_assert!(self.selection.get().is_none(), "token already selected");
        *self.wanted_account.borrow_mut() = Some(account_id.to_string());
    }

    /// A command that targets `org` uses the stored account that serves it when that is not
    /// the active one: the org was listed (and cached in cli.db) under exactly one other
    /// account. A no-op once the token is selected or an account was asked for.
    pub fn route_to_org(&self, org: &str) {
        if self.selection.get().is_some() || self.wanted_account.borrow().is_some() {
            return;
        }
        let Ok(store) = self.store() else { return };
        let Ok(rows) = store.all_org_regions() else {
            return;
        };
        let mut owners: Vec<&str> = rows
            .iter()
            .filter(|r| r.org_slug == org)
            .filter_map(|r| r.account_id.as_deref())
            .collect();
        owners.sort_unstable();
        owners.dedup();
        let active = store.active_account().ok().flatten().map(|a| a.account_id);
        // A server named by a flag or the environment limits the choice to its accounts.
        let pinned = self.pinned_url();
        if let [one] = owners.as_slice() {
            let on_pinned = pinned.as_deref().is_none_or(|url| {
                store
                    .account(one)
                    .ok()
                    .flatten()
                    .is_some_and(|a| a.is_on_server(url))
            });
            if active.as_deref() != Some(*one) && on_pinned {
                log::debug!("org {org} is served by account {one}; using it");
                self.use_account(one);
            }
        }
    }

    /// Routes to the account that serves the org a target argument names (`org/`,
    /// `org/project`, `org/SHORT-ID`, a Sentry URL), else the configured default org. See
    /// [`Context::route_to_org`]; never fails (a bad argument is the command's to report).
    pub fn route_to_target(&self, raw: Option<&str>) {
        let named = raw.and_then(|r| {
            use sentry_target::Target;
            match sentry_target::parse_target(r).ok()? {
                Target::OrgAll { org } | Target::Explicit { org, .. } => Some(org),
                Target::DisplayName { org, .. } | Target::Url { org, .. } => org,
                _ => r
                    .split_once('/')
                    .map(|(o, _)| o.to_string())
                    .filter(|o| !o.is_empty()),
            }
        });
        let org = named.or_else(|| {
            self.settings()
                .ok()
                .and_then(|s| s.org.as_ref().map(|o| o.value.clone()))
        });
        if let Some(org) = org.filter(|o| !o.is_empty()) {
            self.route_to_org(&org);
        }
    }

    /// The server URL when a flag or the environment names it (`--url`, `SENTRY_URL`,
    /// `SENTRY_HOST`): it limits which stored accounts a command may use.
    pub fn pinned_url(&self) -> Option<String> {
        let s = self.settings().ok()?;
        matches!(
            s.configured_url.origin,
            sentry_config::Origin::Flag(_) | sentry_config::Origin::Env(_)
        )
        .then(|| s.configured_url.value.clone())
    }

    /// A context for this same invocation that uses the stored account `account_id`
    /// (listing every account's organizations). Settings are shared; the store is opened
    /// again, the token selected afresh.
    pub fn for_account(&self, account_id: &str) -> CliResult<Context> {
        let settings = self.settings()?.clone();
        let ctx = Context {
            global: self.global.clone(),
            env: self.env.clone(),
            cwd: self.cwd.clone(),
            home: self.home.clone(),
            output: self.output.clone(),
            store: OnceCell::new(),
            settings: OnceCell::new(),
            selection: OnceCell::new(),
            wanted_account: RefCell::new(Some(account_id.to_string())),
            refreshed: RefCell::new(None),
        };
        let _ = ctx.settings.set(settings);
        Ok(ctx)
    }

    /// The stored account this process uses: the one a command asked for, else the active
    /// one. A login migrated from before schema v16 has no host: it is bound to the
    /// configured host once, as upstream's lazy migration does.
    fn stored_account(&self) -> CliResult<Option<sentry_store::Account>> {
        let store = self.store()?;
        let wanted = self.wanted_account.borrow().clone();
        let account = match &wanted {
            Some(id) => store.account(id).map_err(store_error)?,
            None => {
                let active = store.active_account().map_err(store_error)?;
                match self.pinned_url() {
                    // A server named by a flag or the environment that the active account is
                    // not on: that server's most recently used usable account, if any.
                    Some(url) if !active.as_ref().is_some_and(|a| a.is_on_server(&url)) => {
                        let now = now_ms();
                        let there = store.accounts_on_server(&url).map_err(store_error)?;
                        match there.into_iter().find(|a| a.is_usable(now)) {
                            Some(a) => {
                                log::debug!(
                                    "{url} is named explicitly: using its account {}",
                                    a.account_id
                                );
                                Some(a)
                            }
                            None => active,
                        }
                    }
                    _ => active,
                }
            }
        };
        let Some(mut account) = account else {
            return Ok(None);
        };
        if account.host.is_none() && account.has_token() {
            let host = if self.project_url_file()?.is_some() {
                sentry_config::DEFAULT_URL.to_string()
            } else {
                self.settings()?.configured_url.value.clone()
            };
            let mut rec = account.auth_record();
            rec.host = Some(host.clone());
            let target = sentry_store::LoginTarget::Account(&account.account_id);
            if store.save_login(&rec, target).is_ok() {
                log::info!("Migrated stored credentials to host-scoped model: {host}");
            }
            account.host = Some(host);
        }
        Ok(Some(account))
    }

    /// Which token this process uses (decisions.md #1), decided once. The note naming a
    /// shadowed token and the org-token claim warnings are printed here, once.
    pub fn token_selection(&self) -> CliResult<&crate::auth::Selection> {
        if let Some(s) = self.selection.get() {
            return Ok(s);
        }
        let settings = self.settings()?;
        let account = self.stored_account()?;
        let sel = crate::auth::select::select(settings, account.as_ref(), now_ms());
        if let Some(c) = &sel.chosen {
            crate::logging::register_secret(&c.value);
            if c.settings_index == Some(0) {
                for w in &settings.token_warnings {
                    crate::diag!("Warning: {w}");
                }
            }
            if let (true, Some(a)) = (c.stored, &account) {
                let all = self.store()?.accounts().unwrap_or_default();
                log::info!("Using account {}", crate::auth::accounts::describe(a, &all));
            }
        }
        let user = account.as_ref().map(|a| {
            a.username
                .clone()
                .filter(|s| !s.is_empty())
                .or(a.name.clone().filter(|s| !s.is_empty()))
                .or(a.email.clone().filter(|s| !s.is_empty()))
        });
        if let Some(note) = sel.shadow_note(user.flatten().as_deref()) {
            crate::diag!("{note}");
        }
        Ok(self.selection.get_or_init(|| sel))
    }

    /// The token requests will carry, as selected (not refreshed; see [`Context::fresh_token`]).
    pub fn active_token(&self) -> CliResult<Option<ActiveToken>> {
        if let Some(t) = self.refreshed.borrow().as_ref() {
            return Ok(Some(t.clone()));
        }
        Ok(self.token_selection()?.chosen.clone())
    }

    /// The active token, refreshed first when it is a stored OAuth session that expired or
    /// has ≤ 10 % of its lifetime left (decisions.md #9). A stored session that expired
    /// without a refresh token is cleared (exit 11 unless another token is available).
    pub fn fresh_token(&self) -> CliResult<Option<ActiveToken>> {
        let sel = self.token_selection()?;
        let Some(tok) = self.active_token()? else {
            if sel.dead_stored {
                // The account keeps its row and identity, its credentials go (as upstream
                // does). Tidying up is not the command's write: if it cannot land, the
                // session is still dead and exit 11 is still the answer.
                if let Some(a) = self.stored_account()? {
                    if let Err(e) = self.store()?.invalidate_account(&a.account_id) {
                        log::debug!("could not clear the expired session: {e}");
                    }
                }
                return Err(CliError::new(
                    exit::TOKEN_EXPIRED,
                    "Session expired and no refresh token available. Run 'sentry auth login'.",
                ));
            }
            return Ok(None);
        };
        if !tok.is_oauth()
            || !crate::auth::refresh::needs_refresh(tok.expires_at, tok.issued_at, now_ms())
        {
            return Ok(Some(tok));
        }
        let fresh = self.refresh_stored(crate::auth::refresh::Want::IfNeeded)?;
        Ok(Some(fresh.0))
    }

    /// Refreshes the stored session under the cross-process lock; `true` when this process
    /// obtained a new token (as opposed to finding a fresh one).
    pub fn refresh_stored(
        &self,
        want: crate::auth::refresh::Want<'_>,
    ) -> CliResult<(ActiveToken, bool, sentry_store::AuthRecord)> {
        let store = self.store()?;
        let account = self
            .stored_account()?
            .ok_or_else(crate::auth::refresh::not_authenticated)?;
        let host = account.host.clone().unwrap_or_else(|| {
            self.settings()
                .map(|s| s.configured_url.value.clone())
                .unwrap_or_default()
        });
        let oauth = self.oauth_client(&host)?;
        let outcome =
            crate::auth::refresh::refresh_locked(store, &oauth, want, &account.account_id)?;
        let rec = outcome.record().clone();
        let tok = ActiveToken::from_stored(&rec, Some(&account.account_id))
            .ok_or_else(crate::auth::refresh::not_authenticated)?;
        crate::logging::register_secret(&tok.value);
        *self.refreshed.borrow_mut() = Some(tok.clone());
        let did = matches!(outcome, crate::auth::refresh::Outcome::Refreshed(_));
        Ok((tok, did, rec))
    }

    /// Adds the 401/403 explanations of spec/core.md §5.7 to an API error, worded for the
    /// token that was used. Applied once by `main` to every command's error.
    pub fn explain_api_error(&self, mut err: CliError) -> CliError {
        let Some(api) = err.api.clone() else {
            return err;
        };
        let token = self.active_token().ok().flatten();
        let base = self.base_url_for(token.as_ref()).unwrap_or_default();
        let lines = crate::api_hints::explain(
            api.status,
            &api.detail,
            token.as_ref().map(|t| &t.source),
            &base,
        );
        if !lines.is_empty() {
            err.details.push(String::new());
            err.details.extend(lines);
        }
        err
    }

    /// The token or "Not authenticated" (exit 10), for commands that need credentials.
    pub fn require_token(&self) -> CliResult<ActiveToken> {
        self.fresh_token()?
            .ok_or_else(crate::auth::refresh::not_authenticated)
    }

    /// `SENTRY_CLIENT_ID`, else the sentry.io public client.
    pub fn client_id(&self) -> CliResult<String> {
        Ok(self
            .settings()?
            .client_id
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_else(|| crate::auth::DEFAULT_CLIENT_ID.to_string()))
    }

    /// A client for the OAuth endpoints of `host` (no bearer token).
    pub fn oauth_client(&self, host: &str) -> CliResult<crate::auth::oauth::OAuthClient> {
        let settings = self.settings()?;
        let base = crate::auth::host::sourced_url(settings, host, "login URL");
        crate::auth::oauth::OAuthClient::new(self.client_config(base)?, host, &self.client_id()?)
    }

    /// The project config file that supplied the configured URL, if one did (§4.6).
    pub fn project_url_file(&self) -> CliResult<Option<PathBuf>> {
        Ok(crate::auth::host::project_url_file(self.settings()?))
    }

    /// Where requests go for `token` (see [`crate::auth::host::base_url`]).
    pub fn base_url_for(&self, token: Option<&ActiveToken>) -> CliResult<String> {
        Ok(crate::auth::host::base_url(self.settings()?, token).value)
    }

    /// HTTP settings for requests to `base`: the route (proxy, TLS, CA with their sources),
    /// headers, retries and the command's time budget; no credential yet.
    pub fn client_config(
        &self,
        base: sentry_api::Sourced<String>,
    ) -> CliResult<sentry_api::ClientConfig> {
        let settings = self.settings()?;
        let scheme_implied =
            settings.url_scheme_implied && base.value == settings.configured_url.value;
        let route = crate::auth::host::route(settings, base);
        let mut config = sentry_api::ClientConfig::for_route(route, env!("CARGO_PKG_VERSION"));
        config.scheme_implied = scheme_implied;
        config.pipeline = settings.pipeline.as_ref().map(|p| p.value.clone());
        config.custom_headers = settings.headers.iter().map(|h| h.value.clone()).collect();
        config.max_retries = settings.max_retries.value;
        config.retry_base_delay = Duration::from_millis(settings.retry_delay_ms.value);
        config.budget = Some(Duration::from_secs(settings.http_timeout.value));
        config.on_retry = Some(Arc::new(|notice: &sentry_api::RetryNotice| {
            crate::diag!("{notice}");
        }));
        Ok(config)
    }

    /// A client for validating `token` against `host` during `auth login --token`: the token
    /// is bound to the host being logged in to. Fails (exit 13) when the settings would route
    /// it through a project file's proxy or TLS override.
    pub fn login_client(&self, host: &str, token: &str) -> CliResult<sentry_api::Client> {
        let settings = self.settings()?;
        let base = crate::auth::host::sourced_url(settings, host, "login URL");
        let config = self.client_config(base)?.with_host_token(token, host);
        let client = sentry_api::Client::new(config).map_err(api_error)?;
        match client.refusal() {
            Some(r) => Err(api_error(r.clone())),
            None => Ok(client),
        }
    }

    /// The HTTP client for the configured server with the active token (refreshed when due),
    /// under the token rule (`sentry_api::scope`): a token goes only to its own host, never
    /// to a URL or through a proxy/TLS setting that only a project file supplies. Such a
    /// refusal fails here (exit 13) before the command does any work.
    pub fn client(&self) -> CliResult<sentry_api::Client> {
        self.client_scoped(true)
    }

    /// [`Context::client`] for commands that need credentials: with no token at all they fail
    /// with "Not authenticated" (exit 10) before any request, as upstream's auth guard does.
    pub fn authed_client(&self) -> CliResult<sentry_api::Client> {
        self.require_token()?;
        self.client()
    }

    /// [`Context::client`]; `strict = false` (bare `auth`, whose status should still show)
    /// returns the client even when the rule refuses it: every request then fails with the
    /// refusal instead of being sent.
    pub fn client_scoped(&self, strict: bool) -> CliResult<sentry_api::Client> {
        let settings = self.settings()?;
        let token = self.fresh_token()?;
        let base = crate::auth::host::base_url(settings, token.as_ref());
        let base_value = base.value.clone();
        let mut config = self.client_config(base)?;
        if let Some(t) = &token {
            if t.is_oauth() {
                let host = t.host.clone().unwrap_or_else(|| base_value.clone());
                let template = self.client_config(crate::auth::host::sourced_url(
                    settings,
                    &host,
                    "stored login",
                ))?;
                config.refresher =
                    Some(std::sync::Arc::new(crate::auth::refresh::StoreRefresher {
                        config_dir: self.config_dir(),
                        template,
                        host,
                        client_id: self.client_id()?,
                        account_id: t.account_id.clone().unwrap_or_default(),
                    }));
            }
            config.credential = Some(crate::auth::host::credential(settings, t));
        }
        let client = sentry_api::Client::new(config).map_err(api_error)?;
        if strict {
            if let Some(r) = client.refusal() {
                return Err(api_error(r.clone()));
            }
        }
        Ok(client)
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Asks a yes/no question on the terminal. Callers check that stdin is a terminal first.
pub fn confirm(question: &str) -> CliResult<bool> {
    let mut stderr = io::stderr();
    write!(stderr, "{question} [y/N] ")?;
    stderr.flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// A numbered choice on the terminal (callers check that there is one): the options on
/// stderr, the answer from stdin; Enter keeps `default`. Asks again on a bad answer.
pub fn choose(question: &str, options: &[String], default: usize) -> CliResult<usize> {
    let mut stderr = io::stderr();
    writeln!(stderr, "{question}")?;
    for (i, o) in options.iter().enumerate() {
        let mark = if i == default { '>' } else { ' ' };
        writeln!(stderr, "{mark} {}. {o}", i + 1)?;
    }
    loop {
        write!(stderr, "Number [{}]: ", default + 1)?;
        stderr.flush()?;
        let mut line = String::new();
        if io::stdin().lock().read_line(&mut line)? == 0 {
            return Err(CliError::general("No answer: the input was closed."));
        }
        let answer = line.trim();
        if answer.is_empty() {
            return Ok(default);
        }
        match answer.parse::<usize>() {
            Ok(n) if (1..=options.len()).contains(&n) => return Ok(n - 1),
            _ => writeln!(stderr, "Enter a number from 1 to {}.", options.len())?,
        }
    }
}

pub fn store_error(e: sentry_store::StoreError) -> CliError {
    // A must-land write that did not reach cli.db: the real cause, the file, and the fix.
    if let sentry_store::StoreError::NotSaved { path, fault } = &e {
        return CliError::general(format!(
            "Could not save to the local database: {}.",
            fault.reason()
        ))
        .with_detail(format!("Path: {}", path.display()))
        .with_hint(fault.fix());
    }
    CliError::general(format!("Local database error: {e}"))
}

pub fn config_error(e: sentry_config::ConfigError) -> CliError {
    CliError::new(e.exit_code(), e.to_string())
}

pub fn api_error(e: sentry_api::ApiError) -> CliError {
    use sentry_api::ApiError;
    if matches!(
        e,
        ApiError::HostScope { .. } | ApiError::ProjectConnection { .. }
    ) {
        // Upstream's unindented two-line shape for refusals.
        let err = CliError::new(e.exit_code(), e.message());
        return match e.hint() {
            Some(h) => err.with_hint(h),
            None => err,
        };
    }
    let mut err = CliError::new(e.exit_code(), e.headline());
    if let Some(status) = e.status() {
        let detail = e
            .api_detail()
            .or_else(|| e.body().map(|b| String::from_utf8_lossy(b).into_owned()))
            .unwrap_or_default();
        err.api = Some(crate::error::ApiFailure { status, detail });
    }
    for d in e.details() {
        err = err.with_detail(d);
    }
    if let Some(h) = e.hint() {
        err = err.with_hint(h);
    }
    err
}
