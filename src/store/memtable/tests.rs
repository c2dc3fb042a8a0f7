//! Memtable tests: lookups at sequence numbers, batches, iteration against
//! a BTreeMap model, reads during writes, and an insert microbenchmark.

use super::*;
use crate::store::dbformat::{ParsedInternalKey, parse_internal_key};
use crate::store::skiplist::SkipList;
use crate::store::testing::Random;
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// The lookup, with the value for Value and ValuePointer.
fn get(table: &MemTable, key: &[u8], sequence: SequenceNumber) -> (Lookup, Vec<u8>) {
    let mut value = b"stale".to_vec();
    let found = table.get(&LookupKey::new(key, sequence), &mut value);
    match found {
        Lookup::Value | Lookup::ValuePointer => (found, value),
        Lookup::Deleted | Lookup::NotFound => (found, vec![]),
    }
}

fn value(bytes: &[u8]) -> (Lookup, Vec<u8>) {
    (Lookup::Value, bytes.to_vec())
}

const NOT_FOUND: (Lookup, Vec<u8>) = (Lookup::NotFound, vec![]);

#[test]
fn get_sees_the_newest_entry_at_or_below_its_sequence() {
    let table = MemTable::new();
    table.add(10, ValueType::Value, b"k", b"v10");
    table.add(20, ValueType::Deletion, b"k", b"");
    table.add(30, ValueType::Value, b"k", b"v30");
    table.add(40, ValueType::ValuePointer, b"k", b"ptr");
    assert_eq!(get(&table, b"k", 9), NOT_FOUND);
    assert_eq!(get(&table, b"k", 10), value(b"v10"));
    assert_eq!(get(&table, b"k", 19), value(b"v10"));
    assert_eq!(get(&table, b"k", 20), (Lookup::Deleted, vec![]));
    assert_eq!(get(&table, b"k", 35), value(b"v30"));
    assert_eq!(
        get(&table, b"k", 40),
        (Lookup::ValuePointer, b"ptr".to_vec())
    );
}

#[test]
fn get_does_not_confuse_keys_sharing_a_prefix() {
    let table = MemTable::new();
    table.add(1, ValueType::Value, b"ab", b"x");
    table.add(2, ValueType::Value, b"a", b"y");
    assert_eq!(get(&table, b"a", 5), value(b"y"));
    assert_eq!(get(&table, b"ab", 5), value(b"x"));
    assert_eq!(get(&table, b"", 5), NOT_FOUND);
    assert_eq!(get(&table, b"abc", 5), NOT_FOUND);
    assert_eq!(get(&table, b"b", 5), NOT_FOUND);
    assert_eq!(get(&table, b"a\0", 5), NOT_FOUND);
}

fn describe(iterator: &MemTableIterator) -> String {
    let ParsedInternalKey {
        user_key,
        sequence,
        value_type,
    } = parse_internal_key(iterator.key()).unwrap();
    let key = user_key.escape_ascii();
    match value_type {
        ValueType::Value => format!("Put({key}, {})@{sequence}", iterator.value().escape_ascii()),
        ValueType::Deletion => format!("Delete({key})@{sequence}"),
        ValueType::ValuePointer => format!("Pointer({key})@{sequence}"),
    }
}

#[test]
fn batch_inserts_in_key_order_with_consecutive_sequences() {
    // LevelDB's write_batch_test "Multiple".
    let mut batch = WriteBatch::new();
    batch.put(b"foo", b"bar");
    batch.delete(b"box");
    batch.put(b"baz", b"boo");
    batch.set_sequence(100);
    let table = Arc::new(MemTable::new());
    table.insert_batch(&batch).unwrap();
    let mut iterator = table.iter();
    iterator.seek_to_first();
    let mut seen = String::new();
    while iterator.valid() {
        seen.push_str(&describe(&iterator));
        iterator.next();
    }
    assert_eq!(seen, "Put(baz, boo)@102Delete(box)@101Put(foo, bar)@100");
}

/// Model key: (user key, newest first).
type ModelKey = (Vec<u8>, Reverse<u64>);

