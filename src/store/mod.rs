//! The embedded LSM key-value store (LevelDB's design). See FORMAT.md.
//!
//! Layers, bottom up: `env` (all file I/O), `log` (the write-ahead log),
//! `dbformat` (internal keys), `write_batch`, `skiplist` and `memtable`,
//! `version` (MANIFEST edits), `table` (SSTables).

pub mod comparator;
pub mod dbformat;
pub mod env;
pub mod log;
pub mod memtable;
pub mod skiplist;
pub mod slot_arena;
pub mod version;
pub mod word_arena;
pub mod write_batch;

#[cfg(test)]
mod testing;
