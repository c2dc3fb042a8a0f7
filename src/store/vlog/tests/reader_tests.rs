//! Tests of reads: round trips of every edge size whole and streamed,
//! seeks, pointers past the end or mismatched, and corruption sweeps that
//! flip every byte (each read is the exact value or Corruption).

use super::{dir, mem_env, pattern, writer_in};
use crate::store::env::Env;
use crate::store::testing::Random;
use crate::store::vlog::error::{Corruption, VlogError};
use crate::store::vlog::{ValuePointer, VlogFile, vlog_file_name};
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

const ROUND_TRIP_SIZES: [usize; 8] = [0, 1, 4095, 4096, 65535, 65536, 65537, 16 << 20];

/// Writes one record per value to file 5; returns the pointers.
fn write_values(env: &Arc<dyn Env>, values: &[Vec<u8>]) -> Vec<ValuePointer> {
    let mut writer = writer_in(env, 5, u64::MAX);
    let pointers = values
        .iter()
        .enumerate()
        .map(|(index, value)| writer.add(format!("key{index}").as_bytes(), value).unwrap())
        .collect();
    writer.sync().unwrap();
    pointers
}

fn stream_all(file: &VlogFile, pointer: &ValuePointer, chunk_bytes: usize) -> Vec<u8> {
    let mut reader = file.open_value(pointer).unwrap();
    let mut out = Vec::new();
    let mut chunk = vec![0u8; chunk_bytes];
    loop {
        let count = reader.read(&mut chunk).unwrap();
        if count == 0 {
            return out;
        }
        out.extend_from_slice(&chunk[..count]);
    }
}

#[test]
fn values_of_every_edge_size_round_trip_whole_and_streamed() {
    let (_memory, env) = mem_env();
    let values: Vec<Vec<u8>> = ROUND_TRIP_SIZES
        .iter()
        .enumerate()
        .map(|(seed, &size)| pattern(seed as u64, size))
        .collect();
    let pointers = write_values(&env, &values);
    let file = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    for (value, pointer) in values.iter().zip(&pointers) {
        assert_eq!(pointer.value_len, value.len() as u64);
        assert_eq!(&file.get(pointer).unwrap(), value, "size {}", value.len());
        for chunk_bytes in [1000, 65536, 100_000, 1 << 20] {
            if value.len() > 100_000 && chunk_bytes == 1000 {
                continue; // byte-at-a-time streaming of 16 MiB is slow in debug
            }
            let streamed = stream_all(&file, pointer, chunk_bytes);
            assert!(
                streamed == *value,
                "size {} chunk {chunk_bytes}",
                value.len()
            );
        }
    }
}