fn random_table(random: &mut Random, count: usize) -> (Arc<MemTable>, BTreeMap<ModelKey, Vec<u8>>) {
    let table = Arc::new(MemTable::new());
    let mut model = BTreeMap::new();
    for sequence in 1..=count as u64 {
        let key = format!("{:04}", random.uniform(300)).into_bytes();
        let length = random.uniform(20) as usize;
        let value = random.bytes(length);
        table.add(sequence, ValueType::Value, &key, &value);
        model.insert((key, Reverse(sequence)), value);
    }
    (table, model)
}

fn model_entry(iterator: &MemTableIterator) -> (ModelKey, Vec<u8>) {
    let parsed = parse_internal_key(iterator.key()).unwrap();
    let key = (parsed.user_key.to_vec(), Reverse(parsed.sequence));
    (key, iterator.value().to_vec())
}

#[test]
fn iterator_matches_a_sorted_model_both_ways() {
    let mut random = Random::from_env("memtable_iterator_model");
    let (table, model) = random_table(&mut random, 2000);
    let mut iterator = table.iter();
    iterator.seek_to_first();
    for (key, value) in &model {
        assert_eq!(model_entry(&iterator), (key.clone(), value.clone()));
        iterator.next();
    }
    assert!(!iterator.valid());
    iterator.seek_to_last();
    for (key, value) in model.iter().rev() {
        assert_eq!(model_entry(&iterator), (key.clone(), value.clone()));
        iterator.prev();
    }
    assert!(!iterator.valid());
}

#[test]
fn iterator_seek_lands_on_the_first_entry_at_or_after_the_target() {
    let mut random = Random::from_env("memtable_iterator_seek");
    let (table, model) = random_table(&mut random, 1000);
    let mut iterator = table.iter();
    for _ in 0..500 {
        let user_key = format!("{:04}", random.uniform(310)).into_bytes();
        let sequence = random.uniform(1100);
        iterator.seek(LookupKey::new(&user_key, sequence).internal_key());
        let target = (user_key, Reverse(sequence));
        match model.range(target..).next() {
            Some((key, value)) => assert_eq!(model_entry(&iterator), (key.clone(), value.clone())),
            None => assert!(!iterator.valid()),
        }
    }
}

#[test]
fn preallocated_memtable_answers_like_a_growing_one_past_its_capacity() {
    let small = Arc::new(MemTable::with_capacity(64 * 1024));
    let growing = Arc::new(MemTable::new());
    for sequence in 1..5000u64 {
        let key = (sequence * 7919 % 5000).to_be_bytes();
        let value = vec![sequence as u8; (sequence % 300) as usize];
        small.add(sequence, ValueType::Value, &key, &value);
        growing.add(sequence, ValueType::Value, &key, &value);
    }
    assert!(small.approximate_memory_usage() > 64 * 1024);
    let (mut left, mut right) = (small.iter(), growing.iter());
    left.seek_to_first();
    right.seek_to_first();
    while right.valid() {
        assert!(left.valid());
        assert_eq!((left.key(), left.value()), (right.key(), right.value()));
        left.next();
        right.next();
    }
    assert!(!left.valid());
}

#[test]
fn memory_usage_counts_entries_and_grows() {
    let table = MemTable::new();
    let empty = table.approximate_memory_usage();
    assert!(empty > 0, "the head node lives in the arena");
    for sequence in 1..10_000u64 {
        table.add(
            sequence,
            ValueType::Value,
            &sequence.to_be_bytes(),
            &[0; 100],
        );
    }
    let full = table.approximate_memory_usage();
    assert!(full >= 10_000 * (8 + 8 + 100), "{full}");
    assert!(full <= 10_000 * 200, "{full}: overhead too high");
}

