//! A server-sent-events parser (the WHATWG `text/event-stream` format), fed the body's chunks as
//! they come: lines end in CR LF, LF or CR (a CR LF split across two chunks is one line end),
//! `id:`, `event:`, `data:` (several lines joined with LF) and `retry:` fields, comments and
//! keep-alives (lines starting with `:`), a UTF-8 byte-order mark at the start. A frame is only
//! dispatched at its blank line, so a frame split anywhere (even inside a UTF-8 character) comes
//! out whole. Lines longer than a limit are refused rather than buffered without bound.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `id:` field of this frame, if it had one (the gateway's feed id).
    pub id: Option<String>,
    /// The `event:` field (`message` when the frame named none).
    pub event: String,
    /// The `data:` lines, joined with LF.
    pub data: String,
}

/// A line (or an event's data) over the parser's limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event stream: a line or an event of more than {max} bytes")]
pub struct TooLong {
    /// The limit, bytes.
    pub max: usize,
}

/// The parser's state between chunks.
#[derive(Debug, Clone)]
pub struct SseParser {
    /// Bytes of the line not yet ended.
    line: Vec<u8>,
    /// The last byte fed was a CR: an LF right after it ends nothing more.
    after_cr: bool,
    /// The first line has been seen (a byte-order mark is stripped from it only).
    started: bool,
    data: String,
    has_data: bool,
    event: String,
    id: Option<String>,
    last_event_id: String,
    retry_ms: Option<u64>,
    max: usize,
}

impl Default for SseParser {
    fn default() -> Self {
        SseParser::new(SseParser::DEFAULT_MAX)
    }
}

impl SseParser {
    /// The default limit on a line and on an event's data: 16 MiB.
    pub const DEFAULT_MAX: usize = 16 << 20;

