//! Replies a mock provider sends, byte for byte in each API's format, so real
//! agents complete a turn against it: the full Anthropic SSE event sequence
//! with usage in `message_start`, OpenAI Chat chunks ending in `[DONE]`,
//! Responses events ending in `response.completed`, Gemini SSE or JSON array
//! streams, and the small endpoints agents call around a turn (token counts,
//! model lists, preflights, event logging).
//!
//! Replies are deterministic given [`MockParams`] (ids derive from
//! `id_seed`, times from `created`), so two identical runs of an agent see
//! identical answers and an A/A comparison of what they send next is clean.

use serde_json::{Value, json};

use crate::route::{Api, Family, Route, request_meta};
use crate::sse::encode_event;

/// How the body of a reply is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MockBody {
    /// One body, `Content-Length` known.
    Full(Vec<u8>),
    /// Pieces written one after another with a flush between (SSE or a
    /// streamed JSON array); chunked transfer.
    Stream(Vec<Vec<u8>>),
}

impl MockBody {
    /// All bytes, concatenated.
    pub fn concat(&self) -> Vec<u8> {
        match self {
            MockBody::Full(b) => b.clone(),
            MockBody::Stream(parts) => parts.concat(),
        }
    }
}

/// A complete reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockReply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: MockBody,
}

/// What the mock says and how it names things.
#[derive(Clone, Debug)]
pub struct MockParams<'a> {
    /// The assistant's answer.
    pub text: &'a str,
    /// Seed of message/response ids.
    pub id_seed: u64,
    /// Unix time stamped into replies that carry one.
    pub created: u64,
    /// Models listed by `GET …/models` (the requested model is always answered).
    pub models: &'a [&'a str],
}

impl Default for MockParams<'_> {
    fn default() -> Self {
        MockParams {
            text: "OK",
            id_seed: 1,
            created: 1_767_225_600, // 2026-01-01T00:00:00Z
            models: &[],
        }
    }
}

