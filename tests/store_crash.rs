//! Crash tests through FaultEnv: a small workload (small and large
//! values, some writes synced, enough data for memtable flushes) runs
//! with a power cut at each of its writes in turn; after the crash the
//! store must reopen, hold every write acknowledged before the last
//! acknowledged synced write, and hold a prefix of the workload (nothing
//! older lost than something newer kept), each value exact.

use std::path::Path;
use std::sync::Arc;
use strata::store::env::{Env, FaultEnv};
use strata::store::{Db, Options, ReadOptions, WriteOptions};

/// Writes in the workload.
const WRITES: usize = 150;

fn options(env: &FaultEnv) -> Options {
    Options {
        create_if_missing: true,
        write_buffer_size_bytes: 64 << 10,
        env: Arc::new(env.clone()) as Arc<dyn Env>,
        ..Options::default()
    }
}

fn key(index: usize) -> Vec<u8> {
    format!("key{index:04}").into_bytes()
}

fn value(index: usize) -> Vec<u8> {
    let length = if index.is_multiple_of(5) { 5000 } else { 600 };
    vec![b'a' + (index % 26) as u8; length]
}

fn synced(index: usize) -> bool {
    index.is_multiple_of(3)
}

/// Runs the workload until the first error; returns how many writes were
/// acknowledged and the index after the last acknowledged synced one.
fn workload(env: &FaultEnv) -> (usize, usize) {
    let dir = Path::new("/db");
    let Ok(db) = Db::open(dir, options(env)) else {
        return (0, 0);
    };
    let mut durable = 0;
    for index in 0..WRITES {
        let write = WriteOptions {
            sync: synced(index),
        };
        if db.put(&write, &key(index), &value(index)).is_err() {
            return (index, durable);
        }
        if synced(index) {
            durable = index + 1;
        }
    }
    (WRITES, durable)
}

fn check_after_crash(env: &FaultEnv, crash_at: u64, acknowledged: usize, durable: usize) {
    let db = Db::open(Path::new("/db"), options(env))
        .unwrap_or_else(|error| panic!("crash at write {crash_at}: reopen failed: {error}"));
    let read = ReadOptions::new();
    let mut present = 0;
    for index in 0..WRITES {
        match db.get(&read, &key(index)).expect("get after crash") {
            Some(found) => {
                assert_eq!(
                    present, index,
                    "crash at write {crash_at}: write {index} kept, an older one lost"
                );
                assert_eq!(
                    found,
                    value(index),
                    "crash at write {crash_at}: value {index}"
                );
                present += 1;
            }
            None => assert!(
                index >= durable,
                "crash at write {crash_at}: synced write {index} lost"
            ),
        }
    }
    assert!(
        present <= acknowledged.max(durable) + 1,
        "crash at {crash_at}: unwritten data"
    );
    db.put(&WriteOptions { sync: true }, b"after", b"crash")
        .unwrap_or_else(|error| panic!("crash at write {crash_at}: write after reopen: {error}"));
}

#[test]
fn a_crash_at_any_write_keeps_every_synced_write_and_a_prefix() {
    let clean = FaultEnv::in_memory();
    let (acknowledged, _) = workload(&clean);
    assert_eq!(acknowledged, WRITES);
    let total_writes = clean.write_count();
    assert!(
        total_writes > WRITES as u64,
        "the workload should flush tables"
    );
    for crash_at in 1..=total_writes {
        let env = FaultEnv::in_memory();
        env.set_power_cut_at_write(crash_at);
        let (acknowledged, durable) = workload(&env);
        env.crash();
        check_after_crash(&env, crash_at, acknowledged, durable);
    }
}
