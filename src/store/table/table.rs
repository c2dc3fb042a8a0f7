//! An open table: the footer, index block and filter block held in memory,
//! data blocks read on demand with `read_exact_at` (through the block
//! cache when there is one). Point lookups consult the bloom filter first.
//!
//! Thread safety: a `Table` is immutable after `open`; share it in an
//! `Arc` between threads.

use crate::store::comparator::{BytewiseComparator, Comparator};
use crate::store::env::RandomAccessFile;
use crate::store::table::block::{Block, BlockIter, BlockOrigin};
use crate::store::table::cache::BlockCacheKey;
use crate::store::table::error::{Corruption, TableError};
use crate::store::table::filter_block::FilterBlockReader;
use crate::store::table::format::{BlockHandle, TableFile};
use crate::store::table::index_windows::IndexWindows;
use crate::store::table::iterator::TableIterator;
use crate::store::table::options::{TableOptions, TableReadOptions};
use crate::store::table::readahead::ReadAhead;
use crate::store::table::table_builder::FILTER_METAINDEX_PREFIX;
use crate::store::table::table_iter::TableIter;
use std::sync::Arc;

pub struct Table {
    options: TableOptions,
    file: TableFile,
    /// Distinguishes this table's blocks in the shared block cache.
    cache_id: u64,
    index: Arc<Block>,
    /// Narrows point lookups' index searches (None: plain binary search).
    index_windows: Option<IndexWindows>,
    filter: Option<FilterBlockReader>,
    metaindex_handle: BlockHandle,
}

impl Table {
    /// Opens the table `name` of `size_bytes` (as recorded when it was
    /// written): reads the footer, the index block and the filter block,
    /// each checked by crc32c.
    pub fn open(
        options: TableOptions,
        file: Arc<dyn RandomAccessFile>,
        name: Arc<str>,
        size_bytes: u64,
    ) -> Result<Table, TableError> {
        let file = TableFile {
            file,
            name,
            size_bytes,
        };
        let footer = file.read_footer()?;
        let index = read_checked_block(&file, footer.index)?;
        let filter = read_filter(&options, &file, footer.metaindex)?;
        let cache_id = options
            .block_cache
            .as_ref()
            .map_or(0, |cache| cache.new_id());
        let index_windows = IndexWindows::build(&index, &*options.comparator);
        Ok(Table {
            options,
            file,
            cache_id,
            index: Arc::new(index),
            index_windows,
            filter,
            metaindex_handle: footer.metaindex,
        })
    }

    pub fn options(&self) -> &TableOptions {
        &self.options
    }

    pub fn file_name(&self) -> &Arc<str> {
        &self.file.name
    }

    pub(crate) fn index_block(&self) -> &Arc<Block> {
        &self.index
    }

    /// Decodes an index entry's value into the handle of a data block.
    pub(crate) fn decode_handle(&self, encoded: &[u8]) -> Result<BlockHandle, TableError> {
        match BlockHandle::decode(encoded) {
            Some((handle, _)) => Ok(handle),
            None => {
                let offset = self.index.origin().offset;
                Err(TableError::corruption(
                    &self.file.name,
                    offset,
                    Corruption::BadBlockHandle,
                ))
            }
        }
    }

    /// The data block at `handle` if the block cache holds it.
    fn cached_block(&self, handle: BlockHandle) -> Option<Arc<Block>> {
        let cache = self.options.block_cache.as_ref()?;
        cache.get(&self.cache_key(handle))
    }

    fn cache_key(&self, handle: BlockHandle) -> BlockCacheKey {
        BlockCacheKey {
            cache_id: self.cache_id,
            offset: handle.offset,
        }
    }

    /// Reads the data block at `handle` from the file, keeping it in the
    /// block cache when there is one and `read.fill_cache`.
    fn read_data_block(
        &self,
        read: &TableReadOptions,
        handle: BlockHandle,
    ) -> Result<Arc<Block>, TableError> {
        let block = Arc::new(self.load_block(read, handle)?);
        self.keep(read, handle, &block);
        Ok(block)
    }

    /// Puts a block just read from the file into the block cache when
    /// there is one and `read.fill_cache` (LevelDB's `Table::BlockReader`).
    fn keep(&self, read: &TableReadOptions, handle: BlockHandle, block: &Arc<Block>) {
        if let Some(cache) = &self.options.block_cache
            && read.fill_cache
        {
            cache.insert(
                self.cache_key(handle),
                Arc::clone(block),
                block.size_bytes(),
            );
        }
    }

