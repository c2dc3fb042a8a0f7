//! Errors of the value log: corruption (bad bytes on disk, naming the file
//! and the offset), I/O failures, and refusals of the writer. Bad bytes
//! never panic.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// One rule of the value-log format (FORMAT.md) that the bytes break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corruption {
    /// The file is shorter than its 16-byte file header.
    FileTooShort { file_bytes: u64 },
    /// The file header does not start with the magic bytes `STRAVLOG`.
    BadMagic,
    /// The file header names a format version this code cannot read.
    UnsupportedVersion { version: u32 },
    /// The file header's checksum does not match it.
    FileHeaderChecksumMismatch { expected: u32, actual: u32 },
    /// A record header's checksum does not match the header's bytes.
    HeaderChecksumMismatch { expected: u32, actual: u32 },
    /// A record's kind byte is not 1 (value).
    UnknownKind { kind: u8 },
    /// A record header's varints do not decode, or the header's length
    /// disagrees with the lengths it holds.
    BadHeaderEncoding,
    /// A record header claims a key longer than `KEY_BYTES_MAX`.
    KeyTooLong { key_bytes: u64 },
    /// A record header claims a value longer than `VALUE_BYTES_MAX`.
    ValueTooLong { value_bytes: u64 },
    /// A pointer's lengths disagree with the (intact) record it points at,
    /// or it points into the file header.
    PointerMismatch,
    /// A 64 KiB value block does not match its checksum in the header.
    BlockChecksumMismatch {
        block_index: u64,
        expected: u32,
        actual: u32,
    },
    /// The file ended before `wanted_bytes` bytes the record needs (a
    /// pointer past the end of the file, or a truncated file).
    ShortRead { wanted_bytes: u64 },
}

/// The error of every fallible value-log operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VlogError {
    /// The bytes of `file` at `offset` break the format.
    Corruption {
        file: PathBuf,
        offset: u64,
        what: Corruption,
    },
    /// The file could not be read or written at `offset`.
    Io {
        file: PathBuf,
        offset: u64,
        kind: io::ErrorKind,
        message: String,
    },
    /// The caller passed a key or value over the format's limits
    /// (`KEY_BYTES_MAX`, `VALUE_BYTES_MAX`); nothing was written.
    TooLarge { key_bytes: u64, value_bytes: u64 },
    /// The writer stopped after an earlier I/O error: what reached its
    /// file is unknown, so it refuses every later append and sync.
    WriterFailed { file: PathBuf },
}

impl VlogError {
    pub fn corruption(file: &Path, offset: u64, what: Corruption) -> VlogError {
        VlogError::Corruption {
            file: file.to_path_buf(),
            offset,
            what,
        }
    }

    /// An I/O error while reading `wanted_bytes` at `offset`; a short read
    /// (the file ends early) is corruption.
    pub fn from_read(file: &Path, offset: u64, wanted_bytes: u64, error: &io::Error) -> VlogError {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            return VlogError::corruption(file, offset, Corruption::ShortRead { wanted_bytes });
        }
        VlogError::from_io(file, offset, error)
    }

    pub fn from_io(file: &Path, offset: u64, error: &io::Error) -> VlogError {
        VlogError::Io {
            file: file.to_path_buf(),
            offset,
            kind: error.kind(),
            message: error.to_string(),
        }
    }

    pub fn is_corruption(&self) -> bool {
        matches!(self, VlogError::Corruption { .. })
    }
}

impl fmt::Display for VlogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VlogError::Corruption { file, offset, what } => {
                let file = file.display();
                write!(f, "corruption in {file} at offset {offset}: {what:?}")
            }
            VlogError::Io {
                file,
                offset,
                message,
                ..
            } => write!(
                f,
                "I/O error on {} at offset {offset}: {message}",
                file.display()
            ),
            VlogError::TooLarge {
                key_bytes,
                value_bytes,
            } => write!(
                f,
                "value-log record too large: key {key_bytes} bytes, value {value_bytes} bytes"
            ),
            VlogError::WriterFailed { file } => write!(
                f,
                "value-log writer of {} stopped after an I/O error",
                file.display()
            ),
        }
    }
}

impl std::error::Error for VlogError {}

impl From<VlogError> for io::Error {
    /// Corruption becomes `InvalidData`; the `VlogError` stays inside, so
    /// a caller holding the `io::Error` can get it back with `downcast`.
    fn from(error: VlogError) -> io::Error {
        let kind = match &error {
            VlogError::Corruption { .. } => io::ErrorKind::InvalidData,
            VlogError::Io { kind, .. } => *kind,
            VlogError::TooLarge { .. } => io::ErrorKind::InvalidInput,
            VlogError::WriterFailed { .. } => io::ErrorKind::Other,
        };
        io::Error::new(kind, error)
    }
}