/// The reply to a request recognised as `route`, whose body is `body`.
pub fn mock_reply(route: &Route, body: &[u8], p: &MockParams<'_>) -> MockReply {
    let meta = request_meta(route, body);
    let model = meta
        .model
        .clone()
        .unwrap_or_else(|| "mock-model".to_owned());
    let input_tokens = (body.len() as u64 / 4).max(1);
    let output_tokens = (p.text.len() as u64 / 4).max(1);
    match route.api {
        Api::AnthropicMessages => {
            if meta.stream {
                sse(&anthropic_events(p, &model, input_tokens, output_tokens))
            } else {
                json_reply(&json!({
                    "id": id("msg_", p.id_seed),
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": p.text}],
                    "stop_reason": "end_turn",
                    "stop_sequence": null,
                    "usage": anthropic_usage(input_tokens, output_tokens),
                }))
            }
        }
        Api::AnthropicCountTokens => json_reply(&json!({ "input_tokens": input_tokens })),
        Api::AnthropicPreflight | Api::AnthropicEventLogging => json_reply(&json!({})),
        Api::OpenAiChat => {
            if meta.stream {
                sse(&chat_chunks(
                    p,
                    &model,
                    meta.include_usage,
                    input_tokens,
                    output_tokens,
                ))
            } else {
                json_reply(&json!({
                    "id": id("chatcmpl-", p.id_seed),
                    "object": "chat.completion",
                    "created": p.created,
                    "model": model,
                    "choices": [{
                        "index": 0,
                        "message": {"role": "assistant", "content": p.text, "refusal": null},
                        "logprobs": null,
                        "finish_reason": "stop",
                    }],
                    "usage": chat_usage(input_tokens, output_tokens),
                }))
            }
        }
        Api::OpenAiResponses => {
            let (events, done) = responses_events(p, &model, input_tokens, output_tokens);
            if meta.stream {
                sse(&events)
            } else {
                json_reply(&done)
            }
        }
        Api::OpenAiEmbeddings => {
            let n = input_count(body, "input");
            let data: Vec<Value> = (0..n)
                .map(|i| json!({"object": "embedding", "index": i, "embedding": unit_vector()}))
                .collect();
            json_reply(&json!({
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": input_tokens, "total_tokens": input_tokens},
            }))
        }
        Api::GeminiGenerate => json_reply(&gemini_chunk(
            p.text,
            &model,
            true,
            input_tokens,
            output_tokens,
        )),
        Api::GeminiStreamGenerate => {
            let pieces = pieces(p.text);
            let last = pieces.len() - 1;
            let chunks: Vec<Value> = pieces
                .iter()
                .enumerate()
                .map(|(i, t)| gemini_chunk(t, &model, i == last, input_tokens, output_tokens))
                .collect();
            if route.sse {
                let events: Vec<_> = chunks.iter().map(|c| (None, c.to_string())).collect();
                sse(&events)
            } else {
                // Without `alt=sse`, one JSON array, streamed element by element.
                let mut parts = Vec::with_capacity(chunks.len() + 1);
                for (i, c) in chunks.iter().enumerate() {
                    let mut part = Vec::new();
                    part.push(if i == 0 { b'[' } else { b',' });
                    part.extend_from_slice(c.to_string().as_bytes());
                    parts.push(part);
                }
                parts.push(b"]".to_vec());
                MockReply {
                    status: 200,
                    content_type: "application/json",
                    body: MockBody::Stream(parts),
                }
            }
        }
        Api::GeminiCountTokens => json_reply(&json!({ "totalTokens": input_tokens })),
        Api::GeminiEmbed => {
            let n = input_count(body, "requests");
            if n > 1 || body_has(body, "requests") {
                let e: Vec<Value> = (0..n).map(|_| json!({"values": unit_vector()})).collect();
                json_reply(&json!({ "embeddings": e }))
            } else {
                json_reply(&json!({ "embedding": {"values": unit_vector()} }))
            }
        }
        Api::Models(family) => {
            let mut names: Vec<String> = p.models.iter().map(|s| (*s).to_owned()).collect();
            if let Some(m) = meta.model.filter(|m| !names.contains(m)) {
                names.push(m);
            }
            if names.is_empty() {
                names.push("mock-model".to_owned());
            }
            json_reply(&models_list(family, &names, p.created))
        }
    }
}

fn json_reply(v: &Value) -> MockReply {
    MockReply {
        status: 200,
        content_type: "application/json",
        body: MockBody::Full(serde_json::to_vec(v).expect("a json! value serialises")),
    }
}

fn sse(events: &[(Option<&'static str>, String)]) -> MockReply {
    MockReply {
        status: 200,
        content_type: "text/event-stream",
        body: MockBody::Stream(events.iter().map(|(e, d)| encode_event(*e, d)).collect()),
    }
}

fn id(prefix: &str, seed: u64) -> String {
    // splitmix64: a stable, well-spread id from the seed.
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    format!("{prefix}{z:016x}{:08x}", seed as u32)
}

/// The answer cut into a few stream pieces (on character boundaries), so
/// clients exercise their delta handling.
fn pieces(text: &str) -> Vec<&str> {
    const PIECE: usize = 16;
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + PIECE).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push(&text[start..end]);
        start = end;
    }
    if out.is_empty() {
        out.push("");
    }
    out
}

fn anthropic_usage(input: u64, output: u64) -> Value {
    json!({
        "input_tokens": input,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output,
        "service_tier": "standard",
    })
}

fn anthropic_events(
    p: &MockParams<'_>,
    model: &str,
    input: u64,
    output: u64,
) -> Vec<(Option<&'static str>, String)> {
    let mut ev = vec![
        (
            Some("message_start"),
            json!({
                "type": "message_start",
                "message": {
                    "id": id("msg_", p.id_seed),
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": null,
                    "stop_sequence": null,
                    "usage": anthropic_usage(input, 1),
                }
            })
            .to_string(),
        ),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
                .to_string(),
        ),
        (Some("ping"), json!({"type": "ping"}).to_string()),
    ];
    for piece in pieces(p.text) {
        ev.push((
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}})
                .to_string(),
        ));
    }
    ev.push((
        Some("content_block_stop"),
        json!({"type": "content_block_stop", "index": 0}).to_string(),
    ));
    ev.push((
        Some("message_delta"),
        json!({
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": null},
            "usage": {"output_tokens": output},
        })
        .to_string(),
    ));
    ev.push((
        Some("message_stop"),
        json!({"type": "message_stop"}).to_string(),
    ));
    ev
}

