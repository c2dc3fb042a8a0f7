//! The memtable's skip list of (internal key, value) entries, in safe Rust:
//! one writer at a time, any number of lock-free readers (LevelDB's
//! `SkipList`, specialized to internal keys).
//!
//! Each node is one allocation of 64-bit words in the node [`WordArena`]:
//!
//! ```text
//! word 0            height (bits 0..8) | user key bytes (bits 8..40)
//! words 1..1+h      next node at levels 0..h (arena references; 0 = none)
//! then ⌈k/8⌉ words  the user key, 8 bytes a word, big-endian, zero-padded
//! then 1 word       the trailer: sequence << 8 | type
//! then 1 word       value bytes (bits 32..64) | value reference (bits 0..32)
//! ```
//!
//! The value is `⌈v/8⌉` words, little-endian, zero-padded, taken from the
//! back of the arena (reference 0 for an empty value). Big-endian key words compare as
//! integers in the bytewise order of the bytes, so a search reads only the
//! first words of the nodes it passes, kept in one cache line; keeping
//! values apart makes nodes small, so the nodes a search walks stay in the
//! CPU caches. Order: user key ascending, then trailer descending
//! (dbformat's internal key order).
//!
//! Invariants:
//! 1. Nodes are never changed after publication except their links, and
//!    never removed while the list lives.
//! 2. A node is fully written before a Release store of its reference into
//!    a predecessor's link publishes it; readers load links with Acquire.
//! 3. (user key, trailer) pairs are unique: inserting a present one is a
//!    programmer error (the memtable's sequence numbers make them unique).
//!
//! Thread safety: `insert` takes an internal lock (writers serialize);
//! every read is lock-free and may run during inserts.

use crate::store::word_arena::{FIRST_REGION_WORDS_MAX, WordArena, WordCursor};
use std::cmp::Ordering as KeyOrdering;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Tallest a node may be; 4^12 = 16M entries keep the expected search cost.
pub const HEIGHT_MAX: usize = 12;
/// One node in BRANCHING is promoted to the next level.
const BRANCHING: u32 = 4;
/// Words before a node's links: height and key length.
const META_WORDS: usize = 1;
/// Words after the key: trailer and value word.
const MIDDLE_WORDS: usize = 2;
/// Largest user key, in bytes (the width of its length field).
pub const USER_KEY_BYTES_MAX: usize = u32::MAX as usize;

const NONE: u32 = 0;

/// A node of the list, named by its arena reference.
pub type NodeRef = u32;

fn words_for(bytes: usize) -> usize {
    bytes.div_ceil(8)
}

/// Word `index` of `bytes` packed big-endian, zero-padded.
#[inline]
fn be_word(bytes: &[u8], index: usize) -> u64 {
    let start = index * 8;
    match bytes.get(start..start + 8) {
        Some(chunk) => u64::from_be_bytes(chunk.try_into().expect("8 bytes")),
        None => {
            let mut padded = [0u8; 8];
            let rest = &bytes[start..];
            padded[..rest.len()].copy_from_slice(rest);
            u64::from_be_bytes(padded)
        }
    }
}

/// Words of a search key kept on the stack (keys up to 128 bytes).
const SEARCH_KEY_INLINE_WORDS: usize = 16;

/// A key being searched for, packed once into big-endian words so that
/// each comparison is a loop of integer compares.
struct SearchKey {
    inline: [u64; SEARCH_KEY_INLINE_WORDS],
    heap: Vec<u64>,
    word_count: usize,
    user_key_bytes: usize,
    trailer: u64,
}

impl SearchKey {
    fn new(user_key: &[u8], trailer: u64) -> SearchKey {
        let word_count = words_for(user_key.len());
        let mut key = SearchKey {
            inline: [0; SEARCH_KEY_INLINE_WORDS],
            heap: Vec::new(),
            word_count,
            user_key_bytes: user_key.len(),
            trailer,
        };
        if word_count <= SEARCH_KEY_INLINE_WORDS {
            for (index, word) in key.inline[..word_count].iter_mut().enumerate() {
                *word = be_word(user_key, index);
            }
        } else {
            key.heap = (0..word_count)
                .map(|index| be_word(user_key, index))
                .collect();
        }
        key
    }

    #[inline]
    fn words(&self) -> &[u64] {
        if self.word_count <= SEARCH_KEY_INLINE_WORDS {
            &self.inline[..self.word_count]
        } else {
            &self.heap
        }
    }
}

/// A node's words, with its layout.
#[derive(Clone, Copy)]
struct Node<'a> {
    words: &'a [AtomicU64],
}

