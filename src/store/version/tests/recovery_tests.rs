//! MANIFEST tests: edits applied in sequence equal a model, recovery gives
//! back the same version, a crash at any write of `log_and_apply` recovers
//! to the old or the new version, and damaged bytes are errors naming the
//! file.

use super::*;
use crate::store::env::{FaultEnv, MemEnv, WriteFault};
use crate::store::log;
use crate::store::testing::Random;
use std::collections::BTreeMap;

/// What a test expects of a version set.
#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    levels: [Vec<u64>; LEVELS],
    log_number: u64,
    last_sequence: u64,
}

fn state(set: &VersionSet) -> State {
    State {
        levels: numbers(&set.current()),
        log_number: set.log_number(),
        last_sequence: set.last_sequence(),
    }
}

/// Table `number` covers user keys made from its number, so tables never
/// overlap and may sit at any level.
fn table(number: u64) -> FileMetaData {
    let smallest = format!("{number:08}a");
    let largest = format!("{number:08}z");
    meta(number, 1000 + number, &smallest, &largest)
}

#[test]
fn edits_applied_in_sequence_equal_a_model_and_survive_reopening() {
    let mut rng = Random::from_env("edits_applied_in_sequence_equal_a_model");
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    create_store(&*env);
    let mut set = open_set(Arc::clone(&env)).unwrap();
    let mut model: BTreeMap<u64, usize> = BTreeMap::new();
    for step in 0..200 {
        let mut edit = VersionEdit::new();
        let live: Vec<(u64, usize)> = model.iter().map(|(&n, &l)| (n, l)).collect();
        for _ in 0..rng.uniform(4) {
            let number = set.new_file_number();
            touch_table(&*env, number);
            let level = rng.uniform(LEVELS as u64) as usize;
            edit.add_file(level, table(number));
            model.insert(number, level);
        }
        for _ in 0..rng.uniform(3) {
            if live.is_empty() {
                break;
            }
            let (number, level) = live[rng.uniform(live.len() as u64) as usize];
            edit.remove_file(level, number);
            model.remove(&number);
        }
        if rng.uniform(5) == 0 {
            let log_number = set.new_file_number();
            edit.log_number = Some(log_number);
        }
        set.set_last_sequence(set.last_sequence() + rng.uniform(1000));
        set.log_and_apply(&mut edit).unwrap();
        let mut expected: [Vec<u64>; LEVELS] = Default::default();
        for (&number, &level) in &model {
            expected[level].push(number);
        }
        let before = state(&set);
        assert_eq!(before.levels, expected, "step {step}");
        if rng.uniform(10) == 0 {
            let next_file = set.next_file_number();
            drop(set);
            set = open_set(Arc::clone(&env)).unwrap();
            assert_eq!(state(&set), before, "step {step}: reopened");
            assert!(set.next_file_number() >= next_file);
        }
    }
}

#[test]
fn recovery_gives_back_the_counters_and_compact_pointers() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    create_store(&*env);
    let mut set = open_set(Arc::clone(&env)).unwrap();
    let number = set.new_file_number();
    touch_table(&*env, number);
    let log_number = set.new_file_number();
    let mut edit = VersionEdit::new();
    edit.add_file(2, table(number));
    edit.log_number = Some(log_number);
    edit.set_compact_pointer(2, InternalKey::new(b"pointer", 5, ValueType::Value));
    set.set_last_sequence(77);
    set.log_and_apply(&mut edit).unwrap();
    let manifest = set.manifest_file_number();
    let next = set.next_file_number();
    drop(set);
    let set = open_set(env).unwrap();
    assert_eq!(set.last_sequence(), 77);
    assert_eq!(set.log_number(), log_number);
    assert_eq!(numbers(&set.current())[2], vec![number]);
    assert_eq!(
        set.compact_pointers[2].as_ref().unwrap().user_key(),
        b"pointer"
    );
    assert!(
        set.manifest_file_number() > manifest,
        "a new MANIFEST gets a new number"
    );
    assert!(set.next_file_number() > set.manifest_file_number());
    assert!(set.next_file_number() >= next);
}

