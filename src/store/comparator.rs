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
///
/// Compares 8 bytes at a time (every key a table builder adds goes
/// through here; a byte at a time cost about 5 instructions a byte): in a
/// little-endian load the first differing byte holds the lowest set bit
/// of the XOR.
pub fn common_prefix_bytes(a: &[u8], b: &[u8]) -> usize {
    let limit = a.len().min(b.len());
    let mut shared = 0;
    for (x, y) in a[..limit].chunks_exact(8).zip(b[..limit].chunks_exact(8)) {
        let x = u64::from_le_bytes(x.try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(y.try_into().expect("8 bytes"));
        let differing_bits = x ^ y;
        if differing_bits != 0 {
            return shared + (differing_bits.trailing_zeros() / 8) as usize;
        }
        shared += 8;
    }
    let (a_tail, b_tail) = (&a[shared..limit], &b[shared..limit]);
    shared
        + a_tail
            .iter()
            .zip(b_tail)
            .take_while(|(x, y)| x == y)
            .count()
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
    fn common_prefix_matches_a_byte_by_byte_count_at_every_length() {
        let base: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
        for length in 0..base.len() {
            for differ_at in 0..=length {
                let mut other = base[..length].to_vec();
                if differ_at < length {
                    other[differ_at] ^= 0x80;
                }
                let expected = base[..length]
                    .iter()
                    .zip(&other)
                    .take_while(|(x, y)| x == y)
                    .count();
                assert_eq!(common_prefix_bytes(&base, &other), expected);
                assert_eq!(common_prefix_bytes(&other, &base), expected);
                assert_eq!(common_prefix_bytes(&base[..length], &base), length);
            }
        }
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
