//! Table cache tests: lookups through cached tables, eviction, the `.sst`
//! fallback, and errors that name the missing file.

use super::*;
use crate::store::dbformat::ValueType;
use crate::store::env::MemEnv;
use crate::store::iter::test_support::{Entry, internal_key, table_options, write_table};

fn setup() -> (Arc<MemEnv>, PathBuf, Vec<Entry>) {
    let env = Arc::new(MemEnv::new());
    let dir = PathBuf::from("/db");
    env.create_dir_all(&dir).unwrap();
    let entries: Vec<Entry> = (0..50u64)
        .map(|index| {
            let key = internal_key(
                format!("k{index:03}").as_bytes(),
                index + 1,
                ValueType::Value,
            );
            (key, format!("v{index}").into_bytes())
        })
        .collect();
    (env, dir, entries)
}

fn get_value(
    cache: &TableCache,
    number: u64,
    size: u64,
    key: &[u8],
) -> Result<Option<Vec<u8>>, TableError> {
    let read = TableReadOptions::default();
    cache
        .get(&read, number, size, key, |found, value| {
            (found == key).then(|| value.to_vec())
        })
        .map(Option::flatten)
}

#[test]
fn get_finds_entries_and_keeps_the_table_open_after_its_file_is_removed() {
    let (env, dir, entries) = setup();
    let meta = write_table(&*env, &dir, 7, &entries);
    let cache = TableCache::new(env.clone(), &dir, table_options(), 100);
    for (key, value) in &entries {
        assert_eq!(
            get_value(&cache, 7, meta.file_size, key).unwrap(),
            Some(value.clone())
        );
    }
    env.remove(&filename::table_file_name(&dir, 7)).unwrap();
    // Cached: still readable (as an open file stays readable on POSIX).
    assert!(
        get_value(&cache, 7, meta.file_size, &entries[3].0)
            .unwrap()
            .is_some()
    );
    cache.evict(7);
    let error = get_value(&cache, 7, meta.file_size, &entries[3].0).unwrap_err();
    assert!(
        matches!(&error, TableError::Io { file, kind, .. }
        if file.ends_with("000007.ldb") && *kind == std::io::ErrorKind::NotFound),
        "{error}"
    );
}

#[test]
fn tables_named_sst_by_older_leveldb_are_opened_too() {
    let (env, dir, entries) = setup();
    let meta = write_table(&*env, &dir, 3, &entries);
    let ldb = filename::table_file_name(&dir, 3);
    let sst = filename::sst_table_file_name(&dir, 3);
    env.rename(&ldb, &sst).unwrap();
    let cache = TableCache::new(env.clone(), &dir, table_options(), 100);
    let value = get_value(&cache, 3, meta.file_size, &entries[10].0).unwrap();
    assert_eq!(value, Some(entries[10].1.clone()));
    let mut iter = cache.iter(TableReadOptions::default(), 3, meta.file_size);
    iter.seek_to_first();
    assert_eq!(iter.key(), &entries[0].0[..]);
}

#[test]
fn a_recorded_size_that_does_not_match_the_file_is_an_error_naming_it() {
    let (env, dir, entries) = setup();
    let meta = write_table(&*env, &dir, 4, &entries);
    let cache = TableCache::new(env.clone(), &dir, table_options(), 100);
    let error = get_value(&cache, 4, meta.file_size - 1, &entries[0].0).unwrap_err();
    assert!(error.is_corruption(), "{error}");
    assert!(error.to_string().contains("000004.ldb"), "{error}");
    let mut iter = cache.iter(TableReadOptions::default(), 4, meta.file_size + 10);
    iter.seek_to_first();
    assert!(!iter.valid());
    assert!(iter.status().is_err());
}

#[test]
fn cache_over_capacity_still_serves_every_table() {
    let (env, dir, entries) = setup();
    let metas: Vec<_> = (1..=40)
        .map(|number| write_table(&*env, &dir, number, &entries[..5]))
        .collect();
    let cache = TableCache::new(env.clone(), &dir, table_options(), 1);
    for _ in 0..2 {
        for meta in &metas {
            let value = get_value(&cache, meta.number, meta.file_size, &entries[2].0).unwrap();
            assert_eq!(value, Some(entries[2].1.clone()));
        }
    }
    assert!(cache.tables.total_charge_bytes() <= CACHE_SHARDS * TABLES_PER_SHARD_MIN);
}

#[test]
fn capacity_leaves_ten_files_for_logs_and_the_manifest() {
    assert_eq!(table_cache_capacity_files(MAX_OPEN_FILES_DEFAULT), 990);
    assert_eq!(table_cache_capacity_files(5), 0);
}
