//! A bump allocator of 64-bit atomic words, readable by any thread without
//! locks while one writer allocates (LevelDB's `Arena`, in safe Rust).
//!
//! Memory comes in chunks of `CHUNK_WORDS` words (64 KiB) that never move;
//! an allocation larger than a quarter chunk gets a chunk of its own, as
//! in LevelDB, so little is wasted. A chunk is found through a directory
//! ([`SlotArena`]) of `OnceLock`s, so readers take no lock.
//!
//! An allocation is named by a `u32` reference: `chunk << CHUNK_WORDS_LOG2
//! | offset`. References are never 0 (word 0 of chunk 0 is never handed
//! out), so 0 can mean "none". Words start at 0; the writer fills them with
//! Relaxed stores and publishes a reference with a Release store, and
//! readers that load it with Acquire see the words (the skip list does so).

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
/// Chunks a u32 reference can name.
const CHUNKS_MAX: u32 = 1 << (32 - CHUNK_WORDS_LOG2);

/// The writer's position: where the next small allocation goes.
#[derive(Debug)]
pub struct WordCursor {
    chunk: u32,
    used_words: usize,
    next_chunk: u32,
}

impl Default for WordCursor {
    fn default() -> WordCursor {
        // Chunk 0 starts "full"; the first allocation opens it at offset 1.
        WordCursor {
            chunk: 0,
            used_words: CHUNK_WORDS,
            next_chunk: 0,
        }
    }
}

#[derive(Default)]
pub struct WordArena {
    chunks: SlotArena<OnceLock<Box<[AtomicU64]>>>,
    allocated_bytes: AtomicUsize,
}

impl WordArena {
    pub fn new() -> WordArena {
        WordArena::default()
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
        if words > SHARED_ALLOCATION_WORDS_MAX {
            let chunk = self.open_chunk(cursor, words);
            let slice = self.chunk(chunk);
            return (chunk << CHUNK_WORDS_LOG2, slice);
        }
        let mut offset = self.line_fit(cursor, hot_words);
        if offset + words > CHUNK_WORDS {
            cursor.chunk = self.open_chunk(cursor, CHUNK_WORDS);
            // Word 0 of chunk 0 stays unused so no reference is 0.
            cursor.used_words = usize::from(cursor.chunk == 0);
            offset = self.line_fit(cursor, hot_words);
        }
        cursor.used_words = offset + words;
        let reference = (cursor.chunk << CHUNK_WORDS_LOG2) | offset as u32;
        (reference, &self.chunk(cursor.chunk)[offset..offset + words])
    }

    /// The first offset at or after the cursor where `hot_words` words do
    /// not cross a cache line (the cursor itself if they cannot fit one).
    fn line_fit(&self, cursor: &WordCursor, hot_words: usize) -> usize {
        if cursor.used_words >= CHUNK_WORDS || hot_words > CACHE_LINE_WORDS {
            return cursor.used_words;
        }
        let address = self.chunk(cursor.chunk).as_ptr() as usize;
        let line_offset = (address / 8 + cursor.used_words) % CACHE_LINE_WORDS;
        if line_offset + hot_words <= CACHE_LINE_WORDS {
            cursor.used_words
        } else {
            cursor.used_words + CACHE_LINE_WORDS - line_offset
        }
    }

    fn open_chunk(&self, cursor: &mut WordCursor, words: usize) -> u32 {
        let chunk = cursor.next_chunk;
        assert!(chunk < CHUNKS_MAX, "word arena over 32 GiB");
        cursor.next_chunk += 1;
        let slot = self.chunks.get_or_grow(chunk);
        let fresh: Box<[AtomicU64]> = (0..words).map(|_| AtomicU64::new(0)).collect();
        assert!(slot.set(fresh).is_ok(), "chunk opened twice");
        let bytes = words * std::mem::size_of::<AtomicU64>();
        self.allocated_bytes.fetch_add(bytes, Ordering::Relaxed);
        chunk
    }

    #[inline]
    fn chunk(&self, chunk: u32) -> &[AtomicU64] {
        let slot = self.chunks.get(chunk).and_then(OnceLock::get);
        slot.expect("a published reference names an opened chunk")
    }

    /// The words from `reference` to the end of its chunk.
    /// REQUIRES: `reference` came from `allocate` (and was published).
    #[inline]
    pub fn words(&self, reference: u32) -> &[AtomicU64] {
        let offset = (reference as usize) & (CHUNK_WORDS - 1);
        &self.chunk(reference >> CHUNK_WORDS_LOG2)[offset..]
    }

    /// Bytes of every chunk opened (what the arena costs in memory).
    pub fn allocated_bytes(&self) -> usize {
        self.allocated_bytes.load(Ordering::Relaxed) + self.chunks.allocated_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_words_never_straddle_a_cache_line() {
        let arena = WordArena::new();
        let mut cursor = WordCursor::default();
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
        let mut cursor = WordCursor::default();
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
    fn large_allocations_get_their_own_chunk_and_small_ones_continue() {
        let arena = WordArena::new();
        let mut cursor = WordCursor::default();
        let (small, _) = arena.allocate(&mut cursor, 10, 0);
        let (large, words) = arena.allocate(&mut cursor, 3 * CHUNK_WORDS, 0);
        assert_eq!(words.len(), 3 * CHUNK_WORDS);
        assert_eq!(large & (CHUNK_WORDS as u32 - 1), 0);
        let (next, _) = arena.allocate(&mut cursor, 10, 0);
        assert_eq!(next, small + 10);
        assert!(arena.allocated_bytes() >= 4 * CHUNK_WORDS * 8);
    }
}
