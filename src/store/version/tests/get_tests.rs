//! Point lookups across real tables: level 0 newest first, deletions hide
//! older values, value pointers pass through, seek statistics nominate a
//! table for compaction, and every table of a version can be iterated.

use super::*;
use crate::store::dbformat::LookupKey;
use crate::store::env::MemEnv;
use crate::store::iter::test_support::{Entry, internal_key, write_table};
use crate::store::iter::{InternalIterator, MergingIterator};
use crate::store::memtable::Lookup;
use crate::store::table::options::TableReadOptions;

fn entry(user_key: &str, sequence: u64, value_type: ValueType, value: &str) -> Entry {
    (
        internal_key(user_key.as_bytes(), sequence, value_type),
        value.as_bytes().to_vec(),
    )
}

/// Tables: L0 #1 {a@1 "old", b@2 "b"}, L0 #2 {a@3 deleted}, L0 #3
/// {a@4.."z"@5 spanning everything, holding neither c nor d}, L1 #4 {c@0
/// pointer, d@0 "d"}.
fn store() -> VersionSet {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    create_store(&*env);
    let tables: [(usize, u64, Vec<Entry>); 4] = [
        (
            0,
            10,
            vec![
                entry("a", 1, ValueType::Value, "old"),
                entry("b", 2, ValueType::Value, "b"),
            ],
        ),
        (0, 11, vec![entry("a", 3, ValueType::Deletion, "")]),
        (
            0,
            12,
            vec![
                entry("a", 4, ValueType::Value, "a4"),
                entry("z", 5, ValueType::Value, "z"),
            ],
        ),
        (
            1,
            13,
            vec![
                entry("c", 0, ValueType::ValuePointer, "ptr"),
                entry("d", 0, ValueType::Value, "d"),
            ],
        ),
    ];
    let mut set = open_set(Arc::clone(&env)).unwrap();
    let mut edit = VersionEdit::new();
    for (level, number, entries) in &tables {
        set.mark_file_number_used(*number);
        edit.add_file(*level, write_table(&*env, dir(), *number, entries));
    }
    set.log_and_apply(&mut edit).unwrap();
    set
}

fn get(version: &Version, user_key: &str, sequence: u64) -> (Lookup, Vec<u8>) {
    let mut value = Vec::new();
    let lookup = LookupKey::new(user_key.as_bytes(), sequence);
    let (found, _) = version
        .get(&TableReadOptions::default(), &lookup, &mut value)
        .unwrap();
    (found, value)
}

#[test]
fn get_reads_level0_newest_first_then_one_table_per_level() {
    let set = store();
    let version = set.current();
    assert_eq!(get(&version, "a", 100), (Lookup::Value, b"a4".to_vec()));
    assert_eq!(get(&version, "a", 3).0, Lookup::Deleted);
    assert_eq!(get(&version, "a", 2), (Lookup::Value, b"old".to_vec()));
    assert_eq!(get(&version, "a", 0).0, Lookup::NotFound);
    assert_eq!(get(&version, "b", 100), (Lookup::Value, b"b".to_vec()));
    assert_eq!(
        get(&version, "c", 100),
        (Lookup::ValuePointer, b"ptr".to_vec())
    );
    assert_eq!(get(&version, "d", 100), (Lookup::Value, b"d".to_vec()));
    assert_eq!(get(&version, "e", 100).0, Lookup::NotFound);
    assert_eq!(get(&version, "0", 100).0, Lookup::NotFound);
}

#[test]
fn seeks_through_a_table_that_misses_nominate_it_for_compaction() {
    let mut set = store();
    let version = set.current();
    assert!(!set.needs_compaction());
    let lookup = LookupKey::new(b"c", 100);
    let mut value = Vec::new();
    let mut nominated_after = None;
    for attempt in 1..=200 {
        let (found, stats) = version
            .get(&TableReadOptions::default(), &lookup, &mut value)
            .unwrap();
        assert_eq!(found, Lookup::ValuePointer);
        let (level, file) = stats.seek_file.clone().expect("table 12 was read in vain");
        assert_eq!((level, file.meta.number), (0, 12));
        if version.update_stats(&stats) {
            nominated_after = Some(attempt);
            break;
        }
    }
    assert_eq!(nominated_after, Some(100), "small tables allow 100 seeks");
    assert!(set.needs_compaction());
    let compaction = set.pick_compaction().unwrap();
    assert_eq!(compaction.level(), 0);
    assert!(
        compaction
            .inputs(0)
            .iter()
            .any(|file| file.meta.number == 12)
    );
}

