//! Appends value records to the current value-log file and rolls to a new
//! file past a size target (FORMAT.md, "Records" and "Files").
//!
//! Contract:
//! - `add` writes one whole record (header, then value) and hands it to
//!   the OS before returning its pointer, so readers in this process can
//!   read it at once; it is durable only after `sync`.
//! - A record never spans two files. Before a record that would take the
//!   file past `file_bytes_target`, the writer *seals* the current file
//!   and starts the next one, numbered by the caller's `FileNumberSource`.
//!   The sealed file is synced by the next `sync` (or, at the latest, by
//!   the next roll: at most [`SEALED_UNSYNCED_FILES_MAX`] wait), not at
//!   the roll, so an append never waits on the disk. So `sync` makes every
//!   record added so far durable, in every file.
//! - A new file's directory entry is made durable at the first `sync`.
//! - After any I/O error the writer refuses every later call with
//!   `WriterFailed`: what reached the file is unknown (a torn record may
//!   be there), so the Db must stop writing values and reopen.

use super::error::VlogError;
use super::format::{self, FILE_HEADER_BYTES, KEY_BYTES_MAX, VALUE_BLOCK_BYTES, VALUE_BYTES_MAX};
use super::{ValuePointer, vlog_file_name};
use crate::store::env::{Env, WritableFile};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Default size past which the writer starts a new file.
pub const FILE_BYTES_TARGET_DEFAULT: u64 = 256 << 20;
/// Sealed files whose sync waits for the next `sync` call, at most; a
/// roll with this many waiting syncs the oldest first (long written back
/// by then, usually), so open handles stay bounded between syncs.
pub const SEALED_UNSYNCED_FILES_MAX: usize = 1;

/// Produces block `block_index` of a value into a buffer of exactly that
/// block's length (see `VlogWriter::add_streamed`).
pub type BlockFill<'a> = dyn FnMut(u64, &mut [u8]) -> Result<(), VlogError> + 'a;

/// Hands out the number of each new value-log file (the Db's file number
/// counter, shared with tables and logs so numbers never repeat).
pub type FileNumberSource = Box<dyn FnMut() -> u64 + Send>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VlogWriterOptions {
    /// A new file is started before a record that would make the current
    /// one longer than this (a larger record gets a file of its own).
    pub file_bytes_target: u64,
}

impl Default for VlogWriterOptions {
    fn default() -> VlogWriterOptions {
        VlogWriterOptions {
            file_bytes_target: FILE_BYTES_TARGET_DEFAULT,
        }
    }
}

/// Where the bytes of the value being appended come from.
enum ValueSource<'value, 'fill> {
    /// In memory: appended in one call.
    Whole(&'value [u8]),
    /// Produced one block at a time (streaming copies).
    Blocks(&'fill mut BlockFill<'fill>),
}

pub struct VlogWriter {
    env: Arc<dyn Env>,
    dir: PathBuf,
    options: VlogWriterOptions,
    next_file_number: FileNumberSource,
    file: Box<dyn WritableFile>,
    file_number: u64,
    path: PathBuf,
    /// Bytes appended to the current file, its header included.
    file_bytes: u64,
    /// Bytes of the current file known durable (a sync with nothing new
    /// to sync costs nothing).
    synced_bytes: u64,
    dir_synced: bool,
    failed: bool,
    /// Files rolled away from and not synced since, oldest first (at most
    /// [`SEALED_UNSYNCED_FILES_MAX`]).
    sealed: Vec<SealedFile>,
    /// Reused buffer for record headers.
    header: Vec<u8>,
}

/// A file the writer moved on from whose bytes (or directory entry) may
/// not be durable yet.
struct SealedFile {
    file: Box<dyn WritableFile>,
    file_number: u64,
    path: PathBuf,
    bytes: u64,
    dir_synced: bool,
}

impl VlogWriter {
    /// Starts a new file in `dir`, numbered by `next_file_number`.
    /// REQUIRES: no file with that number exists (numbers never repeat).
    pub fn create(
        env: Arc<dyn Env>,
        dir: &Path,
        options: VlogWriterOptions,
        mut next_file_number: FileNumberSource,
    ) -> Result<VlogWriter, VlogError> {
        assert!(options.file_bytes_target > FILE_HEADER_BYTES);
        let file_number = next_file_number();
        let path = vlog_file_name(dir, file_number);
        let file = open_new_file(env.as_ref(), &path)?;
        Ok(VlogWriter {
            env,
            dir: dir.to_path_buf(),
            options,
            next_file_number,
            file,
            file_number,
            path,
            file_bytes: FILE_HEADER_BYTES,
            synced_bytes: 0,
            dir_synced: false,
            failed: false,
            sealed: Vec::new(),
            header: Vec::new(),
        })
    }

