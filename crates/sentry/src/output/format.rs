//! Formatting shared by the commands' human output: relative and local times, durations,
//! abbreviated counts, capitalisation, JSON fields as text, in the official CLI's wording.

use jiff::{tz::TimeZone, Timestamp};
use serde_json::Value;

use crate::target::str_field;

fn parse_ts(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok()
}

/// `5m ago`, `3h ago`, `2d ago`, or `Jan 15` for anything older than a month.
pub fn relative(ts: Option<&str>) -> String {
    let Some(t) = ts.and_then(parse_ts) else {
        return "-".to_string();
    };
    let secs = Timestamp::now().as_second() - t.as_second();
    let secs = secs.max(0);
    match secs {
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s if s < 30 * 86_400 => format!("{}d ago", s / 86_400),
        _ => t
            .to_zoned_datetime(TimeZone::system())
            .strftime("%b %-d")
            .to_string(),
    }
}

/// `11/25/2026, 9:43:36 PM` in the local time zone, like the official CLI's detail views
/// (`-` when `ts` is missing or not a timestamp).
pub fn datetime(ts: Option<&str>) -> String {
    match ts.and_then(parse_ts) {
        Some(t) => local_datetime(t),
        None => "-".to_string(),
    }
}

/// `t` as `11/25/2026, 9:43:36 PM` in the local time zone (upstream's `toLocaleString()`).
pub fn local_datetime(t: Timestamp) -> String {
    t.to_zoned_datetime(TimeZone::system())
        .strftime("%-m/%-d/%Y, %-I:%M:%S %p")
        .to_string()
}

/// 1234 → `1.2k`, 2500000 → `2.5M`.
pub fn abbreviate(v: Option<&Value>) -> String {
    let n = match v {
        Some(Value::String(s)) => s.parse::<f64>().ok(),
        Some(Value::Number(n)) => n.as_f64(),
        _ => None,
    };
    match n {
        None => "0".into(),
        Some(n) if n < 1000.0 => format!("{}", n as i64),
        Some(n) if n < 1_000_000.0 => trim_unit(n / 1000.0, "k"),
        Some(n) => trim_unit(n / 1_000_000.0, "M"),
    }
}

fn trim_unit(v: f64, unit: &str) -> String {
    let s = format!("{v:.1}");
    format!("{}{unit}", s.trim_end_matches(".0"))
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub fn text(v: &Value, key: &str) -> String {
    str_field(v, key).unwrap_or_default()
}

/// Upstream's `formatDuration`: the two largest units, singular when 1.
pub fn duration(secs: i64) -> String {
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
    use serde_json::json;

    #[test]
    fn counts_are_abbreviated() {
        assert_eq!(abbreviate(Some(&json!("12"))), "12");
        assert_eq!(abbreviate(Some(&json!(1234))), "1.2k");
        assert_eq!(abbreviate(Some(&json!(2000))), "2k");
        assert_eq!(abbreviate(Some(&json!(2_500_000))), "2.5M");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(59), "0 minutes");
        assert_eq!(duration(60), "1 minute");
        assert_eq!(duration(3599), "59 minutes");
        assert_eq!(duration(3600), "1 hour");
        assert_eq!(duration(3600 + 120), "1 hour and 2 minutes");
        assert_eq!(duration(2 * 86400 + 3600), "2 days and 1 hour");
        assert_eq!(duration(8 * 86400), "1 week and 1 day");
        assert_eq!(duration(14 * 86400), "2 weeks");
    }
}
