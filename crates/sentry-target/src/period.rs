//! `-t/--period`, `-c/--cursor` and `-n/--limit`, the flags the list commands share: each
//! value is checked here, before any request, and turned into what the API is sent.
//!
//! Dates are interpreted in UTC so the same command sends the same query on
//! every machine (upstream used the local zone, which made `2024-01-01`
//! mean different instants for different team members).

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::TargetError;

/// How far back `<=B` reaches, because the API needs both bounds.
const OPEN_START_DAYS: i64 = 90;

/// Turns a `--period` value into the query parameters to send, in order.
///
/// * `7d`, `24h`, `1w`, `30m`, `90s` → `statsPeriod=<value>` verbatim.
/// * `A..B` → `start=<A 00:00:00.000Z>`, `end=<B 23:59:59.999Z>`.
/// * `>=A` / `A..` → `start=A`, `end=<now>`; `>A` starts the next day.
/// * `<=B` / `..B` → `start=<B-90d>`, `end=B`; `<B` ends the previous day.
///
/// `now` is passed in so callers (and tests) control the clock.
pub fn parse_period(s: &str, now: Timestamp) -> Result<Vec<(&'static str, String)>, TargetError> {
    let v = s.trim();
    if v.is_empty() {
        return Err(TargetError::validation(
            "Empty --period. Use a relative duration (e.g. 7d, 24h) or a date range \
             (e.g. 2024-01-01..2024-02-01, >=2024-01-01).",
        ));
    }
    let (start, end) =
        if let Some(rest) = v.strip_prefix(">=") {
            (bound(rest, Edge::Start, ">=")?, now)
        } else if let Some(rest) = v.strip_prefix('>') {
            (bound(rest, Edge::After, ">")?, now)
        } else if let Some(rest) = v.strip_prefix("<=") {
            let end = bound(rest, Edge::End, "<=")?;
            (open_start(end)?, end)
        } else if let Some(rest) = v.strip_prefix('<') {
            let end = bound(rest, Edge::Before, "<")?;
            (open_start(end)?, end)
        } else if let Some((a, b)) = v.split_once("..") {
            match (a.is_empty(), b.is_empty()) {
                (true, true) => return Err(TargetError::validation(
                    "Empty range '..'. Give at least one date (e.g. 2024-01-01.., ..2024-02-01, \
                     2024-01-01..2024-02-01).",
                )),
                (false, true) => (bound(a, Edge::Start, "")?, now),
                (true, false) => {
                    let end = bound(b, Edge::End, "")?;
                    (open_start(end)?, end)
                }
                (false, false) => {
                    let (start, end) = (bound(a, Edge::Start, "")?, bound(b, Edge::End, "")?);
                    if start > end {
                        return Err(TargetError::validation(format!(
                            "Start date '{a}' is after end date '{b}'. The start must come first."
                        )));
                    }
                    (start, end)
                }
            }
        } else {
            validate_relative(v)?;
            return Ok(vec![("statsPeriod", v.to_string())]);
        };
    Ok(vec![("start", iso_millis(start)), ("end", iso_millis(end))])
}

/// Which boundary a date-only value stands for.
#[derive(Clone, Copy)]
enum Edge {
    /// Inclusive start: midnight.
    Start,
    /// Inclusive end: 23:59:59.999.
    End,
    /// Exclusive start: the next day's midnight.
    After,
    /// Exclusive end: the previous day's 23:59:59.999.
    Before,
}

fn bound(raw: &str, edge: Edge, op: &str) -> Result<Timestamp, TargetError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(TargetError::validation(format!(
            "Missing date after '{op}'. Expected e.g. '{op}2024-01-01'."
        )));
    }
    let bad = || {
        TargetError::validation(format!(
            "Invalid date '{raw}'. Expected ISO-8601, e.g. 2024-01-01 or 2024-01-01T12:00:00Z."
        ))
    };
    if raw.contains('T') || raw.contains('t') {
        if let Ok(ts) = raw.parse::<Timestamp>() {
            return Ok(ts);
        }
        let dt: DateTime = raw.parse().map_err(|_| bad())?;
        return TimeZone::UTC.to_timestamp(dt).map_err(|_| bad());
    }
    if raw.len() != 10 {
        return Err(bad());
    }
    let date: Date = raw.parse().map_err(|_| bad())?;
    let day = |d: Date, end: bool| -> Result<Timestamp, TargetError> {
        let dt = if end {
            d.at(23, 59, 59, 999_000_000)
        } else {
            d.at(0, 0, 0, 0)
        };
        TimeZone::UTC.to_timestamp(dt).map_err(|_| bad())
    };
    match edge {
        Edge::Start => day(date, false),
        Edge::End => day(date, true),
        Edge::After => day(date.tomorrow().map_err(|_| bad())?, false),
        Edge::Before => day(date.yesterday().map_err(|_| bad())?, true),
    }
}

