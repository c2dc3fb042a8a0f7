//! Skip list tests, after LevelDB's skiplist_test: a model check against a
//! BTreeSet, the packed-key order against dbformat's, and a concurrent test
//! where readers run during inserts.

use super::*;
use crate::store::dbformat::compare_internal_keys;
use crate::store::testing::Random;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn insert(list: &SkipList, key: u64) {
    list.insert(&key.to_be_bytes(), 0, &key.to_le_bytes());
}

fn key_of(list: &SkipList, node: NodeRef) -> u64 {
    let mut bytes = Vec::new();
    list.user_key_into(node, &mut bytes);
    u64::from_be_bytes(bytes.try_into().unwrap())
}

#[test]
fn empty_list_has_no_nodes() {
    let list = SkipList::new();
    assert_eq!(list.first(), None);
    assert_eq!(list.last(), None);
    assert_eq!(list.seek(b"k", 0), None);
    assert_eq!(list.seek_before(b"k", 0), None);
}

#[test]
fn inserted_keys_are_found_and_iterate_in_order_both_ways() {
    let mut random = Random::from_env("skiplist_insert_and_lookup");
    let list = SkipList::new();
    let mut model = BTreeSet::new();
    for _ in 0..2000 {
        let key = random.uniform(5000);
        if model.insert(key) {
            insert(&list, key);
        }
    }
    for probe in 0..5000u64 {
        let seek = list
            .seek(&probe.to_be_bytes(), 0)
            .map(|node| key_of(&list, node));
        assert_eq!(seek, model.range(probe..).next().copied(), "seek {probe}");
        let before = list
            .seek_before(&probe.to_be_bytes(), 0)
            .map(|n| key_of(&list, n));
        assert_eq!(
            before,
            model.range(..probe).next_back().copied(),
            "before {probe}"
        );
    }
    let mut forward = Vec::new();
    let mut node = list.first();
    while let Some(reference) = node {
        forward.push(key_of(&list, reference));
        node = list.next(reference);
    }
    assert_eq!(forward, model.iter().copied().collect::<Vec<_>>());
    let mut backward = Vec::new();
    let mut node = list.last();
    while let Some(reference) = node {
        backward.push(key_of(&list, reference));
        node = list.prev(reference);
    }
    assert_eq!(backward, model.iter().rev().copied().collect::<Vec<_>>());
}

fn internal_key(user_key: &[u8], trailer: u64) -> Vec<u8> {
    let mut key = user_key.to_vec();
    key.extend_from_slice(&trailer.to_le_bytes());
    key
}

#[test]
fn packed_order_matches_internal_key_order_on_tricky_keys() {
    let mut random = Random::from_env("skiplist_packed_order");
    let alphabet = [0u8, 1, 0x7f, 0x80, 0xff];
    let keys: Vec<(Vec<u8>, u64)> = (0..400)
        .map(|_| {
            let length = random.uniform(20) as usize;
            let user_key = (0..length)
                .map(|_| alphabet[random.uniform(5) as usize])
                .collect();
            (user_key, random.uniform(4))
        })
        .collect();
    let list = SkipList::new();
    let mut inserted = BTreeSet::new();
    for (user_key, trailer) in &keys {
        if inserted.insert(internal_key(user_key, *trailer)) {
            list.insert(user_key, *trailer, b"");
        }
        let node = list.seek(user_key, *trailer).unwrap();
        assert!(list.user_key_equals(node, user_key));
        assert_eq!(list.trailer(node), *trailer);
    }
    let mut expected: Vec<Vec<u8>> = inserted.into_iter().collect();
    expected.sort_by(|a, b| compare_internal_keys(a, b));
    let mut node = list.first();
    for key in &expected {
        let reference = node.expect("list ended early");
        let mut found = Vec::new();
        list.user_key_into(reference, &mut found);
        assert_eq!(internal_key(&found, list.trailer(reference)), *key);
        node = list.next(reference);
    }
    assert_eq!(node, None);
}

#[test]
fn values_of_every_size_round_trip() {
    let list = SkipList::new();
    let sizes = (0..40).chain([1000, 2047 * 8, 2049 * 8 + 3, 100_000]);
    for (index, size) in sizes.clone().enumerate() {
        let value: Vec<u8> = (0..size).map(|i| (i * 7 + index) as u8).collect();
        list.insert(&(index as u64).to_be_bytes(), 1, &value);
    }
    for (index, size) in sizes.enumerate() {
        let node = list.seek(&(index as u64).to_be_bytes(), 1).unwrap();
        let mut value = Vec::new();
        list.value_into(node, &mut value);
        let expected: Vec<u8> = (0..size).map(|i| (i * 7 + index) as u8).collect();
        assert_eq!(value, expected, "size {size}");
    }
}

#[test]
fn trailers_order_newest_first_within_a_user_key() {
    let list = SkipList::new();
    for trailer in [5u64 << 8 | 1, 9 << 8 | 1, 7 << 8] {
        list.insert(b"k", trailer, b"");
    }
    let first = list.first().unwrap();
    assert_eq!(list.trailer(first), 9 << 8 | 1);
    assert_eq!(
        list.seek(b"k", 8 << 8 | 2).map(|n| list.trailer(n)),
        Some(7 << 8)
    );
}

