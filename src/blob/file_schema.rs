//! The `file` and `bytes` schema blobs: a file's content as a list of
//! parts, in Perkeep's format (its `doc/schema/file.md`, `bytes.md`, and
//! `populateParts`), written in its canonical JSON.
//!
//! ```text
//! {"camliVersion": 1,
//!   "camliType": "file",
//!   "fileName": "photo.jpg",
//!   "parts": [
//!     {
//!       "blobRef": "sha224-…",
//!       "size": 262144
//!     },
//!     {
//!       "bytesRef": "sha224-…",
//!       "size": 1048576
//!     }
//!   ]
//! }
//! ```
//!
//! A part is `size` bytes taken from `offset` (default 0, written only when
//! not 0) of either a blob (`blobRef`: a chunk) or the content described by
//! another `bytes` schema blob (`bytesRef`), or, with neither ref, `size`
//! zero bytes. The parts follow each other; the content's size is their
//! sum. A `bytes` blob is the same without `fileName`; `file` may also have
//! `unixMtime` (RFC 3339). `fileName` is left out when empty, as Perkeep
//! does. Parsing accepts any valid JSON with these members (other members
//! are ignored) and rejects anything that would make the parts ambiguous.

use super::blobref::{BlobRef, BlobRefError};
use crate::util::json::{self, Value};
use std::fmt;
use std::io;

/// The largest schema blob strata writes or reads (PERKEEP.md).
pub const SCHEMA_BYTES_MAX: usize = 1 << 20;
/// The most parts one schema blob can list: a part takes more than 64
/// bytes of canonical JSON, so more could not fit in [`SCHEMA_BYTES_MAX`].
pub const PARTS_MAX: usize = SCHEMA_BYTES_MAX / 64;

/// What a part's bytes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartTarget {
    /// A blob of raw bytes (a chunk).
    Blob(BlobRef),
    /// The content described by a `bytes` schema blob.
    Bytes(BlobRef),
    /// Zero bytes, stored nowhere.
    Zeros,
}

/// One part: `size` bytes from `offset` of `target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub target: PartTarget,
    pub size: u64,
    pub offset: u64,
}

impl Part {
    /// The whole of a chunk of `size` bytes.
    pub fn blob(blob_ref: BlobRef, size: u64) -> Part {
        Part {
            target: PartTarget::Blob(blob_ref),
            size,
            offset: 0,
        }
    }

    /// The whole content of a `bytes` blob of `size` bytes.
    pub fn bytes(bytes_ref: BlobRef, size: u64) -> Part {
        Part {
            target: PartTarget::Bytes(bytes_ref),
            size,
            offset: 0,
        }
    }
}

/// Which of the two content schemas a blob is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentType {
    File,
    Bytes,
}

impl ContentType {
    /// The `camliType` value.
    pub fn name(self) -> &'static str {
        match self {
            ContentType::File => "file",
            ContentType::Bytes => "bytes",
        }
    }
}

/// The members of a `file` blob besides its parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileMeta {
    /// The base name; left out of the blob when empty.
    pub file_name: String,
    /// Modification time as RFC 3339 text, if known.
    pub unix_mtime: Option<String>,
}

/// Why a blob is not a valid `file` or `bytes` schema blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaError {
    /// Larger than [`SCHEMA_BYTES_MAX`].
    TooLarge { bytes: usize },
    /// Not JSON.
    Json(json::ParseError),
    /// JSON, but not an object.
    NotAnObject,
    /// `camliVersion` is missing or not 1.
    BadCamliVersion,
    /// `camliType` is missing or neither `file` nor `bytes`.
    NotContent,
    /// `parts` is missing or not an array.
    MissingParts,
    /// More than [`PARTS_MAX`] parts.
    TooManyParts { count: usize },
    /// Part `index` is not an object.
    PartNotObject { index: usize },
    /// Part `index` names both a `blobRef` and a `bytesRef`.
    PartHasTwoRefs { index: usize },
    /// Part `index` has a ref that does not parse.
    PartBadRef { index: usize, error: BlobRefError },
    /// Part `index` lacks `size`, or its `size` or `offset` is not a
    /// non-negative integer.
    PartBadNumber { index: usize },
    /// The sizes add up to more than 2^64 - 1 bytes, or a part's offset
    /// plus its size does.
    SizeOverflow,
    /// `fileName` is present but not a string.
    BadFileName,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::TooLarge { bytes } => write!(formatter, "schema blob of {bytes} bytes"),
            SchemaError::Json(error) => write!(formatter, "schema blob is not JSON: {error}"),
            SchemaError::NotAnObject => write!(formatter, "schema blob is not an object"),
            SchemaError::BadCamliVersion => write!(formatter, "camliVersion is not 1"),
            SchemaError::NotContent => write!(formatter, "camliType is not file or bytes"),
            SchemaError::MissingParts => write!(formatter, "parts missing or not an array"),
            SchemaError::TooManyParts { count } => write!(formatter, "{count} parts"),
            SchemaError::PartNotObject { index } => {
                write!(formatter, "part {index}: not an object")
            }
            SchemaError::PartHasTwoRefs { index } => {
                write!(formatter, "part {index}: both blobRef and bytesRef")
            }
            SchemaError::PartBadRef { index, error } => write!(formatter, "part {index}: {error}"),
            SchemaError::PartBadNumber { index } => {
                write!(formatter, "part {index}: size or offset is not a u64")
            }
            SchemaError::SizeOverflow => write!(formatter, "part sizes overflow u64"),
            SchemaError::BadFileName => write!(formatter, "fileName is not a string"),
        }
    }
}

