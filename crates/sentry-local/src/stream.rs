//! Live view of ingest: `GET /stream` (Spotlight-compatible server-sent events), the lines
//! `sentry local` prints for each message it receives there, and the environment
//! `sentry local run` gives its child.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
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
/// Recent envelopes kept for `Last-Event-ID` resume: at most this many...
const REPLAY_MAX_MESSAGES: usize = 1000;
/// ...holding at most this many body bytes, so a few large envelopes cannot pin much memory.
const REPLAY_MAX_BYTES: usize = 16 * 1024 * 1024;

/// Fan-out of ingested envelopes to `GET /stream` subscribers, plus a bounded ring of recent
/// ones so that a subscriber reconnecting with `Last-Event-ID` (what `EventSource` sends after
/// a dropped connection) gets what it missed instead of a silent gap.
pub struct StreamHub {
    tx: broadcast::Sender<StreamMessage>,
    recent: Mutex<Recent>,
    max_messages: usize,
    max_bytes: usize,
    /// Set by the first subscriber. Before that no client can hold an id to resume from, so
    /// ingest does not serialize envelopes for nobody.
    armed: AtomicBool,
}

#[derive(Default)]
struct Recent {
    messages: VecDeque<StreamMessage>,
    bytes: usize,
}

impl Default for StreamHub {
    fn default() -> Self {
        Self::with_limits(REPLAY_MAX_MESSAGES, REPLAY_MAX_BYTES)
    }
}

impl StreamHub {
    pub(crate) fn with_limits(max_messages: usize, max_bytes: usize) -> Self {
        StreamHub {
            tx: broadcast::channel(CHANNEL_CAPACITY).0,
            recent: Mutex::new(Recent::default()),
            max_messages,
            max_bytes,
            armed: AtomicBool::new(false),
        }
    }

    /// Connected `/stream` subscribers.
    pub fn receiver_count(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Whether anything could still receive a published message (live or by resuming), i.e.
    /// whether ingest should build one.
    pub(crate) fn wanted(&self) -> bool {
        self.armed.load(Ordering::Relaxed)
    }

    /// Relays `m` to live subscribers and keeps it for resuming ones.
    pub(crate) fn publish(&self, m: StreamMessage) {
        let mut recent = self.lock();
        recent.bytes += m.body.len();
        recent.messages.push_back(m.clone());
        while recent.messages.len() > self.max_messages
            || (recent.bytes > self.max_bytes && recent.messages.len() > 1)
        {
            if let Some(old) = recent.messages.pop_front() {
                recent.bytes -= old.body.len();
            }
        }
        // Sent under the lock: `subscribe` then sees each message either in the ring or on
        // its receiver, never both and never neither.
        let _ = self.tx.send(m);
    }

    /// Subscribes to live messages and returns, first, the kept ones published after the
    /// message `last_event_id` names. An id no longer (or never) kept means everything kept
    /// is newer than what the client saw, so all of it is replayed; no id replays nothing.
    pub(crate) fn subscribe(
        &self,
        last_event_id: Option<&str>,
    ) -> (Vec<StreamMessage>, broadcast::Receiver<StreamMessage>) {
        self.armed.store(true, Ordering::Relaxed);
        let recent = self.lock();
        let rx = self.tx.subscribe();
        let missed = match last_event_id.map(str::trim).filter(|id| !id.is_empty()) {
            None => Vec::new(),
            Some(id) => {
                let start = recent
                    .messages
                    .iter()
                    .rposition(|m| m.id == id)
                    .map_or(0, |pos| pos + 1);
                recent.messages.iter().skip(start).cloned().collect()
            }
        };
        (missed, rx)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.recent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(crate) fn routes() -> Router<AppState> {
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
    headers: HeaderMap,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let force_base64 = query.contains_key("base64");
    let last_event_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let (missed, rx) = state.stream.subscribe(last_event_id);
    let closing = state.closing.subscribe();
    let replay = futures_util::stream::iter(
        missed
            .into_iter()
            .map(move |m| Ok(to_event(&m, force_base64))),
    );
    let live =
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
    Sse::new(futures_util::StreamExt::chain(replay, live)).keep_alive(KeepAlive::default())
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

/// Renders one `/stream` message (an envelope; `event_name` is the SSE event, whose
/// `;base64` suffix says how `data` is encoded) as tail lines: `HH:MM:SS  KIND  LEVEL  text`
/// per item the `filters` (`error`, `transaction`, `log`, `ai`; empty = all) select.
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
pub(crate) fn describe_envelope(env: &envelope::Envelope, filters: &[String]) -> Vec<String> {
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

    fn msg(id: &str, len: usize) -> StreamMessage {
        StreamMessage {
            content_type: "application/x-sentry-envelope".into(),
            id: id.into(),
            body: std::sync::Arc::new(vec![b'x'; len]),
        }
    }

    fn ids(list: &[StreamMessage]) -> Vec<&str> {
        list.iter().map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn resume_replays_what_followed_the_last_id_within_bounds() {
        let hub = StreamHub::with_limits(3, 1000);
        assert!(!hub.wanted());
        let (missed, _rx) = hub.subscribe(None);
        assert!(missed.is_empty());
        assert!(hub.wanted());
        for id in ["a", "b", "c", "d"] {
            hub.publish(msg(id, 10));
        }
        // "a" fell out of the 3-message ring: all that is kept is newer than it.
        assert_eq!(ids(&hub.subscribe(Some("a")).0), ["b", "c", "d"]);
        assert_eq!(ids(&hub.subscribe(Some("c")).0), ["d"]);
        assert!(hub.subscribe(Some("d")).0.is_empty());
        assert!(hub.subscribe(Some("")).0.is_empty());
        // Messages without an id are replayed too; a repeated id resumes after its latest copy.
        hub.publish(msg("", 10));
        hub.publish(msg("c", 10));
        assert_eq!(ids(&hub.subscribe(Some("d")).0), ["", "c"]);
        assert!(hub.subscribe(Some("c")).0.is_empty());
    }

    #[test]
    fn ring_is_bounded_by_bytes_but_keeps_the_newest() {
        let hub = StreamHub::with_limits(100, 25);
        hub.subscribe(None);
        hub.publish(msg("a", 10));
        hub.publish(msg("b", 10));
        hub.publish(msg("c", 10));
        assert_eq!(ids(&hub.subscribe(Some("zzz")).0), ["b", "c"]);
        hub.publish(msg("huge", 500));
        assert_eq!(ids(&hub.subscribe(Some("zzz")).0), ["huge"]);
    }

    #[test]
    fn live_receiver_gets_only_what_the_replay_did_not() {
        let hub = StreamHub::with_limits(10, 1000);
        hub.subscribe(None);
        hub.publish(msg("a", 1));
        let (missed, mut rx) = hub.subscribe(Some("zzz"));
        assert_eq!(ids(&missed), ["a"]);
        hub.publish(msg("b", 1));
        assert_eq!(rx.try_recv().map(|m| m.id).as_deref(), Ok("b"));
        assert!(rx.try_recv().is_err());
    }

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
