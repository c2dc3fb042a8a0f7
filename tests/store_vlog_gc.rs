//! Value-log GC in the Db (src/store/vlog/FORMAT.md, "Garbage
//! collection"): space is reclaimed, every live key keeps its bytes,
//! readers older than a pass keep theirs, a write racing GC wins, a
//! damaged live record stops GC, and a crash at any write of a GC
//! workload loses no synced write and leaves nothing a later pass cannot
//! clean.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use strata::store::env::{Env, FaultEnv, MemEnv};
use strata::store::{Db, GcReport, Options, ReadOptions, StoreError, WriteBatch, WriteOptions};

const DIR: &str = "/db";
/// Small value-log files, so a few dozen values fill several.
const FILE_BYTES_TARGET: u64 = 64 << 10;
const VALUE_BYTES: usize = 5000;

fn options(env: Arc<dyn Env>) -> Options {
    Options {
        create_if_missing: true,
        write_buffer_size_bytes: 64 << 10,
        value_log_file_bytes_target: FILE_BYTES_TARGET,
        value_log_gc_background: false,
        env,
        ..Options::default()
    }
}

fn key(index: usize) -> Vec<u8> {
    format!("key{index:04}").into_bytes()
}

/// A value naming its key and version in every 16 bytes, so a reader can
/// tell a whole, right value from any other.
fn value(index: usize, version: usize) -> Vec<u8> {
    let unit = format!("{index:07}:{version:07}|");
    unit.bytes().cycle().take(VALUE_BYTES).collect()
}

fn get(db: &Db, key: &[u8]) -> Option<Vec<u8>> {
    db.get(&ReadOptions::new(), key)
        .unwrap_or_else(|error| panic!("get {:?}: {error}", String::from_utf8_lossy(key)))
}

fn vlog_files(env: &dyn Env) -> BTreeMap<String, u64> {
    let names = env.children(Path::new(DIR)).unwrap();
    names
        .into_iter()
        .filter(|name| name.ends_with(".vlog"))
        .map(|name| {
            let size = env.file_size(&Path::new(DIR).join(&name)).unwrap();
            (name, size)
        })
        .collect()
}

fn put_all(db: &Db, keys: std::ops::Range<usize>, version: usize) {
    for index in keys {
        db.put(
            &WriteOptions::default(),
            &key(index),
            &value(index, version),
        )
        .unwrap();
    }
}

fn check_all(db: &Db, model: &BTreeMap<Vec<u8>, Vec<u8>>, keys: usize) {
    for index in 0..keys {
        assert_eq!(
            get(db, &key(index)),
            model.get(&key(index)).cloned(),
            "{index}"
        );
    }
}

#[test]
fn gc_deletes_mostly_dead_files_and_every_live_key_reads_its_bytes() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
    let mut model = BTreeMap::new();
    put_all(&db, 0..120, 0);
    put_all(&db, 0..100, 1);
    for index in 100..110 {
        db.delete(&WriteOptions::default(), &key(index)).unwrap();
    }
    for index in 0..120 {
        match index {
            0..100 => model.insert(key(index), value(index, 1)),
            100..110 => None,
            _ => model.insert(key(index), value(index, 0)),
        };
    }
    let before = vlog_files(&*env);
    let report = db.collect_value_log().unwrap();
    let after = vlog_files(&*env);
    assert!(report.files_deleted >= 5, "{report:?}");
    assert_eq!(report.files_waiting, 0, "{report:?}");
    assert!(
        report.bytes_reclaimed > report.bytes_relocated,
        "{report:?}"
    );
    let deleted = before
        .keys()
        .filter(|name| !after.contains_key(*name))
        .count();
    assert_eq!(deleted as u64, report.files_deleted, "{before:?} {after:?}");
    let (bytes_before, bytes_after): (u64, u64) = (before.values().sum(), after.values().sum());
    assert!(
        bytes_after < bytes_before,
        "{bytes_before} -> {bytes_after}"
    );
    check_all(&db, &model, 120);
    assert!(
        db.value_log_summary().contains("passes 1"),
        "{}",
        db.value_log_summary()
    );
    drop(db);
    let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
    check_all(&db, &model, 120);
    // A second pass finds nothing more worth collecting.
    let again = db.collect_value_log().unwrap();
    assert_eq!(again.records_relocated, 0, "{again:?}");
    check_all(&db, &model, 120);
}

