//! The error every command returns: a message, an optional hint and the documented exit code.

use std::fmt;

/// Exit codes of the official `sentry` CLI; scripts depend on them, so they are the same.
pub mod exit {
    pub const GENERAL: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const NOT_AUTHENTICATED: i32 = 10;
    pub const TOKEN_EXPIRED: i32 = 11;
    pub const TOKEN_INVALID: i32 = 12;
    pub const HOST_SCOPE: i32 = 13;
    pub const CONFIG: i32 = 20;
    pub const VALIDATION: i32 = 21;
    pub const CONTEXT: i32 = 22;
    pub const NOT_FOUND: i32 = 23;
    pub const API: i32 = 30;
    pub const DEVICE_FLOW: i32 = 51;
    pub const OUTPUT: i32 = 60;
}

#[derive(Debug, Clone)]
pub struct CliError {
    pub message: String,
    /// Extra lines (already indented by the renderer) such as `Endpoint: /x/` or the API detail.
    pub details: Vec<String>,
    pub hint: Option<String>,
    pub exit_code: i32,
    /// The command already printed everything the user needs (`sentry api` printed the error
    /// response on stdout, as upstream does): only the exit code remains to report.
    pub reported: bool,
    /// Set when the error is an HTTP error status from the API, so `main` can add the
    /// 401/403 explanations that depend on which token was used ([`crate::explain`]) in one
    /// place instead of in every command.
    pub api: Option<ApiFailure>,
}

/// What the 401/403 explanations need from a failed API response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub status: u16,
    /// The body's `detail` string, else the raw body text (scope names and policy markers
    /// are searched in it); empty when the body was empty.
    pub detail: String,
}

impl CliError {
    pub fn new(exit_code: i32, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            details: Vec::new(),
            hint: None,
            exit_code,
            reported: false,
            api: None,
        }
    }

    /// An error whose output the command has already printed (see [`CliError::reported`]).
    pub fn already_reported(exit_code: i32, message: impl Into<String>) -> Self {
        Self {
            reported: true,
            ..Self::new(exit_code, message)
        }
    }
    pub fn general(message: impl Into<String>) -> Self {
        Self::new(exit::GENERAL, message)
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(exit::VALIDATION, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(exit::CONFIG, message)
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn with_detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    /// The error as it may be shown: registered secrets, tokens and URL passwords masked
    /// (`crate::logging::redact`). `main` prints every error through this, whatever produced
    /// its text (a dependency's message may quote a URL it was given).
    pub fn redacted(mut self) -> CliError {
        use crate::logging::redact;
        self.message = redact(&self.message);
        self.details = self.details.iter().map(|d| redact(d)).collect();
        self.hint = self.hint.as_deref().map(redact);
        self
    }

    /// The message with its detail lines, as printed after `Error: `.
    pub fn full_message(&self) -> String {
        let mut s = self.message.clone();
        for d in &self.details {
            // An empty detail separates groups of lines; no trailing spaces on it.
            s.push('\n');
            if !d.is_empty() {
                s.push_str("  ");
                s.push_str(d);
            }
        }
        s
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full_message())
    }
}

impl std::error::Error for CliError {}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::general(e.to_string())
    }
}

pub type CliResult<T> = Result<T, CliError>;
