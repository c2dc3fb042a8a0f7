//! Compaction picking tests: level 0 by file count, other levels by bytes
//! with round-robin compact pointers, manual ranges, input expansion and
//! boundary keys, trivial moves, overlap queries and memtable placement.

use super::*;
use crate::store::version::L0_COMPACTION_TRIGGER_FILES;
use crate::store::version::options::{MAX_FILE_SIZE_DEFAULT_BYTES, max_bytes_for_level};

const MIB: u64 = 1 << 20;

fn input_numbers(
    compaction: &crate::store::version::compaction::Compaction,
    which: usize,
) -> Vec<u64> {
    compaction
        .inputs(which)
        .iter()
        .map(|file| file.meta.number)
        .collect()
}

fn key(user_key: &str) -> InternalKey {
    InternalKey::new(user_key.as_bytes(), 100, ValueType::Value)
}

#[test]
fn level_limits_are_leveldb_s() {
    assert_eq!(max_bytes_for_level(0), 10 * MIB);
    assert_eq!(max_bytes_for_level(1), 10 * MIB);
    assert_eq!(max_bytes_for_level(2), 100 * MIB);
    assert_eq!(max_bytes_for_level(6), 1_000_000 * MIB);
    assert_eq!(VersionOptions::default().max_file_size_bytes, 2 * MIB);
    assert_eq!(MAX_FILE_SIZE_DEFAULT_BYTES, 2 * MIB);
    assert_eq!(
        VersionOptions::default().max_grandparent_overlap_bytes(),
        20 * MIB
    );
}

#[test]
fn level0_is_compacted_at_four_files_with_every_overlapping_table() {
    let three: Vec<(usize, FileMetaData)> = (0..3)
        .map(|index| (0, meta(10 + index, 1000, "a", &format!("m{index}"))))
        .collect();
    let mut set = set_with(&three);
    assert!(!set.needs_compaction());
    assert!(set.pick_compaction().is_none());
    let mut files = three.clone();
    files.push((0, meta(13, 1000, "x", "z")));
    files.push((1, meta(20, 1000, "b", "c")));
    files.push((1, meta(21, 1000, "y", "y")));
    let mut set = set_with(&files);
    assert_eq!(L0_COMPACTION_TRIGGER_FILES, 4);
    assert!(set.needs_compaction());
    let compaction = set.pick_compaction().unwrap();
    assert_eq!(compaction.level(), 0);
    // The first table picked ("a".."m0") overlaps the other two like it,
    // not "x".."z"; level 1's "b".."c" overlaps them.
    let mut level0 = input_numbers(&compaction, 0);
    level0.sort_unstable();
    assert_eq!(level0, vec![10, 11, 12]);
    assert_eq!(input_numbers(&compaction, 1), vec![20]);
    assert!(!compaction.is_trivial_move());
}

#[test]
fn a_level_over_its_byte_limit_is_compacted_round_robin() {
    let files = [
        (1, meta(10, 4 * MIB, "a", "b")),
        (1, meta(11, 4 * MIB, "c", "d")),
        (1, meta(12, 4 * MIB, "e", "f")),
    ];
    let mut set = set_with(&files[..2]);
    assert!(!set.needs_compaction(), "8 MiB is under level 1's 10 MiB");
    let mut set_over = set_with(&files);
    assert!(set_over.needs_compaction());
    let mut picked = Vec::new();
    for _ in 0..4 {
        let compaction = set_over.pick_compaction().unwrap();
        assert_eq!(compaction.level(), 1);
        picked.push(input_numbers(&compaction, 0));
    }
    assert_eq!(picked, vec![vec![10], vec![11], vec![12], vec![10]]);
    assert!(set.pick_compaction().is_none());
}

#[test]
fn compact_pointer_is_recorded_in_the_compaction_edit() {
    let mut set = set_with(&[(2, meta(10, 101 * MIB, "a", "b"))]);
    let mut compaction = set.pick_compaction().unwrap();
    assert_eq!(compaction.level(), 2);
    let pointers = &compaction.edit().compact_pointers;
    assert_eq!(pointers.len(), 1);
    assert_eq!(pointers[0].0, 2);
    assert_eq!(pointers[0].1.user_key(), b"b");
}

