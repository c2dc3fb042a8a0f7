//! Scans a value-log file from its start: yields every intact record's
//! key and pointer, and finds where the valid prefix ends (FORMAT.md,
//! "Recovery").
//!
//! Contract:
//! - Records are yielded in file order. The scan stops at the first
//!   record it cannot delimit or that runs past the end of the file: a
//!   truncated header, a zeroed tail, a header with a bad checksum, an
//!   unknown kind, or a value cut short. That and everything after it is
//!   a torn tail, reported by [`RecordScanner::end`] with the offset where
//!   the valid prefix ends; it is not an error.
//! - With `verify_values`, every value block is checked too. A complete
//!   record with a bad block followed by at least one intact record is
//!   corruption in the middle of the file: it is yielded as
//!   `Err(Corruption)` naming the bad block's offset, and the scan goes
//!   on (the Db decides with paranoid_checks). Damaged records with no
//!   intact record after them are part of the torn tail (a crash can
//!   leave zeros in unsynced blocks).
//! - An I/O error is yielded as `Err(Io)` and ends the scan with no
//!   `end()`. Memory use is one record header, one value block and a
//!   32 KiB read-ahead window (used while records are small).

use super::ValuePointer;
use super::error::{Corruption, VlogError};
use super::format::{self, FILE_HEADER_BYTES, HEADER_PREFIX_BYTES_MAX, PrefixError};
use super::reader::VlogFile;
use crate::store::env::Env;
use std::collections::VecDeque;
use std::path::Path;

/// One intact record found by the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedRecord {
    pub key: Vec<u8>,
    pub pointer: ValuePointer,
}

/// Why the scan stopped before the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TornReason {
    /// The file ends inside the 16-byte file header, or the header is zeros.
    FileHeader,
    /// The file ends inside a record header.
    TruncatedHeader,
    /// The kind byte is zero (a zero-filled tail).
    ZeroedTail,
    /// The record header is damaged (bad checksum, kind or lengths).
    BadHeader(Corruption),
    /// The file ends inside a record's value.
    TruncatedValue,
    /// A complete record's value block is damaged, with no intact record
    /// after it.
    BadValue(Corruption),
}

/// How the scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanEnd {
    /// The last record ends exactly at the end of the file.
    Clean { valid_bytes: u64 },
    /// Bytes from `valid_bytes` to the end of the file (`dropped_bytes`
    /// of them) are a torn tail, first seen at `torn_offset` for `reason`.
    Torn {
        valid_bytes: u64,
        dropped_bytes: u64,
        torn_offset: u64,
        reason: TornReason,
    },
}

impl ScanEnd {
    /// Offset just past the last record the Db may keep.
    pub fn valid_bytes(&self) -> u64 {
        match *self {
            ScanEnd::Clean { valid_bytes } | ScanEnd::Torn { valid_bytes, .. } => valid_bytes,
        }
    }
}

/// What reading one record at the scan offset found.
enum Step {
    Record(ScannedRecord),
    /// A complete, delimited record with a bad value block.
    Damaged {
        error: VlogError,
        end_offset: u64,
    },
    End(Option<TornReason>),
}

/// Bytes a scan reads at once while records are small (at most a
/// quarter of this each): one read serves the headers of many records,
/// where two reads per record made scans of small values cost a system
/// call per header. Larger records get exact reads (the window would
/// mostly hold value bytes the scan does not need).
const SCAN_WINDOW_BYTES: u64 = 32 << 10;

/// The scan itself: an iterator of records (see the module contract).
pub struct RecordScanner {
    file: VlogFile,
    file_bytes: u64,
    verify_values: bool,
    /// Offset of the next record to read.
    offset: u64,
    /// Offset just past the last intact record (or reported corruption).
    valid_bytes: u64,
    /// Damaged records not yet known to be mid-file or tail.
    damaged: Vec<VlogError>,
    queue: VecDeque<Result<ScannedRecord, VlogError>>,
    end: Option<ScanEnd>,
    finished: bool,
    block: Vec<u8>,
    /// Bytes of the file from `window_offset`, read ahead.
    window: Vec<u8>,
    window_offset: u64,
    /// Whether the last record was small enough to read ahead.
    read_ahead: bool,
}