/// The deterministic workload of the crash tests: eight edits, with a
/// reopen (hence a new MANIFEST) in the middle. Pushes the state after
/// every successful step; stops at the first error.
fn crash_workload(env: &Arc<dyn Env>, states: &mut Vec<State>) -> Result<(), VersionError> {
    let mut set = open_set(Arc::clone(env))?;
    states.push(state(&set));
    for step in 0..8u64 {
        if step == 4 {
            drop(set);
            set = open_set(Arc::clone(env))?;
        }
        let mut edit = VersionEdit::new();
        edit.add_file((step % 3) as usize, table(100 + step));
        if step >= 2 {
            edit.remove_file(((step - 2) % 3) as usize, 100 + step - 2);
        }
        set.set_last_sequence(set.last_sequence() + 10);
        set.log_and_apply(&mut edit)?;
        states.push(state(&set));
    }
    Ok(())
}

/// A FaultEnv holding a new store and the workload's table files.
fn crash_env() -> (FaultEnv, Arc<dyn Env>) {
    let fault = FaultEnv::in_memory();
    let env: Arc<dyn Env> = Arc::new(fault.clone());
    create_store(&*env);
    for step in 0..8 {
        touch_table(&*env, 100 + step);
    }
    (fault, env)
}

#[test]
fn crash_at_any_write_of_log_and_apply_recovers_the_old_or_the_new_version() {
    let (fault, env) = crash_env();
    let setup_writes = fault.write_count();
    let mut expected = Vec::new();
    crash_workload(&env, &mut expected).unwrap();
    let workload_writes = fault.write_count() - setup_writes;
    assert!(workload_writes >= 10);
    for write in 1..=workload_writes {
        let (fault, env) = crash_env();
        fault.set_power_cut_at_write(fault.write_count() + write);
        let mut states = Vec::new();
        let result = crash_workload(&env, &mut states);
        fault.crash();
        let recovered = state(&open_set(Arc::clone(&env)).unwrap());
        let done = states.len() - 1;
        let old = &expected[done];
        let new = expected.get(done + 1);
        assert!(
            recovered == *old || Some(&recovered) == new,
            "cut at write {write} (result {result:?}): recovered {recovered:?}, old {old:?}"
        );
        assert_eq!(&states[..], &expected[..states.len()]);
    }
}

#[test]
fn failed_syncs_lose_the_edit_and_leave_the_old_version() {
    for failing_step in 0..8 {
        let (fault, env) = crash_env();
        let mut set = open_set(Arc::clone(&env)).unwrap();
        let mut states = vec![state(&set)];
        for step in 0..8u64 {
            fault.set_sync_failing(step == failing_step);
            let mut edit = VersionEdit::new();
            edit.add_file(0, table(100 + step));
            let result = set.log_and_apply(&mut edit);
            if step == failing_step {
                assert!(result.is_err());
                assert_eq!(state(&set), states[states.len() - 1], "not installed");
                break;
            }
            result.unwrap();
            states.push(state(&set));
        }
        fault.crash();
        let recovered = state(&open_set(Arc::clone(&env)).unwrap());
        assert_eq!(
            &recovered,
            states.last().unwrap(),
            "failing step {failing_step}"
        );
    }
}

#[test]
fn log_and_apply_after_a_failed_write_starts_a_new_manifest_and_succeeds() {
    let (fault, env) = crash_env();
    let mut set = open_set(Arc::clone(&env)).unwrap();
    let mut edit = VersionEdit::new();
    edit.add_file(0, table(100));
    set.log_and_apply(&mut edit).unwrap();
    let first_manifest = set.manifest_file_number();
    fault.set_write_fault(fault.write_count() + 1, WriteFault::Short { bytes_kept: 3 });
    let mut edit = VersionEdit::new();
    edit.add_file(0, table(101));
    assert!(set.log_and_apply(&mut edit).is_err());
    assert_eq!(numbers(&set.current())[0], vec![100]);
    let mut edit = VersionEdit::new();
    edit.add_file(1, table(102));
    set.log_and_apply(&mut edit).unwrap();
    assert_ne!(set.manifest_file_number(), first_manifest);
    fault.crash();
    let recovered = open_set(env).unwrap();
    assert_eq!(numbers(&recovered.current())[0], vec![100]);
    assert_eq!(numbers(&recovered.current())[1], vec![102]);
}

