//! Unit tests of the Db: each names the behaviour it checks.

use super::*;
use crate::store::env::{FaultEnv, MemEnv};
use std::io::{Read, Seek, SeekFrom};

const DIR: &str = "/db";

fn options(env: Arc<dyn Env>) -> Options {
    Options {
        create_if_missing: true,
        env,
        ..Options::default()
    }
}

fn small_buffer_options(env: Arc<dyn Env>) -> Options {
    Options {
        write_buffer_size_bytes: super::options::WRITE_BUFFER_SIZE_MIN_BYTES,
        ..options(env)
    }
}

fn read() -> ReadOptions {
    ReadOptions::new()
}

fn put(db: &Db, key: &[u8], value: &[u8]) {
    db.put(&WriteOptions::default(), key, value).expect("put");
}

fn get(db: &Db, key: &[u8]) -> Option<Vec<u8>> {
    db.get(&read(), key).expect("get")
}

#[test]
fn a_put_is_read_back_and_a_delete_hides_it() {
    let db = Db::open(DIR, options(Arc::new(MemEnv::new()))).unwrap();
    put(&db, b"a", b"1");
    put(&db, b"b", b"2");
    assert_eq!(get(&db, b"a"), Some(b"1".to_vec()));
    db.delete(&WriteOptions::default(), b"a").unwrap();
    assert_eq!(get(&db, b"a"), None);
    assert_eq!(get(&db, b"b"), Some(b"2".to_vec()));
    assert_eq!(get(&db, b"c"), None);
}

#[test]
fn writes_survive_a_reopen_through_wal_replay() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    {
        let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
        put(&db, b"k", b"v1");
        put(&db, b"k", b"v2");
        put(&db, b"gone", b"x");
        db.delete(&WriteOptions::default(), b"gone").unwrap();
    }
    let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
    assert_eq!(get(&db, b"k"), Some(b"v2".to_vec()));
    assert_eq!(get(&db, b"gone"), None);
    put(&db, b"after", b"reopen");
    drop(db);
    let db = Db::open(DIR, options(env)).unwrap();
    assert_eq!(get(&db, b"k"), Some(b"v2".to_vec()));
    assert_eq!(get(&db, b"after"), Some(b"reopen".to_vec()));
}

#[test]
fn large_values_go_through_the_value_log_and_stream_back() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    {
        let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
        db.put(&WriteOptions { sync: true }, b"big", &big).unwrap();
        assert_eq!(get(&db, b"big").as_deref(), Some(&big[..]));
    }
    let names = env.children(Path::new(DIR)).unwrap();
    assert!(
        names.iter().any(|name| name.ends_with(".vlog")),
        "{names:?}"
    );
    let db = Db::open(DIR, options(env)).unwrap();
    assert_eq!(get(&db, b"big").as_deref(), Some(&big[..]));
    let mut stream = db.get_value_reader(&read(), b"big").unwrap().unwrap();
    assert!(matches!(stream, ValueStream::Log(_)));
    assert_eq!(stream.len(), big.len() as u64);
    stream.seek(SeekFrom::Start(70_000)).unwrap();
    let mut tail = Vec::new();
    stream.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, &big[70_000..]);
    put(&db, b"small", b"s");
    let stream = db.get_value_reader(&read(), b"small").unwrap().unwrap();
    assert!(matches!(stream, ValueStream::Inline(_)));
}

#[test]
fn write_with_value_applies_the_batch_and_the_value_atomically_large_or_small() {
    let memory = MemEnv::new();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8).collect();
    {
        let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
        let mut batch = WriteBatch::new();
        batch.put(b"size-big", b"300000");
        let shared: SharedValue = Arc::new(big.clone());
        db.write_with_value(&WriteOptions { sync: true }, batch, b"big", shared)
            .unwrap();
        let shared: SharedValue = Arc::new(b"tiny".to_vec());
        let unsynced = WriteOptions { sync: false };
        db.write_with_value(&unsynced, WriteBatch::new(), b"small", shared)
            .unwrap();
        assert_eq!(get(&db, b"small").as_deref(), Some(&b"tiny"[..]));
        let stream = db.get_value_reader(&read(), b"big").unwrap().unwrap();
        assert!(matches!(stream, ValueStream::Log(_)));
        // Unsynced, then dropped by the crash with everything after it.
        let shared: SharedValue = Arc::new(big[..100_000].to_vec());
        db.write_with_value(&unsynced, WriteBatch::new(), b"lost", shared)
            .unwrap();
    }
    memory.crash();
    let db = Db::open(DIR, options(env)).unwrap();
    assert_eq!(get(&db, b"big").as_deref(), Some(&big[..]));
    assert_eq!(get(&db, b"size-big").as_deref(), Some(&b"300000"[..]));
    assert_eq!(get(&db, b"lost"), None);
}

