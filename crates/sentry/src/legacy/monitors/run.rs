//! `sentry-cli monitors run [-e ENV] [-s CRON …] <slug> -- <command>…`: 3.x's flags onto the
//! check-in core of `sentry monitor run` ([`crate::commands::monitor::run::run_monitored`]).
//!
//! 3.x's rules kept here: the DSN only from `SENTRY_DSN`/`auth.dsn`, checked before the child
//! runs; the schedule's companion flags require `--schedule` and take whole numbers (usage
//! errors, exit 2); the child's exit code is ours, with nothing printed. Where we differ on
//! purpose: a command that cannot start is a shell's 127 (126 when not executable), not 1,
//! and a child ended by a signal ends us by the same signal (3.x exits 1), so a wrapper is
//! as transparent as the shell's own `exec`.

use clap::Args;

use crate::commands::monitor::run::{self as core, ChildOutcome, MonitoredRun};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::send_event::configured_dsn;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The monitor slug.
    #[arg(value_name = "monitor-slug")]
    pub slug: String,
    #[arg(last = true, required = true, value_name = "ARGS")]
    pub args: Vec<String>,
    /// Specify the environment of the monitor.
    #[arg(
        short = 'e',
        long,
        value_name = "environment",
        default_value = "production"
    )]
    pub environment: String,
    /// Configure the cron monitor with the given schedule (crontab format). Enclose the
    /// schedule in quotes to ensure your command line environment parses the argument
    /// correctly.
    #[arg(short = 's', long, value_name = "schedule")]
    pub schedule: Option<String>,
    /// The allowed margin of minutes after the expected check-in time that the monitor will
    /// not be considered missed for. Requires --schedule.
    #[arg(
        long = "check-in-margin",
        value_name = "checkin_margin",
        requires = "schedule"
    )]
    pub check_in_margin: Option<u64>,
    /// The allowed duration in minutes that the monitor may be in progress for before being
    /// considered failed due to timeout. Requires --schedule.
    #[arg(
        long = "max-runtime",
        value_name = "max_runtime",
        requires = "schedule"
    )]
    pub max_runtime: Option<u64>,
    /// A tz database string (e.g. "Europe/Vienna") representing the monitor's execution
    /// schedule's timezone. Requires --schedule.
    #[arg(long, value_name = "timezone", requires = "schedule")]
    pub timezone: Option<String>,
    /// The number of consecutive missed or error check-ins that trigger an issue. Requires
    /// --schedule.
    #[arg(
        long = "failure-issue-threshold",
        value_name = "failure_issue_threshold",
        requires = "schedule"
    )]
    pub failure_issue_threshold: Option<u64>,
    /// The number of consecutive successful check-ins that resolve an issue. Requires
    /// --schedule.
    #[arg(
        long = "recovery-threshold",
        value_name = "recovery_threshold",
        requires = "schedule"
    )]
    pub recovery_threshold: Option<u64>,
}

/// 3.x's local check of `--schedule`: five numeric crontab fields (`*`, `N`, `N-M`, each
/// with an optional `/step`, comma lists), each number in its field's range. Names
/// (`MON`) and macros (`@daily`) are refused, as 3.x refuses them.
fn valid_crontab(schedule: &str) -> bool {
    const RANGES: [(u32, u32); 5] = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    fields.len() == 5
        && fields.iter().zip(RANGES).all(|(field, (lo, hi))| {
            field.split(',').all(|item| {
                let (range, step) = match item.split_once('/') {
                    Some((r, s)) => (r, Some(s)),
                    None => (item, None),
                };
                let num = |t: &str| t.parse::<u32>().ok().filter(|n| (lo..=hi).contains(n));
                let step_ok = step.is_none_or(|s| s.parse::<u32>().is_ok_and(|n| n > 0));
                let range_ok = range == "*"
                    || match range.split_once('-') {
                        Some((a, b)) => matches!((num(a), num(b)), (Some(a), Some(b)) if a <= b),
                        None => num(range).is_some(),
                    };
                step_ok && range_ok
            })
        })
}

pub fn run(ctx: &Context, args: &RunArgs) -> CliResult<i32> {
    if let Some(s) = args.schedule.as_deref().filter(|s| !valid_crontab(s)) {
        return Err(CliError::general(format!(
            "\"{s}\" is not a valid crontab schedule.\n\t For help determining why this schedule is invalid, you can use this site: https://crontab.guru/#{}",
            s.split_whitespace().collect::<Vec<_>>().join("_")
        )));
    }
    let text = |n: Option<u64>| n.map(|n| n.to_string());
    // The core's own flag set describes the same monitor_config; building it there keeps one
    // definition of the wire shape.
    let config = core::monitor_config(&core::RunArgs {
        args: Vec::new(),
        dsn: None,
        environment: args.environment.clone(),
        schedule: args.schedule.clone(),
        check_in_margin: text(args.check_in_margin),
        max_runtime: text(args.max_runtime),
        timezone: args.timezone.clone(),
        failure_issue_threshold: text(args.failure_issue_threshold),
        recovery_threshold: text(args.recovery_threshold),
    })?;
    let dsn = configured_dsn(ctx)?;
    let run = MonitoredRun {
        slug: &args.slug,
        command: &args.args,
        environment: &args.environment,
        config,
    };
    match core::run_monitored(ctx, &dsn, &run)? {
        ChildOutcome::Exited(code) => Ok(code),
        ChildOutcome::Signaled(sig) => Ok(reraise(sig)),
        ChildOutcome::NotStarted { code, error } => {
            let program = args.args.first().map(String::as_str).unwrap_or_default();
            // 3.x's line; the code is the child's stand-in, so it is returned, not an error.
            crate::diag!("error could not invoke program '{program}': {error}");
            Ok(code)
        }
    }
}

/// Ends this process by `sig` (its default action), as the child ended; if the signal does
/// not end us, the shell's code for it.
fn reraise(sig: i32) -> i32 {
    #[cfg(unix)]
    {
        // SAFETY: resetting a signal to its default action and sending it to ourselves.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::kill(libc::getpid(), sig);
        }
    }
    128 + sig
}

#[cfg(test)]
mod tests {
    use super::valid_crontab;

    #[test]
    fn crontabs_as_3x_accepts_them() {
        for ok in ["0 0 * * *", "*/5 * * * *", "0-30/10 1,2 1 1-12 0-6"] {
            assert!(valid_crontab(ok), "{ok}");
        }
        for bad in [
            "*/5 * * *",
            "@daily",
            "61 * * * *",
            "0 0 * * MON-FRI",
            "0_0",
            "5-1 * * * *",
        ] {
            assert!(!valid_crontab(bad), "{bad}");
        }
    }
}