#[test]
fn value_reader_seeks_to_random_offsets() {
    let mut random = Random::from_env("value_reader_seeks_to_random_offsets");
    let (_memory, env) = mem_env();
    let value = pattern(9, 300_001);
    let pointer = write_values(&env, std::slice::from_ref(&value))[0];
    let file = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let mut reader = file.open_value(&pointer).unwrap();
    assert_eq!(reader.len(), value.len() as u64);
    assert_eq!(reader.key(), b"key0");
    for _ in 0..500 {
        let position = random.uniform(value.len() as u64 + 10);
        let target = match random.uniform(3) {
            0 => SeekFrom::Start(position),
            1 => SeekFrom::End(position as i64 - value.len() as i64),
            _ => SeekFrom::Current(position as i64 - reader.position() as i64),
        };
        assert_eq!(reader.seek(target).unwrap(), position);
        let mut buf = vec![0u8; random.uniform(150_000) as usize + 1];
        let count = reader.read(&mut buf).unwrap();
        let start = (position as usize).min(value.len());
        let expected_count = buf.len().min(value.len() - start);
        assert!(count > 0 || expected_count == 0);
        assert!(count <= expected_count);
        assert!(buf[..count] == value[start..start + count], "at {position}");
    }
    let before_start = reader.seek(SeekFrom::End(-(value.len() as i64) - 1));
    assert_eq!(
        before_start.unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
}

#[test]
fn value_reader_is_send_and_outlives_the_file_handle() {
    let (_memory, env) = mem_env();
    let value = pattern(3, 70_000);
    let pointer = write_values(&env, std::slice::from_ref(&value))[0];
    let reader = {
        let file = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
        file.open_value(&pointer).unwrap()
    };
    env.remove(&vlog_file_name(dir(), 5)).unwrap();
    let streamed = std::thread::spawn(move || {
        let mut reader = reader;
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        out
    });
    assert!(streamed.join().unwrap() == value);
}

fn assert_corruption_at(result: Result<Vec<u8>, VlogError>, offset: u64, what: Corruption) {
    match result {
        Err(VlogError::Corruption {
            file,
            offset: found_offset,
            what: found,
        }) => {
            assert_eq!(file, vlog_file_name(dir(), 5));
            assert_eq!((found_offset, found), (offset, what));
        }
        other => panic!("expected corruption, got {other:?}"),
    }
}

#[test]
fn pointer_past_the_end_of_the_file_is_corruption() {
    let (_memory, env) = mem_env();
    let pointer = write_values(&env, &[pattern(1, 100)])[0];
    let file = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let past = ValuePointer {
        offset: pointer.end_offset(),
        ..pointer
    };
    let what = Corruption::ShortRead {
        wanted_bytes: u64::from(pointer.header_len),
    };
    assert_corruption_at(file.get(&past), past.offset, what);
    let longer = ValuePointer {
        value_len: 101,
        ..pointer
    };
    let what = Corruption::PointerMismatch;
    assert_corruption_at(file.get(&longer), pointer.offset, what);
    assert!(file.open_value(&past).is_err());
}

#[test]
fn pointer_with_a_wrong_header_len_is_corruption() {
    let (_memory, env) = mem_env();
    let pointers = write_values(&env, &[pattern(1, 100), pattern(2, 100)]);
    let file = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    for header_len in [7, pointers[0].header_len - 1, pointers[0].header_len + 1] {
        let pointer = ValuePointer {
            header_len,
            ..pointers[0]
        };
        let found = file.get(&pointer);
        assert!(
            matches!(found, Err(VlogError::Corruption { .. })),
            "{found:?}"
        );
    }
}

/// Every byte flipped in turn: each read of each record returns its exact
/// value or Corruption naming the file; exactly the records holding the
/// flipped byte fail.
fn sweep_flips(values: &[Vec<u8>], stride: usize) {
    let (memory, env) = mem_env();
    let pointers = write_values(&env, values);
    let path = vlog_file_name(dir(), 5);
    let original = memory.contents(&path).unwrap();
    for index in (0..original.len()).step_by(stride) {
        let mut damaged = original.clone();
        damaged[index] ^= 0x20;
        memory.set_contents(&path, &damaged).unwrap();
        let opened = VlogFile::open(env.as_ref(), dir(), 5);
        if index < 16 {
            assert!(matches!(
                opened,
                Err(VlogError::Corruption { offset: 0, .. })
            ));
            continue;
        }
        let file = opened.unwrap();
        check_scan_after_flip(&file, &pointers, index);
        for ((value, pointer), key) in values.iter().zip(&pointers).zip(0..) {
            let holds_byte = (pointer.offset..pointer.end_offset()).contains(&(index as u64));
            check_read_after_flip(&file, pointer, value, holds_byte, (index, key));
        }
    }
}

/// The scan yields only records as written (or corruption), never a
/// record that was not there.
fn check_scan_after_flip(file: &VlogFile, pointers: &[ValuePointer], index: usize) {
    let scanner = crate::store::vlog::RecordScanner::new(file.clone(), true).unwrap();
    for (item, key) in scanner.zip(0..) {
        match item {
            Ok(record) => {
                assert_eq!(record.pointer, pointers[key], "flip at {index}");
                assert_eq!(
                    record.key,
                    format!("key{key}").as_bytes(),
                    "flip at {index}"
                );
            }
            Err(error) => assert!(error.is_corruption(), "flip at {index}: {error:?}"),
        }
    }
}

fn check_read_after_flip(
    file: &VlogFile,
    pointer: &ValuePointer,
    value: &[u8],
    holds_byte: bool,
    (index, key): (usize, usize),
) {
    match file.get(pointer) {
        Ok(found) => {
            assert!(!holds_byte, "flip at {index} not detected in record {key}");
            assert!(
                found == value,
                "flip at {index}: wrong bytes for record {key}"
            );
        }
        Err(VlogError::Corruption { file: path, .. }) => {
            assert!(holds_byte, "flip at {index} failed record {key}");
            assert_eq!(path, file.path());
        }
        Err(other) => panic!("flip at {index}: {other:?}"),
    }
    let streamed = file.open_value(pointer).and_then(|mut reader| {
        let mut out = Vec::new();
        reader.read_to_end(&mut out).map_err(|error| {
            let inner = error.into_inner().expect("a wrapped VlogError");
            *inner.downcast::<VlogError>().expect("a VlogError")
        })?;
        Ok(out)
    });
    match streamed {
        Ok(found) => assert!(!holds_byte && found == value, "stream, flip at {index}"),
        Err(error) => assert!(holds_byte && error.is_corruption(), "{error:?}"),
    }
}

#[test]
fn every_flipped_byte_of_a_small_file_is_corruption_or_correct_data() {
    let values = [
        pattern(1, 0),
        pattern(2, 1),
        pattern(3, 40),
        pattern(4, 300),
    ];
    sweep_flips(&values, 1);
}

#[test]
fn flipped_bytes_in_multi_block_values_are_caught_by_their_block() {
    let values = [pattern(1, 65537), pattern(2, 5), pattern(3, 140_000)];
    sweep_flips(&values, 997);
}

#[test]
fn a_bad_block_names_its_own_offset_and_earlier_blocks_still_stream() {
    let (memory, env) = mem_env();
    let value = pattern(8, 200_000);
    let pointer = write_values(&env, std::slice::from_ref(&value))[0];
    let path = vlog_file_name(dir(), 5);
    let mut bytes = memory.contents(&path).unwrap();
    let block_offset = pointer.value_offset() + 2 * 65536;
    bytes[block_offset as usize + 100] ^= 1;
    memory.set_contents(&path, &bytes).unwrap();
    let file = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let found = file.get(&pointer);
    assert!(matches!(found, Err(VlogError::Corruption { offset, .. }) if offset == block_offset));
    let mut reader = file.open_value(&pointer).unwrap();
    let mut first_blocks = vec![0u8; 2 * 65536];
    reader.read_exact(&mut first_blocks).unwrap();
    assert!(first_blocks[..] == value[..2 * 65536]);
    let mut one = [0u8; 1];
    let error = reader.read(&mut one).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    reader.seek(SeekFrom::Start(3 * 65536 + 5)).unwrap();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest[..] == value[3 * 65536 + 5..]);
}

