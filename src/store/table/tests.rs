//! Whole-table tests in the spirit of LevelDB's table_test: random tables
//! checked against a `BTreeMap` model, corruption and truncation sweeps
//! (every answer is right or an error, never wrong data), the filter
//! saving reads, and a microbench.

use crate::store::env::{RandomAccessFile, WritableFile};
use crate::store::table::cache::BlockCache;
use crate::store::table::error::TableError;
use crate::store::table::filter::BloomFilterPolicy;
use crate::store::table::iterator::TableIterator;
use crate::store::table::options::{TableOptions, TableReadOptions};
use crate::store::table::table::Table;
use crate::store::table::table_builder::TableBuilder;
use crate::store::table::test_file::{MemRandomAccessFile, MemWritableFile};
use crate::store::table::test_rng::TestRng;
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

type Model = BTreeMap<Vec<u8>, Vec<u8>>;
type Entry = (Vec<u8>, Vec<u8>);

fn build(options: &TableOptions, model: &Model) -> Vec<u8> {
    let file = MemWritableFile::default();
    let mut builder = TableBuilder::new(options.clone(), file.clone());
    for (key, value) in model {
        builder.add(key, value).unwrap();
    }
    let size = builder.finish().unwrap();
    assert_eq!(builder.num_entries(), model.len() as u64);
    let contents = file.contents();
    assert_eq!(size, contents.len() as u64);
    contents
}

fn open(options: &TableOptions, contents: Vec<u8>) -> Result<Arc<Table>, TableError> {
    let size = contents.len() as u64;
    let file: Arc<dyn RandomAccessFile> = Arc::new(MemRandomAccessFile::new(contents));
    Table::open(options.clone(), file, Arc::from("000042.ldb"), size).map(Arc::new)
}

fn get(table: &Table, key: &[u8]) -> Result<Option<Entry>, TableError> {
    let read = TableReadOptions::default();
    table.internal_get(&read, key, |key, value| (key.to_vec(), value.to_vec()))
}

fn random_model(rng: &mut TestRng, entries: usize, value_bytes_max: u64) -> Model {
    (0..entries)
        .map(|_| {
            let value_bytes = rng.below(value_bytes_max + 1);
            (rng.key(24), rng.key(value_bytes))
        })
        .collect()
}

fn options_variants() -> Vec<(&'static str, TableOptions)> {
    let bloom = || Some(Arc::new(BloomFilterPolicy::new(10)) as _);
    let cache = || Some(Arc::new(BlockCache::new(1 << 20)));
    let tiny_blocks = TableOptions {
        block_size_bytes: 256,
        block_restart_interval_entries: 4,
        ..TableOptions::default()
    };
    vec![
        ("default", TableOptions::default()),
        (
            "bloom",
            TableOptions {
                filter_policy: bloom(),
                ..TableOptions::default()
            },
        ),
        (
            "tiny blocks, bloom, cache",
            TableOptions {
                filter_policy: bloom(),
                block_cache: cache(),
                ..tiny_blocks.clone()
            },
        ),
        (
            "one-entry blocks",
            TableOptions {
                block_size_bytes: 1,
                block_restart_interval_entries: 1,
                block_cache: cache(),
                ..TableOptions::default()
            },
        ),
    ]
}

/// Every entry, forward; stops at the first error.
fn scan_forward(iter: &mut impl TableIterator) -> Vec<Entry> {
    let mut out = Vec::new();
    iter.seek_to_first();
    while iter.valid() {
        out.push((iter.key().to_vec(), iter.value().to_vec()));
        iter.next();
    }
    out
}

/// Every entry, backward, returned in forward order.
fn scan_backward(iter: &mut impl TableIterator) -> Vec<Entry> {
    let mut out = Vec::new();
    iter.seek_to_last();
    while iter.valid() {
        out.push((iter.key().to_vec(), iter.value().to_vec()));
        iter.prev();
    }
    out.reverse();
    out
}

fn check_against_model(table: &Arc<Table>, model: &Model, rng: &mut TestRng, label: &str) {
    let expected: Vec<_> = model.clone().into_iter().collect();
    let mut iter = table.iter(TableReadOptions::default());
    assert_eq!(scan_forward(&mut iter), expected, "{label}: forward");
    assert_eq!(scan_backward(&mut iter), expected, "{label}: backward");
    assert!(iter.status().is_ok());
    for (key, value) in model {
        let found = get(table, key).unwrap();
        assert_eq!(found, Some((key.clone(), value.clone())), "{label}: get");
    }
    for _ in 0..500 {
        check_seek(&mut iter, model, &rng.key(24), rng, label);
    }
}

/// Seeks, then checks the entry and a few steps either way.
fn check_seek(
    iter: &mut impl TableIterator,
    model: &Model,
    target: &[u8],
    rng: &mut TestRng,
    label: &str,
) {
    iter.seek(target);
    let mut expected = model.range(target.to_vec()..);
    let Some((key, value)) = expected.next() else {
        return assert!(!iter.valid(), "{label}: seek past the end");
    };
    assert_eq!(
        (iter.key(), iter.value()),
        (&key[..], &value[..]),
        "{label}: seek"
    );
    if rng.below(2) == 0 {
        iter.prev();
        match model.range(..key.clone()).next_back() {
            Some((key, _)) => assert_eq!(iter.key(), &key[..], "{label}: prev after seek"),
            None => assert!(!iter.valid(), "{label}: prev before the first"),
        }
        return;
    }
    for (key, _) in expected.take(3) {
        iter.next();
        assert_eq!(iter.key(), &key[..], "{label}: next after seek");
    }
}

