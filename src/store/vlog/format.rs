//! The bytes of a value-log file (FORMAT.md in this folder): the file
//! header, the record header with its per-block checksums, and the
//! `ValuePointer` the tree stores in place of a value.
//!
//! Everything here is pure: encoders write into a `Vec`, decoders take a
//! slice and return `Err` on bad bytes, never panic.

use super::error::Corruption;
use crate::util::crc32c;
use crate::util::varint;

/// Bytes of the file header: magic (8), version (4), checksum (4).
pub const FILE_HEADER_BYTES: u64 = 16;
/// The first eight bytes of every value-log file.
pub const FILE_MAGIC: [u8; 8] = *b"STRAVLOG";
/// The format version this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The kind byte of a record holding one value.
pub const KIND_VALUE: u8 = 1;
/// Bytes of value covered by one block checksum; a streaming reader
/// verifies and hands out values in blocks of this size.
pub const VALUE_BLOCK_BYTES: u64 = 64 * 1024;
/// Longest key a record may hold.
pub const KEY_BYTES_MAX: u64 = 1 << 20;
/// Longest value a record may hold (blobs are at most 16 MiB).
pub const VALUE_BYTES_MAX: u64 = 64 << 20;
/// Bytes of the header checksum field.
pub const HEADER_CRC_BYTES: u64 = 4;
/// Bytes of one block checksum.
pub const BLOCK_CRC_BYTES: u64 = 4;
/// Shortest record header: crc, kind, two one-byte varints, no key, no
/// blocks (an empty value).
pub const RECORD_HEADER_BYTES_MIN: u64 = HEADER_CRC_BYTES + 3;
/// Bytes before the key: crc, kind and the two longest varints.
pub const HEADER_PREFIX_BYTES_MAX: u64 = HEADER_CRC_BYTES + 1 + 5 + 10;
/// Longest record header: the longest prefix, key and checksum array.
pub const RECORD_HEADER_BYTES_MAX: u64 = HEADER_PREFIX_BYTES_MAX
    + KEY_BYTES_MAX
    + BLOCK_CRC_BYTES * (VALUE_BYTES_MAX / VALUE_BLOCK_BYTES);

const _: () = assert!(VALUE_BYTES_MAX.is_multiple_of(VALUE_BLOCK_BYTES));
const _: () = assert!(RECORD_HEADER_BYTES_MAX <= u32::MAX as u64);
const _: () = assert!(VALUE_BYTES_MAX + RECORD_HEADER_BYTES_MAX <= usize::MAX as u64);

/// Where a value lives: the record at `offset` of file `file_number`,
/// whose header is `header_len` bytes and whose value follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValuePointer {
    pub file_number: u64,
    /// File offset of the record's first byte (its header checksum).
    pub offset: u64,
    pub header_len: u32,
    pub value_len: u64,
}

/// Why bytes from the tree are not a `ValuePointer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointerError {
    /// The bytes end inside a varint, or a varint is over-long.
    Truncated,
    /// Bytes follow the last field.
    TrailingBytes,
    /// A varint has a needless zero continuation group (so one pointer
    /// has one encoding).
    NotCanonical,
    /// The fields decode but break the format's limits.
    OutOfRange,
}

impl ValuePointer {
    /// Longest encoding, in bytes.
    pub const ENCODED_BYTES_MAX: usize = 10 + 10 + 5 + 10;

    /// Appends the compact encoding: four varints (FORMAT.md).
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        varint::put_varint64(out, self.file_number);
        varint::put_varint64(out, self.offset);
        varint::put_varint32(out, self.header_len);
        varint::put_varint64(out, self.value_len);
    }

    /// Decodes exactly the bytes `encode_to` wrote.
    pub fn decode(whole: &[u8]) -> Result<ValuePointer, PointerError> {
        let input = whole;
        let (file_number, used) = varint::get_varint64(input).ok_or(PointerError::Truncated)?;
        let input = &input[used..];
        let (offset, used) = varint::get_varint64(input).ok_or(PointerError::Truncated)?;
        let input = &input[used..];
        let (header_len, used) = varint::get_varint32(input).ok_or(PointerError::Truncated)?;
        let input = &input[used..];
        let (value_len, used) = varint::get_varint64(input).ok_or(PointerError::Truncated)?;
        let consumed = whole.len() - input.len();
        if used != input.len() {
            return Err(PointerError::TrailingBytes);
        }
        let pointer = ValuePointer {
            file_number,
            offset,
            header_len,
            value_len,
        };
        if pointer.encoded_len() != consumed + used {
            return Err(PointerError::NotCanonical);
        }
        if !pointer.is_in_range() {
            return Err(PointerError::OutOfRange);
        }
        Ok(pointer)
    }

    /// Bytes `encode_to` writes.
    pub fn encoded_len(&self) -> usize {
        varint::varint_length(self.file_number)
            + varint::varint_length(self.offset)
            + varint::varint_length(u64::from(self.header_len))
            + varint::varint_length(self.value_len)
    }

    /// True when the fields respect the format's limits.
    pub fn is_in_range(&self) -> bool {
        let header_len = u64::from(self.header_len);
        self.offset >= FILE_HEADER_BYTES
            && (RECORD_HEADER_BYTES_MIN..=RECORD_HEADER_BYTES_MAX).contains(&header_len)
            && self.value_len <= VALUE_BYTES_MAX
            && self.offset.checked_add(self.record_bytes()).is_some()
    }

    /// File offset of the value's first byte.
    pub fn value_offset(&self) -> u64 {
        self.offset + u64::from(self.header_len)
    }

    /// Bytes of the whole record: header and value.
    pub fn record_bytes(&self) -> u64 {
        u64::from(self.header_len) + self.value_len
    }

    /// File offset just past the record.
    pub fn end_offset(&self) -> u64 {
        self.offset + self.record_bytes()
    }
}

