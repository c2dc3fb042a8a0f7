//! Log writer and reader tests, after LevelDB's log_test: fragmentation at
//! every boundary, marginal trailers, each kind of damage, torn tails, and
//! random round trips.

use super::*;
use crate::store::env::{Env, FaultEnv, WritableFile, WriteFault};
use crate::store::testing::Random;
use crate::util::crc32c;
use std::io::{self, Cursor, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// An in-memory destination whose bytes the test can edit.
#[derive(Clone, Default)]
struct SharedBytes(Arc<Mutex<Vec<u8>>>);

impl WritableFile for SharedBytes {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Default)]
struct Reports {
    corruptions: Vec<Corruption>,
    torn_tails: Vec<(u64, u64)>,
}

#[derive(Clone, Default)]
struct SharedReports(Arc<Mutex<Reports>>);

impl Reporter for SharedReports {
    fn corruption(&mut self, corruption: &Corruption) {
        self.0.lock().unwrap().corruptions.push(*corruption);
    }
    fn torn_tail(&mut self, offset: u64, bytes: u64) {
        self.0.lock().unwrap().torn_tails.push((offset, bytes));
    }
}

/// LevelDB's log_test harness: write records, damage bytes, read back.
struct Harness {
    dest: SharedBytes,
    writer: Writer,
    reports: SharedReports,
    reader: Option<Reader>,
}

impl Harness {
    fn new() -> Harness {
        let dest = SharedBytes::default();
        let writer = Writer::new(Box::new(dest.clone()));
        Harness {
            dest,
            writer,
            reports: SharedReports::default(),
            reader: None,
        }
    }

    fn write(&mut self, record: &[u8]) {
        self.writer.add_record(record).unwrap();
    }

    fn written_bytes(&self) -> usize {
        self.dest.0.lock().unwrap().len()
    }

    fn edit(&self, edit: impl FnOnce(&mut Vec<u8>)) {
        edit(&mut self.dest.0.lock().unwrap());
    }

    fn increment_byte(&self, offset: usize, delta: u8) {
        self.edit(|bytes| bytes[offset] = bytes[offset].wrapping_add(delta));
    }

    fn set_byte(&self, offset: usize, value: u8) {
        self.edit(|bytes| bytes[offset] = value);
    }

    fn shrink_size(&self, bytes: usize) {
        self.edit(|contents| contents.truncate(contents.len() - bytes));
    }

    /// Recomputes the checksum of the header at `offset` for `length` bytes.
    fn fix_checksum(&self, offset: usize, length: usize) {
        self.edit(|bytes| {
            let range = offset + HEADER_BYTES - 1..offset + HEADER_BYTES + length;
            let crc = crc32c::mask(crc32c::value(&bytes[range]));
            bytes[offset..offset + 4].copy_from_slice(&crc.to_le_bytes());
        });
    }

    /// The next record, or None at the end.
    fn read(&mut self) -> Option<Vec<u8>> {
        if self.reader.is_none() {
            let bytes = self.dest.0.lock().unwrap().clone();
            let reporter: Box<dyn Reporter + Send> = Box::new(self.reports.clone());
            self.reader = Some(Reader::new(
                Box::new(Cursor::new(bytes)),
                Some(reporter),
                true,
            ));
        }
        let mut record = Vec::new();
        let reader = self.reader.as_mut().unwrap();
        reader.read_record(&mut record).then_some(record)
    }

    fn dropped_bytes(&self) -> u64 {
        self.reports
            .0
            .lock()
            .unwrap()
            .corruptions
            .iter()
            .map(|c| c.bytes)
            .sum()
    }

    fn reasons(&self) -> Vec<CorruptionReason> {
        let reports = self.reports.0.lock().unwrap();
        reports.corruptions.iter().map(|c| c.reason).collect()
    }

    fn torn_tails(&self) -> Vec<(u64, u64)> {
        self.reports.0.lock().unwrap().torn_tails.clone()
    }
}

/// `partial` repeated to exactly `length` bytes.
fn big_string(partial: &str, length: usize) -> Vec<u8> {
    partial.bytes().cycle().take(length).collect()
}

