//! Whole-table tests in the spirit of LevelDB's table_test: random tables
//! checked against a `BTreeMap` model, corruption and truncation sweeps
//! (every answer is right or an error, never wrong data), the filter
//! saving reads, and a microbench.

use crate::store::comparator::{BytewiseComparator, Comparator};
use crate::store::env::{RandomAccessFile, WritableFile};
use crate::store::table::cache::BlockCache;
use crate::store::table::error::{Corruption, TableError};
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

/// More entries than any test table holds: a scan this long is a bug.
const SCAN_ENTRIES_MAX: usize = 100_000;

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

/// Opens `contents` like [`open`], on a file that counts its reads.
fn open_counted(
    options: &TableOptions,
    contents: Vec<u8>,
) -> (Arc<MemRandomAccessFile>, Arc<Table>) {
    let size = contents.len() as u64;
    let file = Arc::new(MemRandomAccessFile::new(contents));
    let dyn_file: Arc<dyn RandomAccessFile> = Arc::clone(&file) as _;
    let table = Table::open(options.clone(), dyn_file, Arc::from("t.ldb"), size).unwrap();
    (file, Arc::new(table))
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
        assert!(out.len() <= SCAN_ENTRIES_MAX, "iteration does not end");
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
        assert!(out.len() <= SCAN_ENTRIES_MAX, "iteration does not end");
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

/// `count` entries `key00000000`… each with a value of `value_bytes` bytes.
fn numbered_model(count: u32, value_bytes: usize) -> Model {
    (0..count)
        .map(|index| {
            (
                format!("key{index:08}").into_bytes(),
                vec![b'v'; value_bytes],
            )
        })
        .collect()
}

#[test]
fn bloom_negative_lookup_reads_no_data_block() {
    let options = TableOptions {
        filter_policy: Some(Arc::new(BloomFilterPolicy::new(10))),
        ..TableOptions::default()
    };
    let model = numbered_model(10_000, 50);
    let contents = build(&options, &model);
    let (file, table) = open_counted(&options, contents);
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
fn scans_read_ahead_many_blocks_per_file_read_both_ways() {
    let options = TableOptions::default();
    let model = numbered_model(20_000, 100);
    let contents = build(&options, &model);
    let blocks = contents.len() as u64 / options.block_size_bytes as u64;
    let (file, table) = open_counted(&options, contents);
    let expected: Vec<Entry> = model.into_iter().collect();
    for backward in [false, true] {
        let reads_before = file.reads();
        let mut iter = table.iter(TableReadOptions::default());
        let entries = match backward {
            false => scan_forward(&mut iter),
            true => scan_backward(&mut iter),
        };
        assert!(entries == expected, "backward {backward}: entries differ");
        let reads = file.reads() - reads_before;
        assert!(
            blocks > 500 && reads < blocks / 20,
            "backward {backward}: {reads} file reads for {blocks} blocks"
        );
    }
}

#[test]
fn scans_fill_the_block_cache_unless_told_not_to() {
    let cache = Arc::new(BlockCache::new(8 << 20));
    let options = TableOptions {
        block_cache: Some(Arc::clone(&cache)),
        ..TableOptions::default()
    };
    let model = numbered_model(20_000, 100);
    let contents = build(&options, &model);
    let (file, table) = open_counted(&options, contents);
    let bulk = TableReadOptions {
        fill_cache: false,
        ..TableReadOptions::default()
    };
    let reads_before = file.reads();
    assert_eq!(scan_forward(&mut table.iter(bulk)).len(), model.len());
    assert!(file.reads() > reads_before);
    assert_eq!(
        cache.total_charge_bytes(),
        0,
        "fill_cache off caches nothing"
    );
    for backward in [false, true] {
        let reads_before = file.reads();
        let mut iter = table.iter(TableReadOptions::default());
        let entries = match backward {
            false => scan_forward(&mut iter),
            true => scan_backward(&mut iter),
        };
        assert_eq!(entries.len(), model.len());
        let reads = file.reads() - reads_before;
        assert!(
            !backward || reads == 0,
            "a scan after a filling scan reads nothing: {reads} reads"
        );
    }
    // Every data block is cached: at least the table's entry bytes.
    assert!(cache.total_charge_bytes() >= model.len() * 100);
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
    let (file, table) = open_counted(&options, contents);
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

/// 30 entries in 64-byte blocks with a bloom filter: a few hundred bytes
/// in which every structure of the format appears.
fn small_table() -> (TableOptions, Model, Vec<u8>) {
    let options = TableOptions {
        block_size_bytes: 64,
        block_restart_interval_entries: 2,
        filter_policy: Some(Arc::new(BloomFilterPolicy::new(10))),
        ..TableOptions::default()
    };
    let model: Model = (0..30u32)
        .map(|index| {
            (
                format!("key{index:03}").into_bytes(),
                format!("value{index}").into_bytes(),
            )
        })
        .collect();
    let contents = build(&options, &model);
    (options, model, contents)
}

fn assert_corruption(error: &TableError, context: &str) {
    assert!(
        error.is_corruption(),
        "{context}: expected corruption, got {error}"
    );
    assert!(
        error.to_string().contains("000042.ldb"),
        "{context}: error names the file"
    );
}

/// Every answer of `table` is the model's, or a corruption error.
fn check_right_or_corruption(table: &Arc<Table>, model: &Model, context: &str) {
    for (key, value) in model {
        match get(table, key) {
            Ok(found) => assert_eq!(found, Some((key.clone(), value.clone())), "{context}"),
            Err(error) => assert_corruption(&error, context),
        }
        let absent = [&key[..], b"~"].concat();
        match get(table, &absent) {
            Ok(None) => {}
            Ok(Some(found)) => assert_eq!(
                Some((&found.0, &found.1)),
                model.range(absent..).next(),
                "{context}"
            ),
            Err(error) => assert_corruption(&error, context),
        }
    }
    let expected: Vec<Entry> = model.clone().into_iter().collect();
    let mut iter = table.iter(TableReadOptions::default());
    let forward = scan_forward(&mut iter);
    match iter.status() {
        Ok(()) => assert_eq!(forward, expected, "{context}: forward"),
        Err(error) => {
            assert_corruption(&error, context);
            assert_eq!(
                forward[..],
                expected[..forward.len()],
                "{context}: forward prefix"
            );
        }
    }
    let backward = scan_backward(&mut iter);
    match iter.status() {
        Ok(()) => assert_eq!(backward, expected, "{context}: backward"),
        Err(error) => {
            assert_corruption(&error, context);
            assert_eq!(
                backward[..],
                expected[expected.len() - backward.len()..],
                "{context}: suffix"
            );
        }
    }
}

#[test]
fn flipping_any_byte_gives_right_answers_or_corruption_errors() {
    let (options, model, contents) = small_table();
    let mut opened = 0;
    for at in 0..contents.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut corrupt = contents.clone();
            corrupt[at] ^= mask;
            let context = format!("byte {at} of {} xor {mask:#04x}", contents.len());
            match open(&options, corrupt) {
                Ok(table) => {
                    opened += 1;
                    check_right_or_corruption(&table, &model, &context);
                }
                Err(error) => assert_corruption(&error, &context),
            }
        }
    }
    assert!(
        opened > 0,
        "flips in data blocks open and fail at read time"
    );
}

#[test]
fn flipped_bytes_without_checksums_never_panic() {
    let (options, _, contents) = small_table();
    let read = TableReadOptions {
        verify_checksums: false,
        fill_cache: false,
    };
    for at in 0..contents.len() {
        let mut corrupt = contents.clone();
        corrupt[at] ^= 0x5a;
        let Ok(table) = open(&options, corrupt) else {
            continue;
        };
        let mut iter = table.iter(read);
        let steps = scan_forward(&mut iter).len() + scan_backward(&mut iter).len();
        assert!(steps <= 2 * 30 + 64, "byte {at}: bounded iteration");
        let _ = table.internal_get(&read, b"key015", |_, _| ());
    }
}

#[test]
fn truncated_table_is_corruption_at_open() {
    let (options, _, contents) = small_table();
    for length in 0..contents.len() {
        let error = open(&options, contents[..length].to_vec()).err();
        let error = error.unwrap_or_else(|| panic!("truncated to {length} bytes opened"));
        assert_corruption(&error, &format!("truncated to {length}"));
    }
}

#[test]
fn file_shorter_than_its_recorded_size_is_corruption_not_io_error() {
    let (options, _, contents) = small_table();
    let size = contents.len() as u64;
    let file: Arc<dyn RandomAccessFile> =
        Arc::new(MemRandomAccessFile::new(contents[..100].to_vec()));
    let error = Table::open(options, file, Arc::from("000042.ldb"), size)
        .err()
        .unwrap();
    assert_corruption(&error, "short file");
    let expected = Corruption::ShortRead { wanted_bytes: 48 };
    assert!(matches!(error, TableError::Corruption { reason, .. } if reason == expected));
}

#[test]
fn approximate_offsets_grow_with_keys() {
    let (options, model, contents) = small_table();
    let table = open(&options, contents).unwrap();
    let offsets: Vec<u64> = model
        .keys()
        .map(|key| table.approximate_offset_of(key))
        .collect();
    assert!(offsets.windows(2).all(|pair| pair[0] <= pair[1]));
    assert_eq!(offsets[0], 0);
    assert!(table.approximate_offset_of(b"zzz") > *offsets.last().unwrap());
}

/// The worked example of FORMAT.md, byte for byte.
#[test]
fn format_md_worked_example_is_byte_exact() {
    let options = TableOptions::default();
    let model: Model = [
        (b"apple".to_vec(), b"red".to_vec()),
        (b"apricot".to_vec(), b"orange".to_vec()),
    ]
    .into();
    let contents = build(&options, &model);
    let mut expected: Vec<u8> = Vec::new();
    // Data block @0, 33 bytes, then its trailer.
    expected.extend(b"\x00\x05\x03applered");
    expected.extend(b"\x02\x05\x06ricotorange");
    expected.extend([0, 0, 0, 0, 1, 0, 0, 0]);
    expected.extend([0x00, 0xe0, 0x7f, 0xd9, 0x92]);
    // Metaindex block @38, 8 bytes: no entries.
    expected.extend([0, 0, 0, 0, 1, 0, 0, 0]);
    expected.extend([0x00, 0xc0, 0xf2, 0xa1, 0xb0]);
    // Index block @51, 14 bytes: "b" -> handle (0, 33).
    expected.extend([0x00, 0x01, 0x02, b'b', 0x00, 0x21]);
    expected.extend([0, 0, 0, 0, 1, 0, 0, 0]);
    expected.extend([0x00, 0xcc, 0x69, 0x30, 0x31]);
    // Footer @70: handles (38, 8) and (51, 14), padding, magic.
    expected.extend([0x26, 0x08, 0x33, 0x0e]);
    expected.extend([0; 36]);
    expected.extend([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]);
    assert_eq!(contents, expected);
    let table = open(&options, contents).unwrap();
    let found = get(&table, b"apricot").unwrap();
    assert_eq!(found, Some((b"apricot".to_vec(), b"orange".to_vec())));
}

/// Microbench: point lookups on a table of 16-byte keys and 100-byte
/// values (bloom 10 bits/key) held in an in-memory file, in random order.
/// Run with `cargo test --release --lib table_point_lookup_microbench --
/// --ignored --nocapture`.
#[test]
#[ignore = "microbench: run by hand in release mode"]
fn table_point_lookup_microbench() {
    let scenarios = [
        (
            "1M entries, all cached (256 MiB cache)",
            1_000_000,
            256 << 20,
        ),
        ("1M entries, 8 MiB cache", 1_000_000, 8 << 20),
        ("17K entries (a 2 MiB table), 8 MiB cache", 17_000, 8 << 20),
    ];
    let only = std::env::var("STRATA_BENCH_ONLY").ok();
    for (label, entries, cache_bytes) in scenarios {
        if only
            .as_ref()
            .is_some_and(|only| !label.contains(only.as_str()))
        {
            continue;
        }
        let (hit_nanos, miss_nanos) = measure_lookups(entries, cache_bytes);
        println!(
            "table get, {label}: {hit_nanos} ns/lookup present, {miss_nanos} ns/lookup absent"
        );
    }
}

fn measure_lookups(entries: u64, cache_bytes: usize) -> (u128, u128) {
    let options = TableOptions {
        filter_policy: Some(Arc::new(BloomFilterPolicy::new(10))),
        block_cache: Some(Arc::new(BlockCache::new(cache_bytes))),
        ..TableOptions::default()
    };
    let file = MemWritableFile::default();
    let mut builder = TableBuilder::new(options.clone(), file.clone());
    for index in 0..entries {
        builder
            .add(format!("{index:016}").as_bytes(), &[b'v'; 100])
            .unwrap();
    }
    builder.finish().unwrap();
    let table = open(&options, file.contents()).unwrap();
    let lookups = 1_000_000u32;
    let mut rng = TestRng::new(301);
    let keys: Vec<Vec<u8>> = (0..lookups)
        .map(|_| format!("{:016}", rng.below(entries)).into_bytes())
        .collect();
    let absent_keys: Vec<Vec<u8>> = keys.iter().map(|key| [&key[..], b"x"].concat()).collect();
    let read = TableReadOptions::default();
    for key in &keys {
        table.internal_get(&read, key, |_, _| ()).unwrap();
    }
    let started = std::time::Instant::now();
    let mut found = 0u32;
    for key in &keys {
        let hit = table.internal_get(&read, key, |found_key, _| found_key == &key[..]);
        found += u32::from(hit.unwrap() == Some(true));
    }
    let hit_nanos = started.elapsed().as_nanos() / u128::from(lookups);
    assert_eq!(found, lookups);
    let started = std::time::Instant::now();
    for key in &absent_keys {
        table.internal_get(&read, key, |_, _| ()).unwrap();
    }
    let miss_nanos = started.elapsed().as_nanos() / u128::from(lookups);
    print_scan_nanos(&table, entries);
    (hit_nanos, miss_nanos)
}

/// Times a forward and a backward scan of the whole table, per entry.
fn print_scan_nanos(table: &Arc<Table>, entries: u64) {
    let mut iter = table.iter(TableReadOptions::default());
    let started = std::time::Instant::now();
    let mut bytes = 0;
    iter.seek_to_first();
    while iter.valid() {
        bytes += iter.key().len() + iter.value().len();
        iter.next();
    }
    let forward_nanos = started.elapsed().as_nanos() / u128::from(entries);
    let started = std::time::Instant::now();
    iter.seek_to_last();
    while iter.valid() {
        bytes -= iter.key().len() + iter.value().len();
        iter.prev();
    }
    let backward_nanos = started.elapsed().as_nanos() / u128::from(entries);
    assert_eq!(bytes, 0);
    println!("table scan: {forward_nanos} ns/entry forward, {backward_nanos} ns/entry backward");
}

/// FORMAT.md's first edge case.
#[test]
fn empty_table_is_74_bytes_and_answers_nothing() {
    let options = TableOptions::default();
    let contents = build(&options, &Model::new());
    assert_eq!(contents.len(), 74);
    let table = open(&options, contents).unwrap();
    assert_eq!(get(&table, b"").unwrap(), None);
    let mut iter = table.iter(TableReadOptions::default());
    iter.seek_to_first();
    assert!(!iter.valid());
    iter.seek_to_last();
    assert!(!iter.valid());
    assert!(iter.status().is_ok());
}

/// Orders keys by their reversed bytes (LevelDB's table_test uses one), so
/// no code may assume bytewise order.
struct ReverseComparator;

impl ReverseComparator {
    fn reversed(key: &[u8]) -> Vec<u8> {
        key.iter().rev().copied().collect()
    }
}

impl Comparator for ReverseComparator {
    fn compare(&self, a: &[u8], b: &[u8]) -> std::cmp::Ordering {
        a.iter().rev().cmp(b.iter().rev())
    }

    fn name(&self) -> &'static str {
        "test.ReverseComparator"
    }

    fn find_shortest_separator(&self, start: &mut Vec<u8>, limit: &[u8]) {
        let mut reversed = ReverseComparator::reversed(start);
        BytewiseComparator
            .find_shortest_separator(&mut reversed, &ReverseComparator::reversed(limit));
        *start = ReverseComparator::reversed(&reversed);
    }

    fn find_short_successor(&self, key: &mut Vec<u8>) {
        let mut reversed = ReverseComparator::reversed(key);
        BytewiseComparator.find_short_successor(&mut reversed);
        *key = ReverseComparator::reversed(&reversed);
    }
}

