//! The embedded LSM key-value store (LevelDB's design). On-disk formats
//! are in FORMAT.md beside this file.
//!
//! Where to start reading, bottom up:
//! - `env`: every file operation (PosixEnv; MemEnv and FaultEnv for tests,
//!   with an exact crash model: written vs durable bytes and entries).
//! - `log`: the write-ahead log and MANIFEST record format (writer, reader
//!   with corruption reports and torn-tail dropping).
//! - `dbformat` (sequence numbers, value types, internal keys and their
//!   comparator, lookup keys) and `comparator` (the Comparator trait).
//! - `write_batch`: the atomic update group, in its WAL byte form.
//! - `memtable` over `skiplist` (lock-free readers, one writer) over
//!   `word_arena` and `slot_arena` (append-only storage in safe Rust).
//! - `group_commit`: the writer queue (one leader commits a group).
//! - `version::version_edit`: MANIFEST records.
//! - `table`: SSTables (blocks, bloom filter, block cache); `vlog`: the
//!   value log that keeps large values out of the tree (WiscKey).
//!
//! The layer between tables and the Db:
//! - `filename` (the names of the store's files, CURRENT), `table_cache`
//!   (open tables by file number), `iter` (one cursor trait over internal
//!   keys, the merging and level iterators).
//! - `version`: the set of tables (`version`), `version_set` (recovery,
//!   `log_and_apply`) and compaction picking (`compaction`).
//! - `db`: the Db itself (open and recovery, group-committed writes,
//!   reads, snapshots, the background thread); start at `db/mod.rs`.
//!
//! Contracts for the Db layer: one `Env` for everything; a log `Writer`
//! that returned an error must be abandoned (and the Db must refuse writes);
//! `WriteBatch::from_contents` validates a WAL record before
//! `MemTable::insert_batch`; every update needs its own sequence number.

pub mod comparator;
pub mod db;
pub mod dbformat;
pub mod env;
pub mod group_commit;
pub mod log;
pub mod memtable;
pub mod skiplist;
pub mod slot_arena;
pub mod table;
pub mod version;
pub mod vlog;
pub mod word_arena;
pub mod write_batch;

// The layer between tables and the Db.
pub mod filename;
pub mod iter;
pub mod table_cache;

pub use db::{
    Db, DbIterator, GcReport, GcStats, Options, ReadOptions, Snapshot, StoreError, ValueStream,
    WriteBatch, WriteOptions,
};

#[cfg(test)]
mod testing;
#[cfg(test)]
mod write_path_bench;
