//! A search accelerator for a table's index block: one 64-bit "window"
//! per index entry, held in a plain array, so a point lookup narrows its
//! binary search in one contiguous 8-bytes-an-entry array instead of
//! decoding a restart point and an entry (two cache misses) per probe.
//!
//! The window of a key: with P the common prefix of the first and the
//! next-to-last index keys (their user keys, for internal keys), a key
//! that starts with P gets the 8 bytes after P, big-endian, zero-padded;
//! a key below P gets 0, above P `u64::MAX`. The window never decreases
//! as keys grow (bytewise order, then the internal trailer, which the
//! window ignores), so entries with a window below the target's are below
//! the target, entries with a window above it are above it, and only the
//! entries with an equal window need a full comparison.
//!
//! Only for the two orders this holds for: bytewise keys and internal
//! keys over bytewise user keys. Built only for index blocks where every
//! entry is a restart point (LevelDB writes index blocks so), so entry
//! `i` is restart point `i`.

use crate::store::comparator::{BYTEWISE_COMPARATOR_NAME, Comparator};
use crate::store::dbformat::{INTERNAL_KEY_COMPARATOR_NAME, TRAILER_BYTES};
use crate::store::table::block::{Block, BlockIter};
use crate::store::table::iterator::TableIterator;

/// Bytes of a window.
const WINDOW_BYTES: usize = 8;

/// The windows of one index block's entries, in entry order.
pub struct IndexWindows {
    prefix: Vec<u8>,
    windows: Vec<u64>,
    /// Internal keys: windows are taken over the user key.
    internal_keys: bool,
}

