//! The Sentry envelope wire format, parsed by hand so that malformed input becomes a precise
//! 400 reason instead of a generic failure.
//!
//! An envelope is a JSON header line followed by items. Each item is a JSON header line and a
//! payload: with a `length` the payload is exactly that many bytes (and may contain newlines),
//! without one it runs to the next newline or the end of the body.

use serde_json::{Map, Value};

/// One parsed envelope. Headers stay as JSON objects because SDKs add fields freely.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub header: Map<String, Value>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub header: Map<String, Value>,
    pub payload: Vec<u8>,
}

impl Item {
    /// The `type` header; parsing guarantees it is present.
    pub fn item_type(&self) -> &str {
        self.header
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The payload as JSON, when it is a JSON object (events, transactions, logs, check-ins).
    pub fn json(&self) -> Option<Map<String, Value>> {
        match serde_json::from_slice::<Value>(&self.payload) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        }
    }
}

impl Envelope {
    /// The envelope's event id, normalised to 32 lower-case hex digits.
    pub fn event_id(&self) -> Option<String> {
        self.header
            .get("event_id")
            .and_then(Value::as_str)
            .and_then(normalize_event_id)
    }

    /// Serialises back to the wire format, always writing `length` so payloads may hold newlines.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec(&self.header).unwrap_or_else(|_| b"{}".to_vec());
        for item in &self.items {
            out.push(b'\n');
            let mut header = item.header.clone();
            header.insert("length".into(), Value::from(item.payload.len()));
            out.extend(serde_json::to_vec(&header).unwrap_or_else(|_| b"{}".to_vec()));
            out.push(b'\n');
            out.extend(&item.payload);
        }
        out
    }
}

