//! Retry policy (decisions #4): which failures are retried and how long to wait.

use std::time::Duration;

/// Longest `Retry-After` we honour; a server asking for more gets this much.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Longest exponential backoff step.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Statuses that usually heal by themselves: timeouts, rate limits, overloaded or
/// restarting servers, and proxies in front of them (507, Cloudflare's 524).
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504 | 507 | 524)
}

/// Parses `Retry-After` as delta-seconds or an HTTP date, capped at [`MAX_RETRY_AFTER`].
/// A date in the past means "now". Unparseable values are ignored (`None`).
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = value.parse().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    static PARSER: jiff::fmt::rfc2822::DateTimeParser = jiff::fmt::rfc2822::DateTimeParser::new();
    let at = PARSER.parse_timestamp(value).ok()?;
    let ms = at.as_millisecond().saturating_sub(now.as_millisecond());
    let ms = u64::try_from(ms).unwrap_or(0);
    Some(Duration::from_millis(ms).min(MAX_RETRY_AFTER))
}

/// Exponential backoff before retry number `retry` (0-based): `base·2^retry`, capped at
/// [`MAX_BACKOFF`], plus up to 25 % random jitter (still within the cap) so many CI jobs hit
/// by the same outage do not retry in lockstep.
pub fn backoff(base: Duration, retry: u32) -> Duration {
    let factor = 1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX);
    let step = base.saturating_mul(factor).min(MAX_BACKOFF);
    let jitter_ms = (step.as_millis() as u64) / 4;
    let jitter = if jitter_ms == 0 {
        Duration::ZERO
    } else {
        Duration::from_millis(fastrand::u64(0..=jitter_ms))
    };
    (step + jitter).min(MAX_BACKOFF.max(step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        for s in [408, 429, 500, 502, 503, 504, 507, 524] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 301, 400, 401, 403, 404, 409, 501, 505] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn retry_after_forms() {
        let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("600", now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Fri, 02 Jan 2026 00:00:00 GMT", now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let b = Duration::from_secs(1);
        for _ in 0..50 {
            let d0 = backoff(b, 0);
            assert!(
                d0 >= Duration::from_secs(1) && d0 <= Duration::from_millis(1250),
                "{d0:?}"
            );
            let d1 = backoff(b, 1);
            assert!(
                d1 >= Duration::from_secs(2) && d1 <= Duration::from_millis(2500),
                "{d1:?}"
            );
            let d9 = backoff(b, 9);
            assert_eq!(d9, MAX_BACKOFF);
            assert_eq!(backoff(b, u32::MAX), MAX_BACKOFF);
        }
        assert_eq!(backoff(Duration::ZERO, 3), Duration::ZERO);
    }
}
