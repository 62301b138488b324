//! `sentry replay view [<org>/<project>] <replay-id | trace-id | replay-url>`: one replay with
//! its user, client, URLs, the first events of its recording, and the issues and traces it is
//! linked to.
//!
//! The recording, issue and trace lookups are extras: when one fails the view still shows the
//! replay (empty activity, an issue-less event, a trace without counts), as upstream does.

use std::io;

use clap::Args;
use serde_json::{json, Value};

use crate::commands::replay::id::{self, Found};
use crate::commands::replay::list::{short_duration, user_label};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::format::datetime;
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

/// Recording events summarized, issues and traces looked up, at most.
const MAX_ACTIVITY: usize = 6;
const MAX_ISSUES: usize = 3;
const MAX_TRACES: usize = 2;

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// [<org>/<project>] <replay-id or trace-id> or <replay-url>
    #[arg(value_name = "replay-id-or-url", required = true, num_args = 1..=2)]
    pub replay: Vec<String>,
    /// Open in browser
    #[arg(short = 'w', long)]
    pub web: bool,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// Milliseconds of an rrweb/breadcrumb timestamp (a number, or a date string).
fn ts_ms(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_millisecond() as f64),
        _ => None,
    }
}

fn non_empty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// One recording event as a line of the activity summary, when it says something.
fn summarize(ev: &Value) -> Option<Value> {
    let ts = ts_ms(ev.get("timestamp"));
    let data = ev.get("data")?;
    let entry = |label: String, details: Vec<String>| {
        Some(json!({"timestampMs": ts.map(|t| t as i64), "label": label, "details": details}))
    };
    if let Some(tag) = data
        .get("tag")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        let p = data.get("payload").cloned().unwrap_or(Value::Null);
        let selector_like = |label: &str, with_label: bool| {
            if !p.is_object() || (p.get("label").is_none() && p.get("selector").is_none()) {
                return entry(label.to_string(), Vec::new());
            }
            let mut d = Vec::new();
            if let Some(s) = non_empty(p.get("selector")) {
                d.push(format!("selector={s}"));
            }
            if with_label {
                if let Some(l) = non_empty(p.get("label")) {
                    d.push(format!("label={l}"));
                }
            }
            entry(label.to_string(), d)
        };
        let hit = match tag {
            "breadcrumb"
                if p.is_object() && (p.get("category").is_some() || p.get("message").is_some()) =>
            {
                let cat = non_empty(p.get("category"));
                let msg = non_empty(p.get("message"));
                if cat.is_none() && msg.is_none() {
                    None
                } else {
                    entry(
                        cat.unwrap_or_else(|| "breadcrumb".into()),
                        msg.map(|m| vec![format!("message={m}")])
                            .unwrap_or_default(),
                    )
                }
            }
            "click" => selector_like("click", true),
            "deadClick" => selector_like("dead.click", false),
            "rageClick" => selector_like("rage.click", false),
            "performanceSpan"
                if p.is_object()
                    && (p.get("data").is_some()
                        || p.get("description").is_some()
                        || p.get("op").is_some()) =>
            {
                let op = non_empty(p.get("op"));
                let desc = non_empty(p.get("description"));
                let dur = p
                    .get("data")
                    .and_then(|d| d.get("duration"))
                    .and_then(Value::as_f64);
                if op.is_none() && desc.is_none() {
                    None
                } else {
                    let mut d = Vec::new();
                    if let Some(x) = desc {
                        d.push(format!("description={x}"));
                    }
                    if let Some(x) = dur {
                        d.push(format!("duration_ms={}", json!(x)));
                    }
                    entry(op.unwrap_or_else(|| "performanceSpan".into()), d)
                }
            }
            _ => None,
        };
        if hit.is_some() {
            return hit;
        }
    }
    let href = non_empty(data.get("href"))?;
    entry("page.view".into(), vec![format!("href={href}")])
}