fn number_string(number: usize) -> Vec<u8> {
    format!("{number}.").into_bytes()
}

#[test]
fn empty_log_reads_as_end() {
    let mut harness = Harness::new();
    assert_eq!(harness.read(), None);
}

#[test]
fn records_read_back_in_order_and_end_stays_end() {
    let mut harness = Harness::new();
    for record in [&b"foo"[..], b"bar", b"", b"xxxx"] {
        harness.write(record);
    }
    for record in [&b"foo"[..], b"bar", b"", b"xxxx"] {
        assert_eq!(harness.read().as_deref(), Some(record));
    }
    assert_eq!(harness.read(), None);
    assert_eq!(harness.read(), None);
}

#[test]
fn many_blocks_of_small_records_read_back() {
    let mut harness = Harness::new();
    for number in 0..100_000 {
        harness.write(&number_string(number));
    }
    for number in 0..100_000 {
        assert_eq!(harness.read(), Some(number_string(number)));
    }
    assert_eq!(harness.read(), None);
}

#[test]
fn records_larger_than_a_block_are_fragmented_and_joined() {
    let mut harness = Harness::new();
    let records = [
        b"small".to_vec(),
        big_string("medium", 50_000),
        big_string("large", 100_000),
    ];
    for record in &records {
        harness.write(record);
    }
    for record in &records {
        assert_eq!(harness.read().as_ref(), Some(record));
    }
    assert_eq!(harness.read(), None);
}

#[test]
fn marginal_trailer_leaves_exactly_a_header_then_an_empty_record_fits() {
    let mut harness = Harness::new();
    let length = BLOCK_BYTES - 2 * HEADER_BYTES;
    harness.write(&big_string("foo", length));
    assert_eq!(harness.written_bytes(), BLOCK_BYTES - HEADER_BYTES);
    harness.write(b"");
    harness.write(b"bar");
    assert_eq!(harness.read(), Some(big_string("foo", length)));
    assert_eq!(harness.read(), Some(vec![]));
    assert_eq!(harness.read(), Some(b"bar".to_vec()));
    assert_eq!(harness.read(), None);
}

#[test]
fn marginal_trailer_without_empty_record_reads_cleanly() {
    let mut harness = Harness::new();
    let length = BLOCK_BYTES - 2 * HEADER_BYTES;
    harness.write(&big_string("foo", length));
    assert_eq!(harness.written_bytes(), BLOCK_BYTES - HEADER_BYTES);
    harness.write(b"bar");
    assert_eq!(harness.read(), Some(big_string("foo", length)));
    assert_eq!(harness.read(), Some(b"bar".to_vec()));
    assert_eq!(harness.read(), None);
    assert_eq!(harness.dropped_bytes(), 0);
    assert!(harness.reasons().is_empty());
}

#[test]
fn short_trailer_is_zero_filled_and_skipped() {
    let mut harness = Harness::new();
    let length = BLOCK_BYTES - 2 * HEADER_BYTES + 4;
    harness.write(&big_string("foo", length));
    assert_eq!(harness.written_bytes(), BLOCK_BYTES - HEADER_BYTES + 4);
    harness.write(b"");
    harness.write(b"bar");
    assert_eq!(harness.written_bytes(), BLOCK_BYTES + 2 * HEADER_BYTES + 3);
    assert_eq!(harness.read(), Some(big_string("foo", length)));
    assert_eq!(harness.read(), Some(vec![]));
    assert_eq!(harness.read(), Some(b"bar".to_vec()));
    assert_eq!(harness.read(), None);
    assert!(harness.torn_tails().is_empty());
}

#[test]
fn log_ending_in_a_short_trailer_ends_cleanly() {
    let mut harness = Harness::new();
    let length = BLOCK_BYTES - 2 * HEADER_BYTES + 4;
    harness.write(&big_string("foo", length));
    assert_eq!(harness.written_bytes(), BLOCK_BYTES - HEADER_BYTES + 4);
    assert_eq!(harness.read(), Some(big_string("foo", length)));
    assert_eq!(harness.read(), None);
    assert!(harness.reasons().is_empty());
}

