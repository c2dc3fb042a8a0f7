//! Reads values back from one value-log file: whole (`get`) or as a
//! verified stream (`open_value`, see `value_reader.rs`).
//!
//! Contract: every byte returned was checked against its record's
//! checksums first. A flipped byte anywhere in a record, a pointer whose
//! lengths disagree with the record, or a pointer past the end of the
//! file is `VlogError::Corruption` naming the file and the offset of the
//! bad header or block, never wrong data.

use super::error::{Corruption, VlogError};
use super::format::{self, FILE_HEADER_BYTES, RecordHeader, VALUE_BLOCK_BYTES};
use super::value_reader::ValueReader;
use super::{ValuePointer, vlog_file_name};
use crate::store::env::{Env, RandomAccessFile};
use std::path::Path;
use std::sync::Arc;

/// An open value-log file. Cheap to clone; shareable between threads.
#[derive(Clone)]
pub struct VlogFile {
    file: Arc<dyn RandomAccessFile>,
    path: Arc<Path>,
    file_number: u64,
}

const _: () = {
    const fn assert_shareable<T: Send + Sync>() {}
    assert_shareable::<VlogFile>();
};

impl std::fmt::Debug for VlogFile {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("VlogFile")
            .field("path", &self.path)
            .field("file_number", &self.file_number)
            .finish_non_exhaustive()
    }
}

impl VlogFile {
    /// Opens `dir/NNNNNN.vlog` and checks its file header.
    pub fn open(env: &dyn Env, dir: &Path, file_number: u64) -> Result<VlogFile, VlogError> {
        let vlog = VlogFile::open_unchecked(env, dir, file_number)?;
        vlog.check_file_header()?;
        Ok(vlog)
    }

    /// Opens the file without reading it (recovery reads the header itself).
    pub(super) fn open_unchecked(
        env: &dyn Env,
        dir: &Path,
        file_number: u64,
    ) -> Result<VlogFile, VlogError> {
        let path = vlog_file_name(dir, file_number);
        let file = env
            .open_random(&path)
            .map_err(|error| VlogError::from_io(&path, 0, &error))?;
        Ok(VlogFile::from_file(file, &path, file_number))
    }

