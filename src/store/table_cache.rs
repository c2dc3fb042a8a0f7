//! The cache of open tables (LevelDB's `TableCache`): each table file is
//! opened once (footer, index and filter blocks read and checked) and kept
//! as an `Arc<Table>` keyed by its file number, in an LRU bounded by a
//! number of files (LevelDB: `max_open_files` 1000 minus 10 kept for the
//! logs, MANIFEST and other files).
//!
//! Tables are opened through the Env, as `NNNNNN.ldb` or, failing that,
//! LevelDB's older `NNNNNN.sst`. A table evicted while an iterator or a
//! get still holds it stays open until they finish.
//!
//! Thread safety: every method takes `&self`; share it in an `Arc`.

use crate::store::env::Env;
use crate::store::filename;
use crate::store::iter::{BoxedIterator, EmptyIterator};
use crate::store::table::cache::{CACHE_SHARDS, ShardedLruCache};
use crate::store::table::error::TableError;
use crate::store::table::options::{TableOptions, TableReadOptions};
use crate::store::table::table::Table;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// LevelDB's default `max_open_files`.
pub const MAX_OPEN_FILES_DEFAULT: usize = 1000;
/// Files kept out of the table cache's share of `max_open_files` (logs,
/// MANIFEST, CURRENT, LOCK, value logs), as LevelDB keeps 10.
pub const NON_TABLE_CACHE_FILES: usize = 10;
/// Each shard of the cache holds at least this many tables, whatever the
/// capacity asked for.
const TABLES_PER_SHARD_MIN: usize = 1;

/// The table cache capacity, in files, for a `max_open_files` setting.
pub fn table_cache_capacity_files(max_open_files: usize) -> usize {
    max_open_files.saturating_sub(NON_TABLE_CACHE_FILES)
}

pub struct TableCache {
    env: Arc<dyn Env>,
    dir: PathBuf,
    options: TableOptions,
    /// Charge 1 per table: the capacity counts files.
    tables: ShardedLruCache<u64, Arc<Table>>,
}

impl TableCache {
    /// A cache of at most `capacity_files` open tables of directory `dir`
    /// (rounded up to one per shard), read with `options` (the Db's
    /// internal key comparator, filter policy and block cache).
    pub fn new(
        env: Arc<dyn Env>,
        dir: &Path,
        options: TableOptions,
        capacity_files: usize,
    ) -> TableCache {
        let capacity_files = capacity_files.max(CACHE_SHARDS * TABLES_PER_SHARD_MIN);
        TableCache {
            env,
            dir: dir.to_path_buf(),
            options,
            tables: ShardedLruCache::new(capacity_files),
        }
    }

    pub fn options(&self) -> &TableOptions {
        &self.options
    }

    /// The open table `file_number` of `file_size_bytes` (as the MANIFEST
    /// records it), opening it on a miss.
    pub fn find_table(
        &self,
        file_number: u64,
        file_size_bytes: u64,
    ) -> Result<Arc<Table>, TableError> {
        if let Some(table) = self.tables.get(&file_number) {
            return Ok(table);
        }
        let table = Arc::new(self.open_table(file_number, file_size_bytes)?);
        self.tables.insert(file_number, Arc::clone(&table), 1);
        Ok(table)
    }

    fn open_table(&self, file_number: u64, file_size_bytes: u64) -> Result<Table, TableError> {
        let path = filename::table_file_name(&self.dir, file_number);
        let (path, file) = match self.env.open_random(&path) {
            Ok(file) => (path, file),
            Err(first_error) => {
                let sst_path = filename::sst_table_file_name(&self.dir, file_number);
                match self.env.open_random(&sst_path) {
                    Ok(file) => (sst_path, file),
                    Err(_) => {
                        let name: Arc<str> = Arc::from(path.display().to_string());
                        return Err(TableError::from_io(&name, 0, 0, &first_error));
                    }
                }
            }
        };
        let name: Arc<str> = Arc::from(path.display().to_string());
        Table::open(self.options.clone(), file, name, file_size_bytes)
    }

    /// Looks `internal_key` up in table `file_number`: passes the first
    /// entry ≥ it in the one block that may hold it to `found` (see
    /// `Table::internal_get`). Ok(None) when the table has no such entry.
    pub fn get<R>(
        &self,
        read: &TableReadOptions,
        file_number: u64,
        file_size_bytes: u64,
        internal_key: &[u8],
        found: impl FnOnce(&[u8], &[u8]) -> R,
    ) -> Result<Option<R>, TableError> {
        let table = self.find_table(file_number, file_size_bytes)?;
        table.internal_get(read, internal_key, found)
    }

    /// A cursor over table `file_number`; when the table cannot be opened,
    /// an invalid cursor whose `status()` is the error.
    pub fn iter(
        &self,
        read: TableReadOptions,
        file_number: u64,
        file_size_bytes: u64,
    ) -> BoxedIterator {
        match self.find_table(file_number, file_size_bytes) {
            Ok(table) => Box::new(table.iter(read)),
            Err(error) => Box::new(EmptyIterator::with_error(error)),
        }
    }

    /// Forgets table `file_number` (call when the file is deleted).
    pub fn evict(&self, file_number: u64) {
        self.tables.erase(&file_number);
    }
}

#[cfg(test)]
mod tests;
