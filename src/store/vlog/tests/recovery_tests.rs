//! Tests of the recovery scan: torn and zeroed tails of every length,
//! mid-file corruption, short writes, and a crash at every write of a
//! workload (a prefix survives, with every synced record).

use super::{dir, mem_env, pattern, writer_in};
use crate::store::env::{Env, FaultEnv, MemEnv, WriteFault};
use crate::store::vlog::error::Corruption;
use crate::store::vlog::format::FILE_HEADER_BYTES;
use crate::store::vlog::{
    RecordScanner, ScanEnd, ScannedRecord, TornReason, ValuePointer, VlogError, VlogFile,
    VlogWriter, vlog_file_name,
};
use std::sync::Arc;

/// Writes `sizes` as records of file 5; returns keys, pointers and bytes.
fn write_file(env: &Arc<dyn Env>, sizes: &[usize]) -> (Vec<ScannedRecord>, Vec<u8>) {
    let mut writer = writer_in(env, 5, u64::MAX);
    let records = sizes
        .iter()
        .enumerate()
        .map(|(index, &size)| {
            let key = format!("key{index}").into_bytes();
            let pointer = writer.add(&key, &pattern(index as u64, size)).unwrap();
            ScannedRecord { key, pointer }
        })
        .collect();
    let bytes = env.open_random(&vlog_file_name(dir(), 5)).unwrap();
    let mut contents = vec![0u8; bytes.len().unwrap() as usize];
    bytes.read_exact_at(&mut contents, 0).unwrap();
    (records, contents)
}

/// Scans file 5 after replacing its bytes with `bytes`.
fn scan(
    memory: &MemEnv,
    env: &Arc<dyn Env>,
    bytes: &[u8],
) -> Vec<Result<ScannedRecord, VlogError>> {
    memory
        .set_contents(&vlog_file_name(dir(), 5), bytes)
        .unwrap();
    let mut scanner = RecordScanner::open(env.as_ref(), dir(), 5, true).unwrap();
    let items: Vec<_> = scanner.by_ref().collect();
    assert!(scanner.end().is_some() || items.iter().any(|item| item.is_err()));
    items
}

fn scan_end(env: &Arc<dyn Env>) -> (Vec<ScannedRecord>, ScanEnd) {
    let scanner = RecordScanner::open(env.as_ref(), dir(), 5, true).unwrap();
    scanner.scan_all().unwrap()
}

#[test]
fn intact_file_scans_every_record_and_ends_clean() {
    let (_memory, env) = mem_env();
    let (records, bytes) = write_file(&env, &[0, 1, 4096, 65537, 10]);
    let (found, end) = scan_end(&env);
    assert_eq!(found, records);
    assert_eq!(
        end,
        ScanEnd::Clean {
            valid_bytes: bytes.len() as u64
        }
    );
}

#[test]
fn empty_and_header_only_files_have_no_records() {
    let (memory, env) = mem_env();
    let (_records, bytes) = write_file(&env, &[]);
    assert_eq!(bytes.len() as u64, FILE_HEADER_BYTES);
    let (found, end) = scan_end(&env);
    assert!(found.is_empty());
    assert_eq!(end, ScanEnd::Clean { valid_bytes: 16 });
    memory.set_contents(&vlog_file_name(dir(), 5), &[]).unwrap();
    let (found, end) = scan_end(&env);
    assert!(found.is_empty());
    assert!(matches!(
        end,
        ScanEnd::Torn {
            valid_bytes: 0,
            reason: TornReason::FileHeader,
            ..
        }
    ));
}

/// Cuts the file at every length in `lengths`: exactly the records that
/// fit are kept, and the valid prefix ends after the last of them.
fn check_truncations(sizes: &[usize], stride: usize) {
    let (memory, env) = mem_env();
    let (records, bytes) = write_file(&env, sizes);
    let lengths = (0..bytes.len()).step_by(stride).chain([bytes.len()]);
    for length in lengths {
        let items = scan(&memory, &env, &bytes[..length]);
        let found: Vec<_> = items.into_iter().map(Result::unwrap).collect();
        let fitting: Vec<_> = records
            .iter()
            .filter(|record| record.pointer.end_offset() <= length as u64)
            .cloned()
            .collect();
        assert_eq!(found, fitting, "cut at {length}");
        let (_, end) = scan_end(&env);
        let valid_bytes = fitting
            .last()
            .map_or(FILE_HEADER_BYTES, |r| r.pointer.end_offset());
        let valid_bytes = if (length as u64) < FILE_HEADER_BYTES {
            0
        } else {
            valid_bytes
        };
        assert_eq!(end.valid_bytes(), valid_bytes, "cut at {length}");
        let clean = length as u64 == valid_bytes && length as u64 >= FILE_HEADER_BYTES;
        assert_eq!(
            matches!(end, ScanEnd::Clean { .. }),
            clean,
            "cut at {length}: {end:?}"
        );
        if let ScanEnd::Torn { dropped_bytes, .. } = end {
            assert_eq!(dropped_bytes, length as u64 - valid_bytes);
        }
    }
}

