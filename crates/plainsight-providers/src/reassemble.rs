//! A provider's answer as one text, from the bytes it sent: SSE streams of
//! the three families and their non-streaming JSON bodies, fed chunk by
//! chunk as they pass (guard copies each chunk it forwards; nothing is held
//! back from the client). Memory is bounded: SSE is decoded as it arrives,
//! JSON bodies are buffered up to a limit and otherwise reported as cut.

use serde_json::Value;

use crate::error::error_message;
use crate::route::{Api, Family};
use crate::sse::{SseDecoder, SseEvent};

/// What a response said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reassembled {
    /// The assistant's text, deltas concatenated in order.
    pub text: String,
    /// The stream reached its terminal event (or the JSON body parsed).
    pub complete: bool,
    /// A provider error carried in the body or as an error event.
    pub error: Option<String>,
    pub model: Option<String>,
    pub stop_reason: Option<String>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// Tool calls the answer asked for, by tool name.
    pub tool_calls: Vec<String>,
    /// SSE events seen (0 for a JSON body).
    pub events: usize,
    /// Bytes were dropped: an event or body over the limit, or a stream cut
    /// inside an event.
    pub truncated: bool,
}

/// Incremental reassembly of one response.
#[derive(Debug)]
pub struct Reassembler {
    family: Family,
    sse: Option<SseDecoder>,
    json: Vec<u8>,
    limit: usize,
    out: Reassembled,
    pending: Vec<SseEvent>,
}

impl Reassembler {
    /// Default limit on a buffered JSON body or one SSE event: 64 MiB.
    pub const DEFAULT_LIMIT: usize = 64 << 20;

    /// A reassembler for a response of `api` with this `Content-Type`.
    pub fn new(api: Api, content_type: &str, limit: usize) -> Reassembler {
        let is_sse = content_type
            .split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/event-stream"));
        Reassembler {
            family: api.family(),
            sse: is_sse.then(|| SseDecoder::with_limit(limit)),
            json: Vec::new(),
            limit,
            out: Reassembled::default(),
            pending: Vec::new(),
        }
    }