    pub fn file_number(&self) -> u64 {
        self.file_number
    }

    /// Numbers of the files a record added since the last `sync` may be
    /// in: the current file and the sealed files waiting for their sync.
    /// GC must not collect them (FORMAT.md, "Garbage collection", rule 1).
    pub fn unsynced_file_numbers(&self) -> Vec<u64> {
        let sealed = self.sealed.iter().map(|sealed| sealed.file_number);
        sealed.chain([self.file_number]).collect()
    }

    /// Path of the current file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes appended to the current file so far, header included.
    pub fn file_bytes(&self) -> u64 {
        self.file_bytes
    }

    /// Appends one record and returns where its value lives.
    pub fn add(&mut self, key: &[u8], value: &[u8]) -> Result<ValuePointer, VlogError> {
        let crcs = format::block_crcs(value);
        self.append_record(key, value.len() as u64, &crcs, ValueSource::Whole(value))
    }

    /// Appends a record whose value is produced block by block by `fill`
    /// (block index, buffer of that block's length), for copies that must
    /// not hold a whole value in memory (GC). `crcs` are the value's block
    /// checksums; `fill` must verify each block against them before
    /// returning Ok, since the block is appended as it is. An error from
    /// `fill` stops the writer (part of the record may be in the file).
    pub fn add_streamed(
        &mut self,
        key: &[u8],
        value_len: u64,
        crcs: &[u32],
        fill: &mut BlockFill<'_>,
    ) -> Result<ValuePointer, VlogError> {
        self.append_record(key, value_len, crcs, ValueSource::Blocks(fill))
    }

    fn append_record(
        &mut self,
        key: &[u8],
        value_len: u64,
        crcs: &[u32],
        value: ValueSource<'_, '_>,
    ) -> Result<ValuePointer, VlogError> {
        self.check_running()?;
        let key_bytes = key.len() as u64;
        if key_bytes > KEY_BYTES_MAX || value_len > VALUE_BYTES_MAX {
            return Err(VlogError::TooLarge {
                key_bytes,
                value_bytes: value_len,
            });
        }
        let header_len = format::record_header_bytes(key_bytes, value_len);
        self.roll_if_full(header_len + value_len)?;
        let mut header = std::mem::take(&mut self.header);
        header.clear();
        format::encode_record_header(key, value_len, crcs, &mut header);
        let result = self.append_bytes(&header, value_len, value);
        self.header = header;
        self.failed = result.is_err();
        result?;
        let pointer = ValuePointer {
            file_number: self.file_number,
            offset: self.file_bytes,
            header_len: header_len as u32,
            value_len,
        };
        self.file_bytes = pointer.end_offset();
        Ok(pointer)
    }

    fn append_bytes(
        &mut self,
        header: &[u8],
        value_len: u64,
        value: ValueSource<'_, '_>,
    ) -> Result<(), VlogError> {
        let offset = self.file_bytes;
        let appended = self.file.append(header);
        appended.map_err(|error| VlogError::from_io(&self.path, offset, &error))?;
        match value {
            ValueSource::Whole(value) => {
                assert_eq!(value.len() as u64, value_len);
                let appended = self.file.append(value);
                appended.map_err(|error| VlogError::from_io(&self.path, offset, &error))?;
            }
            ValueSource::Blocks(fill) => self.append_blocks(value_len, fill)?,
        }
        let flushed = self.file.flush();
        flushed.map_err(|error| VlogError::from_io(&self.path, offset, &error))
    }

    fn append_blocks(&mut self, value_len: u64, fill: &mut BlockFill<'_>) -> Result<(), VlogError> {
        let mut block = vec![0u8; value_len.min(VALUE_BLOCK_BYTES) as usize];
        for block_index in 0..format::block_count(value_len) {
            let bytes = format::block_bytes(value_len, block_index) as usize;
            fill(block_index, &mut block[..bytes])?;
            let offset = self.file_bytes;
            let appended = self.file.append(&block[..bytes]);
            appended.map_err(|error| VlogError::from_io(&self.path, offset, &error))?;
        }
        Ok(())
    }

    /// Makes every record added so far durable (and the current file's
    /// directory entry, the first time). Free when nothing was added since
    /// the last sync.
    pub fn sync(&mut self) -> Result<(), VlogError> {
        self.check_running()?;
        let result = self.sync_current();
        self.failed = result.is_err();
        result
    }