/// Number of 64 KiB blocks (the last one shorter) a value is cut into.
pub fn block_count(value_len: u64) -> u64 {
    value_len.div_ceil(VALUE_BLOCK_BYTES)
}

/// Bytes of block `block_index` of a value of `value_len` bytes.
pub fn block_bytes(value_len: u64, block_index: u64) -> u64 {
    let start = block_index * VALUE_BLOCK_BYTES;
    assert!(start < value_len);
    (value_len - start).min(VALUE_BLOCK_BYTES)
}

/// The masked crc32c of one value block, as stored in the header.
pub fn block_crc(block: &[u8]) -> u32 {
    crc32c::mask(crc32c::value(block))
}

/// The masked crc32c of every 64 KiB block of `value`.
pub fn block_crcs(value: &[u8]) -> Vec<u32> {
    value
        .chunks(VALUE_BLOCK_BYTES as usize)
        .map(block_crc)
        .collect()
}

/// The 16-byte file header.
pub fn encode_file_header() -> [u8; FILE_HEADER_BYTES as usize] {
    let mut header = [0u8; FILE_HEADER_BYTES as usize];
    header[..8].copy_from_slice(&FILE_MAGIC);
    header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    let crc = crc32c::mask(crc32c::value(&header[..12]));
    header[12..].copy_from_slice(&crc.to_le_bytes());
    header
}

/// Checks a file header read from disk.
pub fn check_file_header(header: &[u8; FILE_HEADER_BYTES as usize]) -> Result<(), Corruption> {
    let expected = u32::from_le_bytes([header[12], header[13], header[14], header[15]]);
    let actual = crc32c::mask(crc32c::value(&header[..12]));
    if expected != actual {
        return Err(Corruption::FileHeaderChecksumMismatch { expected, actual });
    }
    if header[..8] != FILE_MAGIC {
        return Err(Corruption::BadMagic);
    }
    let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    if version != FORMAT_VERSION {
        return Err(Corruption::UnsupportedVersion { version });
    }
    Ok(())
}

/// Bytes of the header of a record with this key and value length.
pub fn record_header_bytes(key_len: u64, value_len: u64) -> u64 {
    HEADER_CRC_BYTES
        + 1
        + varint::varint_length(key_len) as u64
        + varint::varint_length(value_len) as u64
        + key_len
        + BLOCK_CRC_BYTES * block_count(value_len)
}

/// Appends a record header (checksum, kind, lengths, key, block
/// checksums). REQUIRES: lengths within limits, one crc per block.
pub fn encode_record_header(key: &[u8], value_len: u64, crcs: &[u32], out: &mut Vec<u8>) {
    assert!(key.len() as u64 <= KEY_BYTES_MAX && value_len <= VALUE_BYTES_MAX);
    assert!(crcs.len() as u64 == block_count(value_len));
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_CRC_BYTES as usize]);
    out.push(KIND_VALUE);
    varint::put_varint32(out, key.len() as u32);
    varint::put_varint64(out, value_len);
    out.extend_from_slice(key);
    for crc in crcs {
        out.extend_from_slice(&crc.to_le_bytes());
    }
    let body = start + HEADER_CRC_BYTES as usize;
    let crc = crc32c::mask(crc32c::value(&out[body..]));
    out[start..body].copy_from_slice(&crc.to_le_bytes());
    assert!((out.len() - start) as u64 == record_header_bytes(key.len() as u64, value_len));
}