fn open_start(end: Timestamp) -> Result<Timestamp, TargetError> {
    end.checked_sub(SignedDuration::from_hours(24 * OPEN_START_DAYS))
        .map_err(|_| TargetError::validation("--period end date is too early."))
}

fn validate_relative(v: &str) -> Result<(), TargetError> {
    let invalid = || {
        TargetError::validation(format!(
            "Invalid period '{v}'. Use a relative duration (e.g. 7d, 24h, 1w), a date range \
             (e.g. 2024-01-01..2024-02-01) or a comparison (e.g. >=2024-01-01, <2024-02-01)."
        ))
    };
    let (digits, unit) = v.split_at(v.len() - v.chars().last().map_or(0, char::len_utf8));
    if !matches!(unit, "s" | "m" | "h" | "d" | "w")
        || digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    if digits.bytes().all(|b| b == b'0') {
        return Err(TargetError::validation(format!(
            "Invalid period '{v}': the duration cannot be zero."
        )));
    }
    if digits.len() > 9 {
        return Err(invalid());
    }
    Ok(())
}

/// `2024-01-01T00:00:00.000Z`: the exact shape JavaScript's `toISOString`
/// produces, which the API and upstream's pagination keys expect.
pub fn iso_millis(ts: Timestamp) -> String {
    let dt = TimeZone::UTC.to_datetime(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond() / 1_000_000
    )
}

/// A `--cursor` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorArg {
    /// `next` (and `last`, which upstream treats as `next`): the stored
    /// next-page cursor.
    Next,
    /// `prev` / `previous`: the previous page's start cursor.
    Prev,
    /// `first`: restart from the first page.
    First,
    /// A raw Sentry cursor such as `1735689600:0:0`, sent as is.
    Raw(String),
}

/// Parses `--cursor`. A bare integer is refused because it is almost always
/// a page number, which Sentry cursors are not.
pub fn parse_cursor(s: &str) -> Result<CursorArg, TargetError> {
    let v = s.trim();
    match v.to_ascii_lowercase().as_str() {
        "next" | "last" => return Ok(CursorArg::Next),
        "prev" | "previous" => return Ok(CursorArg::Prev),
        "first" => return Ok(CursorArg::First),
        _ => {}
    }
    if v.is_empty() {
        return Err(TargetError::validation(
            "Empty --cursor. Use next, prev, first, or a cursor from a previous response \
             (e.g. 1735689600:0:0).",
        ));
    }
    if crate::validate::is_all_digits(v) {
        return Err(TargetError::validation(format!(
            "Invalid --cursor '{v}': a bare number is not a Sentry cursor (pages are not numbered).\n  \
             Use next, prev, first, or a cursor from a previous response (e.g. 1735689600:0:0)."
        )));
    }
    if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(TargetError::validation(format!(
            "Invalid --cursor \"{}\": contains whitespace or control characters.",
            v.escape_debug()
        )));
    }
    Ok(CursorArg::Raw(v.to_string()))
}

/// The `--limit` ceiling of most list commands.
pub const MAX_LIMIT: u32 = 1000;

/// Validates `-n/--limit` against `1..=max`.
pub fn validate_limit(n: i64, max: u32) -> Result<u32, TargetError> {
    if n > i64::from(max) {
        return Err(TargetError::validation(format!(
            "--limit cannot exceed {max}"
        )));
    }
    if n < 1 {
        return Err(TargetError::validation("--limit must be at least 1"));
    }
    u32::try_from(n).map_err(|_| TargetError::validation(format!("--limit cannot exceed {max}")))
}

/// [`validate_limit`] in the words 0.49 uses for the lists whose `--limit` it checks while
/// parsing flags (events, DSNs, logs, traces, spans): one sentence for both bounds, naming
/// the value.
pub fn validate_limit_between(n: i64, max: u32) -> Result<u32, TargetError> {
    validate_limit(n, max).map_err(|_| {
        TargetError::validation(format!(
            "Failed to parse \"{n}\" for limit: --limit must be between 1 and {max}"
        ))
    })
}

