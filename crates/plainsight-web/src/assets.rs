//! The style sheet and the script, embedded in the binary and served under
//! content-hashed names (`/assets/app-3f9a1c2b.css`), so they can be cached
//! forever and a new build never meets a stale copy. No CDN, no build step.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The style sheet (also inlined, by hash, into static reports).
pub const CSS: &str = include_str!("../assets/app.css");
/// The only script: live rows and the diff navigation.
pub const JS: &str = include_str!("../assets/app.js");

/// Hashed paths of the assets.
#[derive(Clone, Debug)]
pub struct Assets {
    pub css_path: String,
    pub js_path: String,
    css_name: String,
    js_name: String,
}

fn short_hash(s: &str) -> String {
    let d = Sha256::digest(s.as_bytes());
    d.iter().take(6).fold(String::new(), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `'sha256-…'` of `s`, for a Content-Security-Policy source list.
pub fn csp_hash(s: &str) -> String {
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
    )
}

impl Assets {
    pub fn new() -> Assets {
        let css_name = format!("app-{}.css", short_hash(CSS));
        let js_name = format!("app-{}.js", short_hash(JS));
        Assets {
            css_path: format!("/assets/{css_name}"),
            js_path: format!("/assets/{js_name}"),
            css_name,
            js_name,
        }
    }

    /// Body and content type of an asset by file name.
    pub fn get(&self, name: &str) -> Option<(&'static str, &'static str)> {
        if name == self.css_name {
            Some((CSS, "text/css; charset=utf-8"))
        } else if name == self.js_name {
            Some((JS, "text/javascript; charset=utf-8"))
        } else {
            None
        }
    }
}

impl Default for Assets {
    fn default() -> Assets {
        Assets::new()
    }
}
