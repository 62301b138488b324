//! `sentry monitor run <monitor-slug> [--] <command>...`: runs a command between two cron
//! check-ins sent to the DSN's envelope endpoint (a `check_in` item, as 0.49 and the SDKs
//! send them; no auth token).
//!
//! An `in_progress` check-in goes out before the child starts (with `monitor_config` when
//! `--schedule` is given: the server creates or updates the monitor from it), then `ok` or
//! `error` with the same check-in ID and the duration in seconds. The child inherits stdio and
//! gets `SENTRY_MONITOR_SLUG`; SIGINT and SIGTERM sent to us are forwarded to it. Its exit
//! code is ours (a signal N is 128+N, as a shell reports it; a command that cannot start is
//! 127, or 126 when it is not executable). Check-ins never stand in the child's way: a send
//! that fails (server down, 30 s timeout) prints one warning and the command runs anyway.

use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use clap::Args;
use sentry_api::resources::ingest::{envelope, IngestTarget};
use serde_json::{json, Map, Value};

use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::target::dsn::{ingest_dsn, ingest_target};

/// Each check-in send gives up after this long.
const CHECK_IN_TIMEOUT: Duration = Duration::from_secs(30);

const USAGE: &str = "sentry monitor run <monitor-slug> -- <command>";

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Monitor slug followed by the command to run
    #[arg(value_name = "MONITOR-SLUG COMMAND")]
    pub args: Vec<String>,
    /// DSN to send check-ins to (overrides SENTRY_DSN env var)
    #[arg(long)]
    pub dsn: Option<String>,
    /// Environment of the monitor
    #[arg(short = 'e', long, default_value = "production")]
    pub environment: String,
    /// Upsert the monitor with this crontab schedule (e.g. '0 * * * *')
    #[arg(short = 's', long)]
    pub schedule: Option<String>,
    /// Minutes after the expected check-in before it is missed (requires --schedule)
    #[arg(long = "check-in-margin", value_name = "MINUTES")]
    pub check_in_margin: Option<String>,
    /// Minutes a check-in may run before timing out (requires --schedule)
    #[arg(long = "max-runtime", value_name = "MINUTES")]
    pub max_runtime: Option<String>,
    /// Timezone of the schedule, tz database string (requires --schedule)
    #[arg(long)]
    pub timezone: Option<String>,
    /// Consecutive failures before an issue is created (requires --schedule)
    #[arg(long = "failure-issue-threshold", value_name = "N")]
    pub failure_issue_threshold: Option<String>,
    /// Consecutive successes before an issue is resolved (requires --schedule)
    #[arg(long = "recovery-threshold", value_name = "N")]
    pub recovery_threshold: Option<String>,
}

/// A positive whole number of a flag. Like the other flag-value parse failures here (0.49's
/// parser errors), a bad one is a usage error naming the flag.
fn positive(flag: &str, raw: &str) -> CliResult<u64> {
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            CliError::new(
                exit::USAGE,
                format!(
                    "Failed to parse \"{raw}\" for {flag}: Invalid value: {raw}. Must be a positive integer."
                ),
            )
        })
}

/// The SDK `monitor_config` for `--schedule` and its dependent flags; `None` without
/// `--schedule` (then the dependent flags are an error).
pub fn monitor_config(args: &RunArgs) -> CliResult<Option<Value>> {
    let dependent: [(&str, &Option<String>); 5] = [
        ("--check-in-margin", &args.check_in_margin),
        ("--max-runtime", &args.max_runtime),
        ("--timezone", &args.timezone),
        ("--failure-issue-threshold", &args.failure_issue_threshold),
        ("--recovery-threshold", &args.recovery_threshold),
    ];
    let Some(schedule) = &args.schedule else {
        if let Some((flag, _)) = dependent.iter().find(|(_, v)| v.is_some()) {
            return Err(CliError::validation(format!(
                "{flag} requires --schedule to be set."
            )));
        }
        return Ok(None);
    };
    let mut cfg = Map::new();
    cfg.insert(
        "schedule".into(),
        json!({"type": "crontab", "value": schedule}),
    );
    for (key, flag, raw) in [
        ("checkin_margin", "check-in-margin", &args.check_in_margin),
        ("max_runtime", "max-runtime", &args.max_runtime),
        (
            "failure_issue_threshold",
            "failure-issue-threshold",
            &args.failure_issue_threshold,
        ),
        (
            "recovery_threshold",
            "recovery-threshold",
            &args.recovery_threshold,
        ),
    ] {
        if let Some(r) = raw {
            cfg.insert(key.into(), json!(positive(flag, r)?));
        }
    }
    if let Some(tz) = &args.timezone {
        if tz.trim().is_empty() {
            return Err(CliError::validation(
                "Invalid value: --timezone must be a tz database name (e.g. UTC, Europe/Vienna).",
            ));
        }
        cfg.insert("timezone".into(), json!(tz));
    }
    Ok(Some(Value::Object(cfg)))
}

