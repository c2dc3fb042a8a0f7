//! splitmix64 as a byte stream: deterministic pseudo-random test data
//! that tests and benches share (and that outside reference scripts can
//! reproduce, since the generator is a published one-liner).

/// `length` bytes of splitmix64 output for `seed`, little-endian words.
pub fn pseudo_random_bytes(seed: u64, length: usize) -> Vec<u8> {
    let mut state = seed;
    let mut bytes = Vec::with_capacity(length + 8);
    while bytes.len() < length {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        mixed ^= mixed >> 31;
        bytes.extend_from_slice(&mixed.to_le_bytes());
    }
    bytes.truncate(length);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_word_of_seed_zero_matches_the_published_generator() {
        // splitmix64(0)'s first output is 0xe220a8397b1dcdaf.
        assert_eq!(
            pseudo_random_bytes(0, 8),
            0xe220_a839_7b1d_cdafu64.to_le_bytes()
        );
        assert_eq!(pseudo_random_bytes(7, 13), pseudo_random_bytes(7, 20)[..13]);
    }
}
