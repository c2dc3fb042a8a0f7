//! Memtable tests: lookups at sequence numbers, batches, iteration against
//! a BTreeMap model, reads during writes, and an insert microbenchmark.

use super::*;
use crate::store::dbformat::{ParsedInternalKey, parse_internal_key};
use crate::store::testing::Random;
use std::cmp::Reverse;
use std::collections::BTreeMap;

fn get(table: &MemTable, key: &[u8], sequence: SequenceNumber) -> Lookup<'static> {
    match table.get(&LookupKey::new(key, sequence)) {
        Lookup::Value(value) => Lookup::Value(value.to_vec().leak()),
        Lookup::ValuePointer(pointer) => Lookup::ValuePointer(pointer.to_vec().leak()),
        Lookup::Deleted => Lookup::Deleted,
        Lookup::NotFound => Lookup::NotFound,
    }
}

#[test]
fn get_sees_the_newest_entry_at_or_below_its_sequence() {
    let table = MemTable::new();
    table.add(10, ValueType::Value, b"k", b"v10");
    table.add(20, ValueType::Deletion, b"k", b"");
    table.add(30, ValueType::Value, b"k", b"v30");
    table.add(40, ValueType::ValuePointer, b"k", b"ptr");
    assert_eq!(get(&table, b"k", 9), Lookup::NotFound);
    assert_eq!(get(&table, b"k", 10), Lookup::Value(b"v10"));
    assert_eq!(get(&table, b"k", 19), Lookup::Value(b"v10"));
    assert_eq!(get(&table, b"k", 20), Lookup::Deleted);
    assert_eq!(get(&table, b"k", 35), Lookup::Value(b"v30"));
    assert_eq!(get(&table, b"k", 40), Lookup::ValuePointer(b"ptr"));
}

#[test]
fn get_does_not_confuse_keys_sharing_a_prefix() {
    let table = MemTable::new();
    table.add(1, ValueType::Value, b"ab", b"x");
    table.add(2, ValueType::Value, b"a", b"y");
    assert_eq!(get(&table, b"a", 5), Lookup::Value(b"y"));
    assert_eq!(get(&table, b"ab", 5), Lookup::Value(b"x"));
    assert_eq!(get(&table, b"", 5), Lookup::NotFound);
    assert_eq!(get(&table, b"abc", 5), Lookup::NotFound);
    assert_eq!(get(&table, b"b", 5), Lookup::NotFound);
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
fn memory_usage_counts_entries_and_grows() {
    let table = MemTable::new();
    let empty = table.approximate_memory_usage();
    table.add(1, ValueType::Value, &[b'k'; 16], &[b'v'; 100]);
    let one = table.approximate_memory_usage();
    assert!(one >= empty + 16 + 8 + 100 + 2, "{empty} -> {one}");
    for sequence in 2..10_000 {
        table.add(
            sequence,
            ValueType::Value,
            &sequence.to_be_bytes(),
            &[0; 100],
        );
    }
    assert!(table.approximate_memory_usage() >= 10_000 * 110);
}

#[test]
fn readers_get_while_a_writer_adds() {
    const KEYS: u64 = 5000;
    let table = Arc::new(MemTable::new());
    let reader_table = table.clone();
    let reader = std::thread::spawn(move || {
        let mut hits = 0;
        for round in 0..20 {
            for key in 0..KEYS {
                match reader_table.get(&LookupKey::new(&key.to_be_bytes(), u64::MAX >> 8)) {
                    Lookup::Value(value) => {
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

/// Run with `cargo test --release --lib memtable_insert_microbench --
/// --ignored --nocapture`: 1M random 16-byte keys, 100-byte values.
#[test]
#[ignore = "microbenchmark; run in release"]
fn memtable_insert_microbench() {
    const INSERTS: u64 = 1_000_000;
    let mut random = Random::new(301);
    let keys: Vec<Vec<u8>> = (0..INSERTS)
        .map(|_| format!("{:016}", random.uniform(INSERTS)).into_bytes())
        .collect();
    let value = [b'x'; 100];
    for (label, sorted) in [("random", false), ("sequential", true)] {
        let table = MemTable::new();
        let started = std::time::Instant::now();
        for (sequence, key) in keys.iter().enumerate() {
            let key = if sorted {
                format!("{sequence:016}").into_bytes()
            } else {
                key.clone()
            };
            table.add(sequence as u64 + 1, ValueType::Value, &key, &value);
        }
        let elapsed = started.elapsed();
        let per_insert = elapsed.as_nanos() as f64 / INSERTS as f64;
        let memory_mib = table.approximate_memory_usage() as f64 / 1048576.0;
        println!("memtable insert {label:10}: {per_insert:8.1} ns/insert; {memory_mib:.1} MiB");
        let started = std::time::Instant::now();
        for key in keys.iter().take(INSERTS as usize) {
            let found = table.get(&LookupKey::new(key, INSERTS + 1));
            assert!(sorted || matches!(found, Lookup::Value(_)));
        }
        let per_get = started.elapsed().as_nanos() as f64 / INSERTS as f64;
        println!("memtable get    {label:10}: {per_get:8.1} ns/get");
    }
}
