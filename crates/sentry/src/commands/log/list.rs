//! `sentry log list [<org>/<project> | <project> | [<org>/[<project>/]]<trace-id>]` (also
//! `sentry logs`): a project's logs from the logs explore table, or one trace's logs, newest
//! first; `-f/--follow [secs]` streams new ones.
//!
//! Follow mode polls every N seconds (default 2) for logs newer than the newest shown
//! (`timestamp_precise:>…`) and prints them oldest first. Ctrl-C stops it cleanly (exit 0).
//! With `--json` it streams as 0.49 does: one JSON object per log; only a trace's stream,
//! or a project's with `--fields`, prints its first batch as a `{data, hasMore}` envelope.
//!
//! In project mode `--fields` names beyond the default columns are log attributes, requested
//! as extra `field=` columns; in human output every `--fields` name is an extra column. A
//! trace's logs come from `trace-logs`, which takes no fields (a warning says so).
//! When the server cannot be reached a poll fails with one visible line on stderr and is
//! retried; after [`FOLLOW_MAX_FAILURES`] failures in a row the command gives up with
//! the last error, so a tail in CI never hangs on a server that went away.

use std::io;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{json, Value};

use crate::commands::trace::logs::{cell_text, fetch as fetch_trace_logs, log_table, with_project};
use crate::commands::trace::shared;
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

/// Columns of a log row in the project-mode query.
pub const FIELDS: &[&str] = &[
    "sentry.item_id",
    "trace",
    "severity",
    "timestamp",
    "timestamp_precise",
    "message",
];
/// Consecutive failed polls after which `--follow` stops.
pub const FOLLOW_MAX_FAILURES: u32 = 3;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// [<org>/[<project>/]]<trace-id>, <org>/<project>, or <project>
    #[arg(value_name = "org/project-or-trace-id", num_args = 0..=2)]
    pub target: Vec<String>,
    /// Number of log entries (1-1000)
    #[arg(
        short = 'n',
        long,
        default_value_t = 100,
        allow_negative_numbers = true
    )]
    pub limit: i64,
    /// Filter query (e.g., "severity:error", "project:backend", "project:[a,b]")
    #[arg(short = 'q', long)]
    pub query: Option<String>,
    /// Stream logs (optionally specify poll interval in seconds)
    #[arg(short = 'f', long, num_args = 0..=1, default_missing_value = "2", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub follow: Option<u64>,
    /// Time range: "7d", "2024-01-01..2024-02-01", ">=2024-01-01"
    #[arg(short = 't', long)]
    pub period: Option<String>,
    /// Sort order: "newest" (default) or "oldest"
    #[arg(short = 's', long, default_value = "newest", value_parser = ["newest", "oldest"])]
    pub sort: String,
    /// Accepted for compatibility; responses are never cached
    #[arg(long)]
    pub fresh: bool,
}

struct LogList {
    logs: Vec<Value>,
    has_more: bool,
    trace: Option<String>,
    empty: String,
    hint: Option<String>,
    /// Extra human columns (`--fields`, project mode).
    extra: Vec<String>,
}

/// Rows as a markdown table, 0.49's log list layout (it streams, so it never measures).
fn markdown_rows(
    out: &mut Human,
    logs: &[Value],
    with_trace: bool,
    header: bool,
    extra: &[String],
) -> io::Result<()> {
    if header {
        let mut names = vec!["ID", "Timestamp", "Level", "Message"];
        names.extend(extra.iter().map(String::as_str));
        out.line(format!("| {} |", names.join(" | ")))?;
        out.line(format!("|{}", " --- |".repeat(names.len())))?;
    }
    for l in logs {
        let id = shared::str_or(l, &["sentry.item_id", "id"]).unwrap_or_default();
        let ts = shared::local_time_str(
            l.get("timestamp")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        let level = format!(
            "{:<7}",
            l.get("severity")
                .and_then(Value::as_str)
                .unwrap_or("info")
                .to_uppercase()
        );
        let mut msg = l
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .replace('|', "\\|")
            .replace('\n', " ");
        if with_trace {
            if let Some(t) = l
                .get("trace")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                msg = format!("{msg} [{}]", &t[..t.len().min(8)]);
            }
        }
        let mut cells = vec![id, ts, level, msg];
        cells.extend(
            extra
                .iter()
                .map(|f| cell_text(l.get(f.as_str())).replace('|', "\\|")),
        );
        out.line(format!("| {} |", cells.join(" | ")))?;
    }
    Ok(())
}

