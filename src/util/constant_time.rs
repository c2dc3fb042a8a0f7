//! Comparison of secrets in time that does not depend on where they differ,
//! so a network client cannot learn a token byte by byte from timing.

use std::hint::black_box;

/// Are `a` and `b` equal? The time taken depends on their lengths only,
/// never on their contents; lengths are not treated as secret (compare
/// fixed-size digests of secrets to hide them too).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut difference = 0u8;
    for (x, y) in a.iter().zip(b) {
        difference |= black_box(x ^ y);
    }
    black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_slices_compare_equal() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"token", b"token"));
    }

    #[test]
    fn a_difference_in_any_byte_is_found() {
        let base = [7u8; 40];
        for index in 0..base.len() {
            for bit in 0..8 {
                let mut other = base;
                other[index] ^= 1 << bit;
                assert!(!constant_time_eq(&base, &other), "byte {index} bit {bit}");
            }
        }
    }

    #[test]
    fn different_lengths_compare_unequal() {
        assert!(!constant_time_eq(b"token", b"token!"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