    /// A parser that refuses lines and events longer than `max` bytes.
    pub fn new(max: usize) -> SseParser {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            started: false,
            data: String::new(),
            has_data: false,
            event: String::new(),
            id: None,
            last_event_id: String::new(),
            retry_ms: None,
            max,
        }
    }

    /// The last `id:` seen (the stream's "last event ID"), empty before any.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The last valid `retry:` field, milliseconds.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// Feeds a chunk; returns the events it completed, in order. After an error the stream
    /// should be dropped.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<Vec<SseEvent>, TooLong> {
        let mut out = Vec::new();
        while !chunk.is_empty() {
            if self.after_cr {
                self.after_cr = false;
                if chunk[0] == b'\n' {
                    chunk = &chunk[1..];
                    continue;
                }
            }
            match chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(end) => {
                    self.push(&chunk[..end])?;
                    self.after_cr = chunk[end] == b'\r';
                    chunk = &chunk[end + 1..];
                    self.end_line(&mut out)?;
                }
                None => {
                    self.push(chunk)?;
                    chunk = &[];
                }
            }
        }
        Ok(out)
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), TooLong> {
        if self.line.len() + bytes.len() > self.max {
            return Err(TooLong { max: self.max });
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) -> Result<(), TooLong> {
        let bytes = std::mem::take(&mut self.line);
        let mut line: &[u8] = &bytes;
        if !self.started {
            self.started = true;
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line[0] == b':' {
            // A comment: the gateway's keep-alive.
            return Ok(());
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (&*text, ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if self.data.len() + value.len() + 1 > self.max {
                    return Err(TooLong { max: self.max });
                }
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "id" if !value.contains('\0') => {
                self.id = Some(value.to_string());
                self.last_event_id = value.to_string();
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry_ms = value.parse().ok();
            }
            // Unknown fields are ignored, as the format says.
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let id = self.id.take();
        let event = std::mem::take(&mut self.event);
        if !std::mem::take(&mut self.has_data) {
            // A frame without data is not an event (its id, if any, is still remembered).
            self.data.clear();
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        out.push(SseEvent { id, event: if event.is_empty() { "message".into() } else { event }, data });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: Option<&str>, event: &str, data: &str) -> SseEvent {
        SseEvent { id: id.map(String::from), event: event.into(), data: data.into() }
    }

    fn all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::default();
        chunks.iter().flat_map(|c| p.feed(c).unwrap()).collect()
    }

    #[test]
    fn fields_events_and_multi_line_data() {
        let got = all(&[b"id: 7\nevent: reading\ndata: {\"a\":\ndata: 1}\n\nevent: revoked\ndata: {}\n\n"]);
        assert_eq!(got, vec![ev(Some("7"), "reading", "{\"a\":\n1}"), ev(None, "revoked", "{}")]);
    }

    #[test]
    fn crlf_cr_and_lf_all_end_lines() {
        let want = vec![ev(Some("1"), "a", "x\ny"), ev(Some("2"), "b", "z")];
        assert_eq!(all(&[b"id: 1\r\nevent: a\r\ndata: x\r\ndata: y\r\n\r\nid: 2\revent: b\rdata: z\r\r"]), want);
        assert_eq!(all(&[b"id: 1\nevent: a\r\ndata: x\rdata: y\n\r\nid: 2\r\nevent: b\ndata: z\n\n"]), want);
    }

    #[test]
    fn a_crlf_split_between_chunks_is_one_line_end() {
        // Were the LF after a chunk-final CR taken as a second line end, the blank line would
        // dispatch `a` alone, and `b` would be lost (a frame without an event line... or worse).
        let got = all(&[b"event: e\ndata: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(got, vec![ev(None, "e", "a\nb")]);
    }

    #[test]
    fn comments_and_keep_alives_are_not_events() {
        assert!(all(&[b":\n\n", b": keep-alive\n\n", b":\r\n\r\n"]).is_empty());
        let got = all(&[b": hello\ndata: x\n: between\n\n"]);
        assert_eq!(got, vec![ev(None, "message", "x")]);
    }

    #[test]
    fn a_frame_split_at_every_byte_comes_out_whole() {
        let text = "id: 42\nevent: alarm\ndata: {\"who\": \"王工\", \"note\": \"卸载，限位器已检\"}\ndata: 二\n\n\
                    : keep-alive\n\nid: 43\r\nevent: reading\r\ndata: {}\r\n\r\n";
        let want = vec![
            ev(Some("42"), "alarm", "{\"who\": \"王工\", \"note\": \"卸载，限位器已检\"}\n二"),
            ev(Some("43"), "reading", "{}"),
        ];
        let bytes = text.as_bytes();
        let mut p = SseParser::default();
        let got: Vec<_> = bytes.iter().flat_map(|b| p.feed(std::slice::from_ref(b)).unwrap()).collect();
        assert_eq!(got, want);
        // And at every pair of split points.
        for i in 0..bytes.len() {
            for j in i..bytes.len() {
                assert_eq!(all(&[&bytes[..i], &bytes[i..j], &bytes[j..]]), want, "split at {i}, {j}");
            }
        }
    }

    #[test]
    fn field_forms_of_the_format() {
        // No space after the colon; one space stripped, not two; a field name alone; an empty
        // data line; unknown fields ignored.
        let got = all(&[b"data:x\n\ndata:  y\n\ndata\n\ndata:\nfoo: bar\n\n"]);
        assert_eq!(
            got,
            vec![ev(None, "message", "x"), ev(None, "message", " y"), ev(None, "message", ""), ev(None, "message", "")]
        );
    }

    #[test]
    fn ids_retry_and_frames_without_data() {
        let mut p = SseParser::default();
        // An id alone is remembered but dispatches nothing; an id with NUL is ignored.
        assert!(p.feed(b"id: 5\n\n").unwrap().is_empty());
        assert_eq!(p.last_event_id(), "5");
        let got = p.feed(b"id: 6\0\ndata: a\nretry: 2500\n\nretry: soon\nevent: x\n\n").unwrap();
        assert_eq!(got, vec![ev(None, "message", "a")]);
        assert_eq!(p.last_event_id(), "5");
        assert_eq!(p.retry_ms(), Some(2500));
        // The event type of a frame without data does not leak into the next frame.
        assert_eq!(p.feed(b"data: b\n\n").unwrap(), vec![ev(None, "message", "b")]);
        // An unfinished frame is not dispatched.
        assert!(p.feed(b"id: 9\ndata: half").unwrap().is_empty());
    }

    #[test]
    fn a_byte_order_mark_is_stripped_at_the_start_only() {
        assert_eq!(all(&[b"\xEF\xBB", b"\xBFdata: a\n\n"]), vec![ev(None, "message", "a")]);
        // Later, it is part of the field name (an unknown field).
        assert!(all(&[b"data: a\n\n\xEF\xBB\xBFdata: b\n\n"]).len() == 1);
    }

    #[test]
    fn long_lines_and_events_are_refused() {
        let mut p = SseParser::new(16);
        assert!(p.feed(b"data: 0123456789").is_ok());
        assert_eq!(p.feed(b"abcdef"), Err(TooLong { max: 16 }));
        let mut p = SseParser::new(16);
        assert!(p.feed(b"data: 01234567\ndata: 01234567\n").is_err());
    }

    /// What axum itself writes (the gateway's stream), cut into pieces of every size.
    #[tokio::test]
    async fn reads_what_axum_writes() {
        use axum::response::IntoResponse;
        use axum::response::sse::{Event, KeepAlive, Sse};
        let events = vec![
            Event::default().id("1").event("reading").data("{\"sensor\":\"TC1-LOAD\"}"),
            Event::default().comment("keep-alive"),
            Event::default().id("2").event("alarm").data("line one\nline two\rline three"),
            Event::default().event("reset").data("{\"resume_after\":9,\"last_id\":2}"),
        ];
        let stream = futures_util::stream::iter(events.into_iter().map(Ok::<_, std::convert::Infallible>));
        let response = Sse::new(stream).keep_alive(KeepAlive::default()).into_response();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let want = vec![
            ev(Some("1"), "reading", "{\"sensor\":\"TC1-LOAD\"}"),
            ev(Some("2"), "alarm", "line one\nline two\nline three"),
            ev(None, "reset", "{\"resume_after\":9,\"last_id\":2}"),
        ];
        for size in 1..body.len() {
            let got: Vec<_> = {
                let mut p = SseParser::default();
                body.chunks(size).flat_map(|c| p.feed(c).unwrap()).collect()
            };
            assert_eq!(got, want, "chunks of {size} bytes of {:?}", String::from_utf8_lossy(&body));
        }
    }
}