/// A store whose one MANIFEST holds a snapshot and five edits; returns
/// the MANIFEST's path and the expected state after each record.
fn store_with_one_manifest() -> (MemEnv, std::path::PathBuf, Vec<State>, usize) {
    let memory = MemEnv::new();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    create_store(&*env);
    let mut set = open_set(Arc::clone(&env)).unwrap();
    let mut states = vec![state(&set)];
    let manifest = filename::descriptor_file_name(dir(), set.manifest_file_number());
    let mut last_record_start = 0;
    for step in 0..5 {
        touch_table(&*env, 100 + step);
        let mut edit = VersionEdit::new();
        edit.add_file(1, table(100 + step));
        if step > 0 {
            last_record_start = memory.contents(&manifest).unwrap().len();
        }
        set.set_last_sequence(set.last_sequence() + 1);
        set.log_and_apply(&mut edit).unwrap();
        states.push(state(&set));
    }
    (memory, manifest, states, last_record_start)
}

#[test]
fn every_flipped_manifest_byte_is_an_error_naming_the_file_or_a_lost_tail() {
    let (memory, manifest, states, last_record_start) = store_with_one_manifest();
    let original = memory.contents(&manifest).unwrap();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    let length_bytes = record_length_offsets(&original);
    assert_eq!(length_bytes.len(), 2 * 6, "snapshot and five edits");
    for offset in 0..original.len() {
        let mut damaged = original.clone();
        damaged[offset] ^= 0x40;
        memory.set_contents(&manifest, &damaged).unwrap();
        match open_set(Arc::clone(&env)) {
            Err(error) => {
                assert!(error.is_corruption(), "offset {offset}: {error}");
                assert!(
                    error.to_string().contains("MANIFEST-"),
                    "offset {offset}: {error}"
                );
            }
            Ok(set) => {
                // Only the last record, or a length that now runs past the
                // end of the file, can be taken for a torn tail.
                let torn = offset >= last_record_start || length_bytes.contains(&offset);
                assert!(torn, "offset {offset} went unnoticed");
                assert!(
                    states.contains(&state(&set)),
                    "offset {offset}: wrong version"
                );
            }
        }
    }
    memory.set_contents(&manifest, &original).unwrap();
    assert_eq!(state(&open_set(env).unwrap()), states[states.len() - 1]);
}

/// Offsets of the two length bytes of each record header of a log file
/// shorter than one block.
fn record_length_offsets(log_bytes: &[u8]) -> Vec<usize> {
    assert!(log_bytes.len() < log::BLOCK_BYTES);
    let mut offsets = Vec::new();
    let mut at = 0;
    while at + log::HEADER_BYTES <= log_bytes.len() {
        offsets.extend([at + 4, at + 5]);
        let length = u16::from_le_bytes([log_bytes[at + 4], log_bytes[at + 5]]) as usize;
        at += log::HEADER_BYTES + length;
    }
    offsets
}

/// Replaces the MANIFEST CURRENT names with one holding `records`.
fn write_manifest(memory: &MemEnv, records: &[Vec<u8>]) -> std::path::PathBuf {
    let path = filename::descriptor_file_name(dir(), 1);
    let mut writer = log::Writer::new(memory.new_writable(&path).unwrap());
    for record in records {
        writer.add_record(record).unwrap();
    }
    writer.sync().unwrap();
    path
}

fn encoded(edit: &VersionEdit) -> Vec<u8> {
    let mut bytes = Vec::new();
    edit.encode(&mut bytes);
    bytes
}

