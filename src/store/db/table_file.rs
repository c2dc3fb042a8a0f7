//! Writing one table from a sorted cursor (LevelDB's `BuildTable`): used
//! to flush a memtable to level 0, and by recovery.

use super::error::{Result, StoreError};
use crate::store::dbformat::InternalKey;
use crate::store::env::{Env, WritableFile};
use crate::store::filename;
use crate::store::iter::InternalIterator;
use crate::store::table::options::TableOptions;
use crate::store::table::table_builder::TableBuilder;
use crate::store::version::version_edit::FileMetaData;
use std::io;
use std::path::Path;

/// Writes every entry of `iter` to table `number` in `dir`, syncs it and
/// its directory entry; None (and no file) when `iter` is empty. On an
/// error the file is removed.
pub(super) fn build_table(
    env: &dyn Env,
    dir: &Path,
    options: &TableOptions,
    iter: &mut dyn InternalIterator,
    number: u64,
) -> Result<Option<FileMetaData>> {
    iter.seek_to_first();
    if !iter.valid() {
        iter.status()?;
        return Ok(None);
    }
    let path = filename::table_file_name(dir, number);
    let result = write_entries(env, dir, &path, options, iter, number);
    if result.is_err() {
        let _ = env.remove(&path);
    }
    result.map(Some)
}

fn write_entries(
    env: &dyn Env,
    dir: &Path,
    path: &Path,
    options: &TableOptions,
    iter: &mut dyn InternalIterator,
    number: u64,
) -> Result<FileMetaData> {
    let io_error = |error: io::Error| StoreError::io(path, "write", &error);
    let file = env.new_writable(path).map_err(io_error)?;
    let mut builder = TableBuilder::new(options.clone(), file);
    let smallest = iter.key().to_vec();
    let mut largest = Vec::new();
    while iter.valid() {
        builder.add(iter.key(), iter.value()).map_err(io_error)?;
        largest.clear();
        largest.extend_from_slice(iter.key());
        iter.next();
    }
    iter.status()?;
    let file_size = builder.finish().map_err(io_error)?;
    builder.file_mut().sync().map_err(io_error)?;
    env.sync_dir(dir)
        .map_err(|error| StoreError::io(dir, "sync", &error))?;
    let decode = |key: &[u8]| {
        InternalKey::decode(key)
            .map_err(|error| StoreError::corruption(path, 0, format!("bad key: {error}")))
    };
    Ok(FileMetaData {
        number,
        file_size,
        smallest: decode(&smallest)?,
        largest: decode(&largest)?,
    })
}
