//! The two-level cursor over a table: a cursor over the index block picks
//! a data block, a cursor over that block yields entries. It stops at the
//! first error (it never skips a corrupt block) and stays invalid.

use crate::store::table::block::BlockIter;
use crate::store::table::error::TableError;
use crate::store::table::iterator::TableIterator;
use crate::store::table::options::TableReadOptions;
use crate::store::table::readahead::ReadAhead;
use crate::store::table::table::Table;
use std::sync::Arc;

pub struct TableIter {
    table: Arc<Table>,
    read: TableReadOptions,
    index: BlockIter,
    data: Option<BlockIter>,
    /// File offset of the block `data` walks.
    data_offset: u64,
    readahead: ReadAhead,
    error: Option<TableError>,
}

impl TableIter {
    pub(crate) fn new(table: Arc<Table>, read: TableReadOptions) -> TableIter {
        let comparator = Arc::clone(&table.options().comparator);
        let index = table.index_block().iter(comparator);
        TableIter {
            table,
            read,
            index,
            data: None,
            data_offset: 0,
            readahead: ReadAhead::new(),
            error: None,
        }
    }

    fn block(&self) -> &BlockIter {
        self.data.as_ref().expect("table iterator is not valid")
    }

    fn block_mut(&mut self) -> &mut BlockIter {
        self.data.as_mut().expect("table iterator is not valid")
    }

    fn fail(&mut self, error: TableError) {
        self.error = Some(error);
        self.data = None;
    }

    /// Points `data` at the block the index cursor names (None when the
    /// index cursor is invalid or on error).
    fn init_data_block(&mut self) {
        if !self.index.valid() {
            self.data = None;
            if let Err(error) = self.index.status() {
                self.fail(error);
            }
            return;
        }
        let handle = match self.table.decode_handle(self.index.value()) {
            Ok(handle) => handle,
            Err(error) => return self.fail(error),
        };
        if self.data.is_some() && self.data_offset == handle.offset {
            return;
        }
        match self
            .table
            .scan_block(&self.read, handle, &mut self.readahead)
        {
            Ok(block) => {
                let comparator = Arc::clone(&self.table.options().comparator);
                self.data = Some(block.iter(comparator));
                self.data_offset = handle.offset;
            }
            Err(error) => self.fail(error),
        }
    }

    /// Whether to stop moving: at an entry, at the end, or on an error.
    fn settled(&mut self) -> bool {
        if self.error.is_some() {
            return true;
        }
        let Some(data) = &self.data else {
            return !self.index.valid();
        };
        if data.valid() {
            return true;
        }
        if let Err(error) = data.status() {
            self.fail(error);
            return true;
        }
        if !self.index.valid() {
            self.data = None;
            return true;
        }
        false
    }

    fn skip_empty_blocks_forward(&mut self) {
        while !self.settled() {
            self.index.next();
            self.init_data_block();
            if let Some(data) = &mut self.data {
                data.seek_to_first();
            }
        }
    }

    fn skip_empty_blocks_backward(&mut self) {
        while !self.settled() {
            self.index.prev();
            self.init_data_block();
            if let Some(data) = &mut self.data {
                data.seek_to_last();
            }
        }
    }
}

impl TableIterator for TableIter {
    fn valid(&self) -> bool {
        self.error.is_none() && self.data.as_ref().is_some_and(|data| data.valid())
    }

    fn seek_to_first(&mut self) {
        self.index.seek_to_first();
        self.init_data_block();
        if let Some(data) = &mut self.data {
            data.seek_to_first();
        }
        self.skip_empty_blocks_forward();
    }

    fn seek_to_last(&mut self) {
        self.index.seek_to_last();
        self.init_data_block();
        if let Some(data) = &mut self.data {
            data.seek_to_last();
        }
        self.skip_empty_blocks_backward();
    }

    fn seek(&mut self, target: &[u8]) {
        self.index.seek(target);
        self.init_data_block();
        if let Some(data) = &mut self.data {
            data.seek(target);
        }
        self.skip_empty_blocks_forward();
    }

    // An error leaves `data` None (see `fail`), so the block cursor's
    // own assertion that it is valid is the whole check of these four.
    fn next(&mut self) {
        self.block_mut().next();
        self.skip_empty_blocks_forward();
    }

    fn prev(&mut self) {
        self.block_mut().prev();
        self.skip_empty_blocks_backward();
    }

    fn key(&self) -> &[u8] {
        self.block().key()
    }

    fn value(&self) -> &[u8] {
        self.block().value()
    }

    fn status(&self) -> Result<(), TableError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        self.index.status()?;
        self.data.as_ref().map_or(Ok(()), |data| data.status())
    }
}
