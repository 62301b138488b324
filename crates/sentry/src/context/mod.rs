//! Per-process context: settings resolved once, the store opened on first use, one HTTP client.
//!
//! Nothing here runs for `--help`/`--version` (clap answers those before a context exists), and
//! each piece is created lazily so a command pays only for what it touches.
//!
//! This file holds the context itself (construction, settings, the store); `tokens` decides
//! which token and account a command uses, `client` builds the HTTP clients.

mod client;
mod tokens;

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;
use std::io::{self, IsTerminal};
use std::path::PathBuf;

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
    /// Org regions learned during this run.
    regions: RefCell<crate::regions::Memo>,
}

pub use crate::auth::ActiveToken;

/// What a [`Context`] is built from.
pub struct Parts {
    pub global: GlobalArgs,
    /// The environment variables the settings see.
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
}

impl Context {
    /// The context of this process: its environment, working directory and `$HOME`.
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
        let ctx = Context::from_parts(Parts {
            global,
            env,
            cwd,
            home,
        })?;
        // Settings are the single source of the log level, from whichever level set it
        // (flag, environment, `.env`, `[log] level`). A command that needs settings reports
        // a resolution error itself; the others still run, logging at the flag's level (or
        // the default).
        match ctx.settings() {
            Ok(s) => crate::logging::set_level(crate::logging::filter(s.log_level.value)),
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

    /// A context from explicit parts instead of the process: what a command's unit test
    /// builds (a temporary home, an environment naming an in-process local server) to call
    /// the command's `run` with [`crate::output::capture`]. Touches no process-global state
    /// except the secret registry of log redaction.
    pub fn from_parts(parts: Parts) -> CliResult<Context> {
        let Parts {
            global,
            env,
            cwd,
            home,
        } = parts;
        if let Some(t) = &global.auth_token {
            crate::logging::register_secret(t);
        }
        let jq = match &global.jq {
            Some(expr) => Some(std::rc::Rc::new(crate::jq::JqFilter::compile(expr)?)),
            None => None,
        };
        let fields = global.fields.as_deref().map(parse_fields);
        let rich = rich_output(&|k| env.get(k).cloned());
        let output = OutputOptions {
            json: global.json || jq.is_some(),
            fields,
            rich,
            jq,
        };
        let mut ctx = Context::unopened(
            Parts {
                global,
                env,
                cwd,
                home,
            },
            output,
        );
        // SENTRY_OUTPUT_FORMAT and colour come from settings, whichever level set them.
        let resolved = ctx.settings().map(|s| {
            (
                s.json_output.value,
                s.color.value == sentry_config::ColorMode::Rich,
            )
        });
        if let Ok((json, rich)) = resolved {
            ctx.output.json |= json;
            ctx.output.rich = rich;
        }
        Ok(ctx)
    }

    pub(crate) fn region_memo(&self) -> &RefCell<crate::regions::Memo> {
        &self.regions
    }

    /// Most pages one auto-paginated listing fetches (`SENTRY_MAX_PAGINATION_PAGES`, 50).
    pub fn max_pages(&self) -> usize {
        self.settings()
            .map(|s| s.max_pagination_pages.value as usize)
            .unwrap_or(50)
    }

    /// The user's login shell (`$SHELL`), for `cli completion` without a shell named.
    pub fn login_shell(&self) -> Option<String> {
        self.env.get("SHELL").filter(|s| !s.is_empty()).cloned()
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

    /// A context for this same invocation that uses the stored account `account_id`
    /// (listing every account's organizations). Settings are shared; the store is opened
    /// again, the token selected afresh.
    pub fn for_account(&self, account_id: &str) -> CliResult<Context> {
        let settings = self.settings()?.clone();
        let ctx = Context::unopened(
            Parts {
                global: self.global.clone(),
                env: self.env.clone(),
                cwd: self.cwd.clone(),
                home: self.home.clone(),
            },
            self.output.clone(),
        );
        *ctx.wanted_account.borrow_mut() = Some(account_id.to_string());
        let _ = ctx.settings.set(settings);
        Ok(ctx)
    }

    /// A context over `parts` with nothing opened or resolved yet.
    fn unopened(parts: Parts, output: OutputOptions) -> Context {
        Context {
            global: parts.global,
            env: parts.env,
            cwd: parts.cwd,
            home: parts.home,
            output,
            store: OnceCell::new(),
            settings: OnceCell::new(),
            selection: OnceCell::new(),
            wanted_account: RefCell::new(None),
            refreshed: RefCell::new(None),
            regions: RefCell::default(),
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
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
