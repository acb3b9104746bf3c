//! The pending-row journal of a SQLite store: where a request's sealed row
//! becomes durable before it is forwarded, with one `write()`.
//!
//! Committing a 120 KB row into SQLite costs ~0.3–0.45 ms of CPU (the blob
//! bound, copied into ~30 overflow pages, each a WAL frame). Appending the
//! same sealed row to a plain file costs one copy into the page cache. The
//! durability is the same class as SQLite's WAL with `synchronous=NORMAL`,
//! which the store already uses: once `write()` returned, the bytes are in
//! the kernel's page cache, so `kill -9` of the guard loses nothing; a power
//! cut may lose the last records (as it may lose the last WAL commits).
//! A writer thread then ingests the rows into SQLite in batches, and the
//! journal is emptied once everything in it is committed.
//!
//! **Files.** Each writing process has its own journal next to the
//! database, `<db file>-pending-<random>`, held under an exclusive `flock`
//! for its whole life (created under another name, locked, then renamed, so
//! nobody can see it unlocked). [`replay`] — run by every [`crate::open`] of
//! a SQLite store — ingests every journal it can lock (their writer is
//! gone) and deletes it: a restart, or `plainsight audit` after a crash,
//! finds every row that was journaled. A row already stored (its `uid`
//! is unique) is skipped, so a crash between the ingest and the truncation
//! duplicates nothing.
//!
//! **Records.** `magic u32 | head_len u32 | body_len u32 | crc32 u32 |
//! epoch u32 | head | body` (little-endian), `head` the row without its
//! body as JSON, `body` the request body as stored, the CRC over epoch,
//! head and body. A record that ends early or fails its CRC ends the
//! journal (a write cut short by `kill -9` is at the tail; its request was
//! not forwarded, since `append` had not returned).
//!
//! **Reuse.** Once every row in the file is committed, the next record is
//! written at offset 0 again, over the old ones, with the next epoch: the
//! kernel's cached pages are overwritten rather than freed and allocated
//! anew (truncating the file per batch made an append cost twice as much).
//! Replay reads records of the first record's epoch only: the old ones
//! after them are committed rows (and a row still in the store would be
//! skipped by its `uid` regardless).

use std::fs::{File, OpenOptions};
use std::io::{IoSlice, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::model::{Action, Edit, NewExchange};
use crate::redact::Sealed;

/// A row, complete.
const MAGIC: u32 = 0x5053_4a31; // "PSJ1"
/// A row forwarded while its inspection ran (`observe` only); its
/// findings follow in an inspection record.
const MAGIC_PENDING: u32 = 0x5053_4a32; // "PSJ2"
/// The inspection of a pending row: `uid`, findings, reason, model.
const MAGIC_INSPECTION: u32 = 0x5053_4a33; // "PSJ3"
const HEADER: usize = 20;
/// A journal past this size is set aside for a new one (deleted once every
/// row in it is committed), so it cannot grow without bound under load
/// that never lets the writer catch up completely.
const ROTATE_AT: u64 = 64 << 20;
/// Records longer than this are refused on reading (a corrupt length).
const MAX_RECORD: usize = 1 << 30;

/// The row as journaled, without its body (written raw after it).
#[derive(Serialize)]
struct HeadRef<'a> {
    uid: &'a str,
    started_at_us: i64,
    guard: &'a str,
    client_addr: &'a str,
    agent: &'a str,
    session: Option<&'a str>,
    method: &'a str,
    path: &'a str,
    upstream: &'a str,
    api: Option<&'a str>,
    model: Option<&'a str>,
    request_headers: &'a [(String, String)],
    findings: &'a [plainsight_core::Finding],
    action: Option<Action>,
    reason: Option<&'a str>,
    edits: &'a [Edit],
}

#[derive(Deserialize)]
struct Head {
    uid: String,
    started_at_us: i64,
    guard: String,
    client_addr: String,
    agent: String,
    session: Option<String>,
    method: String,
    path: String,
    upstream: String,
    api: Option<String>,
    model: Option<String>,
    request_headers: Vec<(String, String)>,
    findings: Vec<plainsight_core::Finding>,
    action: Option<Action>,
    reason: Option<String>,
    edits: Vec<Edit>,
}