impl IndexWindows {
    /// Windows for `index` under `comparator`, or None when the order is
    /// not one this works for, the block is damaged, or some entry is not
    /// a restart point.
    pub fn build(index: &Block, comparator: &(dyn Comparator + 'static)) -> Option<IndexWindows> {
        let internal_keys = match comparator.name() {
            INTERNAL_KEY_COMPARATOR_NAME => true,
            BYTEWISE_COMPARATOR_NAME => false,
            _ => return None,
        };
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut entries = BlockIter::new(index, comparator);
        entries.seek_to_first();
        while entries.valid() {
            keys.push(entries.key().to_vec());
            entries.next();
        }
        if entries.status().is_err() || keys.len() != index.restart_count() as usize {
            return None;
        }
        let project = |key: &[u8]| -> Option<Vec<u8>> {
            if !internal_keys {
                return Some(key.to_vec());
            }
            key.len()
                .checked_sub(TRAILER_BYTES)
                .map(|user_bytes| key[..user_bytes].to_vec())
        };
        let projected: Vec<Vec<u8>> = keys.iter().map(|key| project(key)).collect::<Option<_>>()?;
        let prefix = match projected.as_slice() {
            [] => Vec::new(),
            [only] => only.clone(),
            [first, .., next_to_last, _] | [first, next_to_last] => {
                let shared = first
                    .iter()
                    .zip(next_to_last)
                    .take_while(|(a, b)| a == b)
                    .count();
                first[..shared].to_vec()
            }
        };
        let mut built = IndexWindows {
            prefix,
            windows: Vec::with_capacity(projected.len()),
            internal_keys,
        };
        built.windows = projected.iter().map(|key| built.window(key)).collect();
        Some(built)
    }

    fn window(&self, projected_key: &[u8]) -> u64 {
        match projected_key.get(..self.prefix.len()) {
            Some(head) if head == self.prefix.as_slice() => {
                let rest = &projected_key[self.prefix.len()..];
                let mut bytes = [0u8; WINDOW_BYTES];
                let take = rest.len().min(WINDOW_BYTES);
                bytes[..take].copy_from_slice(&rest[..take]);
                u64::from_be_bytes(bytes)
            }
            _ if projected_key < self.prefix.as_slice() => 0,
            _ => u64::MAX,
        }
    }

    /// The restart points (entries) `left..=right` between which the last
    /// entry below `target` lies (or `left` when none is below it), for
    /// `BlockIter::seek_between`. None when `target` is not a key of the
    /// order (an internal key shorter than its trailer).
    pub fn restart_range(&self, target: &[u8]) -> Option<(u32, u32)> {
        if self.windows.is_empty() {
            return None;
        }
        let projected = if self.internal_keys {
            &target[..target.len().checked_sub(TRAILER_BYTES)?]
        } else {
            target
        };
        let window = self.window(projected);
        let below = self.windows.partition_point(|&entry| entry < window);
        let not_above = self.windows.partition_point(|&entry| entry <= window);
        // Entries before `below` are < target; from `not_above` on, >.
        let last = self.windows.len() - 1;
        let left = below.saturating_sub(1).min(last);
        let right = not_above.saturating_sub(1).clamp(left, last);
        Some((left as u32, right as u32))
    }

    /// Bytes held (for accounting and tests).
    pub fn size_bytes(&self) -> usize {
        self.prefix.len() + self.windows.len() * WINDOW_BYTES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::comparator::BytewiseComparator;
    use crate::store::dbformat::{InternalKeyComparator, ValueType, append_internal_key};
    use crate::store::table::block::BlockOrigin;
    use crate::store::table::block_builder::BlockBuilder;
    use crate::store::table::test_rng::TestRng;
    use std::sync::Arc;

    fn block_of(keys: &[Vec<u8>], comparator: Arc<dyn Comparator>, interval: usize) -> Block {
        let mut builder = BlockBuilder::new(comparator, interval);
        for (index, key) in keys.iter().enumerate() {
            builder.add(key, &(index as u32).to_le_bytes());
        }
        let origin = BlockOrigin {
            file: Arc::from("000001.ldb"),
            offset: 0,
        };
        Block::new(builder.finish().to_vec(), origin).unwrap()
    }

    /// Seeks `target` with and without the windows; both must agree.
    fn check_seek(
        block: &Block,
        windows: &IndexWindows,
        comparator: &(dyn Comparator + 'static),
        target: &[u8],
    ) {
        let mut plain = BlockIter::new(block, comparator);
        plain.seek(target);
        let mut fast = BlockIter::new(block, comparator);
        let (left, right) = windows.restart_range(target).unwrap();
        fast.seek_between(target, left, right);
        assert_eq!(plain.valid(), fast.valid(), "target {target:?}");
        if plain.valid() {
            assert_eq!(plain.key(), fast.key(), "target {target:?}");
        }
    }

    fn internal(user_key: &[u8], sequence: u64) -> Vec<u8> {
        let mut key = Vec::new();
        append_internal_key(&mut key, user_key, sequence, ValueType::Value);
        key
    }

    #[test]
    fn windowed_seeks_find_the_same_entry_as_a_full_binary_search() {
        let mut random = TestRng::new(0x5eed);
        let comparator = InternalKeyComparator;
        let mut user_keys: Vec<Vec<u8>> = (0..600)
            .map(|_| {
                let length = 1 + random.below(20) as usize;
                let mut key = b"0000000000".to_vec();
                key.extend((0..length).map(|_| b'0' + random.below(4) as u8));
                key
            })
            .collect();
        user_keys.push(b"1".to_vec()); // a short successor as the last key
        user_keys.sort();
        user_keys.dedup();
        let keys: Vec<Vec<u8>> = user_keys.iter().map(|key| internal(key, 100)).collect();
        let block = block_of(&keys, Arc::new(InternalKeyComparator), 1);
        let windows = IndexWindows::build(&block, &comparator).unwrap();
        assert_eq!(windows.prefix, b"0000000000");
        for user_key in &user_keys {
            for sequence in [1, 100, 200] {
                check_seek(&block, &windows, &comparator, &internal(user_key, sequence));
            }
        }
        for probe in [
            &b""[..],
            b"0",
            b"00000000000",
            b"0000000000\xff",
            b"1",
            b"2",
            b"\xff",
        ] {
            check_seek(&block, &windows, &comparator, &internal(probe, 7));
        }
        for _ in 0..2000 {
            let length = random.below(24) as usize;
            let probe: Vec<u8> = (0..length).map(|_| b'0' + random.below(5) as u8).collect();
            check_seek(&block, &windows, &comparator, &internal(&probe, 50));
        }
    }

    #[test]
    fn bytewise_keys_get_windows_too_and_other_blocks_get_none() {
        let keys: Vec<Vec<u8>> = (0..100u32)
            .map(|n| format!("key{n:05}").into_bytes())
            .collect();
        let comparator = BytewiseComparator;
        let block = block_of(&keys, Arc::new(BytewiseComparator), 1);
        let windows = IndexWindows::build(&block, &comparator).unwrap();
        for n in 0..101u32 {
            let target = format!("key{n:05}");
            let (left, right) = windows.restart_range(target.as_bytes()).unwrap();
            assert!(
                right - left <= 1,
                "distinct windows leave no search: {left}..={right}"
            );
            check_seek(&block, &windows, &comparator, target.as_bytes());
            check_seek(
                &block,
                &windows,
                &comparator,
                format!("key{n:04}").as_bytes(),
            );
        }
        let prefix_compressed = block_of(&keys, Arc::new(BytewiseComparator), 16);
        assert!(IndexWindows::build(&prefix_compressed, &comparator).is_none());
    }
}
