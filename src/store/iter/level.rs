//! One cursor over all the tables of one sorted level (level ≥ 1, or any
//! list of files with disjoint, increasing key ranges): LevelDB's
//! two-level iterator over its `LevelFileNumIterator`. A binary search on
//! the files' largest keys picks the table; tables are opened lazily,
//! through the table cache, only when the cursor reaches them.
//!
//! Errors: a table that cannot be opened or read stops the cursor (it
//! becomes invalid, `status()` says why); it never skips to the next file.
//!
//! The caller keeps the files alive (the Db iterator and compactions hold
//! the `Arc<Version>` the files came from).

use super::InternalIterator;
use crate::store::table::error::TableError;
use crate::store::table::options::TableReadOptions;
use crate::store::table::table_iter::TableIter;
use crate::store::table_cache::TableCache;
use crate::store::version::version::{TableMeta, find_file};
use std::sync::Arc;

pub struct LevelIterator {
    table_cache: Arc<TableCache>,
    read: TableReadOptions,
    /// Sorted by key range; ranges are disjoint.
    files: Vec<Arc<TableMeta>>,
    /// The file `data` walks (meaningful while `data` is Some).
    file_index: usize,
    /// The open table's cursor (concrete, to save a dynamic call a step).
    data: Option<TableIter>,
    error: Option<TableError>,
}

impl LevelIterator {
    /// REQUIRES: `files` sorted by smallest key, ranges disjoint.
    pub fn new(
        table_cache: Arc<TableCache>,
        read: TableReadOptions,
        files: Vec<Arc<TableMeta>>,
    ) -> LevelIterator {
        LevelIterator {
            table_cache,
            read,
            files,
            file_index: 0,
            data: None,
            error: None,
        }
    }

    /// Points `data` at file `index` (None past the last file), reusing
    /// the open cursor when it is already on that file.
    fn open_file(&mut self, index: usize) {
        if index >= self.files.len() {
            self.data = None;
            return;
        }
        if self.data.is_some() && self.file_index == index {
            return;
        }
        let meta = &self.files[index].meta;
        self.file_index = index;
        match self.table_cache.find_table(meta.number, meta.file_size) {
            Ok(table) => self.data = Some(table.iter(self.read)),
            Err(error) => {
                self.data = None;
                self.error = Some(error);
            }
        }
    }

    /// Whether to stop moving: on an entry, past the end, or on an error.
    fn settled(&mut self) -> bool {
        let Some(data) = &self.data else {
            return true;
        };
        if data.valid() {
            return true;
        }
        if let Err(error) = data.status() {
            self.error = Some(error);
            self.data = None;
            return true;
        }
        false
    }

    fn skip_empty_files_forward(&mut self) {
        while !self.settled() {
            let next = self.file_index + 1;
            self.open_file(next);
            if let Some(data) = &mut self.data {
                data.seek_to_first();
            }
        }
    }

    fn skip_empty_files_backward(&mut self) {
        while !self.settled() {
            if self.file_index == 0 {
                self.data = None;
                return;
            }
            let previous = self.file_index - 1;
            self.open_file(previous);
            if let Some(data) = &mut self.data {
                data.seek_to_last();
            }
        }
    }

    /// The open table's cursor. An error leaves `data` None, so the
    /// cursor's own validity check (the block cursor asserts it) is the
    /// whole check: the hot path tests it once, not at every layer.
    fn data(&self) -> &TableIter {
        self.data.as_ref().expect("level iterator is not valid")
    }

    fn data_mut(&mut self) -> &mut TableIter {
        self.data.as_mut().expect("level iterator is not valid")
    }
}

impl InternalIterator for LevelIterator {
    fn valid(&self) -> bool {
        self.error.is_none() && self.data.as_ref().is_some_and(|data| data.valid())
    }

    fn seek_to_first(&mut self) {
        self.error = None;
        self.open_file(0);
        if let Some(data) = &mut self.data {
            data.seek_to_first();
        }
        self.skip_empty_files_forward();
    }

    fn seek_to_last(&mut self) {
        self.error = None;
        match self.files.len().checked_sub(1) {
            Some(last) => self.open_file(last),
            None => self.data = None,
        }
        if let Some(data) = &mut self.data {
            data.seek_to_last();
        }
        self.skip_empty_files_backward();
    }

    fn seek(&mut self, target: &[u8]) {
        self.error = None;
        let index = find_file(&self.files, target);
        self.open_file(index);
        if let Some(data) = &mut self.data {
            data.seek(target);
        }
        self.skip_empty_files_forward();
    }

    fn next(&mut self) {
        self.data_mut().next();
        self.skip_empty_files_forward();
    }

    fn prev(&mut self) {
        self.data_mut().prev();
        self.skip_empty_files_backward();
    }

    fn key(&self) -> &[u8] {
        self.data().key()
    }

    fn value(&self) -> &[u8] {
        self.data().value()
    }

    fn status(&self) -> Result<(), TableError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        self.data.as_ref().map_or(Ok(()), |data| data.status())
    }
}