impl<'a> Node<'a> {
    #[inline]
    fn meta(&self) -> u64 {
        self.words[0].load(Ordering::Relaxed)
    }

    #[inline]
    fn height(&self) -> usize {
        (self.meta() & 0xff) as usize
    }

    #[inline]
    fn user_key_bytes(&self) -> usize {
        (self.meta() >> 8) as usize
    }

    /// (value reference, value bytes).
    fn value(&self) -> (u32, usize) {
        let at = META_WORDS + self.height() + words_for(self.user_key_bytes()) + 1;
        let word = self.words[at].load(Ordering::Relaxed);
        (word as u32, (word >> 32) as usize)
    }

    #[inline]
    fn link(&self, level: usize) -> &'a AtomicU64 {
        &self.words[META_WORDS + level]
    }

    #[inline]
    fn key_words(&self) -> &'a [AtomicU64] {
        let start = META_WORDS + self.height();
        &self.words[start..start + words_for(self.user_key_bytes())]
    }

    #[inline]
    fn trailer(&self) -> u64 {
        let at = META_WORDS + self.height() + words_for(self.user_key_bytes());
        self.words[at].load(Ordering::Relaxed)
    }

    /// This node's key against `search`, in internal key order (one read
    /// of the meta word, then the key words and the trailer).
    #[inline]
    fn compare(&self, search: &SearchKey) -> KeyOrdering {
        let meta = self.words[0].load(Ordering::Relaxed);
        let key_start = META_WORDS + (meta & 0xff) as usize;
        let key_bytes = (meta >> 8) as usize;
        let key_words = words_for(key_bytes);
        let words = &self.words[key_start..=key_start + key_words];
        for (word, &theirs) in words[..key_words].iter().zip(search.words()) {
            let mine = word.load(Ordering::Relaxed);
            if mine != theirs {
                return mine.cmp(&theirs);
            }
        }
        // Equal words: the padding was equal too, so one key is a prefix.
        let by_length = key_bytes.cmp(&search.user_key_bytes);
        by_length.then_with(|| {
            search
                .trailer
                .cmp(&words[key_words].load(Ordering::Relaxed))
        })
    }
}

/// Appends the bytes packed in `words` (big- or little-endian) to `out`.
/// Whole words are appended as fixed 8-byte arrays, which compile to one
/// store each (a slice of variable length was a `memcpy` call per word).
fn unpack(words: &[AtomicU64], bytes: usize, big_endian: bool, out: &mut Vec<u8>) {
    out.reserve(bytes);
    let to_bytes = |word: &AtomicU64| {
        let value = word.load(Ordering::Relaxed);
        if big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    };
    let whole = bytes / 8;
    for word in &words[..whole] {
        out.extend_from_slice(&to_bytes(word));
    }
    let tail = bytes % 8;
    if tail > 0 {
        out.extend_from_slice(&to_bytes(&words[whole])[..tail]);
    }
}

struct WriterState {
    cursor: WordCursor,
    random: u32,
    /// The last node at each level (the head where a level is empty):
    /// exactly the predecessors of a key greater than every key in the
    /// list, so an insert in ascending key order (a sequential load, a
    /// table being re-read in order) needs one comparison, not a search.
    tail_spine: Predecessors,
}

impl WriterState {
    /// Height 1 with probability 3/4, 2 with 3/16, …, at most HEIGHT_MAX.
    fn random_height(&mut self) -> usize {
        let mut height = 1;
        while height < HEIGHT_MAX && self.next_random().is_multiple_of(BRANCHING) {
            height += 1;
        }
        height
    }

    /// xorshift32.
    fn next_random(&mut self) -> u32 {
        let mut x = self.random;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.random = x;
        x
    }
}

pub struct SkipList {
    arena: WordArena,
    head: NodeRef,
    max_height: AtomicUsize,
    writer: Mutex<WriterState>,
}

impl Default for SkipList {
    fn default() -> SkipList {
        SkipList::new()
    }
}

type Predecessors = [NodeRef; HEIGHT_MAX];

impl SkipList {
    /// A list that allocates as it grows.
    pub fn new() -> SkipList {
        SkipList::with_arena(WordArena::new())
    }

    /// A list with `capacity_bytes` allocated now (nodes from its front,
    /// values from its back): searches within it find nodes by plain
    /// indexing. It still grows past the capacity (more slowly).
    pub fn with_capacity(capacity_bytes: usize) -> SkipList {
        let words = (capacity_bytes / 8).min(FIRST_REGION_WORDS_MAX);
        SkipList::with_arena(WordArena::with_first_region(words))
    }

