//! `sentry explore -b [INTERVAL]` (`--time-series`): the same aggregates as the table, in time
//! buckets, from `GET /organizations/{org}/events-timeseries/`.
//!
//! One request covers the whole `--period`; there is no paging, so `--cursor`, `--limit` and
//! `--sort` are refused, and every `-F` must be an aggregate (one series per aggregate; the
//! default is `count()`). The bucket size is one of Sentry's fixed intervals (`15s` … `1d`):
//! `auto` (or a bare `-b`) picks the smallest interval at or above a floor that grows with
//! the period (`1m` up to 12 hours, `5m` up to 2 days, … `3h` from 30 days) while keeping the
//! series at most 10,100 buckets long; an explicit interval must fit inside the period and
//! must not make more buckets than that.
//!
//! `--json` prints the server's answer as it came (`meta`, `timeSeries` with their `values`),
//! plus `dataset`; `--fields` picks keys of each bucket. Human output is one block per series:
//! a heading, the interval and unit, then a table of buckets with their UTC start time, the
//! value formatted like the table's cells, and a status column when a bucket is incomplete.
//! The official CLI draws a bar chart instead on terminals that speak the kitty or sixel
//! graphics protocols; this CLI always prints the table, which is what the official one
//! prints to pipes, files and every other terminal.

use std::io;

use serde_json::{json, Map, Value};

use super::format::cell;
use super::ExploreArgs;
use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};
use crate::output::{emit, Align, Human, Report, Table};
use crate::target::Resolver;

/// Sentry's bucket sizes, smallest first, in seconds.
const INTERVALS: &[(&str, u64)] = &[
    ("15s", 15),
    ("30s", 30),
    ("1m", 60),
    ("2m", 120),
    ("5m", 300),
    ("10m", 600),
    ("15m", 900),
    ("30m", 1800),
    ("1h", 3600),
    ("2h", 7200),
    ("3h", 10_800),
    ("4h", 14_400),
    ("6h", 21_600),
    ("12h", 43_200),
    ("1d", 86_400),
];

/// `auto`'s smallest interval for a period of at least so many seconds (first match wins).
const AUTO_FLOOR: &[(f64, &str)] = &[
    (30.0 * 86_400.0, "3h"),
    (14.0 * 86_400.0, "1h"),
    (4.0 * 86_400.0, "30m"),
    (48.0 * 3600.0, "10m"),
    (12.0 * 3600.0, "5m"),
    (60.0, "1m"),
    (30.0, "30s"),
    (15.0, "15s"),
];

/// The most buckets one series may have.
const MAX_BUCKETS: f64 = 10_100.0;

