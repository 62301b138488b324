//! Turning events into issues: the grouping key, and the title/culprit/metadata an issue shows.
//!
//! The rules follow Sentry's defaults closely enough that the same SDK traffic groups the same
//! way: an explicit `fingerprint` wins (`{{ default }}` splices in the default key); otherwise
//! an exception groups by its type and the crashing in-app frame; otherwise a message groups by
//! its text with the volatile parts (numbers, hex, UUIDs) normalised away.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{json, Map, Value};

/// Sentry's short-id alphabet (Crockford base 32: no I, L, O, U).
const BASE32_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Encodes a per-project issue counter the way Sentry writes short-id suffixes (1→`1`, 10→`A`,
/// 32→`10`).
pub fn base32_encode(mut n: u64) -> String {
    if n == 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE32_ALPHABET[(n % 32) as usize]);
        n /= 32;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Inverse of [`base32_encode`], forgiving the look-alikes Sentry forgives (O→0, I/L→1) and case.
pub fn base32_decode(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for c in s.chars() {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        let v = BASE32_ALPHABET.iter().position(|b| *b as char == c)? as u64;
        n = n.checked_mul(32)?.checked_add(v)?;
    }
    Some(n)
}

/// Everything grouping derives from one event.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInfo {
    /// Stable key of the issue this event belongs to (32 hex digits).
    pub hash: String,
    pub title: String,
    pub culprit: String,
    /// `error` for exceptions, `default` for messages (Sentry's event types).
    pub event_type: String,
    pub metadata: Value,
    pub level: String,
    pub platform: String,
    pub message: String,
    /// `module in function` / `filename in function` of the crashing frame, for event lists.
    pub location: Option<String>,
    pub is_unhandled: bool,
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The exception values of an event, oldest (cause) first, as Sentry orders them.
pub fn exceptions(event: &Map<String, Value>) -> Vec<&Value> {
    match event.get("exception") {
        Some(Value::Object(o)) => o
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|v| v.is_object()).collect())
            .unwrap_or_default(),
        Some(Value::Array(a)) => a.iter().filter(|v| v.is_object()).collect(),
        _ => Vec::new(),
    }
}