#[test]
fn trivial_move_needs_one_input_no_overlap_below_and_little_grandparent_overlap() {
    let mut set = set_with(&[(1, meta(10, MIB, "c", "f"))]);
    let compaction = set.compact_range(1, None, None).unwrap();
    assert!(compaction.is_trivial_move());

    let mut set = set_with(&[(1, meta(10, MIB, "c", "f")), (2, meta(11, MIB, "e", "g"))]);
    let compaction = set.compact_range(1, None, None).unwrap();
    assert_eq!(input_numbers(&compaction, 1), vec![11]);
    assert!(!compaction.is_trivial_move());

    let mut set = set_with(&[
        (1, meta(10, MIB, "c", "f")),
        (3, meta(12, 11 * MIB, "a", "d")),
        (3, meta(13, 10 * MIB, "e", "z")),
    ]);
    let compaction = set.compact_range(1, None, None).unwrap();
    assert_eq!(compaction.grandparents().len(), 2);
    assert!(
        !compaction.is_trivial_move(),
        "21 MiB of grandparents is over 20"
    );

    let mut set = set_with(&[(1, meta(10, MIB, "c", "f")), (1, meta(11, MIB, "g", "h"))]);
    let compaction = set.compact_range(1, None, None).unwrap();
    assert!(!compaction.is_trivial_move(), "two inputs");
}

#[test]
fn add_input_deletions_removes_every_input_from_its_level() {
    let mut set = set_with(&[(1, meta(10, MIB, "c", "f")), (2, meta(11, MIB, "e", "g"))]);
    let compaction = set.compact_range(1, None, None).unwrap();
    let mut edit = VersionEdit::new();
    compaction.add_input_deletions(&mut edit);
    let deleted: Vec<(usize, u64)> = edit.deleted_files.iter().copied().collect();
    assert_eq!(deleted, vec![(1, 10), (2, 11)]);
}

#[test]
fn manual_compaction_above_level0_takes_about_one_output_file_of_inputs() {
    let files: Vec<(usize, FileMetaData)> = (0..6)
        .map(|index| {
            let smallest = format!("k{index}a");
            let largest = format!("k{index}z");
            (1, meta(10 + index, MIB, &smallest, &largest))
        })
        .collect();
    let mut set = set_with(&files);
    let compaction = set
        .compact_range(1, Some(&key("k1")), Some(&key("k5")))
        .unwrap();
    assert_eq!(input_numbers(&compaction, 0), vec![11, 12]);
    assert!(set.compact_range(1, Some(&key("x")), None).is_none());
}

#[test]
fn level_inputs_grow_when_that_adds_no_next_level_table() {
    let mut set = set_with(&[
        (1, meta(10, MIB, "a", "b")),
        (1, meta(11, MIB, "c", "d")),
        (2, meta(20, MIB, "a", "d")),
    ]);
    let compaction = set
        .compact_range(1, Some(&key("a")), Some(&key("a")))
        .unwrap();
    assert_eq!(input_numbers(&compaction, 0), vec![10, 11]);
    assert_eq!(input_numbers(&compaction, 1), vec![20]);

    let mut set = set_with(&[
        (1, meta(10, MIB, "a", "b")),
        (1, meta(11, MIB, "c", "f")),
        (2, meta(20, MIB, "a", "d")),
        (2, meta(21, MIB, "e", "g")),
    ]);
    let compaction = set
        .compact_range(1, Some(&key("a")), Some(&key("a")))
        .unwrap();
    assert_eq!(
        input_numbers(&compaction, 0),
        vec![10],
        "growing would add table 21"
    );
}

#[test]
fn a_user_key_split_across_two_tables_moves_down_whole() {
    // Table 10 ends with k@5 and table 11 starts with k@3: compacting 10
    // alone would move the newer k below the older one.
    let mut set = set_with(&[
        (1, meta_at(10, MIB, ("a", 9), ("k", 5))),
        (1, meta_at(11, MIB, ("k", 3), ("p", 1))),
        (1, meta_at(12, MIB, ("q", 9), ("z", 1))),
    ]);
    let compaction = set
        .compact_range(1, Some(&key("a")), Some(&key("b")))
        .unwrap();
    assert_eq!(input_numbers(&compaction, 0), vec![10, 11]);
}