/// Accepts 32 hex digits or a dashed UUID (any case) and returns 32 lower-case hex digits.
pub fn normalize_event_id(raw: &str) -> Option<String> {
    let hex: String = raw.chars().filter(|c| *c != '-').collect();
    (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// Splits off one line (without its `\n` and a trailing `\r`), returning it and the rest.
fn take_line(input: &[u8]) -> (&[u8], &[u8]) {
    match memchr_newline(input) {
        Some(i) => (strip_cr(&input[..i]), &input[i + 1..]),
        None => (strip_cr(input), &[]),
    }
}

fn memchr_newline(input: &[u8]) -> Option<usize> {
    input.iter().position(|b| *b == b'\n')
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

fn parse_header(line: &[u8], what: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!("invalid {what}: not a JSON object")),
        Err(e) => Err(format!("invalid {what}: {e}")),
    }
}

/// Parses an envelope body. The error string is the `detail` of the 400 answer.
pub fn parse(body: &[u8]) -> Result<Envelope, String> {
    if is_blank(body) {
        return Err("empty envelope".into());
    }
    let (first, mut rest) = take_line(body);
    let header = parse_header(first, "envelope header")?;
    let mut items = Vec::new();
    loop {
        // Blank lines between items (and a trailing newline) carry no item.
        while !rest.is_empty() {
            let (line, after) = take_line(rest);
            if is_blank(line) {
                rest = after;
            } else {
                break;
            }
        }
        if rest.is_empty() {
            break;
        }
        let (line, after) = take_line(rest);
        let index = items.len();
        let item_header = parse_header(line, &format!("item header #{index}"))?;
        match item_header.get("type") {
            Some(Value::String(t)) if !t.is_empty() => {}
            Some(_) => {
                return Err(format!(
                    "invalid item header #{index}: `type` must be a non-empty string"
                ))
            }
            None => return Err(format!("invalid item header #{index}: missing `type`")),
        }
        let payload;
        match item_header.get("length") {
            None | Some(Value::Null) => {
                let (p, r) = match memchr_newline(after) {
                    Some(i) => (&after[..i], &after[i + 1..]),
                    None => (after, &[][..]),
                };
                payload = strip_cr(p).to_vec();
                rest = r;
            }
            Some(len) => {
                let len = len
                    .as_u64()
                    .and_then(|l| usize::try_from(l).ok())
                    .ok_or_else(|| {
                        format!(
                            "invalid item header #{index}: `length` must be a non-negative integer"
                        )
                    })?;
                if len > after.len() {
                    return Err(format!(
                        "item #{index} payload is truncated: header says {len} bytes, {} remain",
                        after.len()
                    ));
                }
                payload = after[..len].to_vec();
                let r = &after[len..];
                rest = if let Some(r2) = r.strip_prefix(b"\r\n") {
                    r2
                } else if let Some(r2) = r.strip_prefix(b"\n") {
                    r2
                } else if r.is_empty() {
                    r
                } else {
                    return Err(format!(
                        "item #{index} payload is not followed by a newline"
                    ));
                };
            }
        }
        items.push(Item {
            header: item_header,
            payload,
        });
    }
    Ok(Envelope { header, items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_items_with_and_without_length() {
        let body = b"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"attachment\",\"length\":7}\nab\ncd\ne\n{\"type\":\"event\"}\n{\"message\":\"hi\"}\n";
        let env = parse(body).unwrap();
        assert_eq!(
            env.event_id().as_deref(),
            Some("9ec79c33ec9942ab8353589fcb2e04dc")
        );
        assert_eq!(env.items.len(), 2);
        assert_eq!(env.items[0].item_type(), "attachment");
        assert_eq!(env.items[0].payload, b"ab\ncd\ne");
        assert_eq!(env.items[1].item_type(), "event");
        assert_eq!(env.items[1].payload, b"{\"message\":\"hi\"}");
    }

    #[test]
    fn last_item_without_newline_and_crlf() {
        let env = parse(b"{}\r\n{\"type\":\"event\"}\r\n{\"a\":1}").unwrap();
        assert_eq!(env.items[0].payload, b"{\"a\":1}");
        let env = parse(b"{}\n{\"type\":\"event\",\"length\":0}\n").unwrap();
        assert_eq!(env.items[0].payload, b"");
        let env = parse(b"{}").unwrap();
        assert!(env.items.is_empty());
    }

    #[test]
    fn reports_reasons() {
        assert_eq!(parse(b"").unwrap_err(), "empty envelope");
        assert!(parse(b"nope\n")
            .unwrap_err()
            .starts_with("invalid envelope header"));
        assert!(parse(b"[]\n").unwrap_err().contains("not a JSON object"));
        assert_eq!(
            parse(b"{}\n{\"length\":1}\nx").unwrap_err(),
            "invalid item header #0: missing `type`"
        );
        assert!(parse(b"{}\n{\"type\":\"event\",\"length\":10}\nabc")
            .unwrap_err()
            .contains("truncated"));
        assert!(parse(b"{}\n{\"type\":\"event\",\"length\":-1}\nabc")
            .unwrap_err()
            .contains("non-negative"));
        assert!(parse(b"{}\n{\"type\":\"event\",\"length\":1}\nabc")
            .unwrap_err()
            .contains("not followed by a newline"));
    }

    #[test]
    fn round_trips() {
        let env = parse(b"{\"event_id\":\"9ec79c33-ec99-42ab-8353-589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"x\":\"a\\nb\"}").unwrap();
        assert_eq!(
            env.event_id().as_deref(),
            Some("9ec79c33ec9942ab8353589fcb2e04dc")
        );
        let again = parse(&env.to_bytes()).unwrap();
        assert_eq!(again.items[0].payload, env.items[0].payload);
        assert_eq!(again.header, env.header);
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..512)) {
                let _ = parse(&body);
            }

            #[test]
            fn never_panics_on_near_valid(lines in proptest::collection::vec(
                prop_oneof![
                    Just("{}".to_string()),
                    Just("{\"type\":\"event\"}".to_string()),
                    Just("{\"type\":\"event\",\"length\":3}".to_string()),
                    Just("{\"type\":\"attachment\",\"length\":100}".to_string()),
                    "[a-z{}\":0-9 ]{0,12}",
                ], 0..8)) {
                let body = lines.join("\n");
                let _ = parse(body.as_bytes());
            }

            #[test]
            fn payloads_round_trip(payloads in proptest::collection::vec(
                proptest::collection::vec(any::<u8>(), 0..64), 0..5)) {
                let env = Envelope {
                    header: Map::new(),
                    items: payloads.iter().map(|p| Item {
                        header: [("type".to_string(), Value::from("attachment"))].into_iter().collect(),
                        payload: p.clone(),
                    }).collect(),
                };
                let back = parse(&env.to_bytes()).unwrap();
                prop_assert_eq!(back.items.len(), payloads.len());
                for (item, p) in back.items.iter().zip(&payloads) {
                    prop_assert_eq!(&item.payload, p);
                }
            }
        }
    }
}