fn frames(exc: &Value) -> Vec<&Value> {
    exc.get("stacktrace")
        .and_then(|s| s.get("frames"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter(|f| f.is_object()).collect())
        .unwrap_or_default()
}

/// The frame closest to the crash that belongs to the application (falling back to the very
/// last frame when nothing is marked in-app).
fn crash_frame(exc: &Value) -> Option<&Value> {
    let fs = frames(exc);
    fs.iter()
        .rev()
        .find(|f| f.get("in_app").and_then(Value::as_bool) == Some(true))
        .or_else(|| fs.last())
        .copied()
}

fn frame_location(frame: &Value) -> Option<String> {
    let place = str_at(frame, "module")
        .or_else(|| str_at(frame, "filename"))
        .or_else(|| str_at(frame, "abs_path"));
    match (place, str_at(frame, "function")) {
        (Some(p), Some(f)) => Some(format!("{p} in {f}")),
        (Some(p), None) => Some(p.to_string()),
        (None, Some(f)) => Some(f.to_string()),
        (None, None) => None,
    }
}

/// The human message of an event: `logentry.formatted`, else `logentry.message` with params
/// substituted, else `message`.
pub fn event_message(event: &Map<String, Value>) -> String {
    let entry = event
        .get("logentry")
        .or_else(|| event.get("sentry.interfaces.Message"));
    if let Some(e) = entry {
        if let Some(f) = str_at(e, "formatted") {
            return f.to_string();
        }
        if let Some(m) = str_at(e, "message") {
            return format_params(m, e.get("params"));
        }
    }
    match event.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(m @ Value::Object(_)) => str_at(m, "formatted")
            .map(str::to_string)
            .or_else(|| str_at(m, "message").map(|t| format_params(t, m.get("params"))))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Substitutes `%s`-style and `{}`-style placeholders positionally, as SDK log integrations do.
fn format_params(template: &str, params: Option<&Value>) -> String {
    let Some(Value::Array(params)) = params else {
        return template.to_string();
    };
    let mut it = params.iter().map(|p| match p {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let mut out = String::new();
    let mut rest = template;
    while let Some(pos) = rest.find(['%', '{']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let placeholder =
            if tail.starts_with("%s") || tail.starts_with("%d") || tail.starts_with("{}") {
                2
            } else {
                0
            };
        if placeholder > 0 {
            match it.next() {
                Some(v) => out.push_str(&v),
                None => out.push_str(&tail[..placeholder]),
            }
            rest = &tail[placeholder..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn normalizers() -> &'static [(Regex, &'static str)] {
    static RE: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    RE.get_or_init(|| {
        [
            (r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uuid>"),
            (r"(?i)\b0x[0-9a-f]+\b", "<hex>"),
            (r"(?i)\b[0-9a-f]*[a-f][0-9a-f]*[0-9][0-9a-f]*\b|\b[0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*\b", "<hex>"),
            (r"\b\d+(\.\d+)?", "<int>"),
        ]
        .into_iter()
        .filter_map(|(p, r)| Regex::new(p).ok().map(|re| (re, r)))
        .collect()
    })
}

/// Replaces the parts of a message that differ between otherwise identical occurrences.
/// Hex words need at least one digit and one letter and 8+ characters so words like `cafe`
/// survive.
pub fn normalize_message(msg: &str) -> String {
    let mut out = msg.to_string();
    for (i, (re, rep)) in normalizers().iter().enumerate() {
        if i == 2 {
            out = re
                .replace_all(&out, |c: &regex::Captures| {
                    if c[0].len() >= 8 {
                        rep.to_string()
                    } else {
                        c[0].to_string()
                    }
                })
                .into_owned();
        } else {
            out = re.replace_all(&out, *rep).into_owned();
        }
    }
    out
}

/// The default grouping components of an event (used alone, or spliced into a fingerprint).
fn default_components(event: &Map<String, Value>) -> Vec<String> {
    let excs = exceptions(event);
    if !excs.is_empty() {
        let mut parts = Vec::new();
        for exc in &excs {
            let ty = str_at(exc, "type").unwrap_or("Error");
            parts.push(format!("type:{ty}"));
            match crash_frame(exc) {
                Some(f) => {
                    for key in ["module", "filename", "function"] {
                        if let Some(v) = str_at(f, key) {
                            parts.push(format!("{key}:{v}"));
                        }
                    }
                }
                None => {
                    let value = str_at(exc, "value").unwrap_or_default();
                    parts.push(format!("value:{}", normalize_message(value)));
                }
            }
        }
        return parts;
    }
    // A message template (before params are substituted) groups all its instances together.
    let template = event
        .get("logentry")
        .and_then(|e| str_at(e, "message"))
        .map(str::to_string)
        .unwrap_or_else(|| event_message(event));
    if !template.is_empty() {
        return vec![format!("message:{}", normalize_message(&template))];
    }
    if let Some(t) = str_at(&Value::Object(event.clone()), "transaction") {
        return vec![format!("transaction:{t}")];
    }
    vec!["empty".into()]
}

fn fingerprint_components(event: &Map<String, Value>) -> Option<Vec<String>> {
    let fp = event.get("fingerprint")?.as_array()?;
    if fp.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for v in fp {
        let s = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => continue,
        };
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if compact == "{{default}}" {
            parts.extend(default_components(event));
        } else {
            parts.push(format!("fp:{s}"));
        }
    }
    Some(parts)
}

/// 128-bit FNV-1a (two independent 64-bit lanes); stable across runs and platforms, which is
/// all a grouping key needs.
fn stable_hash(parts: &[String]) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            a ^= u64::from(byte);
            a = a.wrapping_mul(0x0000_0100_0000_01b3);
            b ^= u64::from(byte).rotate_left(3);
            b = b.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{a:016x}{b:016x}")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

/// Derives grouping key and display fields. Never fails: anything missing gets a default.
pub fn analyze(event: &Map<String, Value>) -> GroupInfo {
    let components = fingerprint_components(event).unwrap_or_else(|| default_components(event));
    let hash = stable_hash(&components);
    let level = event
        .get("level")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("error")
        .to_ascii_lowercase();
    let platform = event
        .get("platform")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("other")
        .to_string();
    let message = event_message(event);
    let transaction = event
        .get("transaction")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let excs = exceptions(event);
    if let Some(main) = excs.last() {
        let ty = str_at(main, "type").unwrap_or("Error").to_string();
        let value = str_at(main, "value").unwrap_or_default().to_string();
        let first_line = value.lines().next().unwrap_or_default();
        let title = if first_line.is_empty() {
            ty.clone()
        } else {
            truncate(&format!("{ty}: {first_line}"), 200)
        };
        let frame = crash_frame(main);
        let location = frame.and_then(frame_location);
        let culprit = transaction
            .map(str::to_string)
            .or_else(|| location.clone())
            .unwrap_or_default();
        let is_unhandled = excs.iter().any(|e| {
            e.get("mechanism")
                .and_then(|m| m.get("handled"))
                .and_then(Value::as_bool)
                == Some(false)
        });
        let mut metadata = json!({
            "type": ty,
            "value": value,
            "in_app_frame_mix": in_app_mix(main),
        });
        if let Some(f) = frame {
            if let Some(file) = str_at(f, "filename").or_else(|| str_at(f, "abs_path")) {
                metadata["filename"] = json!(file);
            }
            if let Some(func) = str_at(f, "function") {
                metadata["function"] = json!(func);
            }
        }
        return GroupInfo {
            hash,
            title,
            culprit,
            event_type: "error".into(),
            metadata,
            level,
            platform,
            message: if message.is_empty() { value } else { message },
            location,
            is_unhandled,
        };
    }
    let title_src = if message.is_empty() {
        transaction.unwrap_or("<unlabeled event>").to_string()
    } else {
        message.clone()
    };
    let title = truncate(title_src.lines().next().unwrap_or_default(), 200);
    GroupInfo {
        hash,
        title: title.clone(),
        culprit: transaction.unwrap_or_default().to_string(),
        event_type: "default".into(),
        metadata: json!({ "title": title }),
        level,
        platform,
        message,
        location: transaction.map(str::to_string),
        is_unhandled: false,
    }
}

fn in_app_mix(exc: &Value) -> &'static str {
    let fs = frames(exc);
    let in_app = fs
        .iter()
        .filter(|f| f.get("in_app").and_then(Value::as_bool) == Some(true))
        .count();
    match (in_app, fs.len()) {
        (_, 0) => "system-only",
        (0, _) => "system-only",
        (n, t) if n == t => "in-app-only",
        _ => "mixed",
    }
}

/// The value that makes two events "the same user" for `userCount`: id, else email, else IP,
/// else username.
pub fn user_key(event: &Map<String, Value>) -> Option<String> {
    let user = event.get("user")?;
    for key in ["id", "email", "ip_address", "username"] {
        match user.get(key) {
            Some(Value::String(s)) if !s.is_empty() => return Some(format!("{key}:{s}")),
            Some(Value::Number(n)) => return Some(format!("{key}:{n}")),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn base32_matches_sentry() {
        assert_eq!(base32_encode(1), "1");
        assert_eq!(base32_encode(10), "A");
        assert_eq!(base32_encode(18), "J");
        assert_eq!(base32_encode(31), "Z");
        assert_eq!(base32_encode(32), "10");
        assert_eq!(base32_encode(33), "11");
        assert_eq!(base32_encode(1024), "100");
        for n in [0u64, 1, 31, 32, 999, 123_456_789] {
            assert_eq!(base32_decode(&base32_encode(n)), Some(n));
        }
        assert_eq!(base32_decode("1o"), Some(32));
        assert_eq!(base32_decode("U"), None);
        assert_eq!(base32_decode(""), None);
    }

    #[test]
    fn exception_title_culprit_and_grouping() {
        let a = ev(
            json!({"exception":{"values":[{"type":"ValueError","value":"bad 1","stacktrace":{"frames":[
            {"function":"main","module":"app","in_app":true},
            {"function":"parse","module":"app.util","in_app":true},
            {"function":"inner","module":"lib","in_app":false}]}}]}}),
        );
        let b = ev(
            json!({"exception":{"values":[{"type":"ValueError","value":"bad 2","stacktrace":{"frames":[
            {"function":"main","module":"app","in_app":true},
            {"function":"parse","module":"app.util","in_app":true}]}}]}}),
        );
        let ga = analyze(&a);
        assert_eq!(ga.title, "ValueError: bad 1");
        assert_eq!(ga.culprit, "app.util in parse");
        assert_eq!(ga.event_type, "error");
        assert_eq!(ga.metadata["type"], "ValueError");
        assert_eq!(ga.metadata["function"], "parse");
        assert_eq!(ga.hash, analyze(&b).hash);
    }

    #[test]
    fn message_normalisation_groups() {
        let a = analyze(&ev(
            json!({"message":"user 42 failed with id 3f2a9c1e-1111-2222-3333-444455556666 at 0xdeadbeef"}),
        ));
        let b = analyze(&ev(
            json!({"message":"user 7 failed with id 00000000-1111-2222-3333-444455556666 at 0x1"}),
        ));
        let c = analyze(&ev(json!({"message":"user 7 crashed"})));
        assert_eq!(a.hash, b.hash);
        assert_ne!(a.hash, c.hash);
        assert_eq!(
            a.title,
            "user 42 failed with id 3f2a9c1e-1111-2222-3333-444455556666 at 0xdeadbeef"
        );
        assert_eq!(
            normalize_message("req a1b2c3d4e5 took 12.5ms, cafe ok"),
            "req <hex> took <int>ms, cafe ok"
        );
    }

    #[test]
    fn fingerprint_overrides_and_default_splices() {
        let base = json!({"message":"boom 1"});
        let mut x = base.clone();
        x["fingerprint"] = json!(["custom"]);
        let mut y = json!({"message":"other 2"});
        y["fingerprint"] = json!(["custom"]);
        assert_eq!(analyze(&ev(x)).hash, analyze(&ev(y)).hash);
        let mut d1 = json!({"message":"boom 1"});
        d1["fingerprint"] = json!(["{{ default }}", "tenant-a"]);
        let mut d2 = json!({"message":"boom 2"});
        d2["fingerprint"] = json!(["{{default}}", "tenant-a"]);
        let mut d3 = json!({"message":"boom 2"});
        d3["fingerprint"] = json!(["{{default}}", "tenant-b"]);
        assert_eq!(analyze(&ev(d1.clone())).hash, analyze(&ev(d2)).hash);
        assert_ne!(analyze(&ev(d1)).hash, analyze(&ev(d3)).hash);
        assert_ne!(
            analyze(&ev(base)).hash,
            analyze(&ev(json!({"message":"boom 1","fingerprint":["custom"]}))).hash
        );
    }

    #[test]
    fn logentry_params_and_users() {
        let e = ev(
            json!({"logentry":{"message":"hello %s","params":["world"]},"user":{"email":"a@b.c"}}),
        );
        let g = analyze(&e);
        assert_eq!(g.title, "hello world");
        assert_eq!(g.event_type, "default");
        assert_eq!(user_key(&e).as_deref(), Some("email:a@b.c"));
        assert_eq!(
            user_key(&ev(json!({"user":{"id":5}}))).as_deref(),
            Some("id:5")
        );
        assert_eq!(user_key(&ev(json!({}))), None);
    }
}
