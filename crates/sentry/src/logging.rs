//! Diagnostics on stderr with secrets redacted.
//!
//! Every log line passes through [`redact`], so a token that ends up in a URL, a header dump
//! or an error message from a dependency is never printed.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use log::{Level, LevelFilter, Log, Metadata, Record};

static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();

/// Registers a value (a token, a password) that must never appear in logs.
pub fn register_secret(secret: &str) {
    if secret.len() < 4 {
        return;
    }
    let m = SECRETS.get_or_init(|| Mutex::new(Vec::new()));
    if let Ok(mut v) = m.lock() {
        if !v.iter().any(|s| s == secret) {
            v.push(secret.to_string());
        }
    }
}

/// Replaces registered secrets, anything that looks like a bearer token or Sentry token, and
/// the `user:password@` of every URL in the text.
pub fn redact(line: &str) -> String {
    let mut out = redact_url_userinfo(line);
    if let Some(m) = SECRETS.get() {
        if let Ok(v) = m.lock() {
            for s in v.iter() {
                out = out.replace(s.as_str(), "[REDACTED]");
            }
        }
    }
    for prefix in [
        "Bearer ",
        sentry_wire::tokens::ORG_TOKEN_PREFIX,
        sentry_wire::tokens::USER_TOKEN_PREFIX,
        sentry_wire::tokens::SETUP_CODE_PREFIX,
    ] {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(pos) = rest.find(prefix) {
            result.push_str(&rest[..pos]);
            let after = &rest[pos + prefix.len()..];
            let end = after
                .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
                .unwrap_or(after.len());
            result.push_str(prefix);
            if end > 0 && !after.starts_with("[REDACTED]") {
                result.push_str("[REDACTED]");
            } else {
                result.push_str(&after[..end]);
            }
            rest = &after[end..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// Records logged before the level is known (settings resolution runs after the logger is
/// installed, and itself logs), kept up to this many lines.
const MAX_PENDING: usize = 1000;

enum LoggerState {
    /// The level comes from the resolved settings (`--log-level`, `SENTRY_LOG_LEVEL`,
    /// `[log] level`); until then lines wait here, already redacted.
    Pending(Vec<(Level, String)>),
    Ready(LevelFilter),
}

/// `scheme://user:pass@host` → `scheme://***@host` for every URL in `text`.
fn redact_url_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '"' | '\'' | ')'))
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&tail[at..end]);
            }
            None => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

struct StderrLogger {
    state: Mutex<LoggerState>,
}

fn interesting(metadata: &Metadata) -> bool {
    metadata.target().starts_with("sentry") || metadata.level() <= Level::Warn
}

fn write_line(level: Level, line: &str) {
    let tag = match level {
        Level::Error => "ERROR",
        Level::Warn => "WARN",
        Level::Info => "INFO",
        Level::Debug => "DEBUG",
        Level::Trace => "TRACE",
    };
    let _ = writeln!(std::io::stderr().lock(), "  {tag:<5}  {line}");
}

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        if !interesting(metadata) {
            return false;
        }
        match &*self.state.lock().unwrap_or_else(|p| p.into_inner()) {
            LoggerState::Pending(_) => true,
            LoggerState::Ready(level) => metadata.level() <= *level,
        }
    }

    fn log(&self, record: &Record) {
        if !interesting(record.metadata()) {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *state {
            LoggerState::Pending(lines) => {
                if lines.len() < MAX_PENDING {
                    lines.push((record.level(), redact(&format!("{}", record.args()))));
                }
            }
            LoggerState::Ready(level) => {
                if record.level() <= *level {
                    write_line(record.level(), &redact(&format!("{}", record.args())));
                }
            }
        }
    }

    fn flush(&self) {}
}

static LOGGER: OnceLock<StderrLogger> = OnceLock::new();

/// Parses a log level as the official CLIs spell them (`log` is upstream's name for info).
pub fn parse_level(s: &str) -> Option<LevelFilter> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" | "warning" => LevelFilter::Warn,
        "info" | "log" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return None,
    })
}

/// Installs the logger with the level still unknown: lines are held until [`set_level`].
pub fn init() {
    let logger = LOGGER.get_or_init(|| StderrLogger {
        state: Mutex::new(LoggerState::Pending(Vec::new())),
    });
    if log::set_logger(logger).is_ok() {
        log::set_max_level(LevelFilter::Trace);
    }
}

/// Sets the level decided by settings resolution and prints the held lines it admits.
pub fn set_level(level: LevelFilter) {
    let Some(logger) = LOGGER.get() else { return };
    let mut state = logger.state.lock().unwrap_or_else(|p| p.into_inner());
    if let LoggerState::Pending(lines) = &*state {
        for (l, line) in lines {
            if *l <= level {
                write_line(*l, line);
            }
        }
    }
    *state = LoggerState::Ready(level);
    log::set_max_level(level);
}

/// The `log` crate's filter for a resolved level.
pub fn filter(level: sentry_config::LogLevel) -> LevelFilter {
    use sentry_config::LogLevel;
    match level {
        LogLevel::Off => LevelFilter::Off,
        LogLevel::Error => LevelFilter::Error,
        LogLevel::Warn => LevelFilter::Warn,
        LogLevel::Info => LevelFilter::Info,
        LogLevel::Debug => LevelFilter::Debug,
        LogLevel::Trace => LevelFilter::Trace,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_redacted() {
        assert_eq!(
            redact("Authorization: Bearer abc.def"),
            "Authorization: Bearer [REDACTED]"
        );
        assert_eq!(
            redact("token sntryu_0123456789abcdef here"),
            "token sntryu_[REDACTED] here"
        );
        // Setup codes, also form-encoded in a request body.
        assert_eq!(
            redact("SENTRY_SETUP_CODE=sntryc_eyJ1cmwiOiJ4In0=_abc+/def rest"),
            "SENTRY_SETUP_CODE=sntryc_[REDACTED] rest"
        );
        assert_eq!(
            redact("setup_code=sntryc_eyJ1%3D_ab%2Bc&client_id=x"),
            "setup_code=sntryc_[REDACTED]"
        );
        assert_eq!(
            redact("proxy http://u:p%40ss@proxy:3128/x and https://h/a@b"),
            "proxy http://***@proxy:3128/x and https://h/a@b"
        );
        register_secret("s3cr3t-value");
        assert_eq!(redact("x=s3cr3t-value;"), "x=[REDACTED];");
    }
}