#[test]
fn every_record_size_around_block_boundaries_round_trips() {
    let mut harness = Harness::new();
    let sizes: Vec<usize> = (0..2 * HEADER_BYTES + 2)
        .flat_map(|delta| {
            [
                BLOCK_BYTES - delta,
                BLOCK_BYTES + delta,
                2 * BLOCK_BYTES - delta,
            ]
        })
        .collect();
    for (index, &size) in sizes.iter().enumerate() {
        harness.write(&big_string(&index.to_string(), size));
        harness.write(&[index as u8]);
    }
    for (index, &size) in sizes.iter().enumerate() {
        assert_eq!(harness.read(), Some(big_string(&index.to_string(), size)));
        assert_eq!(harness.read(), Some(vec![index as u8]));
    }
    assert_eq!(harness.read(), None);
    assert!(harness.reasons().is_empty());
}

#[test]
fn writer_reopened_for_append_continues_the_block() {
    let mut harness = Harness::new();
    harness.write(b"hello");
    let length = harness.written_bytes() as u64;
    harness.writer = Writer::with_length(Box::new(harness.dest.clone()), length);
    harness.write(&big_string("world", BLOCK_BYTES));
    assert_eq!(harness.read(), Some(b"hello".to_vec()));
    assert_eq!(harness.read(), Some(big_string("world", BLOCK_BYTES)));
    assert_eq!(harness.read(), None);
    assert!(harness.reasons().is_empty());
}

#[test]
fn random_skewed_records_round_trip() {
    let mut random = Random::from_env("random_skewed_records_round_trip");
    let records: Vec<Vec<u8>> = (0..500)
        .map(|_| {
            let length = random.skewed(17) as usize;
            random.bytes(length)
        })
        .collect();
    let mut harness = Harness::new();
    for record in &records {
        harness.write(record);
    }
    for record in &records {
        assert_eq!(harness.read().as_ref(), Some(record));
    }
    assert_eq!(harness.read(), None);
}

struct FailingRead;

impl Read for FailingRead {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("disk on fire"))
    }
}

#[test]
fn read_error_drops_the_block_and_reports_it() {
    let reports = SharedReports::default();
    let reporter: Box<dyn Reporter + Send> = Box::new(reports.clone());
    let mut reader = Reader::new(Box::new(FailingRead), Some(reporter), true);
    let mut record = Vec::new();
    assert!(!reader.read_record(&mut record));
    let corruptions = &reports.0.lock().unwrap().corruptions;
    assert_eq!(corruptions.len(), 1);
    assert_eq!(corruptions[0].bytes, BLOCK_BYTES as u64);
    let reason = CorruptionReason::ReadFailed(io::ErrorKind::Other);
    assert_eq!(corruptions[0].reason, reason);
}

#[test]
fn bad_record_type_is_reported_with_its_offset() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.write(b"bar");
    harness.increment_byte(6, 100);
    harness.fix_checksum(0, 3);
    assert_eq!(harness.read(), Some(b"bar".to_vec()));
    assert_eq!(harness.read(), None);
    assert_eq!(harness.dropped_bytes(), 3 + HEADER_BYTES as u64);
    let corruptions = harness.reports.0.lock().unwrap().corruptions.clone();
    assert_eq!(corruptions[0].offset, 0);
    assert_eq!(
        corruptions[0].reason,
        CorruptionReason::UnknownRecordType(101)
    );
}

#[test]
fn truncated_trailing_record_is_ignored() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.shrink_size(4); // drop all payload and one header byte
    assert_eq!(harness.read(), None);
    assert_eq!(harness.dropped_bytes(), 0);
    assert!(harness.reasons().is_empty());
    assert_eq!(harness.torn_tails(), [(0, 6)]);
}

#[test]
fn bad_length_before_the_end_drops_the_block() {
    let mut harness = Harness::new();
    let payload_bytes = BLOCK_BYTES - HEADER_BYTES;
    harness.write(&big_string("bar", payload_bytes));
    harness.write(b"foo");
    harness.increment_byte(4, 1); // the low byte of the length
    assert_eq!(harness.read(), Some(b"foo".to_vec()));
    assert_eq!(harness.dropped_bytes(), BLOCK_BYTES as u64);
    assert_eq!(harness.reasons(), [CorruptionReason::BadRecordLength]);
}

