//! Iterator tests: the merging iterator against a sorted model under
//! random seeks and direction changes (children from memtables and
//! tables), the level iterator across many small tables, and errors.

use super::test_support::{Entry, internal_key, sort_entries, table_cache, write_table};
use super::*;
use crate::store::dbformat::{ValueType, compare_internal_keys};
use crate::store::env::{Env, MemEnv};
use crate::store::memtable::MemTable;
use crate::store::table::options::TableReadOptions;
use crate::store::testing::Random;
use crate::store::version::version::TableMeta;
use std::cmp::Ordering;
use std::path::Path;
use std::sync::Arc;

const VALUE_TYPES: [ValueType; 3] = [
    ValueType::Deletion,
    ValueType::Value,
    ValueType::ValuePointer,
];

/// `count` entries over `user_keys` user keys, every sequence distinct.
fn random_entries(rng: &mut Random, count: usize, user_keys: u64) -> Vec<Entry> {
    let mut entries: Vec<Entry> = (0..count)
        .map(|index| {
            let user_key = format!("key{:04}", rng.uniform(user_keys));
            let value_type = VALUE_TYPES[rng.uniform(3) as usize];
            let length = rng.uniform(20) as usize;
            let value = rng.bytes(length);
            (
                internal_key(user_key.as_bytes(), index as u64 + 1, value_type),
                value,
            )
        })
        .collect();
    sort_entries(&mut entries);
    entries
}

/// A target to seek: a random user key (present or not) at a random sequence.
fn random_target(rng: &mut Random, user_keys: u64, sequences: u64) -> Vec<u8> {
    let user_key = format!("key{:04}", rng.uniform(user_keys + 2));
    let mut user_key = user_key.into_bytes();
    if rng.uniform(4) == 0 {
        user_key.push(b'!'); // between two keys
    }
    internal_key(
        &user_key,
        rng.uniform(sequences + 2),
        VALUE_TYPES[rng.uniform(3) as usize],
    )
}

/// A cursor over the sorted model.
struct ModelCursor<'a> {
    entries: &'a [Entry],
    position: Option<usize>,
}

impl ModelCursor<'_> {
    fn seek(&mut self, target: &[u8]) {
        let index = self
            .entries
            .partition_point(|entry| compare_internal_keys(&entry.0, target) == Ordering::Less);
        self.position = (index < self.entries.len()).then_some(index);
    }
}

/// Runs random operations on `iterator` and the model side by side.
fn check_against_model(
    rng: &mut Random,
    iterator: &mut dyn InternalIterator,
    model: &[Entry],
    steps: usize,
) {
    let mut cursor = ModelCursor {
        entries: model,
        position: None,
    };
    let sequences = model.len() as u64;
    for step in 0..steps {
        let operation = rng.uniform(10);
        match operation {
            0 => {
                iterator.seek_to_first();
                cursor.position = (!model.is_empty()).then_some(0);
            }
            1 => {
                iterator.seek_to_last();
                cursor.position = model.len().checked_sub(1);
            }
            2 | 3 => {
                let target = random_target(rng, 100, sequences);
                iterator.seek(&target);
                cursor.seek(&target);
            }
            4..=6 if cursor.position.is_some() => {
                iterator.next();
                cursor.position = cursor
                    .position
                    .map(|at| at + 1)
                    .filter(|&at| at < model.len());
            }
            7..=9 if cursor.position.is_some() => {
                iterator.prev();
                cursor.position = cursor.position.and_then(|at| at.checked_sub(1));
            }
            _ => continue,
        }
        assert_eq!(
            iterator.valid(),
            cursor.position.is_some(),
            "step {step} op {operation}"
        );
        if let Some(at) = cursor.position {
            assert_eq!(
                iterator.key(),
                &model[at].0[..],
                "step {step} op {operation}"
            );
            assert_eq!(
                iterator.value(),
                &model[at].1[..],
                "step {step} op {operation}"
            );
        }
        assert!(iterator.status().is_ok());
    }
}

