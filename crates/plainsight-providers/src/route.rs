//! Which provider API a request is, from its method and path.
//!
//! Recognition is by the *end* of the path, so a base URL with any prefix
//! (`/openai/v1/chat/completions`, `/proxy/anthropic/v1/messages`) is still
//! recognised; the query string is looked at only for Gemini's `alt=sse`.
//! Paths that two providers share (`GET …/models`) are told apart by a
//! [`Family`] hint the caller takes from the request headers
//! ([`family_from_headers`]).

use serde::Deserialize;

/// A provider, by wire protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    Anthropic,
    OpenAi,
    Gemini,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Anthropic => "anthropic",
            Family::OpenAi => "openai",
            Family::Gemini => "gemini",
        }
    }
}

/// One API endpoint of a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    /// `POST /v1/messages`
    AnthropicMessages,
    /// `POST /v1/messages/count_tokens`
    AnthropicCountTokens,
    /// `HEAD /`, `GET|HEAD /api/hello`: connectivity checks agents make first.
    AnthropicPreflight,
    /// `POST /api/event_logging/batch` (and later versions of that path).
    AnthropicEventLogging,
    /// `POST …/chat/completions`
    OpenAiChat,
    /// `POST …/responses`
    OpenAiResponses,
    /// `POST …/embeddings`
    OpenAiEmbeddings,
    /// `POST …/models/{model}:generateContent`
    GeminiGenerate,
    /// `POST …/models/{model}:streamGenerateContent`
    GeminiStreamGenerate,
    /// `POST …/models/{model}:countTokens`
    GeminiCountTokens,
    /// `POST …/models/{model}:embedContent` / `:batchEmbedContents`
    GeminiEmbed,
    /// `GET …/models`: the model list, of whichever family the hint says.
    Models(Family),
}

impl Api {
    pub fn family(self) -> Family {
        match self {
            Api::AnthropicMessages
            | Api::AnthropicCountTokens
            | Api::AnthropicPreflight
            | Api::AnthropicEventLogging => Family::Anthropic,
            Api::OpenAiChat | Api::OpenAiResponses | Api::OpenAiEmbeddings => Family::OpenAi,
            Api::GeminiGenerate
            | Api::GeminiStreamGenerate
            | Api::GeminiCountTokens
            | Api::GeminiEmbed => Family::Gemini,
            Api::Models(f) => f,
        }
    }

    /// Stable short name, for logs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Api::AnthropicMessages => "anthropic.messages",
            Api::AnthropicCountTokens => "anthropic.count_tokens",
            Api::AnthropicPreflight => "anthropic.preflight",
            Api::AnthropicEventLogging => "anthropic.event_logging",
            Api::OpenAiChat => "openai.chat_completions",
            Api::OpenAiResponses => "openai.responses",
            Api::OpenAiEmbeddings => "openai.embeddings",
            Api::GeminiGenerate => "gemini.generate_content",
            Api::GeminiStreamGenerate => "gemini.stream_generate_content",
            Api::GeminiCountTokens => "gemini.count_tokens",
            Api::GeminiEmbed => "gemini.embed_content",
            Api::Models(Family::Anthropic) => "anthropic.models",
            Api::Models(Family::OpenAi) => "openai.models",
            Api::Models(Family::Gemini) => "gemini.models",
        }
    }

    /// Whether requests of this API carry prompt text (what inspection is for).
    pub fn carries_prompt(self) -> bool {
        matches!(
            self,
            Api::AnthropicMessages
                | Api::AnthropicCountTokens
                | Api::OpenAiChat
                | Api::OpenAiResponses
                | Api::GeminiGenerate
                | Api::GeminiStreamGenerate
                | Api::GeminiCountTokens
        )
    }
}

/// A recognised request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub api: Api,
    /// The model named in the path (Gemini), if any.
    pub path_model: Option<String>,
    /// Gemini `?alt=sse`: stream as SSE rather than one JSON array.
    pub sse: bool,
}