impl Report for LogList {
    fn json(&self) -> Value {
        json!({"data": self.logs, "hasMore": self.has_more})
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.logs.is_empty() {
            return out.line(&self.empty);
        }
        if out.rich {
            log_table(out, &self.logs, self.trace.is_none(), false, &self.extra)?;
        } else {
            markdown_rows(out, &self.logs, self.trace.is_none(), true, &self.extra)?;
        }
        if let Some(h) = &self.hint {
            out.blank()?;
            out.line(h)?;
        }
        Ok(())
    }
}

/// Rows printed while following (after the first batch): no header, no summary.
struct Batch<'a> {
    rows: &'a [Value],
    with_trace: bool,
    extra: &'a [String],
}

impl Report for Batch<'_> {
    fn json(&self) -> Value {
        Value::Array(self.rows.to_vec())
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        markdown_rows(out, self.rows, self.with_trace, false, self.extra)
    }
}

/// One log of a JSON stream, printed as its own object.
struct One<'a>(&'a Value);

impl Report for One<'_> {
    fn json(&self) -> Value {
        self.0.clone()
    }
    fn human(&self, _: &mut Human) -> io::Result<()> {
        Ok(())
    }
}

enum Mode {
    Project {
        org: String,
        project_id: String,
    },
    Trace {
        org: String,
        trace: String,
        project: Option<String>,
    },
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = shared::limit(args.limit)?;
    if args.follow.is_some() && args.sort == "oldest" {
        return Err(CliError::validation(
            "--sort \"oldest\" cannot be used with --follow. Follow mode streams new logs as they arrive.",
        ));
    }
    let trace_arg = args
        .target
        .last()
        .filter(|a| shared::names_trace(a))
        .cloned();
    let trace = match &trace_arg {
        Some(raw) => Some(shared::parse_trace_target(
            raw,
            "sentry log list [<org>/[<project>/]]<trace-id>",
        )?),
        None if args.target.len() > 1 => {
            return Err(shared::trace_id(&args.target[1]).unwrap_err());
        }
        None => None,
    };
    let default_period = if trace.is_some() { "14d" } else { "30d" };
    let period_text = args.period.clone().unwrap_or_else(|| default_period.into());
    let period = shared::period_pairs(&period_text)?;
    if args.follow.is_some() && period.iter().any(|(k, _)| *k != "statsPeriod") {
        return Err(CliError::validation(
            "--follow cannot be used with an absolute date range. Use a relative duration (e.g., --period 1h) or omit --period.",
        ));
    }
    let sort = shared::log_sort(&args.sort).map_err(CliError::validation)?;
    let first = args.target.first().cloned();
    ctx.route_to_target(first.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let mode = match trace {
        Some(mut t) => {
            if args.target.len() == 2 {
                let (o, p, _) = shared::one_project(
                    &r,
                    Some(&args.target[0]),
                    "sentry log list <org>/<project>",
                )?;
                t.org = Some(o);
                t.project = Some(p);
            }
            Mode::Trace {
                org: shared::trace_org(&r, &t)?,
                trace: t.trace,
                project: t.project,
            }
        }
        None => {
            let (org, _, project_id) =
                shared::one_project(&r, first.as_deref(), "sentry log list <org>/<project>")?;
            Mode::Project { org, project_id }
        }
    };
    let org = match &mode {
        Mode::Project { org, .. } | Mode::Trace { org, .. } => org.clone(),
    };
    let fields: Vec<String> = ctx.output.fields.clone().unwrap_or_default();
    // Project mode: every `--fields` name is a human column, the non-default ones are also
    // requested. Trace mode cannot request any.
    let (extra, columns): (Vec<String>, Vec<String>) = match &mode {
        Mode::Project { .. } => (
            fields
                .iter()
                .filter(|f| !FIELDS.contains(&f.as_str()))
                .cloned()
                .collect(),
            fields.clone(),
        ),
        Mode::Trace { .. } => {
            if !fields.is_empty() {
                crate::diag!(
                    "Warning: --fields is not supported for trace-scoped log queries. Use project-scoped mode instead."
                );
            }
            (Vec::new(), Vec::new())
        }
    };
    let api = r.org(&org)?;
    // One fetch: the rows of `period`, newer than `after` when following.
    let fetch =
        |period: &[(&'static str, String)], after: Option<&Value>| -> CliResult<Vec<Value>> {
            match &mode {
                Mode::Project { project_id, .. } => {
                    let mut req = api.events().query("dataset", "logs");
                    for f in FIELDS
                        .iter()
                        .copied()
                        .chain(extra.iter().map(String::as_str))
                    {
                        req = req.query("field", f);
                    }
                    req = req.query("project", project_id.as_str());
                    let q: Vec<String> = args
                        .query
                        .iter()
                        .filter(|q| !q.is_empty())
                        .cloned()
                        .chain(after.map(|a| format!("timestamp_precise:>{a}")))
                        .collect();
                    if !q.is_empty() {
                        req = req.query("query", q.join(" "));
                    }
                    for (k, v) in period {
                        req = req.query(*k, v.as_str());
                    }
                    req = req.query("sort", sort.as_str());
                    let (rows, _, _) = shared::walk_rows(ctx, req, limit, None)?;
                    Ok(rows
                        .into_iter()
                        .map(|r| shared::reorder(shared::normalize_log(r), shared::LOG_KEYS))
                        .collect())
                }
                Mode::Trace { trace, project, .. } => {
                    let q = with_project(args.query.as_deref(), project.as_deref());
                    let (rows, _) =
                        fetch_trace_logs(ctx, &api, trace, period, limit, q.as_deref(), &sort)?;
                    Ok(match after.and_then(Value::as_f64) {
                        Some(a) => rows
                            .into_iter()
                            .filter(|r| {
                                r.get("timestamp_precise")
                                    .and_then(Value::as_f64)
                                    .is_some_and(|t| t > a)
                            })
                            .collect(),
                        None => rows,
                    })
                }
            }
        };
    if let Some(secs) = args.follow {
        return follow(ctx, &mode, secs, &fetch, &columns);
    }
    let logs = fetch(&period, None)?;
    let has_more = logs.len() >= limit;
    let range = if period.iter().any(|(k, _)| *k == "statsPeriod") {
        format!("in the last {period_text}")
    } else {
        "in the specified range".to_string()
    };
    let report = match &mode {
        Mode::Project { .. } => {
            let n = logs.len();
            LogList {
                hint: (n > 0).then(|| {
                    format!(
                        "Showing {n} log{}.{}",
                        if n == 1 { "" } else { "s" },
                        if has_more {
                            " Use --limit to show more, or -f to follow."
                        } else {
                            ""
                        }
                    )
                }),
                empty: format!("No logs found {range}."),
                logs,
                has_more,
                trace: None,
                extra: columns,
            }
        }
        Mode::Trace { trace, project, .. } => {
            let n = logs.len();
            let mut hint = format!(
                "Showing {n} log{} for trace {trace}.{}",
                if n == 1 { "" } else { "s" },
                if has_more {
                    " Use --limit to show more."
                } else {
                    ""
                }
            );
            match project {
                Some(p) => hint.push_str(&format!(
                    "\nFiltered to project '{p}'. Full trace logs: sentry log list {org}/{trace}"
                )),
                None => hint.push_str(&format!(
                    "\nFilter by project: sentry log list {org}/<project>/{trace}"
                )),
            }
            LogList {
                hint: (n > 0).then_some(hint),
                empty: format!(
                    "No logs found for trace {trace} {range}.\nTry 'sentry trace logs' for more options (e.g., --period 30d)."
                ),
                logs,
                has_more,
                trace: Some(trace.clone()),
                extra: Vec::new(),
            }
        }
    };
    emit(&report, &ctx.output)?;
    Ok(0)
}

fn newest(rows: &[Value]) -> Option<Value> {
    rows.iter()
        .filter_map(|r| r.get("timestamp_precise").filter(|v| v.is_number()))
        .max_by(|a, b| {
            a.as_f64()
                .partial_cmp(&b.as_f64())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .cloned()
}

/// Sleeps `d`, waking early on Ctrl-C; true when interrupted.
fn nap(d: Duration) -> bool {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if crate::auth::interrupt::interrupted() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
    }
    crate::auth::interrupt::interrupted()
}

/// One poll: the rows of a period, newer than a `timestamp_precise` when given.
type FetchFn<'a> = dyn Fn(&[(&'static str, String)], Option<&Value>) -> CliResult<Vec<Value>> + 'a;