fn head_of(x: &NewExchange) -> Vec<u8> {
    serde_json::to_vec(&HeadRef {
        uid: &x.uid,
        started_at_us: x.started_at_us,
        guard: &x.guard,
        client_addr: &x.client_addr,
        agent: &x.agent,
        session: x.session.as_deref(),
        method: &x.method,
        path: &x.path,
        upstream: &x.upstream,
        api: x.api.as_deref(),
        model: x.model.as_deref(),
        request_headers: &x.request_headers,
        findings: &x.findings,
        action: x.action,
        reason: x.reason.as_deref(),
        edits: &x.edits,
    })
    .expect("journal rows serialise")
}

fn row_of(h: Head, body: Vec<u8>) -> NewExchange {
    NewExchange {
        uid: h.uid,
        started_at_us: h.started_at_us,
        guard: h.guard,
        client_addr: h.client_addr,
        agent: h.agent,
        session: h.session,
        method: h.method,
        path: h.path,
        upstream: h.upstream,
        api: h.api,
        model: h.model,
        request_headers: h.request_headers,
        request_body: body.into(),
        findings: h.findings,
        action: h.action,
        reason: h.reason,
        edits: h.edits,
    }
}

/// Which journal file a row went into, and where its body is; handed to
/// [`Journal::restore`] for the body and back to [`Journal::ingested`] once
/// the row is committed in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    generation: u64,
    body_at: u64,
    body_len: u32,
}

/// This process's journal of one SQLite store.
pub struct Journal {
    dir: PathBuf,
    prefix: String,
    state: Mutex<State>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.dir)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

struct Part {
    /// Shared with [`Journal::restore`], which reads outside the lock.
    file: Arc<File>,
    path: PathBuf,
    generation: u64,
    /// Where the next record goes (the file may be longer: old records).
    size: u64,
    epoch: u32,
    appended: u64,
    ingested: u64,
}

struct State {
    current: Part,
    /// Set aside by rotation, deleted once every row in them is committed.
    retired: Vec<Part>,
    /// A failed write leaves a record cut short at the end: nothing more may
    /// be appended to that file, or replay would stop before it.
    poisoned: bool,
}

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("{what} {}: {e}", path.display()))
}

/// Where the journals of the store at `db` live, and their name prefix.
fn place(db: &Path) -> (PathBuf, String) {
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = db
        .file_name()
        .map_or_else(|| "audit".into(), |n| n.to_string_lossy().into_owned());
    (dir, format!("{name}-pending-"))
}

impl Journal {
    /// Creates this process's journal next to the database `db`.
    pub fn create(db: &Path) -> Result<Journal, StoreError> {
        let (dir, prefix) = place(db);
        let current = new_part(&dir, &prefix, 0)?;
        Ok(Journal {
            dir,
            prefix,
            state: Mutex::new(State {
                current,
                retired: Vec::new(),
                poisoned: false,
            }),
        })
    }

