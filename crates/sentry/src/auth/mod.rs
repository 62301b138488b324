//! Credentials: which token a command uses, where it may be sent, how an OAuth session is
//! obtained (device flow) and kept alive (refresh), shared by the `auth` commands and by
//! [`crate::context::Context::client`].

pub mod accounts;
pub mod device;
pub mod env_account;
pub mod host;
pub mod interrupt;
pub mod oauth;
pub mod qr;
pub mod refresh;
pub mod scopes;
pub mod select;

pub use select::{ActiveToken, Selection, TokenSource};

/// The public OAuth application of sentry.io; self-hosted instances (≥ 26.1.0) ship the same
/// public client, so one id works everywhere unless `SENTRY_CLIENT_ID` overrides it.
pub const DEFAULT_CLIENT_ID: &str =
    "1d673b81d60ef84c951359c36296972ca6fd41bd8f45acd2d3a783a3b3c28e41";

/// Masks a token for display like upstream's `auth status`: short tokens reveal nothing,
/// longer ones keep enough of both ends to tell two tokens apart.
pub fn mask_token(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() <= 12 {
        return "****".to_string();
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}...{tail}")
}

/// Upstream's `formatDuration`: the two largest units, singular when 1.
pub fn format_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    let pair = |big: i64, big_unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            plural(big, big_unit)
        } else {
            format!(
                "{} and {}",
                plural(big, big_unit),
                plural(small, small_unit)
            )
        }
    };
    let minutes = secs / 60;
    if minutes < 60 {
        return plural(minutes, "minute");
    }
    let hours = minutes / 60;
    if hours < 24 {
        return pair(hours, "hour", minutes % 60, "minute");
    }
    let days = hours / 24;
    if days < 7 {
        return pair(days, "day", hours % 24, "hour");
    }
    pair(days / 7, "week", days % 7, "day")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking() {
        assert_eq!(mask_token("sntryu_faketoken1234567890"), "sntryu_f...7890");
        assert_eq!(mask_token("abcdefghijkl"), "****");
        assert_eq!(mask_token("abcdefghijklm"), "abcdefgh...jklm");
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(59), "0 minutes");
        assert_eq!(format_duration(60), "1 minute");
        assert_eq!(format_duration(3599), "59 minutes");
        assert_eq!(format_duration(3600), "1 hour");
        assert_eq!(format_duration(3600 + 120), "1 hour and 2 minutes");
        assert_eq!(format_duration(2 * 86400 + 3600), "2 days and 1 hour");
        assert_eq!(format_duration(8 * 86400), "1 week and 1 day");
        assert_eq!(format_duration(14 * 86400), "2 weeks");
    }
}