fn seconds(name: &str) -> Option<u64> {
    INTERVALS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// `None` for `auto` (or an empty `-b ""`), else the named interval; anything else is refused
/// with the list of names, before any request.
fn explicit_interval(raw: &str) -> CliResult<Option<&str>> {
    if raw.is_empty() || raw == "auto" {
        return Ok(None);
    }
    match INTERVALS.iter().find(|(n, _)| *n == raw) {
        Some((n, _)) => Ok(Some(n)),
        None => Err(CliError::validation(format!(
            "Invalid interval \"{raw}\". Use auto or one of: {}.",
            INTERVALS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The checks that need no request, in the official CLI's order: the interval, then the
/// table-only flags, then the dataset and the fields. Runs only with `-b`.
pub(super) fn validate(args: &ExploreArgs) -> CliResult<()> {
    let Some(raw) = &args.time_series else {
        return Ok(());
    };
    explicit_interval(raw)?;
    if let Some(n) = args.limit {
        sentry_target::validate_limit(n, sentry_target::MAX_LIMIT)
            .map_err(crate::target::target_error)?;
    }
    for (set, flag) in [
        (args.cursor.is_some(), "cursor"),
        (args.limit.is_some(), "limit"),
        (args.sort.is_some(), "sort"),
    ] {
        if set {
            return Err(CliError::validation(format!("--{flag} is only available for tables. Time series return all buckets in chronological order; use --period and --time-series to control the range and granularity.")));
        }
    }
    if matches!(
        args.dataset.trim().to_ascii_lowercase().as_str(),
        "replays" | "replay"
    ) && args.metric.is_none()
    {
        return Err(CliError::validation(
            "Time series support errors, spans, logs, and metrics. The replays dataset is only available as a table.",
        ));
    }
    let grouped: Vec<&str> = args
        .field
        .iter()
        .map(String::as_str)
        .filter(|f| !super::is_aggregate(f))
        .collect();
    if !grouped.is_empty() {
        return Err(CliError::validation(format!(
            "Time series require aggregate fields, such as count() or p95(span.duration). Grouping is not supported: {}. Use --query to filter these fields or omit --time-series for a grouped table.",
            grouped.join(", ")
        )));
    }
    Ok(())
}

/// The period's length in seconds: `statsPeriod=7d`, or `end` minus `start`.
fn period_seconds(period: &[(&str, String)]) -> Option<f64> {
    let get = |k: &str| {
        period
            .iter()
            .find(|(p, _)| *p == k)
            .map(|(_, v)| v.as_str())
    };
    if let Some(p) = get("statsPeriod") {
        let (digits, unit) = p.split_at(p.len().checked_sub(1)?);
        let n: f64 = digits.parse().ok()?;
        let unit = match unit {
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "w" => 604_800.0,
            _ => return None,
        };
        return Some(n * unit);
    }
    let ms = |k: &str| {
        get(k)?
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_millisecond())
    };
    Some(((ms("end")? - ms("start")?) as f64 / 1000.0).max(0.0))
}

/// The interval to send: the explicit one checked against the period, or `auto`'s choice.
pub(super) fn choose_interval(
    period_secs: Option<f64>,
    explicit: Option<&str>,
) -> CliResult<String> {
    let r = match period_secs {
        Some(r) if r >= 15.0 => r,
        _ => {
            return Err(CliError::validation(
                "Time series require a time range of at least 15 seconds. Use --period with a positive duration or date range.",
            ))
        }
    };
    let floor = AUTO_FLOOR
        .iter()
        .find(|(min, _)| r >= *min)
        .map_or("15s", |(_, n)| n);
    let floor_secs = seconds(floor).unwrap_or(15) as f64;
    let name = match explicit {
        Some(n) => n,
        None => INTERVALS
            .iter()
            .find(|(_, s)| *s as f64 >= floor_secs && (r / *s as f64).ceil() <= MAX_BUCKETS)
            .map_or("1d", |(n, _)| n),
    };
    let size = seconds(name).unwrap_or(86_400) as f64;
    if size > r {
        return Err(CliError::validation(format!("Interval {name} is longer than the requested period. Use a smaller --time-series interval or a wider --period.")));
    }
    if (r / size).ceil() > MAX_BUCKETS {
        return Err(CliError::validation(format!("Interval {name} produces too many time buckets. Use a larger --time-series interval or a shorter --period.")));
    }
    Ok(name.to_string())
}

/// What the table path already worked out and the time series reuse.
pub(super) struct Scope<'a> {
    pub org: &'a str,
    /// The project's slug and numeric id, when the target names one.
    pub project: Option<(&'a str, &'a str)>,
    /// The API dataset (`transactions` is already `spans`).
    pub dataset: &'a str,
    /// Environments, `is_transaction:true` and the user's query, combined.
    pub query: Option<&'a str>,
    pub period: &'a [(&'static str, String)],
    /// The aggregates to chart (`-F`); none means `count()`.
    pub y_axis: &'a [String],
}

/// Validates the interval against the period, fetches the series and prints them.
pub(super) fn run(
    ctx: &Context,
    r: &Resolver<'_>,
    args: &ExploreArgs,
    scope: Scope<'_>,
) -> CliResult<i32> {
    let raw = args.time_series.as_deref().unwrap_or("auto");
    let interval = choose_interval(period_seconds(scope.period), explicit_interval(raw)?)?;
    let y_axis: Vec<String> = if scope.y_axis.is_empty() {
        vec!["count()".into()]
    } else {
        scope.y_axis.to_vec()
    };
    let body: Value = r
        .org(scope.org)?
        .events_timeseries(&sentry_api::resources::events::TimeSeriesQuery {
            dataset: scope.dataset,
            y_axis: &y_axis,
            query: scope.query,
            project: scope.project.map(|(_, id)| id),
            interval: &interval,
            period: scope.period,
        })
        .send_json()
        .map_err(|e| {
            // 0.49 names what failed instead of "API request failed", and under it shows the
            // server's detail alone, without the endpoint.
            let mut err = api_error(e);
            if let Some(rest) = err.message.strip_prefix("API request failed: ") {
                err.message = format!("Failed to query events time series: {rest}");
                err.details.retain(|d| !d.starts_with("Endpoint: "));
            }
            err
        })?;
    let mut out = match body {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    out.remove("org");
    out.remove("project");
    out.insert("dataset".into(), json!(scope.dataset));
    let title = match scope.project {
        Some((slug, _)) => format!("{}/{slug}", scope.org),
        None => scope.org.to_string(),
    };
    let label = match scope.dataset {
        "tracemetrics" => "metrics",
        other => other,
    };
    emit(
        &SeriesResult {
            body: out,
            title,
            label: label.to_string(),
        },
        &ctx.output,
    )?;
    Ok(0)
}

struct SeriesResult {
    /// The server's answer plus `dataset`: exactly what `--json` prints.
    body: Map<String, Value>,
    /// `org` or `org/project`.
    title: String,
    /// The dataset as people name it (`metrics` for `tracemetrics`).
    label: String,
}

/// `2024-01-15 09:30:00`: a UTC instant to the second, from Unix milliseconds.
fn utc(ms: f64) -> String {
    jiff::Timestamp::from_millisecond(ms.floor() as i64)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// `1d 2h`, `3h`, `1h 30m`, `15m`, `1m 30s`, `15s`: a duration by its two largest units.
fn duration(secs: f64) -> String {
    let t = secs.round().max(0.0) as u64;
    let (d, h, m, s) = (t / 86_400, t % 86_400 / 3600, t % 3600 / 60, t % 60);
    match (d, h, m, s) {
        (d, 0, _, _) if d > 0 => format!("{d}d"),
        (d, h, _, _) if d > 0 => format!("{d}d {h}h"),
        (_, h, 0, _) if h > 0 => format!("{h}h"),
        (_, h, m, _) if h > 0 => format!("{h}h {m}m"),
        (_, _, m, 0) if m > 0 => format!("{m}m"),
        (_, _, m, s) if m > 0 => format!("{m}m {s}s"),
        _ => format!("{s}s"),
    }
}

/// Why a bucket is incomplete, in words; empty for a complete one.
fn status(v: &Value) -> &'static str {
    if v.get("incomplete").and_then(Value::as_bool) != Some(true) {
        return "";
    }
    match v.get("incompleteReason").and_then(Value::as_str) {
        Some("NOT_ELAPSED") => "Window not elapsed",
        Some("INGESTION_PENDING") => "Ingestion pending",
        Some("OUTSIDE_RETENTION") => "Outside retention",
        _ => "Incomplete",
    }
}

impl SeriesResult {
    /// One series: heading, interval, unit and data-quality notes, then the bucket table.
    fn series(&self, out: &Human, s: &Value) -> String {
        let meta = s.get("meta").cloned().unwrap_or(Value::Null);
        let y_axis = s.get("yAxis").map(value_text).unwrap_or_default();
        let values: Vec<&Value> = s
            .get("values")
            .and_then(Value::as_array)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let mut lines = vec![out.bold(&format!("{y_axis} over time"))];
        let interval = meta.get("interval").and_then(Value::as_f64).unwrap_or(0.0);
        lines.push(format!("Interval: {}", duration(interval / 1000.0)));
        let ty = meta.get("valueType").and_then(Value::as_str);
        let unit = meta.get("valueUnit").and_then(Value::as_str);
        if let Some(u) = unit.filter(|u| !u.is_empty() && *u != "none") {
            lines.push(format!("Unit: {u}"));
        }
        if meta.get("dataScanned").and_then(Value::as_str) == Some("partial") {
            lines.push("Only part of the available data was scanned.".into());
        }
        if values
            .iter()
            .any(|v| v.get("confidence").and_then(Value::as_str) == Some("low"))
        {
            lines.push("Some buckets have low confidence; treat their values as estimates.".into());
        }
        if values.iter().any(|v| {
            v.get("sampleRate")
                .and_then(Value::as_f64)
                .is_some_and(|r| r < 1.0)
        }) {
            lines.push("Results include sampled data.".into());
        }
        let head = lines.join("\n\n");
        if values.is_empty() {
            return format!("{head}\n\nNo time buckets returned.");
        }
        let numeric = matches!(
            ty,
            Some("integer" | "number" | "duration" | "percentage" | "size")
        );
        let with_status = values.iter().any(|v| !status(v).is_empty());
        let rows = values
            .iter()
            .map(|v| {
                let time = v
                    .get("timestamp")
                    .and_then(Value::as_f64)
                    .map(utc)
                    .unwrap_or_default();
                let value = match v.get("value") {
                    Some(Value::String(s)) => s.replace('\n', " "),
                    Some(x) => cell(x, ty, unit),
                    None => cell(&Value::Null, ty, unit),
                };
                let mut row = vec![time, value];
                if with_status {
                    row.push(status(v).to_string());
                }
                row
            })
            .collect();
        let mut header = vec!["TIME (UTC)", "VALUE"];
        if with_status {
            header.push("STATUS");
        }
        let mut t = Table::new(Some(&header), rows);
        t.align = vec![
            Align::Left,
            if numeric { Align::Right } else { Align::Left },
            Align::Left,
        ];
        t.fixed = vec![true, false, false];
        format!("{head}\n\n{}\n", t.render(out.width as usize))
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Report for SeriesResult {
    fn json(&self) -> Value {
        Value::Object(self.body.clone())
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        let meta = self.body.get("meta").cloned().unwrap_or(Value::Null);
        let series: Vec<&Value> = self
            .body
            .get("timeSeries")
            .and_then(Value::as_array)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let mut head = vec![format!("Querying {} in {}", self.label, self.title)];
        if let (Some(start), Some(end)) = (
            meta.get("start").and_then(Value::as_f64),
            meta.get("end").and_then(Value::as_f64),
        ) {
            head.push(format!("Range (UTC): {} to {}", utc(start), utc(end)));
        }
        let mut blocks = vec![head.join(" · ")];
        blocks.push(if series.is_empty() {
            "No time series returned.".to_string()
        } else {
            series
                .iter()
                .map(|s| self.series(out, s))
                .collect::<Vec<_>>()
                .join("\n\n")
        });
        // Ingestion health, when the server reports it and it explains missing data.
        if let Some(ing) = meta.get("ingestion").filter(|i| i.is_object()) {
            let pending = series.iter().any(|s| {
                s.get("values").and_then(Value::as_array).is_some_and(|vs| {
                    vs.iter().any(|v| {
                        v.get("incomplete").and_then(Value::as_bool) == Some(true)
                            && v.get("incompleteReason").and_then(Value::as_str)
                                == Some("INGESTION_PENDING")
                    })
                })
            });
            let state = ing.get("status").map(value_text).unwrap_or_default();
            if pending || state == "stalled" {
                let mut notes = vec![format!("Ingestion status: {state}.")];
                if let Some(d) = ing.get("delaySeconds").and_then(Value::as_f64) {
                    notes.push(format!("Reported ingestion delay: {}.", duration(d)));
                }
                blocks.push(notes.join(" · "));
            }
        }
        out.line(blocks.join("\n\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_interval_grows_with_the_period() {
        let auto = |secs: f64| choose_interval(Some(secs), None).unwrap();
        assert_eq!(auto(15.0), "15s");
        assert_eq!(auto(45.0), "30s");
        assert_eq!(auto(3600.0), "1m");
        assert_eq!(auto(86_400.0), "5m");
        assert_eq!(auto(7.0 * 86_400.0), "30m");
        assert_eq!(auto(14.0 * 86_400.0), "1h");
        assert_eq!(auto(90.0 * 86_400.0), "3h");
        assert_eq!(auto(11.0 * 3600.0), "1m");
        assert_eq!(auto(10.0 * 86_400.0), "30m");
    }

    #[test]
    fn explicit_intervals_must_fit_the_period() {
        assert_eq!(choose_interval(Some(86_400.0), Some("1d")).unwrap(), "1d");
        let long = choose_interval(Some(1800.0), Some("1h")).unwrap_err();
        assert_eq!(long.message, "Interval 1h is longer than the requested period. Use a smaller --time-series interval or a wider --period.");
        let many = choose_interval(Some(7.0 * 86_400.0), Some("15s")).unwrap_err();
        assert_eq!(many.message, "Interval 15s produces too many time buckets. Use a larger --time-series interval or a shorter --period.");
        let short = choose_interval(Some(14.9), None).unwrap_err();
        assert_eq!(short.exit_code, crate::error::exit::VALIDATION);
        assert!(choose_interval(None, None).is_err());
        assert!(explicit_interval("7m").is_err());
        assert_eq!(explicit_interval("").unwrap(), None);
        assert_eq!(explicit_interval("15m").unwrap(), Some("15m"));
    }

    #[test]
    fn period_lengths() {
        let p = |k: &'static str, v: &str| vec![(k, v.to_string())];
        assert_eq!(period_seconds(&p("statsPeriod", "2w")), Some(1_209_600.0));
        let range = vec![
            ("start", "2024-01-15T00:00:00.000Z".to_string()),
            ("end", "2024-01-15T23:59:59.999Z".to_string()),
        ];
        assert_eq!(period_seconds(&range), Some(86_399.999));
    }

    #[test]
    fn durations_by_their_two_largest_units() {
        assert_eq!(duration(15.0), "15s");
        assert_eq!(duration(90.0), "1m 30s");
        assert_eq!(duration(900.0), "15m");
        assert_eq!(duration(5400.0), "1h 30m");
        assert_eq!(duration(10_800.0), "3h");
        assert_eq!(duration(86_400.0), "1d");
        assert_eq!(duration(93_600.0), "1d 2h");
    }

    fn args(argv: &[&str]) -> ExploreArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            explore: ExploreArgs,
        }
        Cli::try_parse_from(std::iter::once("explore").chain(argv.iter().copied()))
            .unwrap()
            .explore
    }

    #[test]
    fn validation_order_and_messages() {
        let err = |argv: &[&str]| validate(&args(argv)).unwrap_err().message;
        assert!(validate(&args(&["-b", "-F", "count()"])).is_ok());
        assert!(
            validate(&args(&["-F", "title", "-n", "5"])).is_ok(),
            "tables are not checked here"
        );
        // The interval is a flag value, so it is checked before the table-only flags.
        assert!(err(&["-b", "2h30m", "-c", "next"]).starts_with("Invalid interval \"2h30m\""));
        assert!(err(&["-b", "-c", "next", "-n", "5"]).starts_with("--cursor is only"));
        assert!(err(&["-b", "-n", "0"]).contains("--limit must be"));
        assert_eq!(
            err(&["-b", "--dataset", "Replay"]),
            "Time series support errors, spans, logs, and metrics. The replays dataset is only available as a table."
        );
        assert!(err(&["-b", "-F", "title"]).contains("Grouping is not supported: title."));
    }

    /// What sentry.io can answer and the local server never does (sampling, partial scans,
    /// ingestion delays, empty series, text values), rendered as 0.49 renders it: the
    /// expected text is 0.49's output for this body, served to it through a proxy.
    #[test]
    fn human_output_for_sampled_incomplete_and_empty_series() {
        let body: Value = serde_json::from_str(
            r#"{"meta":{"dataset":"spans","start":1705311000000,"end":1705320000000,"ingestion":{"status":"stalled","delaySeconds":130.5,"completeThrough":1705319000000}},
 "timeSeries":[
  {"values":[{"timestamp":1705309200000,"value":0.0123,"incomplete":false,"sampleCount":3,"sampleRate":0.5,"confidence":"low"},
             {"timestamp":1705312800000,"value":1234567.5,"incomplete":true,"incompleteReason":"INGESTION_PENDING","sampleCount":3,"sampleRate":1,"confidence":"high"},
             {"timestamp":1705316400000,"value":null,"incomplete":true,"incompleteReason":"OTHER"}],
   "yAxis":"avg(measurements.fcp)","meta":{"valueType":"percentage","valueUnit":"none","interval":5400000,"dataScanned":"partial"}},
  {"values":[],"yAxis":"count_unique(user)","meta":{"valueType":"integer","valueUnit":null,"interval":93600000}},
  {"values":[{"timestamp":1705309200000,"value":"a\nb","incomplete":false},{"timestamp":1705312800000,"value":2048,"incomplete":false}],"yAxis":"sum(*bytes*)","meta":{"valueType":"size","valueUnit":"byte","interval":90000}}
 ]}"#,
        )
        .unwrap();
        let report = SeriesResult {
            body: body.as_object().unwrap().clone(),
            title: "local".into(),
            label: "spans".into(),
        };
        let mut out = Human::new(false);
        out.width = 80;
        report.human(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out.into_bytes()).unwrap(),
            "Querying spans in local · Range (UTC): 2024-01-15 09:30:00 to 2024-01-15 12:00:00

avg(measurements.fcp) over time

Interval: 1h 30m

Only part of the available data was scanned.

Some buckets have low confidence; treat their values as estimates.

Results include sampled data.

╭─────────────────────┬─────────┬───────────────────╮
│ TIME (UTC)          │   VALUE │ STATUS            │
├─────────────────────┼─────────┼───────────────────┤
│ 2024-01-15 09:00:00 │   1.23% │                   │
│ 2024-01-15 10:00:00 │ 123.5M% │ Ingestion pending │
│ 2024-01-15 11:00:00 │       — │ Incomplete        │
╰─────────────────────┴─────────┴───────────────────╯


count_unique(user) over time

Interval: 1d 2h

No time buckets returned.

sum(*bytes*) over time

Interval: 1m 30s

Unit: byte

╭─────────────────────┬────────╮
│ TIME (UTC)          │  VALUE │
├─────────────────────┼────────┤
│ 2024-01-15 09:00:00 │    a b │
│ 2024-01-15 10:00:00 │ 2,048B │
╰─────────────────────┴────────╯


Ingestion status: stalled. · Reported ingestion delay: 2m 11s.
"
        );
    }

    #[test]
    fn equations_over_aggregates_count_as_aggregates() {
        assert!(super::super::is_aggregate("count()"));
        assert!(super::super::is_aggregate("equation|count() * 2"));
        assert!(!super::super::is_aggregate("equation|1 + 2"));
        assert!(!super::super::is_aggregate("title"));
    }
}
