//! A bump allocator of 64-bit atomic words, readable by any thread without
//! locks while one writer allocates (LevelDB's `Arena`, in safe Rust).
//!
//! Memory comes first from an optional *first region* sized when the arena
//! is made (a memtable makes it as large as its write buffer, so nearly
//! every word is found by plain indexing). `allocate` takes words from its
//! front and `allocate_back` from its back, so two kinds of data (skip
//! list nodes, values) share it in any proportion. When the two meet,
//! both continue in chunks of
//! `CHUNK_WORDS` words (64 KiB) that never move; an allocation larger than
//! a quarter chunk gets a chunk of its own, as in LevelDB, so little is
//! wasted. A chunk is found through a directory ([`SlotArena`]) of
//! `OnceLock`s, so readers take no lock.
//!
//! An allocation is named by a `u32` reference: its index in the first
//! region, or `first_words + (chunk << CHUNK_WORDS_LOG2 | offset)`.
//! References are never 0 (word 0 is never handed out), so 0 can mean
//! "none". Words start at 0; the writer fills them with Relaxed stores and
//! publishes a reference with a Release store, and readers that load it
//! with Acquire see the words (the skip list does so).

use crate::store::slot_arena::SlotArena;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// log2 of the words in a standard chunk.
pub const CHUNK_WORDS_LOG2: u32 = 13;
/// Words in a standard chunk (64 KiB).
pub const CHUNK_WORDS: usize = 1 << CHUNK_WORDS_LOG2;
/// Allocations above this many words get their own chunk.
const SHARED_ALLOCATION_WORDS_MAX: usize = CHUNK_WORDS / 4;
/// Words in a CPU cache line (64 bytes on x86-64 and most ARM cores).
const CACHE_LINE_WORDS: usize = 8;
/// Largest first region: half of the u32 reference space.
pub const FIRST_REGION_WORDS_MAX: usize = 1 << 31;

/// Where small allocations currently go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    First,
    Chunk(u32),
}

/// The writer's position: where the next allocations go. Made by
/// [`WordArena::cursor`].
#[derive(Debug)]
pub struct WordCursor {
    region: Region,
    /// Words used at the front of the current region.
    used_words: usize,
    next_chunk: u32,
    /// Start of the words taken from the back of the first region.
    first_limit: usize,
}

#[derive(Default)]
pub struct WordArena {
    first: Box<[AtomicU64]>,
    /// Words of the first region handed out, for memory accounting.
    first_used_words: AtomicUsize,
    chunks: SlotArena<OnceLock<Box<[AtomicU64]>>>,
    chunk_bytes: AtomicUsize,
}

impl WordArena {
    /// An arena without a first region (every word comes from chunks).
    pub fn new() -> WordArena {
        WordArena::default()
    }

    /// An arena whose first `first_words` words are allocated (and zeroed)
    /// now. REQUIRES: first_words ≤ FIRST_REGION_WORDS_MAX.
    pub fn with_first_region(first_words: usize) -> WordArena {
        assert!(
            first_words <= FIRST_REGION_WORDS_MAX,
            "first region too large"
        );
        WordArena {
            first: (0..first_words).map(|_| AtomicU64::new(0)).collect(),
            ..WordArena::default()
        }
    }

    /// The cursor of this arena's one writer. Word 0 of the first region is
    /// never handed out; without a first region, `used_words` 1 of an empty
    /// region sends the first allocation to chunk 0.
    pub fn cursor(&self) -> WordCursor {
        WordCursor {
            region: Region::First,
            used_words: 1,
            next_chunk: 0,
            first_limit: self.first.len(),
        }
    }

    /// Reserves `words` zeroed words; returns their reference and them.
    /// The first `hot_words` (if they fit in a cache line) do not straddle
    /// two lines, so a reader touching only them takes one cache miss.
    /// REQUIRES: one writer at a time (the caller owns `cursor`).
    pub fn allocate(
        &self,
        cursor: &mut WordCursor,
        words: usize,
        hot_words: usize,
    ) -> (u32, &[AtomicU64]) {
        assert!(words > 0 && hot_words <= words);
        let mut offset = self.line_fit(cursor, hot_words);
        if offset + words > self.region_end(cursor) {
            if words > SHARED_ALLOCATION_WORDS_MAX {
                let chunk = self.open_chunk(cursor, words);
                return (self.reference(Region::Chunk(chunk), 0), self.chunk(chunk));
            }
            let chunk = self.open_chunk(cursor, CHUNK_WORDS);
            if cursor.region == Region::First {
                // What is left between front and back is abandoned.
                let abandoned = self.first.len();
                self.first_used_words.store(abandoned, Ordering::Relaxed);
            }
            cursor.region = Region::Chunk(chunk);
            // Without a first region, word 0 of chunk 0 is reference 0.
            cursor.used_words = usize::from(self.first.is_empty() && chunk == 0);
            offset = self.line_fit(cursor, hot_words);
        }
        cursor.used_words = offset + words;
        if cursor.region == Region::First {
            self.account_first(cursor);
        }
        let slice = &self.region(cursor.region)[offset..offset + words];
        (self.reference(cursor.region, offset), slice)
    }

