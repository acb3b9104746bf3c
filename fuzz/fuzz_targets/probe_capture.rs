//! What the capture server does with bytes the agent sent: content decoding
//! (bounded) and the alignment/judging of two captured bodies. Never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use plainsight_probe::capture::decode_body;
use plainsight_probe::diff::{Noise, compare, flatten};
use plainsight_probe::record::Exchange;

fuzz_target!(|data: &[u8]| {
    let _ = decode_body(data, Some("gzip"), 1 << 16);
    let _ = decode_body(data, Some("deflate"), 1 << 16);
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
    let ex = |body: &str| Exchange {
        method: "POST".into(),
        host: "h".into(),
        path: "/v1/messages".into(),
        body: body.into(),
        ..Exchange::default()
    };
    let fa = flatten(&[ex(a)], "h");
    let fb = flatten(&[ex(b)], "h");
    let mut noise = Noise::default();
    noise.learn(&fa, &fa);
    let _ = compare(&fa, &fb, &noise);
});
