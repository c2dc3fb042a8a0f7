//! A sharded LRU cache bounded by total charge (LevelDB's ShardedLRUCache):
//! 16 shards, each a mutex around a hash map and an index-linked recency
//! list in a vector, so every operation is O(1).
//!
//! Thread safety: every method takes `&self`; shards lock independently.
//! Values are cheap clones (`Arc`s): a value evicted while a reader holds a
//! clone stays alive for that reader but no longer counts against the
//! capacity (the bound covers what the cache holds, not what readers pin).

use crate::store::table::block::Block;
use crate::store::table::clock_cache::ShardedClockCache;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Number of independently locked shards.
pub const CACHE_SHARDS: usize = 16;
/// LevelDB's default block cache capacity, in bytes (8 MiB).
pub const BLOCK_CACHE_CAPACITY_DEFAULT_BYTES: usize = 8 << 20;

const _: () = assert!(CACHE_SHARDS.is_power_of_two());

/// A cached block: (cache id of its table, offset of the block).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockCacheKey {
    pub cache_id: u64,
    pub offset: u64,
}

/// The cache of data blocks shared by every open table (CLOCK: a hit
/// writes one flag, see `clock_cache`; the LRU below serves the table
/// cache, whose few entries are always hot).
pub type BlockCache = ShardedClockCache<BlockCacheKey, Arc<Block>>;

/// A fast multiplicative hasher for small fixed-size keys (not
/// DoS-resistant: keys are our own offsets and ids, not user input).
#[derive(Default, Clone, Copy)]
pub struct MixHasher {
    hash: u64,
}

impl Hasher for MixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, word: u64) {
        const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
        self.hash = (self.hash.rotate_left(26) ^ word).wrapping_mul(MULTIPLIER);
    }

    fn finish(&self) -> u64 {
        self.hash ^ (self.hash >> 29)
    }
}

#[derive(Default, Clone, Copy)]
pub struct MixHasherBuilder;

impl BuildHasher for MixHasherBuilder {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher::default()
    }
}

/// End of the recency list.
const NIL: u32 = u32::MAX;

struct Node<K, V> {
    key: K,
    value: V,
    charge_bytes: usize,
    newer: u32,
    older: u32,
}

/// One shard: LRU over slots in `nodes`, newest at `newest`.
///
/// Invariants: `map` and the list hold the same slots; `usage_bytes` is
/// the sum of their charges and is at most `capacity_bytes` after every
/// operation.
pub struct LruShard<K, V> {
    map: HashMap<K, u32, MixHasherBuilder>,
    nodes: Vec<Option<Node<K, V>>>,
    free: Vec<u32>,
    newest: u32,
    oldest: u32,
    usage_bytes: usize,
    capacity_bytes: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> LruShard<K, V> {
    fn new(capacity_bytes: usize) -> Self {
        LruShard {
            map: HashMap::with_hasher(MixHasherBuilder),
            nodes: Vec::new(),
            free: Vec::new(),
            newest: NIL,
            oldest: NIL,
            usage_bytes: 0,
            capacity_bytes,
        }
    }

    fn node(&mut self, slot: u32) -> &mut Node<K, V> {
        self.nodes[slot as usize]
            .as_mut()
            .expect("linked slot is occupied")
    }

    fn unlink(&mut self, slot: u32) {
        let (newer, older) = {
            let node = self.node(slot);
            (node.newer, node.older)
        };
        match newer {
            NIL => self.newest = older,
            newer => self.node(newer).older = older,
        }
        match older {
            NIL => self.oldest = newer,
            older => self.node(older).newer = newer,
        }
    }

    fn push_newest(&mut self, slot: u32) {
        let previous = self.newest;
        {
            let node = self.node(slot);
            node.newer = NIL;
            node.older = previous;
        }
        match previous {
            NIL => self.oldest = slot,
            previous => self.node(previous).newer = slot,
        }
        self.newest = slot;
    }

    fn remove_slot(&mut self, slot: u32) {
        self.unlink(slot);
        let node = self.nodes[slot as usize]
            .take()
            .expect("linked slot is occupied");
        self.map.remove(&node.key);
        self.usage_bytes -= node.charge_bytes;
        self.free.push(slot);
    }
}

/// Locks a shard. A panic while a shard was locked cannot break memory
/// safety and each operation leaves its shard consistent before it can
/// panic, so a poisoned shard keeps serving.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One shard's eviction policy (LRU here, CLOCK in `clock_cache`), run
/// under the shard's mutex by [`ShardedCache`].
pub trait CacheShard<K, V> {
    /// An empty shard holding at most `capacity_bytes` of charge.
    fn with_capacity(capacity_bytes: usize) -> Self;
    /// The value for `key`, marking it used.
    fn get(&mut self, key: &K) -> Option<V>;
    /// Inserts (or replaces) `key`, evicting by the policy until the
    /// shard is within its capacity (an entry larger than it is not kept).
    fn insert(&mut self, key: K, value: V, charge_bytes: usize);
    fn erase(&mut self, key: &K);
    /// Sum of the charges of the entries held.
    fn usage_bytes(&self) -> usize;
}

/// A thread-safe cache whose entries' charges sum to at most the capacity
/// (split evenly among [`CACHE_SHARDS`] shards of policy `S`).
pub struct ShardedCache<K, V, S> {
    shards: Vec<Mutex<S>>,
    capacity_bytes: usize,
    next_id: AtomicU64,
    entries: PhantomData<fn(K) -> V>,
}

/// The LRU flavour: the table cache (few entries, always hot).
pub type ShardedLruCache<K, V> = ShardedCache<K, V, LruShard<K, V>>;

impl<K: Hash, V, S: CacheShard<K, V>> ShardedCache<K, V, S> {
    pub fn new(capacity_bytes: usize) -> Self {
        let shard_capacity_bytes = capacity_bytes / CACHE_SHARDS;
        let shards = (0..CACHE_SHARDS)
            .map(|_| Mutex::new(S::with_capacity(shard_capacity_bytes)))
            .collect();
        ShardedCache {
            shards,
            capacity_bytes,
            next_id: AtomicU64::new(1),
            entries: PhantomData,
        }
    }