fn base_edit() -> VersionEdit {
    let mut edit = VersionEdit::new();
    edit.comparator = Some("leveldb.BytewiseComparator".into());
    edit.log_number = Some(0);
    edit.next_file_number = Some(1000);
    edit.last_sequence = Some(0);
    edit
}

#[test]
fn well_checksummed_but_invalid_manifest_records_are_errors_naming_file_and_offset() {
    let memory = MemEnv::new();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    create_store(&*env);
    let path = write_manifest(&memory, &[encoded(&base_edit()), vec![0xff, 0xff]]);
    let error = open_set(Arc::clone(&env)).unwrap_err();
    assert!(
        matches!(&error, VersionError::BadEdit { file, offset, .. }
        if *file == path && *offset > 0),
        "{error}"
    );

    let mut other = base_edit();
    other.comparator = Some("my.ReverseComparator".into());
    write_manifest(&memory, &[encoded(&other)]);
    let error = open_set(Arc::clone(&env)).unwrap_err();
    assert!(
        matches!(error, VersionError::ComparatorMismatch { .. }),
        "{error}"
    );

    write_manifest(&memory, &[encoded(&VersionEdit::new())]);
    let error = open_set(Arc::clone(&env)).unwrap_err();
    assert!(
        matches!(error, VersionError::ManifestIncomplete { .. }),
        "{error}"
    );

    let mut overlapping = base_edit();
    overlapping.add_file(1, meta(7, 10, "a", "m"));
    let mut second = VersionEdit::new();
    second.add_file(1, meta(8, 10, "k", "z"));
    write_manifest(&memory, &[encoded(&overlapping), encoded(&second)]);
    let error = open_set(Arc::clone(&env)).unwrap_err();
    assert!(
        matches!(&error, VersionError::InconsistentEdit { offset, .. } if *offset > 0),
        "{error}"
    );
}

#[test]
fn current_must_name_a_manifest_and_end_with_a_newline() {
    let memory = MemEnv::new();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    create_store(&*env);
    let current = filename::current_file_name(dir());
    for (contents, bad_current) in [
        (&b"MANIFEST-000001"[..], true),
        (b"000001.log\n", true),
        (b"MANIFEST-000099\n", false),
    ] {
        memory.set_contents(&current, contents).unwrap();
        let error = open_set(Arc::clone(&env)).unwrap_err();
        if bad_current {
            assert!(matches!(&error, VersionError::BadCurrent { file, .. } if *file == current));
        } else {
            assert!(error.to_string().contains("MANIFEST-000099"), "{error}");
        }
    }
    env.remove(&current).unwrap();
    let error = open_set(env).unwrap_err();
    assert!(
        matches!(&error, VersionError::Io { kind, .. } if *kind == std::io::ErrorKind::NotFound)
    );
}

#[test]
fn missing_tables_are_an_error_and_paranoid_checks_also_compare_sizes() {
    let memory = MemEnv::new();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    create_store(&*env);
    let mut set = open_set(Arc::clone(&env)).unwrap();
    touch_table(&*env, 100);
    let mut edit = VersionEdit::new();
    edit.add_file(0, table(100));
    edit.add_file(1, table(101));
    set.log_and_apply(&mut edit).unwrap();
    let error = open_set(Arc::clone(&env)).err().unwrap();
    assert!(
        matches!(&error, VersionError::MissingTables { count: 1, first }
        if first.ends_with("000101.ldb")),
        "{error}"
    );
    touch_table(&*env, 101);
    open_set(Arc::clone(&env)).unwrap();
    let paranoid = VersionOptions {
        paranoid_checks: true,
        ..VersionOptions::default()
    };
    let error = open_set_with(Arc::clone(&env), paranoid).err().unwrap();
    assert!(
        matches!(
            error,
            VersionError::TableSizeMismatch {
                actual_bytes: 0,
                ..
            }
        ),
        "{error}"
    );
    for number in [100, 101] {
        let path = filename::table_file_name(dir(), number);
        env::write_file(&*env, &path, &vec![0; 1000 + number as usize], true).unwrap();
    }
    open_set_with(env, paranoid).unwrap();
}

