//! Tests of the file writer: Perkeep's grouping rule against a literal
//! model of its span tree, hand-worked examples, and whole files.

use super::*;
use crate::blob::BlobSource;
use crate::blob::chunker::tests::pseudo_random_bytes;
use crate::blob::file_reader::{read_range, read_schema};
use crate::blob::file_schema::{ContentSchema, PartTarget};
use crate::blob::test_store::MemoryStore;

fn chunk_ref(index: u64) -> BlobRef {
    BlobRef::of_bytes(&index.to_le_bytes())
}

/// Perkeep's span, kept whole as its loop builds it.
struct ModelSpan {
    size: u64,
    bits: u32,
    chunk: BlobRef,
    children: Vec<ModelSpan>,
}

impl ModelSpan {
    fn total(&self) -> u64 {
        self.size + self.children.iter().map(ModelSpan::total).sum::<u64>()
    }
}

/// Perkeep's loop: each new span takes the trailing spans of lower weight
/// as its children.
fn model_spans(chunks: &[(BlobRef, u64, u32)]) -> Vec<ModelSpan> {
    let mut spans: Vec<ModelSpan> = Vec::new();
    for &(chunk, size, bits) in chunks {
        let mut from = spans.len();
        while from > 0 && spans[from - 1].bits < bits {
            from -= 1;
        }
        let children = spans.split_off(from);
        spans.push(ModelSpan {
            size,
            bits,
            chunk,
            children,
        });
    }
    spans
}

/// Perkeep's `addBytesParts`, recursively, putting `bytes` blobs.
fn model_parts(store: &MemoryStore, spans: &[ModelSpan]) -> Vec<Part> {
    let mut parts = Vec::new();
    for span in spans {
        match span.children.as_slice() {
            [] => {}
            [only] if only.children.is_empty() => parts.push(Part::blob(only.chunk, only.size)),
            children => {
                let nested = model_parts(store, children);
                let bytes_ref = store.put(bytes_schema(&nested).as_bytes()).unwrap();
                let size = children.iter().map(ModelSpan::total).sum();
                parts.push(Part::bytes(bytes_ref, size));
            }
        }
        parts.push(Part::blob(span.chunk, span.size));
    }
    parts
}

/// Chunk weights as the chunker makes them: 18 first, mostly 13, with the
/// odds of each higher weight halving, an occasional 20, and 0 last.
fn weights(seed: u64, count: usize) -> Vec<u32> {
    let noise = pseudo_random_bytes(seed, count);
    let mut bits: Vec<u32> = noise
        .iter()
        .map(|&byte| match byte {
            0..=3 => 20,
            _ => 13 + (byte >> 2).trailing_ones().min(6),
        })
        .collect();
    bits[0] = 18;
    bits[count - 1] = 0;
    bits
}

fn file_ref_of(writer_chunks: &[(BlobRef, u64, u32)], store: &MemoryStore) -> BlobRef {
    let mut writer = FileWriter::new(store);
    for &(chunk, size, bits) in writer_chunks {
        writer.add_chunk(chunk, size, bits).unwrap();
    }
    writer.finish(&FileMeta::default()).unwrap().file_ref
}

#[test]
fn grouping_matches_a_literal_model_of_perkeeps_span_tree() {
    for seed in 0..40 {
        let count = 1 + (seed as usize * 37) % 400;
        let chunks: Vec<(BlobRef, u64, u32)> = weights(seed, count.max(2))
            .into_iter()
            .enumerate()
            .map(|(index, bits)| (chunk_ref(index as u64), 1000 + index as u64, bits))
            .collect();
        let model_store = MemoryStore::new();
        let parts = model_parts(&model_store, &model_spans(&chunks));
        let expected = model_store
            .put(file_schema(&FileMeta::default(), &parts).as_bytes())
            .unwrap();
        let store = MemoryStore::new();
        assert_eq!(file_ref_of(&chunks, &store), expected, "seed {seed}");
        assert_eq!(store.len(), model_store.len(), "seed {seed}");
    }
}

#[test]
fn a_heavier_cut_groups_the_lighter_spans_before_it_into_a_bytes_blob() {
    // Weights 18, 13, 13, 15, 13, 0: the 15 takes both 13s as children.
    let weights = [18, 13, 13, 15, 13, 0];
    let chunks: Vec<(BlobRef, u64, u32)> = (0..6)
        .map(|index| (chunk_ref(index), 10 * (index + 1), weights[index as usize]))
        .collect();
    let store = MemoryStore::new();
    let file_ref = file_ref_of(&chunks, &store);
    let file = read_schema(&store, &file_ref).unwrap();
    let bytes_ref = match file.parts[1].target {
        PartTarget::Bytes(bytes_ref) => bytes_ref,
        other => panic!("expected a bytesRef part, got {other:?}"),
    };
    assert_eq!(file.parts[1].size, 20 + 30);
    let expected = vec![
        Part::blob(chunk_ref(0), 10),
        Part::bytes(bytes_ref, 50),
        Part::blob(chunk_ref(3), 40),
        Part::blob(chunk_ref(4), 50),
        Part::blob(chunk_ref(5), 60),
    ];
    assert_eq!(file.parts, expected);
    let bytes = read_schema(&store, &bytes_ref).unwrap();
    assert_eq!(
        bytes.parts,
        vec![Part::blob(chunk_ref(1), 20), Part::blob(chunk_ref(2), 30)]
    );
}