    fn with_arena(arena: WordArena) -> SkipList {
        let mut cursor = arena.cursor();
        let head_words = META_WORDS + HEIGHT_MAX + MIDDLE_WORDS;
        let (head, words) = arena.allocate(&mut cursor, head_words, 0);
        words[0].store(HEIGHT_MAX as u64, Ordering::Relaxed);
        SkipList {
            arena,
            head,
            max_height: AtomicUsize::new(1),
            writer: Mutex::new(WriterState {
                cursor,
                random: 0xdead_beef,
                tail_spine: [head; HEIGHT_MAX],
            }),
        }
    }

    #[inline]
    fn node(&self, reference: NodeRef) -> Node<'_> {
        Node {
            words: self.arena.words(reference),
        }
    }

    #[inline]
    fn next_at(&self, reference: NodeRef, level: usize) -> NodeRef {
        self.node(reference).link(level).load(Ordering::Acquire) as NodeRef
    }

    /// Inserts (user_key ++ trailer) → value.
    /// REQUIRES: no entry with the same user key and trailer is present.
    pub fn insert(&self, user_key: &[u8], trailer: u64, value: &[u8]) {
        assert!(user_key.len() <= USER_KEY_BYTES_MAX, "user key over 4 GiB");
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let search = SearchKey::new(user_key, trailer);
        let predecessors = self.predecessors(&writer.tail_spine, &search);
        let height = writer.random_height();
        if height > self.max_height.load(Ordering::Relaxed) {
            // predecessors above the old height are already the head
            self.max_height.store(height, Ordering::Relaxed);
        }
        let value_word = self.store_value(&mut writer.cursor, value);
        let key_words = words_for(user_key.len());
        let total = META_WORDS + height + key_words + MIDDLE_WORDS;
        // A search reads the meta word, one link, the key and the trailer.
        let hot = META_WORDS + height + key_words + 1;
        let (reference, words) = self.arena.allocate(&mut writer.cursor, total, hot);
        let meta = height as u64 | ((user_key.len() as u64) << 8);
        words[0].store(meta, Ordering::Relaxed);
        for (level, &predecessor) in predecessors.iter().enumerate().take(height) {
            let successor = self.node(predecessor).link(level).load(Ordering::Relaxed);
            words[META_WORDS + level].store(successor, Ordering::Relaxed);
        }
        let key_start = META_WORDS + height;
        for (word, &packed) in words[key_start..key_start + key_words]
            .iter()
            .zip(search.words())
        {
            word.store(packed, Ordering::Relaxed);
        }
        words[key_start + key_words].store(trailer, Ordering::Relaxed);
        words[key_start + key_words + 1].store(value_word, Ordering::Relaxed);
        for (level, &predecessor) in predecessors.iter().enumerate().take(height) {
            let link = self.node(predecessor).link(level);
            link.store(u64::from(reference), Ordering::Release);
            if words[META_WORDS + level].load(Ordering::Relaxed) == u64::from(NONE) {
                writer.tail_spine[level] = reference;
            }
        }
    }

    /// The last node before `search` at each level: the tail spine when
    /// `search` is past the last node, else found by a search. Panics if
    /// `search` is already present (invariant 3).
    fn predecessors(&self, tail_spine: &Predecessors, search: &SearchKey) -> Predecessors {
        let tail = tail_spine[0];
        if tail != self.head && self.node(tail).compare(search).is_lt() {
            return *tail_spine;
        }
        let mut predecessors = [self.head; HEIGHT_MAX];
        let found = self.find(search, Some(&mut predecessors));
        if found != NONE {
            let order = self.node(found).compare(search);
            assert!(
                order != KeyOrdering::Equal,
                "duplicate key inserted in a skip list"
            );
        }
        predecessors
    }

    /// Copies `value` into the value arena; returns the node's value word.
    fn store_value(&self, cursor: &mut WordCursor, value: &[u8]) -> u64 {
        let length = u32::try_from(value.len()).expect("value over 4 GiB");
        if value.is_empty() {
            return 0;
        }
        let (reference, words) = self.arena.allocate_back(cursor, words_for(value.len()));
        // Whole words as fixed 8-byte loads; only the tail is padded (a
        // padded copy of every word was a `memcpy` call per word).
        let chunks = value.chunks_exact(8);
        let tail = chunks.remainder();
        for (word, chunk) in words.iter().zip(chunks) {
            let bytes: [u8; 8] = chunk.try_into().expect("chunks of 8 bytes");
            word.store(u64::from_le_bytes(bytes), Ordering::Relaxed);
        }
        if !tail.is_empty() {
            let mut padded = [0u8; 8];
            padded[..tail.len()].copy_from_slice(tail);
            let last = words.last().expect("a word for the tail");
            last.store(u64::from_le_bytes(padded), Ordering::Relaxed);
        }
        (u64::from(length) << 32) | u64::from(reference)
    }

    /// The first node ≥ (user_key, trailer) or NONE, noting the last node
    /// before it at each level when asked.
    fn find(&self, search: &SearchKey, mut predecessors: Option<&mut Predecessors>) -> NodeRef {
        let mut current = self.head;
        // `current` resolved once: following its links needs no lookup.
        let mut current_node = self.node(current);
        let mut level = self.max_height.load(Ordering::Relaxed) - 1;
        // The last node found ≥ the key: met again one level down, it
        // needs no second comparison.
        let mut known_not_less = NONE;
        loop {
            let next = current_node.link(level).load(Ordering::Acquire) as NodeRef;
            if next != NONE && next != known_not_less {
                let next_node = self.node(next);
                if next_node.compare(search).is_lt() {
                    current = next;
                    current_node = next_node;
                    continue;
                }
            }
            known_not_less = next;
            if let Some(predecessors) = predecessors.as_deref_mut() {
                predecessors[level] = current;
            }
            if level == 0 {
                return next;
            }
            level -= 1;
        }
    }

    /// The first node with key ≥ (user_key, trailer).
    pub fn seek(&self, user_key: &[u8], trailer: u64) -> Option<NodeRef> {
        let search = SearchKey::new(user_key, trailer);
        Some(self.find(&search, None)).filter(|&node| node != NONE)
    }

    /// The last node with key < (user_key, trailer).
    pub fn seek_before(&self, user_key: &[u8], trailer: u64) -> Option<NodeRef> {
        let search = SearchKey::new(user_key, trailer);
        self.descend(|node| node.compare(&search).is_lt())
    }

    /// The last node.
    pub fn last(&self) -> Option<NodeRef> {
        self.descend(|_| true)
    }

    /// Walks right while `go_right(next)` holds, down otherwise; the node
    /// reached at level 0 (None if it is the head).
    fn descend(&self, go_right: impl Fn(Node<'_>) -> bool) -> Option<NodeRef> {
        let mut current = self.head;
        let mut current_node = self.node(current);
        let mut level = self.max_height.load(Ordering::Relaxed) - 1;
        loop {
            let next = current_node.link(level).load(Ordering::Acquire) as NodeRef;
            let next_node = (next != NONE).then(|| self.node(next));
            if let Some(next_node) = next_node.filter(|&node| go_right(node)) {
                current = next;
                current_node = next_node;
            } else if level == 0 {
                return Some(current).filter(|&node| node != self.head);
            } else {
                level -= 1;
            }
        }
    }

    pub fn first(&self) -> Option<NodeRef> {
        self.next(self.head)
    }

    #[inline]
    pub fn next(&self, node: NodeRef) -> Option<NodeRef> {
        Some(self.next_at(node, 0)).filter(|&next| next != NONE)
    }

    /// The node before `node` (a search: O(log n)).
    pub fn prev(&self, node: NodeRef) -> Option<NodeRef> {
        let mut user_key = Vec::new();
        self.user_key_into(node, &mut user_key);
        self.seek_before(&user_key, self.trailer(node))
    }

    /// Appends the node's user key to `out`.
    pub fn user_key_into(&self, node: NodeRef, out: &mut Vec<u8>) {
        let node = self.node(node);
        unpack(node.key_words(), node.user_key_bytes(), true, out);
    }

    pub fn trailer(&self, node: NodeRef) -> u64 {
        self.node(node).trailer()
    }

    /// Whether the node's user key equals `user_key`.
    pub fn user_key_equals(&self, node: NodeRef, user_key: &[u8]) -> bool {
        let node = self.node(node);
        node.user_key_bytes() == user_key.len()
            && (node.key_words().iter().enumerate())
                .all(|(index, word)| word.load(Ordering::Relaxed) == be_word(user_key, index))
    }

    /// Appends the node's value to `out`.
    pub fn value_into(&self, node: NodeRef, out: &mut Vec<u8>) {
        let (reference, bytes) = self.node(node).value();
        if bytes > 0 {
            let words = &self.arena.words(reference)[..words_for(bytes)];
            unpack(words, bytes, false, out);
        }
    }

    /// Bytes the list holds in memory.
    pub fn memory_bytes(&self) -> usize {
        self.arena.allocated_bytes()
    }
}

#[cfg(test)]
mod tests;
