//! Live view of ingest: `GET /stream` (Spotlight-compatible server-sent events), the blocking
//! client behind `sentry local tail`, and the environment `sentry local run` gives its child.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{self, BufRead, BufReader, Write};

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde_json::{Map, Value};
use tokio::sync::broadcast;

use crate::envelope;
use crate::grouping;
use crate::ingest::StreamMessage;
use crate::state::AppState;

/// Envelopes buffered per slow subscriber before it starts missing some.
const CHANNEL_CAPACITY: usize = 1024;

/// The broadcast channel ingest publishes to; stored in [`AppState::stream`].
pub fn new_channel() -> broadcast::Sender<StreamMessage> {
    broadcast::channel(CHANNEL_CAPACITY).0
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stream", get(sse))
        .layer(axum::middleware::from_fn(crate::ingest::cors))
}

fn to_event(m: &StreamMessage, force_base64: bool) -> Event {
    let text = std::str::from_utf8(&m.body)
        .ok()
        .filter(|t| !t.contains('\r'));
    let mut ev = match text {
        Some(t) if !force_base64 => Event::default().event(&m.content_type).data(t),
        _ => Event::default()
            .event(format!("{};base64", m.content_type))
            .data(base64::engine::general_purpose::STANDARD.encode(m.body.as_slice())),
    };
    if !m.id.is_empty() {
        ev = ev.id(&m.id);
    }
    ev
}

