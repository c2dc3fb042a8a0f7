//! Tests of the writer: file header, rolling by size, limits, stopping
//! after a failed write or fsync, and what sync makes durable.

use super::{dir, mem_env, numbers_from, pattern, writer_in};
use crate::store::env::{Env, FaultEnv, WriteFault};
use crate::store::vlog::format::FILE_HEADER_BYTES;
use crate::store::vlog::{
    KEY_BYTES_MAX, RecordScanner, SEALED_UNSYNCED_FILES_MAX, VALUE_BYTES_MAX, VlogError, VlogFile,
    VlogWriter, VlogWriterOptions, vlog_file_name,
};
use std::sync::Arc;

fn fault_env() -> (FaultEnv, Arc<dyn Env>) {
    let fault = FaultEnv::in_memory();
    fault.create_dir_all(dir()).unwrap();
    let env: Arc<dyn Env> = Arc::new(fault.clone());
    (fault, env)
}

#[test]
fn new_file_starts_with_the_file_header_and_numbers_come_from_the_caller() {
    let (memory, env) = mem_env();
    let writer = writer_in(&env, 42, 1 << 20);
    assert_eq!(writer.file_number(), 42);
    assert_eq!(writer.path(), vlog_file_name(dir(), 42));
    assert_eq!(writer.file_bytes(), FILE_HEADER_BYTES);
    let bytes = memory.contents(&vlog_file_name(dir(), 42)).unwrap();
    assert_eq!(&bytes[..8], b"STRAVLOG");
    assert!(VlogFile::open(env.as_ref(), dir(), 42).is_ok());
}

#[test]
fn writer_rolls_before_a_record_would_pass_the_target_and_never_splits_one() {
    let (memory, env) = mem_env();
    let target = 1000;
    let mut writer = writer_in(&env, 10, target);
    let mut written = Vec::new();
    for index in 0..30u64 {
        let value = pattern(index, 100 + 37 * index as usize);
        let pointer = writer.add(&index.to_le_bytes(), &value).unwrap();
        assert_eq!(pointer.file_number, writer.file_number());
        assert_eq!(pointer.end_offset(), writer.file_bytes());
        written.push((pointer, value));
    }
    writer.sync().unwrap();
    assert!(
        writer.file_number() > 12,
        "rolled only to {}",
        writer.file_number()
    );
    for (pointer, value) in &written {
        let file = VlogFile::open(env.as_ref(), dir(), pointer.file_number).unwrap();
        assert!(file.get(pointer).unwrap() == *value);
        let file_bytes = memory.file_size(file.path()).unwrap();
        let alone = pointer.offset == FILE_HEADER_BYTES && pointer.end_offset() == file_bytes;
        assert!(
            file_bytes <= target || alone,
            "file {} is {file_bytes}",
            pointer.file_number
        );
    }
}

#[test]
fn record_larger_than_the_target_gets_a_file_of_its_own() {
    let (_memory, env) = mem_env();
    let mut writer = writer_in(&env, 1, 200);
    let small = writer.add(b"a", &pattern(1, 10)).unwrap();
    let large = writer.add(b"b", &pattern(2, 5000)).unwrap();
    let after = writer.add(b"c", &pattern(3, 10)).unwrap();
    assert_eq!(
        (small.file_number, large.file_number, after.file_number),
        (1, 2, 3)
    );
    assert_eq!(large.offset, FILE_HEADER_BYTES);
}

#[test]
fn too_large_key_or_value_is_refused_and_nothing_is_written() {
    let (_memory, env) = mem_env();
    let mut writer = writer_in(&env, 1, 1 << 30);
    let long_key = vec![7u8; KEY_BYTES_MAX as usize + 1];
    let found = writer.add(&long_key, b"v");
    assert!(
        matches!(found, Err(VlogError::TooLarge { .. })),
        "{found:?}"
    );
    let long_value = vec![0u8; VALUE_BYTES_MAX as usize + 1];
    let found = writer.add(b"k", &long_value);
    assert!(
        matches!(found, Err(VlogError::TooLarge { .. })),
        "{found:?}"
    );
    assert_eq!(writer.file_bytes(), FILE_HEADER_BYTES);
    let pointer = writer.add(b"k", b"still writing").unwrap();
    assert_eq!(pointer.offset, FILE_HEADER_BYTES);
}

#[test]
fn writer_refuses_every_call_after_a_failed_write() {
    for fault in [WriteFault::Fail, WriteFault::Short { bytes_kept: 3 }] {
        let (fault_env, env) = fault_env();
        let mut writer = writer_in(&env, 1, 1 << 20);
        writer.add(b"a", &pattern(1, 100)).unwrap();
        fault_env.set_write_fault(fault_env.write_count() + 2, fault);
        let found = writer.add(b"b", &pattern(2, 100));
        assert!(matches!(found, Err(VlogError::Io { .. })), "{found:?}");
        let found = writer.add(b"c", &pattern(3, 100));
        assert!(
            matches!(found, Err(VlogError::WriterFailed { .. })),
            "{found:?}"
        );
        assert!(matches!(writer.sync(), Err(VlogError::WriterFailed { .. })));
        assert!(matches!(writer.roll(), Err(VlogError::WriterFailed { .. })));
    }
}

#[test]
fn failed_sync_stops_the_writer() {
    let (fault_env, env) = fault_env();
    let mut writer = writer_in(&env, 1, 1 << 20);
    writer.add(b"a", &pattern(1, 100)).unwrap();
    fault_env.set_sync_failing(true);
    assert!(matches!(writer.sync(), Err(VlogError::Io { .. })));
    fault_env.set_sync_failing(false);
    assert!(matches!(writer.sync(), Err(VlogError::WriterFailed { .. })));
}