#[test]
fn torn_tails_of_every_length_are_dropped_and_everything_before_kept() {
    check_truncations(&[0, 1, 40, 300, 129, 200], 1);
}

#[test]
fn torn_multi_block_values_are_dropped_at_every_cut() {
    check_truncations(&[100, 140_000, 3], 251);
}

#[test]
fn zeroed_tails_of_every_length_are_dropped() {
    let (memory, env) = mem_env();
    let (records, bytes) = write_file(&env, &[5, 300, 70_000, 20]);
    let lengths = (1..600).chain((600..bytes.len()).step_by(509));
    for zeroed in lengths {
        let mut damaged = bytes.clone();
        let first_zero = bytes.len() - zeroed;
        damaged[first_zero..].fill(0);
        let first_change = (0..bytes.len())
            .find(|&at| damaged[at] != bytes[at])
            .unwrap();
        let items = scan(&memory, &env, &damaged);
        let found: Vec<_> = items.into_iter().map(Result::unwrap).collect();
        let kept: Vec<_> = records
            .iter()
            .filter(|record| record.pointer.end_offset() <= first_change as u64)
            .cloned()
            .collect();
        assert_eq!(found, kept, "{zeroed} zeros");
        let (_, end) = scan_end(&env);
        assert!(
            matches!(end, ScanEnd::Torn { .. }),
            "{zeroed} zeros: {end:?}"
        );
    }
}

#[test]
fn bad_block_in_the_middle_of_the_file_is_corruption_and_the_scan_goes_on() {
    let (memory, env) = mem_env();
    let (records, mut bytes) = write_file(&env, &[10, 140_000, 10]);
    let bad_block = records[1].pointer.value_offset() + 65536;
    bytes[bad_block as usize + 7] ^= 0x40;
    let items = scan(&memory, &env, &bytes);
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap(), &records[0]);
    match &items[1] {
        Err(VlogError::Corruption { file, offset, what }) => {
            assert_eq!(file, &vlog_file_name(dir(), 5));
            assert_eq!(*offset, bad_block);
            assert!(matches!(
                what,
                Corruption::BlockChecksumMismatch { block_index: 1, .. }
            ));
        }
        other => panic!("expected corruption, got {other:?}"),
    }
    assert_eq!(items[2].as_ref().unwrap(), &records[2]);
    let mut scanner = RecordScanner::open(env.as_ref(), dir(), 5, true).unwrap();
    scanner.by_ref().for_each(drop);
    let end = ScanEnd::Clean {
        valid_bytes: bytes.len() as u64,
    };
    assert_eq!(scanner.end(), Some(end));
}

#[test]
fn bad_block_in_the_last_record_is_a_torn_tail() {
    let (memory, env) = mem_env();
    let (records, mut bytes) = write_file(&env, &[10, 140_000]);
    let bad_block = records[1].pointer.value_offset() + 65536;
    bytes[bad_block as usize] ^= 1;
    let items = scan(&memory, &env, &bytes);
    assert_eq!(items.len(), 1);
    let (_, end) = scan_end(&env);
    let ScanEnd::Torn {
        valid_bytes,
        torn_offset,
        reason,
        ..
    } = end
    else {
        panic!("expected a torn tail, got {end:?}");
    };
    assert_eq!(valid_bytes, records[1].pointer.offset);
    assert_eq!(torn_offset, bad_block);
    assert!(matches!(reason, TornReason::BadValue(_)));
}

#[test]
fn scan_without_value_checks_still_delimits_records() {
    let (memory, env) = mem_env();
    let (records, mut bytes) = write_file(&env, &[10, 140_000, 10]);
    let bad_block = records[1].pointer.value_offset();
    bytes[bad_block as usize] ^= 1;
    memory
        .set_contents(&vlog_file_name(dir(), 5), &bytes)
        .unwrap();
    let file = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let (found, _) = crate::store::vlog::iter_records(&file)
        .unwrap()
        .scan_all()
        .unwrap();
    assert_eq!(found, records);
}

#[test]
fn damaged_header_stops_the_scan_and_reports_the_dropped_bytes() {
    let (memory, env) = mem_env();
    let (records, mut bytes) = write_file(&env, &[10, 20, 30]);
    bytes[records[1].pointer.offset as usize + 5] ^= 0x01;
    let items = scan(&memory, &env, &bytes);
    assert_eq!(items.len(), 1);
    let (_, end) = scan_end(&env);
    let valid_bytes = records[1].pointer.offset;
    let dropped_bytes = bytes.len() as u64 - valid_bytes;
    assert!(matches!(
        end,
        ScanEnd::Torn { valid_bytes: v, dropped_bytes: d, reason: TornReason::BadHeader(_), .. }
            if v == valid_bytes && d == dropped_bytes
    ));
}