#[test]
fn a_large_read_stops_before_a_bad_block_and_the_next_read_names_it() {
    let (memory, env) = mem_env();
    let value = pattern(9, 300_000);
    let pointer = write_values(&env, std::slice::from_ref(&value))[0];
    let path = vlog_file_name(dir(), 5);
    let mut bytes = memory.contents(&path).unwrap();
    let block_offset = pointer.value_offset() + 3 * 65536;
    bytes[block_offset as usize + 7] ^= 0x40;
    memory.set_contents(&path, &bytes).unwrap();
    let file = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let mut reader = file.open_value(&pointer).unwrap();
    let mut buffer = vec![0u8; 1 << 20];
    let count = reader.read(&mut buffer).unwrap();
    assert_eq!(count, 3 * 65536, "the run ends before the bad block");
    assert!(buffer[..count] == value[..count]);
    let error = reader.read(&mut buffer).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    let inner = error.into_inner().unwrap().downcast::<VlogError>().unwrap();
    assert!(matches!(*inner, VlogError::Corruption { offset, .. } if offset == block_offset));
}

#[test]
fn a_read_in_mid_block_then_large_reads_return_the_exact_bytes() {
    let (_memory, env) = mem_env();
    let value = pattern(10, 5 * 65536 + 123);
    let pointer = write_values(&env, std::slice::from_ref(&value))[0];
    let file = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let mut reader = file.open_value(&pointer).unwrap();
    reader.seek(SeekFrom::Start(1000)).unwrap();
    let mut out = Vec::new();
    let mut buffer = vec![0u8; 3 * 65536 + 17];
    loop {
        let count = reader.read(&mut buffer).unwrap();
        if count == 0 {
            break;
        }
        out.extend_from_slice(&buffer[..count]);
    }
    assert!(out[..] == value[1000..]);
}
