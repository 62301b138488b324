//! Per-process context: settings resolved once, the store opened on first use, one HTTP client.
//!
//! Nothing here runs for `--help`/`--version` (clap answers those before a context exists), and
//! each piece is created lazily so a command pays only for what it touches.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::io::{self, BufRead, IsTerminal, Write};
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
    token: OnceCell<Option<ActiveToken>>,
}

/// The token a request will carry, and where it came from (for messages and `config list`).
#[derive(Debug, Clone)]
pub struct ActiveToken {
    pub value: String,
    pub origin: String,
    /// Stored OAuth login (as opposed to a token from a flag, env var or file).
    pub stored: bool,
    pub refreshable: bool,
}

impl ActiveToken {
    pub fn is_oauth(&self) -> bool {
        self.stored && self.refreshable
    }
}

impl Context {
    pub fn from_process(global: GlobalArgs) -> CliResult<Context> {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let cwd = std::env::current_dir()
            .map_err(|e| CliError::general(format!("Cannot read the working directory: {e}")))?;
        let home = env.get("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);

        let level_raw = if global.verbose {
            Some("debug".to_string())
        } else {
            global
                .log_level
                .clone()
                .or_else(|| env.get("SENTRY_LOG_LEVEL").cloned())
        };
        let level = match &level_raw {
            Some(raw) => match crate::logging::parse_level(raw) {
                Some(l) => l,
                None if global.log_level.is_some() => {
                    return Err(CliError::new(
                        exit::USAGE,
                        format!("invalid value '{raw}' for '--log-level': expected one of error, warn, info, debug, trace, off"),
                    ));
                }
                // A bad SENTRY_LOG_LEVEL falls back to the default like upstream.
                None => log::LevelFilter::Warn,
            },
            None => log::LevelFilter::Warn,
        };
        crate::logging::init(level);
        if let Some(t) = &global.auth_token {
            crate::logging::register_secret(t);
        }

        let jq = match &global.jq {
            Some(expr) => Some(std::rc::Rc::new(crate::jq::JqFilter::compile(expr)?)),
            None => None,
        };
        let json = global.json
            || jq.is_some()
            || env
                .get("SENTRY_OUTPUT_FORMAT")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("json"));
        let fields = global.fields.as_deref().map(parse_fields);
        let rich = rich_output(&|k| env.get(k).cloned());
        Ok(Context {
            output: OutputOptions {
                json,
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
            token: OnceCell::new(),
        })
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
        for w in store.warnings() {
            eprintln!("{w}");
        }
        Ok(self.store.get_or_init(|| store))
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
                log_level: self.global.log_level.clone(),
                org: self.global.org.clone(),
                project: self.global.project.clone(),
                headers: self.global.headers.clone(),
            },
            cli_defaults,
            stdout_is_tty: io::stdout().is_terminal(),
        };
        let settings = sentry_config::resolve(&inputs).map_err(config_error)?;
        for w in &settings.warnings {
            eprintln!("Warning: {w}");
        }
        for t in &settings.tokens {
            crate::logging::register_secret(&t.value);
        }
        Ok(self.settings.get_or_init(|| settings))
    }

    /// Picks the token: `--auth-token` > stored login > SENTRY_AUTH_TOKEN > SENTRY_TOKEN >
    /// config files, with SENTRY_FORCE_ENV_TOKEN putting env tokens before the stored login.
    /// Whenever a token is shadowed, one stderr line names both (decisions.md #1).
    pub fn active_token(&self) -> CliResult<Option<ActiveToken>> {
        if let Some(t) = self.token.get() {
            return Ok(t.clone());
        }
        let settings = self.settings()?;
        let stored = self.store()?.auth().map_err(store_error)?.and_then(|a| {
            let value = a.token.clone()?;
            let expired = a.expires_at.is_some_and(|e| e <= now_ms());
            let refreshable = a.refresh_token.is_some();
            (!expired || refreshable).then(|| ActiveToken {
                value,
                origin: "stored login (cli.db)".into(),
                stored: true,
                refreshable,
            })
        });
        let mut candidates: Vec<ActiveToken> = Vec::new();
        let from_settings = settings.tokens.iter().map(|t| ActiveToken {
            value: t.value.clone(),
            origin: t.origin.to_string(),
            stored: false,
            refreshable: false,
        });
        let (flag, others): (Vec<_>, Vec<_>) =
            from_settings.partition(|t| t.origin.starts_with("flag"));
        candidates.extend(flag);
        if settings.force_env_token {
            candidates.extend(others);
            candidates.extend(stored);
        } else {
            candidates.extend(stored);
            candidates.extend(others);
        }
        let chosen = candidates.first().cloned();
        if let Some(c) = &chosen {
            crate::logging::register_secret(&c.value);
            if let Some(shadowed) = candidates.iter().skip(1).find(|o| o.value != c.value) {
                eprintln!(
                    "Note: using the token from {}; ignoring the one from {}.{}",
                    c.origin,
                    shadowed.origin,
                    if c.stored {
                        " Set SENTRY_FORCE_ENV_TOKEN=1 to prefer the environment."
                    } else {
                        ""
                    }
                );
            }
        }
        Ok(self.token.get_or_init(|| chosen).clone())
    }

    /// The HTTP client for the configured server with the active token.
    pub fn client(&self) -> CliResult<sentry_api::Client> {
        let settings = self.settings()?;
        let token = self.active_token()?;
        let mut config =
            sentry_api::ClientConfig::new(settings.url.value.clone(), env!("CARGO_PKG_VERSION"));
        config.pipeline = settings.pipeline.as_ref().map(|p| p.value.clone());
        config.custom_headers = settings.headers.iter().map(|h| h.value.clone()).collect();
        config.proxy = settings
            .proxy_url
            .as_ref()
            .map(|p| sentry_api::ProxyConfig {
                url: p.value.clone(),
                username: settings.proxy_username.as_ref().map(|u| u.value.clone()),
                password: settings.proxy_password.as_ref().map(|u| u.value.clone()),
                no_proxy: settings
                    .no_proxy
                    .as_ref()
                    .map(|n| n.value.clone())
                    .unwrap_or_default(),
            });
        config.ca_cert_files = settings.ca_certs.iter().map(|c| c.value.clone()).collect();
        config.verify_ssl = settings.verify_ssl.value;
        config.max_retries = settings.max_retries.value;
        if let Some(t) = token {
            config.trusted_origins = self.token_origins(&t)?;
            config.token = Some(t.value);
        }
        sentry_api::Client::new(config).map_err(api_error)
    }

    /// Origins the active token may be sent to (decisions.md #13): the host a stored login was
    /// issued for, an org token's embedded URLs, else the configured server; plus the region
    /// URLs learned from the org list.
    fn token_origins(&self, token: &ActiveToken) -> CliResult<Vec<String>> {
        let settings = self.settings()?;
        let mut origins = Vec::new();
        if token.stored {
            let host = self
                .store()?
                .auth()
                .map_err(store_error)?
                .and_then(|a| a.host);
            origins.push(host.unwrap_or_else(|| settings.url.value.clone()));
        } else if let Some(claims) = sentry_config::parse_org_token(&token.value).ok().flatten() {
            origins.extend(claims.url.clone());
            origins.extend(claims.region_url.clone());
        } else {
            origins.push(settings.url.value.clone());
        }
        if let Ok(regions) = self.store()?.org_regions() {
            origins.extend(regions.into_iter().map(|r| r.region_url));
        }
        Ok(origins)
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

pub fn store_error(e: sentry_store::StoreError) -> CliError {
    CliError::general(format!("Local database error: {e}"))
}

pub fn config_error(e: sentry_config::ConfigError) -> CliError {
    CliError::new(e.exit_code(), e.to_string())
}

pub fn api_error(e: sentry_api::ApiError) -> CliError {
    let mut err = CliError::new(e.exit_code(), e.headline());
    for d in e.details() {
        err = err.with_detail(d);
    }
    if let Some(h) = e.hint() {
        err = err.with_hint(h);
    }
    err
}
