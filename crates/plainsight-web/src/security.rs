//! Headers every response carries, and who may see the pages.
//!
//! **Content-Security-Policy** (every page): `default-src 'none'`, scripts,
//! styles and fetches from this server only (`'self'`: the embedded,
//! hashed assets), no inline script or style, no images, fonts, frames or
//! plugins, `base-uri 'none'`, `form-action 'self'`, `frame-ancestors
//! 'none'`. So even markup that slipped through escaping could neither run
//! a script nor load anything. Also `X-Content-Type-Options: nosniff` (a
//! page is never run as a script), `Referrer-Policy: no-referrer`,
//! `Cross-Origin-Opener-Policy` / `-Resource-Policy: same-origin`, and
//! `Cache-Control: no-store` on pages (they hold audit data).
//!
//! **Access.** On loopback without a token, the `Host` header must name a
//! loopback host: a web page that rebinds its own name to 127.0.0.1 (DNS
//! rebinding) gets 421, not the audit log. With a token (required off
//! loopback), a request must carry it: `Authorization: Bearer TOKEN`, the
//! cookie set when the URL with `?token=TOKEN` was opened once (HttpOnly,
//! SameSite=Strict; the redirect drops the token from the address bar), or
//! that query parameter. Tokens are compared in constant time.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::App;

/// The page policy.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Who may see the pages.
#[derive(Clone, Debug, Default)]
pub struct Access {
    /// Required on every request when set.
    pub token: Option<String>,
    /// When not empty, the `Host` header's host must be one of these
    /// (loopback names when serving loopback without a token).
    pub hosts: Vec<String>,
    /// Cookie name (per port, so two servers on one host do not mix).
    pub cookie: String,
}

impl Access {
    /// Loopback without a token: Host must be a loopback name.
    pub fn loopback(port: u16) -> Access {
        Access {
            token: None,
            hosts: vec![
                "localhost".into(),
                "127.0.0.1".into(),
                "[::1]".into(),
                "::1".into(),
            ],
            cookie: format!("plainsight_token_{port}"),
        }
    }

    /// A token required on every request (any Host).
    pub fn token(token: String, port: u16) -> Access {
        Access {
            token: Some(token),
            hosts: Vec::new(),
            cookie: format!("plainsight_token_{port}"),
        }
    }
}

/// Equal lengths and equal bytes, in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn host_of(headers: &HeaderMap) -> Option<String> {
    let h = headers.get(header::HOST)?.to_str().ok()?;
    let host = if h.starts_with('[') {
        h.split_inclusive(']').next().unwrap_or(h)
    } else {
        h.rsplit_once(':').map_or(h, |(a, _)| a)
    };
    Some(host.to_ascii_lowercase())
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        format!("plainsight: {message}\n"),
    )
        .into_response()
}

/// The middleware: access first, then the headers on whatever answers.
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let access = &app.access;
    if !access.hosts.is_empty() {
        match host_of(req.headers()) {
            Some(h) if access.hosts.contains(&h) => {}
            _ => {
                return with_headers(refuse(
                    StatusCode::MISDIRECTED_REQUEST,
                    "this server answers loopback host names only (DNS-rebinding protection)",
                ));
            }
        }
    }
    if let Some(token) = &access.token {
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let cookie = cookie_value(req.headers(), &access.cookie);
        let ok = |v: Option<&str>| v.is_some_and(|v| same(v.as_bytes(), token.as_bytes()));
        if !(ok(bearer) || ok(cookie)) {
            if ok(query_token(req.uri().query())) {
                // Keep it in a cookie and take it out of the address bar.
                let path = req.uri().path().to_owned();
                let rest: Vec<&str> = req
                    .uri()
                    .query()
                    .unwrap_or("")
                    .split('&')
                    .filter(|kv| !kv.starts_with("token=") && !kv.is_empty())
                    .collect();
                let to = if rest.is_empty() {
                    path
                } else {
                    format!("{path}?{}", rest.join("&"))
                };
                let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
                if let Ok(v) = HeaderValue::from_str(&format!(
                    "{}={token}; HttpOnly; SameSite=Strict; Path=/",
                    access.cookie
                )) {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
                return with_headers(r);
            }
            return with_headers(refuse(
                StatusCode::UNAUTHORIZED,
                "a token is required: open the URL `plainsight serve` printed (…?token=…)",
            ));
        }
    }
    with_headers(next.run(req).await)
}

fn with_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_cookies_tokens() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert_eq!(host_of(&h).as_deref(), Some("127.0.0.1"));
        h.insert(header::HOST, HeaderValue::from_static("[::1]:80"));
        assert_eq!(host_of(&h).as_deref(), Some("[::1]"));
        h.insert(header::HOST, HeaderValue::from_static("Evil.Example"));
        assert_eq!(host_of(&h).as_deref(), Some("evil.example"));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; plainsight_token_9=abc"),
        );
        assert_eq!(cookie_value(&h, "plainsight_token_9"), Some("abc"));
        assert_eq!(query_token(Some("x=1&token=t0k")), Some("t0k"));
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"ab", b"abc"));
    }
}