#[test]
fn bad_length_at_the_end_is_a_torn_tail() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.shrink_size(1);
    assert_eq!(harness.read(), None);
    assert_eq!(harness.dropped_bytes(), 0);
    assert_eq!(harness.torn_tails(), [(0, 9)]);
}

#[test]
fn checksum_mismatch_of_the_final_record_is_a_torn_tail() {
    let mut harness = Harness::new();
    harness.write(b"kept");
    harness.write(b"foo");
    harness.increment_byte(HEADER_BYTES + 4 + HEADER_BYTES, 10);
    assert_eq!(harness.read(), Some(b"kept".to_vec()));
    assert_eq!(harness.read(), None);
    assert!(harness.reasons().is_empty());
    assert_eq!(harness.torn_tails(), [(11, 10)]);
}

#[test]
fn checksum_mismatch_before_the_end_is_reported_and_skipped() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.write(b"bar");
    harness.increment_byte(0, 10);
    assert_eq!(harness.read(), None);
    assert_eq!(harness.dropped_bytes(), 20);
    let reasons = harness.reasons();
    assert!(matches!(
        reasons[..],
        [CorruptionReason::ChecksumMismatch { .. }]
    ));
}

#[test]
fn checksum_mismatch_drops_only_its_block() {
    let mut harness = Harness::new();
    harness.write(&big_string("foo", BLOCK_BYTES - HEADER_BYTES));
    harness.write(b"bar");
    harness.increment_byte(HEADER_BYTES, 1);
    assert_eq!(harness.read(), Some(b"bar".to_vec()));
    assert_eq!(harness.dropped_bytes(), BLOCK_BYTES as u64);
}

#[test]
fn zeroed_tail_is_dropped_silently() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.edit(|bytes| bytes.extend_from_slice(&[0; 100]));
    assert_eq!(harness.read(), Some(b"foo".to_vec()));
    assert_eq!(harness.read(), None);
    assert!(harness.reasons().is_empty());
    assert_eq!(harness.torn_tails(), [(10, 100)]);
}

#[test]
fn unchecked_reader_returns_damaged_payload() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.increment_byte(HEADER_BYTES, 1);
    let bytes = harness.dest.0.lock().unwrap().clone();
    let mut reader = Reader::new(Box::new(Cursor::new(bytes)), None, false);
    let mut record = Vec::new();
    assert!(reader.read_record(&mut record));
    assert_eq!(record, b"goo");
}

fn assert_single_reason(harness: &Harness, reason: CorruptionReason) {
    assert_eq!(harness.reasons(), [reason]);
}

#[test]
fn unexpected_middle_fragment_is_reported() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.set_byte(6, RecordType::Middle as u8);
    harness.fix_checksum(0, 3);
    assert_eq!(harness.read(), None);
    assert_eq!(harness.dropped_bytes(), 3);
    assert_single_reason(&harness, CorruptionReason::MissingStartOfFragmentedRecord);
}

#[test]
fn unexpected_last_fragment_is_reported() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.set_byte(6, RecordType::Last as u8);
    harness.fix_checksum(0, 3);
    assert_eq!(harness.read(), None);
    assert_eq!(harness.dropped_bytes(), 3);
    assert_single_reason(&harness, CorruptionReason::MissingStartOfFragmentedRecord);
}

#[test]
fn first_fragment_followed_by_full_record_is_reported() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.write(b"bar");
    harness.set_byte(6, RecordType::First as u8);
    harness.fix_checksum(0, 3);
    assert_eq!(harness.read(), Some(b"bar".to_vec()));
    assert_eq!(harness.read(), None);
    assert_eq!(harness.dropped_bytes(), 3);
    assert_single_reason(&harness, CorruptionReason::PartialRecordWithoutEnd);
}

#[test]
fn first_fragment_followed_by_first_fragment_is_reported() {
    let mut harness = Harness::new();
    harness.write(b"foo");
    harness.write(&big_string("bar", 100_000));
    harness.set_byte(6, RecordType::First as u8);
    harness.fix_checksum(0, 3);
    assert_eq!(harness.read(), Some(big_string("bar", 100_000)));
    assert_eq!(harness.read(), None);
    assert_eq!(harness.dropped_bytes(), 3);
    assert_single_reason(&harness, CorruptionReason::PartialRecordWithoutEnd);
}

