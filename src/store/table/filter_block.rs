//! The filter block of a table: one filter for each 2 KiB range of data
//! block offsets, then an array of filter offsets, its start, and base_lg
//! (grammar in FORMAT.md, "Filter block").

use crate::store::table::filter::FilterPolicy;
use crate::util::varint::{get_fixed32, put_fixed32};
use std::sync::Arc;

/// log2 of the span of data-block offsets one filter covers.
pub const FILTER_BASE_LG: u8 = 11;
/// Span of data-block offsets one filter covers, in bytes (2 KiB).
pub const FILTER_BASE_BYTES: u64 = 1 << FILTER_BASE_LG;
const _: () = assert!(FILTER_BASE_BYTES == 2048);

/// Bytes after the offset array: its start (fixed32) and base_lg (u8).
const FILTER_TAIL_BYTES: usize = 5;

/// Builds a filter block while the table builder writes data blocks.
///
/// Call sequence: (start_block add_key*)* finish.
pub struct FilterBlockBuilder {
    policy: Arc<dyn FilterPolicy>,
    keys: Vec<u8>,
    key_starts: Vec<usize>,
    result: Vec<u8>,
    filter_offsets: Vec<u32>,
}

impl FilterBlockBuilder {
    pub fn new(policy: Arc<dyn FilterPolicy>) -> FilterBlockBuilder {
        FilterBlockBuilder {
            policy,
            keys: Vec::new(),
            key_starts: Vec::new(),
            result: Vec::new(),
            filter_offsets: Vec::new(),
        }
    }

    /// Announces that the next data block starts at `block_offset`.
    pub fn start_block(&mut self, block_offset: u64) {
        let filter_index = block_offset / FILTER_BASE_BYTES;
        assert!(filter_index >= self.filter_offsets.len() as u64);
        while filter_index > self.filter_offsets.len() as u64 {
            self.generate_filter();
        }
    }

    pub fn add_key(&mut self, key: &[u8]) {
        self.key_starts.push(self.keys.len());
        self.keys.extend_from_slice(key);
    }

    /// Returns the finished filter block's contents.
    pub fn finish(&mut self) -> &[u8] {
        if !self.key_starts.is_empty() {
            self.generate_filter();
        }
        let array_offset = offset_u32(self.result.len());
        for &offset in &self.filter_offsets {
            put_fixed32(&mut self.result, offset);
        }
        put_fixed32(&mut self.result, array_offset);
        self.result.push(FILTER_BASE_LG);
        &self.result
    }

    fn generate_filter(&mut self) {
        self.filter_offsets.push(offset_u32(self.result.len()));
        if self.key_starts.is_empty() {
            return; // an empty filter: next offset equals this one
        }
        let mut keys: Vec<&[u8]> = Vec::with_capacity(self.key_starts.len());
        for (index, &start) in self.key_starts.iter().enumerate() {
            let end = self
                .key_starts
                .get(index + 1)
                .copied()
                .unwrap_or(self.keys.len());
            keys.push(&self.keys[start..end]);
        }
        self.policy.create_filter(&keys, &mut self.result);
        self.keys.clear();
        self.key_starts.clear();
    }
}

fn offset_u32(value: usize) -> u32 {
    u32::try_from(value).expect("filter block larger than 4 GiB")
}

/// Answers "may the data block at this offset hold this key?".
///
/// Invariant: `array_offset + 4 * filter_count + 5 == data.len()`.
pub struct FilterBlockReader {
    policy: Arc<dyn FilterPolicy>,
    data: Vec<u8>,
    array_offset: usize,
    filter_count: usize,
    base_lg: u8,
}

impl FilterBlockReader {
    /// None when the block's tail does not describe an array that fits.
    pub fn new(policy: Arc<dyn FilterPolicy>, data: Vec<u8>) -> Option<FilterBlockReader> {
        let tail_at = data.len().checked_sub(FILTER_TAIL_BYTES)?;
        let base_lg = data[data.len() - 1];
        let array_offset = get_fixed32(&data[tail_at..])? as usize;
        if array_offset > tail_at || base_lg >= 64 {
            return None;
        }
        let filter_count = (tail_at - array_offset) / 4;
        Some(FilterBlockReader {
            policy,
            data,
            array_offset,
            filter_count,
            base_lg,
        })
    }

