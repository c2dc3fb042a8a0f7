//! Reads logical records back from a log file (LevelDB's `log::Reader`).
//!
//! Contract:
//! - Every record the writer completed and that is intact is returned, in
//!   order.
//! - A damaged stretch (bad length, checksum mismatch, unknown type, a
//!   fragment out of order) is reported to the [`Reporter`] with its file
//!   offset and size, skipped, and reading resumes at the next record.
//! - A torn tail, what a crash in the middle of an append leaves at the end
//!   of the file (a truncated header or payload, zeros, a final record with
//!   a bad checksum that runs exactly to the end of the file), is not a
//!   corruption: it is dropped, told to `Reporter::torn_tail`, and reading
//!   ends there.
//! - Bad bytes never panic; memory use is one block plus the record.
//!
//! Limitation: a torn record ending exactly on a 32 KiB boundary is
//! reported as a checksum mismatch, as LevelDB does.

use super::{BLOCK_BYTES, HEADER_BYTES, RecordType};
use crate::util::crc32c;
use std::io::{self, Read};
use std::ops::Range;

/// Why a stretch of the log was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorruptionReason {
    /// A header's length runs past the end of its block.
    BadRecordLength,
    ChecksumMismatch {
        expected: u32,
        actual: u32,
    },
    UnknownRecordType(u8),
    /// A FIRST fragment was followed by a FULL or another FIRST.
    PartialRecordWithoutEnd,
    /// A MIDDLE or LAST fragment without a FIRST before it.
    MissingStartOfFragmentedRecord,
    /// A fragmented record was cut by a damaged stretch.
    ErrorInMiddleOfRecord,
    /// The file could not be read; the rest of it is dropped.
    ReadFailed(io::ErrorKind),
}

/// A skipped stretch of the log: `bytes` bytes starting at file `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Corruption {
    pub offset: u64,
    pub bytes: u64,
    pub reason: CorruptionReason,
}

/// Told about every stretch the reader skips.
pub trait Reporter {
    fn corruption(&mut self, corruption: &Corruption);

    /// `bytes` bytes at `offset` were a torn tail and were dropped.
    fn torn_tail(&mut self, _offset: u64, _bytes: u64) {}
}

impl<F: FnMut(&Corruption)> Reporter for F {
    fn corruption(&mut self, corruption: &Corruption) {
        self(corruption)
    }
}

/// One physical record, or why there is none.
enum Physical {
    Fragment(Fragment),
    Unknown {
        type_byte: u8,
        offset: u64,
        bytes: u64,
    },
    Bad,
    Eof,
}

pub struct Reader {
    file: Box<dyn Read + Send>,
    reporter: Option<Box<dyn Reporter + Send>>,
    verify_checksums: bool,
    block: Vec<u8>,
    /// Unread part of `block`.
    start: usize,
    end: usize,
    /// File offset just past `block[..end]`.
    end_of_buffer_offset: u64,
    /// The last read returned a short block (or failed).
    eof: bool,
    last_record_offset: u64,
}

impl Reader {
    /// Reads `file` from its start. Without a reporter, skipped stretches
    /// are dropped silently.
    pub fn new(
        file: Box<dyn Read + Send>,
        reporter: Option<Box<dyn Reporter + Send>>,
        verify_checksums: bool,
    ) -> Reader {
        Reader {
            file,
            reporter,
            verify_checksums,
            block: vec![0; BLOCK_BYTES],
            start: 0,
            end: 0,
            end_of_buffer_offset: 0,
            eof: false,
            last_record_offset: 0,
        }
    }

    /// File offset of the record last returned by `read_record`.
    pub fn last_record_offset(&self) -> u64 {
        self.last_record_offset
    }

    /// Reads the next logical record into `record`; false at the end.
    pub fn read_record(&mut self, record: &mut Vec<u8>) -> bool {
        record.clear();
        let mut assembly = Assembly::default();
        loop {
            match self.read_physical() {
                Physical::Fragment(fragment) => {
                    if self.take_fragment(&mut assembly, record, fragment) {
                        return true;
                    }
                }
                Physical::Unknown {
                    type_byte,
                    offset,
                    bytes,
                } => {
                    let lost = assembly.bytes_lost(record);
                    let reason = CorruptionReason::UnknownRecordType(type_byte);
                    self.report(offset, bytes + lost, reason);
                    assembly.in_fragmented_record = false;
                    record.clear();
                }
                Physical::Bad => {
                    if assembly.in_fragmented_record {
                        let reason = CorruptionReason::ErrorInMiddleOfRecord;
                        self.report(assembly.record_offset, record.len() as u64, reason);
                        assembly.in_fragmented_record = false;
                        record.clear();
                    }
                }
                Physical::Eof => {
                    if assembly.in_fragmented_record {
                        self.torn_tail(assembly.record_offset, record.len() as u64);
                    }
                    record.clear();
                    return false;
                }
            }
        }
    }

    /// Adds one fragment to the record being assembled; true when the
    /// record is complete.
    fn take_fragment(
        &mut self,
        assembly: &mut Assembly,
        record: &mut Vec<u8>,
        fragment: Fragment,
    ) -> bool {
        let Fragment {
            record_type,
            payload,
            offset,
        } = fragment;
        match record_type {
            RecordType::Full | RecordType::First => {
                if assembly.in_fragmented_record {
                    let reason = CorruptionReason::PartialRecordWithoutEnd;
                    self.report(assembly.record_offset, record.len() as u64, reason);
                }
                record.clear();
                record.extend_from_slice(&self.block[payload]);
                if record_type == RecordType::Full {
                    self.last_record_offset = offset;
                    return true;
                }
                assembly.in_fragmented_record = true;
                assembly.record_offset = offset;
                false
            }
            RecordType::Middle | RecordType::Last => {
                if !assembly.in_fragmented_record {
                    let reason = CorruptionReason::MissingStartOfFragmentedRecord;
                    self.report(offset, payload.len() as u64, reason);
                    return false;
                }
                record.extend_from_slice(&self.block[payload]);
                if record_type == RecordType::Last {
                    self.last_record_offset = assembly.record_offset;
                    return true;
                }
                false
            }
            RecordType::Zero => false, // read_physical returns these as Unknown
        }
    }