/// The lengths a record header starts with, read before its checksum can
/// be checked (they say how long the header is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderPrefix {
    pub kind: u8,
    pub key_len: u64,
    pub value_len: u64,
    /// Bytes of checksum, kind and varints.
    pub prefix_len: u64,
}

impl HeaderPrefix {
    /// Bytes of the whole header these lengths imply.
    pub fn header_len(&self) -> u64 {
        self.prefix_len + self.key_len + BLOCK_CRC_BYTES * block_count(self.value_len)
    }
}

/// Why `parse_prefix` returned no prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixError {
    /// `bytes` ends before the prefix does (a torn tail, if it is the
    /// end of the file).
    Incomplete,
    Bad(Corruption),
}

/// Parses the checksum, kind and lengths at the start of `bytes`, and
/// checks them against the format's limits (not yet the checksum).
pub fn parse_prefix(bytes: &[u8]) -> Result<HeaderPrefix, PrefixError> {
    let crc_bytes = HEADER_CRC_BYTES as usize;
    let kind = *bytes.get(crc_bytes).ok_or(PrefixError::Incomplete)?;
    if kind != KIND_VALUE {
        return Err(PrefixError::Bad(Corruption::UnknownKind { kind }));
    }
    let mut at = crc_bytes + 1;
    let key_len = parse_varint(&bytes[at..], 5, &mut at)?;
    let value_len = parse_varint(&bytes[at..], 10, &mut at)?;
    if key_len > KEY_BYTES_MAX {
        return Err(PrefixError::Bad(Corruption::KeyTooLong {
            key_bytes: key_len,
        }));
    }
    if value_len > VALUE_BYTES_MAX {
        let what = Corruption::ValueTooLong {
            value_bytes: value_len,
        };
        return Err(PrefixError::Bad(what));
    }
    Ok(HeaderPrefix {
        kind,
        key_len,
        value_len,
        prefix_len: at as u64,
    })
}

/// One varint of at most `bytes_max` bytes; advances `at`.
fn parse_varint(bytes: &[u8], bytes_max: usize, at: &mut usize) -> Result<u64, PrefixError> {
    match varint::get_varint64(bytes) {
        Some((value, used)) if used <= bytes_max => {
            *at += used;
            Ok(value)
        }
        Some(_) => Err(PrefixError::Bad(Corruption::BadHeaderEncoding)),
        None if bytes.len() < bytes_max && bytes.iter().all(|byte| byte & 0x80 != 0) => {
            Err(PrefixError::Incomplete)
        }
        None => Err(PrefixError::Bad(Corruption::BadHeaderEncoding)),
    }
}

/// A record header whose checksum matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHeader {
    pub key: Vec<u8>,
    pub value_len: u64,
    /// Masked crc32c of each value block, in order.
    pub block_crcs: Vec<u32>,
    pub header_len: u64,
}

/// Checks and parses a whole record header (`bytes` is exactly the
/// header: checksum through the last block checksum).
pub fn parse_record_header(bytes: &[u8]) -> Result<RecordHeader, Corruption> {
    let crc_bytes = HEADER_CRC_BYTES as usize;
    let stored = bytes
        .get(..crc_bytes)
        .ok_or(Corruption::BadHeaderEncoding)?;
    let expected = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let actual = crc32c::mask(crc32c::value(&bytes[crc_bytes..]));
    if expected != actual {
        return Err(Corruption::HeaderChecksumMismatch { expected, actual });
    }
    let prefix = match parse_prefix(bytes) {
        Ok(prefix) => prefix,
        Err(PrefixError::Incomplete) => return Err(Corruption::BadHeaderEncoding),
        Err(PrefixError::Bad(what)) => return Err(what),
    };
    if prefix.header_len() != bytes.len() as u64 {
        return Err(Corruption::BadHeaderEncoding);
    }
    let key_start = prefix.prefix_len as usize;
    let crcs_start = key_start + prefix.key_len as usize;
    let block_crcs = bytes[crcs_start..]
        .chunks_exact(BLOCK_CRC_BYTES as usize)
        .map(|crc| u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]))
        .collect();
    Ok(RecordHeader {
        key: bytes[key_start..crcs_start].to_vec(),
        value_len: prefix.value_len,
        block_crcs,
        header_len: bytes.len() as u64,
    })
}

/// Checks block `block_index` of a value against its stored checksum.
pub fn check_block(block_index: u64, expected: u32, block: &[u8]) -> Result<(), Corruption> {
    let actual = block_crc(block);
    if actual != expected {
        return Err(Corruption::BlockChecksumMismatch {
            block_index,
            expected,
            actual,
        });
    }
    Ok(())
}
