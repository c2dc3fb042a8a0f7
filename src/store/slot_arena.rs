//! A growable array whose slots never move, readable by any thread without
//! locks while one writer grows it: the storage under the skip list.
//!
//! Slot `i` lives in chunk `k = log2(i + FIRST_CHUNK_SLOTS) - log2(FIRST_CHUNK_SLOTS)`;
//! chunk `k` holds `FIRST_CHUNK_SLOTS << k` slots and is allocated once, on
//! first use, behind a `OnceLock`. Slots are plain values made with
//! `T::default()`; interior mutability (atomics, `OnceLock`) is the
//! caller's. Memory grows by doubling, so at most half of it is unused.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// log2 of the slots in chunk 0.
const FIRST_CHUNK_SLOTS_LOG2: u32 = 8;
const FIRST_CHUNK_SLOTS: u64 = 1 << FIRST_CHUNK_SLOTS_LOG2;
/// Chunks needed to address every u32 index.
const CHUNKS: usize = (32 - FIRST_CHUNK_SLOTS_LOG2 + 1) as usize;

pub struct SlotArena<T> {
    chunks: [OnceLock<Box<[T]>>; CHUNKS],
    allocated_bytes: AtomicUsize,
}

impl<T: Default> Default for SlotArena<T> {
    fn default() -> SlotArena<T> {
        SlotArena::new()
    }
}

/// The chunk and the offset in it of slot `index`.
#[inline]
fn locate(index: u32) -> (usize, usize) {
    let biased = u64::from(index) + FIRST_CHUNK_SLOTS;
    let chunk = 63 - biased.leading_zeros() - FIRST_CHUNK_SLOTS_LOG2;
    let offset = biased - (FIRST_CHUNK_SLOTS << chunk);
    (chunk as usize, offset as usize)
}

impl<T: Default> SlotArena<T> {
    pub fn new() -> SlotArena<T> {
        SlotArena {
            chunks: std::array::from_fn(|_| OnceLock::new()),
            allocated_bytes: AtomicUsize::new(0),
        }
    }

    /// The slot at `index`, if its chunk has been allocated.
    #[inline]
    pub fn get(&self, index: u32) -> Option<&T> {
        let (chunk, offset) = locate(index);
        self.chunks[chunk].get()?.get(offset)
    }

    /// The slot at `index`, allocating its chunk if needed.
    pub fn get_or_grow(&self, index: u32) -> &T {
        let (chunk, offset) = locate(index);
        let slots = self.chunks[chunk].get_or_init(|| {
            let length = (FIRST_CHUNK_SLOTS << chunk) as usize;
            let bytes = length * std::mem::size_of::<T>();
            self.allocated_bytes.fetch_add(bytes, Ordering::Relaxed);
            (0..length).map(|_| T::default()).collect()
        });
        &slots[offset]
    }

    /// Bytes of the chunks allocated so far.
    pub fn allocated_bytes(&self) -> usize {
        self.allocated_bytes.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn slots_map_to_doubling_chunks_without_gaps() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(255), (0, 255));
        assert_eq!(locate(256), (1, 0));
        assert_eq!(locate(767), (1, 511));
        assert_eq!(locate(768), (2, 0));
        assert_eq!(locate(u32::MAX).0, CHUNKS - 1);
        let mut expected = (0, 0);
        for index in 0..100_000u32 {
            let (chunk, offset) = locate(index);
            if (chunk, offset) != expected {
                assert_eq!((chunk, offset), (expected.0 + 1, 0), "index {index}");
            }
            expected = (chunk, offset + 1);
        }
    }

    #[test]
    fn slots_are_absent_until_grown_and_keep_their_values() {
        let arena: SlotArena<AtomicU32> = SlotArena::new();
        assert!(arena.get(1000).is_none());
        for index in 0..2000 {
            arena.get_or_grow(index).store(index * 3, Ordering::Relaxed);
        }
        for index in 0..2000 {
            assert_eq!(arena.get(index).unwrap().load(Ordering::Relaxed), index * 3);
        }
        assert_eq!(arena.allocated_bytes(), (256 + 512 + 1024 + 2048) * 4);
    }
}
