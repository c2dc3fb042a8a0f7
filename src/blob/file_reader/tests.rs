//! Tests of the file reader: ranges against the bytes written, reads
//! limited to the chunks a range needs, offsets, zeros, corrupt trees.

use super::*;
use crate::blob::BlobSink;
use crate::blob::chunker::tests::pseudo_random_bytes;
use crate::blob::file_schema::{FileMeta, SchemaError, bytes_schema, file_schema};
use crate::blob::file_writer::write_file;
use crate::blob::test_store::MemoryStore;

fn read_all(store: &MemoryStore, file_ref: &BlobRef, start: u64, end: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let written = read_range(store, file_ref, start, end, &mut out).unwrap();
    assert_eq!(written, out.len() as u64);
    out
}

#[test]
fn any_range_reads_back_exactly_the_bytes_written() {
    let data = pseudo_random_bytes(31, 5_000_000);
    let store = MemoryStore::new();
    let file = write_file(&store, &data[..], &FileMeta::default()).unwrap();
    let size = data.len() as u64;
    let noise = pseudo_random_bytes(32, 8 * 40);
    for pair in noise.chunks_exact(16) {
        let a = u64::from_le_bytes(pair[..8].try_into().unwrap()) % (size + 1);
        let b = u64::from_le_bytes(pair[8..].try_into().unwrap()) % (size + 1);
        let (start, end) = (a.min(b), a.max(b));
        let expected = &data[start as usize..end as usize];
        assert!(
            read_all(&store, &file.file_ref, start, end) == expected,
            "{start}..{end}"
        );
    }
    assert!(read_all(&store, &file.file_ref, size, size).is_empty());
}

#[test]
fn a_range_reads_only_the_chunks_that_cover_it() {
    let data = pseudo_random_bytes(33, 4_000_000);
    let store = MemoryStore::new();
    let file = write_file(&store, &data[..], &FileMeta::default()).unwrap();
    let slices = chunks_covering(&store, &file.file_ref, 3_000_000, 3_000_010).unwrap();
    assert_eq!(slices.len(), 1, "ten bytes inside one chunk: {slices:?}");
    assert_eq!(slices[0].file_offset, 3_000_000);
    assert_eq!(slices[0].length, 10);
    store.gets.borrow_mut().clear();
    let bytes = read_all(&store, &file.file_ref, 3_000_000, 3_000_010);
    assert!(bytes == data[3_000_000..3_000_010]);
    let reads: Vec<BlobRef> = store.gets.borrow().clone();
    let chunk_reads = reads
        .iter()
        .filter(|blob_ref| ContentSchema::parse(&store.get(blob_ref).unwrap()).is_err())
        .count();
    assert_eq!(chunk_reads, 1);
}

#[test]
fn slices_tile_the_range_in_order() {
    let data = pseudo_random_bytes(34, 3_000_000);
    let store = MemoryStore::new();
    let file = write_file(&store, &data[..], &FileMeta::default()).unwrap();
    let slices = chunks_covering(&store, &file.file_ref, 100_000, 2_900_000).unwrap();
    let mut position = 100_000;
    for slice in &slices {
        assert_eq!(slice.file_offset, position);
        assert!(slice.length > 0);
        position += slice.length;
    }
    assert_eq!(position, 2_900_000);
}

/// A file blob by hand: "lo, w" from "hello, world" at offset 3, then
/// four zeros, then "ABCDE" from offset 1 of a bytes blob over "xABCDEFy".
fn hand_made_file(store: &MemoryStore) -> BlobRef {
    let hello = store.put(b"hello, world").unwrap();
    let x = store.put(b"xABC").unwrap();
    let y = store.put(b"DEFy").unwrap();
    let inner = bytes_schema(&[Part::blob(x, 4), Part::blob(y, 4)]);
    let inner = store.put(inner.as_bytes()).unwrap();
    let parts = [
        Part {
            target: PartTarget::Blob(hello),
            size: 5,
            offset: 3,
        },
        Part {
            target: PartTarget::Zeros,
            size: 4,
            offset: 0,
        },
        Part {
            target: PartTarget::Bytes(inner),
            size: 5,
            offset: 1,
        },
    ];
    store
        .put(file_schema(&FileMeta::default(), &parts).as_bytes())
        .unwrap()
}

