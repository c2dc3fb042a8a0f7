//! One change to the set of table files (LevelDB's `VersionEdit`), as a
//! MANIFEST record stores it (FORMAT.md, "MANIFEST"): a sequence of
//! tagged fields, each `varint32(tag)` then its payload, in any order.
//!
//! Decoding checks every field: a truncated field, an unknown tag, a level
//! out of range or a malformed internal key is an error naming the byte
//! offset, never a panic.

use super::LEVELS;
use crate::store::dbformat::{InternalKey, InternalKeyError, SequenceNumber};
use crate::util::varint;
use std::collections::BTreeSet;
use std::fmt;

/// Field tags. The numbers are on disk and never change; 8 was LevelDB's
/// long-gone "large value ref" and stays unused. Tags from 16 up are
/// reserved for strata's own fields (value-log files).
pub mod tag {
    pub const COMPARATOR: u32 = 1;
    pub const LOG_NUMBER: u32 = 2;
    pub const NEXT_FILE_NUMBER: u32 = 3;
    pub const LAST_SEQUENCE: u32 = 4;
    pub const COMPACT_POINTER: u32 = 5;
    pub const DELETED_FILE: u32 = 6;
    pub const NEW_FILE: u32 = 7;
    pub const PREV_LOG_NUMBER: u32 = 9;
}

/// A table file as the MANIFEST describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMetaData {
    pub number: u64,
    pub file_size: u64,
    /// Smallest and largest internal keys in the table.
    pub smallest: InternalKey,
    pub largest: InternalKey,
}

/// Why bytes are not a version edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionEditError {
    /// The field with this tag, starting at `offset`, is cut short or has
    /// a bad varint.
    Truncated {
        tag: u32,
        offset: usize,
    },
    UnknownTag {
        tag: u32,
        offset: usize,
    },
    BadLevel {
        level: u32,
        offset: usize,
    },
    BadInternalKey {
        error: InternalKeyError,
        offset: usize,
    },
    /// The comparator name is not UTF-8.
    BadComparatorName {
        offset: usize,
    },
}

impl fmt::Display for VersionEditError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionEditError::Truncated { tag, offset } => {
                write!(
                    formatter,
                    "version edit field {tag} at byte {offset} is truncated"
                )
            }
            VersionEditError::UnknownTag { tag, offset } => {
                write!(
                    formatter,
                    "version edit has unknown tag {tag} at byte {offset}"
                )
            }
            VersionEditError::BadLevel { level, offset } => {
                write!(
                    formatter,
                    "version edit names level {level} at byte {offset}"
                )
            }
            VersionEditError::BadInternalKey { error, offset } => {
                write!(formatter, "version edit key at byte {offset}: {error}")
            }
            VersionEditError::BadComparatorName { offset } => {
                write!(
                    formatter,
                    "version edit comparator name at byte {offset} is not UTF-8"
                )
            }
        }
    }
}

impl std::error::Error for VersionEditError {}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionEdit {
    /// Name of the user key order (checked on open).
    pub comparator: Option<String>,
    /// WAL files numbered below this are no longer needed.
    pub log_number: Option<u64>,
    /// Kept for LevelDB compatibility; always 0 when written by strata.
    pub prev_log_number: Option<u64>,
    pub next_file_number: Option<u64>,
    pub last_sequence: Option<SequenceNumber>,
    /// (level, key): where the next compaction of the level starts.
    pub compact_pointers: Vec<(usize, InternalKey)>,
    /// (level, file number) of tables removed.
    pub deleted_files: BTreeSet<(usize, u64)>,
    /// (level, file) of tables added.
    pub new_files: Vec<(usize, FileMetaData)>,
}

fn check_level(level: usize) {
    assert!(level < LEVELS, "level {level} out of range");
}

impl VersionEdit {
    pub fn new() -> VersionEdit {
        VersionEdit::default()
    }

    /// Records a new table at `level`. REQUIRES: level < LEVELS.
    pub fn add_file(&mut self, level: usize, file: FileMetaData) {
        check_level(level);
        self.new_files.push((level, file));
    }

    /// Records that table `number` left `level`. REQUIRES: level < LEVELS.
    pub fn remove_file(&mut self, level: usize, number: u64) {
        check_level(level);
        self.deleted_files.insert((level, number));
    }

    /// REQUIRES: level < LEVELS.
    pub fn set_compact_pointer(&mut self, level: usize, key: InternalKey) {
        check_level(level);
        self.compact_pointers.push((level, key));
    }