impl std::error::Error for SchemaError {}

/// Why writing or reading a file's content failed.
#[derive(Debug)]
pub enum FileError {
    /// The sink or the source failed.
    Io(io::Error),
    /// A schema blob in the tree is invalid.
    Schema { blob: BlobRef, error: SchemaError },
    /// A part asks for bytes beyond the end of what it names: `needed`
    /// bytes of `blob`, which has `actual`.
    PartBeyondTarget {
        blob: BlobRef,
        needed: u64,
        actual: u64,
    },
    /// `bytes` blobs nest deeper than the reader allows (or loop).
    TooDeep { blob: BlobRef },
    /// The range asked for is not within the content's `size` bytes.
    RangeOutOfBounds { start: u64, end: u64, size: u64 },
    /// A schema blob would exceed [`SCHEMA_BYTES_MAX`]: the file has too
    /// many chunks that cannot be grouped.
    TooManyParts { count: usize },
}

impl fmt::Display for FileError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io(error) => write!(formatter, "{error}"),
            FileError::Schema { blob, error } => write!(formatter, "{blob}: {error}"),
            FileError::PartBeyondTarget {
                blob,
                needed,
                actual,
            } => write!(
                formatter,
                "{blob} has {actual} bytes, a part needs {needed}"
            ),
            FileError::TooDeep { blob } => write!(formatter, "{blob}: bytes nest too deep"),
            FileError::RangeOutOfBounds { start, end, size } => {
                write!(formatter, "range {start}..{end} outside {size} bytes")
            }
            FileError::TooManyParts { count } => write!(formatter, "{count} parts in one blob"),
        }
    }
}

impl std::error::Error for FileError {}

impl From<io::Error> for FileError {
    fn from(error: io::Error) -> FileError {
        FileError::Io(error)
    }
}

/// A parsed `file` or `bytes` blob, with where each part starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentSchema {
    pub content_type: ContentType,
    /// `fileName`, if present.
    pub file_name: Option<String>,
    pub parts: Vec<Part>,
    /// `starts[i]` is where part `i` begins in the content.
    starts: Vec<u64>,
    size: u64,
}

impl ContentSchema {
    /// Parses a `file` or `bytes` schema blob.
    pub fn parse(bytes: &[u8]) -> Result<ContentSchema, SchemaError> {
        if bytes.len() > SCHEMA_BYTES_MAX {
            return Err(SchemaError::TooLarge { bytes: bytes.len() });
        }
        let value = json::parse(bytes).map_err(SchemaError::Json)?;
        value.as_object().ok_or(SchemaError::NotAnObject)?;
        if value.get("camliVersion").and_then(Value::as_u64) != Some(1) {
            return Err(SchemaError::BadCamliVersion);
        }
        let content_type = match value.get("camliType").and_then(Value::as_str) {
            Some("file") => ContentType::File,
            Some("bytes") => ContentType::Bytes,
            _ => return Err(SchemaError::NotContent),
        };
        let file_name = match value.get("fileName") {
            None => None,
            Some(name) => Some(name.as_str().ok_or(SchemaError::BadFileName)?.to_owned()),
        };
        let parts = value.get("parts").and_then(Value::as_array);
        let parts = parse_parts(parts.ok_or(SchemaError::MissingParts)?)?;
        let (starts, size) = part_starts(&parts)?;
        Ok(ContentSchema {
            content_type,
            file_name,
            parts,
            starts,
            size,
        })
    }

    /// The content's size: the sum of the parts' sizes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Where part `index` begins in the content.
    pub fn part_start(&self, index: usize) -> u64 {
        self.starts[index]
    }