#[test]
fn offsets_zeros_and_nested_bytes_read_as_the_schema_says() {
    let store = MemoryStore::new();
    let file = hand_made_file(&store);
    assert_eq!(read_all(&store, &file, 0, 14), b"lo, w\0\0\0\0ABCDE");
    assert_eq!(read_all(&store, &file, 4, 11), b"w\0\0\0\0AB");
    assert_eq!(read_all(&store, &file, 11, 14), b"CDE");
    assert_eq!(read_all(&store, &file, 12, 13), b"D");
}

#[test]
fn a_range_past_the_end_is_an_error() {
    let store = MemoryStore::new();
    let file = hand_made_file(&store);
    let result = chunks_covering(&store, &file, 10, 15);
    assert!(matches!(
        result,
        Err(FileError::RangeOutOfBounds {
            start: 10,
            end: 15,
            size: 14
        })
    ));
    assert!(matches!(
        chunks_covering(&store, &file, 9, 8),
        Err(FileError::RangeOutOfBounds { .. })
    ));
}

#[test]
fn a_part_longer_than_its_chunk_is_an_error_not_a_panic() {
    let store = MemoryStore::new();
    let short = store.put(b"abc").unwrap();
    let parts = [Part {
        target: PartTarget::Blob(short),
        size: 3,
        offset: 2,
    }];
    let file = store
        .put(file_schema(&FileMeta::default(), &parts).as_bytes())
        .unwrap();
    let result = read_range(&store, &file, 0, 3, &mut Vec::new());
    assert!(matches!(
        result,
        Err(FileError::PartBeyondTarget {
            needed: 5,
            actual: 3,
            ..
        })
    ));
}

#[test]
fn a_part_longer_than_its_bytes_blob_is_an_error() {
    let store = MemoryStore::new();
    let chunk = store.put(b"abc").unwrap();
    let inner = store
        .put(bytes_schema(&[Part::blob(chunk, 3)]).as_bytes())
        .unwrap();
    let parts = [Part::bytes(inner, 4)];
    let file = store
        .put(file_schema(&FileMeta::default(), &parts).as_bytes())
        .unwrap();
    let result = chunks_covering(&store, &file, 0, 4);
    assert!(matches!(
        result,
        Err(FileError::PartBeyondTarget {
            needed: 4,
            actual: 3,
            ..
        })
    ));
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error() {
    let store = MemoryStore::new();
    let mut top = store.put(b"z").unwrap();
    let mut part = Part::blob(top, 1);
    for _ in 0..=TREE_DEPTH_MAX {
        top = store.put(bytes_schema(&[part]).as_bytes()).unwrap();
        part = Part::bytes(top, 1);
    }
    let file = store
        .put(file_schema(&FileMeta::default(), &[part]).as_bytes())
        .unwrap();
    assert!(matches!(
        chunks_covering(&store, &file, 0, 1),
        Err(FileError::TooDeep { .. })
    ));
}

#[test]
fn a_cycle_in_a_corrupt_store_ends_in_an_error() {
    // Content addressing makes a cycle impossible in an honest store;
    // a lying one must still not make the reader loop.
    let store = MemoryStore::new();
    let looping = BlobRef::of_bytes(b"pretend");
    let text = bytes_schema(&[Part::bytes(looping, 1)]);
    store.put_unchecked(looping, text.as_bytes());
    assert!(matches!(
        chunks_covering(&store, &looping, 0, 1),
        Err(FileError::TooDeep { .. })
    ));
}

#[test]
fn a_missing_blob_or_a_non_schema_blob_is_reported_with_its_ref() {
    let store = MemoryStore::new();
    let absent = BlobRef::of_bytes(b"absent");
    let result = chunks_covering(&store, &absent, 0, 0);
    assert!(
        matches!(result, Err(FileError::Io(error)) if error.kind() == std::io::ErrorKind::NotFound)
    );
    let plain = store.put(b"not json").unwrap();
    let result = chunks_covering(&store, &plain, 0, 0);
    assert!(matches!(
        result,
        Err(FileError::Schema { blob, error: SchemaError::Json(_) }) if blob == plain
    ));
    assert!(!store.contains(&absent));
}
