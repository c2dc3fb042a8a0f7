//! The building blocks of value-log garbage collection, independent of
//! the Db: measure how much of a sealed file is dead, and copy its live
//! records to a writer, streaming (FORMAT.md, "Garbage collection", has
//! the rules the Db must follow around these).
//!
//! Liveness is the caller's: `is_live(key, pointer)` must answer whether
//! the tree's *latest* entry for `key` is a ValuePointer equal to
//! `pointer`.

use super::error::VlogError;
use super::format;
use super::reader::VlogFile;
use super::recovery::{ScanEnd, iter_records};
use super::{ValuePointer, VlogWriter};

/// The caller's liveness predicate: `(key, pointer)` → is it live?
pub type Liveness<'a, E> = dyn FnMut(&[u8], &ValuePointer) -> Result<bool, E> + 'a;

/// One record copied by `rewrite_live`: the tree must now point `key` at
/// `new`, but only if it still points at `old` (compare and set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relocation {
    pub key: Vec<u8>,
    pub old: ValuePointer,
    pub new: ValuePointer,
}

/// How much of a file is live, by the caller's liveness predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileUsage {
    pub file_bytes: u64,
    pub live_records: u64,
    /// Bytes of live records, headers included.
    pub live_bytes: u64,
    pub dead_records: u64,
    /// How the scan of the file ended (None after an I/O error): a torn
    /// end hides whatever lies past `valid_bytes` from the counts above.
    pub scan_end: Option<ScanEnd>,
}

impl FileUsage {
    /// Share of the file (file header and torn tail included) that GC
    /// would reclaim, from 0.0 to 1.0.
    pub fn dead_fraction(&self) -> f64 {
        if self.file_bytes == 0 {
            return 0.0;
        }
        1.0 - self.live_bytes as f64 / self.file_bytes as f64
    }
}

/// Reads every record header of `file` (values are not read) and sums
/// what `is_live` says is live.
pub fn file_usage<E: From<VlogError>>(
    file: &VlogFile,
    is_live: &mut Liveness<'_, E>,
) -> Result<FileUsage, E> {
    let mut usage = FileUsage {
        file_bytes: file.len()?,
        ..FileUsage::default()
    };
    let mut records = iter_records(file)?;
    for record in records.by_ref() {
        let record = record?;
        if is_live(&record.key, &record.pointer)? {
            usage.live_records += 1;
            usage.live_bytes += record.pointer.record_bytes();
        } else {
            usage.dead_records += 1;
        }
    }
    usage.scan_end = records.end();
    Ok(usage)
}

/// The share of `file` that GC would reclaim (see `FileUsage`).
pub fn dead_fraction<E: From<VlogError>>(
    file: &VlogFile,
    is_live: &mut Liveness<'_, E>,
) -> Result<f64, E> {
    Ok(file_usage(file, is_live)?.dead_fraction())
}

/// Copies the records of `file` that `is_live` says are live to `writer`,
/// one 64 KiB block at a time (memory stays flat whatever the value
/// sizes), checking every block before it is written, then syncs the
/// writer. Returns the moves, in file order, for the Db to apply.
///
/// A damaged live record is an error (nothing is dropped silently); a
/// torn tail ends the file. REQUIRES: `file` is sealed (not the file
/// `writer` or any other writer appends to).
pub fn rewrite_live<E: From<VlogError>>(
    file: &VlogFile,
    is_live: &mut Liveness<'_, E>,
    writer: &mut VlogWriter,
) -> Result<Vec<Relocation>, E> {
    let mut relocations = Vec::new();
    for record in iter_records(file)? {
        let record = record?;
        if !is_live(&record.key, &record.pointer)? {
            continue;
        }
        let new = copy_record(file, &record.pointer, writer)?;
        relocations.push(Relocation {
            key: record.key,
            old: record.pointer,
            new,
        });
    }
    if !relocations.is_empty() {
        writer.sync()?;
    }
    Ok(relocations)
}

/// Checks the whole value first (a bad block must not leave a torn copy
/// in the writer's file), then copies it block by block, checking again.
fn copy_record(
    file: &VlogFile,
    pointer: &ValuePointer,
    writer: &mut VlogWriter,
) -> Result<ValuePointer, VlogError> {
    let header = file.read_header(pointer)?;
    let mut block = vec![0u8; pointer.value_len.min(format::VALUE_BLOCK_BYTES) as usize];
    for block_index in 0..format::block_count(pointer.value_len) {
        let bytes = format::block_bytes(pointer.value_len, block_index) as usize;
        file.read_block(pointer, &header, block_index, &mut block[..bytes])?;
    }
    let mut fill =
        |block_index: u64, block: &mut [u8]| file.read_block(pointer, &header, block_index, block);
    writer.add_streamed(
        &header.key,
        pointer.value_len,
        &header.block_crcs,
        &mut fill,
    )
}