#[test]
fn missing_last_fragment_is_a_torn_tail() {
    let mut harness = Harness::new();
    harness.write(&big_string("bar", BLOCK_BYTES));
    harness.shrink_size(HEADER_BYTES + HEADER_BYTES); // the LAST, all of it
    assert_eq!(harness.read(), None);
    assert!(harness.reasons().is_empty());
    assert_eq!(harness.dropped_bytes(), 0);
}

#[test]
fn partial_last_fragment_is_a_torn_tail() {
    let mut harness = Harness::new();
    harness.write(&big_string("bar", BLOCK_BYTES));
    harness.shrink_size(1);
    assert_eq!(harness.read(), None);
    assert!(harness.reasons().is_empty());
    let tails = harness.torn_tails();
    assert_eq!(
        tails.last(),
        Some(&(0, (BLOCK_BYTES - HEADER_BYTES) as u64))
    );
}

#[test]
fn damage_inside_a_fragmented_record_does_not_join_records() {
    let mut harness = Harness::new();
    harness.write(&big_string("foo", BLOCK_BYTES));
    harness.write(&big_string("bar", BLOCK_BYTES));
    harness.write(b"correct");
    for offset in BLOCK_BYTES..2 * BLOCK_BYTES {
        harness.set_byte(offset, b'x');
    }
    assert_eq!(harness.read(), Some(b"correct".to_vec()));
    assert_eq!(harness.read(), None);
    let dropped = harness.dropped_bytes();
    assert!(dropped <= 2 * BLOCK_BYTES as u64 + 100, "dropped {dropped}");
    assert!(dropped >= BLOCK_BYTES as u64, "dropped {dropped}");
}

#[test]
fn flipping_any_byte_loses_only_records_touching_its_block() {
    let mut harness = Harness::new();
    let records: Vec<Vec<u8>> = (0..20)
        .map(|i| big_string(&i.to_string(), i * 350))
        .collect();
    let mut spans = Vec::new();
    for record in &records {
        let start = harness.written_bytes();
        harness.write(record);
        spans.push(start..harness.written_bytes());
    }
    let clean = harness.dest.0.lock().unwrap().clone();
    for offset in (0..clean.len()).step_by(29) {
        let mut damaged = clean.clone();
        damaged[offset] ^= 0x40;
        let mut reader = Reader::new(Box::new(Cursor::new(damaged)), None, true);
        let mut found = Vec::new();
        let mut record = Vec::new();
        while reader.read_record(&mut record) {
            let index = records.iter().position(|r| *r == record);
            assert!(index.is_some(), "offset {offset}: invented a record");
            found.push(index.unwrap());
        }
        assert!(
            found.windows(2).all(|pair| pair[0] < pair[1]),
            "offset {offset}: order"
        );
        let block = offset / BLOCK_BYTES * BLOCK_BYTES..(offset / BLOCK_BYTES + 1) * BLOCK_BYTES;
        for (index, span) in spans.iter().enumerate() {
            let untouched = span.end <= block.start || span.start >= block.end;
            assert!(
                !untouched || found.contains(&index),
                "offset {offset}: lost {index}"
            );
        }
    }
}

#[test]
fn writer_refuses_records_after_an_io_error() {
    let env = FaultEnv::in_memory();
    env.create_dir_all(Path::new("/db")).unwrap();
    let file = env.new_writable(Path::new("/db/000001.log")).unwrap();
    let mut writer = Writer::new(file);
    writer.add_record(b"one").unwrap();
    env.set_write_fault(env.write_count() + 1, WriteFault::Short { bytes_kept: 3 });
    assert!(writer.add_record(b"two").is_err());
    assert!(writer.add_record(b"three").is_err());
    assert!(writer.sync().is_err());
}

