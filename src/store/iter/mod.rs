//! Cursors over internal keys (LevelDB's `Iterator` as used inside the
//! store): one trait, [`InternalIterator`], for every source — memtables,
//! tables, whole levels — and the merging iterator that turns several
//! sorted sources into one.
//!
//! Keys are internal keys (FORMAT.md, "Internal keys") in
//! `InternalKeyComparator` order. Entries of every type — Value, Deletion,
//! ValuePointer — pass through unchanged: hiding deletions and resolving
//! value pointers is the Db iterator's job.
//!
//! Where to start reading: this file (the trait, the adapters for
//! `MemTableIterator` and `TableIter`, the empty iterator), `merging` (N
//! children into one), `level` (the files of one sorted level as one
//! cursor, opening tables lazily through the table cache).

pub mod level;
pub mod merging;

pub use level::LevelIterator;
pub use merging::MergingIterator;

use crate::store::memtable::MemTableIterator;
use crate::store::table::error::TableError;
use crate::store::table::iterator::TableIterator;
use crate::store::table::table_iter::TableIter;

/// A cursor over entries sorted by internal key.
///
/// Contract (the table layer's `TableIterator` contract):
/// - `key`, `value`, `next` and `prev` REQUIRE `valid()`.
/// - `seek(target)` positions at the first entry with key ≥ `target`.
/// - An iterator that meets an error (corrupt bytes, a failed read, a
///   table that does not open) becomes invalid and `status()` returns the
///   error from then on; it never yields entries made from bad bytes and
///   never skips over the damage to later entries.
/// - The errors are the table layer's: every failure below this layer is
///   a table that cannot be read, named with its file and offset.
pub trait InternalIterator: Send {
    fn valid(&self) -> bool;
    fn seek_to_first(&mut self);
    fn seek_to_last(&mut self);
    fn seek(&mut self, target: &[u8]);
    fn next(&mut self);
    fn prev(&mut self);
    fn key(&self) -> &[u8];
    fn value(&self) -> &[u8];
    fn status(&self) -> Result<(), TableError>;
}

/// A boxed cursor, as the merging iterator holds its children.
pub type BoxedIterator = Box<dyn InternalIterator>;

impl InternalIterator for MemTableIterator {
    fn valid(&self) -> bool {
        MemTableIterator::valid(self)
    }
    fn seek_to_first(&mut self) {
        MemTableIterator::seek_to_first(self);
    }
    fn seek_to_last(&mut self) {
        MemTableIterator::seek_to_last(self);
    }
    fn seek(&mut self, target: &[u8]) {
        MemTableIterator::seek(self, target);
    }
    fn next(&mut self) {
        MemTableIterator::next(self);
    }
    fn prev(&mut self) {
        MemTableIterator::prev(self);
    }
    fn key(&self) -> &[u8] {
        MemTableIterator::key(self)
    }
    fn value(&self) -> &[u8] {
        MemTableIterator::value(self)
    }
    /// A memtable lives in memory and never fails.
    fn status(&self) -> Result<(), TableError> {
        Ok(())
    }
}

impl InternalIterator for TableIter {
    fn valid(&self) -> bool {
        TableIterator::valid(self)
    }
    fn seek_to_first(&mut self) {
        TableIterator::seek_to_first(self);
    }
    fn seek_to_last(&mut self) {
        TableIterator::seek_to_last(self);
    }
    fn seek(&mut self, target: &[u8]) {
        TableIterator::seek(self, target);
    }
    fn next(&mut self) {
        TableIterator::next(self);
    }
    fn prev(&mut self) {
        TableIterator::prev(self);
    }
    fn key(&self) -> &[u8] {
        TableIterator::key(self)
    }
    fn value(&self) -> &[u8] {
        TableIterator::value(self)
    }
    fn status(&self) -> Result<(), TableError> {
        TableIterator::status(self)
    }
}

/// A cursor over nothing, optionally carrying an error (LevelDB's
/// `NewEmptyIterator` and `NewErrorIterator`).
#[derive(Debug, Default)]
pub struct EmptyIterator {
    error: Option<TableError>,
}

impl EmptyIterator {
    pub fn new() -> EmptyIterator {
        EmptyIterator::default()
    }

    /// An invalid cursor whose `status()` is `error`.
    pub fn with_error(error: TableError) -> EmptyIterator {
        EmptyIterator { error: Some(error) }
    }
}

impl InternalIterator for EmptyIterator {
    fn valid(&self) -> bool {
        false
    }
    fn seek_to_first(&mut self) {}
    fn seek_to_last(&mut self) {}
    fn seek(&mut self, _target: &[u8]) {}
    fn next(&mut self) {
        panic!("next on an empty iterator");
    }
    fn prev(&mut self) {
        panic!("prev on an empty iterator");
    }
    fn key(&self) -> &[u8] {
        panic!("key of an empty iterator");
    }
    fn value(&self) -> &[u8] {
        panic!("value of an empty iterator");
    }
    fn status(&self) -> Result<(), TableError> {
        self.error.clone().map_or(Ok(()), Err)
    }
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