fn follow(
    ctx: &Context,
    mode: &Mode,
    secs: u64,
    fetch: &FetchFn,
    columns: &[String],
) -> CliResult<i32> {
    crate::auth::interrupt::install();
    let with_trace = matches!(mode, Mode::Project { .. });
    if !ctx.output.json {
        let what = match mode {
            Mode::Project { .. } => "Streaming logs...".to_string(),
            Mode::Trace { trace, .. } => format!("Streaming logs for trace {trace}..."),
        };
        crate::diag!("{what} (poll interval: {secs}s)");
        crate::diag!("Press Ctrl+C to stop.");
    }
    // The first non-empty batch starts the stream: a table header for people; for JSON an
    // envelope when following a trace or selecting fields, else objects from the start.
    let envelope_first = !with_trace || ctx.output.fields.as_ref().is_some_and(|f| !f.is_empty());
    let mut started = false;
    let mut print = |rows: &[Value]| -> CliResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if ctx.output.json && (started || !envelope_first) {
            for r in rows {
                emit(&One(r), &ctx.output)?;
            }
        } else if started {
            emit(
                &Batch {
                    rows,
                    with_trace,
                    extra: columns,
                },
                &ctx.output,
            )?;
        } else {
            emit_first(ctx, rows, with_trace, columns)?;
        }
        started = true;
        Ok(())
    };
    let mut initial = fetch(&[("statsPeriod", "1m".into())], None)?;
    initial.reverse();
    let mut last = newest(&initial).unwrap_or_else(|| {
        json!((crate::context::now_ms() as i128 * 1_000_000).min(i64::MAX as i128) as i64)
    });
    print(&initial)?;
    let mut failures = 0u32;
    loop {
        if nap(Duration::from_secs(secs)) {
            return Ok(0);
        }
        match fetch(&[("statsPeriod", "10m".into())], Some(&last)) {
            Ok(mut rows) => {
                failures = 0;
                if rows.is_empty() {
                    continue;
                }
                rows.reverse();
                last = newest(&rows).unwrap_or(last);
                print(&rows)?;
            }
            Err(e) => {
                failures += 1;
                if failures >= FOLLOW_MAX_FAILURES {
                    crate::diag!(
                        "Error fetching logs: {}. Giving up after {failures} failed attempts.",
                        e.message
                    );
                    return Err(e);
                }
                crate::diag!(
                    "Warning: Error fetching logs: {} (attempt {failures} of {FOLLOW_MAX_FAILURES}; retrying in {secs}s)",
                    e.message
                );
            }
        }
    }
}

fn emit_first(ctx: &Context, rows: &[Value], with_trace: bool, extra: &[String]) -> CliResult<()> {
    emit(
        &LogList {
            logs: rows.to_vec(),
            has_more: false,
            trace: (!with_trace).then(String::new),
            empty: String::new(),
            hint: None,
            extra: extra.to_vec(),
        },
        &ctx.output,
    )
}
