//! Sorted string tables (SSTables): LevelDB 1.23's immutable, sorted file
//! format, byte-compatible in layout (without compression). The byte
//! grammar is in FORMAT.md beside this file.
//!
//! Where to start reading: `table_builder` writes a table, `table` reads
//! one; both are made of `block`s (prefix-compressed sorted entries, see
//! `block_builder`) addressed by `format::BlockHandle`s, plus an optional
//! bloom `filter_block`. `cache` keeps recently read blocks in memory.

pub mod block;
pub mod block_builder;
pub mod cache;
pub mod comparator;
pub mod error;
pub mod filter;
pub mod filter_block;
pub mod format;
pub mod iterator;
pub mod options;
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
