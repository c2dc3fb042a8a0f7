//! The block cache: a sharded CLOCK cache bounded by total charge.
//!
//! Why CLOCK and not LRU (LevelDB's choice): a hit on an LRU moves the
//! entry to the head of a linked list, which writes the entry and its two
//! neighbours, three cache lines scattered over a large cache; on a
//! random point-read workload that is most of the memory traffic of a
//! hit. A CLOCK hit sets one flag in the entry the hash probe already
//! touched. Eviction sweeps a hand over the entries, sparing (and
//! clearing) those used since the hand last passed: an approximation of
//! LRU that keeps blocks in use and lets blocks read once go first.
//!
//! Each of the 16 shards is a mutex around a hash map of entries and the
//! clock's frames (which key each frame holds). Every operation is O(1),
//! eviction amortized: the hand clears at most one flag per frame before
//! it finds a victim.
//!
//! Thread safety: every method takes `&self`; shards lock independently.
//! Values are cheap clones (`Arc`s): a value evicted while a reader holds
//! a clone stays alive for that reader but no longer counts against the
//! capacity (the bound covers what the cache holds, not what readers pin).

use crate::store::table::cache::{CacheShard, MixHasherBuilder, ShardedCache};
use std::collections::HashMap;
use std::hash::Hash;

/// An entry: its value, its charge, the clock's "used since the hand last
/// passed" flag, and the frame that holds its key.
struct Slot<V> {
    value: V,
    charge_bytes: usize,
    referenced: bool,
    frame: u32,
}

/// One shard.
///
/// Invariants: `map` holds exactly the keys of the occupied `frames`, each
/// slot's `frame` names the frame of its key; `free` lists the empty
/// frames; `usage_bytes` is the sum of the slots' charges and at most
/// `capacity_bytes` after every operation.
pub struct ClockShard<K, V> {
    map: HashMap<K, Slot<V>, MixHasherBuilder>,
    frames: Vec<Option<K>>,
    free: Vec<u32>,
    /// The next frame the hand looks at.
    hand: usize,
    usage_bytes: usize,
    capacity_bytes: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> ClockShard<K, V> {
    fn new(capacity_bytes: usize) -> Self {
        ClockShard {
            map: HashMap::with_hasher(MixHasherBuilder),
            frames: Vec::new(),
            free: Vec::new(),
            hand: 0,
            usage_bytes: 0,
            capacity_bytes,
        }
    }

    /// Advances the hand to the first entry not used since it last
    /// passed, clearing the flags it passes, and evicts that entry.
    /// REQUIRES: the shard holds an entry.
    fn evict_one(&mut self) {
        assert!(!self.map.is_empty(), "eviction from an empty shard");
        // Two turns suffice: the first clears every flag it passes.
        let steps_max = 2 * self.frames.len() + 1;
        for _ in 0..steps_max {
            if self.hand >= self.frames.len() {
                self.hand = 0;
            }
            let frame = self.hand;
            self.hand += 1;
            let Some(key) = &self.frames[frame] else {
                continue;
            };
            let slot = self
                .map
                .get_mut(key)
                .expect("an occupied frame's key is mapped");
            if slot.referenced {
                slot.referenced = false;
                continue;
            }
            let key = self.frames[frame].take().expect("frame is occupied");
            self.remove(&key);
            return;
        }
        unreachable!("the clock's hand found no entry to evict in two turns");
    }

    /// Removes `key`'s entry and frees its frame (whose key the caller
    /// clears); returns the frame.
    fn remove(&mut self, key: &K) -> Option<u32> {
        let slot = self.map.remove(key)?;
        self.usage_bytes -= slot.charge_bytes;
        self.free.push(slot.frame);
        Some(slot.frame)
    }
}

/// The CLOCK flavour: the block cache.
pub type ShardedClockCache<K, V> = ShardedCache<K, V, ClockShard<K, V>>;

impl<K: Hash + Eq + Clone, V: Clone> CacheShard<K, V> for ClockShard<K, V> {
    fn with_capacity(capacity_bytes: usize) -> Self {
        ClockShard::new(capacity_bytes)
    }

    fn get(&mut self, key: &K) -> Option<V> {
        let slot = self.map.get_mut(key)?;
        slot.referenced = true;
        Some(slot.value.clone())
    }