#[test]
fn is_base_level_for_key_looks_below_the_output_level() {
    let mut set = set_with(&[
        (1, meta(10, MIB, "c", "f")),
        (3, meta(30, MIB, "d", "e")),
        (4, meta(40, MIB, "x", "y")),
    ]);
    let mut compaction = set.compact_range(1, None, None).unwrap();
    assert!(compaction.is_base_level_for_key(b"a"));
    assert!(!compaction.is_base_level_for_key(b"d"));
    assert!(compaction.is_base_level_for_key(b"e1"));
    assert!(!compaction.is_base_level_for_key(b"x"));
    assert!(compaction.is_base_level_for_key(b"z"));
}

#[test]
fn should_stop_before_cuts_outputs_overlapping_too_many_grandparent_bytes() {
    let mut files = vec![(1, meta(10, MIB, "a", "z"))];
    for index in 0..5u64 {
        let name = format!("k{index}");
        files.push((3, meta(30 + index, 8 * MIB, &name, &name)));
    }
    let mut set = set_with(&files);
    let mut compaction = set.compact_range(1, None, None).unwrap();
    assert_eq!(compaction.grandparents().len(), 5);
    let stops: Vec<bool> = ["b", "k0x", "k1x", "k2x", "k3x", "k4x"]
        .iter()
        .map(|user_key| compaction.should_stop_before(key(user_key).encoded()))
        .collect();
    // 8 + 8 + 8 MiB passed > 20 MiB at "k2x"; then the count restarts.
    assert_eq!(stops, vec![false, false, false, true, false, false]);
}

#[test]
fn overlap_queries_match_leveldb_s_cases() {
    let set = set_with(&[
        (1, meta(10, MIB, "150", "200")),
        (1, meta(11, MIB, "201", "250")),
        (1, meta(12, MIB, "300", "350")),
        (1, meta(13, MIB, "400", "450")),
    ]);
    let version = set.current();
    let overlaps = |smallest: Option<&str>, largest: Option<&str>| {
        version.overlap_in_level(1, smallest.map(str::as_bytes), largest.map(str::as_bytes))
    };
    assert!(!overlaps(Some("100"), Some("149")));
    assert!(!overlaps(Some("251"), Some("299")));
    assert!(!overlaps(Some("451"), Some("500")));
    assert!(!overlaps(Some("351"), Some("399")));
    for (smallest, largest) in [
        ("100", "150"),
        ("100", "200"),
        ("100", "300"),
        ("100", "400"),
        ("100", "500"),
        ("375", "400"),
        ("450", "450"),
        ("450", "500"),
    ] {
        assert!(
            overlaps(Some(smallest), Some(largest)),
            "{smallest}..{largest}"
        );
    }
    assert!(!overlaps(None, Some("149")));
    assert!(!overlaps(Some("451"), None));
    assert!(overlaps(None, None));
    assert!(overlaps(None, Some("150")));
    assert!(overlaps(Some("450"), None));
    let level0 = set_with(&[
        (0, meta(10, MIB, "150", "200")),
        (0, meta(11, MIB, "100", "120")),
    ]);
    let version = level0.current();
    assert!(version.overlap_in_level(0, Some(b"121"), Some(b"160")));
    assert!(!version.overlap_in_level(0, Some(b"121"), Some(b"149")));
    assert!(!version.overlap_in_level(0, Some(b"201"), None));
    let inputs = version.overlapping_inputs(0, Some(&key("110")), Some(&key("110")));
    assert_eq!(inputs.len(), 1);
}

#[test]
fn level0_overlapping_inputs_grow_to_cover_every_table_they_touch() {
    let set = set_with(&[
        (0, meta(10, MIB, "a", "c")),
        (0, meta(11, MIB, "b", "e")),
        (0, meta(12, MIB, "d", "g")),
        (0, meta(13, MIB, "x", "z")),
    ]);
    let inputs = set
        .current()
        .overlapping_inputs(0, Some(&key("f")), Some(&key("f")));
    let mut found: Vec<u64> = inputs.iter().map(|file| file.meta.number).collect();
    found.sort_unstable();
    assert_eq!(found, vec![10, 11, 12]);
}

