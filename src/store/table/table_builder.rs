//! Writes a table: data blocks of about `block_size_bytes`, the filter
//! block, the metaindex block, the index block (one shortened separator
//! per data block) and the footer (grammar in FORMAT.md).

use crate::store::comparator::BytewiseComparator;
use crate::store::env::WritableFile;
use crate::store::table::block_builder::BlockBuilder;
use crate::store::table::filter_block::FilterBlockBuilder;
use crate::store::table::format::{BlockHandle, Footer, put_block_trailer};
use crate::store::table::options::TableOptions;
use std::cmp::Ordering;
use std::io;
use std::sync::Arc;

/// Index entries are looked up by binary search over restarts only, so
/// every index entry is a restart point (as in LevelDB).
const INDEX_RESTART_INTERVAL_ENTRIES: usize = 1;
/// Prefix of the metaindex key naming a filter block.
pub const FILTER_METAINDEX_PREFIX: &str = "filter.";

/// Builds one table into `file`, which it owns.
///
/// Call sequence: add* (finish | abandon). Keys must be added in strictly
/// increasing order of the comparator. After an I/O error every call
/// fails; the caller deletes the file.
pub struct TableBuilder<W: WritableFile> {
    options: TableOptions,
    file: W,
    offset: u64,
    data_block: BlockBuilder,
    index_block: BlockBuilder,
    filter_block: Option<FilterBlockBuilder>,
    last_key: Vec<u8>,
    entries: u64,
    /// A data block was just written; its index entry waits for the next
    /// key so the separator can be shortened.
    pending_handle: Option<BlockHandle>,
    trailer: Vec<u8>,
    failed: bool,
    closed: bool,
}

impl<W: WritableFile> TableBuilder<W> {
    pub fn new(options: TableOptions, file: W) -> TableBuilder<W> {
        let comparator = Arc::clone(&options.comparator);
        let interval = options.block_restart_interval_entries;
        let mut filter_block = options.filter_policy.clone().map(FilterBlockBuilder::new);
        if let Some(filter_block) = &mut filter_block {
            filter_block.start_block(0);
        }
        TableBuilder {
            data_block: BlockBuilder::new(Arc::clone(&comparator), interval),
            index_block: BlockBuilder::new(comparator, INDEX_RESTART_INTERVAL_ENTRIES),
            options,
            file,
            offset: 0,
            filter_block,
            last_key: Vec::new(),
            entries: 0,
            pending_handle: None,
            trailer: Vec::new(),
            failed: false,
            closed: false,
        }
    }

    fn check_usable(&self) -> io::Result<()> {
        assert!(!self.closed, "table builder used after finish or abandon");
        if self.failed {
            return Err(io::Error::other("table builder: an earlier write failed"));
        }
        Ok(())
    }

    /// REQUIRES: `key` is after every key added so far.
    pub fn add(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        self.check_usable()?;
        assert!(
            self.entries == 0
                || self.options.comparator.compare(key, &self.last_key) == Ordering::Greater,
            "keys must be added in increasing order"
        );
        if let Some(handle) = self.pending_handle.take() {
            self.options
                .comparator
                .find_shortest_separator(&mut self.last_key, key);
            self.add_index_entry(handle);
        }
        if let Some(filter_block) = &mut self.filter_block {
            filter_block.add_key(key);
        }
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.entries += 1;
        self.data_block.add(key, value);
        if self.data_block.current_size_estimate_bytes() >= self.options.block_size_bytes {
            self.flush()?;
        }
        Ok(())
    }

    fn add_index_entry(&mut self, handle: BlockHandle) {
        let mut encoded = Vec::with_capacity(20);
        handle.encode_to(&mut encoded);
        self.index_block.add(&self.last_key, &encoded);
    }

