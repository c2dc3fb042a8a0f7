//! The Db's knobs (LevelDB's `Options`, `ReadOptions`, `WriteOptions`),
//! with LevelDB's defaults except where a better default is the point:
//! a bloom filter (10 bits per key) and a 128 MiB block cache.

use crate::store::env::{Env, PosixEnv};
use crate::store::table::filter::BloomFilterPolicy;
use crate::store::table::options::BLOCK_SIZE_DEFAULT_BYTES;
use crate::store::table_cache::MAX_OPEN_FILES_DEFAULT;
use crate::store::version::options::MAX_FILE_SIZE_DEFAULT_BYTES;
use std::sync::Arc;

/// LevelDB's default memtable size before it is flushed (4 MiB).
pub const WRITE_BUFFER_SIZE_DEFAULT_BYTES: usize = 4 << 20;
/// Our block cache default: 128 MiB (LevelDB: 8 MiB). Resident memory is
/// bounded by two write buffers plus this plus a small constant.
///
/// Why larger than LevelDB's: LevelDB maps its table files into memory,
/// so its point reads are served from the page cache at no copy and no
/// checksum, and its resident size grows with the mapped tables (140-175
/// MB peak in db_bench's 1,000,000-entry run here). A std-only store reads
/// with `read_at`: a block-cache miss costs a system call, a 4 KiB copy,
/// a crc32c pass and an allocation, about 3 µs here against 2 µs for a
/// whole get served from memory. So the cache plays the page cache's part
/// for the hot data: with 64 MiB, a third of db_bench's 97 MB compacted
/// store missed and readrandom took 1.5x LevelDB's time; at 128 MiB it all
/// fits and our peak stays within LevelDB's. The cache is filled on
/// demand, so a small store never pays for the capacity.
pub const BLOCK_CACHE_CAPACITY_DEFAULT_BYTES: usize = 128 << 20;
/// Values of at least this many bytes go to the value log (WiscKey).
pub const VALUE_LOG_THRESHOLD_DEFAULT_BYTES: usize = 4096;
/// Value-log GC rewrites a sealed value-log file once at least this
/// share of its bytes is dead (vlog/FORMAT.md, "Garbage collection").
pub const VALUE_LOG_GC_DEAD_FRACTION_DEFAULT: f64 = 0.5;
/// Smallest write buffer accepted (LevelDB clips to 64 KiB).
pub const WRITE_BUFFER_SIZE_MIN_BYTES: usize = 64 << 10;
/// Largest write buffer accepted (LevelDB clips to 1 GiB).
pub const WRITE_BUFFER_SIZE_MAX_BYTES: usize = 1 << 30;