    fn insert(&mut self, key: K, value: V, charge_bytes: usize) {
        self.erase(&key);
        if charge_bytes > self.capacity_bytes {
            return;
        }
        while self.usage_bytes + charge_bytes > self.capacity_bytes {
            self.evict_one();
        }
        let frame = match self.free.pop() {
            Some(frame) => {
                self.frames[frame as usize] = Some(key.clone());
                frame
            }
            None => {
                self.frames.push(Some(key.clone()));
                u32::try_from(self.frames.len() - 1).expect("cache over 4 G entries")
            }
        };
        let slot = Slot {
            value,
            charge_bytes,
            referenced: false,
            frame,
        };
        self.map.insert(key, slot);
        self.usage_bytes += charge_bytes;
    }

    fn erase(&mut self, key: &K) {
        if let Some(frame) = self.remove(key) {
            self.frames[frame as usize] = None;
        }
    }

    fn usage_bytes(&self) -> usize {
        self.usage_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::table::test_rng::TestRng;
    use std::collections::BTreeMap;

    /// Checks the shard's invariants against its own fields.
    fn check_invariants(shard: &ClockShard<u32, u32>) {
        let occupied: Vec<(usize, u32)> = shard
            .frames
            .iter()
            .enumerate()
            .filter_map(|(frame, key)| key.map(|key| (frame, key)))
            .collect();
        assert_eq!(occupied.len(), shard.map.len());
        for (frame, key) in occupied {
            assert_eq!(shard.map[&key].frame as usize, frame);
        }
        assert_eq!(shard.free.len() + shard.map.len(), shard.frames.len());
        let usage: usize = shard.map.values().map(|slot| slot.charge_bytes).sum();
        assert_eq!(shard.usage_bytes, usage);
        assert!(shard.usage_bytes <= shard.capacity_bytes);
    }

    #[test]
    fn entry_used_since_the_hand_passed_is_spared() {
        let mut shard: ClockShard<u32, u32> = ClockShard::new(3);
        for key in 0..3 {
            shard.insert(key, key * 10, 1);
        }
        assert_eq!(shard.get(&0), Some(0)); // 0 is used
        shard.insert(3, 30, 1); // the hand spares 0, evicts 1
        assert_eq!(shard.get(&1), None);
        assert_eq!(shard.get(&0), Some(0));
        assert_eq!(shard.get(&2), Some(20));
        assert_eq!(shard.get(&3), Some(30));
        check_invariants(&shard);
    }

    #[test]
    fn eviction_ends_when_every_entry_is_used() {
        let mut shard: ClockShard<u32, u32> = ClockShard::new(4);
        for key in 0..4 {
            shard.insert(key, key, 1);
            shard.get(&key);
        }
        shard.insert(9, 9, 2);
        assert_eq!(shard.map.len(), 3);
        assert_eq!(shard.get(&9), Some(9));
        check_invariants(&shard);
    }

    #[test]
    fn entry_larger_than_capacity_is_not_kept() {
        let mut shard: ClockShard<u32, u32> = ClockShard::new(10);
        shard.insert(1, 1, 5);
        shard.insert(2, 2, 11);
        assert_eq!(shard.get(&2), None);
        assert_eq!(shard.get(&1), Some(1));
        assert_eq!(shard.usage_bytes, 5);
    }

    #[test]
    fn shard_keeps_its_invariants_and_returns_only_what_was_inserted() {
        let mut rng = TestRng::from_clock("clock_shard_random_operations");
        let mut shard: ClockShard<u32, u32> = ClockShard::new(100);
        // The latest value inserted for each key: a hit must return it.
        let mut latest: BTreeMap<u32, u32> = BTreeMap::new();
        for step in 0..20_000 {
            let key = rng.below(40) as u32;
            match rng.below(3) {
                0 => {
                    let charge = rng.below(20) as usize;
                    shard.insert(key, step, charge);
                    latest.insert(key, step);
                    assert_eq!(shard.get(&key), Some(step), "just inserted");
                }
                1 => {
                    if let Some(value) = shard.get(&key) {
                        assert_eq!(Some(&value), latest.get(&key));
                    }
                }
                _ => {
                    shard.erase(&key);
                    assert_eq!(shard.get(&key), None);
                }
            }
            check_invariants(&shard);
        }
    }

    #[test]
    fn hot_entries_survive_a_stream_of_entries_read_once() {
        let mut shard: ClockShard<u32, u32> = ClockShard::new(100);
        for key in 0..50 {
            shard.insert(key, key, 1);
        }
        for key in 1000..3000 {
            for hot in 0..50 {
                assert_eq!(shard.get(&hot), Some(hot), "hot key {hot} at {key}");
            }
            shard.insert(key, key, 1);
        }
        check_invariants(&shard);
    }
}
