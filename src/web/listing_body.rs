//! A folder listing's JSON (API.md, "The file tree API": `GET` of a
//! folder), produced while the connection sends it.
//!
//! The bytes are exactly `json::to_compact` of the listing object
//! (`path`, `node`, `kind`, `at`, `entries` of `fs_api::entry_members`),
//! written straight from the entries without a `Value` per member (a
//! 10,000-entry folder is 60,000 of them). Their length is known before
//! the first byte (each entry's is the sum of its parts: [`entry_bytes`]),
//! so the answer keeps its `Content-Length`, and the body is written in
//! pieces of about [`PIECE_BYTES`] as the connection asks for them: the
//! client receives the first entries while the server writes the rest
//! (a 10,000-entry listing is 2.4 MB of JSON).
//!
//! Guarantee: the reader never yields more or fewer bytes than
//! [`ListingBody::length`]; a mismatch (a bug) is an `InvalidData` error
//! that ends the connection, never a truncated answer that looks whole.

use crate::blob::BlobRef;
use crate::fs::{Entry, TreePath};
use crate::index::Kind;
use crate::util::json;
use crate::util::rfc3339::Timestamp;
use std::io::{self, Read};

/// Bytes of JSON written ahead of the connection at most (plus one entry).
pub const PIECE_BYTES: usize = 128 << 10;

// The fixed text of an entry, in the order written.
const NAME_OPEN: &str = "{\"name\":";
const NODE_OPEN: &str = ",\"node\":";
const KIND_OPEN: &str = ",\"kind\":\"";
const SIZE_OPEN: &str = "\",\"size\":";
const CONTENT_OPEN: &str = ",\"content\":";
const MODIFIED_OPEN: &str = ",\"modified\":";
const ENTRY_CLOSE: &str = "}";
const NULL: &str = "null";
/// Between two entries.
const SEPARATOR: &str = ",";
/// After the last entry.
const TAIL: &str = "]}";

/// A listing's body (see the module header): a `Read` of its JSON.
pub struct ListingBody {
    entries: Vec<Entry>,
    /// The first entry not yet written into `piece`.
    next_entry: usize,
    /// Written and not yet read: `piece[read..]`.
    piece: String,
    read: usize,
    tail_written: bool,
    length: u64,
    yielded: u64,
    dates: DateWriter,
}

impl ListingBody {
    /// The listing of `folder` (at `path`) holding `entries`; `given_at`
    /// is the `at` the request named (`null` when none).
    pub fn new(
        path: &TreePath,
        folder: &Entry,
        given_at: Option<Timestamp>,
        entries: Vec<Entry>,
    ) -> ListingBody {
        let mut piece = String::with_capacity(PIECE_BYTES + 1024);
        push_head(path, folder, given_at, &mut piece);
        let separators = entries.len().saturating_sub(1) * SEPARATOR.len();
        let entries_bytes: u64 = entries.iter().map(entry_bytes).sum();
        let length = (piece.len() + separators + TAIL.len()) as u64 + entries_bytes;
        ListingBody {
            entries,
            next_entry: 0,
            piece,
            read: 0,
            tail_written: false,
            length,
            yielded: 0,
            dates: DateWriter::default(),
        }
    }

    /// The body's length in bytes.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// The whole body in one string (a small listing, and tests).
    pub fn into_string(mut self) -> io::Result<String> {
        let mut whole = Vec::with_capacity(self.length as usize);
        self.read_to_end(&mut whole)?;
        String::from_utf8(whole).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }

    /// Writes the next piece: entries until it holds [`PIECE_BYTES`],
    /// then the tail once they are all written.
    fn refill(&mut self) {
        self.piece.clear();
        self.read = 0;
        while self.piece.len() < PIECE_BYTES {
            let Some(entry) = self.entries.get(self.next_entry) else {
                if !self.tail_written {
                    self.piece.push_str(TAIL);
                    self.tail_written = true;
                }
                return;
            };
            if self.next_entry > 0 {
                self.piece.push_str(SEPARATOR);
            }
            push_entry(entry, &mut self.dates, &mut self.piece);
            self.next_entry += 1;
        }
    }
}

impl Read for ListingBody {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.read == self.piece.len() {
            self.refill();
        }
        let available = &self.piece.as_bytes()[self.read..];
        let count = available.len().min(out.len());
        out[..count].copy_from_slice(&available[..count]);
        self.read += count;
        self.yielded += count as u64;
        let announced = self.length;
        let mismatch = self.yielded > announced || (count == 0 && self.yielded != announced);
        if mismatch && !out.is_empty() {
            let message = format!(
                "listing body: {} bytes, announced {announced}",
                self.yielded
            );
            return Err(io::Error::new(io::ErrorKind::InvalidData, message));
        }
        Ok(count)
    }
}

/// `{"path":…,"node":…,"kind":"folder","at":…,"entries":[`.
fn push_head(path: &TreePath, folder: &Entry, given_at: Option<Timestamp>, out: &mut String) {
    out.push_str("{\"path\":");
    json::write_compact_string(&path.to_string(), out);
    out.push_str(",\"node\":");
    push_ref(&folder.node, out);
    out.push_str(",\"kind\":\"folder\",\"at\":");
    match given_at {
        Some(at) => push_date(at, out),
        None => out.push_str(NULL),
    }
    out.push_str(",\"entries\":[");
}

