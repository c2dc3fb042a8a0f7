//! The Db iterator (LevelDB's `DBIter`): one cursor over user keys as of
//! a sequence number, on top of a merging iterator of the memtable, the
//! immutable memtable and every table of a version. It hides entries
//! newer than its sequence, older versions of a key, and deleted keys;
//! values held in the value log are read through their pointers.
//!
//! It holds `Arc`s of the memtables and the version it reads, so writers
//! and compactions never wait for it and never delete what it reads.

use super::error::{Result, StoreError};
use super::snapshot::SnapshotList;
use super::{DbInner, ReadOptions, Snapshot, lock};
use crate::store::dbformat::{
    self, LookupKey, ParsedInternalKey, SequenceNumber, ValueType, parse_internal_key,
};
use crate::store::iter::{BoxedIterator, InternalIterator, MergingIterator};
use crate::store::table::options::TableReadOptions;
use crate::store::version::version::Version;
use crate::store::vlog::ValuePointer;
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Direction {
    /// The merging iterator is at the entry that yields `key()`.
    Forward,
    /// The merging iterator is just before every entry of `key()`,
    /// whose key and value are saved.
    Reverse,
}

pub struct DbIterator {
    inner: Arc<DbInner>,
    /// Registers the iterator's sequence number with the Db, so that
    /// value-log GC keeps every file its entries may point into.
    _pin: Snapshot,
    /// Keeps the tables read alive (not deleted by a compaction).
    _version: Arc<Version>,
    entries: MergingIterator,
    sequence: SequenceNumber,
    direction: Direction,
    valid: bool,
    /// Reverse: the current user key. Forward, inside `next`: the key to
    /// skip past.
    saved_key: Vec<u8>,
    saved_value: Vec<u8>,
    /// The type of the current entry (Value or ValuePointer), in either
    /// direction.
    value_type: ValueType,
    /// The last value `value_ref` read from the value log.
    pointed_value: Vec<u8>,
    error: Option<StoreError>,
}

impl DbInner {
    pub(super) fn iter(self: &Arc<Self>, options: &ReadOptions) -> DbIterator {
        let read = TableReadOptions {
            verify_checksums: options.verify_checksums,
            fill_cache: options.fill_cache,
        };
        let (mut children, version, sequence, pin): (Vec<BoxedIterator>, _, _, _) = {
            let state = lock(&self.state);
            let mut children: Vec<BoxedIterator> = vec![Box::new(state.mem.iter())];
            if let Some(imm) = &state.imm {
                children.push(Box::new(imm.iter()));
            }
            let sequence = options
                .snapshot
                .as_ref()
                .map_or(state.versions.last_sequence(), |snapshot| {
                    snapshot.sequence()
                });
            // Pinned under the state lock: GC reads the oldest pin under
            // it too, so it never misses one being taken.
            let pin = SnapshotList::take(&self.iterators, sequence);
            (children, state.versions.current(), sequence, pin)
        };
        version.add_iterators(read, &mut children);
        DbIterator {
            inner: Arc::clone(self),
            _pin: pin,
            _version: version,
            entries: MergingIterator::new(std::mem::take(&mut children)),
            sequence,
            direction: Direction::Forward,
            valid: false,
            saved_key: Vec::new(),
            saved_value: Vec::new(),
            value_type: ValueType::Value,
            pointed_value: Vec::new(),
            error: None,
        }
    }
}

impl DbIterator {
    pub fn valid(&self) -> bool {
        self.valid
    }

