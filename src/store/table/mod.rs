//! Sorted string tables (SSTables): LevelDB 1.23's immutable, sorted file
//! format, byte-compatible in layout (without compression). The byte
//! grammar is in FORMAT.md beside this file.
//!
//! Where to start reading: `table_builder` writes a table, `table` reads
//! one; both are made of `block`s (prefix-compressed sorted entries, see
//! `block_builder`) addressed by `format::BlockHandle`s, plus an optional
//! bloom `filter_block`. `clock_cache` keeps recently read blocks in memory
//! (`cache` holds its key type and the LRU the table cache uses);
//! `readahead` reads several blocks at once for cursors that walk in order.
//!
//! Use from the Db layer:
//! - write: `TableBuilder::new(TableOptions, file)`, `add(key, value)` in
//!   comparator order, `finish()` → file size; then sync the file.
//! - read: `Table::open(options, file, name, size)` once per file (keep it
//!   in an `Arc` in the table cache); `internal_get(read, key, |k, v| ..)`
//!   gives the first entry ≥ key in the one block that may hold it;
//!   `iter(read)` walks every entry (`TableIterator`).
//! - share one `Arc<BlockCache>` (`cache::BlockCache::new(capacity)`) in
//!   every table's options; each table gets its own cache id.
//! - the comparator and filter policy are the Db's: for internal keys the
//!   comparator must shorten separators on the user key only, and the
//!   filter policy must hash the user key (LevelDB's InternalKeyComparator
//!   and InternalFilterPolicy).

pub mod block;
pub mod block_builder;
pub mod cache;
pub mod clock_cache;
pub mod error;
pub mod filter;
pub mod filter_block;
pub mod format;
pub mod index_windows;
pub mod iterator;
pub mod options;
pub mod readahead;
#[allow(
    clippy::module_inception,
    reason = "LevelDB's layout: table/table.cc reads a table"
)]
pub mod table;
pub mod table_builder;
pub mod table_iter;

#[cfg(test)]
mod test_file;
#[cfg(test)]
mod test_rng;
#[cfg(test)]
mod tests;
