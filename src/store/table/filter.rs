//! Filter policies: a small summary of a set of keys that answers "maybe
//! present" or "surely absent". `BloomFilterPolicy` is LevelDB's built-in
//! bloom filter, bit-compatible with it (grammar in FORMAT.md, "Filter").

/// Summarises keys into a filter and tests keys against it.
///
/// Contract: `key_may_match(k, create_filter(keys))` is true for every `k`
/// in `keys` (no false negatives). The `name` is stored in the table's
/// metaindex and must change whenever the encoding does.
pub trait FilterPolicy: Send + Sync {
    fn name(&self) -> &str;
    /// Appends a filter for `keys` to `out`.
    fn create_filter(&self, keys: &[&[u8]], out: &mut Vec<u8>);
    /// Must not panic whatever `filter` holds (it comes from disk).
    fn key_may_match(&self, key: &[u8], filter: &[u8]) -> bool;
}

/// Seed of LevelDB's bloom hash.
const BLOOM_HASH_SEED: u32 = 0xbc9f_1d34;
/// Smallest bloom filter, in bits (keeps tiny filters' false positives low).
const BLOOM_FILTER_BITS_MIN: usize = 64;
/// Largest number of probes (hash functions) a filter may use.
const BLOOM_PROBES_MAX: u32 = 30;

/// LevelDB's hash (Murmur-like): part of the file format through filters.
pub fn leveldb_hash(data: &[u8], seed: u32) -> u32 {
    const MULTIPLIER: u32 = 0xc6a4_a793;
    const SHIFT: u32 = 24;
    let mut hash = seed ^ (data.len() as u32).wrapping_mul(MULTIPLIER);
    let mut words = data.chunks_exact(4);
    for word in &mut words {
        let word = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        hash = hash.wrapping_add(word).wrapping_mul(MULTIPLIER);
        hash ^= hash >> 16;
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        for (index, &byte) in tail.iter().enumerate() {
            hash = hash.wrapping_add(u32::from(byte) << (8 * index));
        }
        hash = hash.wrapping_mul(MULTIPLIER);
        hash ^= hash >> SHIFT;
    }
    hash
}

fn bloom_hash(key: &[u8]) -> u32 {
    leveldb_hash(key, BLOOM_HASH_SEED)
}

/// LevelDB's bloom filter: `bits_per_key` bits for each key, k probes by
/// double hashing; the filter's last byte records k.
#[derive(Debug, Clone, Copy)]
pub struct BloomFilterPolicy {
    bits_per_key: usize,
    probes: u32,
}

impl BloomFilterPolicy {
    /// LevelDB's recommended bits per key (about 1% false positives).
    pub const BITS_PER_KEY_DEFAULT: usize = 10;

    pub fn new(bits_per_key: usize) -> BloomFilterPolicy {
        // k = bits_per_key * ln(2) minimises false positives; round down
        // (as LevelDB does) to save probing cost.
        let probes = (bits_per_key as f64 * 0.69) as u32;
        BloomFilterPolicy {
            bits_per_key,
            probes: probes.clamp(1, BLOOM_PROBES_MAX),
        }
    }
}

impl FilterPolicy for BloomFilterPolicy {
    fn name(&self) -> &str {
        "leveldb.BuiltinBloomFilter2"
    }

    fn create_filter(&self, keys: &[&[u8]], out: &mut Vec<u8>) {
        let bits_wanted = (keys.len() * self.bits_per_key).max(BLOOM_FILTER_BITS_MIN);
        let bytes = bits_wanted.div_ceil(8);
        let bits = bytes * 8;
        let start = out.len();
        out.resize(start + bytes, 0);
        out.push(self.probes as u8);
        let array = &mut out[start..start + bytes];
        for key in keys {
            let mut hash = bloom_hash(key);
            let delta = hash.rotate_right(17);
            for _ in 0..self.probes {
                let bit = hash as usize % bits;
                array[bit / 8] |= 1 << (bit % 8);
                hash = hash.wrapping_add(delta);
            }
        }
    }