    /// Ends the current data block (if it has entries) and writes it.
    pub fn flush(&mut self) -> io::Result<()> {
        self.check_usable()?;
        if self.data_block.is_empty() {
            return Ok(());
        }
        assert!(self.pending_handle.is_none());
        let handle = self.write_block(BlockKind::Data)?;
        self.pending_handle = Some(handle);
        // No `file.flush()` per block (LevelDB flushes each one): the
        // file's own buffer hands the OS 64 KiB at a time, a system call
        // per 16 blocks instead of one per block; the caller syncs the
        // finished table, which flushes it.
        if let Some(filter_block) = &mut self.filter_block {
            filter_block.start_block(self.offset);
        }
        Ok(())
    }

    fn write_block(&mut self, kind: BlockKind) -> io::Result<BlockHandle> {
        let contents = match kind {
            BlockKind::Data => self.data_block.finish(),
            BlockKind::Index => self.index_block.finish(),
        };
        let handle = append_block(&mut self.file, &mut self.trailer, self.offset, contents)
            .inspect_err(|_| self.failed = true)?;
        self.offset = handle.end_with_trailer().expect("table under 2^64 bytes");
        if matches!(kind, BlockKind::Data) {
            self.data_block.reset();
        }
        Ok(handle)
    }

    fn write_contents(&mut self, contents: &[u8]) -> io::Result<BlockHandle> {
        let handle = append_block(&mut self.file, &mut self.trailer, self.offset, contents)
            .inspect_err(|_| self.failed = true)?;
        self.offset = handle.end_with_trailer().expect("table under 2^64 bytes");
        Ok(handle)
    }

    /// Writes the remaining blocks and the footer; returns the file size
    /// in bytes. The caller syncs and closes the file.
    pub fn finish(&mut self) -> io::Result<u64> {
        self.flush()?;
        self.closed = true;
        let mut metaindex = BlockBuilder::new(Arc::new(BytewiseComparator), 1);
        if let Some(mut filter_block) = self.filter_block.take() {
            let handle = self.write_contents(filter_block.finish())?;
            let policy = self
                .options
                .filter_policy
                .as_ref()
                .expect("filter block has a policy");
            let key = format!("{FILTER_METAINDEX_PREFIX}{}", policy.name());
            let mut encoded = Vec::new();
            handle.encode_to(&mut encoded);
            metaindex.add(key.as_bytes(), &encoded);
        }
        let metaindex_handle = self.write_contents(metaindex.finish())?;
        if let Some(handle) = self.pending_handle.take() {
            self.options
                .comparator
                .find_short_successor(&mut self.last_key);
            self.add_index_entry(handle);
        }
        let index_handle = self.write_block(BlockKind::Index)?;
        let footer = Footer {
            metaindex: metaindex_handle,
            index: index_handle,
        };
        let footer = footer.encode();
        self.file
            .append(&footer)
            .inspect_err(|_| self.failed = true)?;
        self.offset += footer.len() as u64;
        Ok(self.offset)
    }

    /// Gives up on the table; the caller deletes the file.
    pub fn abandon(&mut self) {
        self.closed = true;
    }

    pub fn num_entries(&self) -> u64 {
        self.entries
    }

    /// Bytes written so far (the file size once finished).
    pub fn file_size_bytes(&self) -> u64 {
        self.offset
    }

    pub fn file_mut(&mut self) -> &mut W {
        &mut self.file
    }

    pub fn into_file(self) -> W {
        self.file
    }
}

enum BlockKind {
    Data,
    Index,
}

/// Appends `contents` and its trailer at `offset`; returns their handle.
fn append_block<W: WritableFile>(
    file: &mut W,
    trailer: &mut Vec<u8>,
    offset: u64,
    contents: &[u8],
) -> io::Result<BlockHandle> {
    trailer.clear();
    put_block_trailer(trailer, contents);
    file.append(contents)?;
    file.append(trailer)?;
    Ok(BlockHandle {
        offset,
        size_bytes: contents.len() as u64,
    })
}