impl RecordScanner {
    /// Scans `dir/NNNNNN.vlog` as it is now.
    pub fn open(
        env: &dyn Env,
        dir: &Path,
        file_number: u64,
        verify_values: bool,
    ) -> Result<RecordScanner, VlogError> {
        let file = VlogFile::open_unchecked(env, dir, file_number)?;
        RecordScanner::new(file, verify_values)
    }

    /// Scans an open file as it is now (its length is taken once).
    pub fn new(file: VlogFile, verify_values: bool) -> Result<RecordScanner, VlogError> {
        let file_bytes = file.len()?;
        Ok(RecordScanner {
            file,
            file_bytes,
            verify_values,
            offset: 0,
            valid_bytes: 0,
            damaged: Vec::new(),
            queue: VecDeque::new(),
            end: None,
            finished: false,
            block: Vec::new(),
            window: Vec::new(),
            window_offset: 0,
            read_ahead: true,
        })
    }

    /// How the scan ended; `None` until the iterator has returned `None`,
    /// and after an I/O error.
    pub fn end(&self) -> Option<ScanEnd> {
        self.end
    }

    pub fn file(&self) -> &VlogFile {
        &self.file
    }

    /// Reads the whole file; returns the intact records and how it ended.
    /// Corruption in the middle of the file is an `Err`.
    pub fn scan_all(mut self) -> Result<(Vec<ScannedRecord>, ScanEnd), VlogError> {
        let mut records = Vec::new();
        for record in self.by_ref() {
            records.push(record?);
        }
        let end = self.end.expect("a finished scan has an end");
        Ok((records, end))
    }

    fn advance(&mut self) {
        while self.queue.is_empty() && !self.finished {
            let step = if self.offset == 0 {
                self.read_file_header()
            } else {
                self.read_record()
            };
            match step {
                Ok(step) => self.take_step(step),
                Err(error) => {
                    self.finished = true;
                    self.queue.push_back(Err(error));
                }
            }
        }
    }

    fn take_step(&mut self, step: Step) {
        match step {
            Step::Record(record) => {
                let errors = self.damaged.drain(..).map(Err);
                self.queue.extend(errors);
                self.offset = record.pointer.end_offset();
                self.valid_bytes = self.offset;
                self.queue.push_back(Ok(record));
            }
            Step::Damaged { error, end_offset } => {
                self.damaged.push(error);
                self.offset = end_offset;
            }
            Step::End(reason) => self.finish(reason),
        }
    }

    fn finish(&mut self, reason: Option<TornReason>) {
        self.finished = true;
        let first_damage = self.damaged.first().map(|error| match error {
            VlogError::Corruption { offset, what, .. } => (*offset, TornReason::BadValue(*what)),
            _ => unreachable!("only corruption is deferred"),
        });
        let torn = first_damage.or(reason.map(|reason| (self.offset, reason)));
        self.end = Some(match torn {
            None => ScanEnd::Clean {
                valid_bytes: self.valid_bytes,
            },
            Some((torn_offset, reason)) => ScanEnd::Torn {
                valid_bytes: self.valid_bytes,
                dropped_bytes: self.file_bytes - self.valid_bytes,
                torn_offset,
                reason,
            },
        });
    }

    fn read_file_header(&mut self) -> Result<Step, VlogError> {
        let header_bytes = FILE_HEADER_BYTES.min(self.file_bytes) as usize;
        let mut header = [0u8; FILE_HEADER_BYTES as usize];
        self.file.read_at(&mut header[..header_bytes], 0)?;
        let zeros = header[..header_bytes].iter().all(|&byte| byte == 0);
        if header_bytes < FILE_HEADER_BYTES as usize || zeros {
            return Ok(Step::End(Some(TornReason::FileHeader)));
        }
        self.file.check_file_header()?;
        self.offset = FILE_HEADER_BYTES;
        self.valid_bytes = FILE_HEADER_BYTES;
        if self.file_bytes == FILE_HEADER_BYTES {
            return Ok(Step::End(None));
        }
        self.read_record()
    }