/// Parses the textual `--limit` value, then applies [`validate_limit`].
pub fn parse_limit(s: &str, max: u32) -> Result<u32, TargetError> {
    let v = s.trim();
    match v.parse::<i64>() {
        Ok(n) => validate_limit(n, max),
        Err(_) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => Err(
            TargetError::validation(format!("--limit cannot exceed {max}")),
        ),
        Err(_) => Err(TargetError::validation(format!(
            "--limit must be a whole number between 1 and {max}, got '{}'",
            v.escape_debug()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2025-03-10T12:34:56.789Z".parse().unwrap()
    }
    fn params(v: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        v.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn relative_periods_are_verbatim() {
        for p in ["7d", "24h", "1w", "30m", "90s", "90d"] {
            assert_eq!(parse_period(p, now()), Ok(params(&[("statsPeriod", p)])));
        }
        assert_eq!(
            parse_period(" 14d ", now()),
            Ok(params(&[("statsPeriod", "14d")]))
        );
    }

    #[test]
    fn ranges_and_comparisons() {
        assert_eq!(
            parse_period("2024-01-01..2024-01-31", now()),
            Ok(params(&[
                ("start", "2024-01-01T00:00:00.000Z"),
                ("end", "2024-01-31T23:59:59.999Z")
            ]))
        );
        assert_eq!(
            parse_period(">=2025-03-01", now()),
            Ok(params(&[
                ("start", "2025-03-01T00:00:00.000Z"),
                ("end", "2025-03-10T12:34:56.789Z")
            ]))
        );
        assert_eq!(
            parse_period("2025-03-01..", now()),
            Ok(params(&[
                ("start", "2025-03-01T00:00:00.000Z"),
                ("end", "2025-03-10T12:34:56.789Z")
            ]))
        );
        assert_eq!(
            parse_period("<=2024-04-10", now()),
            Ok(params(&[
                ("start", "2024-01-11T23:59:59.999Z"),
                ("end", "2024-04-10T23:59:59.999Z")
            ]))
        );
        assert_eq!(
            parse_period("..2024-04-10", now()),
            Ok(params(&[
                ("start", "2024-01-11T23:59:59.999Z"),
                ("end", "2024-04-10T23:59:59.999Z")
            ]))
        );
        assert_eq!(
            parse_period(">2024-02-28", now()),
            Ok(params(&[
                ("start", "2024-02-29T00:00:00.000Z"),
                ("end", "2025-03-10T12:34:56.789Z")
            ]))
        );
        assert_eq!(
            parse_period("<2024-03-01", now()).unwrap()[1],
            ("end", "2024-02-29T23:59:59.999Z".to_string())
        );
        assert_eq!(
            parse_period("2024-01-01T10:00:00+02:00..2024-01-02T00:00:00", now()),
            Ok(params(&[
                ("start", "2024-01-01T08:00:00.000Z"),
                ("end", "2024-01-02T00:00:00.000Z")
            ]))
        );
    }

    #[test]
    fn bad_periods() {
        let msg = |p: &str| parse_period(p, now()).unwrap_err().message().to_string();
        assert_eq!(
            msg("0d"),
            "Invalid period '0d': the duration cannot be zero."
        );
        assert!(msg("7x").starts_with("Invalid period '7x'."));
        assert!(msg("d").starts_with("Invalid period 'd'."));
        assert!(msg("-7d").starts_with("Invalid period '-7d'."));
        assert_eq!(
            msg(">="),
            "Missing date after '>='. Expected e.g. '>=2024-01-01'."
        );
        assert!(msg("..").starts_with("Empty range '..'."));
        assert_eq!(
            msg("2024-02-01..2024-01-01"),
            "Start date '2024-02-01' is after end date '2024-01-01'. The start must come first."
        );
        assert!(msg("2024-13-01..").starts_with("Invalid date '2024-13-01'."));
        assert!(msg("2024-1-1..").starts_with("Invalid date '2024-1-1'."));
        assert!(msg("").starts_with("Empty --period."));
        assert!(msg("7ä").starts_with("Invalid period"));
    }

    #[test]
    fn cursors() {
        assert_eq!(parse_cursor("next"), Ok(CursorArg::Next));
        assert_eq!(parse_cursor("last"), Ok(CursorArg::Next));
        assert_eq!(parse_cursor("prev"), Ok(CursorArg::Prev));
        assert_eq!(parse_cursor("previous"), Ok(CursorArg::Prev));
        assert_eq!(parse_cursor("first"), Ok(CursorArg::First));
        assert_eq!(
            parse_cursor("1735689600:0:0"),
            Ok(CursorArg::Raw("1735689600:0:0".into()))
        );
        let err = parse_cursor("2").unwrap_err();
        assert_eq!(err.exit_code(), 21);
        assert!(err
            .message()
            .starts_with("Invalid --cursor '2': a bare number is not a Sentry cursor"));
        assert!(parse_cursor("").is_err());
        assert!(parse_cursor("a b:0:0").is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(validate_limit(25, MAX_LIMIT), Ok(25));
        assert_eq!(validate_limit(1000, MAX_LIMIT), Ok(1000));
        assert_eq!(
            validate_limit(1001, MAX_LIMIT).unwrap_err().message(),
            "--limit cannot exceed 1000"
        );
        assert_eq!(
            validate_limit(0, MAX_LIMIT).unwrap_err().message(),
            "--limit must be at least 1"
        );
        assert_eq!(parse_limit("50", MAX_LIMIT), Ok(50));
        assert_eq!(
            parse_limit("99999999999999999999", MAX_LIMIT)
                .unwrap_err()
                .message(),
            "--limit cannot exceed 1000"
        );
        assert_eq!(
            parse_limit("ten", MAX_LIMIT).unwrap_err().message(),
            "--limit must be a whole number between 1 and 1000, got 'ten'"
        );
    }
}
