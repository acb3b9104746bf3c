//! The audit store's pending-row journal (`plainsight_store::journal`) as
//! replay reads a file that a crash, a full disk or anything else may have
//! damaged: never panics, and never yields more rows than there are records.
//!
//! Two readings of each input: the raw bytes (the framing: magic, lengths,
//! epoch, CRC), and the input cut into records framed *correctly* (magic,
//! lengths, epoch and CRC computed here, by the format documented in
//! `journal.rs`), so the fuzzer reaches what lies behind a valid CRC — the
//! row's JSON head and the joining of pending rows with their inspections —
//! instead of spending itself on checksums.
#![no_main]
use libfuzzer_sys::fuzz_target;
use plainsight_store::journal::read_records;

const MAGICS: [u32; 3] = [0x5053_4a31, 0x5053_4a32, 0x5053_4a33];
/// A head every record starts from, so mutations stay near valid JSON.
const HEAD: &str = r#"{"uid":"u1","started_at_us":1,"guard":"g","client_addr":"127.0.0.1:1","agent":"a","session":null,"method":"POST","path":"/v1/messages","upstream":"http://127.0.0.1:1","api":null,"model":null,"request_headers":[],"findings":[],"action":null,"reason":null,"edits":[]}"#;

fn framed(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 3 {
        let magic = MAGICS[usize::from(rest[0]) % 3];
        let split = usize::from(rest[1]).min(rest.len() - 2);
        let body_len = usize::from(rest[2]).min(rest.len() - 2 - split.min(rest.len() - 2));
        let tail = &rest[2..];
        let (edit, after) = tail.split_at(split.min(tail.len()));
        let (body, after) = after.split_at(body_len.min(after.len()));
        // The head: the template with the fuzzer's bytes spliced in at a
        // position they choose.
        let at = usize::from(rest[1]) % (HEAD.len() + 1);
        let mut head = HEAD.as_bytes()[..at].to_vec();
        head.extend_from_slice(edit);
        head.extend_from_slice(&HEAD.as_bytes()[at..]);
        let epoch: u32 = 1;
        let mut h = crc32fast::Hasher::new();
        h.update(&epoch.to_le_bytes());
        h.update(&head);
        h.update(body);
        for w in [
            magic,
            head.len() as u32,
            body.len() as u32,
            h.finalize(),
            epoch,
        ] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&head);
        out.extend_from_slice(body);
        rest = after;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    // A record is at least its 20-byte header.
    assert!(read_records(data).len() <= data.len() / 20);
    let f = framed(data);
    assert!(read_records(&f).len() <= f.len() / 20);
});