/// Recognises a request by method and path (with or without its query).
/// `hint` decides paths two families share; `None` means "not a provider
/// API we know", which callers treat as a generic request.
pub fn recognise(method: &str, path_and_query: &str, hint: Option<Family>) -> Option<Route> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_and_query, ""),
    };
    let path = path.trim_end_matches('/');
    let method = method.to_ascii_uppercase();
    let route = |api| {
        Some(Route {
            api,
            path_model: None,
            sse: false,
        })
    };

    // Gemini's `models/{model}:action` is unambiguous whatever the prefix.
    if let Some(idx) = path.rfind("/models/") {
        let rest = &path[idx + "/models/".len()..];
        if let Some((model, action)) = rest.rsplit_once(':') {
            let api = match action {
                "generateContent" => Api::GeminiGenerate,
                "streamGenerateContent" => Api::GeminiStreamGenerate,
                "countTokens" => Api::GeminiCountTokens,
                "embedContent" | "batchEmbedContents" => Api::GeminiEmbed,
                _ => return None,
            };
            let sse = query
                .split('&')
                .any(|kv| kv.eq_ignore_ascii_case("alt=sse"));
            return Some(Route {
                api,
                path_model: Some(percent_decode_lossy(model)),
                sse,
            });
        }
    }

    match method.as_str() {
        "HEAD" | "GET" if path.is_empty() || path == "/api/hello" => route(Api::AnthropicPreflight),
        "POST" if path.ends_with("/v1/messages/count_tokens") => route(Api::AnthropicCountTokens),
        "POST" if path.ends_with("/v1/messages") || path == "/messages" => {
            route(Api::AnthropicMessages)
        }
        "POST" if path.starts_with("/api/event_logging/") => route(Api::AnthropicEventLogging),
        "POST" if path.ends_with("/chat/completions") => route(Api::OpenAiChat),
        "POST" if path.ends_with("/responses") => route(Api::OpenAiResponses),
        "POST" if path.ends_with("/embeddings") => route(Api::OpenAiEmbeddings),
        "GET" if path.ends_with("/models") => {
            let family = hint.unwrap_or(if path.contains("/v1beta/") {
                Family::Gemini
            } else {
                Family::OpenAi
            });
            route(Api::Models(family))
        }
        _ => None,
    }
}

/// The provider family a request's headers point to: `anthropic-version`
/// or `x-api-key` → Anthropic, `x-goog-api-key` → Gemini, a bearer token →
/// OpenAI. Names are compared case-insensitively.
pub fn family_from_headers<'h>(
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
) -> Option<Family> {
    let mut bearer = false;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("anthropic-version")
            || name.eq_ignore_ascii_case("anthropic-beta")
            || name.eq_ignore_ascii_case("x-api-key")
        {
            return Some(Family::Anthropic);
        }
        if name.eq_ignore_ascii_case("x-goog-api-key") {
            return Some(Family::Gemini);
        }
        if name.eq_ignore_ascii_case("authorization")
            && value.len() > 7
            && value[..7].eq_ignore_ascii_case("bearer ")
        {
            bearer = true;
        }
    }
    bearer.then_some(Family::OpenAi)
}

/// What a request body says about the exchange, read without keeping the
/// body: the model and whether a stream was asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub model: Option<String>,
    pub stream: bool,
    /// OpenAI Chat `stream_options.include_usage`.
    pub include_usage: bool,
}

#[derive(Deserialize)]
struct RawMeta {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    stream: Option<bool>,
    #[serde(default)]
    stream_options: Option<RawStreamOptions>,
}

#[derive(Deserialize)]
struct RawStreamOptions {
    #[serde(default)]
    include_usage: Option<bool>,
}

/// Reads [`RequestMeta`] from a request body. A body that is not a JSON
/// object (or has other types in those members) gives the default: the
/// caller inspects bytes anyway, this only shapes the reply.
pub fn request_meta(route: &Route, body: &[u8]) -> RequestMeta {
    let raw: Option<RawMeta> = serde_json::from_slice(body).ok();
    let mut meta = RequestMeta::default();
    if let Some(raw) = raw {
        meta.model = raw.model;
        meta.stream = raw.stream.unwrap_or(false);
        meta.include_usage = raw
            .stream_options
            .and_then(|o| o.include_usage)
            .unwrap_or(false);
    }
    match route.api {
        Api::GeminiStreamGenerate => meta.stream = true,
        Api::GeminiGenerate | Api::GeminiCountTokens | Api::GeminiEmbed => meta.stream = false,
        _ => {}
    }
    if meta.model.is_none() {
        meta.model.clone_from(&route.path_model);
    }
    meta
}