    /// One chunk of the body, as it was forwarded.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.out.truncated {
            return;
        }
        match &mut self.sse {
            Some(d) => {
                if d.push(chunk, &mut self.pending).is_err() {
                    self.out.truncated = true;
                }
                for ev in std::mem::take(&mut self.pending) {
                    self.out.events += 1;
                    self.event(&ev);
                }
            }
            None => {
                if self.json.len() + chunk.len() > self.limit {
                    self.out.truncated = true;
                    self.json = Vec::new();
                } else {
                    self.json.extend_from_slice(chunk);
                }
            }
        }
    }

    /// The body ended.
    pub fn finish(mut self) -> Reassembled {
        match self.sse.take() {
            Some(d) => self.out.truncated |= d.finish(),
            None if !self.out.truncated => {
                let json = std::mem::take(&mut self.json);
                match serde_json::from_slice::<Value>(&json) {
                    Ok(Value::Array(items)) => {
                        // Gemini's streamed JSON array: one chunk per element.
                        for v in &items {
                            self.chunk_value(v);
                        }
                        self.out.complete = self.out.complete || !items.is_empty();
                    }
                    Ok(v) => {
                        self.whole_value(&v);
                    }
                    Err(_) => {
                        self.out.error = error_message(&json);
                    }
                }
            }
            None => {}
        }
        self.out
    }

    fn event(&mut self, ev: &SseEvent) {
        if ev.data == "[DONE]" {
            self.out.complete = true;
            return;
        }
        let Ok(v) = serde_json::from_str::<Value>(&ev.data) else {
            return;
        };
        match self.family {
            Family::Anthropic => self.anthropic_event(&v),
            Family::OpenAi => {
                if v.get("type").is_some_and(Value::is_string) {
                    self.responses_event(&v);
                } else {
                    self.chunk_value(&v);
                }
            }
            Family::Gemini => self.chunk_value(&v),
        }
    }

    fn anthropic_event(&mut self, v: &Value) {
        let o = &mut self.out;
        match v["type"].as_str().unwrap_or("") {
            "message_start" => {
                let m = &v["message"];
                o.model = m["model"].as_str().map(str::to_owned);
                o.input_tokens = m["usage"]["input_tokens"].as_u64();
                o.output_tokens = m["usage"]["output_tokens"].as_u64();
            }
            "content_block_start" => {
                let b = &v["content_block"];
                match b["type"].as_str() {
                    Some("text") => push_str(&mut o.text, &b["text"]),
                    Some("tool_use" | "server_tool_use") => {
                        if let Some(n) = b["name"].as_str() {
                            o.tool_calls.push(n.to_owned());
                        }
                    }
                    _ => {}
                }
            }
            "content_block_delta" if v["delta"]["type"] == "text_delta" => {
                push_str(&mut o.text, &v["delta"]["text"]);
            }
            "message_delta" => {
                if let Some(s) = v["delta"]["stop_reason"].as_str() {
                    o.stop_reason = Some(s.to_owned());
                }
                if let Some(n) = v["usage"]["output_tokens"].as_u64() {
                    o.output_tokens = Some(n);
                }
            }
            "message_stop" => o.complete = true,
            "error" => o.error = v["error"]["message"].as_str().map(str::to_owned),
            _ => {}
        }
    }

    fn responses_event(&mut self, v: &Value) {
        let o = &mut self.out;
        match v["type"].as_str().unwrap_or("") {
            "response.created" => {
                o.model = v["response"]["model"].as_str().map(str::to_owned);
            }
            "response.output_text.delta" => push_str(&mut o.text, &v["delta"]),
            "response.output_item.added" if v["item"]["type"] == "function_call" => {
                if let Some(n) = v["item"]["name"].as_str() {
                    o.tool_calls.push(n.to_owned());
                }
            }
            "response.completed" | "response.incomplete" => {
                let r = &v["response"];
                o.complete = v["type"] == "response.completed";
                o.stop_reason = r["status"].as_str().map(str::to_owned);
                o.input_tokens = r["usage"]["input_tokens"].as_u64();
                o.output_tokens = r["usage"]["output_tokens"].as_u64();
            }
            "response.failed" => {
                o.error = v["response"]["error"]["message"]
                    .as_str()
                    .map(str::to_owned);
            }
            "error" => o.error = v["message"].as_str().map(str::to_owned),
            _ => {}
        }
    }

    /// One streamed chunk of Chat Completions or Gemini.
    fn chunk_value(&mut self, v: &Value) {
        let o = &mut self.out;
        if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
            o.error = e["message"].as_str().or(e.as_str()).map(str::to_owned);
            return;
        }
        if self.family == Family::Gemini {
            let c = &v["candidates"][0];
            if let Some(parts) = c["content"]["parts"].as_array() {
                for p in parts {
                    push_str(&mut o.text, &p["text"]);
                    if let Some(n) = p["functionCall"]["name"].as_str() {
                        o.tool_calls.push(n.to_owned());
                    }
                }
            }
            if let Some(r) = c["finishReason"].as_str() {
                o.stop_reason = Some(r.to_owned());
                o.complete = true;
            }
            if let Some(m) = v["modelVersion"].as_str() {
                o.model = Some(m.to_owned());
            }
            let u = &v["usageMetadata"];
            if let Some(n) = u["promptTokenCount"].as_u64() {
                o.input_tokens = Some(n);
            }
            if let Some(n) = u["candidatesTokenCount"].as_u64() {
                o.output_tokens = Some(n);
            }
        } else {
            if let Some(m) = v["model"].as_str() {
                o.model = Some(m.to_owned());
            }
            let c = &v["choices"][0];
            push_str(&mut o.text, &c["delta"]["content"]);
            if let Some(calls) = c["delta"]["tool_calls"].as_array() {
                for t in calls {
                    if let Some(n) = t["function"]["name"].as_str() {
                        o.tool_calls.push(n.to_owned());
                    }
                }
            }
            if let Some(r) = c["finish_reason"].as_str() {
                o.stop_reason = Some(r.to_owned());
            }
            if let Some(n) = v["usage"]["prompt_tokens"].as_u64() {
                o.input_tokens = Some(n);
            }
            if let Some(n) = v["usage"]["completion_tokens"].as_u64() {
                o.output_tokens = Some(n);
            }
        }
    }

    /// A complete, non-streaming JSON body.
    fn whole_value(&mut self, v: &Value) {
        if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
            self.out.error = e["message"].as_str().or(e.as_str()).map(str::to_owned);
            return;
        }
        let o = &mut self.out;
        match self.family {
            Family::Anthropic => {
                if let Some(blocks) = v["content"].as_array() {
                    for b in blocks {
                        match b["type"].as_str() {
                            Some("text") => push_str(&mut o.text, &b["text"]),
                            Some("tool_use") => {
                                if let Some(n) = b["name"].as_str() {
                                    o.tool_calls.push(n.to_owned());
                                }
                            }
                            _ => {}
                        }
                    }
                }
                o.model = v["model"].as_str().map(str::to_owned);
                o.stop_reason = v["stop_reason"].as_str().map(str::to_owned);
                o.input_tokens = v["usage"]["input_tokens"].as_u64();
                o.output_tokens = v["usage"]["output_tokens"].as_u64();
            }
            Family::OpenAi if v["object"] == "response" => {
                if let Some(items) = v["output"].as_array() {
                    for item in items {
                        if item["type"] == "function_call"
                            && let Some(n) = item["name"].as_str()
                        {
                            o.tool_calls.push(n.to_owned());
                        }
                        for part in item["content"].as_array().into_iter().flatten() {
                            if part["type"] == "output_text" {
                                push_str(&mut o.text, &part["text"]);
                            }
                        }
                    }
                }
                o.model = v["model"].as_str().map(str::to_owned);
                o.stop_reason = v["status"].as_str().map(str::to_owned);
                o.input_tokens = v["usage"]["input_tokens"].as_u64();
                o.output_tokens = v["usage"]["output_tokens"].as_u64();
            }
            Family::OpenAi => {
                let c = &v["choices"][0];
                push_str(&mut o.text, &c["message"]["content"]);
                if let Some(calls) = c["message"]["tool_calls"].as_array() {
                    for t in calls {
                        if let Some(n) = t["function"]["name"].as_str() {
                            o.tool_calls.push(n.to_owned());
                        }
                    }
                }
                o.model = v["model"].as_str().map(str::to_owned);
                o.stop_reason = c["finish_reason"].as_str().map(str::to_owned);
                o.input_tokens = v["usage"]["prompt_tokens"].as_u64();
                o.output_tokens = v["usage"]["completion_tokens"].as_u64();
            }
            Family::Gemini => {
                self.chunk_value(v);
                return;
            }
        }
        self.out.complete = true;
    }
}