    /// Wraps an already open file (its header unchecked).
    pub fn from_file(file: Arc<dyn RandomAccessFile>, path: &Path, file_number: u64) -> VlogFile {
        VlogFile {
            file,
            path: Arc::from(path),
            file_number,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file_number(&self) -> u64 {
        self.file_number
    }

    /// Current length of the file.
    pub fn len(&self) -> Result<u64, VlogError> {
        let length = self.file.len();
        length.map_err(|error| VlogError::from_io(&self.path, 0, &error))
    }

    pub fn is_empty(&self) -> Result<bool, VlogError> {
        Ok(self.len()? == 0)
    }

    /// Checks the 16-byte file header.
    pub fn check_file_header(&self) -> Result<(), VlogError> {
        let mut header = [0u8; FILE_HEADER_BYTES as usize];
        if let Err(error) = self.file.read_exact_at(&mut header, 0) {
            if error.kind() == std::io::ErrorKind::UnexpectedEof {
                let file_bytes = self.len()?;
                let what = Corruption::FileTooShort { file_bytes };
                return Err(VlogError::corruption(&self.path, 0, what));
            }
            return Err(VlogError::from_io(&self.path, 0, &error));
        }
        let checked = format::check_file_header(&header);
        checked.map_err(|what| VlogError::corruption(&self.path, 0, what))
    }

    /// Reads `buf.len()` bytes at `offset`; the file ending early is
    /// `ShortRead` corruption.
    pub(super) fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), VlogError> {
        let read = self.file.read_exact_at(buf, offset);
        read.map_err(|error| VlogError::from_read(&self.path, offset, buf.len() as u64, &error))
    }

    /// Reads and checks the header `pointer` names, and that its lengths
    /// are the pointer's.
    pub fn read_header(&self, pointer: &ValuePointer) -> Result<RecordHeader, VlogError> {
        let mut bytes = vec![0u8; self.checked_header_len(pointer)?];
        self.read_at(&mut bytes, pointer.offset)?;
        self.parse_header(pointer, &bytes)
    }

    fn checked_header_len(&self, pointer: &ValuePointer) -> Result<usize, VlogError> {
        assert_eq!(
            pointer.file_number, self.file_number,
            "pointer into another file"
        );
        if !pointer.is_in_range() {
            let what = Corruption::PointerMismatch;
            return Err(VlogError::corruption(&self.path, pointer.offset, what));
        }
        Ok(pointer.header_len as usize)
    }

    fn parse_header(
        &self,
        pointer: &ValuePointer,
        bytes: &[u8],
    ) -> Result<RecordHeader, VlogError> {
        let corrupt = |what| VlogError::corruption(&self.path, pointer.offset, what);
        let header = format::parse_record_header(bytes).map_err(corrupt)?;
        if header.value_len != pointer.value_len {
            return Err(corrupt(Corruption::PointerMismatch));
        }
        Ok(header)
    }

    /// Reads the whole value `pointer` names, checking every block.
    pub fn get(&self, pointer: &ValuePointer) -> Result<Vec<u8>, VlogError> {
        let header = self.read_header(pointer)?;
        let mut value = vec![0u8; pointer.value_len as usize];
        self.read_at(&mut value, pointer.value_offset())?;
        let blocks = value.chunks(VALUE_BLOCK_BYTES as usize);
        for (block_index, (block, expected)) in blocks.zip(&header.block_crcs).enumerate() {
            let block_index = block_index as u64;
            if let Err(what) = format::check_block(block_index, *expected, block) {
                let offset = pointer.value_offset() + block_index * VALUE_BLOCK_BYTES;
                value.clear();
                return Err(VlogError::corruption(&self.path, offset, what));
            }
        }
        Ok(value)
    }

    /// Reads block `block_index` of the value of `pointer` into `block`
    /// (exactly that block's length) and checks it against `header`.
    pub(super) fn read_block(
        &self,
        pointer: &ValuePointer,
        header: &RecordHeader,
        block_index: u64,
        block: &mut [u8],
    ) -> Result<(), VlogError> {
        let offset = pointer.value_offset() + block_index * VALUE_BLOCK_BYTES;
        assert_eq!(
            block.len() as u64,
            format::block_bytes(pointer.value_len, block_index)
        );
        self.read_at(block, offset)?;
        let expected = header.block_crcs[block_index as usize];
        let checked = format::check_block(block_index, expected, block);
        checked.map_err(|what| VlogError::corruption(&self.path, offset, what))
    }

    /// Reads the run of whole blocks from `first_block` that fills `run`
    /// exactly, in one positioned read, and checks each block: returns
    /// how many bytes at the front of `run` are checked. A bad block after
    /// the first ends the run early (the good blocks before it count); a
    /// bad first block is the error. The bytes of `run` past the count
    /// are unchecked and must not be handed out.
    ///
    /// REQUIRES: `run` ends on a block boundary or at the value's end.
    pub(super) fn read_block_run(
        &self,
        pointer: &ValuePointer,
        header: &RecordHeader,
        first_block: u64,
        run: &mut [u8],
    ) -> Result<usize, VlogError> {
        let start = first_block * VALUE_BLOCK_BYTES;
        let end = start + run.len() as u64;
        assert!(
            end == pointer.value_len
                || (end.is_multiple_of(VALUE_BLOCK_BYTES) && end < pointer.value_len)
        );
        let offset = pointer.value_offset() + start;
        self.read_at(run, offset)?;
        let blocks = run.chunks(VALUE_BLOCK_BYTES as usize);
        let mut checked = 0;
        for (index, block) in blocks.enumerate() {
            let block_index = first_block + index as u64;
            let expected = header.block_crcs[block_index as usize];
            if let Err(what) = format::check_block(block_index, expected, block) {
                if checked > 0 {
                    return Ok(checked);
                }
                return Err(VlogError::corruption(&self.path, offset, what));
            }
            checked += block.len();
        }
        Ok(checked)
    }

    /// Asks the OS to write the file's dirty pages to disk now, and waits
    /// (fdatasync through this reading handle). A hint for a writer that
    /// wants its next sync to find little left to write, done outside the
    /// writer's lock: the durable point is still the writer's `sync`. A
    /// file of an Env without OS files: nothing to do.
    pub fn write_back(&self) -> Result<(), VlogError> {
        let Some(file) = self.file.as_file() else {
            return Ok(());
        };
        let synced = file.sync_data();
        synced.map_err(|error| VlogError::from_io(&self.path, 0, &error))
    }

    /// A verified `Read + Seek` stream over the value `pointer` names. The
    /// header is checked now; each block when it is first read.
    pub fn open_value(&self, pointer: &ValuePointer) -> Result<ValueReader, VlogError> {
        let header = self.read_header(pointer)?;
        Ok(ValueReader::new(self.clone(), *pointer, header))
    }
}
