//! Every captured exchange as HAR 1.2, so `plainsight inspect` and any HAR
//! viewer can read what the agent sent. Each entry carries the cell it came
//! from in `_plainsight.cell` (HAR allows `_`-prefixed custom fields).

use serde_json::{Value, json};

use crate::record::Exchange;

/// `2026-01-01T00:00:00.000Z` plus `ms`.
fn timestamp(ms: u64) -> String {
    let secs = 1_767_225_600 + ms / 1000;
    let (y, m, d) = crate::tls::civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ms % 1000
    )
}

fn headers(h: &[(String, String)]) -> Vec<Value> {
    h.iter()
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect()
}

/// One HAR document for `(cell label, exchange)` pairs.
pub fn to_har(entries: &[(&str, &Exchange)], tool_version: &str) -> Value {
    let list: Vec<Value> = entries
        .iter()
        .map(|(cell, e)| {
            let default_port = if e.scheme == "https" { 443 } else { 80 };
            let port = if e.port == default_port || e.port == 0 { String::new() } else { format!(":{}", e.port) };
            let url = format!("{}://{}{port}{}", e.scheme, e.host, e.path);
            let query: Vec<Value> = e
                .path
                .split_once('?')
                .map(|(_, q)| {
                    q.split('&')
                        .map(|kv| {
                            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                            json!({"name": k, "value": v})
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mime = e.header("content-type").unwrap_or("application/octet-stream");
            let mut request = json!({
                "method": e.method,
                "url": url,
                "httpVersion": e.http_version,
                "cookies": [],
                "headers": headers(&e.headers),
                "queryString": query,
                "headersSize": -1,
                "bodySize": e.body_size,
            });
            if !e.body.is_empty() {
                let mut post = json!({"mimeType": mime, "text": e.body});
                if e.body_base64 {
                    post["encoding"] = json!("base64");
                }
                request["postData"] = post;
            }
            let rmime = e
                .response
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map_or("application/json", |(_, v)| v.as_str());
            json!({
                "startedDateTime": timestamp(e.t_ms),
                "time": 0,
                "request": request,
                "response": {
                    "status": e.response.status,
                    "statusText": "",
                    "httpVersion": e.http_version,
                    "cookies": [],
                    "headers": headers(&e.response.headers),
                    "content": {"size": e.response.body.len(), "mimeType": rmime, "text": e.response.body},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": e.response.body.len(),
                },
                "cache": {},
                "timings": {"send": 0, "wait": 0, "receive": 0},
                "serverIPAddress": e.dest.rsplit_once(':').map_or(e.dest.as_str(), |(a, _)| a).trim_matches(['[', ']']),
                "_plainsight": {"cell": cell, "viaProxy": e.via_proxy, "sni": e.sni, "api": e.api},
            })
        })
        .collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "plainsight probe", "version": tool_version},
            "entries": list,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn har_shape() {
        let e = Exchange {
            method: "POST".into(),
            scheme: "https".into(),
            host: "api.x".into(),
            port: 443,
            path: "/v1/messages?beta=true".into(),
            http_version: "HTTP/1.1".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: "{\"a\":1}".into(),
            ..Exchange::default()
        };
        let h = to_har(&[("baseline", &e)], "0");
        let entry = &h["log"]["entries"][0];
        assert_eq!(
            entry["request"]["url"],
            "https://api.x/v1/messages?beta=true"
        );
        assert_eq!(entry["request"]["postData"]["text"], "{\"a\":1}");
        assert_eq!(entry["request"]["queryString"][0]["name"], "beta");
        assert_eq!(entry["startedDateTime"], "2026-01-01T00:00:00.000Z");
    }
}