fn push_str(out: &mut String, v: &Value) {
    if let Some(s) = v.as_str() {
        out.push_str(s);
    }
}

/// Reassembles a whole response at once (see [`Reassembler`]).
pub fn reassemble(api: Api, content_type: &str, body: &[u8]) -> Reassembled {
    let mut r = Reassembler::new(api, content_type, Reassembler::DEFAULT_LIMIT);
    r.push(body);
    r.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anthropic_error_event_and_truncation() {
        let body = b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":3}}}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        let r = reassemble(
            Api::AnthropicMessages,
            "text/event-stream; charset=utf-8",
            body,
        );
        assert_eq!(r.error.as_deref(), Some("Overloaded"));
        assert_eq!(r.model.as_deref(), Some("m"));
        assert_eq!(r.input_tokens, Some(3));
        assert!(!r.complete);
        let cut = reassemble(
            Api::AnthropicMessages,
            "text/event-stream",
            b"data: {\"type\":\"ping\"}",
        );
        assert!(cut.truncated);
    }

    #[test]
    fn provider_json_errors() {
        let r = reassemble(
            Api::OpenAiChat,
            "application/json",
            br#"{"error":{"message":"bad key","type":"invalid_request_error"}}"#,
        );
        assert_eq!(r.error.as_deref(), Some("bad key"));
        assert!(!r.complete);
        let r = reassemble(Api::GeminiGenerate, "application/json", b"<html>oops");
        assert_eq!(r.error, None);
        assert!(!r.complete);
    }

    #[test]
    fn chunked_delivery_matches_whole() {
        let body = crate::mock::mock_reply(
            &crate::route::recognise("POST", "/v1/messages", None).unwrap(),
            br#"{"stream":true}"#,
            &crate::mock::MockParams {
                text: "chunk me into bits, please",
                ..Default::default()
            },
        )
        .body
        .concat();
        let whole = reassemble(Api::AnthropicMessages, "text/event-stream", &body);
        for step in [1, 2, 7, 64] {
            let mut r = Reassembler::new(Api::AnthropicMessages, "text/event-stream", 1 << 20);
            for c in body.chunks(step) {
                r.push(c);
            }
            assert_eq!(r.finish(), whole, "step {step}");
        }
    }

    #[test]
    fn json_limit() {
        let mut r = Reassembler::new(Api::OpenAiChat, "application/json", 8);
        r.push(b"{\"choices\":[]}");
        let out = r.finish();
        assert!(out.truncated && !out.complete);
    }

    #[test]
    fn tool_calls_are_named() {
        let body = br#"{"model":"m","content":[{"type":"text","text":"a"},{"type":"tool_use","id":"t","name":"Bash","input":{}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}}"#;
        let r = reassemble(Api::AnthropicMessages, "application/json", body);
        assert_eq!(r.tool_calls, vec!["Bash".to_owned()]);
        assert_eq!(r.stop_reason.as_deref(), Some("tool_use"));
    }

    /// The fuzz target's invariant on stable: mutated real streams, split
    /// anywhere, reassemble as when whole, and nothing panics.
    #[test]
    fn mutated_streams_split_anywhere() {
        let route = crate::route::recognise("POST", "/v1/responses", None).unwrap();
        let seed = crate::mock::mock_reply(
            &route,
            br#"{"stream":true}"#,
            &crate::mock::MockParams::default(),
        )
        .body
        .concat();
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..150 {
            let mut body = seed.clone();
            for _ in 0..(next() % 8) {
                let i = (next() as usize) % body.len();
                body[i] = next() as u8;
            }
            let cut = (next() as usize) % (body.len() + 1);
            for api in [
                Api::OpenAiResponses,
                Api::AnthropicMessages,
                Api::GeminiGenerate,
            ] {
                for ct in ["text/event-stream", "application/json"] {
                    let mut whole = Reassembler::new(api, ct, 512);
                    whole.push(&body);
                    let mut parts = Reassembler::new(api, ct, 512);
                    parts.push(&body[..cut]);
                    parts.push(&body[cut..]);
                    assert_eq!(whole.finish(), parts.finish());
                }
            }
        }
    }
}
