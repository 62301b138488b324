//! Configuration errors. Each message is one actionable line naming the offending source.

use std::path::PathBuf;

use crate::Origin;

/// Exit code for configuration errors (bad files, bad headers, bad tokens).
pub const EXIT_CONFIG: i32 = 20;
/// Exit code for a malformed command line: 2, the convention of clap and POSIX tools
/// (upstream's command-line framework used 252).
pub const EXIT_USAGE: i32 = 2;
/// Exit code for an invalid value given on the command line.
pub const EXIT_VALIDATION: i32 = 21;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A config file could not be parsed; resolution stops because guessing would silently
    /// drop the user's settings (sentry-cli also treats this as fatal).
    #[error("Could not parse {}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// A file that exists could not be read.
    #[error("Could not read {}: {message}", path.display())]
    Io { path: PathBuf, message: String },

    /// A Sentry URL that is not `http(s)://host[:port]`.
    #[error(
        "Invalid Sentry URL '{value}' from {origin}: {reason}. Expected http(s)://host[:port]."
    )]
    InvalidUrl {
        value: String,
        origin: Origin,
        reason: String,
    },

    /// A malformed `sntrys_` org auth token. The token itself is never included.
    #[error("Invalid org auth token{}: {reason}. Copy the whole token again from Sentry (Settings > Auth Tokens).", source_suffix(.origin))]
    InvalidOrgToken {
        origin: Option<Origin>,
        reason: String,
    },

    /// A custom header failed validation; the message is the exact upstream text.
    #[error("{message}")]
    InvalidHeader { message: String },

    /// `--url ''` and friends: an empty value typed on the command line would otherwise fall
    /// back silently to another source (for `--url`, sentry.io — with the user's token).
    #[error("Failed to parse \"\" for {flag}: --{flag} cannot be empty")]
    EmptyFlag { flag: &'static str },

    /// An unknown log level.
    #[error("Invalid log level '{value}' from {origin}. Valid levels: error, warn, log, info, debug, trace, off.")]
    InvalidLogLevel { value: String, origin: Origin },
}

fn source_suffix(origin: &Option<Origin>) -> String {
    origin
        .as_ref()
        .map(|o| format!(" from {o}"))
        .unwrap_or_default()
}

impl ConfigError {
    /// 21 when the bad value was typed on this command line (a validation error the user can
    /// fix by retyping), 20 for everything that lives in the configuration.
    pub fn exit_code(&self) -> i32 {
        match self {
            ConfigError::InvalidUrl {
                origin: Origin::Flag(_),
                ..
            }
            | ConfigError::InvalidLogLevel {
                origin: Origin::Flag(_),
                ..
            } => EXIT_VALIDATION,
            ConfigError::EmptyFlag { .. } => EXIT_USAGE,
            _ => EXIT_CONFIG,
        }
    }
}
