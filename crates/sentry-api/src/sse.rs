//! Server-sent events (`text/event-stream`) read through the pipeline.
//!
//! [`RequestBuilder::event_stream`] sends a `GET` through [`crate::Client`] — the token rule's
//! refusal, host-scoped credentials, custom headers, proxy and TLS settings all apply as to
//! any other request — and returns the events as they arrive, without reading the whole body:
//! an event stream only ends when the server closes it. A non-2xx answer is read (bounded)
//! and returned as the usual [`ApiError::Http`].

use std::io::{self, BufRead, BufReader, Read};

use crate::response::ApiResponse;
use crate::{ApiError, RequestBuilder};

/// Largest error body read from a stream endpoint that refused (a JSON or HTML error page).
const MAX_ERROR_BODY: u64 = 64 * 1024;
/// Longest line accepted in a stream; a longer one is an error rather than unbounded memory.
const MAX_LINE: usize = 64 * 1024 * 1024;

/// A response whose body has not been read.
pub(crate) struct StreamingResponse {
    response: ureq::http::Response<ureq::Body>,
    url: String,
    endpoint: String,
}

impl StreamingResponse {
    pub(crate) fn new(
        response: ureq::http::Response<ureq::Body>,
        url: String,
        endpoint: String,
    ) -> Self {
        StreamingResponse {
            response,
            url,
            endpoint,
        }
    }
}

/// One event of the stream (WHATWG HTML, "server-sent events").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field; empty means the default type (`message`).
    pub event: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The `id:` field of this event, if it had one (what a client resuming after it sends
    /// as `Last-Event-ID`).
    pub id: Option<String>,
}

/// The events of an open stream, in order; ends when the server closes the stream.
pub struct EventStream {
    reader: BufReader<Box<dyn Read + Send>>,
}

impl<'a> RequestBuilder<'a> {
    /// Sends this request as a `GET` for `text/event-stream` and returns its events as they
    /// arrive (see the module docs).
    pub fn event_stream(self) -> Result<EventStream, ApiError> {
        let opened = self
            .header("Accept", "text/event-stream")
            .send_streaming()?;
        let StreamingResponse {
            response,
            url,
            endpoint,
        } = opened;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.into_body();
        if !(200..300).contains(&status) {
            let mut bytes = Vec::new();
            let _ = body
                .into_reader()
                .take(MAX_ERROR_BODY)
                .read_to_end(&mut bytes);
            let refused = ApiResponse {
                status,
                headers,
                body: bytes,
                url,
                endpoint,
            };
            return Err(refused.error_for_status("GET").err().unwrap_or_else(|| {
                ApiError::Config {
                    message: format!("unexpected status {status}"),
                }
            }));
        }
        Ok(EventStream::new(Box::new(body.into_reader())))
    }
}

impl EventStream {
    /// Events read from `reader` (a `text/event-stream` body).
    pub fn new(reader: Box<dyn Read + Send>) -> Self {
        EventStream {
            reader: BufReader::new(reader),
        }
    }

    /// The next line without its terminator (`\n`, `\r\n` or `\r` per the spec, here `\n`
    /// and `\r\n`), `None` at the end of the stream.
    fn line(&mut self) -> io::Result<Option<String>> {
        let mut buf = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        if buf.len() > MAX_LINE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "event stream line too long",
            ));
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }
}

impl Iterator for EventStream {
    type Item = io::Result<SseEvent>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut event = SseEvent::default();
        let mut has_data = false;
        loop {
            let line = match self.line() {
                Ok(Some(l)) => l,
                // The end of the stream drops an event that was not terminated (spec).
                Ok(None) => return None,
                // A connection that ends mid-stream ends the stream.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return None,
                Err(e) => return Some(Err(e)),
            };
            if line.is_empty() {
                if has_data {
                    return Some(Ok(event));
                }
                // A blank line without data dispatches nothing (keep-alives, lone ids).
                event = SseEvent::default();
                continue;
            }
            if line.starts_with(':') {
                continue; // comment (keep-alive)
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line.as_str(), ""),
            };
            match field {
                "event" => event.event = value.to_string(),
                "data" => {
                    if has_data {
                        event.data.push('\n');
                    }
                    event.data.push_str(value);
                    has_data = true;
                }
                "id" if !value.contains('\0') => event.id = Some(value.to_string()),
                _ => {} // `retry` and unknown fields are ignored
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<SseEvent> {
        EventStream::new(Box::new(io::Cursor::new(text.as_bytes().to_vec())))
            .collect::<io::Result<Vec<_>>>()
            .unwrap()
    }

    #[test]
    fn parses_fields_comments_and_multiline_data() {
        let got = events(
            ": keep-alive\n\nevent: application/x-sentry-envelope\nid: 9ec7\ndata: {}\ndata:line2\n\nretry: 10\ndata\r\n\r\nevent: x\ndata: unterminated",
        );
        assert_eq!(
            got,
            vec![
                SseEvent {
                    event: "application/x-sentry-envelope".into(),
                    data: "{}\nline2".into(),
                    id: Some("9ec7".into()),
                },
                SseEvent {
                    event: String::new(),
                    data: String::new(),
                    id: None,
                },
            ]
        );
    }

    #[test]
    fn blank_lines_without_data_dispatch_nothing() {
        assert!(events("event: a\n\n: ping\n\n").is_empty());
    }
}