fn memtable_child(entries: &[Entry]) -> BoxedIterator {
    let table = MemTable::new();
    for (key, value) in entries {
        let parsed = crate::store::dbformat::parse_internal_key(key).unwrap();
        table.add(parsed.sequence, parsed.value_type, parsed.user_key, value);
    }
    Box::new(Arc::new(table).iter())
}

#[test]
fn merging_iterator_matches_a_sorted_model_under_random_seeks_and_direction_changes() {
    let mut rng = Random::from_env("merging_iterator_matches_model");
    let env = Arc::new(MemEnv::new());
    let dir = Path::new("/db");
    env.create_dir_all(dir).unwrap();
    let cache = table_cache(env.clone(), dir);
    for round in 0..8 {
        let count = 50 + rng.uniform(600) as usize;
        let model = random_entries(&mut rng, count, 100);
        let children_count = 1 + rng.uniform(6) as usize;
        let mut parts: Vec<Vec<Entry>> = vec![Vec::new(); children_count];
        for entry in &model {
            parts[rng.uniform(children_count as u64) as usize].push(entry.clone());
        }
        let mut children: Vec<BoxedIterator> = vec![Box::new(EmptyIterator::new())];
        for (index, part) in parts.iter().enumerate() {
            if index % 2 == 0 || part.is_empty() {
                children.push(memtable_child(part));
            } else {
                let number = (round * 10 + index) as u64 + 1;
                let meta = write_table(&*env, dir, number, part);
                children.push(cache.iter(TableReadOptions::default(), number, meta.file_size));
            }
        }
        let mut merged = MergingIterator::new(children);
        assert!(!merged.valid());
        check_against_model(&mut rng, &mut merged, &model, 3000);
    }
}

#[test]
fn merging_iterator_of_no_children_is_empty() {
    let mut merged = MergingIterator::new(Vec::new());
    merged.seek_to_first();
    assert!(!merged.valid());
    merged.seek_to_last();
    assert!(!merged.valid());
    merged.seek(b"anything");
    assert!(!merged.valid());
    assert!(merged.status().is_ok());
}

#[test]
fn merging_iterator_stops_when_a_child_reports_an_error() {
    let entries = vec![(internal_key(b"a", 1, ValueType::Value), b"1".to_vec())];
    let error = crate::store::table::error::TableError::corruption(
        &Arc::from("/db/000009.ldb"),
        4096,
        crate::store::table::error::Corruption::BadBlockHandle,
    );
    let children: Vec<BoxedIterator> = vec![
        memtable_child(&entries),
        Box::new(EmptyIterator::with_error(error.clone())),
    ];
    let mut merged = MergingIterator::new(children);
    merged.seek_to_first();
    assert!(
        !merged.valid(),
        "an entry hidden in the damaged child could be newer"
    );
    assert_eq!(merged.status(), Err(error));
}

/// `tables` tables of a few entries each, disjoint and in order.
fn level_of_small_tables(
    env: &dyn Env,
    dir: &Path,
    tables: u64,
) -> (Vec<Arc<TableMeta>>, Vec<Entry>) {
    let mut files = Vec::new();
    let mut model = Vec::new();
    let mut sequence = 1;
    for number in 1..=tables {
        let mut entries = Vec::new();
        for index in 0..(1 + number % 4) {
            let user_key = format!("key{:04}", number * 10 + index);
            // Two versions of some keys, newest first.
            for _ in 0..(1 + index % 2) {
                let key = internal_key(user_key.as_bytes(), sequence, ValueType::Value);
                entries.push((key, format!("v{sequence}").into_bytes()));
                sequence += 1;
            }
        }
        sort_entries(&mut entries);
        let meta = write_table(env, dir, number, &entries);
        files.push(Arc::new(TableMeta::new(meta)));
        model.extend(entries);
    }
    (files, model)
}