    fn read_record(&mut self) -> Result<Step, VlogError> {
        let remaining = self.file_bytes - self.offset;
        if remaining == 0 {
            return Ok(Step::End(None));
        }
        let mut prefix = [0u8; HEADER_PREFIX_BYTES_MAX as usize];
        let prefix_bytes = remaining.min(HEADER_PREFIX_BYTES_MAX) as usize;
        self.read_scan(&mut prefix[..prefix_bytes], self.offset)?;
        let prefix = match format::parse_prefix(&prefix[..prefix_bytes]) {
            Ok(prefix) => prefix,
            Err(PrefixError::Incomplete) => {
                return Ok(Step::End(Some(TornReason::TruncatedHeader)));
            }
            Err(PrefixError::Bad(Corruption::UnknownKind { kind: 0 })) => {
                return Ok(Step::End(Some(TornReason::ZeroedTail)));
            }
            Err(PrefixError::Bad(what)) => return Ok(Step::End(Some(TornReason::BadHeader(what)))),
        };
        let header_len = prefix.header_len();
        if header_len > remaining {
            return Ok(Step::End(Some(TornReason::TruncatedHeader)));
        }
        let mut header = vec![0u8; header_len as usize];
        self.read_scan(&mut header, self.offset)?;
        let header = match format::parse_record_header(&header) {
            Ok(header) => header,
            Err(what) => return Ok(Step::End(Some(TornReason::BadHeader(what)))),
        };
        if header_len + header.value_len > remaining {
            return Ok(Step::End(Some(TornReason::TruncatedValue)));
        }
        self.check_value(header)
    }

    /// Reads `buf.len()` bytes at `offset` (REQUIRES: within the file's
    /// length at the start of the scan), from the read-ahead window when
    /// it holds them, else with one read (of a new window while records
    /// are small).
    fn read_scan(&mut self, buf: &mut [u8], offset: u64) -> Result<(), VlogError> {
        let end = offset + buf.len() as u64;
        let window_end = self.window_offset + self.window.len() as u64;
        if offset >= self.window_offset && end <= window_end {
            let start = (offset - self.window_offset) as usize;
            buf.copy_from_slice(&self.window[start..start + buf.len()]);
            return Ok(());
        }
        if !self.read_ahead {
            return self.file.read_at(buf, offset);
        }
        let wanted = SCAN_WINDOW_BYTES.max(buf.len() as u64);
        let bytes = wanted.min(self.file_bytes - offset) as usize;
        self.window.resize(bytes, 0);
        self.file.read_at(&mut self.window, offset)?;
        self.window_offset = offset;
        buf.copy_from_slice(&self.window[..buf.len()]);
        Ok(())
    }

    fn check_value(&mut self, header: format::RecordHeader) -> Result<Step, VlogError> {
        let pointer = ValuePointer {
            file_number: self.file.file_number(),
            offset: self.offset,
            header_len: header.header_len as u32,
            value_len: header.value_len,
        };
        self.read_ahead = pointer.record_bytes() <= SCAN_WINDOW_BYTES / 4;
        if self.verify_values {
            for block_index in 0..format::block_count(pointer.value_len) {
                let bytes = format::block_bytes(pointer.value_len, block_index) as usize;
                self.block.resize(bytes, 0);
                let read = self
                    .file
                    .read_block(&pointer, &header, block_index, &mut self.block);
                match read {
                    Ok(()) => {}
                    Err(error) if error.is_corruption() => {
                        let end_offset = pointer.end_offset();
                        return Ok(Step::Damaged { error, end_offset });
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        let key = header.key;
        Ok(Step::Record(ScannedRecord { key, pointer }))
    }
}

impl Iterator for RecordScanner {
    type Item = Result<ScannedRecord, VlogError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.advance();
        self.queue.pop_front()
    }
}

/// Every intact record of a sealed file, headers checked but values not
/// read (GC checks each value it copies).
pub fn iter_records(file: &VlogFile) -> Result<RecordScanner, VlogError> {
    RecordScanner::new(file.clone(), false)
}