fn chat_usage(input: u64, output: u64) -> Value {
    json!({"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output})
}

fn chat_chunks(
    p: &MockParams<'_>,
    model: &str,
    include_usage: bool,
    input: u64,
    output: u64,
) -> Vec<(Option<&'static str>, String)> {
    let cid = id("chatcmpl-", p.id_seed);
    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": cid,
            "object": "chat.completion.chunk",
            "created": p.created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        })
        .to_string()
    };
    let mut ev = vec![(
        None,
        chunk(json!({"role": "assistant", "content": ""}), Value::Null),
    )];
    for piece in pieces(p.text) {
        ev.push((None, chunk(json!({"content": piece}), Value::Null)));
    }
    ev.push((None, chunk(json!({}), json!("stop"))));
    if include_usage {
        ev.push((
            None,
            json!({
                "id": cid,
                "object": "chat.completion.chunk",
                "created": p.created,
                "model": model,
                "choices": [],
                "usage": chat_usage(input, output),
            })
            .to_string(),
        ));
    }
    ev.push((None, "[DONE]".to_owned()));
    ev
}

/// The Responses event sequence and the final response object (which is
/// also the non-streaming reply).
fn responses_events(
    p: &MockParams<'_>,
    model: &str,
    input: u64,
    output: u64,
) -> (Vec<(Option<&'static str>, String)>, Value) {
    let rid = id("resp_", p.id_seed);
    let mid = id("msg_", p.id_seed);
    let response = |status: &str, out: Value, usage: Value| {
        json!({
            "id": rid,
            "object": "response",
            "created_at": p.created,
            "status": status,
            "error": null,
            "incomplete_details": null,
            "model": model,
            "output": out,
            "parallel_tool_calls": true,
            "tool_choice": "auto",
            "tools": [],
            "usage": usage,
        })
    };
    let part_done = json!({"type": "output_text", "text": p.text, "annotations": []});
    let item_done = json!({
        "id": mid, "type": "message", "status": "completed", "role": "assistant",
        "content": [part_done],
    });
    let usage = json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input + output,
    });
    let done = response("completed", json!([item_done]), usage);
    let mut seq = 0u64;
    let mut ev = Vec::new();
    let mut push = |name: &'static str, mut body: Value| {
        body["type"] = json!(name);
        body["sequence_number"] = json!(seq);
        seq += 1;
        ev.push((Some(name), body.to_string()));
    };
    push(
        "response.created",
        json!({"response": response("in_progress", json!([]), Value::Null)}),
    );
    push(
        "response.in_progress",
        json!({"response": response("in_progress", json!([]), Value::Null)}),
    );
    push(
        "response.output_item.added",
        json!({"output_index": 0, "item": {
            "id": mid, "type": "message", "status": "in_progress", "role": "assistant", "content": []}}),
    );
    push(
        "response.content_part.added",
        json!({"item_id": mid, "output_index": 0, "content_index": 0,
               "part": {"type": "output_text", "text": "", "annotations": []}}),
    );
    for piece in pieces(p.text) {
        push(
            "response.output_text.delta",
            json!({"item_id": mid, "output_index": 0, "content_index": 0, "delta": piece}),
        );
    }
    push(
        "response.output_text.done",
        json!({"item_id": mid, "output_index": 0, "content_index": 0, "text": p.text}),
    );
    push(
        "response.content_part.done",
        json!({"item_id": mid, "output_index": 0, "content_index": 0, "part": part_done}),
    );
    push(
        "response.output_item.done",
        json!({"output_index": 0, "item": item_done}),
    );
    push("response.completed", json!({"response": done}));
    (ev, done)
}

