//! Tests of the chunker: cut points pinned against an independent
//! reference, bounds, round trips, shift resistance, odd readers.

use super::*;
use crate::blob::BlobRef;
use crate::blob::rollsum::RollSum;

/// The same generator as the reference script that produced the pinned
/// cut points below.
pub(crate) use crate::util::splitmix::pseudo_random_bytes;

/// (start, end, bits) of every chunk the chunker makes of `data`, read
/// through `reader`.
fn spans_of(reader: impl Read) -> Vec<(u64, u64, u32)> {
    let mut chunker = Chunker::new(reader);
    let mut spans = Vec::new();
    while let Some(chunk) = chunker.next_chunk().expect("in-memory read") {
        let end = chunk.offset + chunk.bytes.len() as u64;
        spans.push((chunk.offset, end, chunk.bits));
    }
    spans
}

fn refs_of(data: &[u8]) -> Vec<BlobRef> {
    let mut chunker = Chunker::new(data);
    let mut refs = Vec::new();
    while let Some(chunk) = chunker.next_chunk().expect("in-memory read") {
        refs.push(BlobRef::of_bytes(chunk.bytes));
    }
    refs
}

/// Perkeep's loop written out plainly, one byte and one rule at a time,
/// with the byte-by-byte rolling checksum: the model the chunker must match.
fn reference_spans(data: &[u8]) -> Vec<(u64, u64, u32)> {
    let mut sums = RollSum::new();
    let (mut spans, mut last, mut size) = (Vec::new(), 0usize, 0usize);
    for (index, &byte) in data.iter().enumerate() {
        sums.roll(byte);
        let read = index + 1;
        size += 1;
        let bits = if size == CHUNK_BYTES_MAX {
            MAX_CUT_BITS
        } else if sums.on_split() && read > FIRST_CHUNK_BYTES && size > CHUNK_BYTES_MIN {
            sums.bits()
        } else if read == FIRST_CHUNK_BYTES {
            FIRST_CUT_BITS
        } else {
            continue;
        };
        spans.push((last as u64, read as u64, bits));
        last = read;
        size = 0;
    }
    if last != data.len() {
        spans.push((last as u64, data.len() as u64, END_BITS));
    }
    spans
}

/// A reader that returns at most `step` bytes per call, cycling the step
/// through 1..=step_max, and sometimes `Interrupted`.
struct TrickleReader<'data> {
    data: &'data [u8],
    step_max: usize,
    calls: usize,
}

impl Read for TrickleReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(7) {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let step = 1 + self.calls % self.step_max;
        let length = step.min(out.len()).min(self.data.len());
        out[..length].copy_from_slice(&self.data[..length]);
        self.data = &self.data[length..];
        Ok(length)
    }
}

#[test]
fn cut_points_match_the_independent_reference_for_seed_1() {
    // From a separate byte-by-byte implementation of Perkeep's loop (a
    // Python script), for pseudo_random_bytes(1, 3_000_000).
    let pinned: [(u64, u64, u32); 8] = [
        (0, 262_144, 18),
        (262_144, 329_740, 13),
        (329_740, 408_946, 13),
        (408_946, 476_920, 15),
        (476_920, 559_309, 13),
        (559_309, 631_846, 17),
        (631_846, 714_230, 13),
        (714_230, 797_910, 13),
    ];
    let data = pseudo_random_bytes(1, 3_000_000);
    let spans = spans_of(&data[..]);
    assert_eq!(spans.len(), 39);
    assert_eq!(spans[..8], pinned);
    assert_eq!(spans[31], (2_449_950, 2_517_355, 19));
    assert_eq!(spans[38], (2_946_232, 3_000_000, 0));
}

#[test]
fn cut_points_equal_the_byte_by_byte_model_on_several_inputs() {
    for (seed, length) in [(2, 1_500_000), (3, 2_100_000), (4, 300_000)] {
        let data = pseudo_random_bytes(seed, length);
        assert_eq!(spans_of(&data[..]), reference_spans(&data), "seed {seed}");
    }
}

#[test]
fn cut_points_do_not_depend_on_how_the_reader_delivers_bytes() {
    let data = pseudo_random_bytes(5, 900_000);
    let expected = reference_spans(&data);
    for step_max in [1, 3, 4096, 70_001] {
        let reader = TrickleReader {
            data: &data,
            step_max,
            calls: 0,
        };
        assert_eq!(spans_of(reader), expected, "steps up to {step_max}");
    }
}

#[test]
fn every_chunk_is_within_bounds_and_they_concatenate_to_the_input() {
    let data = pseudo_random_bytes(6, 5_000_000);
    let mut chunker = Chunker::new(&data[..]);
    let mut joined = Vec::with_capacity(data.len());
    let mut count = 0;
    while let Some(chunk) = chunker.next_chunk().unwrap() {
        assert_eq!(chunk.offset, joined.len() as u64);
        let length = chunk.bytes.len();
        if count == 0 {
            assert_eq!(length, FIRST_CHUNK_BYTES);
        } else if chunk.bits != END_BITS {
            assert!(
                length > CHUNK_BYTES_MIN && length <= CHUNK_BYTES_MAX,
                "{length}"
            );
        }
        assert!(length > 0 && length <= CHUNK_BYTES_MAX);
        joined.extend_from_slice(chunk.bytes);
        count += 1;
    }
    assert!(count > 50);
    assert!(joined == data, "concatenated chunks differ from the input");
    assert_eq!(chunker.position(), data.len() as u64);
}