    /// The parts that hold any of the bytes `start..end`, with the index of
    /// the first; empty for an empty range. Found by binary search.
    pub fn parts_covering(&self, start: u64, end: u64) -> (usize, &[Part]) {
        if start >= end || start >= self.size {
            return (self.parts.len(), &[]);
        }
        // Part ends and starts never decrease, so both ends of the run of
        // covering parts are binary searches.
        let first = self.first_ending_after(start);
        let last = self.starts.partition_point(|&part_start| part_start < end);
        (first, &self.parts[first..last.max(first)])
    }

    fn first_ending_after(&self, position: u64) -> usize {
        let mut low = 0;
        let mut high = self.parts.len();
        while low < high {
            let middle = low + (high - low) / 2;
            if self.starts[middle] + self.parts[middle].size <= position {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }
}

fn parse_parts(values: &[Value]) -> Result<Vec<Part>, SchemaError> {
    if values.len() > PARTS_MAX {
        return Err(SchemaError::TooManyParts {
            count: values.len(),
        });
    }
    values
        .iter()
        .enumerate()
        .map(|(index, value)| parse_part(index, value))
        .collect()
}

fn parse_part(index: usize, value: &Value) -> Result<Part, SchemaError> {
    value
        .as_object()
        .ok_or(SchemaError::PartNotObject { index })?;
    let parse_ref = |name: &str| -> Result<Option<BlobRef>, SchemaError> {
        match value.get(name) {
            None => Ok(None),
            Some(text) => {
                let text = text.as_str().ok_or(SchemaError::PartBadRef {
                    index,
                    error: BlobRefError::Empty,
                })?;
                let parsed = BlobRef::parse(text);
                parsed
                    .map(Some)
                    .map_err(|error| SchemaError::PartBadRef { index, error })
            }
        }
    };
    let target = match (parse_ref("blobRef")?, parse_ref("bytesRef")?) {
        (Some(_), Some(_)) => return Err(SchemaError::PartHasTwoRefs { index }),
        (Some(blob), None) => PartTarget::Blob(blob),
        (None, Some(bytes)) => PartTarget::Bytes(bytes),
        (None, None) => PartTarget::Zeros,
    };
    let bad_number = SchemaError::PartBadNumber { index };
    let size = value
        .get("size")
        .and_then(Value::as_u64)
        .ok_or(bad_number)?;
    let offset = match value.get("offset") {
        None => 0,
        Some(offset) => offset.as_u64().ok_or(bad_number)?,
    };
    Ok(Part {
        target,
        size,
        offset,
    })
}

fn part_starts(parts: &[Part]) -> Result<(Vec<u64>, u64), SchemaError> {
    let mut starts = Vec::with_capacity(parts.len());
    let mut size = 0u64;
    for part in parts {
        part.offset
            .checked_add(part.size)
            .ok_or(SchemaError::SizeOverflow)?;
        starts.push(size);
        size = size
            .checked_add(part.size)
            .ok_or(SchemaError::SizeOverflow)?;
    }
    Ok((starts, size))
}

/// A part as Perkeep writes it: `blobRef` or `bytesRef` (neither for
/// zeros), `size`, and `offset` only when not 0.
pub fn part_value(part: &Part) -> Value {
    let mut members = Vec::with_capacity(3);
    match part.target {
        PartTarget::Blob(blob) => members.push(("blobRef", Value::from(blob.as_str()))),
        PartTarget::Bytes(bytes) => members.push(("bytesRef", Value::from(bytes.as_str()))),
        PartTarget::Zeros => {}
    }
    members.push(("size", Value::from(part.size)));
    if part.offset != 0 {
        members.push(("offset", Value::from(part.offset)));
    }
    Value::object(members)
}

/// The canonical bytes of a `bytes` blob listing `parts`.
pub fn bytes_schema(parts: &[Part]) -> String {
    content_schema(ContentType::Bytes, &FileMeta::default(), parts)
}

/// The canonical bytes of a `file` blob listing `parts`.
pub fn file_schema(meta: &FileMeta, parts: &[Part]) -> String {
    content_schema(ContentType::File, meta, parts)
}

fn content_schema(content_type: ContentType, meta: &FileMeta, parts: &[Part]) -> String {
    let mut members = vec![
        ("camliVersion", Value::from(1u32)),
        ("camliType", Value::from(content_type.name())),
    ];
    if !meta.file_name.is_empty() {
        members.push(("fileName", Value::from(meta.file_name.as_str())));
    }
    if let Some(mtime) = &meta.unix_mtime {
        members.push(("unixMtime", Value::from(mtime.as_str())));
    }
    let parts = parts.iter().map(part_value).collect::<Vec<Value>>();
    members.push(("parts", Value::from(parts)));
    json::to_canonical_schema(&Value::object(members))
        .expect("distinct members with camliVersion make a canonical schema")
}

#[cfg(test)]
mod tests;