    /// Syncs the sealed files waiting, then the current file; each new
    /// directory entry among them once, with one directory sync.
    fn sync_current(&mut self) -> Result<(), VlogError> {
        let offset = self.file_bytes;
        if self.synced_bytes == offset && self.dir_synced && self.sealed.is_empty() {
            return Ok(());
        }
        let sealed_dir_synced = self.sync_sealed(self.sealed.len())?;
        if self.synced_bytes != offset {
            let synced = self.file.sync();
            synced.map_err(|error| VlogError::from_io(&self.path, offset, &error))?;
            self.synced_bytes = offset;
        }
        if !self.dir_synced || !sealed_dir_synced {
            let synced = self.env.sync_dir(&self.dir);
            synced.map_err(|error| VlogError::from_io(&self.dir, 0, &error))?;
            self.dir_synced = true;
        }
        Ok(())
    }

    /// Syncs the data of the `count` oldest sealed files and drops them;
    /// whether all of their directory entries were durable already.
    fn sync_sealed(&mut self, count: usize) -> Result<bool, VlogError> {
        let mut dir_synced = true;
        for mut sealed in self.sealed.drain(..count) {
            let synced = sealed.file.sync();
            synced.map_err(|error| VlogError::from_io(&sealed.path, sealed.bytes, &error))?;
            dir_synced &= sealed.dir_synced;
        }
        Ok(dir_synced)
    }

    /// Syncs every file so far (see `sync`) and starts the next one.
    pub fn roll(&mut self) -> Result<(), VlogError> {
        self.check_running()?;
        let result = self.sync_current().and_then(|()| self.roll_now());
        self.failed = result.is_err();
        result
    }

    /// Seals the current file, unsynced, and starts the next one; first
    /// syncs the oldest sealed file if [`SEALED_UNSYNCED_FILES_MAX`] wait
    /// (its directory entry too, if new).
    fn roll_now(&mut self) -> Result<(), VlogError> {
        if self.sealed.len() >= SEALED_UNSYNCED_FILES_MAX {
            let excess = self.sealed.len() + 1 - SEALED_UNSYNCED_FILES_MAX;
            if !self.sync_sealed(excess)? {
                let synced = self.env.sync_dir(&self.dir);
                synced.map_err(|error| VlogError::from_io(&self.dir, 0, &error))?;
                self.dir_synced = true;
            }
        }
        let file_number = (self.next_file_number)();
        let path = vlog_file_name(&self.dir, file_number);
        let file = open_new_file(self.env.as_ref(), &path)?;
        let sealed = SealedFile {
            file: std::mem::replace(&mut self.file, file),
            file_number: self.file_number,
            path: std::mem::replace(&mut self.path, path),
            bytes: self.file_bytes,
            dir_synced: self.dir_synced,
        };
        if sealed.bytes != self.synced_bytes || !sealed.dir_synced {
            self.sealed.push(sealed);
        }
        self.file_number = file_number;
        self.file_bytes = FILE_HEADER_BYTES;
        self.synced_bytes = 0;
        self.dir_synced = false;
        Ok(())
    }

    fn roll_if_full(&mut self, record_bytes: u64) -> Result<(), VlogError> {
        let has_records = self.file_bytes > FILE_HEADER_BYTES;
        if has_records && self.file_bytes + record_bytes > self.options.file_bytes_target {
            self.check_running()?;
            let result = self.roll_now();
            self.failed = result.is_err();
            return result;
        }
        Ok(())
    }

    fn check_running(&self) -> Result<(), VlogError> {
        if self.failed {
            return Err(VlogError::WriterFailed {
                file: self.path.clone(),
            });
        }
        Ok(())
    }
}

impl std::fmt::Debug for VlogWriter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("VlogWriter")
            .field("path", &self.path)
            .field("file_bytes", &self.file_bytes)
            .field("synced_bytes", &self.synced_bytes)
            .field("sealed_unsynced", &self.sealed.len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

/// Creates `path` and writes its file header.
fn open_new_file(env: &dyn Env, path: &Path) -> Result<Box<dyn WritableFile>, VlogError> {
    assert!(!env.exists(path), "value-log file numbers must not repeat");
    let io_error = |error: std::io::Error| VlogError::from_io(path, 0, &error);
    let mut file = env.new_writable(path).map_err(io_error)?;
    file.append(&format::encode_file_header())
        .map_err(io_error)?;
    file.flush().map_err(io_error)?;
    Ok(file)
}