async fn sse(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let force_base64 = query.contains_key("base64");
    let rx = state.stream.subscribe();
    let closing = state.closing.subscribe();
    let stream =
        futures_util::stream::unfold((rx, closing), move |(mut rx, mut closing)| async move {
            loop {
                if *closing.borrow() {
                    return None;
                }
                tokio::select! {
                    msg = rx.recv() => match msg {
                        Ok(m) => return Some((Ok(to_event(&m, force_base64)), (rx, closing))),
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    changed = closing.changed() => {
                        if changed.is_err() {
                            return None;
                        }
                    }
                }
            }
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Environment for the child of `sentry local run`: SDKs read `SENTRY_SPOTLIGHT` (and the
/// framework-prefixed copies bundlers expose to browser code) and send to this server.
pub fn child_env(base_url: &str, dsn: &str) -> Vec<(String, String)> {
    let spotlight = format!("{}/stream", base_url.trim_end_matches('/'));
    let spotlight_prefixes = [
        "",
        "NEXT_PUBLIC_",
        "VITE_",
        "PUBLIC_",
        "NUXT_PUBLIC_",
        "REACT_APP_",
        "VUE_APP_",
        "GATSBY_",
    ];
    let dsn_prefixes = [
        "",
        "NEXT_PUBLIC_",
        "VITE_",
        "REACT_APP_",
        "EXPO_PUBLIC_",
        "NUXT_PUBLIC_",
        "PUBLIC_",
        "VUE_APP_",
        "GATSBY_",
    ];
    let mut env: Vec<(String, String)> = spotlight_prefixes
        .iter()
        .map(|p| (format!("{p}SENTRY_SPOTLIGHT"), spotlight.clone()))
        .collect();
    env.extend(
        dsn_prefixes
            .iter()
            .map(|p| (format!("{p}SENTRY_DSN"), dsn.to_string())),
    );
    env.push(("SENTRY_TRACES_SAMPLE_RATE".into(), "1".into()));
    env
}

/// Connects to `<url>/stream` and prints one line per envelope item until the server goes
/// away. `filters` (`error`, `transaction`, `log`, `ai`; empty = all) select item kinds;
/// `quiet` suppresses the connection banner.
pub fn tail(url: &str, filters: &[String], quiet: bool, out: &mut dyn Write) -> io::Result<()> {
    let stream_url = if url.trim_end_matches('/').ends_with("/stream") {
        url.trim_end_matches('/').to_string()
    } else {
        format!("{}/stream", url.trim_end_matches('/'))
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let resp = agent
        .get(&stream_url)
        .header("Accept", "text/event-stream")
        .call()
        .map_err(|e| io::Error::new(io::ErrorKind::ConnectionRefused, e.to_string()))?;
    if resp.status() != 200 {
        return Err(io::Error::other(format!(
            "{stream_url} answered HTTP {}",
            resp.status().as_u16()
        )));
    }
    if !quiet {
        writeln!(out, "Listening on {stream_url} (Ctrl-C to stop)")?;
        out.flush()?;
    }
    let reader = BufReader::new(resp.into_body().into_reader());
    let mut event_name = String::new();
    let mut data = String::new();
    for line in reader.lines() {
        let line = match line {
            Ok(l) => l,
            // The server closing the stream ends the tail normally.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        };
        if line.is_empty() {
            if !data.is_empty() {
                for l in describe_message(&event_name, &data, filters) {
                    match writeln!(out, "{l}").and_then(|_| out.flush()) {
                        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                        other => other?,
                    }
                }
            }
            event_name.clear();
            data.clear();
            continue;
        }
        if let Some(v) = line.strip_prefix("event:") {
            event_name = v.trim_start().to_string();
        } else if let Some(v) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    Ok(())
}

/// Renders one SSE message (an envelope) as tail lines.
pub fn describe_message(event_name: &str, data: &str, filters: &[String]) -> Vec<String> {
    let bytes = if event_name.ends_with(";base64") {
        match base64::engine::general_purpose::STANDARD.decode(data.trim()) {
            Ok(b) => b,
            Err(_) => return vec![format!("{} (undecodable base64 payload)", now_hms())],
        }
    } else {
        data.as_bytes().to_vec()
    };
    match envelope::parse(&bytes) {
        Ok(env) => describe_envelope(&env, filters),
        Err(e) => vec![format!("{} invalid envelope: {e}", now_hms())],
    }
}

fn now_hms() -> String {
    jiff::ZonedDateTime::now().strftime("%H:%M:%S").to_string()
}

fn wanted(kind: &str, filters: &[String]) -> bool {
    filters.is_empty() || filters.iter().any(|f| f.eq_ignore_ascii_case(kind))
}

fn is_ai(payload: &Map<String, Value>) -> bool {
    let op_is_ai = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .is_some_and(|op| op.starts_with("gen_ai") || op.starts_with("ai."))
    };
    op_is_ai(
        payload
            .get("contexts")
            .and_then(|c| c.get("trace"))
            .and_then(|t| t.get("op")),
    ) || payload
        .get("spans")
        .and_then(Value::as_array)
        .is_some_and(|spans| spans.iter().any(|s| op_is_ai(s.get("op"))))
}

/// One line per item: `HH:MM:SS  KIND  LEVEL  text`. Items the filters exclude are skipped.
pub fn describe_envelope(env: &envelope::Envelope, filters: &[String]) -> Vec<String> {
    let time = now_hms();
    let mut lines = Vec::new();
    let mut push = |kind: &str, level: &str, text: String| {
        lines.push(format!("{time}  {kind:<11}  {level:<7}  {text}"));
    };
    for item in &env.items {
        let json = item.json().unwrap_or_default();
        match item.item_type() {
            "event" => {
                if !wanted("error", filters) {
                    continue;
                }
                let info = grouping::analyze(&json);
                let mut text = info.title;
                if !info.culprit.is_empty() {
                    text.push_str(&format!("  ({})", info.culprit));
                }
                push("error", &info.level, text);
            }
            "transaction" => {
                let ai = is_ai(&json);
                if !(wanted("transaction", filters) || (ai && wanted("ai", filters))) {
                    continue;
                }
                let name = json
                    .get("transaction")
                    .and_then(Value::as_str)
                    .unwrap_or("<unnamed>");
                let op = json
                    .get("contexts")
                    .and_then(|c| c.get("trace"))
                    .and_then(|t| t.get("op"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let start = crate::events::parse_timestamp_ms(json.get("start_timestamp"));
                let end = crate::events::parse_timestamp_ms(json.get("timestamp"));
                let duration = match (start, end) {
                    (Some(s), Some(e)) if e >= s => format!(" {}ms", e - s),
                    _ => String::new(),
                };
                let spans = json
                    .get("spans")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                let op = if op.is_empty() {
                    String::new()
                } else {
                    format!(" [{op}]")
                };
                push(
                    "transaction",
                    "",
                    format!("{name}{op}{duration}, {spans} spans"),
                );
            }
            "log" => {
                if !wanted("log", filters) {
                    continue;
                }
                let entries: Vec<Value> = match json.get("items").and_then(Value::as_array) {
                    Some(a) => a.clone(),
                    None => vec![Value::Object(json.clone())],
                };
                for entry in entries {
                    let level = entry.get("level").and_then(Value::as_str).unwrap_or("info");
                    let body = entry.get("body").and_then(Value::as_str).unwrap_or("");
                    push("log", level, body.to_string());
                }
            }
            "check_in" => {
                if !filters.is_empty() {
                    continue;
                }
                let slug = json
                    .get("monitor_slug")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                let status = json.get("status").and_then(Value::as_str).unwrap_or("?");
                push("check_in", "", format!("{slug}: {status}"));
            }
            other => {
                if !filters.is_empty() {
                    continue;
                }
                let name = item
                    .header
                    .get("filename")
                    .and_then(Value::as_str)
                    .map(|f| format!("{f} "))
                    .unwrap_or_default();
                push(other, "", format!("{name}({} bytes)", item.payload.len()));
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_env_has_spotlight_dsn_and_sampling() {
        let env = child_env("http://localhost:8969/", "http://k@localhost:8969/1");
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(
            get("SENTRY_SPOTLIGHT"),
            Some("http://localhost:8969/stream")
        );
        assert_eq!(
            get("VITE_SENTRY_SPOTLIGHT"),
            Some("http://localhost:8969/stream")
        );
        assert_eq!(
            get("GATSBY_SENTRY_SPOTLIGHT"),
            Some("http://localhost:8969/stream")
        );
        assert_eq!(get("SENTRY_DSN"), Some("http://k@localhost:8969/1"));
        assert_eq!(
            get("EXPO_PUBLIC_SENTRY_DSN"),
            Some("http://k@localhost:8969/1")
        );
        assert_eq!(get("SENTRY_TRACES_SAMPLE_RATE"), Some("1"));
    }

    #[test]
    fn describes_and_filters_items() {
        let env = envelope::parse(
            b"{}\n{\"type\":\"event\"}\n{\"level\":\"warning\",\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"v\"}]}}\n{\"type\":\"log\"}\n{\"items\":[{\"level\":\"info\",\"body\":\"hello\"}]}\n{\"type\":\"transaction\"}\n{\"transaction\":\"GET /\",\"start_timestamp\":1.0,\"timestamp\":1.25}",
        )
        .unwrap();
        let all = describe_envelope(&env, &[]);
        assert_eq!(all.len(), 3);
        assert!(all[0].ends_with("error        warning  E: v"), "{}", all[0]);
        assert!(
            all[1].ends_with("log          info     hello"),
            "{}",
            all[1]
        );
        assert!(
            all[2].ends_with("transaction           GET / 250ms, 0 spans"),
            "{}",
            all[2]
        );
        let logs = describe_envelope(&env, &["log".into()]);
        assert_eq!(logs.len(), 1);
        assert!(logs[0].contains("hello"));
    }
}
