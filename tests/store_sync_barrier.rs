//! Regression tests for two durability holes, through FaultEnv's exact
//! crash model (every unsynced byte and directory entry is lost):
//! - a memtable flush made a table pointing at value-log bytes that were
//!   not synced, then made the WAL obsolete;
//! - an empty batch written with `sync: true` synced nothing, though
//!   callers use it as a barrier (LevelDB syncs);
//! - a reopen after a clean exit replayed the WAL into a table pointing
//!   at value-log bytes still only in the OS's cache.

use std::path::Path;
use std::sync::Arc;
use strata::store::env::{Env, FaultEnv};
use strata::store::{Db, Options, ReadOptions, WriteBatch, WriteOptions};

const DIR: &str = "/db";

fn options(env: &FaultEnv) -> Options {
    Options {
        create_if_missing: true,
        value_log_gc_background: false,
        env: Arc::new(env.clone()) as Arc<dyn Env>,
        ..Options::default()
    }
}

fn big_value(seed: u8) -> Vec<u8> {
    (0..20_000u32).map(|i| (i % 251) as u8 ^ seed).collect()
}

fn get(db: &Db, key: &[u8]) -> Option<Vec<u8>> {
    db.get(&ReadOptions::new(), key)
        .unwrap_or_else(|error| panic!("get {key:?}: {error}"))
}

#[test]
fn a_flushed_table_never_points_at_value_log_bytes_lost_by_a_crash() {
    let env = FaultEnv::in_memory();
    let unsynced = WriteOptions { sync: false };
    {
        let db = Db::open(Path::new(DIR), options(&env)).unwrap();
        db.put(&unsynced, b"big", &big_value(1)).unwrap();
        db.put(&unsynced, b"small", b"s").unwrap();
        // The flush writes a table holding the pointer and makes the WAL
        // that held it obsolete.
        db.compact_range(None, None).unwrap();
        assert_ne!(db.level_summary(), "files[ 0 0 0 0 0 0 0 ]");
    }
    env.crash();
    let db = Db::open(Path::new(DIR), options(&env)).unwrap();
    assert_eq!(get(&db, b"big"), Some(big_value(1)));
    assert_eq!(get(&db, b"small"), Some(b"s".to_vec()));
}

#[test]
fn a_flush_at_a_memtable_switch_keeps_large_values_across_a_crash() {
    let env = FaultEnv::in_memory();
    let unsynced = WriteOptions { sync: false };
    let small_buffer = Options {
        write_buffer_size_bytes: 64 << 10,
        ..options(&env)
    };
    {
        let db = Db::open(Path::new(DIR), small_buffer.clone()).unwrap();
        db.put(&unsynced, b"big", &big_value(2)).unwrap();
        // Small values fill the memtable: the switch and the flush come
        // from the write path, not from compact_range.
        for index in 0..400u32 {
            let key = format!("fill{index:04}");
            db.put(&unsynced, key.as_bytes(), &[b'f'; 400]).unwrap();
        }
        db.wait_for_flush().unwrap();
        assert_ne!(db.level_summary(), "files[ 0 0 0 0 0 0 0 ]");
    }
    env.crash();
    let db = Db::open(Path::new(DIR), small_buffer).unwrap();
    // The first memtable's table survived the crash; so must the value
    // it points at (not a corruption error).
    assert_eq!(get(&db, b"big"), Some(big_value(2)));
}

#[test]
fn an_empty_synced_batch_makes_every_earlier_write_durable() {
    let env = FaultEnv::in_memory();
    let unsynced = WriteOptions { sync: false };
    {
        let db = Db::open(Path::new(DIR), options(&env)).unwrap();
        db.put(&unsynced, b"small", b"value").unwrap();
        db.put(&unsynced, b"big", &big_value(3)).unwrap();
        db.write(&WriteOptions { sync: true }, WriteBatch::new())
            .unwrap();
    }
    env.crash();
    let db = Db::open(Path::new(DIR), options(&env)).unwrap();
    assert_eq!(get(&db, b"small"), Some(b"value".to_vec()));
    assert_eq!(get(&db, b"big"), Some(big_value(3)));
}

#[test]
fn an_empty_unsynced_batch_is_accepted_and_changes_nothing() {
    let env = FaultEnv::in_memory();
    let db = Db::open(Path::new(DIR), options(&env)).unwrap();
    db.put(&WriteOptions::default(), b"k", b"v").unwrap();
    db.write(&WriteOptions::default(), WriteBatch::new())
        .unwrap();
    assert_eq!(get(&db, b"k"), Some(b"v".to_vec()));
}

#[test]
fn tables_written_by_replay_never_point_at_value_log_bytes_a_crash_loses() {
    let env = FaultEnv::in_memory();
    let unsynced = WriteOptions { sync: false };
    {
        let db = Db::open(Path::new(DIR), options(&env)).unwrap();
        db.put(&unsynced, b"big", &big_value(4)).unwrap();
    }
    // A clean exit: the bytes are in the (simulated) OS cache. The reopen
    // replays the WAL into a table and makes the WAL obsolete.
    drop(Db::open(Path::new(DIR), options(&env)).unwrap());
    env.crash();
    let db = Db::open(Path::new(DIR), options(&env)).unwrap();
    assert_eq!(get(&db, b"big"), Some(big_value(4)));
}