#[test]
fn table_with_reverse_comparator_keeps_its_order() {
    let mut rng = TestRng::from_clock("reverse_comparator");
    let options = TableOptions {
        comparator: Arc::new(ReverseComparator),
        block_size_bytes: 200,
        filter_policy: Some(Arc::new(BloomFilterPolicy::new(10))),
        ..TableOptions::default()
    };
    // Sorted by reversed key: the model is keyed by the reversed key.
    let model: Model = random_model(&mut rng, 2000, 40)
        .into_iter()
        .map(|(key, value)| (ReverseComparator::reversed(&key), value))
        .collect();
    let mut builder = TableBuilder::new(options.clone(), MemWritableFile::default());
    for (reversed, value) in &model {
        builder
            .add(&ReverseComparator::reversed(reversed), value)
            .unwrap();
    }
    builder.finish().unwrap();
    let table = open(&options, builder.into_file().contents()).unwrap();
    let mut iter = table.iter(TableReadOptions::default());
    let scanned: Model = scan_forward(&mut iter)
        .into_iter()
        .map(|(key, value)| (ReverseComparator::reversed(&key), value))
        .collect();
    assert_eq!(scanned, model);
    for _ in 0..500 {
        let target = rng.key(24);
        iter.seek(&target);
        let expected = model.range(ReverseComparator::reversed(&target)..).next();
        let actual = iter
            .valid()
            .then(|| ReverseComparator::reversed(iter.key()));
        assert_eq!(actual.as_ref(), expected.map(|(key, _)| key));
    }
    for reversed in model.keys() {
        let key = ReverseComparator::reversed(reversed);
        assert_eq!(get(&table, &key).unwrap().map(|found| found.0), Some(key));
    }
}