fn activity(segments: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for seg in segments {
        for ev in seg.as_array().into_iter().flatten() {
            if let Some(e) = summarize(ev) {
                out.push(e);
            }
            if out.len() >= MAX_ACTIVITY {
                return out;
            }
        }
    }
    out
}

struct ReplayView {
    base: String,
    org: String,
    replay: Value,
    activity: Vec<Value>,
    issues: Vec<Value>,
    traces: Vec<Value>,
}

impl Report for ReplayView {
    fn json(&self) -> Value {
        let mut v = self.replay.clone();
        if let Some(m) = v.as_object_mut() {
            m.insert("activity".into(), Value::Array(self.activity.clone()));
            m.insert("org".into(), json!(self.org));
            m.insert("relatedIssues".into(), Value::Array(self.issues.clone()));
            m.insert("relatedTraces".into(), Value::Array(self.traces.clone()));
        }
        v
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let r = &self.replay;
        let s = |k: &str| non_empty(r.get(k));
        let id = s("id").unwrap_or_default();
        let count = |k: &str| r.get(k).filter(|v| !v.is_null()).map(|v| v.to_string());
        let yes_no = |k: &str| {
            r.get(k)
                .and_then(Value::as_bool)
                .map(|b| if b { "Yes" } else { "No" }.to_string())
        };
        let mut main: Vec<Vec<String>> = vec![vec!["Replay ID".into(), id.clone()]];
        let add = |rows: &mut Vec<Vec<String>>, k: &str, v: Option<String>| {
            if let Some(v) = v {
                rows.push(vec![k.to_string(), v]);
            }
        };
        add(
            &mut main,
            "Link",
            Some(format!(
                "{}/organizations/{}/explore/replays/{id}/",
                self.base, self.org
            )),
        );
        add(
            &mut main,
            "Started",
            s("started_at").map(|t| datetime(Some(&t))),
        );
        add(
            &mut main,
            "Finished",
            s("finished_at").map(|t| datetime(Some(&t))),
        );
        add(
            &mut main,
            "Duration",
            r.get("duration").and_then(Value::as_f64).map(long_duration),
        );
        add(&mut main, "Environment", s("environment"));
        add(&mut main, "Platform", s("platform"));
        add(
            &mut main,
            "Project ID",
            r.get("project_id")
                .filter(|v| !v.is_null())
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)),
        );
        add(&mut main, "Replay Type", s("replay_type"));
        add(&mut main, "Archived", yes_no("is_archived"));
        add(&mut main, "Viewed", yes_no("has_viewed"));
        add(&mut main, "Errors", count("count_errors"));
        add(&mut main, "Segments", count("count_segments"));
        add(&mut main, "Rage Clicks", count("count_rage_clicks"));
        add(&mut main, "Dead Clicks", count("count_dead_clicks"));
        out.heading(&format!("Replay {}", id.get(..8).unwrap_or(&id)))?;
        out.blank()?;
        out.table(None, main)?;
        let user = r.get("user").cloned().unwrap_or(Value::Null);
        let mut urows = Vec::new();
        add(&mut urows, "User", user_label(r));
        add(&mut urows, "Email", non_empty(user.get("email")));
        add(&mut urows, "IP", non_empty(user.get("ip")));
        if let Some(geo) = user.get("geo") {
            let parts: Vec<String> = ["city", "region", "country_code"]
                .iter()
                .filter_map(|k| non_empty(geo.get(*k)))
                .collect();
            add(
                &mut urows,
                "Location",
                (!parts.is_empty()).then(|| parts.join(", ")),
            );
        }
        let join = |obj: &str, keys: &[&str]| {
            let o = r.get(obj).cloned().unwrap_or(Value::Null);
            let parts: Vec<String> = keys.iter().filter_map(|k| non_empty(o.get(*k))).collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        };
        let mut crows = Vec::new();
        add(&mut crows, "Browser", join("browser", &["name", "version"]));
        add(&mut crows, "OS", join("os", &["name", "version"]));
        add(
            &mut crows,
            "Device",
            join("device", &["brand", "family", "name", "model_id"]),
        );
        add(&mut crows, "SDK", join("sdk", &["name", "version"]));
        add(&mut crows, "Dist", s("dist"));
        for (title, rows) in [("User", urows), ("Client", crows)] {
            if !rows.is_empty() {
                out.blank()?;
                out.line(out.bold(title))?;
                out.blank()?;
                out.table(None, rows)?;
            }
        }
        for (title, key) in [
            ("Releases", "releases"),
            ("URLs", "urls"),
            ("Trace IDs", "trace_ids"),
            ("Error IDs", "error_ids"),
        ] {
            let items: Vec<String> = r
                .get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if !items.is_empty() {
                out.blank()?;
                out.line(out.bold(title))?;
                out.blank()?;
                for i in items {
                    out.line(format!("• {i}"))?;
                }
            }
        }
        out.blank()?;
        out.line(out.bold("Activity"))?;
        out.blank()?;
        if r.get("is_archived").and_then(Value::as_bool) == Some(true) {
            out.line("Recording is archived and not available for playback.")?;
        } else if self.activity.is_empty() {
            out.line("No activity events recorded.")?;
        } else {
            let start = ts_ms(r.get("started_at"))
                .or_else(|| self.activity[0].get("timestampMs").and_then(Value::as_f64));
            for a in &self.activity {
                let at = a.get("timestampMs").and_then(Value::as_f64);
                let offset = match (at, start) {
                    (Some(t), Some(s0)) => format!("{} · ", short_duration((t - s0) / 1000.0)),
                    _ => String::new(),
                };
                let details: Vec<String> = a
                    .get("details")
                    .and_then(Value::as_array)
                    .map(|d| {
                        d.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let details = if details.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", details.join(" · "))
                };
                out.line(format!(
                    "• {offset}{}{details}",
                    a.get("label").and_then(Value::as_str).unwrap_or("")
                ))?;
            }
        }
        if !self.issues.is_empty() || !self.traces.is_empty() {
            out.blank()?;
            out.line(out.bold("Related"))?;
            out.blank()?;
            for i in &self.issues {
                match (non_empty(i.get("shortId")), non_empty(i.get("title"))) {
                    (Some(sid), Some(title)) => out.line(format!(
                        "• {sid}: {title} (view: sentry issue view {}/{sid})",
                        self.org
                    ))?,
                    _ => out.line(format!(
                        "• Event {}",
                        non_empty(i.get("eventId")).unwrap_or_default()
                    ))?,
                }
            }
            for t in &self.traces {
                let tid = non_empty(t.get("traceId")).unwrap_or_default();
                let counts: Vec<String> = [
                    ("spanCount", "spans"),
                    ("errorCount", "errors"),
                    ("logCount", "logs"),
                    ("performanceIssueCount", "perf issues"),
                ]
                .iter()
                .filter_map(|(k, l)| {
                    // Sentry's EAP counts arrive as floats (`5.0`); print them as 0.49 does.
                    t.get(*k).and_then(Value::as_f64).map(|n| {
                        if n.fract() == 0.0 && n.abs() < 9.0e15 {
                            format!("{} {l}", n as i64)
                        } else {
                            format!("{n} {l}")
                        }
                    })
                })
                .collect();
                let counts = if counts.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", counts.join(", "))
                };
                out.line(format!(
                    "• Trace {tid}{counts} (view: sentry trace view {}/{tid})",
                    self.org
                ))?;
            }
        }
        if let Some(Value::Object(tags)) = r.get("tags") {
            if !tags.is_empty() {
                out.blank()?;
                out.line(out.bold("Tags"))?;
                out.blank()?;
                let mut keys: Vec<&String> = tags.keys().collect();
                keys.sort_by_key(|k| k.to_lowercase());
                for k in keys {
                    let vals: Vec<String> = tags[k]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    out.line(format!("• {k}: {}", vals.join(", ")))?;
                }
            }
        }
        let hint = if let Some(t) = r
            .get("trace_ids")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_str)
        {
            Some(format!("Related trace: sentry trace view {}/{t}", self.org))
        } else {
            self.issues
                .first()
                .and_then(|i| non_empty(i.get("shortId")))
                .map(|s| format!("Related issue: sentry issue view {}/{s}", self.org))
        };
        if let Some(h) = hint {
            out.blank()?;
            out.line(h)?;
        }
        Ok(())
    }
}