    /// The first error met (damaged table, failed read), if any. An
    /// iterator that met one is invalid.
    pub fn status(&self) -> Result<()> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        self.entries.status().map_err(StoreError::from)
    }

    /// The current user key. REQUIRES: `valid()`.
    pub fn key(&self) -> &[u8] {
        assert!(self.valid, "key of an invalid Db iterator");
        match self.direction {
            Direction::Forward => dbformat::extract_user_key(self.entries.key()),
            Direction::Reverse => &self.saved_key,
        }
    }

    /// The current value, read from the value log when it lives there.
    /// REQUIRES: `valid()`.
    pub fn value(&self) -> Result<Vec<u8>> {
        let raw = self.raw_value();
        if self.value_type != ValueType::ValuePointer {
            return Ok(raw.to_vec());
        }
        self.read_pointed_value(raw)
    }

    /// The current value without a copy when the tree holds it (LevelDB's
    /// `value()` slice): valid until the iterator moves. A value held in
    /// the value log is read into a buffer the iterator keeps and reuses.
    /// REQUIRES: `valid()`.
    pub fn value_ref(&mut self) -> Result<&[u8]> {
        if self.value_type == ValueType::ValuePointer {
            self.pointed_value = self.read_pointed_value(self.raw_value())?;
            return Ok(&self.pointed_value);
        }
        Ok(self.raw_value())
    }

    /// The current entry's stored value bytes (a value-log pointer is not
    /// followed). REQUIRES: `valid()`.
    fn raw_value(&self) -> &[u8] {
        assert!(self.valid, "value of an invalid Db iterator");
        match self.direction {
            Direction::Forward => self.entries.value(),
            Direction::Reverse => &self.saved_value,
        }
    }

    /// Reads the value that the encoded pointer `raw` names.
    fn read_pointed_value(&self, raw: &[u8]) -> Result<Vec<u8>> {
        let pointer = ValuePointer::decode(raw).map_err(|error| {
            let what = format!("bad value pointer for key {:?}: {error:?}", self.key());
            StoreError::corruption(&self.inner.dir, 0, what)
        })?;
        Ok(self.inner.vlog_file(pointer.file_number)?.get(&pointer)?)
    }

    pub fn seek_to_first(&mut self) {
        self.direction = Direction::Forward;
        self.saved_value.clear();
        self.entries.seek_to_first();
        self.after_forward_seek();
    }

    pub fn seek_to_last(&mut self) {
        self.direction = Direction::Reverse;
        self.saved_value.clear();
        self.entries.seek_to_last();
        self.find_prev_user_entry();
    }

    /// Positions at the first key ≥ `target`.
    pub fn seek(&mut self, target: &[u8]) {
        self.direction = Direction::Forward;
        self.saved_value.clear();
        let lookup = LookupKey::new(target, self.sequence);
        self.entries.seek(lookup.internal_key());
        self.after_forward_seek();
    }

    fn after_forward_seek(&mut self) {
        if self.entries.valid() {
            self.find_next_user_entry(false);
        } else {
            self.valid = false;
        }
    }

    /// REQUIRES: `valid()`.
    pub fn next(&mut self) {
        assert!(self.valid, "next on an invalid Db iterator");
        if self.direction == Direction::Reverse {
            self.direction = Direction::Forward;
            // Just before the entries of saved_key: step into them; the
            // skipping below passes them.
            if self.entries.valid() {
                self.entries.next();
            } else {
                self.entries.seek_to_first();
            }
        } else {
            let user_key = dbformat::extract_user_key(self.entries.key());
            self.saved_key.clear();
            self.saved_key.extend_from_slice(user_key);
            self.entries.next();
        }
        if !self.entries.valid() {
            self.valid = false;
            self.saved_key.clear();
            return;
        }
        self.find_next_user_entry(true);
    }

    /// REQUIRES: `valid()`.
    pub fn prev(&mut self) {
        assert!(self.valid, "prev on an invalid Db iterator");
        if self.direction == Direction::Forward {
            // Step back past every entry of the current key.
            self.saved_key = dbformat::extract_user_key(self.entries.key()).to_vec();
            loop {
                self.entries.prev();
                if !self.entries.valid() {
                    self.valid = false;
                    self.saved_key.clear();
                    self.saved_value.clear();
                    return;
                }
                if dbformat::extract_user_key(self.entries.key()) < &self.saved_key[..] {
                    break;
                }
            }
            self.direction = Direction::Reverse;
        }
        self.find_prev_user_entry();
    }

    /// The sequence number and type of the current entry; a bad key
    /// stops the iterator with a corruption error.
    fn parse_current(&mut self) -> Option<(SequenceNumber, ValueType)> {
        match parse_internal_key(self.entries.key()) {
            Ok(ParsedInternalKey {
                sequence,
                value_type,
                ..
            }) => Some((sequence, value_type)),
            Err(error) => {
                let what = format!("iterator met a bad internal key: {error}");
                self.error = Some(StoreError::corruption(&self.inner.dir, 0, what));
                self.valid = false;
                None
            }
        }
    }

    /// Moves forward to the first visible, live entry; with `skipping`,
    /// entries of keys ≤ `saved_key` are hidden.
    fn find_next_user_entry(&mut self, mut skipping: bool) {
        loop {
            let Some((sequence, value_type)) = self.parse_current() else {
                return;
            };
            if sequence <= self.sequence {
                let user_key = dbformat::extract_user_key(self.entries.key());
                match value_type {
                    ValueType::Deletion => {
                        self.saved_key.clear();
                        self.saved_key.extend_from_slice(user_key);
                        skipping = true;
                    }
                    ValueType::Value | ValueType::ValuePointer => {
                        if !(skipping && user_key <= &self.saved_key[..]) {
                            self.valid = true;
                            self.value_type = value_type;
                            self.saved_key.clear();
                            return;
                        }
                    }
                }
            }
            self.entries.next();
            if !self.entries.valid() {
                break;
            }
        }
        self.saved_key.clear();
        self.valid = false;
    }

    /// Moves back to the previous visible, live key, saving its key and
    /// value (the merging iterator ends up just before its entries).
    fn find_prev_user_entry(&mut self) {
        let mut value_type = ValueType::Deletion;
        while self.entries.valid() {
            let Some((sequence, entry_type)) = self.parse_current() else {
                return;
            };
            if sequence <= self.sequence {
                let user_key = dbformat::extract_user_key(self.entries.key());
                if value_type != ValueType::Deletion && user_key < &self.saved_key[..] {
                    break; // a live value of a later key is saved
                }
                value_type = entry_type;
                self.saved_value.clear();
                self.saved_key.clear();
                if value_type != ValueType::Deletion {
                    self.saved_value.extend_from_slice(self.entries.value());
                    self.saved_key.extend_from_slice(user_key);
                    self.value_type = value_type;
                }
            }
            self.entries.prev();
        }
        if value_type == ValueType::Deletion {
            self.valid = false;
            self.saved_key.clear();
            self.saved_value.clear();
            self.direction = Direction::Forward;
        } else {
            self.valid = true;
        }
    }
}
