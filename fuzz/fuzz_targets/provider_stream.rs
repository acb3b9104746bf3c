//! Provider responses as they come off the network (guard reassembles them,
//! probe and serve read them): the SSE decoder and the reassembler of every
//! API on arbitrary bytes. Invariants: no panic, and splitting the bytes into
//! chunks anywhere gives the same result as one chunk.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plainsight_providers::reassemble::Reassembler;
use plainsight_providers::{Api, Family};

const APIS: [Api; 6] = [
    Api::AnthropicMessages,
    Api::OpenAiChat,
    Api::OpenAiResponses,
    Api::GeminiStreamGenerate,
    Api::GeminiGenerate,
    Api::Models(Family::OpenAi),
];

fuzz_target!(|data: &[u8]| {
    let Some((&split, body)) = data.split_first() else { return };
    let cut = (split as usize * body.len()) / 256;
    for api in APIS {
        for ct in ["text/event-stream", "application/json"] {
            let mut whole = Reassembler::new(api, ct, 1 << 16);
            whole.push(body);
            let mut parts = Reassembler::new(api, ct, 1 << 16);
            parts.push(&body[..cut]);
            parts.push(&body[cut..]);
            assert_eq!(whole.finish(), parts.finish());
        }
    }
});