#[test]
fn live_files_include_tables_of_versions_readers_still_hold() {
    let mut set = set_with(&[(1, table(100)), (1, table(101))]);
    let held = set.current();
    let mut edit = VersionEdit::new();
    edit.remove_file(1, 100);
    set.log_and_apply(&mut edit).unwrap();
    assert_eq!(
        set.live_files().into_iter().collect::<Vec<_>>(),
        vec![100, 101]
    );
    drop(held);
    assert_eq!(set.live_files().into_iter().collect::<Vec<_>>(), vec![101]);
}

#[test]
fn files_numbered_past_the_recorded_counter_are_never_handed_out_again() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    create_store(&*env);
    let set = open_set(Arc::clone(&env)).unwrap();
    let recorded_next = set.next_file_number();
    drop(set);
    // A WAL and a value log made after the last edit, before a crash.
    let log = filename::log_file_name(dir(), recorded_next + 5);
    env::write_file(&*env, &log, b"", true).unwrap();
    let vlog = filename::vlog_file_name(dir(), recorded_next + 9);
    env::write_file(&*env, &vlog, b"", true).unwrap();
    let mut set = open_set(env).unwrap();
    assert!(set.new_file_number() > recorded_next + 9);
}

#[test]
fn file_numbers_taken_while_an_edit_is_written_stay_distinct() {
    let env: Arc<dyn Env> = Arc::new(MemEnv::new());
    create_store(&*env);
    let mut set = open_set(Arc::clone(&env)).unwrap();
    touch_table(&*env, 100);
    set.mark_file_number_used(100);
    let mut edit = VersionEdit::new();
    edit.add_file(0, table(100));
    let mut pending = set.begin_apply(&mut edit);
    assert_eq!(pending.edit().next_file_number, Some(101));
    // The Db's lock is released here: other threads take numbers.
    let taken = set.new_file_number();
    pending.write();
    set.finish_apply(pending).unwrap();
    assert!(set.new_file_number() > taken);
    assert_eq!(numbers(&set.current())[0], vec![100]);
    assert_eq!(numbers(&open_set(env).unwrap().current())[0], vec![100]);
}

#[test]
#[should_panic(expected = "another version edit is pending")]
fn two_pending_edits_at_once_are_a_programmer_error() {
    let mut set = set_with(&[]);
    let _pending = set.begin_apply(&mut VersionEdit::new());
    let _second = set.begin_apply(&mut VersionEdit::new());
}

#[test]
fn obsolete_files_are_old_logs_manifests_and_dead_tables_only() {
    let mut set = set_with(&[(1, table(100)), (1, table(101))]);
    let log_number = set.new_file_number();
    let mut edit = VersionEdit::new();
    edit.log_number = Some(log_number);
    edit.remove_file(1, 100);
    set.log_and_apply(&mut edit).unwrap();
    let manifest = set.manifest_file_number();
    let name = |path: std::path::PathBuf| path.file_name().unwrap().to_str().unwrap().to_string();
    let children: Vec<String> = vec![
        name(filename::log_file_name(dir(), log_number - 1)),
        name(filename::log_file_name(dir(), log_number)),
        name(filename::descriptor_file_name(dir(), manifest - 1)),
        name(filename::descriptor_file_name(dir(), manifest)),
        name(filename::table_file_name(dir(), 100)),
        name(filename::table_file_name(dir(), 101)),
        name(filename::table_file_name(dir(), 102)),
        name(filename::temp_file_name(dir(), 103)),
        name(filename::vlog_file_name(dir(), 1)),
        "CURRENT".into(),
        "LOCK".into(),
        "LOG".into(),
        "notes.txt".into(),
    ];
    let pending: std::collections::BTreeSet<u64> = [102].into();
    let obsolete = set.obsolete_files(&children, &pending);
    let expected = vec![
        children[0].clone(),
        children[2].clone(),
        children[4].clone(),
        children[7].clone(),
    ];
    assert_eq!(obsolete, expected);
}