/// How a store is opened. `Options::default()` is what a user gets.
#[derive(Clone)]
pub struct Options {
    /// Create the store if the directory holds none.
    pub create_if_missing: bool,
    /// Fail the open if a store already exists.
    pub error_if_exists: bool,
    /// Fail the open on any corruption found during recovery (otherwise a
    /// damaged WAL stretch is skipped, as LevelDB does).
    pub paranoid_checks: bool,
    /// Memtable bytes before it is frozen and flushed to a level-0 table.
    pub write_buffer_size_bytes: usize,
    /// Open files the store may keep (tables get all but a few).
    pub max_open_files: usize,
    /// Target size of a table's data block.
    pub block_size_bytes: usize,
    /// Capacity of the shared cache of data blocks.
    pub block_cache_capacity_bytes: usize,
    /// Bloom filter bits per key; 0 writes no filter (LevelDB's default).
    /// Ours is 10 (about 1 % false positives): a get then reads one data
    /// block per level that holds the key, not one per level.
    pub bloom_bits_per_key: usize,
    /// Values of at least this many bytes are kept in the value log.
    pub value_log_threshold_bytes: usize,
    /// A value-log file is sealed and the next one started before a
    /// record that would take it past this size (default 256 MiB).
    pub value_log_file_bytes_target: u64,
    /// Value-log GC rewrites the live records of a sealed file whose dead
    /// share is at least this (0.0 to 1.0; default 0.5): half the bytes
    /// reclaimed for every byte copied, at worst.
    pub value_log_gc_dead_fraction: f64,
    /// Run value-log GC passes on a thread of their own after memtable
    /// flushes (on by default); `Db::collect_value_log` runs one anyway.
    pub value_log_gc_background: bool,
    /// Tables written by compactions are cut at about this size.
    pub max_file_size_bytes: u64,
    /// Every file operation goes through this.
    pub env: Arc<dyn Env>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            create_if_missing: false,
            error_if_exists: false,
            paranoid_checks: false,
            write_buffer_size_bytes: WRITE_BUFFER_SIZE_DEFAULT_BYTES,
            max_open_files: MAX_OPEN_FILES_DEFAULT,
            block_size_bytes: BLOCK_SIZE_DEFAULT_BYTES,
            block_cache_capacity_bytes: BLOCK_CACHE_CAPACITY_DEFAULT_BYTES,
            bloom_bits_per_key: BloomFilterPolicy::BITS_PER_KEY_DEFAULT,
            value_log_threshold_bytes: VALUE_LOG_THRESHOLD_DEFAULT_BYTES,
            value_log_file_bytes_target: crate::store::vlog::FILE_BYTES_TARGET_DEFAULT,
            value_log_gc_dead_fraction: VALUE_LOG_GC_DEAD_FRACTION_DEFAULT,
            value_log_gc_background: true,
            max_file_size_bytes: MAX_FILE_SIZE_DEFAULT_BYTES,
            env: Arc::new(PosixEnv),
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Options")
            .field("create_if_missing", &self.create_if_missing)
            .field("error_if_exists", &self.error_if_exists)
            .field("paranoid_checks", &self.paranoid_checks)
            .field("write_buffer_size_bytes", &self.write_buffer_size_bytes)
            .field("max_open_files", &self.max_open_files)
            .field("block_size_bytes", &self.block_size_bytes)
            .field(
                "block_cache_capacity_bytes",
                &self.block_cache_capacity_bytes,
            )
            .field("bloom_bits_per_key", &self.bloom_bits_per_key)
            .field("value_log_threshold_bytes", &self.value_log_threshold_bytes)
            .field(
                "value_log_file_bytes_target",
                &self.value_log_file_bytes_target,
            )
            .field(
                "value_log_gc_dead_fraction",
                &self.value_log_gc_dead_fraction,
            )
            .field("value_log_gc_background", &self.value_log_gc_background)
            .field("max_file_size_bytes", &self.max_file_size_bytes)
            .finish_non_exhaustive()
    }
}

/// Per-read choices.
#[derive(Clone)]
pub struct ReadOptions {
    /// Check each data block's checksum as it is read from its file. On
    /// by default (LevelDB's is off): a damaged block must be an error,
    /// never data. Cached blocks were checked when read. The value log
    /// always checks its blocks.
    pub verify_checksums: bool,
    /// Keep the data blocks read from table files in the block cache (on
    /// by default, LevelDB's `fill_cache`): gets and iterators alike,
    /// including the blocks an iterator walking in file order reads ahead
    /// several at once, so a range scanned again (a folder listing, an
    /// `enumerate-blobs` page) is read from memory, not from the files.
    /// Turn it off for one-off bulk scans (fsck, reindex) so they do not
    /// evict what readers keep hot; compaction never fills the cache. A
    /// block the cache holds is used whatever this says.
    pub fill_cache: bool,
    /// Read as of this snapshot; None reads the latest state.
    pub snapshot: Option<super::Snapshot>,
}

impl ReadOptions {
    /// Checksums checked, blocks cached, latest state.
    pub fn new() -> ReadOptions {
        ReadOptions {
            verify_checksums: true,
            fill_cache: true,
            snapshot: None,
        }
    }
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions::new()
    }
}

/// Per-write choices.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Make the write durable (fsync of the value log, then the WAL)
    /// before it is acknowledged.
    pub sync: bool,
}
