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

/// Replaces registered secrets and anything that looks like a bearer token or Sentry token.
pub fn redact(line: &str) -> String {
    let mut out = line.to_string();
    if let Some(m) = SECRETS.get() {
        if let Ok(v) = m.lock() {
            for s in v.iter() {
                out = out.replace(s.as_str(), "[REDACTED]");
            }
        }
    }
    for prefix in ["Bearer ", "sntrys_", "sntryu_"] {
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

struct StderrLogger {
    level: LevelFilter,
}

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= self.level
            && (metadata.target().starts_with("sentry") || metadata.level() <= Level::Warn)
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let tag = match record.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        let line = redact(&format!("{}", record.args()));
        let _ = writeln!(std::io::stderr().lock(), "  {tag:<5}  {line}");
    }

    fn flush(&self) {}
}

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

pub fn init(level: LevelFilter) {
    let logger = Box::new(StderrLogger { level });
    if log::set_boxed_logger(logger).is_ok() {
        log::set_max_level(level);
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
        register_secret("s3cr3t-value");
        assert_eq!(redact("x=s3cr3t-value;"), "x=[REDACTED];");
    }
}
