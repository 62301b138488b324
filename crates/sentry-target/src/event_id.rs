//! The `<event-id>` argument of `event view`: a full 32-hex ID, or something a person pasted
//! that still identifies one: a UUID with dashes, a URL fragment (`event-<id>`), an ID with
//! junk stuck to its end, or a prefix as other tools shorten IDs (`a1b2c3d4`, `a1b2…8f90`).
//!
//! Classification only, no lookups: a [`Partial`] tells the binary which IDs to look for among
//! the project's recent events; everything refused here never reaches the network. The rules
//! and messages follow upstream 0.49 so scripts see the same outcome:
//!
//! 1. trimmed and lower-cased; a valid ID (UUID dashes allowed) is used as is;
//! 2. leading `event-`, `txn-`, `span-`, `trace-` are peeled (repeatedly), then shell leftovers
//!    like `null` or `undefined` are refused; other dashes are dropped when what remains
//!    starts with a hex digit;
//! 3. a full ID reached that way, or a 32-hex run followed by non-hex junk, is used with a
//!    warning naming what was removed;
//! 4. something shaped like a slug (`my-project`) is refused with a pointer to `issue list`;
//! 5. otherwise at least [`MIN_PREFIX`] hex digits before (or after) an ellipsis are needed.

/// Fewest hex digits a shortened ID must keep to be looked up.
pub const MIN_PREFIX: usize = 8;

/// Values that reach a command when a shell variable or a pipeline came out empty.
const LEFTOVERS: &[&str] = &[
    "null",
    "undefined",
    "nan",
    "none",
    "nil",
    "latest",
    "@latest",
    "get",
    "false",
    "true",
    "n/a",
];

/// Prefixes of IDs copied out of Sentry URLs (`#event-<id>`).
const FRAGMENT_PREFIXES: &[&str] = &["span-", "txn-", "event-", "trace-"];

/// A shortened ID: the wanted event's ID starts with `prefix` and ends with `suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    pub prefix: String,
    pub suffix: Option<String>,
}

impl Partial {
    /// Whether a full event ID fits this shortened one.
    pub fn matches(&self, id: &str) -> bool {
        id.starts_with(&self.prefix) && self.suffix.as_deref().is_none_or(|s| id.ends_with(s))
    }

    /// `a1b2c3d4` or `a1b2c3d4…8f90`, as the "matched prefix …" note shows it.
    pub fn display(&self) -> String {
        match &self.suffix {
            Some(s) => format!("{}…{s}", self.prefix),
            None => self.prefix.clone(),
        }
    }
}

/// What an event-ID argument identifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventIdInput {
    /// A valid ID, normalised (lower-case, no UUID dashes).
    Exact(String),
    /// A valid ID once `removed` was taken off (worth a warning).
    Cleaned { id: String, removed: String },
    /// A shortened ID to look up among recent events.
    Partial(Partial),
}

/// Why an event-ID argument cannot identify an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventIdRefusal {
    /// A shell leftover such as `null` (the value, after normalisation).
    Leftover(String),
    /// More than `<org>/<project>/<id>` worth of path segments.
    OverNested,
    /// Fewer than [`MIN_PREFIX`] usable hex digits.
    TooShort,
    /// Looks like a project slug, not an ID.
    LooksLikeSlug,
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_full_id(s: &str) -> bool {
    s.len() == 32 && is_hex(s)
}

/// `8-4-4-4-12` hex groups.
fn is_dashed_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Trimmed, lower-cased, UUID dashes removed: the form a valid ID is compared in.
pub fn normalize(raw: &str) -> String {
    let s = raw.trim().to_lowercase();
    if is_dashed_uuid(&s) {
        s.replace('-', "")
    } else {
        s
    }
}