#[test]
fn ascending_runs_mixed_with_inserts_in_the_middle_keep_every_level_ordered() {
    // Ascending inserts take the tail-spine shortcut; the inserts in the
    // middle (and at the very front) must leave the spine exact.
    let mut random = Random::from_env("skiplist_ascending_runs");
    let list = SkipList::new();
    let mut model = BTreeSet::new();
    let mut next_ascending = 1_000_000u64;
    for round in 0..4000 {
        let key = if round % 3 == 0 {
            random.uniform(1_000_000)
        } else {
            next_ascending += 1 + random.uniform(3);
            next_ascending
        };
        if model.insert(key) {
            insert(&list, key);
        }
    }
    for probe in (0..next_ascending + 2).step_by(997) {
        let seek = list.seek(&probe.to_be_bytes(), 0).map(|n| key_of(&list, n));
        assert_eq!(seek, model.range(probe..).next().copied(), "seek {probe}");
    }
    let mut forward = Vec::new();
    let mut node = list.first();
    while let Some(reference) = node {
        forward.push(key_of(&list, reference));
        node = list.next(reference);
    }
    assert_eq!(forward, model.iter().copied().collect::<Vec<_>>());
    assert_eq!(list.last().map(|n| key_of(&list, n)), model.last().copied());
    for level in 0..HEIGHT_MAX {
        let mut keys = Vec::new();
        let mut node = list.next_at(list.head, level);
        while node != NONE {
            keys.push(key_of(&list, node));
            node = list.next_at(node, level);
        }
        assert!(keys.is_sorted(), "level {level} out of order");
    }
}

#[test]
#[should_panic(expected = "duplicate key")]
fn appending_the_last_key_again_is_a_programmer_error() {
    let list = SkipList::new();
    insert(&list, 1);
    insert(&list, 2);
    insert(&list, 2);
}

#[test]
#[should_panic(expected = "duplicate key")]
fn inserting_a_duplicate_key_is_a_programmer_error() {
    let list = SkipList::new();
    insert(&list, 7);
    insert(&list, 7);
}

#[test]
fn readers_see_every_key_inserted_before_they_look_and_a_sorted_list() {
    const KEYS: u64 = 20_000;
    let mut random = Random::from_env("skiplist_concurrent");
    // A first region too small for every node: readers cross from it into
    // the chunks while the writer fills them.
    let list = Arc::new(SkipList::with_capacity(256 * 1024));
    let flags = (0..KEYS).map(|_| AtomicBool::new(false)).collect();
    let inserted: Arc<Vec<AtomicBool>> = Arc::new(flags);
    let done = Arc::new(AtomicBool::new(false));
    let mut order: Vec<u64> = (0..KEYS).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, random.uniform(i as u64 + 1) as usize);
    }
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (list, inserted, done) = (list.clone(), inserted.clone(), done.clone());
            std::thread::spawn(move || check_while_writing(&list, &inserted, &done))
        })
        .collect();
    for key in order {
        insert(&list, key);
        inserted[key as usize].store(true, Ordering::Release);
    }
    done.store(true, Ordering::Release);
    for reader in readers {
        assert!(reader.join().unwrap() > 0, "a reader never scanned");
    }
}

/// Scans until `done`; returns how many scans it made.
fn check_while_writing(list: &SkipList, inserted: &[AtomicBool], done: &AtomicBool) -> usize {
    let mut scans = 0;
    loop {
        let finished = done.load(Ordering::Acquire);
        let before: Vec<bool> = inserted.iter().map(|f| f.load(Ordering::Acquire)).collect();
        let mut seen = vec![false; inserted.len()];
        let mut previous = None;
        let mut node = list.first();
        let mut value = Vec::new();
        while let Some(reference) = node {
            let key = key_of(list, reference);
            assert!(previous < Some(key), "list out of order at {key}");
            value.clear();
            list.value_into(reference, &mut value);
            assert_eq!(value, key.to_le_bytes(), "value of {key}");
            seen[key as usize] = true;
            previous = Some(key);
            node = list.next(reference);
        }
        for (key, (&was, &found)) in before.iter().zip(&seen).enumerate() {
            assert!(
                !was || found,
                "key {key} inserted before the scan is missing"
            );
        }
        scans += 1;
        if finished {
            return scans;
        }
    }
}

/// Run with `cargo test --release --lib skiplist_search_microbench --
/// --ignored --nocapture`: 30,000 `%016d` keys (a 4 MiB memtable's worth),
/// in order, so the list stays in the CPU caches and the figure is the
/// CPU cost of a search; reports ns per insert and per seek, best of 5.
#[test]
#[ignore = "microbenchmark; run in release"]
fn skiplist_search_microbench() {
    const KEYS: u64 = 30_000;
    let keys: Vec<Vec<u8>> = (0..KEYS).map(|i| format!("{i:016}").into_bytes()).collect();
    let (mut best_insert, mut best_seek) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        let list = SkipList::with_capacity(4 << 20);
        let started = std::time::Instant::now();
        for key in &keys {
            list.insert(key, 0, b"value");
        }
        best_insert = best_insert.min(started.elapsed().as_nanos() as f64 / KEYS as f64);
        let started = std::time::Instant::now();
        let found = keys
            .iter()
            .filter(|key| list.seek(key, 0).is_some())
            .count();
        best_seek = best_seek.min(started.elapsed().as_nanos() as f64 / KEYS as f64);
        assert_eq!(found, keys.len());
    }
    println!("skiplist in cache: {best_insert:.1} ns/insert, {best_seek:.1} ns/seek");
}
