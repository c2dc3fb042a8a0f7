//! The conformance suite every [`BlobStorage`] runs: one call,
//! [`conformance_suite`], on an empty storage, checks each contract of the
//! trait against a plain model (a `BTreeMap` of what should be stored).
//! A failure panics with the name of the check and what differed.
//!
//! Usage, in an implementation's tests:
//! `conformance_suite(&MyStorage::open(empty_dir)?)`.

use super::{BlobStorage, Received, StorageError};
use crate::blob::{BLOB_BYTES_MAX, BlobRef, HashKind, Hasher};
use std::collections::BTreeMap;
use std::io::{self, Read};

/// Small blobs stored to check enumeration paging.
pub const PAGING_BLOBS_COUNT: usize = 3000;
/// Page sizes tried when paging through every blob.
const PAGE_SIZES: [usize; 4] = [1, 7, 100, 1000];
/// Threads receiving the same new bytes at once.
const RACE_THREADS_COUNT: usize = 8;

/// What the storage should hold: ref → size.
type Model = BTreeMap<BlobRef, u64>;

/// Runs every check on `storage`, which must start empty.
pub fn conformance_suite(storage: &dyn BlobStorage) {
    let page = storage
        .enumerate(None, 1)
        .expect("enumerate an empty storage");
    assert!(
        page.is_empty(),
        "the conformance suite needs an empty storage"
    );
    let mut model = Model::new();
    empty_blob_round_trips(storage, &mut model);
    one_byte_blob_round_trips(storage, &mut model);
    blob_of_exactly_the_maximum_is_stored(storage, &mut model);
    blob_one_byte_over_the_maximum_stores_nothing(storage, &model);
    lower_limit_is_honoured(storage, &model);
    digest_mismatch_stores_nothing(storage, &model);
    sha256_refs_are_verified_and_stored(storage, &mut model);
    sha1_refs_are_unsupported_and_store_nothing(storage, &model);
    failed_body_read_stores_nothing(storage, &model);
    duplicates_are_stored_once(storage, &mut model);
    deferred_receives_keep_the_rules_of_receive(storage, &mut model);
    racing_receives_report_one_new_blob(storage, &mut model);
    stat_lists_present_refs_in_asked_order(storage, &model);
    absent_blob_fetches_as_none(storage);
    enumerate_pages_through_thousands_of_blobs(storage, &mut model);
}

/// Receives `bytes` and checks the answer against the model.
fn receive_ok(
    storage: &dyn BlobStorage,
    model: &mut Model,
    expected: Option<&BlobRef>,
    bytes: &[u8],
) -> Received {
    let mut body = bytes;
    let received = storage
        .receive(expected, &mut body, BLOB_BYTES_MAX as u64)
        .unwrap_or_else(|error| panic!("receive of {} bytes: {error}", bytes.len()));
    let was_there = model
        .insert(received.blob_ref, bytes.len() as u64)
        .is_some();
    assert_eq!(received.size, bytes.len() as u64, "received size");
    assert_eq!(received.newly_stored, !was_there, "newly_stored");
    if expected.is_none() {
        assert_eq!(received.blob_ref, BlobRef::of_bytes(bytes), "sha224 ref");
    }
    received
}

/// Fetches `blob_ref` and checks that it reads back as `bytes`.
fn assert_fetches_as(storage: &dyn BlobStorage, blob_ref: &BlobRef, bytes: &[u8]) {
    let fetched = storage
        .fetch(blob_ref)
        .expect("fetch")
        .expect("blob present");
    assert_eq!(
        fetched.size,
        bytes.len() as u64,
        "fetched size of {blob_ref}"
    );
    let mut read = Vec::new();
    let mut reader = fetched.reader;
    reader.read_to_end(&mut read).expect("read fetched blob");
    assert!(read == bytes, "fetched bytes of {blob_ref} differ");
    assert!(
        storage.contains(blob_ref).expect("contains"),
        "contains {blob_ref}"
    );
}

