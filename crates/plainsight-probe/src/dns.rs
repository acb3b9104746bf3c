//! The sandbox's DNS responder: every name gets a loopback address, and
//! every question is recorded.
//!
//! Only what a stub resolver sends is understood: one question, no name
//! compression in it (RFC 1035 §4.1). Each name gets its own address in
//! `127.64.0.0/10`, derived from a hash of the name, so the same name gets
//! the same address in every cell and a connection's destination says which
//! name it was for. `AAAA` and every other type get an empty answer, so
//! clients fall back to IPv4. Malformed queries get `FORMERR` when their
//! header is readable and nothing otherwise; parsing never panics (fuzzed:
//! `fuzz/fuzz_targets/probe_dns.rs`, and `tests::mutated_queries`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// A question read from a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub id: u16,
    /// Flags word of the query (opcode and RD are echoed).
    pub flags: u16,
    /// Lower-cased name without the trailing dot; bytes outside
    /// `[a-z0-9._-]` written as `\DDD`.
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
    /// Byte range of the question section in the query (echoed in the reply).
    pub question_end: usize,
}

/// Why a query could not be answered normally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryError {
    /// Too short for a header: nothing can be answered.
    NoHeader,
    /// Header readable, question not (answered with FORMERR).
    Malformed { id: u16, flags: u16 },
}

const MAX_NAME: usize = 255;

/// Reads the header and the first question of a DNS query.
pub fn parse_query(msg: &[u8]) -> Result<Question, QueryError> {
    if msg.len() < 12 {
        return Err(QueryError::NoHeader);
    }
    let id = u16::from_be_bytes([msg[0], msg[1]]);
    let flags = u16::from_be_bytes([msg[2], msg[3]]);
    let bad = QueryError::Malformed { id, flags };
    let qdcount = u16::from_be_bytes([msg[4], msg[5]]);
    if flags & 0x8000 != 0 || qdcount == 0 {
        return Err(bad);
    }
    let mut at = 12;
    let mut name = String::new();
    let mut wire_len = 0usize;
    loop {
        let len = *msg.get(at).ok_or(bad)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            // Compression pointers and extended label types do not belong in a query.
            return Err(bad);
        }
        wire_len += len + 1;
        if wire_len > MAX_NAME {
            return Err(bad);
        }
        let label = msg.get(at..at + len).ok_or(bad)?;
        at += len;
        if !name.is_empty() {
            name.push('.');
        }
        for &b in label {
            let b = b.to_ascii_lowercase();
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                name.push(b as char);
            } else {
                let _ = write!(name, "\\{b:03}");
            }
        }
    }
    let tail = msg.get(at..at + 4).ok_or(bad)?;
    let qtype = u16::from_be_bytes([tail[0], tail[1]]);
    let qclass = u16::from_be_bytes([tail[2], tail[3]]);
    Ok(Question {
        id,
        flags,
        name,
        qtype,
        qclass,
        question_end: at + 4,
    })
}

/// Name of a record type, for the report.
pub fn type_name(t: u16) -> String {
    match t {
        1 => "A".into(),
        28 => "AAAA".into(),
        5 => "CNAME".into(),
        15 => "MX".into(),
        16 => "TXT".into(),
        33 => "SRV".into(),
        64 => "SVCB".into(),
        65 => "HTTPS".into(),
        12 => "PTR".into(),
        other => other.to_string(),
    }
}

/// Hands out one loopback address per name, the same one for the same name
/// in every run.
#[derive(Debug, Default)]
pub struct AddressBook {
    by_name: HashMap<String, Ipv4Addr>,
    by_addr: HashMap<Ipv4Addr, String>,
}

impl AddressBook {
    /// The address of `name`, allocated on first use.
    pub fn address(&mut self, name: &str) -> Ipv4Addr {
        if let Some(a) = self.by_name.get(name) {
            return *a;
        }
        // FNV-1a, then linear probing inside 127.64.0.0/10 (avoiding .0 and .255).
        let mut h: u32 = 0x811c_9dc5;
        for b in name.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        loop {
            let n = 0x7f40_0000 | (h & 0x003f_ffff);
            let a = Ipv4Addr::from(n);
            let last = a.octets()[3];
            if last != 0 && last != 255 && !self.by_addr.contains_key(&a) {
                self.by_name.insert(name.to_owned(), a);
                self.by_addr.insert(a, name.to_owned());
                return a;
            }
            h = h.wrapping_add(1);
        }
    }

    /// The name an address was handed out for.
    pub fn name_of(&self, a: Ipv4Addr) -> Option<&str> {
        self.by_addr.get(&a).map(String::as_str)
    }
}

/// The reply to `q`: an A record for `A` questions of class IN, an empty
/// NOERROR answer otherwise.
pub fn answer(msg: &[u8], q: &Question, addr: Option<Ipv4Addr>) -> Vec<u8> {
    let mut out = Vec::with_capacity(q.question_end + 16);
    out.extend_from_slice(&q.id.to_be_bytes());
    // QR, opcode echoed, AA, RD echoed, RA; rcode 0 (NOTIMP for other opcodes).
    let opcode = q.flags & 0x7800;
    let rcode = if opcode == 0 { 0 } else { 4 };
    let flags = 0x8000 | opcode | 0x0400 | (q.flags & 0x0100) | 0x0080 | rcode;
    out.extend_from_slice(&flags.to_be_bytes());
    let an = u16::from(addr.is_some() && rcode == 0);
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&an.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&msg[12..q.question_end]);
    if an == 1
        && let Some(a) = addr
    {
        out.extend_from_slice(&[0xc0, 0x0c]); // name: pointer to the question
        out.extend_from_slice(&1u16.to_be_bytes()); // A
        out.extend_from_slice(&1u16.to_be_bytes()); // IN
        out.extend_from_slice(&60u32.to_be_bytes()); // TTL
        out.extend_from_slice(&4u16.to_be_bytes());
        out.extend_from_slice(&a.octets());
    }
    out
}