#[test]
fn a_snapshot_and_an_iterator_opened_before_gc_still_read_every_value() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
    put_all(&db, 0..60, 0);
    let snapshot = db.snapshot();
    let mut iter = db.iter(&ReadOptions::new());
    iter.seek_to_first();
    put_all(&db, 0..60, 1);
    let report = db.collect_value_log().unwrap();
    assert!(report.files_collected >= 3, "{report:?}");
    assert_eq!(
        report.files_deleted, 0,
        "old readers hold the files: {report:?}"
    );
    assert_eq!(report.files_waiting, report.files_collected, "{report:?}");
    let at_snapshot = ReadOptions {
        snapshot: Some(snapshot.clone()),
        ..ReadOptions::new()
    };
    for index in 0..60 {
        let found = db.get(&at_snapshot, &key(index)).unwrap();
        assert_eq!(found, Some(value(index, 0)), "{index}");
        let mut stream = db
            .get_value_reader(&at_snapshot, &key(index))
            .unwrap()
            .unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut stream, &mut bytes).unwrap();
        assert_eq!(bytes, value(index, 0));
    }
    drop(at_snapshot);
    drop(snapshot);
    // The iterator still holds them.
    let report = db.collect_value_log().unwrap();
    assert_eq!(
        report.files_deleted, 0,
        "the iterator holds the files: {report:?}"
    );
    for index in 0..60 {
        assert!(iter.valid());
        assert_eq!(iter.key(), &key(index)[..]);
        assert_eq!(iter.value().unwrap(), value(index, 0), "{index}");
        iter.next();
    }
    assert!(!iter.valid());
    drop(iter);
    let report = db.collect_value_log().unwrap();
    assert!(report.files_deleted >= 3, "{report:?}");
    for index in 0..60 {
        assert_eq!(get(&db, &key(index)), Some(value(index, 1)), "{index}");
    }
}

#[test]
fn a_crash_after_the_batch_but_before_the_delete_is_cleaned_up_by_a_later_pass() {
    let memory = MemEnv::new();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    let collected_names;
    {
        let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
        put_all(&db, 0..60, 0);
        // A reader older than the overwrites holds the collected files.
        let snapshot = db.snapshot();
        put_all(&db, 0..50, 1);
        let before = vlog_files(&*env);
        let report = db.collect_value_log().unwrap();
        assert!(report.files_waiting >= 3, "{report:?}");
        assert_eq!(report.files_deleted, 0, "{report:?}");
        collected_names = before;
        drop(snapshot);
    }
    memory.crash();
    let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
    let report = db.collect_value_log().unwrap();
    assert!(report.files_deleted >= 3, "{report:?}");
    let after = vlog_files(&*env);
    let left = collected_names
        .keys()
        .filter(|name| after.contains_key(*name))
        .count();
    assert!(
        left < collected_names.len() - 2,
        "{collected_names:?} {after:?}"
    );
    for index in 0..60 {
        let version = usize::from(index < 50);
        assert_eq!(
            get(&db, &key(index)),
            Some(value(index, version)),
            "{index}"
        );
    }
}

/// Finds `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[test]
fn a_damaged_live_record_stops_gc_with_a_corruption_error_and_deletes_nothing() {
    let memory = MemEnv::new();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    let db = Db::open(DIR, options(Arc::clone(&env))).unwrap();
    put_all(&db, 0..40, 0);
    put_all(&db, 0..9, 1); // the first file keeps key 9 onwards live
    let first = vlog_files(&*env).into_keys().next().unwrap();
    let path = PathBuf::from(DIR).join(&first);
    let mut bytes = memory.contents(&path).unwrap();
    let offset = find(&bytes, &value(10, 0)).expect("key 10's value in the first file");
    bytes[offset + 100] ^= 0x40;
    memory.set_contents(&path, &bytes).unwrap();
    let before = vlog_files(&*env);
    let error = db.collect_value_log().expect_err("a damaged live record");
    assert!(matches!(error, StoreError::Corruption { .. }), "{error:?}");
    assert!(error.to_string().contains(&first), "{error}");
    let after = vlog_files(&*env);
    assert!(
        before.keys().all(|name| after.contains_key(name)),
        "{before:?} {after:?}"
    );
    assert!(db.value_log_gc_stats().last_error.is_some());
    // Reads of the damaged value report it; every other key is intact.
    assert!(db.get(&ReadOptions::new(), &key(10)).is_err());
    for index in (0..40).filter(|&index| index != 10) {
        let version = usize::from(index < 9);
        assert_eq!(
            get(&db, &key(index)),
            Some(value(index, version)),
            "{index}"
        );
    }
    db.put(&WriteOptions::default(), b"still", b"writing")
        .unwrap();
}