fn gemini_chunk(text: &str, model: &str, last: bool, input: u64, output: u64) -> Value {
    let mut cand = json!({
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    });
    if last {
        cand["finishReason"] = json!("STOP");
    }
    json!({
        "candidates": [cand],
        "usageMetadata": {
            "promptTokenCount": input,
            "candidatesTokenCount": output,
            "totalTokenCount": input + output,
        },
        "modelVersion": model,
    })
}

fn models_list(family: Family, names: &[String], created: u64) -> Value {
    match family {
        Family::Anthropic => json!({
            "data": names.iter().map(|n| json!({
                "type": "model", "id": n, "display_name": n, "created_at": "2026-01-01T00:00:00Z"
            })).collect::<Vec<_>>(),
            "has_more": false,
            "first_id": names.first(),
            "last_id": names.last(),
        }),
        Family::OpenAi => json!({
            "object": "list",
            "data": names.iter().map(|n| json!({
                "id": n, "object": "model", "created": created, "owned_by": "mock"
            })).collect::<Vec<_>>(),
        }),
        Family::Gemini => json!({
            "models": names.iter().map(|n| json!({
                "name": if n.starts_with("models/") { n.clone() } else { format!("models/{n}") },
                "displayName": n,
                "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "countTokens"],
            })).collect::<Vec<_>>(),
        }),
    }
}

fn unit_vector() -> Vec<f32> {
    let mut v = vec![0.0f32; 8];
    v[0] = 1.0;
    v
}

fn input_count(body: &[u8], member: &str) -> usize {
    match serde_json::from_slice::<Value>(body)
        .ok()
        .as_ref()
        .and_then(|v| v.get(member))
    {
        Some(Value::Array(a)) => a.len().max(1),
        _ => 1,
    }
}

