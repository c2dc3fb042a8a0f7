//! An atomic group of updates (LevelDB's `WriteBatch`), kept in the exact
//! byte form the WAL stores (FORMAT.md, "Write batch"):
//!
//! ```text
//! rep    := sequence: fixed64, count: fixed32, record{count}
//! record := 0x01 varstring(key) varstring(value)      (Value)
//!         | 0x00 varstring(key)                       (Deletion)
//!         | 0x02 varstring(key) varstring(pointer)    (ValuePointer)
//! ```
//!
//! The records of a batch get consecutive sequence numbers starting at the
//! header's. A rep read back from the WAL may be damaged despite its
//! checksum (a bug, a bad disk): `iterate` checks every byte and returns
//! an error instead of panicking.

use crate::store::dbformat::{SequenceNumber, ValueType};
use crate::util::varint;
use std::fmt;

/// Bytes of the header: sequence (8) and count (4).
pub const HEADER_BYTES: usize = 12;
/// Longest varint32 length prefix, in bytes.
const VARINT32_BYTES_MAX: usize = 5;

/// Why a rep is not a valid batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteBatchError {
    /// Shorter than the 12-byte header.
    TooSmall { bytes: usize },
    /// A record at `offset` is cut short or its lengths are bad.
    BadRecord { offset: usize },
    /// A record at `offset` starts with an unknown tag byte.
    UnknownTag { tag: u8, offset: usize },
    /// The header's count disagrees with the records found.
    WrongCount { header: u32, found: u32 },
}

impl fmt::Display for WriteBatchError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteBatchError::TooSmall { bytes } => {
                write!(
                    formatter,
                    "write batch of {bytes} bytes is shorter than its header"
                )
            }
            WriteBatchError::BadRecord { offset } => {
                write!(formatter, "bad write batch record at byte {offset}")
            }
            WriteBatchError::UnknownTag { tag, offset } => {
                write!(formatter, "unknown write batch tag {tag} at byte {offset}")
            }
            WriteBatchError::WrongCount { header, found } => {
                write!(
                    formatter,
                    "write batch says {header} records, holds {found}"
                )
            }
        }
    }
}

impl std::error::Error for WriteBatchError {}

/// Receives the records of a batch, in order.
pub trait Handler {
    fn put(&mut self, key: &[u8], value: &[u8]);
    fn delete(&mut self, key: &[u8]);
    /// A value kept in the value log; `pointer` is its encoded location.
    fn put_value_pointer(&mut self, key: &[u8], pointer: &[u8]);
}

/// The header of a batch with no records.
const EMPTY_HEADER: [u8; HEADER_BYTES] = [0; HEADER_BYTES];

/// Invariant: `rep` is empty (a batch with no records and a zero header,
/// which costs no allocation: the Db takes batches out of a group with
/// `mem::take`, and a zeroed 12-byte vector for each cost a `calloc`) or
/// holds the header and its records.
#[derive(Clone)]
pub struct WriteBatch {
    rep: Vec<u8>,
}

impl PartialEq for WriteBatch {
    fn eq(&self, other: &WriteBatch) -> bool {
        self.contents() == other.contents()
    }
}

impl Eq for WriteBatch {}

impl Default for WriteBatch {
    fn default() -> WriteBatch {
        WriteBatch::new()
    }
}

impl fmt::Debug for WriteBatch {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sequence, count) = (self.sequence(), self.count());
        write!(
            formatter,
            "WriteBatch {{ sequence: {sequence}, count: {count}, "
        )?;
        write!(formatter, "bytes: {} }}", self.approximate_size())
    }
}

impl WriteBatch {
    /// An empty batch (allocates nothing until its first record).
    pub fn new() -> WriteBatch {
        WriteBatch { rep: Vec::new() }
    }

    /// A batch over bytes read back from the WAL; checks the header and
    /// every record.
    pub fn from_contents(rep: Vec<u8>) -> Result<WriteBatch, WriteBatchError> {
        if rep.len() < HEADER_BYTES {
            return Err(WriteBatchError::TooSmall { bytes: rep.len() });
        }
        let batch = WriteBatch { rep };
        batch.iterate(&mut Validate)?;
        Ok(batch)
    }

    /// The rep, as the WAL stores it.
    pub fn contents(&self) -> &[u8] {
        if self.rep.is_empty() {
            &EMPTY_HEADER
        } else {
            &self.rep
        }
    }

    /// Gives an empty rep its header, reserving room for `more_bytes`
    /// after it (so a batch of one record allocates once).
    fn materialize_header(&mut self, more_bytes: usize) {
        if self.rep.is_empty() {
            self.rep.reserve_exact(HEADER_BYTES + more_bytes);
            self.rep.extend_from_slice(&EMPTY_HEADER);
        }
    }