#[test]
fn tables_and_caches_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    fn sent<T: Send>() {}
    shared::<Table>();
    shared::<BlockCache>();
    sent::<crate::store::table::table_iter::TableIter>();
    sent::<TableBuilder<MemWritableFile>>();
}

/// A model cursor: the index of the current entry in `entries`, or None.
fn model_step(
    entries: &[Entry],
    at: Option<usize>,
    operation: u64,
    target: &[u8],
) -> Option<usize> {
    let first_at_or_after = entries.partition_point(|entry| entry.0.as_slice() < target);
    match operation {
        0 => (!entries.is_empty()).then_some(0),
        1 => entries.len().checked_sub(1),
        2 => (first_at_or_after < entries.len()).then_some(first_at_or_after),
        3 => at.map(|at| at + 1).filter(|&next| next < entries.len()),
        _ => at.and_then(|at| at.checked_sub(1)),
    }
}

#[test]
fn random_walks_of_table_iterator_match_the_model() {
    let mut rng = TestRng::from_clock("random_walks");
    let options = TableOptions {
        block_size_bytes: 128,
        block_restart_interval_entries: 3,
        ..TableOptions::default()
    };
    let model = random_model(&mut rng, 400, 30);
    let entries: Vec<Entry> = model.clone().into_iter().collect();
    let table = open(&options, build(&options, &model)).unwrap();
    let mut iter = table.iter(TableReadOptions::default());
    let mut at: Option<usize> = None;
    for step in 0..20_000 {
        let mut operation = rng.below(5);
        if at.is_none() && operation >= 3 {
            operation = rng.below(3); // next/prev need a valid cursor
        }
        let target = rng.key(24);
        at = model_step(&entries, at, operation, &target);
        match operation {
            0 => iter.seek_to_first(),
            1 => iter.seek_to_last(),
            2 => iter.seek(&target),
            3 => iter.next(),
            _ => iter.prev(),
        }
        match at {
            Some(at) => {
                assert!(iter.valid(), "step {step}, operation {operation}");
                assert_eq!(
                    (iter.key(), iter.value()),
                    (&entries[at].0[..], &entries[at].1[..])
                );
            }
            None => assert!(!iter.valid(), "step {step}, operation {operation}"),
        }
    }
    assert!(iter.status().is_ok());
}

/// A table written by LevelDB 1.23 itself (see testdata/README.md).
const LEVELDB_FIXTURE: &[u8] = include_bytes!("testdata/leveldb-1.23-bloom10-block256.ldb");

#[test]
fn leveldb_written_table_matches_ours_byte_for_byte() {
    let options = TableOptions {
        filter_policy: Some(Arc::new(BloomFilterPolicy::new(10))),
        block_size_bytes: 256,
        ..TableOptions::default()
    };
    let model: Model = (0..300u32)
        .map(|index| {
            let key = format!("key{index:04}").into_bytes();
            (key, format!("value{}", index * 7).into_bytes())
        })
        .collect();
    let ours = build(&options, &model);
    assert_eq!(ours.len(), LEVELDB_FIXTURE.len());
    let first_difference = ours.iter().zip(LEVELDB_FIXTURE).position(|(a, b)| a != b);
    assert_eq!(first_difference, None, "first differing byte");
    let table = open(&options, LEVELDB_FIXTURE.to_vec()).unwrap();
    let mut rng = TestRng::new(23);
    check_against_model(&table, &model, &mut rng, "leveldb fixture");
}