fn body_has(body: &[u8], member: &str) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .is_some_and(|v| v.get(member).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reassemble::reassemble;
    use crate::route::recognise;
    use crate::sse::SseDecoder;

    fn reply(method: &str, path: &str, body: &str, text: &str) -> MockReply {
        let route = recognise(method, path, None).unwrap();
        mock_reply(
            &route,
            body.as_bytes(),
            &MockParams {
                text,
                ..MockParams::default()
            },
        )
    }

    fn events(r: &MockReply) -> Vec<crate::sse::SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        d.push(&r.body.concat(), &mut out).unwrap();
        assert!(!d.finish(), "stream ends on an event boundary");
        out
    }

    const TEXT: &str = "Hello from the mock provider, ʹquoted’ ✓";

    #[test]
    fn anthropic_stream_has_the_full_sequence() {
        let r = reply(
            "POST",
            "/v1/messages?beta=true",
            r#"{"model":"claude-x","stream":true,"messages":[]}"#,
            TEXT,
        );
        assert_eq!(r.content_type, "text/event-stream");
        let ev = events(&r);
        let kinds: Vec<&str> = ev.iter().map(crate::sse::SseEvent::kind).collect();
        assert_eq!(kinds[0], "message_start");
        assert_eq!(kinds[1], "content_block_start");
        assert!(kinds.contains(&"ping"));
        assert_eq!(
            &kinds[kinds.len() - 3..],
            ["content_block_stop", "message_delta", "message_stop"]
        );
        let start: Value = serde_json::from_str(&ev[0].data).unwrap();
        assert_eq!(start["message"]["model"], "claude-x");
        assert!(start["message"]["usage"]["input_tokens"].as_u64().unwrap() > 0);
        for e in &ev {
            let v: Value = serde_json::from_str(&e.data).unwrap();
            assert_eq!(v["type"], e.kind());
        }
    }

    #[test]
    fn every_api_round_trips_through_reassembly() {
        let cases = [
            ("POST", "/v1/messages", r#"{"model":"m","stream":true}"#),
            ("POST", "/v1/messages", r#"{"model":"m"}"#),
            (
                "POST",
                "/v1/chat/completions",
                r#"{"model":"m","stream":true,"stream_options":{"include_usage":true}}"#,
            ),
            ("POST", "/v1/chat/completions", r#"{"model":"m"}"#),
            ("POST", "/v1/responses", r#"{"model":"m","stream":true}"#),
            ("POST", "/v1/responses", r#"{"model":"m"}"#),
            (
                "POST",
                "/v1beta/models/g:streamGenerateContent?alt=sse",
                "{}",
            ),
            ("POST", "/v1beta/models/g:streamGenerateContent", "{}"),
            ("POST", "/v1beta/models/g:generateContent", "{}"),
        ];
        for (m, path, body) in cases {
            let route = recognise(m, path, None).unwrap();
            let r = reply(m, path, body, TEXT);
            assert_eq!(r.status, 200);
            let got = reassemble(route.api, r.content_type, &r.body.concat());
            assert_eq!(got.text, TEXT, "{path} {body}");
            assert!(got.complete, "{path} {body}: {got:?}");
            assert!(got.error.is_none());
            assert!(got.output_tokens.unwrap_or(0) > 0, "{path} {body}: usage");
        }
    }

    #[test]
    fn responses_sequence_numbers_and_terminal_event() {
        let r = reply(
            "POST",
            "/v1/responses",
            r#"{"model":"m","stream":true}"#,
            TEXT,
        );
        let ev = events(&r);
        assert_eq!(ev.last().unwrap().kind(), "response.completed");
        for (i, e) in ev.iter().enumerate() {
            let v: Value = serde_json::from_str(&e.data).unwrap();
            assert_eq!(v["sequence_number"], i as u64);
            assert_eq!(v["type"], e.kind());
        }
        assert!(!r.body.concat().windows(6).any(|w| w == b"[DONE]"));
    }

    #[test]
    fn chat_stream_ends_with_done() {
        let r = reply("POST", "/v1/chat/completions", r#"{"stream":true}"#, "x");
        let ev = events(&r);
        assert_eq!(ev.last().unwrap().data, "[DONE]");
    }

    #[test]
    fn small_endpoints() {
        let r = reply(
            "POST",
            "/v1/messages/count_tokens",
            r#"{"messages":[]}"#,
            "",
        );
        let v: Value = serde_json::from_slice(&r.body.concat()).unwrap();
        assert!(v["input_tokens"].as_u64().unwrap() > 0);
        let r = reply("HEAD", "/", "", "");
        assert_eq!(r.status, 200);
        let r = reply("GET", "/v1/models", "", "");
        let v: Value = serde_json::from_slice(&r.body.concat()).unwrap();
        assert_eq!(v["object"], "list");
        let r = reply("POST", "/v1/embeddings", r#"{"input":["a","b","c"]}"#, "");
        let v: Value = serde_json::from_slice(&r.body.concat()).unwrap();
        assert_eq!(v["data"].as_array().unwrap().len(), 3);
        let r = reply(
            "POST",
            "/v1beta/models/e:batchEmbedContents",
            r#"{"requests":[{},{}]}"#,
            "",
        );
        let v: Value = serde_json::from_slice(&r.body.concat()).unwrap();
        assert_eq!(v["embeddings"].as_array().unwrap().len(), 2);
        let r = reply("POST", "/v1beta/models/g:countTokens", "{}", "");
        let v: Value = serde_json::from_slice(&r.body.concat()).unwrap();
        assert!(v["totalTokens"].as_u64().is_some());
    }

    #[test]
    fn deterministic_and_seeded() {
        let a = reply("POST", "/v1/messages", r#"{"stream":true}"#, TEXT);
        let b = reply("POST", "/v1/messages", r#"{"stream":true}"#, TEXT);
        assert_eq!(a, b);
        assert_ne!(id("msg_", 1), id("msg_", 2));
    }

    #[test]
    fn pieces_respect_char_boundaries() {
        let s = "ééééééééééééééééééé✓✓✓";
        assert_eq!(pieces(s).concat(), s);
        assert_eq!(pieces(""), vec![""]);
    }
}