#[test]
fn inserting_bytes_near_the_start_keeps_every_later_chunk() {
    let original = pseudo_random_bytes(7, 4_000_000);
    let mut edited = original.clone();
    let inserted = pseudo_random_bytes(8, 100);
    edited.splice(1000..1000, inserted);
    let before = refs_of(&original);
    let after = refs_of(&edited);
    // The first chunk (fixed 256 KiB) and the one after it carry the shift;
    // from the first content-defined cut on, the chunks are the same.
    assert!(before.len() > 30);
    assert_ne!(before[0], after[0]);
    assert_ne!(before[1], after[1]);
    assert_eq!(before[2..], after[2..]);
}

#[test]
fn identical_regions_of_different_files_share_chunks() {
    let shared = pseudo_random_bytes(9, 3_000_000);
    let mut first = pseudo_random_bytes(10, 500_000);
    first.extend_from_slice(&shared);
    let mut second = pseudo_random_bytes(11, 777_777);
    second.extend_from_slice(&shared);
    // Well past the start of the shared region, the two agree on every cut.
    let mut chunker = Chunker::new(&first[..]);
    let mut later = Vec::new();
    while let Some(chunk) = chunker.next_chunk().unwrap() {
        if chunk.offset >= 500_000 + CHUNK_BYTES_MAX as u64 {
            later.push(BlobRef::of_bytes(chunk.bytes));
        }
    }
    let second_refs = refs_of(&second);
    assert!(later.len() > 10);
    assert!(
        second_refs.ends_with(&later),
        "the shared tail is chunked differently"
    );
}

#[test]
fn a_file_up_to_the_first_chunk_size_is_one_chunk() {
    for length in [1, 100, FIRST_CHUNK_BYTES - 1, FIRST_CHUNK_BYTES] {
        let data = pseudo_random_bytes(12, length);
        let spans = spans_of(&data[..]);
        assert_eq!(spans.len(), 1, "length {length}");
        assert_eq!(spans[0].1, length as u64);
    }
}

#[test]
fn one_byte_past_the_first_chunk_makes_a_one_byte_chunk_as_perkeep_does() {
    let data = pseudo_random_bytes(13, FIRST_CHUNK_BYTES + 1);
    let expected = vec![
        (0, FIRST_CHUNK_BYTES as u64, FIRST_CUT_BITS),
        (
            FIRST_CHUNK_BYTES as u64,
            FIRST_CHUNK_BYTES as u64 + 1,
            END_BITS,
        ),
    ];
    assert_eq!(spans_of(&data[..]), expected);
}

#[test]
fn an_empty_stream_has_no_chunks() {
    let mut chunker = Chunker::new(&b""[..]);
    assert!(chunker.next_chunk().unwrap().is_none());
    assert!(chunker.next_chunk().unwrap().is_none());
}

#[test]
fn zeros_never_split_so_chunks_are_cut_at_the_maximum() {
    let length = FIRST_CHUNK_BYTES + 2 * CHUNK_BYTES_MAX + 5;
    let data = vec![0u8; length];
    let first = FIRST_CHUNK_BYTES as u64;
    let max = CHUNK_BYTES_MAX as u64;
    let expected = vec![
        (0, first, FIRST_CUT_BITS),
        (first, first + max, MAX_CUT_BITS),
        (first + max, first + 2 * max, MAX_CUT_BITS),
        (first + 2 * max, length as u64, END_BITS),
    ];
    assert_eq!(spans_of(&data[..]), expected);
}

#[test]
fn memory_stays_one_buffer_whatever_the_stream_length() {
    let endless = io::Read::take(io::repeat(7), 40 << 20);
    let mut chunker = Chunker::new(endless);
    let mut total = 0u64;
    while let Some(chunk) = chunker.next_chunk().unwrap() {
        total += chunk.bytes.len() as u64;
    }
    assert_eq!(total, 40 << 20);
    assert!(
        chunker.buffer.capacity() <= BUFFER_BYTES,
        "bounded by BUFFER_BYTES"
    );
}

#[test]
fn a_read_error_is_returned_not_swallowed() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }
    let mut chunker = Chunker::new(Failing);
    let error = chunker.next_chunk().unwrap_err();
    assert_eq!(error.to_string(), "disk on fire");
}

#[test]
fn a_reader_claiming_too_many_bytes_is_an_error_not_a_panic() {
    struct Liar;
    impl Read for Liar {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            Ok(out.len() + 1)
        }
    }
    assert!(Chunker::new(Liar).next_chunk().is_err());
}

