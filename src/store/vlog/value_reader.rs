//! A verified stream over one value: `Read + Seek` over exactly the
//! value's bytes, for sending a large value to a socket without holding
//! it in memory.
//!
//! Contract: every block's crc is checked before any of its bytes is
//! handed out. A read at a block boundary into a buffer that holds one
//! whole block or more reads the run of whole blocks that fits straight
//! into the caller's buffer, with one positioned read, and checks each
//! block there (no copy, no buffer of the reader's own: a value streamed
//! to a socket through a large buffer is read once and checked once).
//! Any other read loads the one block it falls in into a buffer of one
//! block, checks it, and copies from it; so a Seek into the middle of a
//! block makes the next read load and check that whole block. On an error
//! the caller's buffer may hold unchecked bytes (as `Read` allows): they
//! were not handed out. A bad block is an `io::Error` of kind
//! `InvalidData` wrapping the `VlogError::Corruption` (get it back with
//! `error.into_inner()` and `downcast`), and reading stops there.
//!
//! The reader owns its file handle (`Arc`), so it is `Send` and outlives
//! the Db's lock; a file removed by GC stays readable through it.

use super::ValuePointer;
use super::error::VlogError;
use super::format::{self, RecordHeader, VALUE_BLOCK_BYTES};
use super::reader::VlogFile;
use std::io::{self, Read, Seek, SeekFrom};

pub struct ValueReader {
    file: VlogFile,
    pointer: ValuePointer,
    header: RecordHeader,
    /// Offset within the value of the next byte `read` returns.
    position: u64,
    /// The checked bytes of block `buffered_block`.
    buffer: Vec<u8>,
    buffered_block: Option<u64>,
}

const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<ValueReader>();
};

impl std::fmt::Debug for ValueReader {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ValueReader")
            .field("file", &self.file)
            .field("pointer", &self.pointer)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl ValueReader {
    pub(super) fn new(file: VlogFile, pointer: ValuePointer, header: RecordHeader) -> ValueReader {
        assert_eq!(header.value_len, pointer.value_len);
        ValueReader {
            file,
            pointer,
            header,
            position: 0,
            buffer: Vec::new(),
            buffered_block: None,
        }
    }

    /// Bytes of the whole value.
    pub fn len(&self) -> u64 {
        self.pointer.value_len
    }

    pub fn is_empty(&self) -> bool {
        self.pointer.value_len == 0
    }

    /// Offset within the value of the next byte read.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The key stored with the value (its header was verified).
    pub fn key(&self) -> &[u8] {
        &self.header.key
    }

    pub fn pointer(&self) -> &ValuePointer {
        &self.pointer
    }

    /// [`VlogFile::write_back`] of the file holding the value.
    pub fn write_back(&self) -> Result<(), VlogError> {
        self.file.write_back()
    }

    /// Loads and checks block `block_index` unless it is the buffered one.
    fn load_block(&mut self, block_index: u64) -> Result<(), VlogError> {
        if self.buffered_block == Some(block_index) {
            return Ok(());
        }
        self.buffered_block = None;
        let bytes = format::block_bytes(self.pointer.value_len, block_index) as usize;
        self.buffer.resize(bytes, 0);
        let loaded =
            self.file
                .read_block(&self.pointer, &self.header, block_index, &mut self.buffer);
        if let Err(error) = loaded {
            self.buffer.clear();
            return Err(error);
        }
        self.buffered_block = Some(block_index);
        Ok(())
    }
}

impl ValueReader {
    /// Bytes of the run of whole blocks from `position` (on a block
    /// boundary) that fits in `room` bytes, at most [`RUN_BYTES_MAX`].
    fn run_fitting(&self, room: usize) -> usize {
        let left = self.pointer.value_len - self.position;
        if left <= room as u64 {
            return left as usize;
        }
        let room = room.min(RUN_BYTES_MAX) as u64;
        (room - room % VALUE_BLOCK_BYTES) as usize
    }

    /// Reads whole blocks straight into `buf` (see the module header);
    /// `None` when the read is not at a block boundary or `buf` is too
    /// small for one whole block.
    fn read_run(&mut self, buf: &mut [u8]) -> Option<io::Result<usize>> {
        if !self.position.is_multiple_of(VALUE_BLOCK_BYTES) {
            return None;
        }
        let run = self.run_fitting(buf.len());
        if run == 0 {
            return None;
        }
        let first_block = self.position / VALUE_BLOCK_BYTES;
        let read =
            self.file
                .read_block_run(&self.pointer, &self.header, first_block, &mut buf[..run]);
        Some(match read {
            Ok(count) => {
                self.position += count as u64;
                Ok(count)
            }
            Err(error) => Err(error.into()),
        })
    }
}

/// The most bytes one read takes straight from the file (a bound on one
/// positioned read; the caller's buffer bounds it further).
const RUN_BYTES_MAX: usize = 16 << 20;

impl Read for ValueReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.position >= self.pointer.value_len {
            return Ok(0);
        }
        if let Some(read) = self.read_run(buf) {
            return read;
        }
        let block_index = self.position / VALUE_BLOCK_BYTES;
        self.load_block(block_index)?;
        let start = (self.position % VALUE_BLOCK_BYTES) as usize;
        let available = &self.buffer[start..];
        let count = available.len().min(buf.len());
        buf[..count].copy_from_slice(&available[..count]);
        self.position += count as u64;
        Ok(count)
    }
}

impl Seek for ValueReader {
    /// Positions past the end are allowed (reads there return 0 bytes);
    /// before the start is `InvalidInput`.
    fn seek(&mut self, target: SeekFrom) -> io::Result<u64> {
        let (base, delta) = match target {
            SeekFrom::Start(offset) => {
                self.position = offset;
                return Ok(offset);
            }
            SeekFrom::End(delta) => (self.pointer.value_len, delta),
            SeekFrom::Current(delta) => (self.position, delta),
        };
        match base.checked_add_signed(delta) {
            Some(position) => {
                self.position = position;
                Ok(position)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the value",
            )),
        }
    }
}