    pub fn put(&mut self, key: &[u8], value: &[u8]) {
        self.add_record(ValueType::Value, key, Some(value));
    }

    pub fn delete(&mut self, key: &[u8]) {
        self.add_record(ValueType::Deletion, key, None);
    }

    pub fn put_value_pointer(&mut self, key: &[u8], pointer: &[u8]) {
        self.add_record(ValueType::ValuePointer, key, Some(pointer));
    }

    fn add_record(&mut self, value_type: ValueType, key: &[u8], value: Option<&[u8]>) {
        // One growth per record at most (a fresh batch would otherwise
        // reallocate two or three times for its first put).
        let value_bytes = value.map_or(0, <[u8]>::len);
        let record_bytes_max = 1 + 2 * VARINT32_BYTES_MAX + key.len() + value_bytes;
        self.materialize_header(record_bytes_max);
        let count = self
            .count()
            .checked_add(1)
            .expect("write batch over u32::MAX records");
        self.set_count(count);
        self.rep.reserve(record_bytes_max);
        self.rep.push(value_type as u8);
        varint::put_length_prefixed(&mut self.rep, key);
        if let Some(value) = value {
            varint::put_length_prefixed(&mut self.rep, value);
        }
    }

    /// Removes every record and zeroes the header (keeps the allocation).
    pub fn clear(&mut self) {
        self.rep.clear();
    }

    /// Bytes of the rep: what the batch costs in the WAL.
    pub fn approximate_size(&self) -> usize {
        self.contents().len()
    }

    pub fn count(&self) -> u32 {
        varint::get_fixed32(&self.contents()[8..]).expect("rep always holds its header")
    }

    pub fn set_count(&mut self, count: u32) {
        self.materialize_header(0);
        self.rep[8..HEADER_BYTES].copy_from_slice(&count.to_le_bytes());
    }

    /// Sequence number of the first record.
    pub fn sequence(&self) -> SequenceNumber {
        varint::get_fixed64(self.contents()).expect("rep always holds its header")
    }

    pub fn set_sequence(&mut self, sequence: SequenceNumber) {
        self.materialize_header(0);
        self.rep[..8].copy_from_slice(&sequence.to_le_bytes());
    }

    /// Appends the records of `source` (group commit joins batches so).
    pub fn append(&mut self, source: &WriteBatch) {
        let records = &source.contents()[HEADER_BYTES..];
        if records.is_empty() {
            return;
        }
        let count = self.count().checked_add(source.count());
        self.materialize_header(records.len());
        self.set_count(count.expect("write batch over u32::MAX records"));
        self.rep.extend_from_slice(records);
    }

    /// Calls `handler` for each record in order. On bad bytes, returns the
    /// error after the records before them were handled.
    pub fn iterate(&self, handler: &mut dyn Handler) -> Result<(), WriteBatchError> {
        let mut offset = HEADER_BYTES;
        let mut found: u32 = 0;
        while offset < self.contents().len() {
            offset = self.handle_record(offset, handler)?;
            found = found.saturating_add(1);
        }
        let header = self.count();
        if found != header {
            return Err(WriteBatchError::WrongCount { header, found });
        }
        Ok(())
    }

    /// Handles the record at `offset`; returns the offset after it.
    fn handle_record(
        &self,
        offset: usize,
        handler: &mut dyn Handler,
    ) -> Result<usize, WriteBatchError> {
        let tag = self.rep[offset];
        let bad = WriteBatchError::BadRecord { offset };
        let value_type =
            ValueType::from_byte(tag).ok_or(WriteBatchError::UnknownTag { tag, offset })?;
        let mut at = offset + 1;
        let (key, used) = varint::get_length_prefixed(&self.rep[at..]).ok_or(bad)?;
        at += used;
        if value_type == ValueType::Deletion {
            handler.delete(key);
            return Ok(at);
        }
        let (value, used) = varint::get_length_prefixed(&self.rep[at..]).ok_or(bad)?;
        at += used;
        match value_type {
            ValueType::Value => handler.put(key, value),
            _ => handler.put_value_pointer(key, value),
        }
        Ok(at)
    }
}

/// A handler that does nothing, to check a rep.
struct Validate;

impl Handler for Validate {
    fn put(&mut self, _key: &[u8], _value: &[u8]) {}
    fn delete(&mut self, _key: &[u8]) {}
    fn put_value_pointer(&mut self, _key: &[u8], _pointer: &[u8]) {}
}

#[cfg(test)]
mod tests;