    /// Appends the encoding to `out`, fields in LevelDB's order.
    pub fn encode(&self, out: &mut Vec<u8>) {
        if let Some(name) = &self.comparator {
            varint::put_varint32(out, tag::COMPARATOR);
            varint::put_length_prefixed(out, name.as_bytes());
        }
        let numbers = [
            (tag::LOG_NUMBER, self.log_number),
            (tag::PREV_LOG_NUMBER, self.prev_log_number),
            (tag::NEXT_FILE_NUMBER, self.next_file_number),
            (tag::LAST_SEQUENCE, self.last_sequence),
        ];
        for (field, value) in numbers {
            if let Some(value) = value {
                varint::put_varint32(out, field);
                varint::put_varint64(out, value);
            }
        }
        for (level, key) in &self.compact_pointers {
            varint::put_varint32(out, tag::COMPACT_POINTER);
            varint::put_varint32(out, *level as u32);
            varint::put_length_prefixed(out, key.encoded());
        }
        for &(level, number) in &self.deleted_files {
            varint::put_varint32(out, tag::DELETED_FILE);
            varint::put_varint32(out, level as u32);
            varint::put_varint64(out, number);
        }
        for (level, file) in &self.new_files {
            varint::put_varint32(out, tag::NEW_FILE);
            varint::put_varint32(out, *level as u32);
            varint::put_varint64(out, file.number);
            varint::put_varint64(out, file.file_size);
            varint::put_length_prefixed(out, file.smallest.encoded());
            varint::put_length_prefixed(out, file.largest.encoded());
        }
    }

    pub fn decode(input: &[u8]) -> Result<VersionEdit, VersionEditError> {
        let mut edit = VersionEdit::new();
        let mut fields = Fields { input, at: 0 };
        while fields.at < input.len() {
            let offset = fields.at;
            let tag = fields
                .varint32()
                .ok_or(VersionEditError::Truncated { tag: 0, offset })?;
            let mut field = FieldReader {
                fields: &mut fields,
                tag,
                offset,
            };
            edit.decode_field(&mut field)?;
        }
        Ok(edit)
    }

    fn decode_field(&mut self, field: &mut FieldReader<'_, '_>) -> Result<(), VersionEditError> {
        match field.tag {
            tag::COMPARATOR => {
                let bytes = field.bytes()?;
                let name = std::str::from_utf8(bytes).map_err(|_| field.bad_name())?;
                self.comparator = Some(name.to_string());
            }
            tag::LOG_NUMBER => self.log_number = Some(field.varint64()?),
            tag::PREV_LOG_NUMBER => self.prev_log_number = Some(field.varint64()?),
            tag::NEXT_FILE_NUMBER => self.next_file_number = Some(field.varint64()?),
            tag::LAST_SEQUENCE => self.last_sequence = Some(field.varint64()?),
            tag::COMPACT_POINTER => {
                let level = field.level()?;
                self.compact_pointers.push((level, field.internal_key()?));
            }
            tag::DELETED_FILE => {
                let level = field.level()?;
                self.deleted_files.insert((level, field.varint64()?));
            }
            tag::NEW_FILE => {
                let level = field.level()?;
                let file = FileMetaData {
                    number: field.varint64()?,
                    file_size: field.varint64()?,
                    smallest: field.internal_key()?,
                    largest: field.internal_key()?,
                };
                self.new_files.push((level, file));
            }
            tag => {
                let offset = field.offset;
                return Err(VersionEditError::UnknownTag { tag, offset });
            }
        }
        Ok(())
    }
}

/// A cursor over the encoded fields.
struct Fields<'a> {
    input: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    fn varint32(&mut self) -> Option<u32> {
        let (value, used) = varint::get_varint32(&self.input[self.at..])?;
        self.at += used;
        Some(value)
    }

    fn varint64(&mut self) -> Option<u64> {
        let (value, used) = varint::get_varint64(&self.input[self.at..])?;
        self.at += used;
        Some(value)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let (bytes, used) = varint::get_length_prefixed(&self.input[self.at..])?;
        self.at += used;
        Some(bytes)
    }
}

/// Reads the payload of one field, turning failures into errors that name
/// the field's tag and offset.
struct FieldReader<'f, 'a> {
    fields: &'f mut Fields<'a>,
    tag: u32,
    offset: usize,
}

impl<'a> FieldReader<'_, 'a> {
    fn truncated(&self) -> VersionEditError {
        VersionEditError::Truncated {
            tag: self.tag,
            offset: self.offset,
        }
    }

    fn bad_name(&self) -> VersionEditError {
        VersionEditError::BadComparatorName {
            offset: self.offset,
        }
    }

    fn varint64(&mut self) -> Result<u64, VersionEditError> {
        self.fields.varint64().ok_or_else(|| self.truncated())
    }

    fn bytes(&mut self) -> Result<&'a [u8], VersionEditError> {
        self.fields.bytes().ok_or_else(|| self.truncated())
    }

    fn level(&mut self) -> Result<usize, VersionEditError> {
        let level = self.fields.varint32().ok_or_else(|| self.truncated())?;
        if level as usize >= LEVELS {
            let offset = self.offset;
            return Err(VersionEditError::BadLevel { level, offset });
        }
        Ok(level as usize)
    }

    fn internal_key(&mut self) -> Result<InternalKey, VersionEditError> {
        let bytes = self.bytes()?;
        let offset = self.offset;
        InternalKey::decode(bytes)
            .map_err(|error| VersionEditError::BadInternalKey { error, offset })
    }
}

#[cfg(test)]
mod tests;
