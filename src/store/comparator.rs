//! Orders of keys (LevelDB's `Comparator`): a total order plus the two
//! helpers that let tables store short index keys. The store orders user
//! keys bytewise; internal keys use `dbformat::InternalKeyComparator`.

use std::cmp::Ordering;

/// A total order on byte strings, named so a store can refuse to open with
/// a different one (the name is written to the MANIFEST).
///
/// Contract: `compare` is a total order and never changes for a given
/// `name`. The two shortening helpers may always leave their key as it is.
pub trait Comparator: Send + Sync {
    fn name(&self) -> &str;
    fn compare(&self, a: &[u8], b: &[u8]) -> Ordering;
    /// If `start < limit`, shortens `start` to a key in `[start, limit)`.
    fn find_shortest_separator(&self, start: &mut Vec<u8>, limit: &[u8]);
    /// Shortens `key` to a key `>= key`.
    fn find_short_successor(&self, key: &mut Vec<u8>);
}

/// Bytewise (memcmp) order, LevelDB's default.
#[derive(Clone, Copy, Debug, Default)]
pub struct BytewiseComparator;

/// The name LevelDB gives the bytewise order.
pub const BYTEWISE_COMPARATOR_NAME: &str = "leveldb.BytewiseComparator";

impl Comparator for BytewiseComparator {
    fn name(&self) -> &str {
        BYTEWISE_COMPARATOR_NAME
    }

    fn compare(&self, a: &[u8], b: &[u8]) -> Ordering {
        a.cmp(b)
    }

    fn find_shortest_separator(&self, start: &mut Vec<u8>, limit: &[u8]) {
        let shared = common_prefix_bytes(start, limit);
        if shared >= start.len().min(limit.len()) {
            return; // one is a prefix of the other
        }
        let byte = start[shared];
        if byte < 0xff && byte + 1 < limit[shared] {
            start[shared] = byte + 1;
            start.truncate(shared + 1);
        }
    }

    fn find_short_successor(&self, key: &mut Vec<u8>) {
        if let Some(index) = key.iter().position(|&byte| byte != 0xff) {
            key[index] += 1;
            key.truncate(index + 1);
        }
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
        let mut shortened = start.to_vec();
        BytewiseComparator.find_shortest_separator(&mut shortened, limit);
        shortened
    }

    #[test]
    fn separator_shortens_only_when_a_byte_can_grow() {
        assert_eq!(separator(b"abcdefg", b"abzzz"), b"abd");
        assert_eq!(separator(b"abc", b"abd"), b"abc");
        assert_eq!(separator(b"ab", b"abc"), b"ab");
        assert_eq!(separator(b"a\xff", b"b"), b"a\xff");
        assert_eq!(separator(b"apricot", b"cherry"), b"b");
        assert_eq!(separator(b"apricot", b"banana"), b"apricot");
        assert_eq!(separator(b"abc1", b"abc2"), b"abc1");
    }

    #[test]
    fn successor_increments_the_first_non_ff_byte() {
        let mut key = b"\xff\xffab".to_vec();
        BytewiseComparator.find_short_successor(&mut key);
        assert_eq!(key, b"\xff\xffb");
        let mut all_ff = vec![0xff; 3];
        BytewiseComparator.find_short_successor(&mut all_ff);
        assert_eq!(all_ff, [0xff; 3]);
        for (key, expected) in [(&b"apricot"[..], &b"b"[..]), (b"", b"")] {
            let mut key = key.to_vec();
            BytewiseComparator.find_short_successor(&mut key);
            assert_eq!(key, expected);
        }
    }
}