/// `%2F` → `/` in a path segment; invalid escapes are kept as written.
fn percent_decode_lossy(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(method: &str, path: &str) -> Option<Api> {
        recognise(method, path, None).map(|r| r.api)
    }

    #[test]
    fn anthropic_paths() {
        assert_eq!(
            api("POST", "/v1/messages?beta=true"),
            Some(Api::AnthropicMessages)
        );
        assert_eq!(
            api("post", "/proxy/v1/messages"),
            Some(Api::AnthropicMessages)
        );
        assert_eq!(
            api("POST", "/v1/messages/count_tokens?beta=true"),
            Some(Api::AnthropicCountTokens)
        );
        assert_eq!(api("HEAD", "/"), Some(Api::AnthropicPreflight));
        assert_eq!(api("HEAD", ""), Some(Api::AnthropicPreflight));
        assert_eq!(api("GET", "/api/hello"), Some(Api::AnthropicPreflight));
        assert_eq!(
            api("POST", "/api/event_logging/batch"),
            Some(Api::AnthropicEventLogging)
        );
        assert_eq!(
            api("POST", "/api/event_logging/v2/batch"),
            Some(Api::AnthropicEventLogging)
        );
        assert_eq!(api("GET", "/v1/messages"), None);
    }

    #[test]
    fn openai_paths_with_any_prefix() {
        assert_eq!(api("POST", "/v1/chat/completions"), Some(Api::OpenAiChat));
        assert_eq!(
            api("POST", "/api/paas/v4/chat/completions"),
            Some(Api::OpenAiChat)
        );
        assert_eq!(api("POST", "/v1/responses"), Some(Api::OpenAiResponses));
        assert_eq!(
            api("POST", "/openai/responses/"),
            Some(Api::OpenAiResponses)
        );
        assert_eq!(api("POST", "/v1/embeddings"), Some(Api::OpenAiEmbeddings));
        assert_eq!(api("GET", "/v1/models"), Some(Api::Models(Family::OpenAi)));
        assert_eq!(
            recognise("GET", "/v1/models", Some(Family::Anthropic)).map(|r| r.api),
            Some(Api::Models(Family::Anthropic))
        );
    }

    #[test]
    fn gemini_paths() {
        let r = recognise(
            "POST",
            "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
            None,
        )
        .unwrap();
        assert_eq!(r.api, Api::GeminiStreamGenerate);
        assert!(r.sse);
        assert_eq!(r.path_model.as_deref(), Some("gemini-2.5-pro"));
        let r = recognise("POST", "/v1/models/gemini-flash:generateContent", None).unwrap();
        assert_eq!(r.api, Api::GeminiGenerate);
        assert!(!r.sse);
        assert_eq!(
            api("POST", "/v1beta/models/m:countTokens"),
            Some(Api::GeminiCountTokens)
        );
        assert_eq!(
            api("POST", "/v1beta/models/m:batchEmbedContents"),
            Some(Api::GeminiEmbed)
        );
        assert_eq!(api("POST", "/v1beta/models/m:unknownAction"), None);
        assert_eq!(
            api("GET", "/v1beta/models"),
            Some(Api::Models(Family::Gemini))
        );
        let r = recognise("POST", "/v1beta/models/a%2Fb:generateContent", None).unwrap();
        assert_eq!(r.path_model.as_deref(), Some("a/b"));
        let r = recognise("POST", "/v1beta/models/a%2:generateContent", None).unwrap();
        assert_eq!(r.path_model.as_deref(), Some("a%2"));
    }

    #[test]
    fn unknown_paths() {
        assert_eq!(api("POST", "/upload"), None);
        assert_eq!(api("GET", "/v1/messages/x"), None);
        assert_eq!(api("PUT", "/v1/chat/completions"), None);
    }

    #[test]
    fn family_hints() {
        assert_eq!(
            family_from_headers([("Anthropic-Version", "2023-06-01")]),
            Some(Family::Anthropic)
        );
        assert_eq!(
            family_from_headers([("authorization", "Bearer sk-x")]),
            Some(Family::OpenAi)
        );
        assert_eq!(
            family_from_headers([("authorization", "Bearer sk-x"), ("x-api-key", "k")]),
            Some(Family::Anthropic)
        );
        assert_eq!(
            family_from_headers([("x-goog-api-key", "k")]),
            Some(Family::Gemini)
        );
        assert_eq!(family_from_headers([("accept", "*/*")]), None);
    }

    #[test]
    fn meta_from_body() {
        let r = recognise("POST", "/v1/chat/completions", None).unwrap();
        let m = request_meta(
            &r,
            br#"{"model":"gpt-x","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}"#,
        );
        assert_eq!(m.model.as_deref(), Some("gpt-x"));
        assert!(m.stream && m.include_usage);
        let m = request_meta(&r, b"not json");
        assert_eq!(m, RequestMeta::default());
        let m = request_meta(&r, br#"{"stream":"yes"}"#);
        assert!(!m.stream);
        let g = recognise("POST", "/v1beta/models/gm:streamGenerateContent", None).unwrap();
        let m = request_meta(&g, br#"{"contents":[]}"#);
        assert!(m.stream);
        assert_eq!(m.model.as_deref(), Some("gm"));
    }
}
