//! Point reads (LevelDB's `DBImpl::Get`): the memtable, the immutable
//! memtable, then the current version's tables, newest first, as of a
//! sequence number; value pointers are resolved through the value log,
//! whose reads check every block.

use super::error::{Result, StoreError};
use super::{DbInner, ReadOptions, lock};
use crate::store::dbformat::LookupKey;
use crate::store::memtable::{Lookup, MemTable};
use crate::store::table::options::TableReadOptions;
use crate::store::vlog::{ValuePointer, ValueReader, VlogFile};
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::sync::Arc;

/// A value as a stream: small values from memory, large ones straight
/// from their value-log file.
pub enum ValueStream {
    Inline(Cursor<Vec<u8>>),
    Log(ValueReader),
}

impl ValueStream {
    /// The value's length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            ValueStream::Inline(cursor) => cursor.get_ref().len() as u64,
            ValueStream::Log(reader) => reader.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Read for ValueStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ValueStream::Inline(cursor) => cursor.read(buf),
            ValueStream::Log(reader) => reader.read(buf),
        }
    }
}

impl Seek for ValueStream {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        match self {
            ValueStream::Inline(cursor) => cursor.seek(position),
            ValueStream::Log(reader) => reader.seek(position),
        }
    }
}

/// Lookups a point read makes at most when value-log GC deletes the
/// file a pointer it found names (each retry finds the moved record).
const LOOKUP_ATTEMPTS_MAX: u32 = 3;

/// What a lookup found.
enum Found {
    Inline(Vec<u8>),
    Pointer(ValuePointer),
}

/// What a lookup found, its value-log file open.
enum Opened {
    Inline(Vec<u8>),
    Log(Arc<VlogFile>, ValuePointer),
}

fn look_in(mem: &MemTable, key: &LookupKey, value: &mut Vec<u8>) -> Option<Lookup> {
    match mem.get(key, value) {
        Lookup::NotFound => None,
        found => Some(found),
    }
}

impl DbInner {
    pub(super) fn get(&self, options: &ReadOptions, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.lookup_open(options, key)? {
            None => Ok(None),
            Some(Opened::Inline(value)) => Ok(Some(value)),
            Some(Opened::Log(file, pointer)) => Ok(Some(file.get(&pointer)?)),
        }
    }

    pub(super) fn get_value_reader(
        &self,
        options: &ReadOptions,
        key: &[u8],
    ) -> Result<Option<ValueStream>> {
        match self.lookup_open(options, key)? {
            None => Ok(None),
            Some(Opened::Inline(value)) => Ok(Some(ValueStream::Inline(Cursor::new(value)))),
            Some(Opened::Log(file, pointer)) => {
                Ok(Some(ValueStream::Log(file.open_value(&pointer)?)))
            }
        }
    }

    /// The value of `key`, its value-log file opened. A pointer into a
    /// file value-log GC deleted after the lookup found it (the key was
    /// moved meanwhile) sends the read back to the tree, at most
    /// [`LOOKUP_ATTEMPTS_MAX`] times.
    fn lookup_open(&self, options: &ReadOptions, key: &[u8]) -> Result<Option<Opened>> {
        let mut attempt = 1;
        loop {
            let pointer = match self.lookup(options, key)? {
                None => return Ok(None),
                Some(Found::Inline(value)) => return Ok(Some(Opened::Inline(value))),
                Some(Found::Pointer(pointer)) => pointer,
            };
            match self.vlog_file(pointer.file_number) {
                Ok(file) => return Ok(Some(Opened::Log(file, pointer))),
                Err(_)
                    if attempt < LOOKUP_ATTEMPTS_MAX
                        && self.vlog_file_collected(pointer.file_number) =>
                {
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The pointer the latest entry of `key` holds, if it holds one (no
    /// value is read): value-log GC's liveness question.
    pub(super) fn latest_pointer(
        &self,
        options: &ReadOptions,
        key: &[u8],
    ) -> Result<Option<ValuePointer>> {
        match self.lookup(options, key)? {
            Some(Found::Pointer(pointer)) => Ok(Some(pointer)),
            Some(Found::Inline(_)) | None => Ok(None),
        }
    }

    fn lookup(&self, options: &ReadOptions, key: &[u8]) -> Result<Option<Found>> {
        let (mem, imm, version, last) = {
            let state = lock(&self.state);
            let last = state.versions.last_sequence();
            (
                Arc::clone(&state.mem),
                state.imm.clone(),
                state.versions.current(),
                last,
            )
        };
        let sequence = options
            .snapshot
            .as_ref()
            .map_or(last, |snapshot| snapshot.sequence());
        let lookup_key = LookupKey::new(key, sequence);
        let mut value = Vec::new();
        let mut found = look_in(&mem, &lookup_key, &mut value);
        if found.is_none()
            && let Some(imm) = &imm
        {
            found = look_in(imm, &lookup_key, &mut value);
        }
        let found = match found {
            Some(found) => found,
            None => {
                let read = TableReadOptions {
                    verify_checksums: options.verify_checksums,
                    fill_cache: options.fill_cache,
                };
                let (found, stats) = version.get(&read, &lookup_key, &mut value)?;
                if version.update_stats(&stats) {
                    self.work_wanted.notify_all();
                }
                found
            }
        };
        match found {
            Lookup::Value => Ok(Some(Found::Inline(value))),
            Lookup::ValuePointer => self
                .decode_pointer(key, &value)
                .map(|p| Some(Found::Pointer(p))),
            Lookup::Deleted | Lookup::NotFound => Ok(None),
        }
    }

    fn decode_pointer(&self, key: &[u8], bytes: &[u8]) -> Result<ValuePointer> {
        ValuePointer::decode(bytes).map_err(|error| {
            let what = format!("bad value pointer for key {key:?}: {error:?}");
            StoreError::corruption(&self.dir, 0, what)
        })
    }

    /// The open value-log file `number` (opened and its header checked
    /// on first use).
    pub(super) fn vlog_file(&self, number: u64) -> Result<Arc<VlogFile>> {
        let mut files = lock(&self.vlog_files);
        if let Some(file) = files.get(&number) {
            return Ok(Arc::clone(file));
        }
        let file = Arc::new(VlogFile::open(&*self.env, &self.dir, number)?);
        // A file GC is deleting is not kept open (its space would stay
        // in use until the Db closes).
        if !self.vlog_file_collected(number) {
            files.insert(number, Arc::clone(&file));
        }
        Ok(file)
    }
}
