//! Model-based test of the store: long random sequences of put, delete,
//! batch, snapshot, get, iterate (both ways, with seeks), reopen, compact
//! and value-log GC (passes asked for, and the background GC thread on)
//! against a `BTreeMap`, over MemEnv and PosixEnv. The seed is printed;
//! replay a failure with `STRATA_TEST_SEED=<seed>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use strata::store::env::{Env, MemEnv, PosixEnv};
use strata::store::{Db, Options, ReadOptions, Snapshot, WriteBatch, WriteOptions};

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

/// Operations per run.
const OPERATIONS: u32 = 3000;
/// Distinct keys the runs use (small, so keys are overwritten often).
const KEYS: u64 = 300;

struct Random(u64);

impl Random {
    fn from_env(name: &str) -> Random {
        let seed = std::env::var("STRATA_TEST_SEED")
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                now.map(|elapsed| elapsed.as_nanos() as u64).unwrap_or(1)
            });
        println!("{name}: STRATA_TEST_SEED={seed}");
        Random(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        mixed ^ (mixed >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn key(&mut self) -> Vec<u8> {
        format!("key{:04}", self.below(KEYS)).into_bytes()
    }

    /// Mostly small values; now and then one past the value-log threshold.
    fn value(&mut self, step: u32) -> Vec<u8> {
        let length = if self.below(20) == 0 {
            4096 + self.below(20_000) as usize
        } else {
            self.below(300) as usize
        };
        let fill = format!("{step}:").into_bytes();
        fill.iter()
            .copied()
            .cycle()
            .take(length.max(fill.len()))
            .collect()
    }
}

fn options(env: Arc<dyn Env>) -> Options {
    Options {
        create_if_missing: true,
        write_buffer_size_bytes: 64 << 10,
        max_file_size_bytes: 64 << 10,
        // Small value-log files, so GC steps find sealed files to collect.
        value_log_file_bytes_target: 32 << 10,
        env,
        ..Options::default()
    }
}

fn check_get(db: &Db, read: &ReadOptions, model: &Model, key: &[u8]) {
    let got = db.get(read, key).expect("get");
    assert_eq!(
        got.as_ref(),
        model.get(key),
        "get {:?}",
        String::from_utf8_lossy(key)
    );
}

fn check_scan(db: &Db, read: &ReadOptions, model: &Model) {
    let mut iter = db.iter(read);
    iter.seek_to_first();
    let mut expected = model.iter();
    while iter.valid() {
        let (key, value) = expected.next().expect("the iterator yields no extra key");
        assert_eq!(iter.key(), &key[..]);
        assert_eq!(&iter.value().expect("value"), value);
        iter.next();
    }
    iter.status().expect("scan status");
    assert!(expected.next().is_none(), "the iterator missed keys");
    iter.seek_to_last();
    for (key, _) in model.iter().rev() {
        assert!(iter.valid(), "reverse scan ended early");
        assert_eq!(iter.key(), &key[..]);
        iter.prev();
    }
    assert!(!iter.valid());
}

fn check_seek(db: &Db, read: &ReadOptions, model: &Model, random: &mut Random) {
    let target = random.key();
    let mut iter = db.iter(read);
    iter.seek(&target);
    let mut expected = model.range(target.clone()..);
    for _ in 0..3 {
        match expected.next() {
            Some((key, _)) => {
                assert!(iter.valid());
                assert_eq!(iter.key(), &key[..]);
                iter.next();
            }
            None => assert!(!iter.valid()),
        }
        if !iter.valid() {
            break;
        }
    }
    iter.seek(&target);
    if iter.valid() {
        iter.prev();
        match model.range(..target).next_back() {
            Some((key, _)) => assert_eq!(iter.key(), &key[..]),
            None => assert!(!iter.valid()),
        }
    }
}

fn write_batch(db: &Db, model: &mut Model, random: &mut Random, step: u32) {
    let mut batch = WriteBatch::new();
    for _ in 0..1 + random.below(8) {
        let key = random.key();
        if random.below(4) == 0 {
            batch.delete(&key);
            model.remove(&key);
        } else {
            let value = random.value(step);
            batch.put(&key, &value);
            model.insert(key, value);
        }
    }
    let sync = WriteOptions {
        sync: random.below(10) == 0,
    };
    db.write(&sync, batch).expect("write");
}

fn run(env: Arc<dyn Env>, dir: &Path, random: &mut Random) {
    let mut db = Db::open(dir, options(Arc::clone(&env))).expect("open");
    let mut model = Model::new();
    let mut snapshots: Vec<(Snapshot, Model)> = Vec::new();
    for step in 0..OPERATIONS {
        match random.below(100) {
            0..40 => {
                let (key, value) = (random.key(), random.value(step));
                db.put(&WriteOptions::default(), &key, &value).expect("put");
                model.insert(key, value);
            }
            40..50 => {
                let key = random.key();
                db.delete(&WriteOptions::default(), &key).expect("delete");
                model.remove(&key);
            }
            50..60 => write_batch(&db, &mut model, random, step),
            60..75 => check_get(&db, &ReadOptions::new(), &model, &random.key()),
            75..78 => snapshots.push((db.snapshot(), model.clone())),
            78..82 if !snapshots.is_empty() => {
                let index = random.below(snapshots.len() as u64) as usize;
                let (snapshot, old) = &snapshots[index];
                let read = ReadOptions {
                    snapshot: Some(snapshot.clone()),
                    ..ReadOptions::new()
                };
                check_get(&db, &read, old, &random.key());
                if random.below(4) == 0 {
                    check_scan(&db, &read, old);
                }
                if random.below(3) == 0 {
                    snapshots.swap_remove(index);
                }
            }
            82..86 => check_scan(&db, &ReadOptions::new(), &model),
            86..94 => check_seek(&db, &ReadOptions::new(), &model, random),
            94..96 => {
                snapshots.clear();
                drop(db);
                db = Db::open(dir, options(Arc::clone(&env))).expect("reopen");
                check_scan(&db, &ReadOptions::new(), &model);
            }
            96..98 => {
                let (a, b) = (random.key(), random.key());
                let (begin, end) = if a <= b { (a, b) } else { (b, a) };
                db.compact_range(Some(&begin), Some(&end))
                    .expect("compact_range");
            }
            98 => {
                db.collect_value_log().expect("value-log GC");
                check_get(&db, &ReadOptions::new(), &model, &random.key());
            }
            _ => check_get(&db, &ReadOptions::new(), &model, &random.key()),
        }
    }
    check_scan(&db, &ReadOptions::new(), &model);
    db.compact_range(None, None).expect("compact everything");
    check_scan(&db, &ReadOptions::new(), &model);
    snapshots.clear();
    let report = db.collect_value_log().expect("a last value-log GC pass");
    check_scan(&db, &ReadOptions::new(), &model);
    println!("last pass {report:?}; {}", db.value_log_summary());
    assert!(db.value_log_gc_stats().passes > 0);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn random_operations_match_a_btreemap_in_memory() {
    let mut random = Random::from_env("random_operations_match_a_btreemap_in_memory");
    run(Arc::new(MemEnv::new()), Path::new("/model"), &mut random);
}

#[test]
fn random_operations_match_a_btreemap_on_disk() {
    let mut random = Random::from_env("random_operations_match_a_btreemap_on_disk");
    let dir = temp_dir("model");
    run(Arc::new(PosixEnv), &dir, &mut random);
    let _ = std::fs::remove_dir_all(&dir);
}