#[test]
fn a_small_stream_keeps_the_small_initial_buffer() {
    let data = pseudo_random_bytes(3, 10 * 1024);
    let mut chunker = Chunker::new(&data[..]);
    let chunk = chunker.next_chunk().unwrap().expect("one chunk");
    assert_eq!(chunk.bytes, &data[..]);
    assert!(chunker.next_chunk().unwrap().is_none());
    assert_eq!(chunker.buffer.capacity(), INITIAL_BUFFER_BYTES);
}

/// (start, end, bits) of every chunk of a chunker of shared chunks, with
/// every chunk kept until the end, and the chunks' bytes concatenated.
fn shared_spans_of(reader: impl Read) -> (Vec<(u64, u64, u32)>, Vec<u8>) {
    let mut chunker = Chunker::with_shared_buffers(reader);
    let mut kept = Vec::new();
    while let Some(chunk) = chunker.next_shared_chunk().expect("in-memory read") {
        kept.push(chunk);
    }
    let spans = kept
        .iter()
        .map(|chunk| {
            (
                chunk.offset,
                chunk.offset + chunk.bytes.len() as u64,
                chunk.bits,
            )
        })
        .collect();
    let bytes = kept
        .iter()
        .flat_map(|chunk| chunk.bytes.iter().copied())
        .collect();
    (spans, bytes)
}

#[test]
fn shared_chunks_are_cut_as_borrowed_ones_and_keep_their_bytes_while_held() {
    for (seed, length) in [(2, 1_500_000), (3, 7_100_000), (4, 300_000), (9, 10)] {
        let data = pseudo_random_bytes(seed, length);
        let (spans, bytes) = shared_spans_of(&data[..]);
        assert_eq!(spans, reference_spans(&data), "seed {seed}");
        assert!(
            bytes == data,
            "seed {seed}: the bytes changed under a held chunk"
        );
    }
    let data = pseudo_random_bytes(5, 3_000_000);
    for step_max in [3, 4096, 70_001] {
        let reader = TrickleReader {
            data: &data,
            step_max,
            calls: 0,
        };
        let (spans, bytes) = shared_spans_of(reader);
        assert_eq!(spans, reference_spans(&data), "steps up to {step_max}");
        assert!(bytes == data, "steps up to {step_max}");
    }
}

#[test]
fn a_chunker_of_shared_chunks_reuses_its_buffers_once_their_chunks_are_gone() {
    let data = pseudo_random_bytes(8, 20_000_000);
    let mut chunker = Chunker::with_shared_buffers(&data[..]);
    let mut recent = std::collections::VecDeque::new();
    let mut total = 0;
    while let Some(chunk) = chunker.next_shared_chunk().unwrap() {
        total += chunk.bytes.len();
        recent.push_back(chunk);
        if recent.len() > 3 {
            recent.pop_front();
        }
    }
    assert_eq!(total, data.len());
    assert!(chunker.spare.len() <= SPARE_BUFFERS_MAX);
    // Ten full buffers of input, read into a few: growth from the initial
    // size (six buffers), then at most one held by the last three chunks
    // and one being cut.
    let growth = (BUFFER_BYTES / INITIAL_BUFFER_BYTES).ilog2() as u64 + 1;
    let made = chunker.buffers_made();
    assert!(made <= growth + 2, "{made} buffers made");
}

#[test]
#[should_panic(expected = "with_shared_buffers")]
fn shared_chunks_from_a_chunker_of_borrowed_ones_are_a_programmer_error() {
    let data = [1u8; 10];
    let _ = Chunker::new(&data[..]).next_shared_chunk();
}

#[test]
fn a_chunker_of_shared_chunks_resumes_after_a_read_error_with_chunks_out() {
    /// Fails every 5th call once, else gives up to 100,000 bytes.
    struct Flaky<'data> {
        data: &'data [u8],
        calls: usize,
    }
    impl Read for Flaky<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(5) {
                return Err(io::Error::from(io::ErrorKind::TimedOut));
            }
            let length = out.len().min(self.data.len()).min(100_000);
            out[..length].copy_from_slice(&self.data[..length]);
            self.data = &self.data[length..];
            Ok(length)
        }
    }
    let data = pseudo_random_bytes(12, 6_000_000);
    let source = Flaky {
        data: &data,
        calls: 0,
    };
    let mut chunker = Chunker::with_shared_buffers(source);
    let (mut kept, mut errors) = (Vec::new(), 0);
    loop {
        match chunker.next_shared_chunk() {
            Ok(Some(chunk)) => kept.push(chunk),
            Ok(None) => break,
            Err(error) => {
                assert_eq!(error.kind(), io::ErrorKind::TimedOut);
                errors += 1;
            }
        }
    }
    assert!(errors > 3, "{errors} errors");
    let spans: Vec<_> = kept
        .iter()
        .map(|chunk| {
            (
                chunk.offset,
                chunk.offset + chunk.bytes.len() as u64,
                chunk.bits,
            )
        })
        .collect();
    assert_eq!(spans, reference_spans(&data));
    let bytes: Vec<u8> = kept
        .iter()
        .flat_map(|chunk| chunk.bytes.iter().copied())
        .collect();
    assert!(bytes == data, "the bytes changed under a held chunk");
}