#[test]
fn flushed_memtable_goes_as_deep_as_level_two_when_it_overlaps_nothing() {
    let empty = set_with(&[]);
    assert_eq!(
        empty.current().pick_level_for_memtable_output(b"a", b"b"),
        2
    );
    let cases: [(usize, FileMetaData, usize); 5] = [
        (0, meta(10, MIB, "a", "a"), 0),
        (1, meta(10, MIB, "b", "c"), 0),
        (2, meta(10, MIB, "b", "c"), 1),
        (2, meta(10, 25 * MIB, "x", "y"), 2),
        (3, meta(10, 25 * MIB, "a", "z"), 1),
    ];
    for (level, file, expected) in cases {
        let set = set_with(&[(level, file)]);
        assert_eq!(
            set.current().pick_level_for_memtable_output(b"a", b"b"),
            expected,
            "file at {level}"
        );
    }
    let set = set_with(&[(2, meta(10, 25 * MIB, "a", "z"))]);
    assert_eq!(
        set.current().pick_level_for_memtable_output(b"a", b"b"),
        0,
        "too much overlap two below"
    );
}

/// Applies `compaction` as a compaction would, without tables: a trivial
/// move moves the table; otherwise one output covers all inputs.
fn apply_compaction(
    set: &mut VersionSet,
    mut compaction: crate::store::version::compaction::Compaction,
) {
    let level = compaction.level();
    let mut edit = std::mem::take(compaction.edit());
    compaction.add_input_deletions(&mut edit);
    if compaction.is_trivial_move() {
        edit.add_file(level + 1, compaction.inputs(0)[0].meta.clone());
    } else {
        let inputs: Vec<_> = compaction
            .inputs(0)
            .iter()
            .chain(compaction.inputs(1))
            .collect();
        let smallest = inputs.iter().map(|file| file.meta.smallest.clone());
        let smallest = smallest.min_by(compare_keys).unwrap();
        let largest = inputs.iter().map(|file| file.meta.largest.clone());
        let largest = largest.max_by(compare_keys).unwrap();
        let file_size = inputs.iter().map(|file| file.meta.file_size).sum();
        let number = set.new_file_number();
        let output = FileMetaData {
            number,
            file_size,
            smallest,
            largest,
        };
        edit.add_file(level + 1, output);
    }
    set.log_and_apply(&mut edit).unwrap();
}

fn compare_keys(a: &InternalKey, b: &InternalKey) -> std::cmp::Ordering {
    crate::store::dbformat::compare_internal_keys(a.encoded(), b.encoded())
}

#[test]
fn flushes_and_compactions_keep_every_invariant_and_level0_small() {
    let mut rng = crate::store::testing::Random::from_env("flushes_and_compactions");
    let mut set = set_with(&[]);
    let mut sequence = 1;
    let mut compactions = 0;
    for flush in 0..400 {
        let low = rng.uniform(1000);
        let high = low + 1 + rng.uniform(50);
        let (low, high) = (format!("{low:05}"), format!("{high:05}"));
        let level = set
            .current()
            .pick_level_for_memtable_output(low.as_bytes(), high.as_bytes());
        let number = set.new_file_number();
        let file = meta_at(number, 2 * MIB, (&low, sequence + 1), (&high, sequence));
        sequence += 2;
        let mut edit = VersionEdit::new();
        edit.add_file(level, file);
        set.log_and_apply(&mut edit).unwrap();
        for _ in 0..100 {
            let Some(compaction) = set.pick_compaction() else {
                break;
            };
            assert!(compaction.num_input_files(0) > 0);
            compactions += 1;
            apply_compaction(&mut set, compaction);
        }
        assert!(
            !set.needs_compaction(),
            "flush {flush}: compactions did not converge"
        );
        assert!(
            set.num_level_files(0) < L0_COMPACTION_TRIGGER_FILES,
            "flush {flush}"
        );
        for level in 1..LEVELS - 1 {
            assert!(
                set.num_level_bytes(level) <= max_bytes_for_level(level),
                "flush {flush}"
            );
        }
    }
    assert!(compactions > 50, "{compactions} compactions");
    let levels_used = (1..LEVELS)
        .filter(|&level| set.num_level_files(level) > 0)
        .count();
    assert!(levels_used >= 2, "{}", set.level_summary());
}
