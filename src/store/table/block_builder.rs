//! Builds one block: sorted entries with their keys prefix-compressed
//! against the previous key, a full key at every restart point, then the
//! restart array and its length (grammar in FORMAT.md, "Block").

use crate::store::comparator::{Comparator, common_prefix_bytes};
use crate::util::varint::{put_fixed32, put_varint32};
use std::cmp::Ordering;
use std::sync::Arc;

/// LevelDB's default number of entries between restart points.
pub const BLOCK_RESTART_INTERVAL_ENTRIES: usize = 16;

/// Accumulates entries of one block in key order.
///
/// Invariants: `restarts[0] == 0`; `entries_since_restart` is at most the
/// interval; keys are added in strictly increasing order.
pub struct BlockBuilder {
    comparator: Arc<dyn Comparator>,
    restart_interval_entries: usize,
    buffer: Vec<u8>,
    restarts: Vec<u32>,
    entries_since_restart: usize,
    last_key: Vec<u8>,
    finished: bool,
}

impl BlockBuilder {
    pub fn new(comparator: Arc<dyn Comparator>, restart_interval_entries: usize) -> BlockBuilder {
        assert!(restart_interval_entries >= 1);
        BlockBuilder {
            comparator,
            restart_interval_entries,
            buffer: Vec::new(),
            restarts: vec![0],
            entries_since_restart: 0,
            last_key: Vec::new(),
            finished: false,
        }
    }

    /// Forgets every entry, as if just created.
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.restarts.clear();
        self.restarts.push(0);
        self.entries_since_restart = 0;
        self.last_key.clear();
        self.finished = false;
    }

    /// REQUIRES: not finished; `key` is after every key added so far.
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        assert!(!self.finished, "add after finish");
        assert!(self.entries_since_restart <= self.restart_interval_entries);
        assert!(
            self.buffer.is_empty()
                || self.comparator.compare(key, &self.last_key) == Ordering::Greater,
            "keys must be added in increasing order"
        );
        let mut shared = 0;
        if self.entries_since_restart < self.restart_interval_entries {
            shared = common_prefix_bytes(&self.last_key, key);
        } else {
            self.restarts.push(offset_u32(self.buffer.len()));
            self.entries_since_restart = 0;
        }
        let non_shared = &key[shared..];
        put_varint32(&mut self.buffer, offset_u32(shared));
        put_varint32(&mut self.buffer, offset_u32(non_shared.len()));
        put_varint32(&mut self.buffer, offset_u32(value.len()));
        self.buffer.extend_from_slice(non_shared);
        self.buffer.extend_from_slice(value);
        self.last_key.truncate(shared);
        self.last_key.extend_from_slice(non_shared);
        self.entries_since_restart += 1;
    }

    /// Appends the restart array and returns the block's contents, valid
    /// until `reset`.
    pub fn finish(&mut self) -> &[u8] {
        assert!(!self.finished, "finish twice");
        for &restart in &self.restarts {
            put_fixed32(&mut self.buffer, restart);
        }
        put_fixed32(&mut self.buffer, offset_u32(self.restarts.len()));
        self.finished = true;
        &self.buffer
    }

    /// Size of the block if finished now, in bytes.
    pub fn current_size_estimate_bytes(&self) -> usize {
        self.buffer.len() + self.restarts.len() * 4 + 4
    }

    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// The key most recently added (empty if none).
    pub fn last_key(&self) -> &[u8] {
        &self.last_key
    }
}

/// Blocks are addressed with 32-bit offsets and lengths.
fn offset_u32(value: usize) -> u32 {
    u32::try_from(value).expect("block larger than 4 GiB")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::comparator::BytewiseComparator;

    fn builder(interval: usize) -> BlockBuilder {
        BlockBuilder::new(Arc::new(BytewiseComparator), interval)
    }

    #[test]
    fn empty_block_is_one_restart_and_its_count() {
        assert_eq!(builder(16).finish(), [0, 0, 0, 0, 1, 0, 0, 0]);
    }

    #[test]
    fn restart_point_every_interval_entries_stores_full_key() {
        let mut block = builder(2);
        for key in [&b"k1"[..], b"k2", b"k3"] {
            block.add(key, b"");
        }
        let size_estimate = block.current_size_estimate_bytes();
        let data = block.finish().to_vec();
        assert_eq!(data.len(), size_estimate);
        // k1 full, k2 shares "k", k3 at a restart: full again.
        assert_eq!(&data[..14], b"\x00\x02\x00k1\x01\x01\x002\x00\x02\x00k3");
        assert_eq!(&data[14..], [0, 0, 0, 0, 9, 0, 0, 0, 2, 0, 0, 0]);
    }

    #[test]
    #[should_panic(expected = "increasing order")]
    fn adding_keys_out_of_order_is_a_programmer_error() {
        let mut block = builder(16);
        block.add(b"b", b"");
        block.add(b"a", b"");
    }

    #[test]
    fn reset_forgets_entries() {
        let mut block = builder(16);
        block.add(b"a", b"1");
        block.finish();
        block.reset();
        assert!(block.is_empty());
        block.add(b"a", b"2");
        assert_eq!(block.last_key(), b"a");
    }
}