/// Sends check-ins for one run; warns once when the server cannot be reached.
struct CheckIns<'a> {
    client: &'a sentry_api::Client,
    target: IngestTarget,
    check_in_id: String,
    slug: String,
    environment: String,
    warned: bool,
}

impl CheckIns<'_> {
    fn send(&mut self, status: &str, duration: Option<f64>, config: Option<&Value>) {
        let mut item = Map::new();
        item.insert("check_in_id".into(), json!(self.check_in_id));
        item.insert("monitor_slug".into(), json!(self.slug));
        item.insert("status".into(), json!(status));
        item.insert("environment".into(), json!(self.environment));
        if let Some(d) = duration {
            item.insert("duration".into(), json!(d));
        }
        if let Some(c) = config {
            item.insert("monitor_config".into(), c.clone());
        }
        let payload = serde_json::to_vec(&Value::Object(item)).unwrap_or_default();
        let header = json!({"sent_at": jiff::Timestamp::now().to_string()});
        let body = envelope(&header, &[("check_in", &payload)]);
        let what = if status == "in_progress" {
            "in-progress"
        } else {
            "final"
        };
        if let Err(e) = self
            .client
            .send_envelope(&self.target, body, Some(CHECK_IN_TIMEOUT))
        {
            if self.warned {
                log::debug!("failed to send {what} check-in: {e}");
            } else {
                self.warned = true;
                crate::diag!("Warning: Failed to send {what} check-in: {}", one_line(&e));
            }
        }
    }
}

/// An API error on one line: its headline and, when given, the cause (`Endpoint:` and other
/// detail lines are left out of the warning).
fn one_line(e: &sentry_api::ApiError) -> String {
    let text = e.to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let head = lines.next().unwrap_or_default().to_string();
    match lines.find_map(|l| l.strip_prefix("Cause:")) {
        Some(cause) => format!("{head} ({})", cause.trim()),
        None => head,
    }
}

/// How a child that ran ended.
fn outcome_of(status: ExitStatus) -> ChildOutcome {
    if let Some(c) = status.code() {
        return ChildOutcome::Exited(c);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return ChildOutcome::Signaled(sig);
        }
    }
    ChildOutcome::Exited(1)
}

/// One run of a command between two check-ins, as both grammars describe it.
pub struct MonitoredRun<'a> {
    pub slug: &'a str,
    /// The program and its arguments.
    pub command: &'a [String],
    pub environment: &'a str,
    /// The SDK `monitor_config` (from [`monitor_config`]) that upserts the monitor.
    pub config: Option<Value>,
}

/// How the child ended: the code a shell would report, or why it never started (the code is
/// then a shell's 127/126).
pub enum ChildOutcome {
    Exited(i32),
    /// Ended by this signal (a shell reports 128+N).
    Signaled(i32),
    NotStarted {
        code: i32,
        error: std::io::Error,
    },
}

impl ChildOutcome {
    pub fn code(&self) -> i32 {
        match self {
            ChildOutcome::Exited(c) => *c,
            ChildOutcome::Signaled(sig) => 128 + sig,
            ChildOutcome::NotStarted { code, .. } => *code,
        }
    }
}

/// Sends the `in_progress` check-in, runs the child, sends `ok`/`error` with the duration.
/// Only a bad DSN fails; check-in failures are one warning, and the child always runs.
pub fn run_monitored(ctx: &Context, raw_dsn: &str, run: &MonitoredRun) -> CliResult<ChildOutcome> {
    let Some((program, program_args)) = run.command.split_first() else {
        return Err(CliError::validation(format!(
            "No command provided. Usage: {USAGE}"
        )));
    };
    let (client, target) = ingest_target(ctx, raw_dsn)?;
    let mut check_ins = CheckIns {
        client: &client,
        target,
        check_in_id: crate::ids::event_id(),
        slug: run.slug.to_string(),
        environment: run.environment.to_string(),
        warned: false,
    };
    check_ins.send("in_progress", None, run.config.as_ref());

    let started = Instant::now();
    let spawned = Command::new(program)
        .args(program_args)
        .env("SENTRY_MONITOR_SLUG", run.slug)
        .spawn();
    let outcome = match spawned {
        Ok(mut child) => {
            let _forwarding = forward::Forwarding::to(child.id());
            match child.wait() {
                Ok(status) => outcome_of(status),
                Err(error) => ChildOutcome::NotStarted { code: 1, error },
            }
        }
        Err(error) => ChildOutcome::NotStarted {
            code: spawn_failure_code(&error),
            error,
        },
    };
    let duration = started.elapsed().as_secs_f64();
    let status = if outcome.code() == 0 { "ok" } else { "error" };
    check_ins.send(status, Some(duration), None);
    Ok(outcome)
}

