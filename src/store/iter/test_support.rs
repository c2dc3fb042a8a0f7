//! Helpers for the iterator, table cache and version tests: internal keys,
//! tables written through an Env, a table cache over them, and a sorted
//! model of entries in internal key order.

use crate::store::dbformat::{
    InternalKey, InternalKeyComparator, ValueType, compare_internal_keys,
};
use crate::store::env::{Env, WritableFile};
use crate::store::filename;
use crate::store::table::options::TableOptions;
use crate::store::table::table_builder::TableBuilder;
use crate::store::table_cache::TableCache;
use crate::store::version::version_edit::FileMetaData;
use std::path::Path;
use std::sync::Arc;

/// An entry: (internal key, value).
pub type Entry = (Vec<u8>, Vec<u8>);

pub fn internal_key(user_key: &[u8], sequence: u64, value_type: ValueType) -> Vec<u8> {
    InternalKey::new(user_key, sequence, value_type)
        .encoded()
        .to_vec()
}

/// Sorts entries in internal key order.
pub fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| compare_internal_keys(&a.0, &b.0));
}

/// Small blocks, so that even small tables have several.
pub fn table_options() -> TableOptions {
    TableOptions {
        comparator: Arc::new(InternalKeyComparator),
        block_size_bytes: 128,
        ..TableOptions::default()
    }
}

pub fn table_cache(env: Arc<dyn Env>, dir: &Path) -> Arc<TableCache> {
    Arc::new(TableCache::new(env, dir, table_options(), 100))
}

/// Writes `entries` (sorted, not empty) as table `number` in `dir`,
/// synced, and returns its metadata (keys that are not internal keys give
/// empty bounds, for the caller to set).
pub fn write_table(env: &dyn Env, dir: &Path, number: u64, entries: &[Entry]) -> FileMetaData {
    assert!(!entries.is_empty());
    let path = filename::table_file_name(dir, number);
    let file = env.new_writable(&path).unwrap();
    let mut builder = TableBuilder::new(table_options(), file);
    for (key, value) in entries {
        builder.add(key, value).unwrap();
    }
    let file_size = builder.finish().unwrap();
    builder.file_mut().sync().unwrap();
    env.sync_dir(dir).unwrap();
    FileMetaData {
        number,
        file_size,
        smallest: InternalKey::decode(&entries[0].0).unwrap_or_default(),
        largest: InternalKey::decode(&entries[entries.len() - 1].0).unwrap_or_default(),
    }
}
