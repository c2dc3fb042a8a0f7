//! Tests of the GC building blocks: exactly the live records are copied
//! and read back, copies are durable, usage sums, damaged and torn sources,
//! and a 16 MiB value copied in 64 KiB appends.

use super::{dir, mem_env, pattern, writer_in};
use crate::store::env::{Env, FileLock, MemEnv, RandomAccessFile, WritableFile};
use crate::store::testing::Random;
use crate::store::vlog::{
    Relocation, ScannedRecord, VlogError, VlogFile, dead_fraction, file_usage, iter_records,
    rewrite_live, vlog_file_name,
};
use std::collections::HashSet;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Writes file 5 with one record per size; returns its records and values.
fn write_source(env: &Arc<dyn Env>, sizes: &[usize]) -> (Vec<ScannedRecord>, Vec<Vec<u8>>) {
    let mut writer = writer_in(env, 5, u64::MAX);
    let mut records = Vec::new();
    let mut values = Vec::new();
    for (index, &size) in sizes.iter().enumerate() {
        let key = format!("key{index:03}").into_bytes();
        let value = pattern(index as u64 + 7, size);
        let pointer = writer.add(&key, &value).unwrap();
        records.push(ScannedRecord { key, pointer });
        values.push(value);
    }
    writer.sync().unwrap();
    (records, values)
}

fn mixed_sizes(random: &mut Random, count: usize) -> Vec<usize> {
    let choices = [0, 1, 4096, 65536, 65537, 140_000, 300];
    (0..count)
        .map(|_| choices[random.uniform(choices.len() as u64) as usize])
        .collect()
}

#[test]
fn rewrite_live_copies_exactly_the_live_records_and_the_copies_read_back() {
    let mut random = Random::from_env("rewrite_live_copies_exactly_the_live_records");
    let (_memory, env) = mem_env();
    let sizes = mixed_sizes(&mut random, 60);
    let (records, values) = write_source(&env, &sizes);
    let live: HashSet<usize> = (0..records.len())
        .filter(|_| random.uniform(3) == 0)
        .collect();
    let source = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let mut writer = writer_in(&env, 100, 400_000);
    let mut asked = Vec::new();
    let mut is_live = |key: &[u8], pointer: &_| -> Result<bool, VlogError> {
        let index = records.iter().position(|record| record.key == key).unwrap();
        assert_eq!(&records[index].pointer, pointer);
        asked.push(index);
        Ok(live.contains(&index))
    };
    let relocations = rewrite_live(&source, &mut is_live, &mut writer).unwrap();
    assert_eq!(
        asked,
        (0..records.len()).collect::<Vec<_>>(),
        "each record asked once"
    );
    let mut expected: Vec<usize> = live.iter().copied().collect();
    expected.sort_unstable();
    assert_eq!(relocations.len(), expected.len());
    for (relocation, &index) in relocations.iter().zip(&expected) {
        assert_eq!(relocation.key, records[index].key);
        assert_eq!(relocation.old, records[index].pointer);
        assert!(relocation.new.file_number >= 100);
        let copy = VlogFile::open(env.as_ref(), dir(), relocation.new.file_number).unwrap();
        assert!(
            copy.get(&relocation.new).unwrap() == values[index],
            "record {index}"
        );
        let mut streamed = Vec::new();
        let mut reader = copy.open_value(&relocation.new).unwrap();
        reader.read_to_end(&mut streamed).unwrap();
        assert!(streamed == values[index]);
        assert_eq!(reader.key(), &records[index].key[..]);
    }
}