#[test]
fn worked_example_matches_format_doc() {
    // FORMAT.md, "Log files": "hello" as the first record.
    let mut harness = Harness::new();
    harness.write(b"hello");
    let first = harness.dest.0.lock().unwrap().clone();
    assert_eq!(first.len(), HEADER_BYTES + 5);
    assert_eq!(
        &first[4..],
        [0x05, 0x00, 0x01, b'h', b'e', b'l', b'l', b'o']
    );
    let masked = u32::from_le_bytes(first[..4].try_into().unwrap());
    assert_eq!(crc32c::unmask(masked), crc32c::value(&first[6..]));
    assert_eq!(masked, 0x5857_b90b);
    assert!(crate::store::testing::format_doc_shows(&first));
}

/// Records of a crash workload: sizes around and across block boundaries.
fn crash_records() -> Vec<Vec<u8>> {
    let sizes = [10, 1000, 40_000, 0, 32_700, 5, 70_000, 300, 32_761, 17];
    let records = sizes.iter().enumerate();
    records
        .map(|(index, &size)| big_string(&format!("<{index}>"), size))
        .collect()
}

/// Writes `records` to a new log through `env`, syncing after every second
/// record, until an error; returns how many records were synced.
fn write_until_failure(env: &FaultEnv, records: &[Vec<u8>]) -> usize {
    let dir = Path::new("/db");
    let Ok(file) = env.new_writable(&dir.join("000003.log")) else {
        return 0;
    };
    if env.sync_dir(dir).is_err() {
        return 0;
    }
    let mut writer = Writer::new(file);
    let mut synced = 0;
    for (index, record) in records.iter().enumerate() {
        if writer.add_record(record).is_err() {
            return synced;
        }
        if index % 2 == 1 {
            if writer.sync().is_err() {
                return synced;
            }
            synced = index + 1;
        }
    }
    synced
}

/// Reads the log back; the records and the reports.
fn read_back(env: &FaultEnv) -> (Vec<Vec<u8>>, SharedReports) {
    let reports = SharedReports::default();
    let file = env.open_sequential(Path::new("/db/000003.log")).unwrap();
    let reporter: Box<dyn Reporter + Send> = Box::new(reports.clone());
    let mut reader = Reader::new(file, Some(reporter), true);
    let mut records = Vec::new();
    let mut record = Vec::new();
    while reader.read_record(&mut record) {
        records.push(record.clone());
    }
    (records, reports)
}

fn fresh_fault_env() -> FaultEnv {
    let env = FaultEnv::in_memory();
    env.create_dir_all(Path::new("/db")).unwrap();
    env
}

#[test]
fn power_cut_at_every_write_keeps_exactly_the_synced_records() {
    let records = crash_records();
    let clean = fresh_fault_env();
    assert_eq!(write_until_failure(&clean, &records), records.len());
    let writes = clean.write_count();
    assert!(writes > 2 * records.len() as u64, "{writes} writes");
    for cut in 1..=writes {
        let env = fresh_fault_env();
        env.set_power_cut_at_write(cut);
        let synced = write_until_failure(&env, &records);
        env.crash();
        let (found, reports) = read_back(&env);
        assert_eq!(found.len(), synced, "cut at write {cut}");
        assert!(found.iter().zip(&records).all(|(a, b)| a == b), "cut {cut}");
        assert!(
            reports.0.lock().unwrap().corruptions.is_empty(),
            "cut {cut}"
        );
    }
}

#[test]
fn short_write_at_every_write_leaves_a_clean_prefix_and_a_torn_tail() {
    let records = crash_records();
    let clean = fresh_fault_env();
    write_until_failure(&clean, &records);
    for write in 1..=clean.write_count() {
        let env = fresh_fault_env();
        env.set_write_fault(write, WriteFault::Short { bytes_kept: 3 });
        write_until_failure(&env, &records);
        let (found, reports) = read_back(&env);
        assert!(
            found.len() < records.len(),
            "write {write}: nothing was lost"
        );
        assert!(
            found.iter().zip(&records).all(|(a, b)| a == b),
            "write {write}"
        );
        let reports = reports.0.lock().unwrap();
        assert!(
            reports.corruptions.is_empty(),
            "write {write}: {:?}",
            reports.corruptions
        );
    }
}