/// FORMERR for a query whose header could be read.
pub fn format_error(id: u16, flags: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(12);
    out.extend_from_slice(&id.to_be_bytes());
    let f = 0x8000 | (flags & 0x7900) | 0x0080 | 1;
    out.extend_from_slice(&f.to_be_bytes());
    out.extend_from_slice(&[0; 8]);
    out
}

/// Parses `msg` and builds the reply, allocating from `book`; returns the
/// reply (if any) and the recorded question.
pub fn respond(
    msg: &[u8],
    book: &mut AddressBook,
) -> (Option<Vec<u8>>, Option<crate::record::DnsQuery>) {
    match parse_query(msg) {
        Ok(q) => {
            let addr = (q.qtype == 1 && q.qclass == 1 && !q.name.is_empty())
                .then(|| book.address(&q.name));
            let reply = answer(msg, &q, addr);
            let rec = crate::record::DnsQuery {
                name: q.name.clone(),
                qtype: type_name(q.qtype),
                answer: addr.map(|a| a.to_string()),
            };
            (Some(reply), Some(rec))
        }
        Err(QueryError::Malformed { id, flags }) => (Some(format_error(id, flags)), None),
        Err(QueryError::NoHeader) => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str, qtype: u16) -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in name.split('.') {
            m.push(label.len() as u8);
            m.extend_from_slice(label.as_bytes());
        }
        m.push(0);
        m.extend_from_slice(&qtype.to_be_bytes());
        m.extend_from_slice(&1u16.to_be_bytes());
        m
    }

    #[test]
    fn a_question_gets_a_stable_loopback_address() {
        let mut book = AddressBook::default();
        let q = query("API.Moonshot.ai", 1);
        let (reply, rec) = respond(&q, &mut book);
        let reply = reply.unwrap();
        let rec = rec.unwrap();
        assert_eq!(rec.name, "api.moonshot.ai");
        assert_eq!(rec.qtype, "A");
        let addr: Ipv4Addr = rec.answer.unwrap().parse().unwrap();
        assert_eq!(addr.octets()[0], 127);
        assert_eq!(&reply[0..2], &[0x12, 0x34]);
        assert_eq!(reply[2] & 0x80, 0x80, "QR set");
        assert_eq!(u16::from_be_bytes([reply[6], reply[7]]), 1, "one answer");
        assert_eq!(&reply[reply.len() - 4..], &addr.octets());
        // Same name, same address, even in a fresh book (another cell).
        let mut other = AddressBook::default();
        assert_eq!(other.address("api.moonshot.ai"), addr);
        assert_eq!(book.name_of(addr), Some("api.moonshot.ai"));
    }

    #[test]
    fn aaaa_and_others_get_empty_answers() {
        let mut book = AddressBook::default();
        for t in [28, 65, 16] {
            let (reply, rec) = respond(&query("example.com", t), &mut book);
            let reply = reply.unwrap();
            assert_eq!(u16::from_be_bytes([reply[6], reply[7]]), 0);
            assert_eq!(rec.unwrap().answer, None);
        }
    }

    #[test]
    fn malformed_queries() {
        let mut book = AddressBook::default();
        assert_eq!(respond(&[1, 2, 3], &mut book), (None, None));
        // Compression pointer in a query: FORMERR, id echoed.
        let mut q = query("a.b", 1);
        q[12] = 0xc0;
        let (reply, rec) = respond(&q, &mut book);
        let reply = reply.unwrap();
        assert_eq!(rec, None);
        assert_eq!(&reply[0..2], &[0x12, 0x34]);
        assert_eq!(reply[3] & 0x0f, 1);
        // Truncated in the middle of a label.
        let q = query("abcdef.example", 1);
        assert!(matches!(
            parse_query(&q[..15]),
            Err(QueryError::Malformed { .. })
        ));
        // Odd bytes in a label are escaped, never passed through.
        let mut q = query("a\u{1}b", 1);
        q[14] = 0x07;
        assert_eq!(parse_query(&q).unwrap().name, "a\\007b");
    }

    #[test]
    fn mutated_queries_never_panic() {
        let seeds = [
            query("api.anthropic.com", 1),
            query("x.y", 28),
            query("", 1),
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut book = AddressBook::default();
        for i in 0..20_000 {
            let mut m = seeds[i % seeds.len()].clone();
            let n = (next() % 4) as usize;
            for _ in 0..n {
                let r = next();
                match r % 3 {
                    0 if !m.is_empty() => {
                        let at = (r >> 8) as usize % m.len();
                        m[at] = (r >> 32) as u8;
                    }
                    1 => m.truncate((r >> 8) as usize % (m.len() + 1)),
                    _ => m.push((r >> 16) as u8),
                }
            }
            let _ = respond(&m, &mut book);
        }
    }
}
