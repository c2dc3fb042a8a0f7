//! Skip list tests, after LevelDB's skiplist_test: a model check against a
//! BTreeSet and a concurrent test where readers run during inserts.

use super::*;
use crate::store::comparator::BytewiseComparator;
use crate::store::testing::Random;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn key_bytes(key: u64) -> Box<[u8]> {
    Box::new(key.to_be_bytes())
}

fn insert(list: &SkipList<BytewiseComparator>, key: u64) {
    list.insert(key_bytes(key), 0, 8);
}

fn key_of(list: &SkipList<BytewiseComparator>, index: u32) -> u64 {
    u64::from_be_bytes(list.key(index).try_into().unwrap())
}

#[test]
fn empty_list_has_no_nodes() {
    let list = SkipList::new(BytewiseComparator);
    assert!(!list.contains(&10u64.to_be_bytes()));
    assert_eq!(list.first(), None);
    assert_eq!(list.last(), None);
    assert_eq!(list.seek(&100u64.to_be_bytes()), None);
    assert_eq!(list.seek_before(&100u64.to_be_bytes()), None);
}

#[test]
fn inserted_keys_are_found_and_iterate_in_order_both_ways() {
    let mut random = Random::from_env("skiplist_insert_and_lookup");
    let list = SkipList::new(BytewiseComparator);
    let mut model = BTreeSet::new();
    for _ in 0..2000 {
        let key = random.uniform(5000);
        if model.insert(key) {
            insert(&list, key);
        }
    }
    for probe in 0..5000u64 {
        assert_eq!(list.contains(&probe.to_be_bytes()), model.contains(&probe));
        let seek = list
            .seek(&probe.to_be_bytes())
            .map(|index| key_of(&list, index));
        assert_eq!(seek, model.range(probe..).next().copied(), "seek {probe}");
        let before = list
            .seek_before(&probe.to_be_bytes())
            .map(|i| key_of(&list, i));
        assert_eq!(
            before,
            model.range(..probe).next_back().copied(),
            "before {probe}"
        );
    }
    let mut forward = Vec::new();
    let mut node = list.first();
    while let Some(index) = node {
        forward.push(key_of(&list, index));
        node = list.next(index);
    }
    assert_eq!(forward, model.iter().copied().collect::<Vec<_>>());
    let mut backward = Vec::new();
    let mut node = list.last();
    while let Some(index) = node {
        backward.push(key_of(&list, index));
        node = list.prev(index);
    }
    assert_eq!(backward, model.iter().rev().copied().collect::<Vec<_>>());
}

#[test]
#[should_panic(expected = "duplicate key")]
fn inserting_a_duplicate_key_is_a_programmer_error() {
    let list = SkipList::new(BytewiseComparator);
    insert(&list, 7);
    insert(&list, 7);
}

#[test]
fn entries_hold_bytes_beyond_the_key() {
    let list = SkipList::new(BytewiseComparator);
    list.insert(Box::new(*b"\x03keyvalue"), 1, 3);
    let index = list.seek(b"key").unwrap();
    assert_eq!(list.key(index), b"key");
    assert_eq!(list.entry(index), b"\x03keyvalue");
}

#[test]
fn readers_see_every_key_inserted_before_they_look_and_a_sorted_list() {
    const KEYS: u64 = 20_000;
    let mut random = Random::from_env("skiplist_concurrent");
    let list = Arc::new(SkipList::new(BytewiseComparator));
    let inserted: Arc<Vec<AtomicBool>> =
        Arc::new((0..KEYS).map(|_| AtomicBool::new(false)).collect());
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
fn check_while_writing(
    list: &SkipList<BytewiseComparator>,
    inserted: &[AtomicBool],
    done: &AtomicBool,
) -> usize {
    let mut scans = 0;
    loop {
        let finished = done.load(Ordering::Acquire);
        let before: Vec<bool> = inserted.iter().map(|f| f.load(Ordering::Acquire)).collect();
        let mut seen = vec![false; inserted.len()];
        let mut previous = None;
        let mut node = list.first();
        while let Some(index) = node {
            let key = key_of(list, index);
            assert!(previous < Some(key), "list out of order at {key}");
            seen[key as usize] = true;
            previous = Some(key);
            node = list.next(index);
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