#[test]
fn level_iterator_walks_many_small_tables_as_one_sorted_sequence() {
    let mut rng = Random::from_env("level_iterator_walks_many_small_tables");
    let env = Arc::new(MemEnv::new());
    let dir = Path::new("/db");
    env.create_dir_all(dir).unwrap();
    let (files, model) = level_of_small_tables(&*env, dir, 40);
    let cache = table_cache(env.clone(), dir);
    let mut level = LevelIterator::new(cache, TableReadOptions::default(), files);
    let mut forward = Vec::new();
    level.seek_to_first();
    while level.valid() {
        forward.push((level.key().to_vec(), level.value().to_vec()));
        level.next();
    }
    assert_eq!(forward, model);
    let mut backward = Vec::new();
    level.seek_to_last();
    while level.valid() {
        backward.push((level.key().to_vec(), level.value().to_vec()));
        level.prev();
    }
    backward.reverse();
    assert_eq!(backward, model);
    check_against_model(&mut rng, &mut level, &model, 5000);
}

#[test]
fn level_iterator_reports_a_missing_table_instead_of_skipping_it() {
    let env = Arc::new(MemEnv::new());
    let dir = Path::new("/db");
    env.create_dir_all(dir).unwrap();
    let (files, _) = level_of_small_tables(&*env, dir, 3);
    env.remove(&crate::store::filename::table_file_name(dir, 2))
        .unwrap();
    let cache = table_cache(env.clone(), dir);
    let mut level = LevelIterator::new(cache, TableReadOptions::default(), files);
    level.seek_to_first();
    let mut seen = 0;
    while level.valid() {
        seen += 1;
        level.next();
    }
    assert_eq!(seen, 3, "table 1's entries: key0010 once, key0011 twice");
    let error = level.status().unwrap_err();
    assert!(error.to_string().contains("000002.ldb"), "{error}");
}

#[test]
fn level_iterator_over_no_files_is_empty() {
    let env = Arc::new(MemEnv::new());
    let cache = table_cache(env, Path::new("/db"));
    let mut level = LevelIterator::new(cache, TableReadOptions::default(), Vec::new());
    level.seek_to_first();
    assert!(!level.valid());
    level.seek_to_last();
    assert!(!level.valid());
    level.seek(&internal_key(b"a", 1, ValueType::Value));
    assert!(!level.valid());
    assert!(level.status().is_ok());
}

#[test]
fn a_corrupt_block_stops_level_and_merging_iterators_with_an_error_naming_the_table() {
    let memory = MemEnv::new();
    let env = Arc::new(memory.clone());
    let dir = Path::new("/db");
    env.create_dir_all(dir).unwrap();
    let (files, model) = level_of_small_tables(&*env, dir, 3);
    let damaged = crate::store::filename::table_file_name(dir, 2);
    let mut bytes = memory.contents(&damaged).unwrap();
    bytes[3] ^= 0x01; // inside table 2's first data block
    memory.set_contents(&damaged, &bytes).unwrap();
    let cache = table_cache(env.clone(), dir);
    let level = LevelIterator::new(cache, TableReadOptions::default(), files);
    let later = vec![(
        internal_key(b"zzz", 1000, ValueType::Value),
        b"after".to_vec(),
    )];
    let mut merged = MergingIterator::new(vec![Box::new(level), memtable_child(&later)]);
    merged.seek_to_first();
    let mut seen = Vec::new();
    while merged.valid() {
        seen.push(merged.key().to_vec());
        merged.next();
    }
    let table1_entries = 3;
    let expected: Vec<Vec<u8>> = model[..table1_entries]
        .iter()
        .map(|entry| entry.0.clone())
        .collect();
    assert_eq!(
        seen, expected,
        "nothing after the damage, not even the memtable's entry"
    );
    let error = merged.status().unwrap_err();
    assert!(error.is_corruption(), "{error}");
    assert!(error.to_string().contains("000002.ldb"), "{error}");
}
