//! Sequence numbers, value types and internal keys (LevelDB's
//! `dbformat`); the layout is in FORMAT.md, "Internal keys".
//!
//! An internal key is `user_key ++ fixed64(sequence << 8 | type)`. Internal
//! keys sort by user key ascending, then by sequence descending, then by
//! type descending, so the newest version of a key comes first.
//!
//! Bad bytes: functions that read an internal key from disk return `Err`
//! (`parse_internal_key`); the comparator and `extract_user_key` accept any
//! bytes (a key shorter than 8 bytes is all user key, trailer 0) so that a
//! damaged key orders deterministically instead of panicking.

use crate::store::comparator::{BYTEWISE_COMPARATOR_NAME, BytewiseComparator, Comparator};
use crate::util::varint;
use std::cmp::Ordering;
use std::fmt;

pub type SequenceNumber = u64;

/// Largest sequence number: 56 bits, so it packs with a type byte in a u64.
pub const SEQUENCE_NUMBER_MAX: SequenceNumber = (1 << 56) - 1;
/// Bytes of the `sequence << 8 | type` trailer of an internal key.
pub const TRAILER_BYTES: usize = 8;

/// What an entry of the tree says about its key. The byte values are on
/// disk (in the WAL, in tables) and never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum ValueType {
    /// The key was deleted (a tombstone); no value.
    Deletion = 0,
    /// The value is stored inline.
    Value = 1,
    /// The value lives in a value-log file (WiscKey); the entry holds a
    /// pointer to it (file number, offset, length; see FORMAT.md). Not in
    /// LevelDB; chosen as the next free byte so LevelDB's two keep theirs.
    ValuePointer = 2,
}

/// The type to put in a seek key: the largest, so that a seek for
/// (user key, s) lands on the newest entry with sequence ≤ s.
pub const VALUE_TYPE_FOR_SEEK: ValueType = ValueType::ValuePointer;

impl ValueType {
    pub fn from_byte(byte: u8) -> Option<ValueType> {
        match byte {
            0 => Some(ValueType::Deletion),
            1 => Some(ValueType::Value),
            2 => Some(ValueType::ValuePointer),
            _ => None,
        }
    }
}

/// Why bytes are not an internal key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InternalKeyError {
    TooShort { bytes: usize },
    UnknownValueType(u8),
}

impl fmt::Display for InternalKeyError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InternalKeyError::TooShort { bytes } => {
                write!(formatter, "internal key of {bytes} bytes is shorter than 8")
            }
            InternalKeyError::UnknownValueType(byte) => {
                write!(formatter, "internal key has unknown value type {byte}")
            }
        }
    }
}

impl std::error::Error for InternalKeyError {}

/// `sequence << 8 | type`. REQUIRES: sequence ≤ SEQUENCE_NUMBER_MAX.
pub fn pack_sequence_and_type(sequence: SequenceNumber, value_type: ValueType) -> u64 {
    assert!(
        sequence <= SEQUENCE_NUMBER_MAX,
        "sequence {sequence} over 56 bits"
    );
    (sequence << 8) | value_type as u64
}

/// An internal key taken apart; borrows the user key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedInternalKey<'a> {
    pub user_key: &'a [u8],
    pub sequence: SequenceNumber,
    pub value_type: ValueType,
}

/// Appends the internal key for (user key, sequence, type) to `out`.
pub fn append_internal_key(
    out: &mut Vec<u8>,
    user_key: &[u8],
    sequence: SequenceNumber,
    value_type: ValueType,
) {
    out.extend_from_slice(user_key);
    let tag = pack_sequence_and_type(sequence, value_type);
    varint::put_fixed64(out, tag);
}

