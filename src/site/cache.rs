//! The site server's memory of answers: what a URL path resolved to at
//! a tree time (and the bytes of small files), and the list of
//! publishes, each valid for one generation of the tree
//! (`Tree::generation`). Any write to the tree starts a new generation
//! and the next request drops everything, so an answer is never older
//! than the tree it was read from.
//!
//! Bounds: at most [`ENTRIES_MAX`] answers and [`BYTES_MAX`] bytes of
//! file content; past either, the cache starts over (a personal site is
//! far smaller; a crawler of a huge one only costs index seeks).

use super::publish::Publish;
use super::resolve::Lookup;
use crate::util::rfc3339::Timestamp;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The most answers kept.
pub const ENTRIES_MAX: usize = 16_384;
/// The most bytes of file content kept.
pub const BYTES_MAX: usize = 64 * 1024 * 1024;

#[derive(Default)]
struct Memory {
    generation: u64,
    answers: HashMap<Timestamp, HashMap<String, Lookup>>,
    entries: usize,
    bytes: usize,
    publishes: Option<Arc<Vec<Publish>>>,
}

impl Memory {
    /// Forgets everything if `generation` is newer; false when it is
    /// older (an answer of an older tree must not be kept).
    fn advance(&mut self, generation: u64) -> bool {
        if generation > self.generation {
            *self = Memory {
                generation,
                ..Memory::default()
            };
        }
        generation == self.generation
    }
}

/// See the module header. Thread safety: shared by every worker.
#[derive(Default)]
pub struct Cache {
    memory: RwLock<Memory>,
}

impl Cache {
    pub fn new() -> Cache {
        Cache::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Memory> {
        self.memory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Memory> {
        self.memory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The answer for `path` at `at`, if known in `generation`.
    pub fn answer(&self, generation: u64, at: Timestamp, path: &str) -> Option<Lookup> {
        let memory = self.read();
        if memory.generation != generation {
            return None;
        }
        memory.answers.get(&at)?.get(path).cloned()
    }

    /// Keeps `lookup` as the answer for `path` at `at`, computed in
    /// `generation` (read before it was computed).
    pub fn keep_answer(&self, generation: u64, at: Timestamp, path: &str, lookup: &Lookup) {
        let bytes = match lookup {
            Lookup::Page(page) => page.memory_bytes(),
            _ => 0,
        };
        let mut memory = self.write();
        if !memory.advance(generation) {
            return;
        }
        if memory.entries >= ENTRIES_MAX || memory.bytes + bytes > BYTES_MAX {
            let publishes = memory.publishes.take();
            *memory = Memory {
                generation,
                publishes,
                ..Memory::default()
            };
        }
        if bytes > BYTES_MAX {
            return;
        }
        let previous = memory
            .answers
            .entry(at)
            .or_default()
            .insert(path.to_owned(), lookup.clone());
        if previous.is_none() {
            memory.entries += 1;
            memory.bytes += bytes;
        }
    }

    /// The publishes, if known in `generation`.
    pub fn publishes(&self, generation: u64) -> Option<Arc<Vec<Publish>>> {
        let memory = self.read();
        (memory.generation == generation)
            .then(|| memory.publishes.clone())
            .flatten()
    }

    /// Keeps the publishes read in `generation`.
    pub fn keep_publishes(&self, generation: u64, publishes: &Arc<Vec<Publish>>) {
        let mut memory = self.write();
        if memory.advance(generation) {
            memory.publishes = Some(Arc::clone(publishes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::BlobRef;
    use crate::site::resolve::{Page, Version};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::new(seconds, 0).unwrap()
    }

    fn page(bytes: usize) -> Lookup {
        let node = BlobRef::of_bytes(b"node");
        Lookup::Page(Arc::new(Page {
            name: "a.html".to_owned(),
            identity: Version {
                node,
                content: None,
                size: bytes as u64,
                modified: at(0),
                etag: "\"x\"".to_owned(),
                bytes: Some(Arc::from(vec![0u8; bytes])),
            },
            variants: Vec::new(),
        }))
    }

    #[test]
    fn a_new_generation_forgets_and_an_old_one_is_not_kept() {
        let cache = Cache::new();
        cache.keep_answer(1, at(5), "/a", &Lookup::Missing);
        assert!(matches!(
            cache.answer(1, at(5), "/a"),
            Some(Lookup::Missing)
        ));
        assert!(cache.answer(1, at(6), "/a").is_none());
        assert!(cache.answer(2, at(5), "/a").is_none());
        cache.keep_answer(2, at(5), "/b", &Lookup::AddSlash);
        assert!(cache.answer(1, at(5), "/a").is_none());
        // An answer computed in generation 1 arrives late: dropped.
        cache.keep_answer(1, at(5), "/a", &Lookup::Missing);
        assert!(cache.answer(2, at(5), "/a").is_none());
        let publishes = Arc::new(Vec::new());
        cache.keep_publishes(2, &publishes);
        assert!(cache.publishes(2).is_some());
        assert!(cache.publishes(3).is_none());
    }

    #[test]
    fn past_its_bounds_the_cache_starts_over() {
        let cache = Cache::new();
        for index in 0..ENTRIES_MAX {
            cache.keep_answer(1, at(0), &format!("/{index}"), &Lookup::Missing);
        }
        assert!(cache.answer(1, at(0), "/0").is_some());
        cache.keep_answer(1, at(0), "/one-more", &Lookup::Missing);
        assert!(cache.answer(1, at(0), "/0").is_none());
        assert!(cache.answer(1, at(0), "/one-more").is_some());
        let big = BYTES_MAX / 2 + 1;
        cache.keep_answer(1, at(0), "/big1", &page(big));
        cache.keep_answer(1, at(0), "/big2", &page(big));
        assert!(cache.answer(1, at(0), "/big1").is_none());
        assert!(cache.answer(1, at(0), "/big2").is_some());
    }
}
