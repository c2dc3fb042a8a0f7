//! Errors of the table layer: corruption (bad bytes on disk, naming the
//! file and the offset) and I/O failures. Bad bytes never panic.

use std::fmt;
use std::io;
use std::sync::Arc;

/// One rule of the table format that the bytes on disk break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corruption {
    /// The file is shorter than a footer.
    FileTooShort { size_bytes: u64 },
    /// The file ended before a read that its recorded size allows (the
    /// file was truncated after it was written).
    ShortRead { wanted_bytes: u64 },
    /// The footer's magic number is not LevelDB's table magic.
    BadMagic { found: u64 },
    /// A block handle (footer or index entry) does not decode.
    BadBlockHandle,
    /// A block handle points past the end of the file.
    BlockPastEnd { end: u64, file_size_bytes: u64 },
    /// The masked crc32c in a block trailer does not match the block.
    ChecksumMismatch { expected: u32, actual: u32 },
    /// The trailer's type byte is not 0 (no compression).
    UnknownBlockType { type_byte: u8 },
    /// A block is shorter than its restart count, or the count does not fit.
    BadRestartArray { restarts: u32 },
    /// A restart point lies outside the block's entries.
    BadRestartPoint { index: u32 },
    /// An entry's varints or lengths run past the entries, or a key is
    /// shorter than the prefix it claims to share.
    BadEntry { offset_in_block: u32 },
    /// The filter block's offset array does not fit in the block.
    BadFilterBlock,
}

/// The error of every fallible table operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    /// The bytes of `file` at `offset` (a block's or the footer's start)
    /// break the format.
    Corruption {
        file: Arc<str>,
        offset: u64,
        reason: Corruption,
    },
    /// The file could not be read at `offset`.
    Io {
        file: Arc<str>,
        offset: u64,
        kind: io::ErrorKind,
        message: String,
    },
}

impl TableError {
    pub fn corruption(file: &Arc<str>, offset: u64, reason: Corruption) -> TableError {
        TableError::Corruption {
            file: Arc::clone(file),
            offset,
            reason,
        }
    }

    /// An I/O error while reading `wanted_bytes` at `offset`; a short
    /// read (the file ends early) is corruption.
    pub fn from_io(
        file: &Arc<str>,
        offset: u64,
        wanted_bytes: usize,
        error: &io::Error,
    ) -> TableError {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            let wanted_bytes = wanted_bytes as u64;
            return TableError::corruption(file, offset, Corruption::ShortRead { wanted_bytes });
        }
        TableError::Io {
            file: Arc::clone(file),
            offset,
            kind: error.kind(),
            message: error.to_string(),
        }
    }

    pub fn is_corruption(&self) -> bool {
        matches!(self, TableError::Corruption { .. })
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::Corruption {
                file,
                offset,
                reason,
            } => write!(f, "corruption in {file} at offset {offset}: {reason:?}"),
            TableError::Io {
                file,
                offset,
                message,
                ..
            } => write!(f, "I/O error reading {file} at offset {offset}: {message}"),
        }
    }
}

impl std::error::Error for TableError {}
