//! Appends logical records to a log file, fragmenting them across 32 KiB
//! blocks (LevelDB's `log::Writer`).
//!
//! After any I/O error the writer refuses every later record: what reached
//! the file is unknown, so the caller must stop writing to this log (and,
//! in the Db, refuse writes) rather than guess.

use super::{BLOCK_BYTES, HEADER_BYTES, RecordType};
use crate::store::env::WritableFile;
use crate::util::crc32c;
use std::io;

/// Zero bytes to pad a block trailer shorter than a header.
const TRAILER_ZEROS: [u8; HEADER_BYTES - 1] = [0; HEADER_BYTES - 1];

pub struct Writer {
    dest: Box<dyn WritableFile>,
    /// Offset of the next byte within the current block.
    block_offset: usize,
    /// crc32c of each type byte, to extend with the payload.
    type_crc: [u32; 5],
    failed: bool,
}

impl Writer {
    /// A writer for an empty file.
    pub fn new(dest: Box<dyn WritableFile>) -> Writer {
        Writer::with_length(dest, 0)
    }

    /// A writer that appends to a file already `dest_bytes` long.
    pub fn with_length(dest: Box<dyn WritableFile>, dest_bytes: u64) -> Writer {
        let type_crc = std::array::from_fn(|byte| crc32c::value(&[byte as u8]));
        Writer {
            dest,
            block_offset: (dest_bytes % BLOCK_BYTES as u64) as usize,
            type_crc,
            failed: false,
        }
    }

    /// Appends one logical record (possibly empty) and flushes it to the OS.
    pub fn add_record(&mut self, record: &[u8]) -> io::Result<()> {
        if self.failed {
            return Err(io::Error::other("log writer stopped after an I/O error"));
        }
        let result = self.emit_fragments(record);
        self.failed = result.is_err();
        result
    }

    /// Makes every record added so far durable.
    pub fn sync(&mut self) -> io::Result<()> {
        if self.failed {
            return Err(io::Error::other("log writer stopped after an I/O error"));
        }
        let result = self.dest.sync();
        self.failed = result.is_err();
        result
    }

    fn emit_fragments(&mut self, record: &[u8]) -> io::Result<()> {
        let mut left = record;
        let mut begin = true;
        loop {
            let leftover = BLOCK_BYTES - self.block_offset;
            if leftover < HEADER_BYTES {
                self.dest.append(&TRAILER_ZEROS[..leftover])?;
                self.block_offset = 0;
            }
            let available = BLOCK_BYTES - self.block_offset - HEADER_BYTES;
            let (fragment, rest) = left.split_at(left.len().min(available));
            let end = rest.is_empty();
            let record_type = match (begin, end) {
                (true, true) => RecordType::Full,
                (true, false) => RecordType::First,
                (false, true) => RecordType::Last,
                (false, false) => RecordType::Middle,
            };
            self.emit_physical(record_type, fragment)?;
            left = rest;
            begin = false;
            if end {
                return self.dest.flush();
            }
        }
    }

    fn emit_physical(&mut self, record_type: RecordType, fragment: &[u8]) -> io::Result<()> {
        assert!(HEADER_BYTES + fragment.len() <= BLOCK_BYTES - self.block_offset);
        let crc = crc32c::extend(self.type_crc[record_type as usize], fragment);
        let mut header = [0u8; HEADER_BYTES];
        header[..4].copy_from_slice(&crc32c::mask(crc).to_le_bytes());
        header[4..6].copy_from_slice(&(fragment.len() as u16).to_le_bytes());
        header[6] = record_type as u8;
        self.dest.append(&header)?;
        self.dest.append(fragment)?;
        self.block_offset += HEADER_BYTES + fragment.len();
        Ok(())
    }
}