#[test]
fn wrong_file_header_is_corruption_at_offset_zero() {
    let (memory, env) = mem_env();
    let (_records, mut bytes) = write_file(&env, &[10]);
    bytes[3] ^= 0x01;
    let items = scan(&memory, &env, &bytes);
    assert_eq!(items.len(), 1);
    assert!(matches!(
        &items[0],
        Err(VlogError::Corruption { offset: 0, .. })
    ));
}

/// A record the workload wrote: key, pointer, value.
type Written = (Vec<u8>, ValuePointer, Vec<u8>);

/// The workload of the crash test: records of mixed sizes with a sync
/// after every third. Returns what was acknowledged and how much synced.
fn crash_workload(env: &Arc<dyn Env>) -> (Vec<Written>, usize) {
    let sizes = [10, 5000, 0, 70_000, 33, 4096, 1, 200, 65536];
    let mut acknowledged = Vec::new();
    let mut synced = 0;
    let numbers = super::numbers_from(5);
    let created = VlogWriter::create(env.clone(), dir(), Default::default(), numbers);
    let Ok(mut writer) = created else {
        return (acknowledged, synced);
    };
    for (index, &size) in sizes.iter().enumerate() {
        let key = format!("key{index}").into_bytes();
        let value = pattern(index as u64 + 100, size);
        let Ok(pointer) = writer.add(&key, &value) else {
            break;
        };
        acknowledged.push((key, pointer, value));
        if index % 3 == 2 {
            if writer.sync().is_err() {
                break;
            }
            synced = acknowledged.len();
        }
    }
    (acknowledged, synced)
}

#[test]
fn crash_at_every_write_keeps_a_prefix_with_every_synced_record() {
    let clean = FaultEnv::in_memory();
    clean.create_dir_all(dir()).unwrap();
    let (all, _) = crash_workload(&(Arc::new(clean.clone()) as Arc<dyn Env>));
    let writes = clean.write_count();
    assert!(writes >= 2 * all.len() as u64);
    for cut in 1..=writes {
        let fault = FaultEnv::in_memory();
        fault.create_dir_all(dir()).unwrap();
        fault.set_power_cut_at_write(cut);
        let env: Arc<dyn Env> = Arc::new(fault.clone());
        let (acknowledged, synced) = crash_workload(&env);
        fault.crash();
        check_after_crash(&env, &all, acknowledged.len(), synced, cut);
    }
}

#[test]
fn short_write_leaves_a_torn_tail_that_the_scan_drops() {
    for bytes_kept in [0, 1, 3, 4, 9, 30, 4000] {
        let fault = FaultEnv::in_memory();
        fault.create_dir_all(dir()).unwrap();
        let env: Arc<dyn Env> = Arc::new(fault.clone());
        let mut writer = writer_in(&env, 5, u64::MAX);
        let kept = writer.add(b"kept", &pattern(1, 5000)).unwrap();
        let header_write = fault.write_count() + 1;
        fault.set_write_fault(header_write + 1, WriteFault::Short { bytes_kept });
        assert!(writer.add(b"torn", &pattern(2, 5000)).is_err());
        let (found, end) = scan_end(&env);
        assert_eq!(found.len(), 1, "{bytes_kept} bytes kept");
        assert_eq!(found[0].pointer, kept);
        assert_eq!(end.valid_bytes(), kept.end_offset());
        assert!(matches!(
            end,
            ScanEnd::Torn {
                reason: TornReason::TruncatedValue,
                ..
            }
        ));
    }
}

fn check_after_crash(
    env: &Arc<dyn Env>,
    all: &[Written],
    acknowledged: usize,
    synced: usize,
    cut: u64,
) {
    if !env.exists(&vlog_file_name(dir(), 5)) {
        assert_eq!(synced, 0, "cut at write {cut}: synced file lost");
        return;
    }
    let scanner = RecordScanner::open(env.as_ref(), dir(), 5, true).unwrap();
    let (found, end) = scanner.scan_all().unwrap();
    assert!(
        found.len() >= synced,
        "cut at write {cut}: synced record lost"
    );
    assert!(
        found.len() <= acknowledged.max(synced),
        "cut at write {cut}"
    );
    let file = VlogFile::open(env.as_ref(), dir(), 5);
    for (record, (key, pointer, value)) in found.iter().zip(all) {
        assert_eq!(
            (&record.key, &record.pointer),
            (key, pointer),
            "cut at write {cut}"
        );
        let read = file.as_ref().unwrap().get(pointer).unwrap();
        assert!(read == *value, "cut at write {cut}");
    }
    let valid_bytes = found
        .last()
        .map_or(16, |record| record.pointer.end_offset());
    assert!(
        end.valid_bytes() == valid_bytes || end.valid_bytes() == 0,
        "cut at {cut}"
    );
}
