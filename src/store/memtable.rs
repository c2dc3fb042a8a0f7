//! The in-memory write buffer (LevelDB's `MemTable`): a skip list of
//! entries ordered by internal key, so a key's newest version comes first.
//!
//! Entries live in the skip list's word arena (see `skiplist.rs`); reads
//! copy a value out into a caller's buffer, as LevelDB's `Get` copies into
//! a `std::string`. A Deletion has an empty value; a ValuePointer holds
//! the encoded value-log pointer as its value.
//!
//! Thread safety: `add` serializes writers on the skip list's lock; `get`
//! and iterators never block and may run during `add`. Entries are never
//! removed; the Db drops the whole memtable once it is flushed.

use crate::store::dbformat::{self, LookupKey, SequenceNumber, ValueType};
use crate::store::skiplist::{NodeRef, SkipList};
use crate::store::write_batch::{Handler, WriteBatch, WriteBatchError};
use std::cell::{Cell, OnceCell};
use std::sync::Arc;

/// What a memtable knows about a key at a sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The newest entry visible holds the value inline (copied out).
    Value,
    /// The newest entry visible points into the value log (pointer
    /// copied out).
    ValuePointer,
    /// The newest entry visible is a deletion: stop looking.
    Deleted,
    /// No entry for the key: look in older memtables and tables.
    NotFound,
}

#[derive(Default)]
pub struct MemTable {
    list: SkipList,
}

impl MemTable {
    /// A memtable that allocates as it grows.
    pub fn new() -> MemTable {
        MemTable::default()
    }

    /// A memtable with `write_buffer_bytes` of memory allocated (and
    /// zeroed) now, which makes inserts and lookups faster; the Db makes
    /// each memtable so, with its write buffer size. It still accepts
    /// entries past that size.
    pub fn with_capacity(write_buffer_bytes: usize) -> MemTable {
        MemTable {
            list: SkipList::with_capacity(write_buffer_bytes),
        }
    }

    /// Adds an entry. REQUIRES: (key, sequence) not already present (the
    /// Db gives every update its own sequence number).
    pub fn add(&self, sequence: SequenceNumber, value_type: ValueType, key: &[u8], value: &[u8]) {
        let trailer = dbformat::pack_sequence_and_type(sequence, value_type);
        self.list.insert(key, trailer, value);
    }

    /// The newest entry for the lookup key's user key with a sequence at
    /// or below the lookup key's; for Value and ValuePointer, `value` is
    /// replaced by its bytes.
    pub fn get(&self, lookup: &LookupKey, value: &mut Vec<u8>) -> Lookup {
        let user_key = lookup.user_key();
        let trailer = dbformat::extract_trailer(lookup.internal_key());
        let Some(node) = self.list.seek(user_key, trailer) else {
            return Lookup::NotFound;
        };
        if !self.list.user_key_equals(node, user_key) {
            return Lookup::NotFound;
        }
        let found = match self.list.trailer(node) as u8 {
            tag if tag == ValueType::Value as u8 => Lookup::Value,
            tag if tag == ValueType::ValuePointer as u8 => Lookup::ValuePointer,
            _ => return Lookup::Deleted,
        };
        value.clear();
        self.list.value_into(node, value);
        found
    }

    /// Bytes this memtable holds in memory (its arena). The Db flushes
    /// when this passes its write buffer size.
    pub fn approximate_memory_usage(&self) -> usize {
        self.list.memory_bytes()
    }

    /// An iterator over the entries, in internal key order.
    pub fn iter(self: &Arc<MemTable>) -> MemTableIterator {
        MemTableIterator {
            table: self.clone(),
            node: None,
            key: Vec::new(),
            value: OnceCell::new(),
            spare_value: Cell::new(Vec::new()),
        }
    }

    /// Adds every record of `batch`, numbered from its sequence.
    pub fn insert_batch(&self, batch: &WriteBatch) -> Result<(), WriteBatchError> {
        let mut inserter = Inserter {
            table: self,
            sequence: batch.sequence(),
        };
        batch.iterate(&mut inserter)
    }
}

struct Inserter<'a> {
    table: &'a MemTable,
    sequence: SequenceNumber,
}

impl Handler for Inserter<'_> {
    fn put(&mut self, key: &[u8], value: &[u8]) {
        self.table.add(self.sequence, ValueType::Value, key, value);
        self.sequence += 1;
    }

    fn delete(&mut self, key: &[u8]) {
        self.table.add(self.sequence, ValueType::Deletion, key, &[]);
        self.sequence += 1;
    }

    fn put_value_pointer(&mut self, key: &[u8], pointer: &[u8]) {
        self.table
            .add(self.sequence, ValueType::ValuePointer, key, pointer);
        self.sequence += 1;
    }
}

/// A position in a memtable (LevelDB's iterator shape). Keys are internal
/// keys. It holds the memtable alive and copies the current key out (the
/// value only when asked); it sees entries added after it was made when it
/// moves past them.
pub struct MemTableIterator {
    table: Arc<MemTable>,
    node: Option<NodeRef>,
    key: Vec<u8>,
    /// The current value, copied on the first `value()` at this position.
    value: OnceCell<Vec<u8>>,
    /// The buffer of a value left behind, reused by the next `value()`:
    /// a flush reads every value, and a fresh vector for each was an
    /// allocation per entry.
    spare_value: Cell<Vec<u8>>,
}

impl MemTableIterator {
    pub fn valid(&self) -> bool {
        self.node.is_some()
    }

    /// Positions at the first entry with internal key ≥ `target`.
    pub fn seek(&mut self, target: &[u8]) {
        let user_key = dbformat::extract_user_key(target);
        let trailer = dbformat::extract_trailer(target);
        self.set(self.table.list.seek(user_key, trailer));
    }

    pub fn seek_to_first(&mut self) {
        self.set(self.table.list.first());
    }

    pub fn seek_to_last(&mut self) {
        self.set(self.table.list.last());
    }

    /// REQUIRES: valid().
    pub fn next(&mut self) {
        let node = self.node.expect("next on an invalid memtable iterator");
        self.set(self.table.list.next(node));
    }

    /// REQUIRES: valid().
    pub fn prev(&mut self) {
        assert!(self.valid(), "prev on an invalid memtable iterator");
        let user_key = dbformat::extract_user_key(&self.key);
        let trailer = dbformat::extract_trailer(&self.key);
        self.set(self.table.list.seek_before(user_key, trailer));
    }

    /// The internal key. REQUIRES: valid().
    pub fn key(&self) -> &[u8] {
        assert!(self.valid(), "key of an invalid memtable iterator");
        &self.key
    }

    /// REQUIRES: valid().
    pub fn value(&self) -> &[u8] {
        let node = self.node.expect("value of an invalid memtable iterator");
        self.value.get_or_init(|| {
            let mut value = self.spare_value.take();
            value.clear();
            self.table.list.value_into(node, &mut value);
            value
        })
    }

    fn set(&mut self, node: Option<NodeRef>) {
        self.node = node;
        self.key.clear();
        if let Some(value) = self.value.take() {
            self.spare_value.set(value);
        }
        if let Some(node) = node {
            let list = &self.table.list;
            list.user_key_into(node, &mut self.key);
            self.key
                .extend_from_slice(&list.trailer(node).to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests;