    fn shard(&self, key: &K) -> MutexGuard<'_, S> {
        let hash = MixHasherBuilder.hash_one(key);
        // Bits 32.. pick the shard; the map uses the low and top bits.
        let index = (hash >> 32) as usize & (CACHE_SHARDS - 1);
        lock(&self.shards[index])
    }

    /// The value for `key`, marking it used.
    pub fn get(&self, key: &K) -> Option<V> {
        self.shard(key).get(key)
    }

    /// Inserts (or replaces) `key`, then evicts entries of its shard by
    /// the policy until the shard is within its share of the capacity
    /// (an entry larger than that share is not kept).
    pub fn insert(&self, key: K, value: V, charge_bytes: usize) {
        self.shard(&key).insert(key, value, charge_bytes);
    }

    pub fn erase(&self, key: &K) {
        self.shard(key).erase(key);
    }

    /// A fresh id, so several tables can share one cache without their
    /// block offsets colliding.
    pub fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Sum of the charges of the cached entries, in bytes.
    pub fn total_charge_bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| lock(shard).usage_bytes())
            .sum()
    }

    pub fn capacity_bytes(&self) -> usize {
        self.capacity_bytes
    }
}

impl<K: Hash + Eq + Clone, V: Clone> CacheShard<K, V> for LruShard<K, V> {
    fn with_capacity(capacity_bytes: usize) -> Self {
        LruShard::new(capacity_bytes)
    }

    fn get(&mut self, key: &K) -> Option<V> {
        let slot = *self.map.get(key)?;
        if self.newest != slot {
            self.unlink(slot);
            self.push_newest(slot);
        }
        Some(self.node(slot).value.clone())
    }