#[test]
fn table_of_random_entries_reads_back_through_get_iteration_and_seek() {
    let mut rng = TestRng::from_clock("table_random_entries");
    for (label, options) in options_variants() {
        for entries in [0, 1, 2, 17, 1000, 5000] {
            let model = random_model(&mut rng, entries, 300);
            let table = open(&options, build(&options, &model)).unwrap();
            check_against_model(
                &table,
                &model,
                &mut rng,
                &format!("{label}, {entries} entries"),
            );
        }
    }
}

#[test]
fn table_get_of_absent_key_returns_next_entry_or_none() {
    let options = TableOptions::default();
    let model: Model = [
        (b"b".to_vec(), b"2".to_vec()),
        (b"d".to_vec(), b"4".to_vec()),
    ]
    .into();
    let table = open(&options, build(&options, &model)).unwrap();
    assert_eq!(
        get(&table, b"a").unwrap(),
        Some((b"b".to_vec(), b"2".to_vec()))
    );
    assert_eq!(
        get(&table, b"c").unwrap(),
        Some((b"d".to_vec(), b"4".to_vec()))
    );
    assert_eq!(get(&table, b"e").unwrap(), None);
}

#[test]
fn bloom_negative_lookup_reads_no_data_block() {
    let options = TableOptions {
        filter_policy: Some(Arc::new(BloomFilterPolicy::new(10))),
        ..TableOptions::default()
    };
    let model: Model = (0..10_000u32)
        .map(|index| (format!("key{index:08}").into_bytes(), vec![b'v'; 50]))
        .collect();
    let contents = build(&options, &model);
    let file = Arc::new(MemRandomAccessFile::new(contents.clone()));
    let dyn_file: Arc<dyn RandomAccessFile> = Arc::clone(&file) as _;
    let table = Table::open(options, dyn_file, Arc::from("t.ldb"), contents.len() as u64).unwrap();
    let reads_after_open = file.reads();
    let lookups = 10_000u32;
    for index in 0..lookups {
        // Falls between stored keys, so without the filter a block is read.
        let key = format!("key{index:08}x");
        assert_eq!(
            get(&table, key.as_bytes())
                .map(|found| found.is_some_and(|(k, _)| k == key.as_bytes())),
            Ok(false)
        );
    }
    let block_reads = file.reads() - reads_after_open;
    assert!(
        block_reads < u64::from(lookups) / 50,
        "{block_reads} reads for {lookups} misses"
    );
    assert!(get(&table, b"key00000007").unwrap().is_some());
}

#[test]
fn table_with_unknown_filter_name_is_read_without_filter() {
    let built = TableOptions {
        filter_policy: Some(Arc::new(BloomFilterPolicy::new(10))),
        ..TableOptions::default()
    };
    let model: Model = [(b"k".to_vec(), b"v".to_vec())].into();
    let table = open(&TableOptions::default(), build(&built, &model)).unwrap();
    assert!(get(&table, b"k").unwrap().is_some());
}

#[test]
fn block_cache_serves_repeated_reads_and_stays_within_capacity() {
    let cache = Arc::new(BlockCache::new(256 * 1024));
    let options = TableOptions {
        block_cache: Some(Arc::clone(&cache)),
        ..TableOptions::default()
    };
    let mut rng = TestRng::from_clock("block_cache_serves");
    let model = random_model(&mut rng, 3000, 200);
    let contents = build(&options, &model);
    let file = Arc::new(MemRandomAccessFile::new(contents.clone()));
    let dyn_file: Arc<dyn RandomAccessFile> = Arc::clone(&file) as _;
    let table = Table::open(options, dyn_file, Arc::from("t.ldb"), contents.len() as u64).unwrap();
    let key = model.keys().next().unwrap().clone();
    get(&table, &key).unwrap();
    let reads = file.reads();
    get(&table, &key).unwrap();
    assert_eq!(
        file.reads(),
        reads,
        "second read of a block comes from the cache"
    );
    for key in model.keys() {
        get(&table, key).unwrap();
    }
    assert!(cache.total_charge_bytes() <= cache.capacity_bytes());
    assert!(cache.total_charge_bytes() > 0);
}

#[test]
fn concurrent_readers_share_one_table_and_cache() {
    let options = TableOptions {
        block_cache: Some(Arc::new(BlockCache::new(32 * 1024))),
        filter_policy: Some(Arc::new(BloomFilterPolicy::new(10))),
        ..TableOptions::default()
    };
    let mut rng = TestRng::from_clock("concurrent_readers");
    let model = random_model(&mut rng, 2000, 100);
    let table = open(&options, build(&options, &model)).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                for (key, value) in &model {
                    assert_eq!(
                        get(&table, key).unwrap(),
                        Some((key.clone(), value.clone()))
                    );
                }
            });
        }
    });
}

/// A writable file that fails once `bytes_max` bytes have been written.
struct FailingFile {
    written_bytes: usize,
    bytes_max: usize,
}

impl WritableFile for FailingFile {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        if self.written_bytes + data.len() > self.bytes_max {
            return Err(io::Error::other("disk full (injected)"));
        }
        self.written_bytes += data.len();
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn builder_reports_write_failure_and_refuses_further_work() {
    let file = FailingFile {
        written_bytes: 0,
        bytes_max: 5000,
    };
    let mut builder = TableBuilder::new(TableOptions::default(), file);
    let mut failed_at = None;
    for index in 0..1000u32 {
        if builder
            .add(format!("{index:08}").as_bytes(), &[7; 100])
            .is_err()
        {
            failed_at = Some(index);
            break;
        }
    }
    assert!(failed_at.is_some());
    assert!(builder.add(b"zzzz", b"").is_err());
    assert!(builder.finish().is_err());
}
