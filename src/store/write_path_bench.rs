//! A microbenchmark of the write path below the Db: for each put, build a
//! one-record WriteBatch, append it to a WAL through PosixEnv (flushed to
//! the OS per record, as LevelDB does), and insert it into a 4 MiB
//! memtable — what db_bench's fillseq/fillrandom cost before compaction.
//!
//! Run: `cargo test --release --lib write_path_microbench -- --ignored
//! --nocapture`.

use crate::store::env::{Env, PosixEnv};
use crate::store::log::Writer;
use crate::store::memtable::MemTable;
use crate::store::testing::Random;
use crate::store::write_batch::WriteBatch;

/// db_bench's defaults.
const PUTS: u64 = 1_000_000;
const VALUE_BYTES: usize = 100;
const WRITE_BUFFER_BYTES: usize = 4 << 20;

fn fill(keys: &[Vec<u8>], dir: &std::path::Path) -> f64 {
    let env = PosixEnv;
    let mut log_number = 1;
    let new_log = |number: u64| {
        let path = dir.join(format!("{number:06}.log"));
        Writer::new(env.new_writable(&path).unwrap())
    };
    let mut log = new_log(log_number);
    let mut table = MemTable::with_capacity(WRITE_BUFFER_BYTES);
    let value = [b'x'; VALUE_BYTES];
    let mut batch = WriteBatch::new();
    let started = std::time::Instant::now();
    for (index, key) in keys.iter().enumerate() {
        batch.clear();
        batch.put(key, &value);
        batch.set_sequence(index as u64 + 1);
        log.add_record(batch.contents()).unwrap();
        table.insert_batch(&batch).unwrap();
        if table.approximate_memory_usage() > WRITE_BUFFER_BYTES {
            table = MemTable::with_capacity(WRITE_BUFFER_BYTES);
            log_number += 1;
            log = new_log(log_number);
        }
    }
    started.elapsed().as_nanos() as f64 / keys.len() as f64 / 1000.0
}

#[test]
#[ignore = "microbenchmark; run in release"]
fn write_path_microbench() {
    let dir = std::env::temp_dir().join(format!("strata-write-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ordered: Vec<Vec<u8>> = (0..PUTS).map(|i| format!("{i:016}").into_bytes()).collect();
    let mut random = Random::new(301);
    let shuffled: Vec<Vec<u8>> = (0..PUTS)
        .map(|_| format!("{:016}", random.uniform(PUTS)).into_bytes())
        .collect();
    // STRATA_BENCH_ONLY=fillseq or =fillrandom runs one (to profile).
    let only = std::env::var("STRATA_BENCH_ONLY").unwrap_or_default();
    for (name, keys) in [("fillseq", &ordered), ("fillrandom", &shuffled)] {
        if !only.is_empty() && only != name {
            continue;
        }
        let micros = fill(keys, &dir);
        let megabytes = (16 + VALUE_BYTES) as f64 * (1e6 / micros) / 1048576.0;
        println!(
            "{name:<12} : {micros:11.3} micros/op; {megabytes:6.1} MB/s (WAL + memtable only)"
        );
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