    /// False only when the key is surely absent; a malformed filter entry
    /// answers true (it costs a block read, never a wrong answer).
    pub fn key_may_match(&self, block_offset: u64, key: &[u8]) -> bool {
        let index = block_offset >> self.base_lg;
        if index >= self.filter_count as u64 {
            return true;
        }
        let at = self.array_offset + index as usize * 4;
        let start = get_fixed32(&self.data[at..]).map(|start| start as usize);
        let limit = get_fixed32(&self.data[at + 4..]).map(|limit| limit as usize);
        match (start, limit) {
            (Some(start), Some(limit)) if start == limit => false,
            (Some(start), Some(limit)) if start < limit && limit <= self.array_offset => {
                self.policy.key_may_match(key, &self.data[start..limit])
            }
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A policy whose filter is the keys themselves, to test the layout.
    struct ListPolicy;

    impl FilterPolicy for ListPolicy {
        fn name(&self) -> &str {
            "test.ListPolicy"
        }

        fn create_filter(&self, keys: &[&[u8]], out: &mut Vec<u8>) {
            for key in keys {
                out.push(key.len() as u8);
                out.extend_from_slice(key);
            }
        }

        fn key_may_match(&self, key: &[u8], mut filter: &[u8]) -> bool {
            while let Some((&length, rest)) = filter.split_first() {
                let Some(candidate) = rest.get(..length as usize) else {
                    return false;
                };
                if candidate == key {
                    return true;
                }
                filter = &rest[length as usize..];
            }
            false
        }
    }

    fn builder() -> FilterBlockBuilder {
        FilterBlockBuilder::new(Arc::new(ListPolicy))
    }

    fn reader(data: &[u8]) -> FilterBlockReader {
        FilterBlockReader::new(Arc::new(ListPolicy), data.to_vec()).unwrap()
    }

    #[test]
    fn empty_filter_block_is_array_start_and_base_lg() {
        let mut block = builder();
        assert_eq!(block.finish(), [0, 0, 0, 0, 11]);
        let filter = reader(&[0, 0, 0, 0, 11]);
        assert!(filter.key_may_match(0, b"foo"));
        assert!(filter.key_may_match(100_000, b"foo"));
    }

    #[test]
    fn one_filter_covers_blocks_within_two_kib() {
        let mut block = builder();
        block.start_block(100);
        block.add_key(b"foo");
        block.add_key(b"bar");
        block.start_block(200);
        block.add_key(b"box");
        block.start_block(300);
        block.add_key(b"hello");
        let filter = reader(block.finish());
        for key in [&b"foo"[..], b"bar", b"box", b"hello"] {
            assert!(filter.key_may_match(100, key));
        }
        assert!(!filter.key_may_match(100, b"missing"));
        assert!(!filter.key_may_match(100, b"other"));
    }

    #[test]
    fn blocks_in_later_ranges_get_their_own_filters() {
        let mut block = builder();
        block.start_block(0);
        block.add_key(b"foo");
        block.start_block(3100); // filter 1 (2048..4096)
        block.add_key(b"bar");
        block.start_block(9000); // filter 4; filters 2 and 3 are empty
        block.add_key(b"box");
        let filter = reader(block.finish());
        assert!(filter.key_may_match(0, b"foo"));
        assert!(!filter.key_may_match(0, b"bar"));
        assert!(filter.key_may_match(3100, b"bar"));
        assert!(!filter.key_may_match(3100, b"foo"));
        assert!(!filter.key_may_match(4100, b"foo"));
        assert!(!filter.key_may_match(6200, b"bar"));
        assert!(filter.key_may_match(9000, b"box"));
        assert!(!filter.key_may_match(9000, b"foo"));
    }

    #[test]
    fn malformed_filter_blocks_are_rejected_or_match_everything() {
        assert!(FilterBlockReader::new(Arc::new(ListPolicy), vec![0, 0, 0]).is_none());
        let past_end = vec![9, 0, 0, 0, 11];
        assert!(FilterBlockReader::new(Arc::new(ListPolicy), past_end).is_none());
        let huge_shift = vec![0, 0, 0, 0, 200];
        assert!(FilterBlockReader::new(Arc::new(ListPolicy), huge_shift).is_none());
        // One filter whose start lies after its limit: "may match".
        let bad_limit = [0, 0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0, 11];
        let bad_limit = [&bad_limit[..8], &[4, 0, 0, 0, 11]].concat();
        assert!(reader(&bad_limit).key_may_match(0, b"x"));
    }
}