/// Checks that the storage holds exactly what the model says.
fn assert_matches_model(storage: &dyn BlobStorage, model: &Model, check: &str) {
    let all = storage.enumerate(None, model.len() + 1).expect("enumerate");
    let expected: Vec<(BlobRef, u64)> = model.iter().map(|(r, s)| (*r, *s)).collect();
    assert!(
        all == expected,
        "{check}: storage holds {} blobs, model {}",
        all.len(),
        model.len()
    );
}

fn empty_blob_round_trips(storage: &dyn BlobStorage, model: &mut Model) {
    let received = receive_ok(storage, model, None, b"");
    assert_eq!(received.size, 0);
    assert_fetches_as(storage, &received.blob_ref, b"");
}

fn one_byte_blob_round_trips(storage: &dyn BlobStorage, model: &mut Model) {
    let expected = BlobRef::of_bytes(b"x");
    let received = receive_ok(storage, model, Some(&expected), b"x");
    assert_eq!(received.blob_ref, expected);
    assert_fetches_as(storage, &expected, b"x");
}

/// `count` bytes of a pattern that differs from one `seed` to the next.
pub fn pattern(count: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

fn blob_of_exactly_the_maximum_is_stored(storage: &dyn BlobStorage, model: &mut Model) {
    let bytes = pattern(BLOB_BYTES_MAX, 1);
    let received = receive_ok(storage, model, None, &bytes);
    assert_eq!(received.size, BLOB_BYTES_MAX as u64);
    assert_fetches_as(storage, &received.blob_ref, &bytes);
}

fn blob_one_byte_over_the_maximum_stores_nothing(storage: &dyn BlobStorage, model: &Model) {
    const MAX: u64 = BLOB_BYTES_MAX as u64;
    let bytes = pattern(BLOB_BYTES_MAX + 1, 2);
    let blob_ref = BlobRef::of_bytes(&bytes);
    for limit_bytes in [BLOB_BYTES_MAX as u64, u64::MAX] {
        let result = storage.receive(Some(&blob_ref), &mut &bytes[..], limit_bytes);
        assert!(
            matches!(result, Err(StorageError::TooLarge { limit_bytes: MAX })),
            "16 MiB + 1 with limit {limit_bytes}: {result:?}"
        );
    }
    let mut counting = CountingReader {
        inner: &bytes[..],
        count: 0,
    };
    let result = storage.receive(None, &mut counting, BLOB_BYTES_MAX as u64);
    assert!(matches!(result, Err(StorageError::TooLarge { .. })));
    assert!(
        counting.count <= BLOB_BYTES_MAX as u64 + 1,
        "read past the limit"
    );
    assert!(!storage.contains(&blob_ref).expect("contains"));
    assert_matches_model(storage, model, "over the maximum");
}

fn lower_limit_is_honoured(storage: &dyn BlobStorage, model: &Model) {
    let result = storage.receive(None, &mut &b"eleven byte"[..], 10);
    assert!(
        matches!(result, Err(StorageError::TooLarge { limit_bytes: 10 })),
        "lower limit: {result:?}"
    );
    assert_matches_model(storage, model, "lower limit");
}

fn digest_mismatch_stores_nothing(storage: &dyn BlobStorage, model: &Model) {
    let claimed = BlobRef::of_bytes(b"what the client claims");
    let actual = BlobRef::of_bytes(b"what the client sends");
    let result = storage.receive(Some(&claimed), &mut &b"what the client sends"[..], 1000);
    assert!(
        matches!(&result, Err(StorageError::DigestMismatch { expected, actual: got })
            if **expected == claimed && **got == actual),
        "mismatch: {result:?}"
    );
    assert!(!storage.contains(&claimed).expect("contains"));
    assert!(!storage.contains(&actual).expect("contains"));
    assert_matches_model(storage, model, "digest mismatch");
}

fn sha256_refs_are_verified_and_stored(storage: &dyn BlobStorage, model: &mut Model) {
    let mut hasher = Hasher::for_kind(HashKind::Sha256).expect("sha256");
    hasher.update(b"named by sha256");
    let blob_ref = hasher.finish();
    let received = receive_ok(storage, model, Some(&blob_ref), b"named by sha256");
    assert_eq!(received.blob_ref, blob_ref);
    assert_fetches_as(storage, &blob_ref, b"named by sha256");
}

fn sha1_refs_are_unsupported_and_store_nothing(storage: &dyn BlobStorage, model: &Model) {
    let sha1 = BlobRef::parse("sha1-da39a3ee5e6b4b0d3255bfef95601890afd80709").expect("ref");
    let result = storage.receive(Some(&sha1), &mut &b""[..], 1000);
    assert!(
        matches!(
            result,
            Err(StorageError::UnsupportedHash {
                kind: HashKind::Sha1
            })
        ),
        "sha1: {result:?}"
    );
    assert_matches_model(storage, model, "sha1");
}

/// A body that yields some bytes, then fails.
struct FailingReader {
    left: usize,
}

impl Read for FailingReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "client went away",
            ));
        }
        let count = out.len().min(self.left);
        out[..count].fill(b'z');
        self.left -= count;
        Ok(count)
    }
}