    /// Reserves `words` zeroed words from the back of the first region, or
    /// like `allocate` once front and back meet.
    pub fn allocate_back(&self, cursor: &mut WordCursor, words: usize) -> (u32, &[AtomicU64]) {
        assert!(words > 0);
        // (Without a first region, used_words 1 exceeds first_limit 0.)
        let gap = cursor.first_limit.saturating_sub(cursor.used_words);
        if cursor.region != Region::First || gap < words {
            return self.allocate(cursor, words, 0);
        }
        cursor.first_limit -= words;
        self.account_first(cursor);
        let start = cursor.first_limit;
        (
            self.reference(Region::First, start),
            &self.first[start..start + words],
        )
    }

    /// Records the first region's words in use (front and back).
    fn account_first(&self, cursor: &WordCursor) {
        let used = cursor.used_words + (self.first.len() - cursor.first_limit);
        self.first_used_words.store(used, Ordering::Relaxed);
    }

    /// Where the free words of the cursor's region end.
    fn region_end(&self, cursor: &WordCursor) -> usize {
        match cursor.region {
            Region::First => cursor.first_limit,
            Region::Chunk(chunk) => self.chunk(chunk).len(),
        }
    }

    fn region(&self, region: Region) -> &[AtomicU64] {
        match region {
            Region::First => &self.first,
            Region::Chunk(chunk) => self.chunk(chunk),
        }
    }

    fn reference(&self, region: Region, offset: usize) -> u32 {
        let global = match region {
            Region::First => offset,
            Region::Chunk(chunk) => {
                self.first.len() + ((chunk as usize) << CHUNK_WORDS_LOG2) + offset
            }
        };
        u32::try_from(global).expect("word arena references past u32")
    }

    /// The first offset at or after the cursor where `hot_words` words do
    /// not cross a cache line (the cursor itself if they cannot fit one).
    fn line_fit(&self, cursor: &WordCursor, hot_words: usize) -> usize {
        let region = self.region(cursor.region);
        if cursor.used_words >= self.region_end(cursor) || hot_words > CACHE_LINE_WORDS {
            return cursor.used_words;
        }
        let address = region.as_ptr() as usize;
        let line_offset = (address / 8 + cursor.used_words) % CACHE_LINE_WORDS;
        if line_offset + hot_words <= CACHE_LINE_WORDS {
            cursor.used_words
        } else {
            cursor.used_words + CACHE_LINE_WORDS - line_offset
        }
    }

    fn open_chunk(&self, cursor: &mut WordCursor, words: usize) -> u32 {
        let chunk = cursor.next_chunk;
        // The chunk's last word must still have a u32 reference.
        let end = self.first.len() + ((chunk as usize + 1) << CHUNK_WORDS_LOG2);
        assert!(
            end <= u32::MAX as usize + 1,
            "word arena over its reference space"
        );
        cursor.next_chunk += 1;
        let slot = self.chunks.get_or_grow(chunk);
        let fresh: Box<[AtomicU64]> = (0..words).map(|_| AtomicU64::new(0)).collect();
        assert!(slot.set(fresh).is_ok(), "chunk opened twice");
        let bytes = words * std::mem::size_of::<AtomicU64>();
        self.chunk_bytes.fetch_add(bytes, Ordering::Relaxed);
        chunk
    }

    #[inline]
    fn chunk(&self, chunk: u32) -> &[AtomicU64] {
        let slot = self.chunks.get(chunk).and_then(OnceLock::get);
        slot.expect("a published reference names an opened chunk")
    }

    /// The words from `reference` to the end of its region.
    /// REQUIRES: `reference` came from `allocate` (and was published).
    #[inline]
    pub fn words(&self, reference: u32) -> &[AtomicU64] {
        let index = reference as usize;
        if index < self.first.len() {
            return &self.first[index..];
        }
        let global = index - self.first.len();
        let offset = global & (CHUNK_WORDS - 1);
        &self.chunk((global >> CHUNK_WORDS_LOG2) as u32)[offset..]
    }

