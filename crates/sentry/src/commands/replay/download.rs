//! `sentry replay download [<org>/<project>] <replay-id | replay-url> [-o <file>]`: the whole
//! recording as one flat, time-ordered rrweb event array (what rrweb-player and rrvideo play).

use std::io;
use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Value};

use crate::commands::replay::id::{self, Found};
use crate::commands::replay::list::short_duration;
use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

/// rrweb's full DOM snapshot event: without one, players cannot render the recording.
const FULL_SNAPSHOT: i64 = 2;
/// Timestamps below this are seconds (Sentry's custom events), above it milliseconds.
const SECONDS_BELOW: f64 = 1e11;

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// [<org>/<project>] <replay-id or trace-id> or <replay-url>
    #[arg(value_name = "replay-id-or-url", required = true, num_args = 1..=2)]
    pub replay: Vec<String>,
    /// Output path (default: <replay-id>.rrweb.json in the current directory). Long form
    /// only: `-o` is this CLI's global `--org` (sentry-cli 3.x's spelling).
    #[arg(long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct Downloaded {
    org: String,
    replay_id: String,
    output: String,
    segments: usize,
    events: usize,
    duration_ms: i64,
}

impl Report for Downloaded {
    fn json(&self) -> Value {
        json!({
            "org": self.org,
            "replayId": self.replay_id,
            "output": self.output,
            "segmentCount": self.segments,
            "eventCount": self.events,
            "durationMs": self.duration_ms,
        })
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.table(
            None,
            vec![
                vec!["Replay ID".into(), self.replay_id.clone()],
                vec!["Segments".into(), self.segments.to_string()],
                vec!["Events".into(), self.events.to_string()],
                vec![
                    "Duration".into(),
                    short_duration(self.duration_ms as f64 / 1000.0),
                ],
                vec!["Saved to".into(), self.output.clone()],
            ],
        )?;
        out.blank()?;
        out.line(format!(
            "Downloaded replay {} to {}",
            self.replay_id, self.output
        ))
    }
}

fn ts(v: &Value) -> f64 {
    v.get("timestamp").and_then(Value::as_f64).unwrap_or(0.0)
}

/// One flat array, seconds turned into milliseconds, stably ordered by time.
fn flatten(segments: &[Value]) -> Vec<Value> {
    let mut events: Vec<Value> = segments
        .iter()
        .flat_map(|s| s.as_array().cloned().unwrap_or_default())
        .map(|mut e| {
            if let Some(t) = e.get("timestamp").and_then(Value::as_f64) {
                if t < SECONDS_BELOW {
                    e["timestamp"] = json!((t * 1000.0).round() as i64);
                }
            }
            e
        })
        .collect();
    events.sort_by(|a, b| ts(a).total_cmp(&ts(b)));
    events
}

pub fn run(ctx: &Context, args: &DownloadArgs) -> CliResult<i32> {
    let rr = id::parse(&args.replay)?;
    ctx.route_to_target(rr.org.as_deref().map(|o| format!("{o}/")).as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let Found { org, replay, .. } = id::find(&r, &rr, "download")?;
    let rid = replay
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let nothing = || {
        CliError::new(
            exit::NOT_FOUND,
            format!("Replay '{rid}' has no recording to download.\n\nTry:\n  sentry replay view {org}/{rid}\n\nOr:\n  - The replay may be archived or past your retention window"),
        )
    };
    if replay.get("is_archived").and_then(Value::as_bool) == Some(true)
        || replay.get("project_id").is_none_or(Value::is_null)
    {
        return Err(nothing());
    }
    let segments = id::segments(&r, &org, &replay)?;
    let events = flatten(&segments);
    if events.is_empty() {
        return Err(nothing());
    }
    if !events
        .iter()
        .any(|e| e.get("type").and_then(Value::as_i64) == Some(FULL_SNAPSHOT))
    {
        crate::diag!("Warning: This recording has no full DOM snapshot (e.g. a mobile replay), so rrweb players cannot render it.");
    }
    let path = ctx.cwd.join(
        args.output
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{rid}.rrweb.json"))),
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::general(format!("Cannot create {}: {e}", dir.display())))?;
    }
    let body = serde_json::to_vec(&events).map_err(|e| CliError::general(e.to_string()))?;
    std::fs::write(&path, body)
        .map_err(|e| CliError::general(format!("Cannot write {}: {e}", path.display())))?;
    let duration_ms = match (events.first(), events.last()) {
        (Some(a), Some(b)) => (ts(b) - ts(a)) as i64,
        _ => 0,
    };
    emit(
        &Downloaded {
            org,
            replay_id: rid,
            output: path.display().to_string(),
            segments: segments.len(),
            events: events.len(),
            duration_ms,
        },
        &ctx.output,
    )?;
    Ok(0)
}
