//! Settings resolution for the `sentry` CLI.
//!
//! [`resolve`] is a pure function of its [`Inputs`] (flags, an environment snapshot, the
//! files on disk, `cli defaults` values): it never touches the process environment, so every
//! precedence rule can be tested with a temp dir and a map. The result is an immutable
//! [`Settings`] in which every value carries its [`Origin`], so `config list`, warnings and
//! errors can say exactly where a value came from (users lost hours to silent precedence:
//! getsentry/cli#785, sentry-cli#494).
//!
//! Precedence for ordinary keys, highest first: flag > environment (including `.env`) >
//! `SENTRY_PROPERTIES` > project `.sentryclirc`/`sentrycli.ini` (closest file wins per key) >
//! `$SENTRY_CONFIG_DIR/.sentryclirc` > `~/.sentryclirc` (else
//! `$XDG_CONFIG_HOME/sentry/sentrycli.ini`) > `cli defaults` > built-in default. An org auth
//! token's `org`/`url` claims beat all of these, with a warning when they disagree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod dotenv;
mod env_doc;
mod error;
mod files;
mod headers;
mod keys;
mod origin;
mod resolve;
mod settings;
mod setup_code;
mod token;
mod url;

pub use dotenv::{parse_dotenv, DotEnvVar};
pub use env_doc::ENV_VARS;
pub use error::{ConfigError, EXIT_CONFIG, EXIT_USAGE, EXIT_VALIDATION};
pub use files::{parse_properties, parse_sentryclirc, ConfigFile, FileEntry};
pub use headers::{parse_custom_headers, RESERVED_HEADERS};
pub use origin::{Origin, Setting};
pub use resolve::{color_mode, resolve};
pub use settings::{ColorMode, Entry, LogLevel, Settings, DEFAULT_URL};
pub use setup_code::{setup_code_url, SetupCodeError, SETUP_CODE_ENV, SETUP_CODE_PREFIX};
pub use token::{parse_org_token, OrgTokenClaims, MAX_ORG_TOKEN_LEN};
pub use url::{is_saas_url, normalize_url};

/// Everything resolution depends on. The binary fills it from the process once.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Absolute working directory; the `.sentryclirc` and `.env` walks start here.
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
    /// Snapshot of the real process environment.
    pub env: BTreeMap<String, String>,
    pub flags: FlagValues,
    /// `cli.db` metadata rows whose key starts with `defaults.` (`defaults.org`,
    /// `defaults.project`, `defaults.url`, `defaults.headers`, `defaults.ca-cert`, ...).
    pub cli_defaults: BTreeMap<String, String>,
    /// Whether stdout is a terminal (one input of plain vs rich output, see [`color_mode`]).
    pub stdout_is_tty: bool,
}

/// Values of the global flags, as parsed by the binary (unvalidated).
#[derive(Debug, Clone, Default)]
pub struct FlagValues {
    pub url: Option<String>,
    pub auth_token: Option<String>,
    pub log_level: Option<String>,
    pub org: Option<String>,
    pub project: Option<String>,
    /// `--header 'Name: Value'`, repeatable.
    pub headers: Vec<String>,
}

/// The directory holding `cli.db`: `$SENTRY_CONFIG_DIR` if non-empty, else `~/.sentry`
/// (`./.sentry` without a home directory). Separate from [`resolve`] and cheap, because the
/// binary needs it before it can read `cli defaults` from the database.
pub fn config_dir(env: &BTreeMap<String, String>, home: Option<&Path>) -> PathBuf {
    match env
        .get("SENTRY_CONFIG_DIR")
        .filter(|v| !v.trim().is_empty())
    {
        Some(dir) => PathBuf::from(dir),
        None => home.unwrap_or(Path::new(".")).join(".sentry"),
    }
}
