//! The write-ahead log, in LevelDB's log format (FORMAT.md, "Log files"):
//! a file of 32 KiB blocks, each holding whole or fragmented records behind
//! a 7-byte header (masked crc32c, u16 length, u8 type).
//!
//! The same format carries the MANIFEST. [`Writer`] appends records;
//! [`Reader`] returns them, reports corrupt stretches with their file
//! offset, and silently drops a torn tail left by a crash mid-write.

mod reader;
mod writer;

pub use reader::{Corruption, CorruptionReason, Reader, Reporter};
pub use writer::Writer;

/// Bytes in one log block; records never straddle a header across blocks.
pub const BLOCK_BYTES: usize = 32 * 1024;
/// Bytes in a physical record header: checksum (4), length (2), type (1).
pub const HEADER_BYTES: usize = 7;
/// Largest payload of one physical record (it must fit in a block).
pub const FRAGMENT_BYTES_MAX: usize = BLOCK_BYTES - HEADER_BYTES;

const _: () = assert!(FRAGMENT_BYTES_MAX <= u16::MAX as usize);

/// The type byte of a physical record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordType {
    /// Reserved for preallocated (zero-filled) files; never written.
    Zero = 0,
    /// A whole logical record.
    Full = 1,
    /// The first fragment of a logical record.
    First = 2,
    /// A fragment that is neither first nor last.
    Middle = 3,
    /// The last fragment of a logical record.
    Last = 4,
}

impl RecordType {
    /// The type for a type byte read from disk, if it is one.
    pub fn from_byte(byte: u8) -> Option<RecordType> {
        match byte {
            0 => Some(RecordType::Zero),
            1 => Some(RecordType::Full),
            2 => Some(RecordType::First),
            3 => Some(RecordType::Middle),
            4 => Some(RecordType::Last),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