    /// The data block at `handle` for a cursor walking the table: from
    /// the cache when it holds it, else cut from the cursor's read-ahead,
    /// else read alone. Either way a block read from the file is cached
    /// when `read.fill_cache`, so the next scan of the range reads nothing.
    pub(crate) fn scan_block(
        &self,
        read: &TableReadOptions,
        handle: BlockHandle,
        readahead: &mut ReadAhead,
    ) -> Result<Arc<Block>, TableError> {
        if let Some(block) = self.cached_block(handle) {
            readahead.note(handle);
            return Ok(block);
        }
        match readahead.block(&self.file, handle, read.verify_checksums) {
            Some(contents) => {
                let block = Arc::new(Block::new(contents?, origin(&self.file, handle))?);
                self.keep(read, handle, &block);
                Ok(block)
            }
            None => self.read_data_block(read, handle),
        }
    }

    fn load_block(
        &self,
        read: &TableReadOptions,
        handle: BlockHandle,
    ) -> Result<Block, TableError> {
        let contents = self.file.read_block(handle, read.verify_checksums)?;
        Block::new(contents, origin(&self.file, handle))
    }

    /// Finds the first entry with key >= `key` in the one data block that
    /// may hold `key` and passes it to `found`. Ok(None) when that block
    /// has no such entry or the filter says `key` is absent (then no data
    /// block is read). The caller checks that the entry is the one wanted.
    ///
    /// The filter is there to save reading a block from the file, so it
    /// is consulted only when the block cache does not hold the block: a
    /// cached block is searched at once (one memory probe fewer per hit).
    pub fn internal_get<R>(
        &self,
        read: &TableReadOptions,
        key: &[u8],
        found: impl FnOnce(&[u8], &[u8]) -> R,
    ) -> Result<Option<R>, TableError> {
        let comparator: &dyn Comparator = &*self.options.comparator;
        let mut index = BlockIter::new(&*self.index, comparator);
        match self
            .index_windows
            .as_ref()
            .and_then(|w| w.restart_range(key))
        {
            Some((left, right)) => index.seek_between(key, left, right),
            None => index.seek(key),
        }
        if !index.valid() {
            return index.status().map(|()| None);
        }
        let handle = self.decode_handle(index.value())?;
        let block = match self.cached_block(handle) {
            Some(block) => block,
            None => {
                if let Some(filter) = &self.filter
                    && !filter.key_may_match(handle.offset, key)
                {
                    return Ok(None);
                }
                self.read_data_block(read, handle)?
            }
        };
        let mut entries = BlockIter::new(&*block, comparator);
        entries.seek(key);
        if entries.valid() {
            return Ok(Some(found(entries.key(), entries.value())));
        }
        entries.status().map(|()| None)
    }

    /// A two-level cursor over every entry, initially invalid.
    pub fn iter(self: &Arc<Self>, read: TableReadOptions) -> TableIter {
        TableIter::new(Arc::clone(self), read)
    }

    /// The approximate file offset where `key`'s data would be (the start
    /// of its data block; past the last block, the metaindex offset).
    pub fn approximate_offset_of(&self, key: &[u8]) -> u64 {
        let mut index = self.index.iter(Arc::clone(&self.options.comparator));
        index.seek(key);
        if index.valid()
            && let Ok(handle) = self.decode_handle(index.value())
        {
            return handle.offset;
        }
        self.metaindex_handle.offset
    }
}

fn origin(file: &TableFile, handle: BlockHandle) -> BlockOrigin {
    BlockOrigin {
        file: Arc::clone(&file.name),
        offset: handle.offset,
    }
}

fn read_checked_block(file: &TableFile, handle: BlockHandle) -> Result<Block, TableError> {
    Block::new(file.read_block(handle, true)?, origin(file, handle))
}

/// Reads the filter block named in the metaindex for this policy; None
/// when there is no policy or the table has no filter for it.
fn read_filter(
    options: &TableOptions,
    file: &TableFile,
    metaindex_handle: BlockHandle,
) -> Result<Option<FilterBlockReader>, TableError> {
    let Some(policy) = &options.filter_policy else {
        return Ok(None);
    };
    let metaindex = Arc::new(read_checked_block(file, metaindex_handle)?);
    let mut entries = metaindex.iter(Arc::new(BytewiseComparator));
    let key = format!("{FILTER_METAINDEX_PREFIX}{}", policy.name());
    entries.seek(key.as_bytes());
    if !entries.valid() || entries.key() != key.as_bytes() {
        return entries.status().map(|()| None);
    }
    let offset = metaindex_handle.offset;
    let corrupt = |reason| TableError::corruption(&file.name, offset, reason);
    let (handle, _) =
        BlockHandle::decode(entries.value()).ok_or(corrupt(Corruption::BadBlockHandle))?;
    let contents = file.read_block(handle, true)?;
    match FilterBlockReader::new(Arc::clone(policy), contents) {
        Some(reader) => Ok(Some(reader)),
        None => Err(TableError::corruption(
            &file.name,
            handle.offset,
            Corruption::BadFilterBlock,
        )),
    }
}
