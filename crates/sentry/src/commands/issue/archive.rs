//! `sentry issue archive <issue> [-u/--until <cond>]`: ignore forever, until escalating, for a
//! duration, or until a count of events/users (optionally within a window).

use clap::Args;
use serde_json::{json, Map};

use crate::commands::issue::status::{change_status, Change};
use crate::context::Context;
use crate::error::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// Issue: numeric ID, short ID, org/CLI-G, cli-G, G, @latest, or an issue URL
    pub issue: String,
    /// forever, escalating (auto), a duration (30m, 2h, 1d), 10x[/5m] events or 10u[/5m] users
    #[arg(short = 'u', long)]
    pub until: Option<String>,
}

/// `30m`, `2h`, `1d`, `1w`, `30minutes` → minutes.
fn minutes(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().ok()?;
    let mult = match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => 1,
        "h" | "hr" | "hrs" | "hour" | "hours" => 60,
        "d" | "day" | "days" => 1440,
        "w" | "week" | "weeks" => 10080,
        _ => return None,
    };
    (n > 0).then_some(n * mult)
}

/// The PUT body and the summary line for `--until`.
pub fn archive_body(until: Option<&str>) -> CliResult<Change> {
    let raw = until
        .map(str::trim)
        .unwrap_or("forever")
        .to_ascii_lowercase();
    let bad = || {
        CliError::validation(format!(
            "Invalid --until '{raw}': use forever, escalating, a duration (30m, 2h), 10x[/5m] or 10u[/5m]."
        ))
    };
    match raw.as_str() {
        "" | "forever" => Ok((
            json!({"status": "ignored", "substatus": "archived_forever"}),
            "Archived forever".into(),
        )),
        "auto" | "escalating" => Ok((
            json!({"status": "ignored", "substatus": "archived_until_escalating"}),
            "Archived until escalating".into(),
        )),
        s => {
            let (count_part, window) = match s.split_once('/') {
                Some((c, w)) => (c, Some(minutes(w).ok_or_else(bad)?)),
                None => (s, None),
            };
            let mut details = Map::new();
            let summary;
            if let Some(n) = count_part
                .strip_suffix('x')
                .and_then(|n| n.parse::<u64>().ok())
            {
                details.insert("ignoreCount".into(), json!(n));
                if let Some(w) = window {
                    details.insert("ignoreWindow".into(), json!(w));
                }
                summary = format!("Archived until {n} more events");
            } else if let Some(n) = count_part
                .strip_suffix('u')
                .and_then(|n| n.parse::<u64>().ok())
            {
                details.insert("ignoreUserCount".into(), json!(n));
                if let Some(w) = window {
                    details.insert("ignoreUserWindow".into(), json!(w));
                }
                summary = format!("Archived until {n} more users");
            } else if window.is_none() {
                let m = minutes(count_part).ok_or_else(bad)?;
                details.insert("ignoreDuration".into(), json!(m));
                summary = format!("Archived for {m} minutes");
            } else {
                return Err(bad());
            }
            Ok((
                json!({"status": "ignored", "statusDetails": details, "substatus": "archived_until_condition_met"}),
                summary,
            ))
        }
    }
}

pub fn run(ctx: &Context, args: &ArchiveArgs) -> CliResult<i32> {
    let change = archive_body(args.until.as_deref())?;
    change_status(ctx, &args.issue, |_, _| Ok(change))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        assert_eq!(
            archive_body(None).unwrap().0,
            json!({"status":"ignored","substatus":"archived_forever"})
        );
        assert_eq!(
            archive_body(Some("auto")).unwrap().0["substatus"],
            "archived_until_escalating"
        );
        assert_eq!(
            archive_body(Some("2h")).unwrap().0,
            json!({"status":"ignored","statusDetails":{"ignoreDuration":120},"substatus":"archived_until_condition_met"})
        );
        assert_eq!(
            archive_body(Some("30minutes")).unwrap().0["statusDetails"]["ignoreDuration"],
            30
        );
        assert_eq!(
            archive_body(Some("10x/5m")).unwrap().0["statusDetails"],
            json!({"ignoreCount":10,"ignoreWindow":5})
        );
        assert_eq!(
            archive_body(Some("10u")).unwrap().0["statusDetails"],
            json!({"ignoreUserCount":10})
        );
        assert_eq!(archive_body(Some("soon")).unwrap_err().exit_code, 21);
    }
}