#[test]
fn writes_racing_gc_win_and_readers_see_whole_values() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    let options = Options {
        value_log_gc_background: true,
        ..options(Arc::clone(&env))
    };
    let db = Arc::new(Db::open(DIR, options).unwrap());
    const WRITERS: usize = 2;
    const KEYS_PER_WRITER: usize = 20;
    const ROUNDS: usize = 15;
    put_all(&db, 0..WRITERS * KEYS_PER_WRITER, 0);
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let db = Arc::clone(&db);
            std::thread::spawn(move || {
                for round in 1..=ROUNDS {
                    let mut batch = WriteBatch::new();
                    for slot in 0..KEYS_PER_WRITER {
                        let index = writer * KEYS_PER_WRITER + slot;
                        batch.put(&key(index), &value(index, round));
                    }
                    let sync = WriteOptions {
                        sync: round % 5 == 0,
                    };
                    db.write(&sync, batch).unwrap();
                }
            })
        })
        .collect();
    let reader = {
        let (db, done) = (Arc::clone(&db), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(Ordering::Relaxed) {
                let index = reads % (WRITERS * KEYS_PER_WRITER);
                let found = db.get(&ReadOptions::new(), &key(index)).unwrap().unwrap();
                let version: usize = std::str::from_utf8(&found[8..15]).unwrap().parse().unwrap();
                assert_eq!(found, value(index, version), "a torn or foreign value");
                reads += 1;
            }
        })
    };
    let mut collected = 0;
    while writers.iter().any(|writer| !writer.is_finished()) {
        collected += db.collect_value_log().unwrap().files_collected;
    }
    for writer in writers {
        writer.join().unwrap();
    }
    collected += db.collect_value_log().unwrap().files_collected;
    done.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    assert!(collected > 0);
    for index in 0..WRITERS * KEYS_PER_WRITER {
        assert_eq!(get(&db, &key(index)), Some(value(index, ROUNDS)), "{index}");
    }
}

/// The crash workload: puts (some synced), a barrier, a GC pass, more
/// synced puts. Returns how many puts are durable, and the GC report.
fn crash_workload(env: &FaultEnv, log: &mut Vec<(usize, usize)>) -> (usize, Option<GcReport>) {
    let dir = Path::new(DIR);
    let Ok(db) = Db::open(dir, options(Arc::new(env.clone()))) else {
        return (0, None);
    };
    let mut durable = 0;
    let put = |index: usize, version: usize, sync: bool, log: &mut Vec<(usize, usize)>| {
        let written = db.put(&WriteOptions { sync }, &key(index), &value(index, version));
        if written.is_ok() {
            log.push((index, version));
        }
        written.is_ok()
    };
    for (version, keys) in [(0, 0..30), (1, 0..22)] {
        for index in keys {
            if !put(index, version, index % 7 == 6, log) {
                return (durable, None);
            }
        }
    }
    if db
        .write(&WriteOptions { sync: true }, WriteBatch::new())
        .is_err()
    {
        return (durable, None);
    }
    durable = log.len();
    let Ok(report) = db.collect_value_log() else {
        return (durable, None);
    };
    for index in 26..30 {
        if !put(index, 2, true, log) {
            return (durable, Some(report));
        }
        durable = log.len();
    }
    (durable, Some(report))
}

/// The state after the first `writes` entries of `log`.
fn model_after(log: &[(usize, usize)], writes: usize) -> BTreeMap<usize, usize> {
    log[..writes].iter().copied().collect()
}

fn state_of(db: &Db) -> BTreeMap<usize, usize> {
    let mut state = BTreeMap::new();
    for index in 0..30 {
        if let Some(found) = get(db, &key(index)) {
            let version: usize = std::str::from_utf8(&found[8..15]).unwrap().parse().unwrap();
            assert_eq!(
                found,
                value(index, version),
                "a torn or foreign value of {index}"
            );
            state.insert(index, version);
        }
    }
    state
}

#[test]
fn a_crash_at_any_write_of_a_gc_workload_keeps_every_synced_write() {
    let clean = FaultEnv::in_memory();
    let mut log = Vec::new();
    let (durable, report) = crash_workload(&clean, &mut log);
    assert_eq!(durable, log.len());
    let report = report.expect("the clean run's GC pass");
    assert!(
        report.files_deleted >= 2 && report.records_relocated > 0,
        "{report:?}"
    );
    let total_writes = clean.write_count();
    for crash_at in 1..=total_writes {
        let env = FaultEnv::in_memory();
        env.set_power_cut_at_write(crash_at);
        let mut acknowledged = Vec::new();
        let (durable, _) = crash_workload(&env, &mut acknowledged);
        env.crash();
        let db = Db::open(Path::new(DIR), options(Arc::new(env.clone())))
            .unwrap_or_else(|error| panic!("crash at write {crash_at}: reopen: {error}"));
        let state = state_of(&db);
        // The state is that of a prefix of the writes made, at least
        // every synced one (one more may have reached the disk unacked).
        let longest = (acknowledged.len() + 1).min(log.len());
        let matches = (durable..=longest).any(|writes| model_after(&log, writes) == state);
        assert!(
            matches,
            "crash at write {crash_at}: {state:?}, durable {durable}"
        );
        let report = db
            .collect_value_log()
            .unwrap_or_else(|error| panic!("crash at write {crash_at}: gc: {error}"));
        assert_eq!(
            state_of(&db),
            state,
            "crash at write {crash_at}: {report:?}"
        );
        drop(db);
        let db = Db::open(Path::new(DIR), options(Arc::new(env.clone()))).unwrap();
        assert_eq!(
            state_of(&db),
            state,
            "crash at write {crash_at}: after reopen"
        );
    }
}