pub fn parse_internal_key(internal_key: &[u8]) -> Result<ParsedInternalKey<'_>, InternalKeyError> {
    let bytes = internal_key.len();
    let Some(split) = bytes.checked_sub(TRAILER_BYTES) else {
        return Err(InternalKeyError::TooShort { bytes });
    };
    let (user_key, trailer) = internal_key.split_at(split);
    let tag = varint::get_fixed64(trailer).ok_or(InternalKeyError::TooShort { bytes })?;
    let type_byte = tag as u8;
    let value_type =
        ValueType::from_byte(type_byte).ok_or(InternalKeyError::UnknownValueType(type_byte))?;
    Ok(ParsedInternalKey {
        user_key,
        sequence: tag >> 8,
        value_type,
    })
}

/// The user key part (all of it if the key is shorter than a trailer).
pub fn extract_user_key(internal_key: &[u8]) -> &[u8] {
    match internal_key.len().checked_sub(TRAILER_BYTES) {
        Some(split) => &internal_key[..split],
        None => internal_key,
    }
}

/// The `sequence << 8 | type` trailer (0 if the key is too short).
pub fn extract_trailer(internal_key: &[u8]) -> u64 {
    match internal_key.len().checked_sub(TRAILER_BYTES) {
        Some(split) => varint::get_fixed64(&internal_key[split..]).unwrap_or(0),
        None => 0,
    }
}

/// User key ascending, then trailer (sequence, type) descending.
#[inline]
pub fn compare_internal_keys(a: &[u8], b: &[u8]) -> Ordering {
    extract_user_key(a)
        .cmp(extract_user_key(b))
        .then_with(|| extract_trailer(b).cmp(&extract_trailer(a)))
}

/// The order of internal keys over the bytewise user order.
#[derive(Clone, Copy, Debug, Default)]
pub struct InternalKeyComparator;

/// Name LevelDB gives the internal key order.
pub const INTERNAL_KEY_COMPARATOR_NAME: &str = "leveldb.InternalKeyComparator";

impl InternalKeyComparator {
    /// Name of the user order, as recorded in the MANIFEST.
    pub fn user_comparator_name(&self) -> &'static str {
        BYTEWISE_COMPARATOR_NAME
    }
}

/// The smallest internal key for `user_key` (the newest possible entry).
fn append_seek_trailer(out: &mut Vec<u8>) {
    let tag = pack_sequence_and_type(SEQUENCE_NUMBER_MAX, VALUE_TYPE_FOR_SEEK);
    varint::put_fixed64(out, tag);
}

impl Comparator for InternalKeyComparator {
    fn name(&self) -> &str {
        INTERNAL_KEY_COMPARATOR_NAME
    }

    fn compare(&self, a: &[u8], b: &[u8]) -> Ordering {
        compare_internal_keys(a, b)
    }

    fn find_shortest_separator(&self, start: &mut Vec<u8>, limit: &[u8]) {
        let user_start = extract_user_key(start);
        let mut shortened = user_start.to_vec();
        BytewiseComparator.find_shortest_separator(&mut shortened, extract_user_key(limit));
        if shortened.len() < user_start.len() && user_start < &shortened[..] {
            // The user key grew but got shorter: give it the earliest trailer.
            append_seek_trailer(&mut shortened);
            assert!(compare_internal_keys(start, &shortened) == Ordering::Less);
            assert!(compare_internal_keys(&shortened, limit) == Ordering::Less);
            *start = shortened;
        }
    }

    fn find_short_successor(&self, key: &mut Vec<u8>) {
        let user_key = extract_user_key(key);
        let mut shortened = user_key.to_vec();
        BytewiseComparator.find_short_successor(&mut shortened);
        if shortened.len() < user_key.len() && user_key < &shortened[..] {
            append_seek_trailer(&mut shortened);
            assert!(compare_internal_keys(key, &shortened) == Ordering::Less);
            *key = shortened;
        }
    }
}

/// An owned, encoded internal key (as kept in file metadata).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct InternalKey {
    encoded: Vec<u8>,
}

impl InternalKey {
    pub fn new(user_key: &[u8], sequence: SequenceNumber, value_type: ValueType) -> InternalKey {
        let mut encoded = Vec::with_capacity(user_key.len() + TRAILER_BYTES);
        append_internal_key(&mut encoded, user_key, sequence, value_type);
        InternalKey { encoded }
    }