pub fn run(ctx: &Context, args: &RunArgs) -> CliResult<i32> {
    let rest = match args.args.first().map(String::as_str) {
        Some("--") => &args.args[1..],
        _ => &args.args[..],
    };
    let Some((slug, command)) = rest.split_first() else {
        return Err(CliError::validation(format!(
            "No monitor slug provided. Usage: {USAGE}"
        )));
    };
    let Some(program) = command.first() else {
        return Err(CliError::validation(format!(
            "No command provided. Usage: {USAGE}"
        )));
    };
    let config = monitor_config(args)?;
    let raw_dsn = ingest_dsn(ctx, args.dsn.as_deref())?.ok_or_else(|| {
        CliError::config("No DSN found. Provide one via --dsn <dsn>, set the SENTRY_DSN environment variable, or run from a project where a DSN can be detected.")
            .with_hint(format!("Suggestion: {USAGE}"))
    })?;
    let run = MonitoredRun {
        slug,
        command,
        environment: &args.environment,
        config,
    };
    match run_monitored(ctx, &raw_dsn, &run)? {
        ChildOutcome::Exited(0) => Ok(0),
        o @ (ChildOutcome::Exited(_) | ChildOutcome::Signaled(_)) => {
            let c = o.code();
            Err(CliError::new(c, format!("Process exited with code {c}")))
        }
        ChildOutcome::NotStarted { code, error } => Err(CliError::new(
            code,
            format!("Failed to start \"{program}\": {error}"),
        )),
    }
}

/// A shell's codes for a command that cannot run: 127 not found, 126 not executable.
fn spawn_failure_code(e: &std::io::Error) -> i32 {
    match e.kind() {
        std::io::ErrorKind::NotFound => 127,
        std::io::ErrorKind::PermissionDenied => 126,
        _ => 1,
    }
}

/// SIGINT/SIGTERM forwarding to the child while it runs.
mod forward {
    #[cfg(unix)]
    use std::sync::atomic::{AtomicI32, Ordering};

    #[cfg(unix)]
    static CHILD: AtomicI32 = AtomicI32::new(0);

    #[cfg(unix)]
    extern "C" fn relay(sig: libc::c_int) {
        let pid = CHILD.load(Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: kill(2) is async-signal-safe; the pid is our own child's.
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    /// While alive, SIGINT and SIGTERM are relayed to the child instead of ending us (so the
    /// final check-in still goes out); dropping it restores the default actions.
    pub struct Forwarding;

    impl Forwarding {
        pub fn to(pid: u32) -> Forwarding {
            #[cfg(unix)]
            {
                CHILD.store(pid as i32, Ordering::SeqCst);
                for sig in [libc::SIGINT, libc::SIGTERM] {
                    // SAFETY: the handler only loads an atomic and calls kill(2).
                    unsafe {
                        libc::signal(
                            sig,
                            relay as extern "C" fn(libc::c_int) as libc::sighandler_t,
                        );
                    }
                }
            }
            #[cfg(not(unix))]
            let _ = pid;
            Forwarding
        }
    }

    impl Drop for Forwarding {
        fn drop(&mut self) {
            #[cfg(unix)]
            {
                CHILD.store(0, Ordering::SeqCst);
                for sig in [libc::SIGINT, libc::SIGTERM] {
                    // SAFETY: restoring the default action.
                    unsafe {
                        libc::signal(sig, libc::SIG_DFL);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(schedule: Option<&str>, max_runtime: Option<&str>) -> RunArgs {
        RunArgs {
            args: vec![],
            dsn: None,
            environment: "production".into(),
            schedule: schedule.map(str::to_string),
            check_in_margin: None,
            max_runtime: max_runtime.map(str::to_string),
            timezone: None,
            failure_issue_threshold: None,
            recovery_threshold: None,
        }
    }

    #[test]
    fn config_needs_schedule_and_positive_minutes() {
        assert_eq!(monitor_config(&args(None, None)).unwrap(), None);
        let e = monitor_config(&args(None, Some("30"))).unwrap_err();
        assert_eq!(
            (e.exit_code, e.message.as_str()),
            (21, "--max-runtime requires --schedule to be set.")
        );
        assert_eq!(
            monitor_config(&args(Some("0 0 * * *"), Some("30"))).unwrap(),
            Some(json!({"schedule": {"type": "crontab", "value": "0 0 * * *"}, "max_runtime": 30}))
        );
        let e = monitor_config(&args(Some("0 0 * * *"), Some("0"))).unwrap_err();
        assert_eq!(
            (e.exit_code, e.message.as_str()),
            (
                2,
                "Failed to parse \"0\" for max-runtime: Invalid value: 0. Must be a positive integer."
            )
        );
    }
}