#[test]
fn readers_get_while_a_writer_adds() {
    const KEYS: u64 = 5000;
    let table = Arc::new(MemTable::new());
    let reader_table = table.clone();
    let reader = std::thread::spawn(move || {
        let mut hits = 0;
        let mut value = Vec::new();
        for round in 0..20 {
            for key in 0..KEYS {
                let lookup = LookupKey::new(&key.to_be_bytes(), u64::MAX >> 8);
                match reader_table.get(&lookup, &mut value) {
                    Lookup::Value => {
                        assert_eq!(value, key.to_le_bytes(), "round {round}");
                        hits += 1;
                    }
                    Lookup::NotFound => {}
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
        hits
    });
    for key in 0..KEYS {
        table.add(
            key + 1,
            ValueType::Value,
            &key.to_be_bytes(),
            &key.to_le_bytes(),
        );
    }
    let hits = reader.join().unwrap();
    assert!(hits > 0);
}

/// Write buffer of the microbenchmark's bounded run: LevelDB's default.
const BENCH_WRITE_BUFFER_BYTES: usize = 4 << 20;

/// Run with `cargo test --release --lib memtable_insert_microbench --
/// --ignored --nocapture`: 1M 16-byte keys (`%016d`, random or in order)
/// with 100-byte values, first into one unbounded memtable, then into
/// memtables of 4 MiB replaced when full (what db_bench's fill does).
#[test]
#[ignore = "microbenchmark; run in release"]
fn memtable_insert_microbench() {
    const INSERTS: u64 = 1_000_000;
    let mut random = Random::new(301);
    let random_keys: Vec<Vec<u8>> = (0..INSERTS)
        .map(|_| format!("{:016}", random.uniform(INSERTS)).into_bytes())
        .collect();
    let ordered_keys: Vec<Vec<u8>> = (0..INSERTS)
        .map(|i| format!("{i:016}").into_bytes())
        .collect();
    let value = [b'x'; 100];
    // STRATA_BENCH_ONLY=random or =sequential runs one order (to profile).
    let only = std::env::var("STRATA_BENCH_ONLY").unwrap_or_default();
    for (label, keys) in [("random", &random_keys), ("sequential", &ordered_keys)] {
        if !only.is_empty() && only != label {
            continue;
        }
        for bound in [usize::MAX, BENCH_WRITE_BUFFER_BYTES] {
            let (per_insert, per_get, tables) = bench_fill(keys, &value, bound);
            let size = if bound == usize::MAX {
                "1 table".to_string()
            } else {
                "4 MiB".into()
            };
            println!(
                "memtable {label:10} {size:>8}: {per_insert:7.1} ns/insert, \
                 {per_get:7.1} ns/get ({tables} tables)"
            );
            let (per_insert, per_get) = bench_btree_fill(keys, &value, bound);
            println!(
                "BTreeMap {label:10} {size:>8}: {per_insert:7.1} ns/insert, \
                 {per_get:7.1} ns/get (same machine, same moment, for scale)"
            );
        }
    }
}

/// The same fill into a BTreeMap of (key, Reverse(sequence)) → value,
/// bounded by the same bytes (key + value + 8 per entry): a yardstick for
/// how fast this machine is at the moment of the run.
fn bench_btree_fill(keys: &[Vec<u8>], value: &[u8], bound: usize) -> (f64, f64) {
    let started = std::time::Instant::now();
    let mut map = BTreeMap::new();
    let mut bytes = 0;
    for (sequence, key) in keys.iter().enumerate() {
        if bytes > bound {
            map = BTreeMap::new();
            bytes = 0;
        }
        bytes += key.len() + value.len() + 8;
        map.insert((key.clone(), Reverse(sequence as u64 + 1)), value.to_vec());
    }
    let per_insert = started.elapsed().as_nanos() as f64 / keys.len() as f64;
    let started = std::time::Instant::now();
    let mut hits = 0;
    for key in keys {
        let found = map.range((key.clone(), Reverse(u64::MAX))..).next();
        hits += usize::from(found.is_some_and(|((found, _), _)| found == key));
    }
    assert!(hits > 0);
    let per_get = started.elapsed().as_nanos() as f64 / keys.len() as f64;
    (per_insert, per_get)
}

/// Inserts `keys` into memtables of at most `bound` bytes, then looks each
/// key up in the last table; ns per insert, ns per get, tables used.
fn bench_fill(keys: &[Vec<u8>], value: &[u8], bound: usize) -> (f64, f64, usize) {
    let started = std::time::Instant::now();
    let new_table = || {
        if bound == usize::MAX {
            MemTable::new()
        } else {
            MemTable::with_capacity(bound)
        }
    };
    let mut table = new_table();
    let mut tables = 1;
    for (sequence, key) in keys.iter().enumerate() {
        if table.approximate_memory_usage() > bound {
            table = new_table();
            tables += 1;
        }
        table.add(sequence as u64 + 1, ValueType::Value, key, value);
    }
    let per_insert = started.elapsed().as_nanos() as f64 / keys.len() as f64;
    let started = std::time::Instant::now();
    let mut found_value = Vec::new();
    let mut hits = 0;
    for key in keys {
        let lookup = LookupKey::new(key, u64::MAX >> 8);
        hits += usize::from(table.get(&lookup, &mut found_value) == Lookup::Value);
    }
    assert!(hits > 0);
    let per_get = started.elapsed().as_nanos() as f64 / keys.len() as f64;
    (per_insert, per_get, tables)
}

/// One update in the model: sequence → (type, value).
type History = BTreeMap<u64, (ValueType, Vec<u8>)>;

/// What the model says a get at `sequence` finds.
fn model_get(history: Option<&History>, sequence: u64) -> (Lookup, Vec<u8>) {
    let newest = history.and_then(|updates| updates.range(..=sequence).next_back());
    match newest {
        None => (Lookup::NotFound, vec![]),
        Some((_, (ValueType::Deletion, _))) => (Lookup::Deleted, vec![]),
        Some((_, (ValueType::Value, value))) => (Lookup::Value, value.clone()),
        Some((_, (ValueType::ValuePointer, pointer))) => (Lookup::ValuePointer, pointer.clone()),
    }
}

#[test]
fn gets_at_every_snapshot_match_a_model_of_batches() {
    let mut random = Random::from_env("memtable_snapshot_model");
    let table = MemTable::with_capacity(256 * 1024);
    let mut model: BTreeMap<Vec<u8>, History> = BTreeMap::new();
    let mut next_sequence = 1;
    for _ in 0..400 {
        let mut batch = WriteBatch::new();
        batch.set_sequence(next_sequence);
        for _ in 0..1 + random.uniform(8) {
            let key = format!("k{:03}", random.uniform(150)).into_bytes();
            let length = random.uniform(40) as usize;
            let value = random.bytes(length);
            let value_type = [
                ValueType::Value,
                ValueType::Deletion,
                ValueType::ValuePointer,
            ][random.uniform(3) as usize];
            match value_type {
                ValueType::Value => batch.put(&key, &value),
                ValueType::Deletion => batch.delete(&key),
                ValueType::ValuePointer => batch.put_value_pointer(&key, &value),
            }
            let stored = if value_type == ValueType::Deletion {
                vec![]
            } else {
                value
            };
            let history = model.entry(key).or_default();
            history.insert(next_sequence, (value_type, stored));
            next_sequence += 1;
        }
        table.insert_batch(&batch).unwrap();
    }
    for _ in 0..5000 {
        let key = format!("k{:03}", random.uniform(160)).into_bytes();
        let sequence = random.uniform(next_sequence + 5);
        let expected = model_get(model.get(&key), sequence);
        assert_eq!(
            get(&table, &key, sequence),
            expected,
            "{key:?} at {sequence}"
        );
    }
}

#[test]
fn memtable_is_shared_across_threads_and_its_iterator_can_move() {
    fn shared<T: Send + Sync>() {}
    fn movable<T: Send>() {}
    shared::<MemTable>();
    shared::<SkipList>();
    movable::<MemTableIterator>();
    movable::<crate::store::log::Reader>();
    movable::<crate::store::log::Writer>();
    shared::<crate::store::env::PosixEnv>();
    shared::<crate::store::env::MemEnv>();
    shared::<crate::store::env::FaultEnv>();
}