    /// Wraps encoded bytes after checking they parse.
    pub fn decode(encoded: &[u8]) -> Result<InternalKey, InternalKeyError> {
        parse_internal_key(encoded)?;
        Ok(InternalKey {
            encoded: encoded.to_vec(),
        })
    }

    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }

    pub fn user_key(&self) -> &[u8] {
        extract_user_key(&self.encoded)
    }
}

impl fmt::Debug for InternalKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match parse_internal_key(&self.encoded) {
            Ok(parsed) => write!(
                formatter,
                "'{}' @ {} : {:?}",
                parsed.user_key.escape_ascii(),
                parsed.sequence,
                parsed.value_type
            ),
            Err(_) => write!(formatter, "(bad){}", self.encoded.escape_ascii()),
        }
    }
}

/// A key for looking up `user_key` as of `sequence` in a memtable or
/// table (LevelDB's `LookupKey`):
/// `varint32(user_key.len() + 8) ++ user_key ++ fixed64(sequence << 8 | 2)`.
pub struct LookupKey {
    data: LookupBytes,
    /// Where the internal key starts (after the varint length).
    key_start: usize,
}

/// Bytes of a lookup key kept inline (LevelDB's `space_[200]`): a point
/// read of a key this short allocates nothing.
const LOOKUP_KEY_INLINE_BYTES: usize = 128;

/// A lookup key's bytes: inline when short, else on the heap.
enum LookupBytes {
    Inline {
        bytes: [u8; LOOKUP_KEY_INLINE_BYTES],
        len: usize,
    },
    Heap(Vec<u8>),
}

impl LookupKey {
    pub fn new(user_key: &[u8], sequence: SequenceNumber) -> LookupKey {
        let internal_bytes = user_key.len() + TRAILER_BYTES;
        let internal_bytes = u32::try_from(internal_bytes).expect("user key over 4 GiB");
        if internal_bytes as usize + varint::VARINT32_BYTES_MAX > LOOKUP_KEY_INLINE_BYTES {
            let mut data = Vec::with_capacity(internal_bytes as usize + varint::VARINT32_BYTES_MAX);
            varint::put_varint32(&mut data, internal_bytes);
            let key_start = data.len();
            append_internal_key(&mut data, user_key, sequence, VALUE_TYPE_FOR_SEEK);
            return LookupKey {
                data: LookupBytes::Heap(data),
                key_start,
            };
        }
        let mut bytes = [0u8; LOOKUP_KEY_INLINE_BYTES];
        // varint32 of the internal key's length, as `put_varint32` writes it.
        let mut key_start = 0;
        let mut rest = internal_bytes;
        while rest >= 0x80 {
            bytes[key_start] = (rest as u8) | 0x80;
            rest >>= 7;
            key_start += 1;
        }
        bytes[key_start] = rest as u8;
        key_start += 1;
        let user_end = key_start + user_key.len();
        bytes[key_start..user_end].copy_from_slice(user_key);
        let tag = pack_sequence_and_type(sequence, VALUE_TYPE_FOR_SEEK);
        bytes[user_end..user_end + TRAILER_BYTES].copy_from_slice(&tag.to_le_bytes());
        LookupKey {
            data: LookupBytes::Inline {
                bytes,
                len: user_end + TRAILER_BYTES,
            },
            key_start,
        }
    }

    fn bytes(&self) -> &[u8] {
        match &self.data {
            LookupBytes::Inline { bytes, len } => &bytes[..*len],
            LookupBytes::Heap(data) => data,
        }
    }

    /// The length-prefixed internal key, as memtable entries begin.
    pub fn memtable_key(&self) -> &[u8] {
        self.bytes()
    }

    pub fn internal_key(&self) -> &[u8] {
        &self.bytes()[self.key_start..]
    }

    pub fn user_key(&self) -> &[u8] {
        let bytes = self.bytes();
        &bytes[self.key_start..bytes.len() - TRAILER_BYTES]
    }
}

#[cfg(test)]
mod tests;