#[test]
fn a_single_plain_child_is_promoted_instead_of_a_bytes_blob() {
    let chunks = [
        (chunk_ref(0), 5, 18),
        (chunk_ref(1), 6, 13),
        (chunk_ref(2), 7, 14),
        (chunk_ref(3), 8, 0),
    ];
    let store = MemoryStore::new();
    let file = read_schema(&store, &file_ref_of(&chunks, &store)).unwrap();
    let expected: Vec<Part> = chunks
        .iter()
        .map(|&(chunk, size, _)| Part::blob(chunk, size))
        .collect();
    assert_eq!(file.parts, expected);
    assert_eq!(
        store.len(),
        1,
        "only the file blob: no bytes blob was needed"
    );
}

#[test]
fn an_empty_file_is_a_file_blob_with_no_parts() {
    let store = MemoryStore::new();
    let meta = FileMeta {
        file_name: String::from("empty"),
        unix_mtime: None,
    };
    let written = write_file(&store, &b""[..], &meta).unwrap();
    assert_eq!((written.size, written.chunks), (0, 0));
    let file = read_schema(&store, &written.file_ref).unwrap();
    assert!(file.parts.is_empty());
    assert_eq!(file.file_name.as_deref(), Some("empty"));
}

#[test]
fn a_small_file_is_one_chunk_and_one_file_blob_written_last() {
    let store = MemoryStore::new();
    let data = b"hello, strata";
    let written = write_file(&store, &data[..], &FileMeta::default()).unwrap();
    let puts = store.puts.borrow();
    assert_eq!(*puts, vec![BlobRef::of_bytes(data), written.file_ref]);
    let file = read_schema(&store, &written.file_ref).unwrap();
    assert_eq!(file.parts, vec![Part::blob(BlobRef::of_bytes(data), 13)]);
}

#[test]
fn a_long_file_round_trips_and_names_parts_only_after_putting_them() {
    let data = pseudo_random_bytes(21, 6_000_000);
    let store = MemoryStore::new();
    let written = write_file(&store, &data[..], &FileMeta::default()).unwrap();
    assert_eq!(written.size, data.len() as u64);
    let mut back = Vec::new();
    read_range(&store, &written.file_ref, 0, written.size, &mut back).unwrap();
    assert!(back == data, "the content read back differs");
    // Every schema blob names only blobs put before it.
    let puts = store.puts.borrow();
    for (position, blob_ref) in puts.iter().enumerate() {
        let bytes = store.get(blob_ref).unwrap();
        if let Ok(schema) = ContentSchema::parse(&bytes) {
            for part in &schema.parts {
                let named = match part.target {
                    PartTarget::Blob(named) | PartTarget::Bytes(named) => named,
                    PartTarget::Zeros => continue,
                };
                assert!(
                    puts[..position].contains(&named),
                    "{named} put after its parent"
                );
            }
        }
    }
    let file = read_schema(&store, &written.file_ref).unwrap();
    let has_bytes = |part: &Part| matches!(part.target, PartTarget::Bytes(_));
    assert!(
        file.parts.iter().any(has_bytes),
        "6 MB should need bytes blobs"
    );
}

#[test]
fn the_same_bytes_always_make_the_same_file_ref() {
    let data = pseudo_random_bytes(22, 2_000_000);
    let first = write_file(&MemoryStore::new(), &data[..], &FileMeta::default()).unwrap();
    let second = write_file(&MemoryStore::new(), &data[..], &FileMeta::default()).unwrap();
    assert_eq!(first, second);
    let named = FileMeta {
        file_name: String::from("x"),
        unix_mtime: None,
    };
    let third = write_file(&MemoryStore::new(), &data[..], &named).unwrap();
    assert_ne!(first.file_ref, third.file_ref);
}

#[test]
fn a_file_too_long_to_describe_is_refused_before_memory_grows() {
    // Equal weights never group, so every chunk stays at the top level.
    let store = MemoryStore::new();
    let mut writer = FileWriter::new(&store);
    let mut result = Ok(());
    for index in 0..=PARTS_MAX as u64 {
        result = writer.add_chunk(chunk_ref(index % 7), 1, 20);
        if result.is_err() {
            break;
        }
    }
    assert!(matches!(result, Err(FileError::TooManyParts { .. })));
}

#[test]
fn a_failing_sink_fails_the_write() {
    struct Full;
    impl BlobSink for Full {
        fn put(&self, _: &[u8]) -> std::io::Result<BlobRef> {
            Err(std::io::Error::other("disk full"))
        }
    }
    let result = write_file(&Full, &b"data"[..], &FileMeta::default());
    assert!(matches!(result, Err(FileError::Io(error)) if error.to_string() == "disk full"));
}