    /// Bytes in use: the first region's words handed out, plus every
    /// chunk opened.
    pub fn allocated_bytes(&self) -> usize {
        let first = self.first_used_words.load(Ordering::Relaxed) * 8;
        first + self.chunk_bytes.load(Ordering::Relaxed) + self.chunks.allocated_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_words_never_straddle_a_cache_line() {
        let arena = WordArena::new();
        let mut cursor = arena.cursor();
        for size in (1..5000).map(|i| 1 + i % 13) {
            let hot = size.min(1 + size % 8);
            let (_, words) = arena.allocate(&mut cursor, size, hot);
            let first_line = words.as_ptr() as usize / 64;
            let last_line = (words.as_ptr() as usize + hot * 8 - 1) / 64;
            assert_eq!(first_line, last_line, "size {size}, hot {hot}");
        }
    }

    #[test]
    fn allocations_are_distinct_nonzero_and_keep_their_words() {
        let arena = WordArena::new();
        let mut cursor = arena.cursor();
        let mut references = Vec::new();
        for size in (1..3000).map(|i| 1 + i % 40) {
            let (reference, words) = arena.allocate(&mut cursor, size, size.min(5));
            assert_ne!(reference, 0);
            assert_eq!(words.len(), size);
            for word in words {
                assert_eq!(word.load(Ordering::Relaxed), 0);
                word.store(u64::from(reference), Ordering::Relaxed);
            }
            references.push((reference, size));
        }
        for &(reference, size) in &references {
            let words = &arena.words(reference)[..size];
            assert!(
                words
                    .iter()
                    .all(|w| w.load(Ordering::Relaxed) == u64::from(reference))
            );
        }
    }

    #[test]
    fn first_region_serves_allocations_then_chunks_take_over() {
        let arena = WordArena::with_first_region(1000);
        let mut cursor = arena.cursor();
        let mut allocations = Vec::new();
        for index in 0..3000u64 {
            let size = 1 + (index % 7) as usize;
            let (reference, words) = arena.allocate(&mut cursor, size, size.min(4));
            assert_ne!(reference, 0);
            words
                .iter()
                .for_each(|word| word.store(index, Ordering::Relaxed));
            allocations.push((reference, size, index));
        }
        let in_first = allocations
            .iter()
            .filter(|(r, ..)| (*r as usize) < 1000)
            .count();
        assert!(
            in_first > 200 && in_first < 3000,
            "{in_first} in the first region"
        );
        for &(reference, size, index) in &allocations {
            let words = &arena.words(reference)[..size];
            assert!(
                words.iter().all(|w| w.load(Ordering::Relaxed) == index),
                "{index}"
            );
        }
        let big = arena.allocate(&mut cursor, 3 * CHUNK_WORDS, 0);
        assert_eq!(arena.words(big.0).len(), 3 * CHUNK_WORDS);
    }

    #[test]
    fn front_and_back_allocations_share_the_first_region_without_overlap() {
        let arena = WordArena::with_first_region(5000);
        let mut cursor = arena.cursor();
        let mut allocations = Vec::new();
        for index in 0..4000u64 {
            let size = 1 + (index % 5) as usize;
            let (reference, words) = if index % 3 == 0 {
                arena.allocate_back(&mut cursor, size * 2)
            } else {
                arena.allocate(&mut cursor, size, size)
            };
            assert_ne!(reference, 0);
            words
                .iter()
                .for_each(|word| word.store(index, Ordering::Relaxed));
            allocations.push((reference, words.len(), index));
        }
        let back_in_first = allocations
            .iter()
            .filter(|(r, _, i)| i % 3 == 0 && (*r as usize) < 5000)
            .count();
        assert!(
            back_in_first > 100,
            "{back_in_first} back allocations in the first region"
        );
        for &(reference, size, index) in &allocations {
            let words = &arena.words(reference)[..size];
            assert!(
                words.iter().all(|w| w.load(Ordering::Relaxed) == index),
                "{index}"
            );
        }
    }

    #[test]
    fn memory_counts_the_used_part_of_the_first_region() {
        let arena = WordArena::with_first_region(100_000);
        let mut cursor = arena.cursor();
        let before = arena.allocated_bytes();
        arena.allocate(&mut cursor, 100, 0);
        assert_eq!(arena.allocated_bytes() - before, 101 * 8);
        arena.allocate_back(&mut cursor, 50);
        assert_eq!(arena.allocated_bytes() - before, 151 * 8);
    }

    #[test]
    fn large_allocations_get_their_own_chunk_and_small_ones_continue() {
        let arena = WordArena::new();
        let mut cursor = arena.cursor();
        let (small, _) = arena.allocate(&mut cursor, 10, 0);
        let (large, words) = arena.allocate(&mut cursor, 3 * CHUNK_WORDS, 0);
        assert_eq!(words.len(), 3 * CHUNK_WORDS);
        assert_eq!(large & (CHUNK_WORDS as u32 - 1), 0);
        let (next, _) = arena.allocate(&mut cursor, 10, 0);
        assert_eq!(next, small + 10);
        assert!(arena.allocated_bytes() >= 4 * CHUNK_WORDS * 8);
    }
}