#[test]
fn write_with_value_over_the_limit_is_refused_and_writes_nothing() {
    let db = Db::open(DIR, options(Arc::new(MemEnv::new()))).unwrap();
    let mut batch = WriteBatch::new();
    batch.put(b"row", b"1");
    let huge: SharedValue = Arc::new(vec![0u8; crate::store::vlog::VALUE_BYTES_MAX as usize + 1]);
    let found = db.write_with_value(&WriteOptions::default(), batch, b"huge", huge);
    assert!(
        matches!(found, Err(StoreError::InvalidArgument { .. })),
        "{found:?}"
    );
    assert_eq!(get(&db, b"row"), None);
    put(&db, b"after", b"still writing");
    assert_eq!(get(&db, b"after").as_deref(), Some(&b"still writing"[..]));
}

#[test]
fn a_snapshot_sees_the_state_when_it_was_taken() {
    let db = Db::open(DIR, options(Arc::new(MemEnv::new()))).unwrap();
    put(&db, b"k", b"old");
    let snapshot = db.snapshot();
    put(&db, b"k", b"new");
    db.delete(&WriteOptions::default(), b"k").unwrap();
    let at_snapshot = ReadOptions {
        snapshot: Some(snapshot),
        ..ReadOptions::new()
    };
    assert_eq!(db.get(&at_snapshot, b"k").unwrap(), Some(b"old".to_vec()));
    assert_eq!(get(&db, b"k"), None);
}

#[test]
fn full_memtables_are_flushed_to_tables_and_read_from_them() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    let value = vec![b'v'; 1000];
    {
        let db = Db::open(DIR, small_buffer_options(Arc::clone(&env))).unwrap();
        for i in 0..300u32 {
            put(&db, format!("key{i:05}").as_bytes(), &value);
        }
        db.wait_for_flush().unwrap();
        assert_ne!(db.level_summary(), "files[ 0 0 0 0 0 0 0 ]");
        for i in 0..300u32 {
            assert_eq!(
                get(&db, format!("key{i:05}").as_bytes()).as_deref(),
                Some(&value[..])
            );
        }
    }
    let db = Db::open(DIR, small_buffer_options(env)).unwrap();
    for i in 0..300u32 {
        assert_eq!(
            get(&db, format!("key{i:05}").as_bytes()).as_deref(),
            Some(&value[..])
        );
    }
}

#[test]
fn a_second_open_of_a_locked_store_fails_with_locked() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    let _db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
    let second = Db::open(DIR, options(env));
    assert!(
        matches!(second, Err(StoreError::Locked { .. })),
        "{second:?}"
    );
}

#[test]
fn opening_a_missing_store_without_create_if_missing_is_not_found() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    let opened = Db::open(
        DIR,
        Options {
            create_if_missing: false,
            ..options(env)
        },
    );
    let error = opened.expect_err("no store there");
    assert!(matches!(error, StoreError::NotFound { .. }), "{error:?}");
    assert!(error.to_string().contains("create_if_missing"), "{error}");
}

#[test]
fn error_if_exists_refuses_an_existing_store() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    drop(Db::open(DIR, options(Arc::clone(&env))).unwrap());
    let opened = Db::open(
        DIR,
        Options {
            error_if_exists: true,
            ..options(env)
        },
    );
    assert!(
        matches!(opened, Err(StoreError::AlreadyExists { .. })),
        "{opened:?}"
    );
}

#[test]
fn a_failed_wal_write_makes_the_db_refuse_writes_until_reopened() {
    let fault = FaultEnv::in_memory();
    let env: Arc<dyn Env> = Arc::new(fault.clone());
    let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
    put(&db, b"a", b"1");
    fault.set_write_fault(fault.write_count() + 1, crate::store::env::WriteFault::Fail);
    assert!(db.put(&WriteOptions::default(), b"b", b"2").is_err());
    let refused = db.put(&WriteOptions::default(), b"c", b"3");
    assert!(
        matches!(refused, Err(StoreError::WriteFailed { .. })),
        "{refused:?}"
    );
    assert_eq!(get(&db, b"a"), Some(b"1".to_vec()));
    drop(db);
    let db = Db::open(DIR, options(env)).unwrap();
    assert_eq!(get(&db, b"a"), Some(b"1".to_vec()));
    put(&db, b"c", b"3");
    assert_eq!(get(&db, b"c"), Some(b"3".to_vec()));
}

