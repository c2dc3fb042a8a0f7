//! The knobs of building and reading tables, with LevelDB's defaults.

use crate::store::comparator::{BytewiseComparator, Comparator};
use crate::store::table::block_builder::BLOCK_RESTART_INTERVAL_ENTRIES;
use crate::store::table::cache::BlockCache;
use crate::store::table::filter::FilterPolicy;
use std::sync::Arc;

/// LevelDB's default target size of a data block, in bytes (4 KiB).
pub const BLOCK_SIZE_DEFAULT_BYTES: usize = 4096;

/// How tables are built and read. The comparator and filter policy used to
/// read a table must be the ones it was built with.
#[derive(Clone)]
pub struct TableOptions {
    pub comparator: Arc<dyn Comparator>,
    /// None writes no filter block (LevelDB's default); the Db layer
    /// chooses its own default.
    pub filter_policy: Option<Arc<dyn FilterPolicy>>,
    /// A data block is closed once its size reaches this, in bytes.
    pub block_size_bytes: usize,
    pub block_restart_interval_entries: usize,
    /// Shared cache of data blocks; None reads every block from the file.
    pub block_cache: Option<Arc<BlockCache>>,
}

impl Default for TableOptions {
    fn default() -> TableOptions {
        TableOptions {
            comparator: Arc::new(BytewiseComparator),
            filter_policy: None,
            block_size_bytes: BLOCK_SIZE_DEFAULT_BYTES,
            block_restart_interval_entries: BLOCK_RESTART_INTERVAL_ENTRIES,
            block_cache: None,
        }
    }
}

/// Per-read choices.
#[derive(Debug, Clone, Copy)]
pub struct TableReadOptions {
    /// Check each data block's crc32c when it is read from the file. On
    /// by default (LevelDB's is off): a corrupt block must be an error,
    /// never data. Index, metaindex and filter blocks are always checked.
    pub verify_checksums: bool,
    /// Put data blocks read from the file into the block cache, whether
    /// read alone or cut from a cursor's read-ahead (`readahead`); on by
    /// default, as LevelDB's. Off for bulk scans that should not evict hot
    /// blocks (compaction's input, fsck). The cache is consulted either way.
    pub fill_cache: bool,
}

impl Default for TableReadOptions {
    fn default() -> TableReadOptions {
        TableReadOptions {
            verify_checksums: true,
            fill_cache: true,
        }
    }
}
