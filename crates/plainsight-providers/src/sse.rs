//! Server-sent events, as the WHATWG HTML standard defines the
//! `text/event-stream` format: lines end in CRLF, LF or CR (a CR at the end
//! of one chunk may meet its LF in the next); `data:` lines of one event are
//! joined with `\n`; a line starting with `:` is a comment; a leading BOM is
//! dropped; an event is dispatched at a blank line, and only if it has data.
//!
//! The decoder is incremental (chunks arrive as the network delivers them,
//! split anywhere) and bounded: an event larger than its limit is an error
//! rather than unbounded memory, since the bytes come from the network.

use std::fmt;

/// One dispatched event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; `None` means the default type `message`.
    pub event: Option<String>,
    pub data: String,
    pub id: Option<String>,
}

impl SseEvent {
    /// The event type, `message` when none was named.
    pub fn kind(&self) -> &str {
        self.event.as_deref().unwrap_or("message")
    }
}

/// An event grew past the decoder's limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseTooLarge {
    pub limit: usize,
    /// Bytes of the stream consumed when the limit was hit.
    pub at: u64,
}

impl fmt::Display for SseTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "server-sent event larger than {} bytes at stream offset {}",
            self.limit, self.at
        )
    }
}

impl std::error::Error for SseTooLarge {}

/// Incremental `text/event-stream` decoder.
#[derive(Debug)]
pub struct SseDecoder {
    line: Vec<u8>,
    data: String,
    has_data: bool,
    event: Option<String>,
    id: Option<String>,
    last_id: Option<String>,
    /// The previous chunk ended in CR: an LF opening this one ends nothing.
    pending_cr: bool,
    /// Still at the very start (a BOM may follow).
    at_start: bool,
    /// Bytes of the current event so far (line + data), against `limit`.
    event_bytes: usize,
    limit: usize,
    consumed: u64,
    failed: bool,
}

impl Default for SseDecoder {
    fn default() -> Self {
        SseDecoder::new()
    }
}

impl SseDecoder {
    /// Default limit on one event: 16 MiB.
    pub const DEFAULT_LIMIT: usize = 16 << 20;

    pub fn new() -> SseDecoder {
        SseDecoder::with_limit(Self::DEFAULT_LIMIT)
    }

    pub fn with_limit(limit: usize) -> SseDecoder {
        SseDecoder {
            line: Vec::new(),
            data: String::new(),
            has_data: false,
            event: None,
            id: None,
            last_id: None,
            pending_cr: false,
            at_start: true,
            event_bytes: 0,
            limit,
            consumed: 0,
            failed: false,
        }
    }

