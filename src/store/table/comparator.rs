//! The order of keys in a table. The table layer only ever compares keys
//! through this trait; the Db layer supplies its internal-key comparator.

use std::cmp::Ordering;

/// A total order over byte strings, plus two helpers that let the table
/// builder store short index keys.
///
/// Contract: `compare` is a total order and never changes for a given
/// `name` (the name is checked when a store reopens).
pub trait Comparator: Send + Sync {
    fn compare(&self, a: &[u8], b: &[u8]) -> Ordering;

    fn name(&self) -> &str;

    /// If `start < limit`, may shorten `start` to a key `k` with
    /// `start <= k < limit`. Leaving `start` unchanged is always correct.
    fn find_shortest_separator(&self, start: &mut Vec<u8>, limit: &[u8]);

    /// May change `key` to a short key `k >= key`. Leaving it is correct.
    fn find_short_successor(&self, key: &mut Vec<u8>);
}

/// Lexicographic order of unsigned bytes (LevelDB's default comparator).
#[derive(Debug, Clone, Copy, Default)]
pub struct BytewiseComparator;

impl Comparator for BytewiseComparator {
    fn compare(&self, a: &[u8], b: &[u8]) -> Ordering {
        a.cmp(b)
    }

    fn name(&self) -> &str {
        "leveldb.BytewiseComparator"
    }

    fn find_shortest_separator(&self, start: &mut Vec<u8>, limit: &[u8]) {
        let shared = common_prefix_bytes(start, limit);
        if shared >= start.len().min(limit.len()) {
            return; // one is a prefix of the other: no shorter separator
        }
        let byte = start[shared];
        if byte < 0xff && byte + 1 < limit[shared] {
            start[shared] = byte + 1;
            start.truncate(shared + 1);
            debug_assert!(self.compare(start, limit) == Ordering::Less);
        }
    }

    fn find_short_successor(&self, key: &mut Vec<u8>) {
        if let Some(index) = key.iter().position(|&byte| byte != 0xff) {
            key[index] += 1;
            key.truncate(index + 1);
        }
        // All 0xff bytes (or empty): `key` is its own shortest successor.
    }
}

/// Length of the longest common prefix of `a` and `b`.
pub fn common_prefix_bytes(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn separator(start: &[u8], limit: &[u8]) -> Vec<u8> {
        let mut key = start.to_vec();
        BytewiseComparator.find_shortest_separator(&mut key, limit);
        key
    }

    fn successor(key: &[u8]) -> Vec<u8> {
        let mut key = key.to_vec();
        BytewiseComparator.find_short_successor(&mut key);
        key
    }

    #[test]
    fn separator_shortens_when_a_byte_can_be_incremented() {
        assert_eq!(separator(b"abcdef", b"abzz"), b"abd");
        assert_eq!(separator(b"apricot", b"cherry"), b"b");
        assert_eq!(separator(b"apricot", b"banana"), b"apricot");
    }

    #[test]
    fn separator_is_unchanged_for_prefixes_and_adjacent_bytes() {
        assert_eq!(separator(b"abc", b"abcd"), b"abc");
        assert_eq!(separator(b"abc1", b"abc2"), b"abc1");
        assert_eq!(separator(b"a\xff", b"b"), b"a\xff");
    }

    #[test]
    fn successor_increments_first_byte_below_0xff() {
        assert_eq!(successor(b"apricot"), b"b");
        assert_eq!(successor(b"\xff\xffab"), b"\xff\xffb");
        assert_eq!(successor(b"\xff\xff"), b"\xff\xff");
        assert_eq!(successor(b""), b"");
    }
}
