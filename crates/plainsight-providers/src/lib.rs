//! What plainsight knows about the wire protocols of LLM providers, in one
//! place for `probe` (its mock provider), `guard` (routing, error shapes,
//! reassembling streamed answers for the audit log) and `serve` (showing
//! exchanges).
//!
//! The crate is transport-free on purpose: it turns a method and a path into
//! a [`Route`], request bytes into a [`RequestMeta`], a reply text into the
//! exact bytes a provider would send ([`mock`]), an error into the
//! provider's own error shape ([`error`]), and bytes of a response (SSE or
//! JSON) back into text ([`reassemble`]). The HTTP stacks of probe and guard
//! stay theirs; the protocol facts cannot drift apart between them.
//!
//! Verified against the providers' public API references and against what
//! real agents send (see `docs/ARCHITECTURE.md`, *Provider protocols*):
//! - Anthropic Messages: `POST /v1/messages` (Claude Code adds `?beta=true`
//!   and always streams), `POST /v1/messages/count_tokens`, preflights
//!   `HEAD /` and `HEAD /api/hello`, event logging under `/api/event_logging/`.
//! - OpenAI: Chat Completions (`…/chat/completions`, SSE chunks ending in
//!   `data: [DONE]`) and Responses (`…/responses`, named events ending in
//!   `response.completed`, no `[DONE]`); the base URL may carry any prefix.
//! - Gemini: `…/models/{model}:generateContent`, `:streamGenerateContent`
//!   (`?alt=sse` for SSE, else one JSON array), `:countTokens`.

pub mod error;
pub mod mock;
pub mod reassemble;
pub mod route;
pub mod sse;

pub use error::{ErrorKind, ErrorResponse, error_message, error_response};
pub use mock::{MockBody, MockParams, MockReply, mock_reply};
pub use reassemble::{Reassembled, Reassembler, reassemble};
pub use route::{Api, Family, RequestMeta, Route, family_from_headers, recognise, request_meta};
pub use sse::{SseDecoder, SseEvent, encode_event};
