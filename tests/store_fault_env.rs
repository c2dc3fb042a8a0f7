//! The fault-injecting Env from outside the crate, as the Db's crash tests
//! will use it: a WAL written through `FaultEnv`, a power cut at a chosen
//! write, a crash, and a reader that gets back exactly the synced records.

use std::path::Path;
use strata::store::env::{Env, FaultEnv};
use strata::store::log::{Reader, Writer};

const RECORDS: usize = 40;

fn record(index: usize) -> Vec<u8> {
    vec![b'a' + (index % 26) as u8; index * 1500]
}

/// Writes records, syncing each; returns how many were synced.
fn write_synced(env: &FaultEnv) -> usize {
    let dir = Path::new("/db");
    let Ok(file) = env.new_writable(&dir.join("000001.log")) else {
        return 0;
    };
    if env.sync_dir(dir).is_err() {
        return 0;
    }
    let mut writer = Writer::new(file);
    for index in 0..RECORDS {
        if writer.add_record(&record(index)).is_err() || writer.sync().is_err() {
            return index;
        }
    }
    RECORDS
}

fn read_all(env: &FaultEnv) -> Vec<Vec<u8>> {
    let file = env.open_sequential(Path::new("/db/000001.log")).unwrap();
    let mut reader = Reader::new(file, None, true);
    let mut records = Vec::new();
    let mut record = Vec::new();
    while reader.read_record(&mut record) {
        records.push(record.clone());
    }
    records
}

#[test]
fn synced_wal_records_survive_a_power_cut_at_any_write() {
    let clean = FaultEnv::in_memory();
    clean.create_dir_all(Path::new("/db")).unwrap();
    assert_eq!(write_synced(&clean), RECORDS);
    for cut in 1..=clean.write_count() {
        let env = FaultEnv::in_memory();
        env.create_dir_all(Path::new("/db")).unwrap();
        env.set_power_cut_at_write(cut);
        let synced = write_synced(&env);
        env.crash();
        let found = read_all(&env);
        assert_eq!(found.len(), synced, "power cut at write {cut}");
        for (index, found) in found.iter().enumerate() {
            assert_eq!(*found, record(index), "record {index}, cut {cut}");
        }
    }
}