#[test]
fn concurrent_writers_are_all_applied() {
    let db = Arc::new(Db::open(DIR, small_buffer_options(Arc::new(MemEnv::new()))).unwrap());
    let threads: Vec<_> = (0..4u32)
        .map(|thread| {
            let db = Arc::clone(&db);
            std::thread::spawn(move || {
                for i in 0..200u32 {
                    let key = format!("t{thread}-{i:04}");
                    let sync = WriteOptions { sync: i % 16 == 0 };
                    db.put(&sync, key.as_bytes(), &[thread as u8; 600]).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    for thread in 0..4u32 {
        for i in 0..200u32 {
            let key = format!("t{thread}-{i:04}");
            assert_eq!(
                get(&db, key.as_bytes()),
                Some(vec![thread as u8; 600]),
                "{key}"
            );
        }
    }
}

fn level_counts(db: &Db) -> Vec<usize> {
    let summary = db.level_summary();
    let inner = summary.trim_start_matches("files[ ").trim_end_matches(" ]");
    inner
        .split(' ')
        .map(|count| count.parse().unwrap())
        .collect()
}

#[test]
fn many_flushes_are_compacted_and_every_answer_stays_right() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    let db = Db::open(DIR, small_buffer_options(Arc::clone(&env))).unwrap();
    let mut model = std::collections::BTreeMap::new();
    for round in 0..20u32 {
        for i in 0..400u32 {
            let key = format!("key{:05}", (i * 7 + round * 13) % 1000);
            let value = format!("{round}-{i}-").repeat(20);
            put(&db, key.as_bytes(), value.as_bytes());
            model.insert(key, value);
        }
        let doomed = format!("key{:05}", round * 31 % 1000);
        db.delete(&WriteOptions::default(), doomed.as_bytes())
            .unwrap();
        model.remove(&doomed);
    }
    db.wait_for_flush().unwrap();
    assert!(level_counts(&db)[0] < crate::store::version::L0_STOP_WRITES_TRIGGER_FILES);
    for i in 0..1000u32 {
        let key = format!("key{i:05}");
        assert_eq!(
            get(&db, key.as_bytes()),
            model.get(&key).map(|v| v.clone().into_bytes())
        );
    }
    db.compact_range(None, None).unwrap();
    let counts = level_counts(&db);
    assert_eq!(counts[0], 0, "{counts:?}");
    drop(db);
    let db = Db::open(DIR, small_buffer_options(env)).unwrap();
    for i in 0..1000u32 {
        let key = format!("key{i:05}");
        assert_eq!(
            get(&db, key.as_bytes()),
            model.get(&key).map(|v| v.clone().into_bytes())
        );
    }
}

#[test]
fn a_snapshot_keeps_its_values_through_compaction() {
    let db = Db::open(DIR, small_buffer_options(Arc::new(MemEnv::new()))).unwrap();
    put(&db, b"k", b"first");
    let snapshot = db.snapshot();
    put(&db, b"k", b"second");
    db.delete(&WriteOptions::default(), b"k").unwrap();
    db.compact_range(None, None).unwrap();
    let at_snapshot = ReadOptions {
        snapshot: Some(snapshot.clone()),
        ..ReadOptions::new()
    };
    assert_eq!(db.get(&at_snapshot, b"k").unwrap(), Some(b"first".to_vec()));
    assert_eq!(get(&db, b"k"), None);
    drop(at_snapshot);
    drop(snapshot);
    put(&db, b"other", b"x");
    db.compact_range(None, None).unwrap();
    assert_eq!(get(&db, b"k"), None);
}

fn only_file(env: &MemEnv, suffix: &str) -> std::path::PathBuf {
    let names = env.children(Path::new(DIR)).unwrap();
    let mut matching = names.iter().filter(|name| name.ends_with(suffix));
    let name = matching
        .next()
        .unwrap_or_else(|| panic!("no {suffix} in {names:?}"));
    assert!(
        matching.next().is_none(),
        "several {suffix} files: {names:?}"
    );
    Path::new(DIR).join(name)
}

#[test]
fn wal_replay_stops_at_a_pointer_past_the_value_logs_valid_prefix() {
    let memory = MemEnv::new();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    {
        let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
        put(&db, b"before", b"small");
        put(&db, b"big", &[b'x'; 10_000]);
        put(&db, b"after", b"small");
    }
    // The value log lost its tail (it reached the disk after the WAL).
    let vlog = only_file(&memory, ".vlog");
    let bytes = memory.contents(&vlog).unwrap();
    memory
        .set_contents(&vlog, &bytes[..bytes.len() - 100])
        .unwrap();
    let db = Db::open(DIR, options(env)).unwrap();
    assert_eq!(get(&db, b"before"), Some(b"small".to_vec()));
    assert_eq!(
        get(&db, b"big"),
        None,
        "a batch pointing past the valid prefix is dropped"
    );
    assert_eq!(get(&db, b"after"), None, "and so is every later batch");
}

#[test]
fn a_compaction_meeting_a_damaged_table_stops_writes_with_the_error() {
    let memory = MemEnv::new();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    {
        let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
        for i in 0..100u32 {
            put(&db, format!("key{i:03}").as_bytes(), &[b'v'; 100]);
        }
        db.compact_range(None, None).unwrap();
    }
    let table = only_file(&memory, ".ldb");
    let mut bytes = memory.contents(&table).unwrap();
    bytes[50] ^= 0x01;
    memory.set_contents(&table, &bytes).unwrap();
    let db = Db::open(DIR, options(env)).unwrap();
    put(&db, b"key050", b"new");
    let error = db.compact_range(None, None).expect_err("damaged input");
    assert!(matches!(error, StoreError::WriteFailed { .. }), "{error}");
    assert!(error.to_string().contains(".ldb"), "{error}");
    let refused = db.put(&WriteOptions::default(), b"k", b"v");
    assert!(
        matches!(refused, Err(StoreError::WriteFailed { .. })),
        "{refused:?}"
    );
}

#[test]
fn after_close_writes_fail_and_reads_still_work() {
    let db = Db::open(DIR, options(Arc::new(MemEnv::new()))).unwrap();
    put(&db, b"k", b"v");
    db.close();
    let refused = db.put(&WriteOptions::default(), b"k2", b"v2");
    assert!(
        matches!(refused, Err(StoreError::WriteFailed { .. })),
        "{refused:?}"
    );
    assert_eq!(get(&db, b"k"), Some(b"v".to_vec()));
}

/// Bytes the Db's block cache holds now.
fn block_cache_bytes(db: &Db) -> usize {
    let options = db.inner.table_cache.options();
    let cache = options
        .block_cache
        .as_ref()
        .expect("the Db has a block cache");
    cache.total_charge_bytes()
}

/// Scans `[start, end)` with `read`; the number of entries seen.
fn scan_range(db: &Db, read: &ReadOptions, start: &[u8], end: &[u8]) -> usize {
    let mut cursor = db.iter(read);
    cursor.seek(start);
    let mut entries = 0;
    while cursor.valid() && cursor.key() < end {
        entries += 1;
        cursor.next();
    }
    cursor.status().unwrap();
    entries
}

/// A store of 20,000 rows of 100 bytes (about 500 data blocks), all in
/// tables; nothing has read a data block yet.
fn compacted_store(env: &FaultEnv) -> Db {
    let db = Db::open(DIR, small_buffer_options(Arc::new(env.clone()))).unwrap();
    for i in 0..20_000u32 {
        put(&db, format!("row{i:06}").as_bytes(), &[b'v'; 100]);
    }
    db.compact_range(None, None).unwrap();
    db
}

#[test]
fn a_range_scanned_again_is_read_from_the_block_cache() {
    let env = FaultEnv::in_memory();
    let db = compacted_store(&env);
    let (start, end) = (b"row005000".as_slice(), b"row015000".as_slice());
    let reads_before = env.read_count();
    assert_eq!(scan_range(&db, &read(), start, end), 10_000);
    let first_reads = env.read_count() - reads_before;
    assert!(first_reads > 0, "the first scan reads the tables");
    assert!(block_cache_bytes(&db) > 200 * 4096, "its blocks are cached");
    let reads_before = env.read_count();
    assert_eq!(scan_range(&db, &read(), start, end), 10_000);
    assert_eq!(
        env.read_count() - reads_before,
        0,
        "the second scan is served from the cache (the first read {first_reads} times)"
    );
    // A backward walk over the same range reads nothing either.
    let mut cursor = db.iter(&read());
    cursor.seek(end);
    cursor.prev();
    let reads_before = env.read_count();
    let mut entries = 0;
    while cursor.valid() && cursor.key() >= start {
        entries += 1;
        cursor.prev();
    }
    assert_eq!((entries, env.read_count() - reads_before), (10_000, 0));
}

#[test]
fn scans_without_fill_cache_and_compactions_leave_the_block_cache_empty() {
    let env = FaultEnv::in_memory();
    let db = compacted_store(&env);
    assert_eq!(block_cache_bytes(&db), 0, "a compaction caches nothing");
    let bulk = ReadOptions {
        fill_cache: false,
        ..ReadOptions::new()
    };
    for _ in 0..2 {
        let reads_before = env.read_count();
        assert_eq!(scan_range(&db, &bulk, b"row", b"rox"), 20_000);
        assert!(
            env.read_count() > reads_before,
            "each bulk scan reads the files"
        );
    }
    assert_eq!(block_cache_bytes(&db), 0, "bulk scans cache nothing");
    // Cache one range, then rewrite every row and compact again: the
    // cache keeps what readers put there and gains nothing.
    scan_range(&db, &read(), b"row000000", b"row001000");
    let cached = block_cache_bytes(&db);
    assert!(cached > 0);
    for i in 0..20_000u32 {
        put(&db, format!("row{i:06}").as_bytes(), &[b'w'; 100]);
    }
    db.compact_range(None, None).unwrap();
    assert_eq!(block_cache_bytes(&db), cached);
}
