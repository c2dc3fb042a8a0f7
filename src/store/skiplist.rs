//! A skip list of byte entries, ordered by a key inside each entry, in
//! safe Rust: one writer at a time, any number of lock-free readers
//! (LevelDB's `SkipList`).
//!
//! Representation: nodes live in a [`SlotArena`] and never move or die
//! while the list lives; links are `u32` node indices in a second arena of
//! `AtomicU32`, node `n`'s link at level `l` being slot `links(n) + l`.
//! Node 0 is the head; a link of 0 means "no next node" (the head is never
//! anyone's successor).
//!
//! Invariants:
//! 1. Nodes are only added, never changed (except their links) or removed.
//! 2. A node is fully built (entry, its own links) before a Release store
//!    of its index into its predecessors' links publishes it; readers load
//!    links with Acquire, so they see whole nodes or none.
//! 3. Keys are unique: inserting a key equal to a present one is a
//!    programmer error (the memtable's sequence numbers make keys unique).
//!
//! Thread safety: `insert` takes an internal lock (writers serialize);
//! every read method is lock-free and may run during inserts.

use crate::store::comparator::Comparator;
use crate::store::slot_arena::SlotArena;
use std::cmp::Ordering as KeyOrdering;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Tallest a node may be; 4^12 = 16M entries keep the expected search cost.
pub const HEIGHT_MAX: usize = 12;
/// One node in BRANCHING is promoted to the next level.
const BRANCHING: u32 = 4;

/// The head node's index; as a link value, "no next node".
pub const HEAD: u32 = 0;
const NONE: u32 = 0;

#[derive(Default)]
struct Node {
    entry: Box<[u8]>,
    /// The key is `entry[key_start..key_start + key_bytes]`.
    key_start: u32,
    key_bytes: u32,
    /// Index of this node's level-0 link in the link arena.
    links: u32,
}

struct WriterState {
    next_node: u32,
    next_link: u32,
    random: u32,
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

pub struct SkipList<C> {
    comparator: C,
    nodes: SlotArena<OnceLock<Node>>,
    links: SlotArena<AtomicU32>,
    max_height: AtomicUsize,
    writer: Mutex<WriterState>,
}

/// Whether a search also records the predecessor at each level.
type Predecessors = [u32; HEIGHT_MAX];

impl<C: Comparator> SkipList<C> {
    pub fn new(comparator: C) -> SkipList<C> {
        let list = SkipList {
            comparator,
            nodes: SlotArena::new(),
            links: SlotArena::new(),
            max_height: AtomicUsize::new(1),
            writer: Mutex::new(WriterState {
                next_node: 1,
                next_link: HEIGHT_MAX as u32,
                random: 0xdead_beef,
            }),
        };
        let head = list.nodes.get_or_grow(HEAD);
        assert!(head.set(Node::default()).is_ok());
        for level in 0..HEIGHT_MAX as u32 {
            list.links.get_or_grow(level);
        }
        list
    }

    /// Inserts `entry`, whose key is `entry[key_start..key_start + key_bytes]`.
    /// REQUIRES: no entry with an equal key is present.
    pub fn insert(&self, entry: Box<[u8]>, key_start: usize, key_bytes: usize) {
        let key_end = key_start
            .checked_add(key_bytes)
            .expect("key range overflows");
        assert!(key_end <= entry.len(), "key range outside the entry");
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let mut predecessors = [HEAD; HEIGHT_MAX];
        let found = self.find(&entry[key_start..key_end], Some(&mut predecessors));
        if found != NONE {
            let order = self
                .comparator
                .compare(self.key(found), &entry[key_start..key_end]);
            assert!(
                order != KeyOrdering::Equal,
                "duplicate key inserted in a skip list"
            );
        }
        let height = writer.random_height();
        let max_height = self.max_height.load(Ordering::Relaxed);
        if height > max_height {
            // predecessors above the old height are already HEAD
            self.max_height.store(height, Ordering::Relaxed);
        }
        let links = writer.next_link;
        writer.next_link = links
            .checked_add(height as u32)
            .expect("skip list over 4G links");
        for (level, &predecessor) in predecessors.iter().enumerate().take(height) {
            let successor = self.link(predecessor, level).load(Ordering::Relaxed);
            self.links
                .get_or_grow(links + level as u32)
                .store(successor, Ordering::Relaxed);
        }
        let index = writer.next_node;
        writer.next_node = index.checked_add(1).expect("skip list over 4G nodes");
        let node = Node {
            entry,
            key_start: key_start as u32,
            key_bytes: key_bytes as u32,
            links,
        };
        assert!(self.nodes.get_or_grow(index).set(node).is_ok());
        for (level, &predecessor) in predecessors.iter().enumerate().take(height) {
            self.link(predecessor, level)
                .store(index, Ordering::Release);
        }
    }

