//! The in-memory write buffer (LevelDB's `MemTable`): a skip list of
//! entries ordered by internal key, so a key's newest version comes first.
//!
//! Entry layout (one allocation each):
//! `varint32(internal_key_len) internal_key varint32(value_len) value`,
//! where `internal_key = user_key ++ fixed64(sequence << 8 | type)`.
//! A Deletion carries an empty value; a ValuePointer carries the encoded
//! value-log pointer as its value.
//!
//! Thread safety: `add` serializes writers on the skip list's lock; `get`
//! and iterators never block and may run during `add`. Entries are never
//! removed; the Db drops the whole memtable once it is flushed.

use crate::store::dbformat::{
    self, InternalKeyComparator, LookupKey, SequenceNumber, TRAILER_BYTES, ValueType,
};
use crate::store::skiplist::SkipList;
use crate::store::write_batch::{Handler, WriteBatch, WriteBatchError};
use crate::util::varint;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes the allocator adds to each entry's allocation, for accounting.
const ALLOCATION_OVERHEAD_BYTES: usize = 16;

/// What a memtable knows about a key at a sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The newest entry visible holds this value inline.
    Value(&'a [u8]),
    /// The newest entry visible points into the value log.
    ValuePointer(&'a [u8]),
    /// The newest entry visible is a deletion: stop looking.
    Deleted,
    /// No entry for the key: look in older memtables and tables.
    NotFound,
}

pub struct MemTable {
    list: SkipList<InternalKeyComparator>,
    entry_bytes: AtomicUsize,
    entries: AtomicUsize,
}

impl Default for MemTable {
    fn default() -> MemTable {
        MemTable::new()
    }
}

/// Splits an entry into (internal key, value); None if malformed.
fn decode_entry(entry: &[u8]) -> Option<(&[u8], &[u8])> {
    let (key, used) = varint::get_length_prefixed(entry)?;
    let (value, _) = varint::get_length_prefixed(&entry[used..])?;
    Some((key, value))
}

impl MemTable {
    pub fn new() -> MemTable {
        MemTable {
            list: SkipList::new(InternalKeyComparator),
            entry_bytes: AtomicUsize::new(0),
            entries: AtomicUsize::new(0),
        }
    }

    /// Adds an entry. REQUIRES: (key, sequence) not already present (the
    /// Db gives every update its own sequence number).
    pub fn add(&self, sequence: SequenceNumber, value_type: ValueType, key: &[u8], value: &[u8]) {
        let internal_bytes = key.len() + TRAILER_BYTES;
        let internal_len = u32::try_from(internal_bytes).expect("key over 4 GiB");
        let value_len = u32::try_from(value.len()).expect("value over 4 GiB");
        let key_start = varint::varint_length(u64::from(internal_len));
        let entry_bytes =
            key_start + internal_bytes + varint::varint_length(u64::from(value_len)) + value.len();
        let mut entry = Vec::with_capacity(entry_bytes);
        varint::put_varint32(&mut entry, internal_len);
        dbformat::append_internal_key(&mut entry, key, sequence, value_type);
        varint::put_varint32(&mut entry, value_len);
        entry.extend_from_slice(value);
        assert_eq!(entry.len(), entry_bytes);
        self.entry_bytes.fetch_add(entry_bytes, Ordering::Relaxed);
        self.entries.fetch_add(1, Ordering::Relaxed);
        self.list
            .insert(entry.into_boxed_slice(), key_start, internal_bytes);
    }

    /// The newest entry for the lookup key's user key with a sequence at
    /// or below the lookup key's.
    pub fn get(&self, lookup: &LookupKey) -> Lookup<'_> {
        let Some(index) = self.list.seek(lookup.internal_key()) else {
            return Lookup::NotFound;
        };
        let internal_key = self.list.key(index);
        if dbformat::extract_user_key(internal_key) != lookup.user_key() {
            return Lookup::NotFound;
        }
        let value = entry_value(self.list.entry(index));
        match dbformat::extract_trailer(internal_key) as u8 {
            tag if tag == ValueType::Value as u8 => Lookup::Value(value),
            tag if tag == ValueType::ValuePointer as u8 => Lookup::ValuePointer(value),
            _ => Lookup::Deleted,
        }
    }

    /// Bytes this memtable holds: entries, their allocation overhead, and
    /// the skip list's arenas. The Db flushes when this passes its write
    /// buffer size.
    pub fn approximate_memory_usage(&self) -> usize {
        let entries = self.entries.load(Ordering::Relaxed);
        self.entry_bytes.load(Ordering::Relaxed)
            + entries * ALLOCATION_OVERHEAD_BYTES
            + self.list.arena_bytes()
    }

    /// An iterator over the entries, in internal key order.
    pub fn iter(self: &Arc<MemTable>) -> MemTableIterator {
        MemTableIterator {
            table: self.clone(),
            node: None,
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

/// The value of an entry built by `add` (which is always well formed).
fn entry_value(entry: &[u8]) -> &[u8] {
    decode_entry(entry)
        .expect("memtable entries are built by add")
        .1
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
/// keys. It holds the memtable alive; it sees entries added after it was
/// made when it moves past them.
pub struct MemTableIterator {
    table: Arc<MemTable>,
    node: Option<u32>,
}

impl MemTableIterator {
    pub fn valid(&self) -> bool {
        self.node.is_some()
    }

    /// Positions at the first entry with internal key ≥ `target`.
    pub fn seek(&mut self, target: &[u8]) {
        self.node = self.table.list.seek(target);
    }

    pub fn seek_to_first(&mut self) {
        self.node = self.table.list.first();
    }

    pub fn seek_to_last(&mut self) {
        self.node = self.table.list.last();
    }

    /// REQUIRES: valid().
    pub fn next(&mut self) {
        let node = self.node.expect("next on an invalid memtable iterator");
        self.node = self.table.list.next(node);
    }

    /// REQUIRES: valid().
    pub fn prev(&mut self) {
        let node = self.node.expect("prev on an invalid memtable iterator");
        self.node = self.table.list.prev(node);
    }

    /// The internal key. REQUIRES: valid().
    pub fn key(&self) -> &[u8] {
        let node = self.node.expect("key of an invalid memtable iterator");
        self.table.list.key(node)
    }

    /// REQUIRES: valid().
    pub fn value(&self) -> &[u8] {
        let node = self.node.expect("value of an invalid memtable iterator");
        entry_value(self.table.list.entry(node))
    }
}

#[cfg(test)]
mod tests;