    /// Reads the next physical record from the buffered block, refilling
    /// it as needed.
    fn read_physical(&mut self) -> Physical {
        loop {
            if self.end - self.start < HEADER_BYTES {
                if !self.eof {
                    self.fill_block();
                    continue;
                }
                // A header cut short at the end of the file: the writer died.
                let offset = self.buffer_offset();
                let bytes = self.clear_buffer();
                if bytes > 0 {
                    self.torn_tail(offset, bytes);
                }
                return Physical::Eof;
            }
            if let Some(physical) = self.parse_physical() {
                return physical;
            }
        }
    }

    /// Parses the record at `block[start..]`; None to read again.
    fn parse_physical(&mut self) -> Option<Physical> {
        let header = &self.block[self.start..self.start + HEADER_BYTES];
        let stored_crc = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let length = usize::from(u16::from_le_bytes([header[4], header[5]]));
        let type_byte = header[6];
        let offset = self.buffer_offset();
        let available = self.end - self.start;
        if HEADER_BYTES + length > available {
            let bytes = self.clear_buffer();
            if !self.eof {
                self.report(offset, bytes, CorruptionReason::BadRecordLength);
                return Some(Physical::Bad);
            }
            self.torn_tail(offset, bytes); // the writer died mid-record
            return Some(Physical::Eof);
        }
        if type_byte == RecordType::Zero as u8 && length == 0 {
            // Zeros, from a preallocated file or a tail lost in a crash.
            let bytes = self.clear_buffer();
            if self.eof {
                self.torn_tail(offset, bytes);
            }
            return Some(Physical::Bad);
        }
        let checked = self.start + HEADER_BYTES - 1..self.start + HEADER_BYTES + length;
        if self.verify_checksums {
            let expected = crc32c::unmask(stored_crc);
            let actual = crc32c::value(&self.block[checked.clone()]);
            if actual != expected {
                return Some(self.checksum_mismatch(offset, expected, actual, length));
            }
        }
        self.start += HEADER_BYTES + length;
        let payload = checked.start + 1..checked.end;
        Some(match RecordType::from_byte(type_byte) {
            Some(record_type) if record_type != RecordType::Zero => Physical::Fragment(Fragment {
                record_type,
                payload,
                offset,
            }),
            _ => Physical::Unknown {
                type_byte,
                offset,
                bytes: (HEADER_BYTES + length) as u64,
            },
        })
    }

    fn checksum_mismatch(
        &mut self,
        offset: u64,
        expected: u32,
        actual: u32,
        length: usize,
    ) -> Physical {
        // Drop the rest of the block: the length itself may be the damage.
        let bytes = self.clear_buffer();
        if self.eof && bytes == (HEADER_BYTES + length) as u64 {
            self.torn_tail(offset, bytes); // the last record, cut by a crash
            return Physical::Eof;
        }
        let reason = CorruptionReason::ChecksumMismatch { expected, actual };
        self.report(offset, bytes, reason);
        Physical::Bad
    }

    /// Reads the next block (short at the end of the file).
    fn fill_block(&mut self) {
        let block_offset = self.end_of_buffer_offset;
        let (filled, error) = read_fully(self.file.as_mut(), &mut self.block);
        self.start = 0;
        self.end = filled;
        self.end_of_buffer_offset += filled as u64;
        if let Some(kind) = error {
            let offset = block_offset;
            self.clear_buffer();
            self.report(
                offset,
                BLOCK_BYTES as u64,
                CorruptionReason::ReadFailed(kind),
            );
            self.eof = true;
        } else if filled < BLOCK_BYTES {
            self.eof = true;
        }
    }

    /// File offset of `block[start]`.
    fn buffer_offset(&self) -> u64 {
        self.end_of_buffer_offset - (self.end - self.start) as u64
    }

    /// Drops the unread part of the block; returns its size.
    fn clear_buffer(&mut self) -> u64 {
        let bytes = (self.end - self.start) as u64;
        self.start = self.end;
        bytes
    }

    fn report(&mut self, offset: u64, bytes: u64, reason: CorruptionReason) {
        if let Some(reporter) = self.reporter.as_mut() {
            let corruption = Corruption {
                offset,
                bytes,
                reason,
            };
            reporter.corruption(&corruption);
        }
    }

    fn torn_tail(&mut self, offset: u64, bytes: u64) {
        if let Some(reporter) = self.reporter.as_mut() {
            reporter.torn_tail(offset, bytes);
        }
    }
}

/// A fragmented record being put together.
#[derive(Default)]
struct Assembly {
    in_fragmented_record: bool,
    /// File offset of its FIRST fragment.
    record_offset: u64,
}

impl Assembly {
    fn bytes_lost(&self, record: &[u8]) -> u64 {
        if self.in_fragmented_record {
            record.len() as u64
        } else {
            0
        }
    }
}

struct Fragment {
    record_type: RecordType,
    payload: Range<usize>,
    offset: u64,
}

/// Reads until `buf` is full or the file ends; the bytes read and the
/// error that stopped it, if any.
fn read_fully(file: &mut dyn Read, buf: &mut [u8]) -> (usize, Option<io::ErrorKind>) {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return (filled, Some(error.kind())),
        }
    }
    (filled, None)
}