/// `5 seconds`, `2 minutes and 5 seconds`, `1 hour and 3 minutes`, `2 days and 4 hours`.
fn long_duration(secs: f64) -> String {
    let t = secs.round().max(0.0) as i64;
    let unit = |n: i64, u: &str| format!("{n} {u}{}", if n == 1 { "" } else { "s" });
    let (d, h, m, s) = (t / 86_400, t % 86_400 / 3600, t % 3600 / 60, t % 60);
    match (d, h, m, s) {
        (d, 0, _, _) if d > 0 => unit(d, "day"),
        (d, h, _, _) if d > 0 => format!("{} and {}", unit(d, "day"), unit(h, "hour")),
        (_, h, 0, _) if h > 0 => unit(h, "hour"),
        (_, h, m, _) if h > 0 => format!("{} and {}", unit(h, "hour"), unit(m, "minute")),
        (_, _, m, 0) if m > 0 => unit(m, "minute"),
        (_, _, m, s) if m > 0 => format!("{} and {}", unit(m, "minute"), unit(s, "second")),
        _ => unit(s, "second"),
    }
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    let rr = id::parse(&args.replay)?;
    ctx.route_to_target(rr.org.as_deref().map(|o| format!("{o}/")).as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let Found { org, replay, .. } = id::find(&r, &rr, "view")?;
    let base = client.base_url().trim_end_matches('/').to_string();
    let rid = replay
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if args.web {
        return crate::web::open(
            ctx,
            &format!("{base}/organizations/{org}/explore/replays/{rid}/"),
        );
    }
    let archived = replay.get("is_archived").and_then(Value::as_bool) == Some(true);
    let has_segments = replay
        .get("count_segments")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        > 0;
    let activity =
        if !archived && replay.get("project_id").is_some_and(|p| !p.is_null()) && has_segments {
            id::segments(&r, &org, &replay)
                .map(|s| activity(&s))
                .unwrap_or_else(|e| {
                    log::debug!("[replay.view] no recording segments: {e}");
                    Vec::new()
                })
        } else {
            Vec::new()
        };
    let api = r.org(&org)?;
    let strs = |k: &str| -> Vec<String> {
        replay
            .get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let issues: Vec<Value> = strs("error_ids")
        .into_iter()
        .take(MAX_ISSUES)
        .map(|eid| {
            let hit = api
                .issues()
                .query("query", format!("event.id:{eid}"))
                .query("limit", "1")
                .send_json::<Vec<Value>>()
                .ok()
                .and_then(|l| l.into_iter().next());
            let f = |k: &str| hit.as_ref().and_then(|h| h.get(k)).cloned().unwrap_or(Value::Null);
            json!({"eventId": eid, "issueId": f("id"), "shortId": f("shortId"), "title": f("title")})
        })
        .collect();
    let traces: Vec<Value> = strs("trace_ids")
        .into_iter()
        .take(MAX_TRACES)
        .map(|tid| {
            let meta = api.trace_meta(&tid).query("statsPeriod", "14d").send_json::<Value>().ok();
            let f = |k: &str| meta.as_ref().and_then(|m| m.get(k)).cloned().unwrap_or(Value::Null);
            json!({"traceId": tid, "errorCount": f("errorsCount"), "logCount": f("logsCount"), "performanceIssueCount": f("performanceIssuesCount"), "spanCount": f("spansCount")})
        })
        .collect();
    emit(
        &ReplayView {
            base,
            org,
            replay,
            activity,
            issues,
            traces,
        },
        &ctx.output,
    )?;
    Ok(0)
}