    fn insert(&mut self, key: K, value: V, charge_bytes: usize) {
        self.erase(&key);
        let node = Node {
            key: key.clone(),
            value,
            charge_bytes,
            newer: NIL,
            older: NIL,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.nodes[slot as usize] = Some(node);
                slot
            }
            None => {
                self.nodes.push(Some(node));
                u32::try_from(self.nodes.len() - 1).expect("cache over 4 G entries")
            }
        };
        self.map.insert(key, slot);
        self.push_newest(slot);
        self.usage_bytes += charge_bytes;
        while self.usage_bytes > self.capacity_bytes && self.oldest != NIL {
            self.remove_slot(self.oldest);
        }
    }

    fn erase(&mut self, key: &K) {
        if let Some(&slot) = self.map.get(key) {
            self.remove_slot(slot);
        }
    }

    fn usage_bytes(&self) -> usize {
        self.usage_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::table::clock_cache::ClockShard;
    use crate::store::table::test_rng::TestRng;

    #[test]
    fn shard_evicts_least_recently_used_first() {
        let mut shard: LruShard<u32, u32> = LruShard::new(3);
        for key in 0..3 {
            shard.insert(key, key * 10, 1);
        }
        assert_eq!(shard.get(&0), Some(0)); // 0 is now the newest
        shard.insert(3, 30, 1); // evicts 1, the oldest
        assert_eq!(shard.get(&1), None);
        assert_eq!(shard.get(&0), Some(0));
        assert_eq!(shard.get(&2), Some(20));
        assert_eq!(shard.get(&3), Some(30));
        assert_eq!(shard.usage_bytes, 3);
    }

    #[test]
    fn entry_larger_than_capacity_is_not_kept() {
        let mut shard: LruShard<u32, u32> = LruShard::new(10);
        shard.insert(1, 1, 5);
        shard.insert(2, 2, 11);
        assert_eq!(shard.get(&2), None);
        assert_eq!(shard.get(&1), None);
        assert_eq!(shard.usage_bytes, 0);
    }

    /// A plain model: entries ordered oldest first.
    fn model_insert(model: &mut Vec<(u32, u32, usize)>, key: u32, value: u32, charge: usize) {
        model.retain(|entry| entry.0 != key);
        model.push((key, value, charge));
        while model.iter().map(|entry| entry.2).sum::<usize>() > 100 {
            model.remove(0);
        }
    }

    #[test]
    fn shard_matches_a_simple_lru_model() {
        let mut rng = TestRng::from_clock("shard_matches_model");
        let mut shard: LruShard<u32, u32> = LruShard::new(100);
        let mut model: Vec<(u32, u32, usize)> = Vec::new();
        for step in 0..20_000 {
            let key = rng.below(40) as u32;
            match rng.below(3) {
                0 => {
                    let charge = rng.below(20) as usize;
                    shard.insert(key, step, charge);
                    model_insert(&mut model, key, step, charge);
                }
                1 => {
                    let position = model.iter().position(|entry| entry.0 == key);
                    let expected = position.map(|at| model.remove(at));
                    if let Some(entry) = expected {
                        model.push(entry);
                    }
                    assert_eq!(shard.get(&key), expected.map(|entry| entry.1));
                }
                _ => {
                    shard.erase(&key);
                    model.retain(|entry| entry.0 != key);
                }
            }
            let usage: usize = model.iter().map(|entry| entry.2).sum();
            assert_eq!(shard.usage_bytes, usage);
            assert!(shard.usage_bytes <= 100);
        }
    }

    /// What every policy must do, checked for LRU and CLOCK alike.
    fn replacing_a_key_updates_value_and_charge<S: CacheShard<u32, u32>>() {
        let mut shard = S::with_capacity(10);
        shard.insert(1, 1, 4);
        shard.insert(1, 2, 6);
        assert_eq!(shard.get(&1), Some(2));
        assert_eq!(shard.usage_bytes(), 6);
        shard.erase(&1);
        assert_eq!(shard.get(&1), None);
        assert_eq!(shard.usage_bytes(), 0);
    }

    fn sharded_cache_stays_within_capacity_under_concurrent_use<S>()
    where
        S: CacheShard<BlockCacheKey, Arc<Vec<u8>>> + Send,
    {
        let cache: Arc<ShardedCache<BlockCacheKey, Arc<Vec<u8>>, S>> =
            Arc::new(ShardedCache::new(64 * 1024));
        std::thread::scope(|scope| {
            for thread in 0..4u64 {
                let cache = Arc::clone(&cache);
                scope.spawn(move || {
                    for offset in 0..5_000u64 {
                        let key = BlockCacheKey {
                            cache_id: thread,
                            offset,
                        };
                        cache.insert(key, Arc::new(vec![0; 100]), 100);
                        // Another thread may have evicted it already.
                        if let Some(value) = cache.get(&key) {
                            assert_eq!(value.len(), 100);
                        }
                    }
                });
            }
        });
        assert!(cache.total_charge_bytes() <= cache.capacity_bytes());
        assert!(cache.total_charge_bytes() > cache.capacity_bytes() / 2);
    }

    fn new_ids_are_distinct<S: CacheShard<u64, u64>>() {
        let cache: ShardedCache<u64, u64, S> = ShardedCache::new(1024);
        assert_ne!(cache.new_id(), cache.new_id());
    }

    #[test]
    fn both_policies_replace_a_key_with_its_new_value_and_charge() {
        replacing_a_key_updates_value_and_charge::<LruShard<u32, u32>>();
        replacing_a_key_updates_value_and_charge::<ClockShard<u32, u32>>();
    }

    #[test]
    fn both_policies_stay_within_capacity_under_concurrent_use() {
        sharded_cache_stays_within_capacity_under_concurrent_use::<LruShard<_, _>>();
        sharded_cache_stays_within_capacity_under_concurrent_use::<ClockShard<_, _>>();
    }

    #[test]
    fn both_policies_hand_out_distinct_ids() {
        new_ids_are_distinct::<LruShard<u64, u64>>();
        new_ids_are_distinct::<ClockShard<u64, u64>>();
    }
}