/// Counts the bytes read through it.
struct CountingReader<'a> {
    inner: &'a [u8],
    count: u64,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(out)?;
        self.count += count as u64;
        Ok(count)
    }
}

fn failed_body_read_stores_nothing(storage: &dyn BlobStorage, model: &Model) {
    let result = storage.receive(None, &mut FailingReader { left: 100_000 }, 1 << 20);
    assert!(
        matches!(result, Err(StorageError::Io(_))),
        "failed read: {result:?}"
    );
    assert_matches_model(storage, model, "failed body read");
}

fn duplicates_are_stored_once(storage: &dyn BlobStorage, model: &mut Model) {
    let bytes = pattern(70_000, 3);
    let first = receive_ok(storage, model, None, &bytes);
    assert!(first.newly_stored);
    let second = receive_ok(storage, model, Some(&first.blob_ref), &bytes);
    assert!(!second.newly_stored);
    assert_eq!(second.blob_ref, first.blob_ref);
    assert_matches_model(storage, model, "duplicates");
}

fn deferred_receives_keep_the_rules_of_receive(storage: &dyn BlobStorage, model: &mut Model) {
    let bytes = pattern(50_000, 5);
    let blob_ref = BlobRef::of_bytes(&bytes);
    let first = storage
        .receive_deferred(Some(&blob_ref), &mut &bytes[..], 1 << 20)
        .expect("receive_deferred");
    assert!(first.newly_stored, "deferred: newly_stored");
    assert_eq!((first.blob_ref, first.size), (blob_ref, bytes.len() as u64));
    model.insert(blob_ref, bytes.len() as u64);
    storage.sync().expect("sync");
    assert_fetches_as(storage, &blob_ref, &bytes);
    let again = receive_ok(storage, model, None, &bytes);
    assert!(!again.newly_stored, "a deferred blob counts for dedup");
    let claimed = BlobRef::of_bytes(b"claimed, deferred");
    let result = storage.receive_deferred(Some(&claimed), &mut &b"sent"[..], 1000);
    assert!(
        matches!(result, Err(StorageError::DigestMismatch { .. })),
        "deferred mismatch: {result:?}"
    );
    let result = storage.receive_deferred(None, &mut &b"eleven byte"[..], 10);
    assert!(
        matches!(result, Err(StorageError::TooLarge { .. })),
        "deferred limit: {result:?}"
    );
    let slice = pattern(70_001, 6);
    let from_slice = storage.receive_slice_deferred(&slice).expect("slice");
    assert!(from_slice.newly_stored, "deferred slice: newly_stored");
    assert_eq!(from_slice.blob_ref, BlobRef::of_bytes(&slice), "slice ref");
    model.insert(from_slice.blob_ref, slice.len() as u64);
    let twice = storage.receive_slice_deferred(&slice).expect("slice again");
    assert!(!twice.newly_stored, "deferred slice: dedup");
    let too_large = pattern(BLOB_BYTES_MAX + 1, 7);
    let result = storage.receive_slice_deferred(&too_large);
    assert!(
        matches!(result, Err(StorageError::TooLarge { .. })),
        "deferred slice limit"
    );
    storage.sync().expect("sync");
    assert_fetches_as(storage, &from_slice.blob_ref, &slice);
    assert_matches_model(storage, model, "deferred receives");
}

