//! The cursor every table-layer iterator implements: over a block, and
//! over a whole table (index block → data blocks).

use crate::store::table::error::TableError;

/// A cursor over sorted key/value entries.
///
/// Contract: `key` and `value` require `valid()`; `next` and `prev`
/// require `valid()`. An iterator that meets corrupt bytes becomes invalid
/// and `status()` returns the error from then on; it never yields entries
/// made from bad bytes.
pub trait TableIterator {
    fn valid(&self) -> bool;
    fn seek_to_first(&mut self);
    fn seek_to_last(&mut self);
    /// Positions at the first entry with key >= `target`.
    fn seek(&mut self, target: &[u8]);
    fn next(&mut self);
    fn prev(&mut self);
    fn key(&self) -> &[u8];
    fn value(&self) -> &[u8];
    fn status(&self) -> Result<(), TableError>;
}