/// One entry as `fs_api::entry_members` makes it, written compactly.
fn push_entry(entry: &Entry, dates: &mut DateWriter, out: &mut String) {
    out.push_str(NAME_OPEN);
    json::write_compact_string(&entry.name, out);
    out.push_str(NODE_OPEN);
    push_ref(&entry.node, out);
    out.push_str(KIND_OPEN);
    out.push_str(kind_text(entry.kind));
    out.push_str(SIZE_OPEN);
    push_u64(entry.size, out);
    out.push_str(CONTENT_OPEN);
    match &entry.content {
        Some(content) => push_ref(content, out),
        None => out.push_str(NULL),
    }
    out.push_str(MODIFIED_OPEN);
    dates.push(entry.modified, out);
    out.push_str(ENTRY_CLOSE);
}

/// The bytes [`push_entry`] writes for `entry`, counted without writing.
fn entry_bytes(entry: &Entry) -> u64 {
    let fixed = NAME_OPEN.len()
        + NODE_OPEN.len()
        + KIND_OPEN.len()
        + SIZE_OPEN.len()
        + CONTENT_OPEN.len()
        + MODIFIED_OPEN.len()
        + ENTRY_CLOSE.len();
    let content = entry.content.as_ref().map_or(NULL.len(), ref_bytes);
    let varying = string_bytes(&entry.name)
        + ref_bytes(&entry.node)
        + kind_text(entry.kind).len()
        + u64_digits(entry.size)
        + content
        + date_bytes(entry.modified);
    (fixed + varying) as u64
}

fn kind_text(kind: Kind) -> &'static str {
    match kind {
        Kind::File => "file",
        Kind::Folder => "folder",
    }
}

/// A ref's text as a JSON string: it needs no escape (`sha224-` and
/// lowercase hex), so it is copied as it is.
fn push_ref(blob_ref: &BlobRef, out: &mut String) {
    out.push('"');
    out.push_str(blob_ref.as_str());
    out.push('"');
}

fn ref_bytes(blob_ref: &BlobRef) -> usize {
    blob_ref.as_str().len() + 2
}

/// The bytes of `text` as `json::write_compact_string` writes it: quoted,
/// `"` and `\` as two bytes, other control characters as `\u00XX`.
fn string_bytes(text: &str) -> usize {
    let escapes: usize = text
        .bytes()
        .map(|byte| match byte {
            b'"' | b'\\' => 1,
            0..0x20 => 5,
            _ => 0,
        })
        .sum();
    text.len() + escapes + 2
}

/// A date as `fs_api::date_value` writes it, as a JSON string.
fn push_date(date: Timestamp, out: &mut String) {
    out.push('"');
    date.push_rfc3339(out);
    out.push('"');
}

/// [`push_date`] for many dates, most of them in the same second (a
/// folder's files are often made together): the calendar part of the
/// last second written is kept and reused.
#[derive(Default)]
struct DateWriter {
    /// The second whose `YYYY-MM-DDTHH:MM:SS` is `calendar`.
    second: Option<i64>,
    calendar: String,
}

impl DateWriter {
    fn push(&mut self, date: Timestamp, out: &mut String) {
        let second = date.unix_seconds();
        if self.second != Some(second) {
            let whole = Timestamp::new(second, 0).expect("the second of a valid date");
            self.calendar.clear();
            whole.push_rfc3339(&mut self.calendar);
            self.calendar.pop(); // its `Z`
            self.second = Some(second);
        }
        out.push('"');
        out.push_str(&self.calendar);
        let nanos = date.nanos();
        if nanos != 0 {
            let mut digits = [0u8; 10];
            digits[0] = b'.';
            let mut rest = nanos;
            for slot in digits[1..].iter_mut().rev() {
                *slot = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            let used = digits
                .iter()
                .rposition(|&digit| digit != b'0')
                .map_or(1, |last| last + 1);
            out.push_str(std::str::from_utf8(&digits[..used]).expect("digits are ASCII"));
        }
        out.push_str("Z\"");
    }
}

/// The bytes of [`push_date`]: `YYYY-MM-DDTHH:MM:SS` (19), the fraction
/// without trailing zeros after a `.` when there are nanoseconds, `Z`,
/// and the quotes.
fn date_bytes(date: Timestamp) -> usize {
    let mut nanos = date.nanos();
    if nanos == 0 {
        return 19 + 1 + 2;
    }
    let mut digits = 9;
    while nanos.is_multiple_of(10) {
        nanos /= 10;
        digits -= 1;
    }
    19 + 1 + digits + 1 + 2
}

/// `value` in decimal, as a JSON number (what `Value::from(u64)` writes).
fn push_u64(value: u64, out: &mut String) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[start..]).expect("digits are ASCII"));
}

fn u64_digits(value: u64) -> usize {
    value.checked_ilog10().map_or(1, |log| log as usize + 1)
}

#[cfg(test)]
mod tests;
