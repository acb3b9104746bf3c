//! Errors in each provider's own shape, so an agent that is refused (by
//! guard's policy, or by a mock) shows the reason the way it shows any
//! provider error, and retries only where a provider's error would.
//!
//! - Anthropic: `{"type":"error","error":{"type":"invalid_request_error","message":…}}`
//! - OpenAI: `{"error":{"message":…,"type":"invalid_request_error","param":null,"code":…}}`
//! - Gemini: `{"error":{"code":400,"message":…,"status":"INVALID_ARGUMENT"}}`

use serde_json::json;

use crate::route::Family;

/// What went wrong, in terms every provider has a status and a type for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400: the request is refused as it is (a policy block is this).
    InvalidRequest,
    /// 401
    Authentication,
    /// 403: not allowed (e.g. an upstream outside the allowlist).
    Permission,
    /// 404
    NotFound,
    /// 413
    TooLarge,
    /// 429
    RateLimited,
    /// 500
    Internal,
    /// 502: the upstream could not be reached or answered badly.
    BadGateway,
    /// 503: a dependency (e.g. the audit store) is unavailable.
    Unavailable,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::InvalidRequest => 400,
            ErrorKind::Authentication => 401,
            ErrorKind::Permission => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::TooLarge => 413,
            ErrorKind::RateLimited => 429,
            ErrorKind::Internal => 500,
            ErrorKind::BadGateway => 502,
            ErrorKind::Unavailable => 503,
        }
    }

    fn anthropic_type(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request_error",
            ErrorKind::Authentication => "authentication_error",
            ErrorKind::Permission => "permission_error",
            ErrorKind::NotFound => "not_found_error",
            ErrorKind::TooLarge => "request_too_large",
            ErrorKind::RateLimited => "rate_limit_error",
            ErrorKind::Internal | ErrorKind::BadGateway => "api_error",
            ErrorKind::Unavailable => "overloaded_error",
        }
    }

    fn openai_type(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest | ErrorKind::TooLarge | ErrorKind::NotFound => {
                "invalid_request_error"
            }
            ErrorKind::Authentication | ErrorKind::Permission => "authentication_error",
            ErrorKind::RateLimited => "rate_limit_error",
            ErrorKind::Internal | ErrorKind::BadGateway | ErrorKind::Unavailable => "server_error",
        }
    }

    fn gemini_status(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest | ErrorKind::TooLarge => "INVALID_ARGUMENT",
            ErrorKind::Authentication => "UNAUTHENTICATED",
            ErrorKind::Permission => "PERMISSION_DENIED",
            ErrorKind::NotFound => "NOT_FOUND",
            ErrorKind::RateLimited => "RESOURCE_EXHAUSTED",
            ErrorKind::Internal | ErrorKind::BadGateway => "INTERNAL",
            ErrorKind::Unavailable => "UNAVAILABLE",
        }
    }
}

/// A complete error response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// The error `family`'s API would send for `kind`, with `message` as its
/// human-readable text and `code` as OpenAI's machine code (e.g.
/// `plainsight_policy`). `family == None` (a request we do not recognise)
/// gets the Anthropic shape's fields inside a plain JSON object, which
/// every client at least prints.
pub fn error_response(
    family: Option<Family>,
    kind: ErrorKind,
    message: &str,
    code: Option<&str>,
) -> ErrorResponse {
    let body = match family {
        Some(Family::OpenAi) => json!({
            "error": {
                "message": message,
                "type": kind.openai_type(),
                "param": null,
                "code": code,
            }
        }),
        Some(Family::Gemini) => json!({
            "error": {
                "code": kind.status(),
                "message": message,
                "status": kind.gemini_status(),
            }
        }),
        Some(Family::Anthropic) | None => json!({
            "type": "error",
            "error": {
                "type": kind.anthropic_type(),
                "message": message,
            }
        }),
    };
    ErrorResponse {
        status: kind.status(),
        content_type: "application/json",
        body: serde_json::to_vec(&body).expect("a json! value serialises"),
    }
}

/// The message of a provider error body of any of the three shapes, if the
/// body is one (for logs and reports).
pub fn error_message(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let e = v.get("error")?;
    match e {
        serde_json::Value::String(s) => Some(s.clone()),
        _ => e.get("message")?.as_str().map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(r: &ErrorResponse) -> serde_json::Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    #[test]
    fn shapes() {
        let msg = "blocked: U+02B9 at messages[0].content[0].text:1:6";
        let a = error_response(
            Some(Family::Anthropic),
            ErrorKind::InvalidRequest,
            msg,
            None,
        );
        assert_eq!(a.status, 400);
        let v = parse(&a);
        assert_eq!(v["type"], "error");
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["message"], msg);

        let o = error_response(
            Some(Family::OpenAi),
            ErrorKind::InvalidRequest,
            msg,
            Some("plainsight_policy"),
        );
        let v = parse(&o);
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["code"], "plainsight_policy");
        assert!(v["error"]["param"].is_null());

        let g = error_response(Some(Family::Gemini), ErrorKind::Unavailable, msg, None);
        assert_eq!(g.status, 503);
        let v = parse(&g);
        assert_eq!(v["error"]["code"], 503);
        assert_eq!(v["error"]["status"], "UNAVAILABLE");

        for r in [&a, &o, &g] {
            assert_eq!(error_message(&r.body).as_deref(), Some(msg));
        }
    }

    #[test]
    fn hostile_message_is_escaped_json() {
        let msg = "\"}\u{202E}<script>\n";
        let r = error_response(None, ErrorKind::Permission, msg, None);
        assert_eq!(parse(&r)["error"]["message"], msg);
    }

    #[test]
    fn message_of_other_bodies() {
        assert_eq!(error_message(b"<html>502</html>"), None);
        assert_eq!(
            error_message(br#"{"error":"plain"}"#).as_deref(),
            Some("plain")
        );
        assert_eq!(error_message(br#"{"ok":true}"#), None);
    }
}