fn leading_hex(s: &str) -> &str {
    let end = s
        .bytes()
        .position(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Step 2: peel URL-fragment prefixes and stray dashes; `Err` for a shell leftover.
fn pre_normalize(raw: &str) -> Result<String, String> {
    let mut s = raw.trim().to_lowercase();
    while let Some(rest) = FRAGMENT_PREFIXES
        .iter()
        .find_map(|p| s.strip_prefix(p).map(str::to_string))
    {
        s = rest;
    }
    if LEFTOVERS.contains(&s.as_str()) {
        return Err(s);
    }
    if is_dashed_uuid(&s) {
        return Ok(s.replace('-', ""));
    }
    if s.contains('-') {
        let dashless = s.replace('-', "");
        if dashless
            .bytes()
            .next()
            .is_some_and(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            s = dashless;
        }
    }
    Ok(s)
}

/// What was removed from `lowered` to get the valid ID `cleaned`, for the warning.
fn removed_parts(lowered: &str, cleaned: &str) -> String {
    if let Some(at) = lowered.find(cleaned) {
        return format!("{}{}", &lowered[..at], &lowered[at + cleaned.len()..]);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut rest = lowered;
    while let Some(p) = FRAGMENT_PREFIXES.iter().find(|p| rest.starts_with(**p)) {
        parts.push((*p).to_string());
        rest = &rest[p.len()..];
    }
    if rest.contains('-') {
        parts.push("UUID dashes".to_string());
    }
    if parts.is_empty() {
        "formatting".to_string()
    } else {
        parts.join(" + ")
    }
}

/// A slug pasted where an ID belongs: dashes, a segment with two letters in a row, and not
/// (once the dashes are gone) a long enough hex run.
fn looks_like_slug(raw: &str) -> bool {
    let t = raw.trim();
    if t.contains('/') || t.chars().count() < 3 || !t.contains('-') {
        return false;
    }
    let has_word = t.split('-').any(|seg| {
        seg.as_bytes()
            .windows(2)
            .any(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic())
    });
    if !has_word {
        return false;
    }
    let dashless = t.replace('-', "").to_lowercase();
    !(is_hex(&dashless) && dashless.len() >= MIN_PREFIX)
}

/// `prefix…suffix` / `prefix...suffix`, else the leading hex run.
fn candidate(cleaned: &str) -> Option<Partial> {
    for sep in ["…", "..."] {
        if let Some((pre, suf)) = cleaned.split_once(sep) {
            if is_hex(pre) && is_hex(suf) {
                if pre.is_empty() && suf.is_empty() {
                    return None;
                }
                return Some(Partial {
                    prefix: pre.to_string(),
                    suffix: Some(suf.to_string()).filter(|s| !s.is_empty()),
                });
            }
        }
    }
    let lead = leading_hex(cleaned);
    (!lead.is_empty()).then(|| Partial {
        prefix: lead.to_string(),
        suffix: None,
    })
}

/// Classifies an event-ID argument (the part after any `<org>/<project>/`).
pub fn parse_event_id(raw: &str) -> Result<EventIdInput, EventIdRefusal> {
    let normalized = normalize(raw);
    if is_full_id(&normalized) {
        return Ok(EventIdInput::Exact(normalized));
    }
    let cleaned = pre_normalize(raw).map_err(EventIdRefusal::Leftover)?;
    if cleaned.split('/').filter(|s| !s.is_empty()).count() >= 4 {
        return Err(EventIdRefusal::OverNested);
    }
    let lowered = raw.trim().to_lowercase();
    if is_full_id(&cleaned) && cleaned != lowered {
        return Ok(EventIdInput::Cleaned {
            removed: removed_parts(&lowered, &cleaned),
            id: cleaned,
        });
    }
    // A full ID with junk after it (`<id>ios`); an all-hex tail is a longer ID, not junk.
    if cleaned.len() > 32 && leading_hex(&cleaned).len() >= 32 {
        let tail = &cleaned[32..];
        if !is_hex(tail) {
            return Ok(EventIdInput::Cleaned {
                id: cleaned[..32].to_string(),
                removed: tail.to_string(),
            });
        }
    }
    if looks_like_slug(raw) {
        return Err(EventIdRefusal::LooksLikeSlug);
    }
    match candidate(&cleaned) {
        Some(c)
            if c.prefix.len() >= MIN_PREFIX
                || c.suffix.as_ref().is_some_and(|s| s.len() >= MIN_PREFIX) =>
        {
            Ok(EventIdInput::Partial(c))
        }
        _ => Err(EventIdRefusal::TooShort),
    }
}

/// The validation message for an argument that is not a full event ID: what was given (as
/// normalised, cut at 40 characters), an example, and a guess at what it was instead.
pub fn invalid_message(raw: &str) -> (String, String) {
    let n = normalize(raw);
    let shown = if n.chars().count() > 40 {
        format!("{}...", n.chars().take(37).collect::<String>())
    } else {
        n.clone()
    };
    let headline =
        format!("Invalid event ID \"{shown}\". Expected a 32-character hexadecimal string.");
    let mut more = "Example: abc123def456abc123def456abc123de".to_string();
    if n.starts_with('-') {
        if matches!(n.as_str(), "-h" | "--h" | "-help" | "--help") {
            more.push_str("\n\nThis looks like a help flag. Use --help or -h for help.");
        } else {
            more.push_str(
                "\n\nThis looks like a CLI flag, not a hex ID. Check flag syntax with --help.",
            );
        }
    } else if n.len() == 16 && is_hex(&n) {
        more.push_str(&format!(
            "\n\nThis looks like a span ID (16 characters). If you have the trace ID, try: sentry span view <trace-id> {shown}"
        ));
    } else if !is_hex(&n) {
        more.push_str(
            "\n\nThis doesn't look like a hex ID. If it is a name or slug, pass it as a target: <org>/<project> <event ID>",
        );
    }
    (headline, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

    fn partial(prefix: &str, suffix: Option<&str>) -> EventIdInput {
        EventIdInput::Partial(Partial {
            prefix: prefix.into(),
            suffix: suffix.map(str::to_string),
        })
    }

    #[test]
    fn full_ids_and_uuids_are_exact() {
        assert_eq!(parse_event_id(ID), Ok(EventIdInput::Exact(ID.into())));
        assert_eq!(
            parse_event_id(" A1B2C3D4-E5F6-0718-293A-4B5C6D7E8F90 "),
            Ok(EventIdInput::Exact(ID.into()))
        );
    }

    #[test]
    fn removable_decoration_is_reported() {
        assert_eq!(
            parse_event_id(&format!("{ID}xyz")),
            Ok(EventIdInput::Cleaned {
                id: ID.into(),
                removed: "xyz".into()
            })
        );
        assert_eq!(
            parse_event_id(&format!("event-{ID}")),
            Ok(EventIdInput::Cleaned {
                id: ID.into(),
                removed: "event-".into()
            })
        );
        assert_eq!(
            parse_event_id("a1b2c3d4e5f6-0718293a4b5c6d7e8f90"),
            Ok(EventIdInput::Cleaned {
                id: ID.into(),
                removed: "UUID dashes".into()
            })
        );
        // 40 hex digits: a longer ID, not an ID with junk.
        assert_eq!(
            parse_event_id(&format!("{ID}abcdef12")),
            Ok(partial(&format!("{ID}abcdef12"), None))
        );
    }

    #[test]
    fn prefixes_need_eight_hex_digits() {
        assert_eq!(parse_event_id("a1b2c3d4"), Ok(partial("a1b2c3d4", None)));
        assert_eq!(
            parse_event_id("A1B2-C3D4-E5"),
            Ok(partial("a1b2c3d4e5", None))
        );
        assert_eq!(
            parse_event_id("a1b2c3d4…8f90"),
            Ok(partial("a1b2c3d4", Some("8f90")))
        );
        assert_eq!(
            parse_event_id("a1b2...0718293a4b5c6d7e8f90"),
            Ok(partial("a1b2", Some("0718293a4b5c6d7e8f90")))
        );
        assert_eq!(parse_event_id("a1b2c3d"), Err(EventIdRefusal::TooShort));
        assert_eq!(
            parse_event_id("zzzzzzzzzzzz"),
            Err(EventIdRefusal::TooShort)
        );
        assert_eq!(parse_event_id("-x"), Err(EventIdRefusal::TooShort));
        assert_eq!(parse_event_id(""), Err(EventIdRefusal::TooShort));
        assert_eq!(parse_event_id("…"), Err(EventIdRefusal::TooShort));
    }

    #[test]
    fn leftovers_slugs_and_paths_are_refused() {
        assert_eq!(
            parse_event_id("NULL"),
            Err(EventIdRefusal::Leftover("null".into()))
        );
        assert_eq!(
            parse_event_id("event-undefined"),
            Err(EventIdRefusal::Leftover("undefined".into()))
        );
        assert_eq!(
            parse_event_id("my-project"),
            Err(EventIdRefusal::LooksLikeSlug)
        );
        assert_eq!(
            parse_event_id("cafe-babe-app"),
            Err(EventIdRefusal::LooksLikeSlug)
        );
        // Hex with a stray dash is a prefix, not a slug.
        assert_eq!(parse_event_id("cafe-babe"), Ok(partial("cafebabe", None)));
        assert_eq!(parse_event_id("a/b/c/d"), Err(EventIdRefusal::OverNested));
    }

    #[test]
    fn partial_matching() {
        let p = Partial {
            prefix: "a1b2".into(),
            suffix: Some("8f90".into()),
        };
        assert!(p.matches(ID));
        assert!(!p.matches("a1b2ffffffffffffffffffffffffffff"));
        assert_eq!(p.display(), "a1b2…8f90");
    }

    #[test]
    fn invalid_messages_guess_what_was_meant() {
        assert_eq!(
            invalid_message("650539c"),
            (
                "Invalid event ID \"650539c\". Expected a 32-character hexadecimal string.".into(),
                "Example: abc123def456abc123def456abc123de".into()
            )
        );
        assert!(invalid_message("null")
            .1
            .ends_with("If it is a name or slug, pass it as a target: <org>/<project> <event ID>"));
        assert!(invalid_message("-x")
            .1
            .ends_with("Check flag syntax with --help."));
        assert!(invalid_message("0123456789abcdef")
            .1
            .contains("This looks like a span ID (16 characters)."));
        let long = "x".repeat(50);
        assert!(invalid_message(&long)
            .0
            .contains(&format!("\"{}...\"", "x".repeat(37))));
    }

    proptest::proptest! {
        /// Never panics, and whatever is accepted is usable: a full ID or a long enough part.
        #[test]
        fn any_input_classifies(raw in "\\PC{0,80}") {
            match parse_event_id(&raw) {
                Ok(EventIdInput::Exact(id)) | Ok(EventIdInput::Cleaned { id, .. }) => {
                    proptest::prop_assert!(is_full_id(&id));
                }
                Ok(EventIdInput::Partial(p)) => {
                    proptest::prop_assert!(
                        p.prefix.len() >= MIN_PREFIX
                            || p.suffix.as_ref().is_some_and(|s| s.len() >= MIN_PREFIX)
                    );
                }
                Err(_) => {}
            }
            let _ = invalid_message(&raw);
        }
    }
}