    #[inline]
    fn node(&self, index: u32) -> &Node {
        let slot = self.nodes.get(index).and_then(OnceLock::get);
        slot.expect("a linked node is always built (invariant 2)")
    }

    #[inline]
    fn link(&self, index: u32, level: usize) -> &AtomicU32 {
        let slot = self.links.get(self.node(index).links + level as u32);
        slot.expect("a node's links are allocated before it is built")
    }

    #[inline]
    fn next_at(&self, index: u32, level: usize) -> u32 {
        self.link(index, level).load(Ordering::Acquire)
    }

    /// The key of node `index`. REQUIRES: a node returned by a search.
    #[inline]
    pub fn key(&self, index: u32) -> &[u8] {
        let node = self.node(index);
        let start = node.key_start as usize;
        &node.entry[start..start + node.key_bytes as usize]
    }

    /// The whole entry of node `index`.
    pub fn entry(&self, index: u32) -> &[u8] {
        &self.node(index).entry
    }

    /// The first node with key ≥ `key` (NONE if there is none), noting the
    /// last node before it at each level when asked.
    fn find(&self, key: &[u8], mut predecessors: Option<&mut Predecessors>) -> u32 {
        let mut current = HEAD;
        let mut level = self.max_height.load(Ordering::Relaxed) - 1;
        loop {
            let next = self.next_at(current, level);
            if next != NONE && self.comparator.compare(self.key(next), key) == KeyOrdering::Less {
                current = next;
                continue;
            }
            if let Some(predecessors) = predecessors.as_deref_mut() {
                predecessors[level] = current;
            }
            if level == 0 {
                return next;
            }
            level -= 1;
        }
    }

    /// The first node with key ≥ `key`, or None.
    pub fn seek(&self, key: &[u8]) -> Option<u32> {
        Some(self.find(key, None)).filter(|&index| index != NONE)
    }

    /// The last node with key < `key`, or None.
    pub fn seek_before(&self, key: &[u8]) -> Option<u32> {
        let mut current = HEAD;
        let mut level = self.max_height.load(Ordering::Relaxed) - 1;
        loop {
            let next = self.next_at(current, level);
            if next != NONE && self.comparator.compare(self.key(next), key) == KeyOrdering::Less {
                current = next;
            } else if level == 0 {
                return Some(current).filter(|&index| index != HEAD);
            } else {
                level -= 1;
            }
        }
    }

    pub fn first(&self) -> Option<u32> {
        Some(self.next_at(HEAD, 0)).filter(|&index| index != NONE)
    }

    pub fn last(&self) -> Option<u32> {
        let mut current = HEAD;
        let mut level = self.max_height.load(Ordering::Relaxed) - 1;
        loop {
            let next = self.next_at(current, level);
            if next != NONE {
                current = next;
            } else if level == 0 {
                return Some(current).filter(|&index| index != HEAD);
            } else {
                level -= 1;
            }
        }
    }

    /// The node after `index`, or None.
    #[inline]
    pub fn next(&self, index: u32) -> Option<u32> {
        Some(self.next_at(index, 0)).filter(|&next| next != NONE)
    }

    /// The node before `index`, or None (a search: O(log n)).
    pub fn prev(&self, index: u32) -> Option<u32> {
        self.seek_before(self.key(index))
    }

    /// Whether an entry with a key equal to `key` is present.
    pub fn contains(&self, key: &[u8]) -> bool {
        let found = self.seek(key);
        found.is_some_and(|index| self.comparator.compare(self.key(index), key).is_eq())
    }

    /// Bytes held by the node and link arenas (entries not included).
    pub fn arena_bytes(&self) -> usize {
        self.nodes.allocated_bytes() + self.links.allocated_bytes()
    }
}

#[cfg(test)]
mod tests;