#[test]
fn copies_are_durable_when_rewrite_live_returns() {
    let (memory, env) = mem_env();
    let (records, values) = write_source(&env, &[10, 70_000, 20]);
    let source = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let mut writer = writer_in(&env, 100, u64::MAX);
    let mut everything_live = |_: &[u8], _: &_| -> Result<bool, VlogError> { Ok(true) };
    let relocations = rewrite_live(&source, &mut everything_live, &mut writer).unwrap();
    memory.crash();
    let copy = VlogFile::open(env.as_ref(), dir(), 100).unwrap();
    for (relocation, value) in relocations.iter().zip(&values) {
        assert!(copy.get(&relocation.new).unwrap() == *value);
    }
    assert_eq!(relocations.len(), records.len());
}

#[test]
fn file_usage_sums_live_records_and_dead_fraction_follows() {
    let (_memory, env) = mem_env();
    let (records, _values) = write_source(&env, &[1000, 2000, 3000, 4000]);
    let source = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let live_keys = [records[1].key.clone(), records[3].key.clone()];
    let mut is_live = |key: &[u8], _: &_| -> Result<bool, VlogError> {
        Ok(live_keys.iter().any(|live| live == key))
    };
    let usage = file_usage(&source, &mut is_live).unwrap();
    assert_eq!((usage.live_records, usage.dead_records), (2, 2));
    let live_bytes = records[1].pointer.record_bytes() + records[3].pointer.record_bytes();
    assert_eq!(usage.live_bytes, live_bytes);
    assert_eq!(usage.file_bytes, records[3].pointer.end_offset());
    let expected = 1.0 - live_bytes as f64 / usage.file_bytes as f64;
    assert!((usage.dead_fraction() - expected).abs() < 1e-9);
    let fraction = dead_fraction(&source, &mut is_live).unwrap();
    assert!((fraction - expected).abs() < 1e-9);
    let mut nothing_live = |_: &[u8], _: &_| -> Result<bool, VlogError> { Ok(false) };
    assert_eq!(
        file_usage(&source, &mut nothing_live)
            .unwrap()
            .dead_fraction(),
        1.0
    );
}

#[derive(Debug, PartialEq)]
enum DbError {
    Vlog(VlogError),
    TreeUnavailable,
}

impl From<VlogError> for DbError {
    fn from(error: VlogError) -> DbError {
        DbError::Vlog(error)
    }
}

#[test]
fn predicate_errors_stop_the_rewrite_and_come_back_unchanged() {
    let (_memory, env) = mem_env();
    write_source(&env, &[10, 20]);
    let source = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let mut writer = writer_in(&env, 100, u64::MAX);
    let mut failing = |_: &[u8], _: &_| -> Result<bool, DbError> { Err(DbError::TreeUnavailable) };
    let found = rewrite_live(&source, &mut failing, &mut writer);
    assert_eq!(found, Err(DbError::TreeUnavailable));
}

#[test]
fn damaged_live_record_fails_the_rewrite_without_a_torn_copy() {
    let (memory, env) = mem_env();
    let (records, _values) = write_source(&env, &[10, 140_000, 10]);
    let path = vlog_file_name(dir(), 5);
    let mut bytes = memory.contents(&path).unwrap();
    let last_block = records[1].pointer.value_offset() + 2 * 65536;
    bytes[last_block as usize + 3] ^= 0x10;
    memory.set_contents(&path, &bytes).unwrap();
    let source = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let mut writer = writer_in(&env, 100, u64::MAX);
    let mut everything_live = |_: &[u8], _: &_| -> Result<bool, VlogError> { Ok(true) };
    let found = rewrite_live(&source, &mut everything_live, &mut writer);
    assert!(matches!(found, Err(VlogError::Corruption { offset, .. }) if offset == last_block));
    let copied_first = records[0].pointer.record_bytes();
    assert_eq!(
        writer.file_bytes(),
        16 + copied_first,
        "no partial copy of record 1"
    );
    let mut only_ends = |key: &[u8], _: &_| -> Result<bool, VlogError> { Ok(key != b"key001") };
    let relocations = rewrite_live(&source, &mut only_ends, &mut writer).unwrap();
    let keys: Vec<_> = relocations
        .iter()
        .map(|r: &Relocation| r.key.clone())
        .collect();
    assert_eq!(keys, [b"key000".to_vec(), b"key002".to_vec()]);
}