    /// The file rows are appended to now.
    pub fn path(&self) -> PathBuf {
        self.lock().current.path.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends the row with one `write()` (looped only if the kernel wrote
    /// less); when it returns `Ok`, the row survives `kill -9`. `then` runs
    /// under the journal's lock, so rows handed on from it keep the
    /// journal's order. The row it gets has no body: the body is in the
    /// journal, and [`Journal::restore`] reads it back when the row is
    /// committed — rows waiting for the writer do not hold their bodies in
    /// memory.
    pub fn append<T>(
        &self,
        row: Sealed<NewExchange>,
        then: impl FnOnce(Ticket, Sealed<NewExchange>) -> T,
    ) -> Result<T, StoreError> {
        self.write(MAGIC, row, true, then)
    }

    /// Appends a row whose inspection is still running (it is forwarded
    /// meanwhile: `observe` only); [`Journal::append_inspection`] follows.
    /// Replay gives a row whose inspection never came a PS621 finding
    /// saying so.
    pub fn append_pending<T>(
        &self,
        row: Sealed<NewExchange>,
        then: impl FnOnce(Ticket, Sealed<NewExchange>) -> T,
    ) -> Result<T, StoreError> {
        self.write(MAGIC_PENDING, row, true, then)
    }

    /// Appends the inspection of a pending row: its `uid`, findings,
    /// reason and model (see [`Sealed::with_inspection`]).
    pub fn append_inspection(
        &self,
        inspection: Sealed<NewExchange>,
    ) -> Result<Sealed<NewExchange>, StoreError> {
        self.write(MAGIC_INSPECTION, inspection, false, |_, x| x)
    }

    fn write<T>(
        &self,
        magic: u32,
        row: Sealed<NewExchange>,
        counted: bool,
        then: impl FnOnce(Ticket, Sealed<NewExchange>) -> T,
    ) -> Result<T, StoreError> {
        let x = row.get();
        let head = head_of(x);
        let body = &x.request_body;
        let too_long = |n: usize| {
            u32::try_from(n).map_err(|_| {
                StoreError::Unavailable(format!("a journal record of {n} bytes is too long"))
            })
        };
        let (head_len, body_len) = (too_long(head.len())?, too_long(body.len())?);
        let total = (HEADER + head.len() + body.len()) as u64;

        let mut st = self.lock();
        if st.poisoned {
            return Err(StoreError::Unavailable(
                "the audit journal had a failed write; restart the guard".into(),
            ));
        }
        if st.current.size > 0 && st.current.size + total > ROTATE_AT {
            self.rotate(&mut st)?;
        }
        let part = &mut st.current;
        let body_at = part.size + (HEADER + head.len()) as u64;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&part.epoch.to_le_bytes());
        crc.update(&head);
        crc.update(body);
        let mut header = [0u8; HEADER];
        header[0..4].copy_from_slice(&magic.to_le_bytes());
        header[4..8].copy_from_slice(&head_len.to_le_bytes());
        header[8..12].copy_from_slice(&body_len.to_le_bytes());
        header[12..16].copy_from_slice(&crc.finalize().to_le_bytes());
        header[16..20].copy_from_slice(&part.epoch.to_le_bytes());
        let written = (&*part.file)
            .seek(SeekFrom::Start(part.size))
            .and_then(|_| write_all(&part.file, &[&header, &head, body]));
        if let Err(e) = written {
            let e = io_err("writing the audit journal", &part.path, &e);
            st.poisoned = true;
            return Err(e);
        }
        part.size += total;
        // Inspection records ride along with their row: not counted.
        part.appended += u64::from(counted);
        let ticket = Ticket {
            generation: part.generation,
            body_at,
            body_len,
        };
        let (row, body) = if counted {
            row.take_body()
        } else {
            (row, bytes::Bytes::new())
        };
        let handed = then(ticket, row);
        // The body is freed outside the lock.
        drop(st);
        drop(body);
        Ok(handed)
    }

    /// The row of `ticket` with its body read back from the journal (a row
    /// not yet [`Journal::ingested`]: its record is still there).
    pub fn restore(
        &self,
        ticket: &Ticket,
        row: &mut Sealed<NewExchange>,
    ) -> Result<(), StoreError> {
        let (file, path) = {
            let st = self.lock();
            let part = std::iter::once(&st.current)
                .chain(&st.retired)
                .find(|p| p.generation == ticket.generation)
                .ok_or_else(|| {
                    StoreError::Unavailable(format!(
                        "the audit journal no longer holds the body of row {}",
                        row.get().uid
                    ))
                })?;
            (part.file.clone(), part.path.clone())
        };
        // Outside the lock (requests append meanwhile): the record stays
        // where it is until its row is ingested, which is after this.
        let mut body = vec![0u8; ticket.body_len as usize];
        read_exact_at(&file, &mut body, ticket.body_at)
            .map_err(|e| io_err("reading back the audit journal", &path, &e))?;
        row.set_body(body);
        Ok(())
    }

    fn rotate(&self, st: &mut State) -> Result<(), StoreError> {
        let next = new_part(&self.dir, &self.prefix, st.current.generation + 1)?;
        let old = std::mem::replace(&mut st.current, next);
        st.retired.push(old);
        Ok(())
    }

    /// Rows with these tickets are committed in the store: a journal file
    /// whose rows are all committed is emptied (the current one) or deleted
    /// (one set aside).
    pub fn ingested(&self, tickets: &[Ticket]) -> Result<(), StoreError> {
        let mut st = self.lock();
        for t in tickets {
            if t.generation == st.current.generation {
                st.current.ingested += 1;
            } else if let Some(p) = st.retired.iter_mut().find(|p| p.generation == t.generation) {
                p.ingested += 1;
            }
        }
        let mut done = Vec::new();
        st.retired.retain_mut(|p| {
            let keep = p.ingested < p.appended;
            if !keep {
                done.push(p.path.clone());
            }
            keep
        });
        for path in done {
            std::fs::remove_file(&path).map_err(|e| io_err("removing", &path, &e))?;
        }
        let poisoned = st.poisoned;
        let cur = &mut st.current;
        if cur.appended == cur.ingested && cur.size > 0 && !poisoned {
            // Written over from the start, with the next epoch.
            cur.size = 0;
            cur.epoch = cur.epoch.wrapping_add(1);
            cur.appended = 0;
            cur.ingested = 0;
            // A new generation: tickets of rows written before the
            // truncation cannot be counted against the emptied file.
            cur.generation += 1 << 32;
        }
        Ok(())
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Everything committed: nothing to replay, so no file is left.
        let st = self.lock();
        if !st.poisoned && st.retired.is_empty() && st.current.appended == st.current.ingested {
            let _ = std::fs::remove_file(&st.current.path);
        }
    }
}

fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

fn write_all(mut file: &File, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut parts: Vec<&[u8]> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    while !parts.is_empty() {
        let slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
        let mut n = match file.write_vectored(&slices) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        while let Some(first) = parts.first_mut() {
            if n >= first.len() {
                n -= first.len();
                parts.remove(0);
            } else {
                *first = &first[n..];
                break;
            }
        }
    }
    Ok(())
}

fn new_part(dir: &Path, prefix: &str, generation: u64) -> Result<Part, StoreError> {
    let tag = crate::random_hex(8)?;
    // Created under a name replay does not look at, locked, then renamed:
    // a journal is never visible unlocked while its writer lives.
    let temp = dir.join(format!(".{prefix}{tag}.new"));
    let path = dir.join(format!("{prefix}{tag}"));
    let file = OpenOptions::new()
        .create_new(true)
        .read(true)
        .write(true)
        .open(&temp)
        .map_err(|e| io_err("creating the audit journal", &temp, &e))?;
    file.try_lock()
        .map_err(|e| StoreError::Unavailable(format!("locking {}: {e}", temp.display())))?;
    std::fs::rename(&temp, &path).map_err(|e| io_err("naming the audit journal", &path, &e))?;
    Ok(Part {
        file: Arc::new(file),
        path,
        generation,
        size: 0,
        epoch: 0,
        appended: 0,
        ingested: 0,
    })
}

/// One record read back.
struct Rec {
    magic: u32,
    row: Sealed<NewExchange>,
}

/// The records of a journal: every complete one, up to the first that
/// ends early or fails its check (a write cut short is at the end).
fn parse(bytes: &[u8]) -> Vec<Rec> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut epoch = None;
    while bytes.len() - at >= HEADER {
        let word = |i: usize| {
            u32::from_le_bytes(bytes[at + i..at + i + 4].try_into().expect("four bytes"))
        };
        let magic = word(0);
        if ![MAGIC, MAGIC_PENDING, MAGIC_INSPECTION].contains(&magic) {
            break;
        }
        let (head_len, body_len, crc, this) =
            (word(4) as usize, word(8) as usize, word(12), word(16));
        // Records of an older epoch are committed rows written over.
        if *epoch.get_or_insert(this) != this {
            break;
        }
        let len = head_len.saturating_add(body_len);
        if len > MAX_RECORD || bytes.len() - at - HEADER < len {
            break;
        }
        let head = &bytes[at + HEADER..at + HEADER + head_len];
        let body = &bytes[at + HEADER + head_len..at + HEADER + len];
        let mut h = crc32fast::Hasher::new();
        h.update(&this.to_le_bytes());
        h.update(head);
        h.update(body);
        if h.finalize() != crc {
            break;
        }
        let Ok(head) = serde_json::from_slice::<Head>(head) else {
            break;
        };
        // The journal holds only rows that were sealed before writing.
        out.push(Rec {
            magic,
            row: Sealed::journaled(row_of(head, body.to_vec())),
        });
        at += HEADER + len;
    }
    out
}