#[test]
fn sync_makes_records_and_the_new_file_durable_and_unsynced_records_may_vanish() {
    let (memory, env) = mem_env();
    let mut writer = writer_in(&env, 1, 1 << 20);
    let synced = writer.add(b"a", &pattern(1, 5000)).unwrap();
    writer.sync().unwrap();
    writer.add(b"b", &pattern(2, 5000)).unwrap();
    memory.crash();
    let (records, end) = RecordScanner::open(env.as_ref(), dir(), 1, true)
        .unwrap()
        .scan_all()
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].pointer, synced);
    assert_eq!(end.valid_bytes(), synced.end_offset());
}

#[test]
fn unsynced_new_file_is_gone_after_a_crash() {
    let (memory, env) = mem_env();
    let mut writer = writer_in(&env, 1, 1 << 20);
    writer.add(b"a", &pattern(1, 10)).unwrap();
    memory.crash();
    assert!(!env.exists(&vlog_file_name(dir(), 1)));
}

#[test]
fn rolling_syncs_the_old_file_so_one_sync_covers_every_record() {
    let (memory, env) = mem_env();
    let options = VlogWriterOptions {
        file_bytes_target: 300,
    };
    let mut writer = VlogWriter::create(env.clone(), dir(), options, numbers_from(1)).unwrap();
    let pointers: Vec<_> = (0..6u8)
        .map(|index| {
            writer
                .add(&[index], &pattern(u64::from(index), 200))
                .unwrap()
        })
        .collect();
    writer.sync().unwrap();
    memory.crash();
    for pointer in &pointers {
        let file = VlogFile::open(env.as_ref(), dir(), pointer.file_number).unwrap();
        assert!(file.get(pointer).is_ok(), "{pointer:?} lost");
    }
}

#[test]
fn rolling_by_size_does_not_wait_on_the_disk_and_the_next_sync_covers_the_sealed_file() {
    let (fault_env, env) = fault_env();
    let mut writer = writer_in(&env, 1, 300);
    let first = writer.add(b"a", &pattern(1, 200)).unwrap();
    fault_env.set_sync_failing(true);
    // Past the target: file 1 is sealed without a sync (which would fail).
    let second = writer.add(b"b", &pattern(2, 200)).unwrap();
    assert_eq!((first.file_number, second.file_number), (1, 2));
    assert!(matches!(writer.sync(), Err(VlogError::Io { .. })));
}

#[test]
fn sealed_file_is_lost_in_a_crash_before_the_next_sync_and_kept_after_it() {
    for sync_before_crash in [false, true] {
        let (memory, env) = mem_env();
        let mut writer = writer_in(&env, 1, 300);
        let sealed = writer.add(b"a", &pattern(1, 200)).unwrap();
        writer.add(b"b", &pattern(2, 200)).unwrap();
        if sync_before_crash {
            writer.sync().unwrap();
        }
        memory.crash();
        let kept = VlogFile::open(env.as_ref(), dir(), sealed.file_number)
            .ok()
            .is_some_and(|file| file.get(&sealed).is_ok());
        assert_eq!(kept, sync_before_crash);
    }
}

#[test]
fn a_roll_syncs_the_oldest_sealed_file_when_the_most_wait() {
    let (memory, env) = mem_env();
    let mut writer = writer_in(&env, 1, 300);
    let mut pointers = Vec::new();
    for index in 0..=SEALED_UNSYNCED_FILES_MAX as u8 + 1 {
        pointers.push(
            writer
                .add(&[index], &pattern(u64::from(index), 200))
                .unwrap(),
        );
    }
    memory.crash();
    // Files 1.. are each one record; only the newest sealed ones (at most
    // the bound) and the current one wait for a sync.
    let durable = pointers.len() - SEALED_UNSYNCED_FILES_MAX - 1;
    for (index, pointer) in pointers.iter().enumerate() {
        let file = VlogFile::open(env.as_ref(), dir(), pointer.file_number);
        let kept = file.ok().is_some_and(|file| file.get(pointer).is_ok());
        assert_eq!(kept, index < durable, "record {index}");
    }
}

#[test]
fn sync_with_nothing_new_does_not_touch_the_file() {
    let (fault_env, env) = fault_env();
    let mut writer = writer_in(&env, 1, 1 << 20);
    writer.add(b"a", &pattern(1, 100)).unwrap();
    writer.sync().unwrap();
    fault_env.set_sync_failing(true);
    writer.sync().unwrap();
    writer.add(b"b", &pattern(2, 100)).unwrap();
    assert!(matches!(writer.sync(), Err(VlogError::Io { .. })));
}

#[test]
fn unsynced_file_numbers_name_the_current_file_and_the_sealed_ones_waiting() {
    let (_memory, env) = mem_env();
    let target = 1000;
    let mut writer = writer_in(&env, 10, target);
    assert_eq!(writer.unsynced_file_numbers(), vec![10]);
    writer.add(b"a", &pattern(1, 900)).unwrap();
    writer.add(b"b", &pattern(2, 900)).unwrap();
    assert_eq!(writer.file_number(), 11);
    assert_eq!(writer.unsynced_file_numbers(), vec![10, 11]);
    writer.sync().unwrap();
    assert_eq!(writer.unsynced_file_numbers(), vec![11]);
}