    fn key_may_match(&self, key: &[u8], filter: &[u8]) -> bool {
        let Some((&probes, array)) = filter.split_last() else {
            return false;
        };
        if array.is_empty() {
            return false;
        }
        if u32::from(probes) > BLOOM_PROBES_MAX {
            return true; // reserved for future encodings: treat as a match
        }
        let bits = array.len() * 8;
        let mut hash = bloom_hash(key);
        let delta = hash.rotate_right(17);
        for _ in 0..probes {
            let bit = hash as usize % bits;
            if array[bit / 8] & (1 << (bit % 8)) == 0 {
                return false;
            }
            hash = hash.wrapping_add(delta);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leveldb_hash_matches_published_vectors() {
        let vectors: [(&[u8], u32); 6] = [
            (b"", 3_164_544_308),
            (b"\x08", 422_599_524),
            (b"\x4d\x76", 2_447_836_956),
            (b"\x30\x46\x0b", 3_808_221_797),
            (b"\x67\x53\x81\x1c", 118_283_265),
            (b"\xd0\x7a\x6e\xea\x56", 4_255_445_370),
        ];
        for (data, expected) in vectors {
            assert_eq!(leveldb_hash(data, BLOOM_HASH_SEED), expected, "{data:?}");
        }
    }

    fn key(index: u32) -> [u8; 4] {
        index.to_le_bytes()
    }

    fn build(policy: &BloomFilterPolicy, length: u32) -> Vec<u8> {
        let keys: Vec<[u8; 4]> = (0..length).map(key).collect();
        let slices: Vec<&[u8]> = keys.iter().map(|key| &key[..]).collect();
        let mut filter = Vec::new();
        policy.create_filter(&slices, &mut filter);
        filter
    }

    #[test]
    fn empty_filter_matches_nothing() {
        let policy = BloomFilterPolicy::new(10);
        let filter = build(&policy, 0);
        assert!(!policy.key_may_match(b"hello", &filter));
        assert!(!policy.key_may_match(b"hello", &[]));
    }

    #[test]
    fn bloom_has_no_false_negatives_and_few_false_positives() {
        let policy = BloomFilterPolicy::new(10);
        let mut mediocre = 0;
        let mut length = 1;
        while length <= 10_000 {
            let filter = build(&policy, length);
            assert!(filter.len() <= (length as usize * 10 / 8) + 40);
            for index in 0..length {
                assert!(
                    policy.key_may_match(&key(index), &filter),
                    "length {length}"
                );
            }
            let rate = false_positive_rate(&policy, &filter);
            assert!(rate <= 0.02, "length {length}: false positives {rate}");
            if rate > 0.0125 {
                mediocre += 1;
            }
            length = next_length(length);
        }
        assert!(mediocre <= 5, "{mediocre} mediocre filters");
    }

    fn false_positive_rate(policy: &BloomFilterPolicy, filter: &[u8]) -> f64 {
        let probes = 10_000;
        let hits = (0..probes)
            .filter(|index| policy.key_may_match(&key(index + 1_000_000_000), filter))
            .count();
        hits as f64 / f64::from(probes)
    }

    fn next_length(length: u32) -> u32 {
        let step = if length < 10 {
            1
        } else if length < 100 {
            10
        } else if length < 1000 {
            100
        } else {
            1000
        };
        length + step
    }

    #[test]
    fn probe_count_is_clamped_and_stored_in_last_byte() {
        for (bits_per_key, probes) in [(0, 1), (1, 1), (10, 6), (100, 30)] {
            let filter = build(&BloomFilterPolicy::new(bits_per_key), 3);
            assert_eq!(*filter.last().unwrap(), probes, "bits {bits_per_key}");
        }
    }

    #[test]
    fn filter_with_reserved_probe_count_matches_everything() {
        let policy = BloomFilterPolicy::new(10);
        assert!(policy.key_may_match(b"anything", &[0, 0, 0, 0, 31]));
    }
}