fn racing_receives_report_one_new_blob(storage: &dyn BlobStorage, model: &mut Model) {
    let bytes = pattern(100_000, 4);
    let results: Vec<Received> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..RACE_THREADS_COUNT)
            .map(|_| scope.spawn(|| storage.receive(None, &mut &bytes[..], 1 << 20)))
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("thread").expect("receive"))
            .collect()
    });
    let new_count = results
        .iter()
        .filter(|received| received.newly_stored)
        .count();
    assert_eq!(new_count, 1, "exactly one racing receive stores the blob");
    model.insert(BlobRef::of_bytes(&bytes), bytes.len() as u64);
    assert_matches_model(storage, model, "racing receives");
}

fn stat_lists_present_refs_in_asked_order(storage: &dyn BlobStorage, model: &Model) {
    let present: Vec<BlobRef> = model.keys().rev().copied().collect();
    let absent = BlobRef::of_bytes(b"never stored");
    let mut asked = vec![absent, present[0]];
    asked.extend(&present);
    let expected: Vec<(BlobRef, u64)> = asked
        .iter()
        .filter_map(|r| model.get(r).map(|size| (*r, *size)))
        .collect();
    let stat = storage.stat(&asked).expect("stat");
    assert!(stat == expected, "stat: {stat:?}");
    assert!(storage.stat(&[absent]).expect("stat").is_empty());
    assert!(storage.stat(&[]).expect("stat").is_empty());
    assert!(!storage.contains(&absent).expect("contains"));
}

fn absent_blob_fetches_as_none(storage: &dyn BlobStorage) {
    let absent = BlobRef::of_bytes(b"never stored either");
    assert!(storage.fetch(&absent).expect("fetch").is_none());
}

fn enumerate_pages_through_thousands_of_blobs(storage: &dyn BlobStorage, model: &mut Model) {
    for index in 0..PAGING_BLOBS_COUNT {
        let bytes = format!("paging blob {index}");
        receive_ok(storage, model, None, bytes.as_bytes());
    }
    let expected: Vec<(BlobRef, u64)> = model.iter().map(|(r, s)| (*r, *s)).collect();
    for page_size in PAGE_SIZES {
        let mut collected: Vec<(BlobRef, u64)> = Vec::new();
        let mut after: Option<BlobRef> = None;
        loop {
            let page = storage
                .enumerate(after.as_ref(), page_size)
                .expect("enumerate");
            assert!(page.len() <= page_size, "page longer than its limit");
            collected.extend(&page);
            if page.len() < page_size {
                break;
            }
            after = page.last().map(|(blob_ref, _)| *blob_ref);
        }
        assert!(
            collected == expected,
            "paging by {page_size}: {} blobs",
            collected.len()
        );
    }
    enumerate_edges(storage, &expected);
}

fn enumerate_edges(storage: &dyn BlobStorage, expected: &[(BlobRef, u64)]) {
    assert!(storage.enumerate(None, 0).expect("enumerate").is_empty());
    let last = expected.last().expect("blobs").0;
    assert!(
        storage
            .enumerate(Some(&last), 10)
            .expect("enumerate")
            .is_empty()
    );
    // `after` exclusive, and an absent `after` starts at the next ref.
    let middle = expected[expected.len() / 2].0;
    let page = storage.enumerate(Some(&middle), 3).expect("enumerate");
    assert!(
        page[..] == expected[expected.len() / 2 + 1..][..3],
        "after is exclusive"
    );
    let absent = BlobRef::of_bytes(b"an absent cursor");
    let next = expected.partition_point(|(blob_ref, _)| *blob_ref <= absent);
    let page = storage.enumerate(Some(&absent), 2).expect("enumerate");
    let wanted = &expected[next..(next + 2).min(expected.len())];
    assert!(
        page[..] == *wanted,
        "an absent after starts at the next ref"
    );
}