#[test]
fn rewrite_live_stops_at_a_torn_tail_of_the_source() {
    let (memory, env) = mem_env();
    let (records, _values) = write_source(&env, &[10, 20, 30]);
    let path = vlog_file_name(dir(), 5);
    let bytes = memory.contents(&path).unwrap();
    let torn = records[2].pointer.offset as usize + 5;
    memory.set_contents(&path, &bytes[..torn]).unwrap();
    let source = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let mut writer = writer_in(&env, 100, u64::MAX);
    let mut everything_live = |_: &[u8], _: &_| -> Result<bool, VlogError> { Ok(true) };
    let relocations = rewrite_live(&source, &mut everything_live, &mut writer).unwrap();
    assert_eq!(relocations.len(), 2);
    let scanned: Vec<_> = iter_records(&source).unwrap().map(Result::unwrap).collect();
    assert_eq!(scanned, records[..2]);
}

/// An Env over memory that remembers the largest single append.
struct AppendSizeEnv {
    inner: MemEnv,
    largest_append_bytes: Arc<AtomicUsize>,
}

struct AppendSizeFile {
    inner: Box<dyn WritableFile>,
    largest_append_bytes: Arc<AtomicUsize>,
}

impl WritableFile for AppendSizeFile {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.largest_append_bytes
            .fetch_max(data.len(), Ordering::Relaxed);
        self.inner.append(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
    fn sync(&mut self) -> io::Result<()> {
        self.inner.sync()
    }
}

impl Env for AppendSizeEnv {
    fn new_writable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        Ok(Box::new(AppendSizeFile {
            inner: self.inner.new_writable(path)?,
            largest_append_bytes: self.largest_append_bytes.clone(),
        }))
    }
    fn new_appendable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.inner.new_appendable(path)
    }
    fn open_random(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>> {
        self.inner.open_random(path)
    }
    fn open_sequential(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        self.inner.open_sequential(path)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        self.inner.remove(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.inner.rename(from, to)
    }
    fn children(&self, dir: &Path) -> io::Result<Vec<String>> {
        self.inner.children(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        self.inner.create_dir_all(dir)
    }
    fn file_size(&self, path: &Path) -> io::Result<u64> {
        self.inner.file_size(path)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.inner.sync_dir(dir)
    }
    fn lock_file(&self, path: &Path) -> io::Result<FileLock> {
        self.inner.lock_file(path)
    }
}

#[test]
fn rewrite_of_a_16_mib_value_writes_it_in_64_kib_blocks() {
    let (memory, env) = mem_env();
    let value = pattern(1, 16 << 20);
    let (records, _values) = {
        let mut writer = writer_in(&env, 5, u64::MAX);
        let pointer = writer.add(b"blob", &value).unwrap();
        let record = ScannedRecord {
            key: b"blob".to_vec(),
            pointer,
        };
        (vec![record], ())
    };
    let largest_append_bytes = Arc::new(AtomicUsize::new(0));
    let counting: Arc<dyn Env> = Arc::new(AppendSizeEnv {
        inner: memory.clone(),
        largest_append_bytes: largest_append_bytes.clone(),
    });
    let source = VlogFile::open(env.as_ref(), dir(), 5).unwrap();
    let mut writer = writer_in(&counting, 100, u64::MAX);
    let mut everything_live = |_: &[u8], _: &_| -> Result<bool, VlogError> { Ok(true) };
    let relocations = rewrite_live(&source, &mut everything_live, &mut writer).unwrap();
    assert_eq!(relocations[0].old, records[0].pointer);
    assert_eq!(largest_append_bytes.load(Ordering::Relaxed), 65536);
    let copy = VlogFile::open(env.as_ref(), dir(), 100).unwrap();
    assert!(copy.get(&relocations[0].new).unwrap() == value);
}