/// Rows with their inspections joined in; a pending row whose inspection
/// was never written gets a PS621 finding saying so (it was forwarded:
/// it is never reported as clean).
fn join(recs: Vec<Rec>) -> Vec<Sealed<NewExchange>> {
    let mut inspections: std::collections::HashMap<String, Sealed<NewExchange>> = recs
        .iter()
        .filter(|r| r.magic == MAGIC_INSPECTION)
        .map(|r| (r.row.get().uid.clone(), r.row.clone()))
        .collect();
    recs.into_iter()
        .filter_map(|r| match r.magic {
            MAGIC => Some(r.row),
            MAGIC_PENDING => Some(match inspections.remove(&r.row.get().uid) {
                Some(i) => r.row.with_inspection(i),
                None => r.row.inspection_lost(),
            }),
            _ => None,
        })
        .collect()
}

/// The rows of a journal, as replay stores them (inspections joined).
pub fn read_records(bytes: &[u8]) -> Vec<Sealed<NewExchange>> {
    join(parse(bytes))
}

/// Stores rows (skipping those already stored), returning how many were new.
pub type Ingest<'a> = dyn FnMut(&[Sealed<NewExchange>]) -> Result<usize, StoreError> + 'a;

/// Ingests every journal of the store at `db` whose writer is gone (its
/// lock is free) and deletes it; returns how many rows were new to the
/// store. Journals of running writers are left alone.
pub fn replay(db: &Path, ingest: &mut Ingest<'_>) -> Result<usize, StoreError> {
    let (dir, prefix) = place(db);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_err("listing", &dir, &e)),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    paths.sort();
    // Every journal first: a row's inspection may be in the next file.
    let mut recs = Vec::new();
    let mut done = Vec::new();
    for path in paths {
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_err("opening the audit journal", &path, &e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            // Its writer is alive and will ingest it.
            Err(std::fs::TryLockError::WouldBlock) => continue,
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(io_err("locking the audit journal", &path, &e));
            }
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io_err("reading the audit journal", &path, &e))?;
        recs.extend(parse(&bytes));
        // Kept open (and locked) until its rows are stored.
        done.push((path, file));
    }
    let mut new_rows = 0;
    for chunk in join(recs).chunks(64) {
        new_rows += ingest(chunk)?;
    }
    for (path, _file) in done {
        std::fs::remove_file(&path).map_err(|e| io_err("removing", &path, &e))?;
    }
    Ok(new_rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(uid: &str, body: &[u8]) -> Sealed<NewExchange> {
        Sealed::journaled(NewExchange {
            uid: uid.into(),
            started_at_us: 7,
            guard: "g".into(),
            agent: "a".into(),
            session: Some("s".into()),
            method: "POST".into(),
            path: "/v1/messages".into(),
            request_headers: vec![("x".into(), "y".into())],
            request_body: body.to_vec().into(),
            action: Some(Action::Forwarded),
            ..NewExchange::default()
        })
    }

    /// A small row, one of 200 KB and one with no body.
    fn three_rows() -> [Sealed<NewExchange>; 3] {
        [
            row("a", b"{\"x\":1}"),
            row("b", &vec![b'z'; 200_000]),
            row("c", b""),
        ]
    }

    #[test]
    #[allow(clippy::many_single_char_names)]
    fn records_round_trip_and_a_cut_tail_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("audit.sqlite3");
        let j = Journal::create(&db).unwrap();
        let [a, b, c] = three_rows();
        for r in [&a, &b, &c] {
            j.append((*r).clone(), |_, _| ()).unwrap();
        }
        let bytes = std::fs::read(j.path()).unwrap();
        let rows = read_records(&bytes);
        assert_eq!(rows.len(), 3);
        for (got, want) in rows.iter().zip([&a, &b, &c]) {
            assert_eq!(got.get(), want.get());
        }
        // Every cut short of the end loses exactly the record it cuts.
        let ends: Vec<usize> = {
            let mut v = Vec::new();
            let mut at = 0;
            for r in [&a, &b, &c] {
                at += HEADER + head_of(r.get()).len() + r.get().request_body.len();
                v.push(at);
            }
            v
        };
        for cut in [
            0,
            1,
            15,
            16,
            17,
            ends[0] - 1,
            ends[0],
            ends[0] + 3,
            ends[1] - 1,
            ends[2] - 1,
        ] {
            let n = read_records(&bytes[..cut]).len();
            assert_eq!(
                n,
                ends.iter().filter(|&&e| e <= cut).count(),
                "cut at {cut}"
            );
        }
        // A flipped byte fails the check: the record and what follows go.
        let mut bad = bytes.clone();
        bad[ends[0] + HEADER + 5] ^= 1;
        assert_eq!(read_records(&bad).len(), 1);
    }

    #[test]
    #[allow(clippy::many_single_char_names)]
    fn rows_are_handed_on_without_their_bodies_and_restored_from_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("audit.sqlite3");
        let j = Journal::create(&db).unwrap();
        let [a, b, c] = three_rows();
        let mut handed = Vec::new();
        for r in [&a, &b] {
            handed.push(j.append((*r).clone(), |t, r| (t, r)).unwrap());
        }
        // Set aside by rotation: still read back from the old file.
        {
            let mut st = j.lock();
            j.rotate(&mut st).unwrap();
        }
        handed.push(j.append(c.clone(), |t, r| (t, r)).unwrap());
        for ((t, got), want) in handed.iter_mut().zip([&a, &b, &c]) {
            assert!(got.get().request_body.is_empty());
            j.restore(t, got).unwrap();
            assert_eq!(got.get(), want.get());
        }
        // Inspection records are handed back whole (they have no body).
        let i = j.append_inspection(row("a", b"")).unwrap();
        assert_eq!(i.get().uid, "a");
        // Rows of a file whose rows were all committed are gone.
        let tickets: Vec<Ticket> = handed.iter().map(|(t, _)| *t).collect();
        j.ingested(&tickets[..2]).unwrap();
        let mut gone = handed[0].1.clone();
        assert!(j.restore(&tickets[0], &mut gone).is_err());
    }

    #[test]
    fn a_live_journal_is_not_replayed_and_a_dead_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("audit.sqlite3");
        let j = Journal::create(&db).unwrap();
        j.append(row("a", b"1"), |_, _| ()).unwrap();
        let mut seen = Vec::new();
        let mut ingest = |rows: &[Sealed<NewExchange>]| {
            seen.extend(rows.iter().map(|r| r.get().uid.clone()));
            Ok(rows.len())
        };
        assert_eq!(replay(&db, &mut ingest).unwrap(), 0, "locked: alive");
        // Its writer dies without ingesting (`kill -9`: the lock goes with
        // the process; here, with the file handle): the file stays.
        let path = j.path();
        drop(j);
        assert!(path.exists());
        assert_eq!(replay(&db, &mut ingest).unwrap(), 1);
        assert_eq!(seen, ["a"]);
        assert!(!path.exists(), "replayed journals are deleted");
    }

    #[test]
    fn committed_rows_empty_the_journal_and_rotation_deletes_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("audit.sqlite3");
        let j = Journal::create(&db).unwrap();
        let t1 = j.append(row("a", b"1"), |t, _| t).unwrap();
        let t2 = j.append(row("b", b"2"), |t, _| t).unwrap();
        j.ingested(&[t1]).unwrap();
        assert!(std::fs::metadata(j.path()).unwrap().len() > 0, "b pending");
        j.ingested(&[t2]).unwrap();
        // All committed: the next record is written over the first, in the
        // next epoch, and only it is read back (not `b` after it).
        let t3 = j.append(row("c", b"3"), |t, _| t).unwrap();
        let uids = |p: &Path| -> Vec<String> {
            read_records(&std::fs::read(p).unwrap())
                .iter()
                .map(|r| r.get().uid.clone())
                .collect()
        };
        assert_eq!(uids(&j.path()), ["c"]);
        // Rotation: the old file goes once its rows are committed.
        let old = j.path();
        {
            let mut st = j.lock();
            j.rotate(&mut st).unwrap();
        }
        let t4 = j.append(row("d", b"4"), |t, _| t).unwrap();
        assert_ne!(j.path(), old);
        assert!(old.exists());
        j.ingested(&[t3]).unwrap();
        assert!(!old.exists());
        j.ingested(&[t4]).unwrap();
        let path = j.path();
        drop(j);
        assert!(!path.exists(), "nothing pending: no file left");
    }

    #[test]
    fn pending_rows_take_their_inspection_or_say_it_was_lost() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("audit.sqlite3");
        let j = Journal::create(&db).unwrap();
        let mut f = plainsight_core::Finding::new(
            plainsight_core::Rule::ConfusableCharacter,
            "x".to_owned(),
            plainsight_core::Location::default(),
        );
        f.severity = plainsight_core::Severity::High;
        j.append_pending(row("p1", b"{}"), |_, _| ()).unwrap();
        j.append_pending(row("p2", b"{}"), |_, _| ()).unwrap();
        // p1's inspection lands in the next file (rotation in between).
        {
            let mut st = j.lock();
            j.rotate(&mut st).unwrap();
        }
        let inspection = NewExchange {
            uid: "p1".into(),
            findings: vec![f.clone()],
            reason: Some("observed: x".into()),
            model: Some("m".into()),
            ..NewExchange::default()
        };
        j.append_inspection(Sealed::journaled(inspection)).unwrap();
        drop(j);
        let mut got = Vec::new();
        replay(&db, &mut |rows: &[Sealed<NewExchange>]| {
            got.extend(rows.iter().map(|r| r.get().clone()));
            Ok(rows.len())
        })
        .unwrap();
        got.sort_by(|a, b| a.uid.cmp(&b.uid));
        assert_eq!(got.len(), 2, "the inspection record is not a row");
        assert_eq!(got[0].findings, [f]);
        assert_eq!(got[0].reason.as_deref(), Some("observed: x"));
        assert_eq!(got[0].model.as_deref(), Some("m"));
        assert_eq!(got[0].request_body, &b"{}"[..]);
        assert_eq!(got[1].findings.len(), 1);
        assert_eq!(got[1].findings[0].rule.code(), "PS621");
        assert_eq!(
            got[1].findings[0].severity,
            plainsight_core::Severity::Medium
        );
    }

    /// A damaged journal (any bytes changed, cut or inserted) never panics
    /// the reader and never yields a row that was not written: what it
    /// reads is the written rows, in order, up to the damage.
    #[test]
    fn mutated_journals_yield_a_prefix_of_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("audit.sqlite3");
        let j = Journal::create(&db).unwrap();
        let written: Vec<NewExchange> = (0..6)
            .map(|i| row(&format!("r{i}"), "x".repeat(i * 300).as_bytes()).into_inner())
            .collect();
        for (i, r) in written.iter().enumerate() {
            let r = Sealed::journaled(r.clone());
            if i % 2 == 0 {
                j.append(r, |_, _| ()).unwrap();
            } else {
                j.append_pending(r, |_, _| ()).unwrap();
            }
        }
        let bytes = std::fs::read(j.path()).unwrap();
        let mut rng = fastrand::Rng::with_seed(0x5053_4a31);
        for _ in 0..3_000 {
            let mut b = bytes.clone();
            for _ in 0..rng.usize(1..4) {
                let at = rng.usize(0..b.len());
                match rng.u8(0..3) {
                    0 => b[at] = rng.u8(..),
                    1 => b.truncate(at),
                    _ => b.insert(at, rng.u8(..)),
                }
                if b.is_empty() {
                    break;
                }
            }
            let got = read_records(&b);
            assert!(got.len() <= written.len());
            for (g, w) in got.iter().zip(&written) {
                let g = g.get();
                assert_eq!(g.uid, w.uid);
                assert_eq!(g.request_body, w.request_body);
                // A pending row without its inspection says so.
                assert!(g.findings.iter().all(|f| f.rule.code() == "PS621"));
            }
        }
    }
}