    /// Feeds one chunk; complete events are appended to `out`. After an
    /// error the decoder refuses further input (the stream is not trusted
    /// to resynchronise).
    pub fn push(&mut self, mut chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseTooLarge> {
        if self.failed {
            return Err(SseTooLarge {
                limit: self.limit,
                at: self.consumed,
            });
        }
        if self.at_start {
            // The BOM may itself be split across chunks: wait for 3 bytes.
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            let have = self.line.len();
            let need = BOM.len() - have;
            let take = need.min(chunk.len());
            if BOM[have..have + take] == chunk[..take] {
                if take < need {
                    self.line.extend_from_slice(&chunk[..take]);
                    self.consumed += take as u64;
                    return Ok(());
                }
                self.line.clear();
                chunk = &chunk[take..];
                self.consumed += take as u64;
            } else if have > 0 {
                // Partial BOM bytes were ordinary data after all.
                self.event_bytes = have;
            }
            self.at_start = false;
        }
        while !chunk.is_empty() {
            if self.pending_cr {
                self.pending_cr = false;
                if chunk[0] == b'\n' {
                    chunk = &chunk[1..];
                    self.consumed += 1;
                    continue;
                }
            }
            let Some(i) = memchr::memchr2(b'\n', b'\r', chunk) else {
                self.grow(chunk.len())?;
                self.line.extend_from_slice(chunk);
                self.consumed += chunk.len() as u64;
                break;
            };
            self.grow(i)?;
            self.line.extend_from_slice(&chunk[..i]);
            self.pending_cr = chunk[i] == b'\r';
            self.consumed += i as u64 + 1;
            chunk = &chunk[i + 1..];
            self.end_line(out);
        }
        Ok(())
    }

    /// The stream ended. Returns `true` when an event was cut off (bytes
    /// after the last blank line), which the standard says to discard.
    pub fn finish(&self) -> bool {
        self.has_data || !self.line.is_empty() || self.event.is_some()
    }

    /// The `id` of the last event seen (the reconnection id).
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    fn grow(&mut self, n: usize) -> Result<(), SseTooLarge> {
        self.event_bytes += n;
        if self.event_bytes > self.limit {
            self.failed = true;
            return Err(SseTooLarge {
                limit: self.limit,
                at: self.consumed,
            });
        }
        Ok(())
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            self.dispatch(out);
        } else if line[0] != b':' {
            let (name, value) = match memchr::memchr(b':', &line) {
                Some(i) => {
                    let v = &line[i + 1..];
                    (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
                }
                None => (&line[..], &b""[..]),
            };
            let value = String::from_utf8_lossy(value);
            match name {
                b"event" => self.event = Some(value.into_owned()),
                b"data" => {
                    self.data.push_str(&value);
                    self.data.push('\n');
                    self.has_data = true;
                }
                b"id" if !value.contains('\0') => self.id = Some(value.into_owned()),
                _ => {} // `retry` and unknown fields change nothing we keep
            }
        }
        self.line = line;
        self.line.clear();
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        if let Some(id) = self.id.take() {
            self.last_id = Some(id);
        }
        self.event_bytes = 0;
        let event = self.event.take();
        if !self.has_data {
            self.data.clear();
            return;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the `\n` after the last data line
        out.push(SseEvent {
            event,
            data,
            id: self.last_id.clone(),
        });
    }
}

/// One event on the wire: `event:` (when named), one `data:` line per line
/// of `data`, and the blank line that dispatches it.
pub fn encode_event(event: Option<&str>, data: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 32);
    if let Some(e) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(e.as_bytes());
        out.push(b'\n');
    }
    for line in data.split('\n') {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line.strip_suffix('\r').unwrap_or(line).as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_split(bytes: &[u8], split: &[usize]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        let mut last = 0;
        for &s in split {
            d.push(&bytes[last..s], &mut out).unwrap();
            last = s;
        }
        d.push(&bytes[last..], &mut out).unwrap();
        out
    }

    const STREAM: &[u8] = b"\xEF\xBB\xBF: comment\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\nevent: ping\rdata: x\r\rdata: line1\ndata:line2\nid: 7\n\ndata\n\nevent: lonely\n\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            SseEvent {
                event: Some("message_start".into()),
                data: "{\"a\":1}".into(),
                id: None,
            },
            SseEvent {
                event: Some("ping".into()),
                data: "x".into(),
                id: None,
            },
            SseEvent {
                event: None,
                data: "line1\nline2".into(),
                id: Some("7".into()),
            },
            SseEvent {
                event: None,
                data: String::new(),
                id: Some("7".into()),
            },
        ]
    }

    #[test]
    fn whole_stream() {
        assert_eq!(decode_split(STREAM, &[]), expected());
    }

    #[test]
    fn every_split_point_and_pair() {
        for i in 0..=STREAM.len() {
            assert_eq!(decode_split(STREAM, &[i]), expected(), "split at {i}");
            for j in i..=STREAM.len() {
                assert_eq!(
                    decode_split(STREAM, &[i, j]),
                    expected(),
                    "split at {i},{j}"
                );
            }
        }
    }

    #[test]
    fn byte_by_byte() {
        let splits: Vec<usize> = (1..STREAM.len()).collect();
        assert_eq!(decode_split(STREAM, &splits), expected());
    }

    #[test]
    fn partial_bom_is_data() {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        d.push(b"\xEF", &mut out).unwrap();
        d.push(b"data: y\n\n", &mut out).unwrap();
        // `\xEF` then `data` is the field name "\u{FFFD}data": unknown, ignored.
        assert!(out.is_empty());
        let mut d = SseDecoder::new();
        d.push(b"\xEF\xBB", &mut out).unwrap();
        d.push(b"\xBFdata: z\n\n", &mut out).unwrap();
        assert_eq!(out[0].data, "z");
    }

    #[test]
    fn limit_is_enforced_and_sticky() {
        let mut d = SseDecoder::with_limit(16);
        let mut out = Vec::new();
        d.push(b"data: 0123456789\n\n", &mut out).unwrap();
        assert_eq!(out.len(), 1);
        let err = d.push(b"data: 0123456789abcdefgh", &mut out).unwrap_err();
        assert_eq!(err.limit, 16);
        assert!(d.push(b"\n\n", &mut out).is_err());
        // many data lines of one event count together
        let mut d = SseDecoder::with_limit(16);
        assert!(
            d.push(
                b"data: 0123\ndata: 4567\ndata: 89ab\ndata: cdef\n",
                &mut out
            )
            .is_err()
        );
    }

    #[test]
    fn truncated_event_is_reported_by_finish() {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        d.push(b"data: a\n\ndata: b\n", &mut out).unwrap();
        assert_eq!(out.len(), 1);
        assert!(d.finish());
        let d = SseDecoder::new();
        assert!(!d.finish());
    }

    #[test]
    fn encode_round_trips() {
        let mut bytes = encode_event(Some("content_block_delta"), "{\"t\":\"a\nb\"}");
        bytes.extend(encode_event(None, "[DONE]"));
        let got = decode_split(&bytes, &[]);
        assert_eq!(got[0].kind(), "content_block_delta");
        assert_eq!(got[0].data, "{\"t\":\"a\nb\"}");
        assert_eq!(got[1].kind(), "message");
        assert_eq!(got[1].data, "[DONE]");
    }
}