#[test]
fn add_iterators_merged_yield_every_entry_of_every_table() {
    let set = store();
    let mut children = Vec::new();
    set.current()
        .add_iterators(TableReadOptions::default(), &mut children);
    assert_eq!(children.len(), 4, "three level-0 tables and level 1");
    let mut merged = MergingIterator::new(children);
    merged.seek_to_first();
    let mut keys = Vec::new();
    while merged.valid() {
        let parsed = crate::store::dbformat::parse_internal_key(merged.key()).unwrap();
        keys.push((
            String::from_utf8(parsed.user_key.to_vec()).unwrap(),
            parsed.sequence,
        ));
        merged.next();
    }
    let expected = [
        ("a", 4),
        ("a", 3),
        ("a", 1),
        ("b", 2),
        ("c", 0),
        ("d", 0),
        ("z", 5),
    ];
    let expected: Vec<(String, u64)> = expected.iter().map(|(k, s)| (k.to_string(), *s)).collect();
    assert_eq!(keys, expected);
}

#[test]
fn compaction_input_iterator_merges_both_levels() {
    let mut set = store();
    let compaction = set.compact_range(0, None, None).unwrap();
    assert_eq!(compaction.num_input_files(0), 3);
    assert_eq!(compaction.num_input_files(1), 1);
    let mut input = set.make_input_iterator(&compaction);
    input.seek_to_first();
    let mut count = 0;
    while input.valid() {
        count += 1;
        input.next();
    }
    assert_eq!(count, 7);
    assert!(input.status().is_ok());
}

#[test]
fn approximate_offsets_grow_with_the_key() {
    let set = store();
    let version = set.current();
    let total: u64 = (0..LEVELS).map(|level| version.level_bytes(level)).sum();
    let before_all = version.approximate_offset_of(&internal_key(b"0", 100, ValueType::Value));
    let middle = version.approximate_offset_of(&internal_key(b"c", 100, ValueType::Value));
    let after_all = version.approximate_offset_of(&internal_key(b"zz", 100, ValueType::Value));
    assert_eq!(before_all, 0);
    assert!(middle > 0 && middle < total, "{middle} of {total}");
    assert_eq!(after_all, total);
}

#[test]
fn concurrent_gets_share_one_version_and_table_cache() {
    let set = store();
    let version = set.current();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let version = Arc::clone(&version);
            scope.spawn(move || {
                for _ in 0..200 {
                    assert_eq!(get(&version, "a", 100), (Lookup::Value, b"a4".to_vec()));
                    assert_eq!(get(&version, "c", 100).0, Lookup::ValuePointer);
                    assert_eq!(get(&version, "e", 100).0, Lookup::NotFound);
                }
            });
        }
    });
}

#[test]
fn a_table_entry_that_is_not_an_internal_key_is_an_error_naming_the_table() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    create_store(&*env);
    let mut set = open_set(Arc::clone(&env)).unwrap();
    set.mark_file_number_used(20);
    // Two bytes: too short for an internal key (damage that passed the
    // block checksum, or a table written by something else).
    let mut file = write_table(&*env, dir(), 20, &[(b"ab".to_vec(), b"v".to_vec())]);
    file.smallest = InternalKey::new(b"a", 100, ValueType::Value);
    file.largest = InternalKey::new(b"b", 100, ValueType::Value);
    let mut edit = VersionEdit::new();
    edit.add_file(1, file);
    set.log_and_apply(&mut edit).unwrap();
    let mut value = Vec::new();
    let lookup = LookupKey::new(b"a", 100);
    let error = set
        .current()
        .get(&TableReadOptions::default(), &lookup, &mut value)
        .unwrap_err();
    assert!(
        matches!(&error, VersionError::BadTableKey { file, .. } if file.ends_with("000020.ldb")),
        "{error}"
    );
    assert!(error.is_corruption());
}

#[test]
fn read_samples_over_overlapping_tables_charge_seeks_to_the_first() {
    let set = store();
    let version = set.current();
    let sample = internal_key(b"c", 100, ValueType::Value);
    let nominated = (1..=150).find(|_| version.record_read_sample(&sample));
    assert_eq!(nominated, Some(100));
    let (level, file) = version.file_to_compact().unwrap();
    assert_eq!((level, file.meta.number), (0, 12));
    let lone = internal_key(b"zz", 100, ValueType::Value);
    assert!(
        !version.record_read_sample(&lone),
        "one table: no seek to charge"
    );
}
