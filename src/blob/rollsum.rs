//! bup's rolling checksum, as Perkeep uses it to find chunk boundaries:
//! two sums over the last [`WINDOW_BYTES`] bytes, each byte offset by
//! [`CHAR_OFFSET`], with a split wherever the low [`SPLIT_BITS`] bits of the
//! second sum are all ones (on average once every 8 KiB of random input).
//!
//! Definitions (all arithmetic wraps modulo 2^32). With `w[0]` the oldest
//! byte of the window and `w[63]` the newest:
//!
//! ```text
//! s1 = Σ (w[k] + 31)                       over k = 0..64
//! s2 = Σ (64 - k) · (w[k] + 31) + 60512    over k = 0..64
//! rolling one byte in (dropping `out`, adding `in`):
//!   s1 += in - out;  s2 += s1 - 64 · (out + 31)
//! digest = s1 << 16 | (s2 & 0xffff)
//! ```
//!
//! The start state is the window of 64 zero bytes (`s1 = 64·31`,
//! `s2 = 64·63·31`, which is where the constant 60512 comes from). Because
//! both sums are functions of the window alone, a [`RollSum`] can be set
//! from any 64 bytes ([`RollSum::from_window`]) and gives the same answers
//! as one rolled over everything before them: the chunker uses that to
//! skip the stretch of each chunk where no cut is allowed.
//!
//! Two ways to roll: [`RollSum::roll`], one byte at a time through a ring
//! (the reference, as bup and Perkeep write it), and [`RollSum::scan`],
//! the fast path, which reads the dropped byte straight from the caller's
//! slice. Tests hold them equal.

/// Bytes in the rolling window.
pub const WINDOW_BYTES: usize = 64;
/// Added to every byte, as bup does, so runs of zeros still move the sums.
pub const CHAR_OFFSET: u32 = 31;
/// A split is where the low `SPLIT_BITS` bits of `s2` are all ones.
pub const SPLIT_BITS: u32 = 13;

const SPLIT_MASK: u32 = (1 << SPLIT_BITS) - 1;
const WINDOW: u32 = WINDOW_BYTES as u32;
const S1_START: u32 = WINDOW * CHAR_OFFSET;
const S2_START: u32 = WINDOW * (WINDOW - 1) * CHAR_OFFSET;
/// `S2_START` minus the weighted sum of a window of zeros (see the header).
const S2_CONSTANT: u32 = S2_START - CHAR_OFFSET * WINDOW * (WINDOW + 1) / 2;

const _: () = assert!(WINDOW_BYTES.is_power_of_two());
const _: () = assert!(S2_CONSTANT == 60_512);

/// The rolling checksum state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollSum {
    s1: u32,
    s2: u32,
    window: [u8; WINDOW_BYTES],
    /// Where the oldest byte of `window` is (the next to be dropped).
    oldest: usize,
}

impl Default for RollSum {
    fn default() -> RollSum {
        RollSum::new()
    }
}

impl RollSum {
    /// The state over a window of zeros, where every file starts.
    pub fn new() -> RollSum {
        RollSum {
            s1: S1_START,
            s2: S2_START,
            window: [0; WINDOW_BYTES],
            oldest: 0,
        }
    }

    /// The state after rolling `window` (oldest first), whatever came before.
    pub fn from_window(window: &[u8; WINDOW_BYTES]) -> RollSum {
        let mut s1 = 0u32;
        let mut weighted = 0u32;
        for (index, &byte) in window.iter().enumerate() {
            let value = u32::from(byte) + CHAR_OFFSET;
            s1 = s1.wrapping_add(value);
            let weight = WINDOW - index as u32;
            weighted = weighted.wrapping_add(weight.wrapping_mul(value));
        }
        RollSum {
            s1,
            s2: weighted.wrapping_add(S2_CONSTANT),
            window: *window,
            oldest: 0,
        }
    }

    /// Rolls `byte` in and the oldest byte of the window out.
    pub fn roll(&mut self, byte: u8) {
        let out = self.window[self.oldest];
        self.window[self.oldest] = byte;
        self.oldest = (self.oldest + 1) % WINDOW_BYTES;
        self.add(u32::from(out), u32::from(byte));
    }

    fn add(&mut self, out: u32, byte: u32) {
        self.s1 = self.s1.wrapping_add(byte).wrapping_sub(out);
        let dropped = WINDOW.wrapping_mul(out + CHAR_OFFSET);
        self.s2 = self.s2.wrapping_add(self.s1).wrapping_sub(dropped);
    }

    /// Whether the window ends on a split: the low [`SPLIT_BITS`] bits of
    /// `s2` are all ones.
    pub fn on_split(&self) -> bool {
        self.s2 & SPLIT_MASK == SPLIT_MASK
    }

    /// The digest, `s1 << 16 | (s2 & 0xffff)`.
    pub fn digest(&self) -> u32 {
        (self.s1 << 16) | (self.s2 & 0xffff)
    }

    /// How significant this split is, for the tree of `bytes` blobs:
    /// [`SPLIT_BITS`] plus the number of consecutive one bits of the
    /// digest from bit `SPLIT_BITS + 1` upward (bup's and Perkeep's rule,
    /// which skips bit `SPLIT_BITS` itself).
    pub fn bits(&self) -> u32 {
        let above = self.digest() >> (SPLIT_BITS + 1);
        SPLIT_BITS + (!above).trailing_zeros()
    }

    /// Rolls `data[from..]` in, reading each dropped byte from
    /// `data[index - WINDOW_BYTES]`, and stops just after the first byte
    /// that ends on a split, returning its end index (so the split is
    /// between `data[end - 1]` and `data[end]`); `None` if none does, with
    /// every byte rolled in.
    ///
    /// REQUIRES: `from >= WINDOW_BYTES`, and `self` is the state of the
    /// window `data[from - WINDOW_BYTES..from]`. The ring is not kept up
    /// to date: after `scan`, only `scan`, `on_split`, `digest` and `bits`
    /// may be used (not `roll`).
    pub fn scan(&mut self, data: &[u8], from: usize) -> Option<usize> {
        assert!(from >= WINDOW_BYTES && from <= data.len());
        let incoming = &data[from..];
        let outgoing = &data[from - WINDOW_BYTES..data.len() - WINDOW_BYTES];
        // `s1` without its constant part, and `s2` bit-inverted (see
        // `Fast`): each byte then costs two subtractions, two additions,
        // one shift and one test, in two independent one-cycle chains.
        let mut fast = Fast {
            s1: self.s1.wrapping_sub(WINDOW * CHAR_OFFSET),
            inverted: !self.s2,
        };
        let blocks = incoming.chunks_exact(SCAN_BLOCK_BYTES);
        let tail_start = incoming.len() - blocks.remainder().len();
        let blocks = blocks.zip(outgoing.chunks_exact(SCAN_BLOCK_BYTES));
        let mut found = None;
        'blocks: for (block, (incoming, outgoing)) in blocks.enumerate() {
            for (index, (&byte, &out)) in incoming.iter().zip(outgoing).enumerate() {
                if fast.roll(byte, out) {
                    found = Some(block * SCAN_BLOCK_BYTES + index);
                    break 'blocks;
                }
            }
        }
        if found.is_none() {
            let tail = incoming[tail_start..].iter().zip(&outgoing[tail_start..]);
            found = tail
                .enumerate()
                .find(|(_, (byte, out))| fast.roll(**byte, **out))
                .map(|(index, _)| tail_start + index);
        }
        self.s1 = fast.s1.wrapping_add(WINDOW * CHAR_OFFSET);
        self.s2 = !fast.inverted;
        found.map(|index| from + index + 1)
    }
}

/// Bytes rolled between two loop tests in [`RollSum::scan`].
const SCAN_BLOCK_BYTES: usize = 16;

/// The sums in the form the fast path rolls: `s1 - 64·31` and `!s2`.
/// Rolling `in` over `out` is then `s1 += in - out`,
/// `inverted += 64·out - s1`, and a split is `inverted & mask == 0`.
struct Fast {
    s1: u32,
    inverted: u32,
}

impl Fast {
    /// Rolls one byte; whether the window now ends on a split.
    #[inline(always)]
    fn roll(&mut self, byte: u8, out: u8) -> bool {
        let (byte, out) = (u32::from(byte), u32::from(out));
        self.s1 = self.s1.wrapping_add(byte.wrapping_sub(out));
        self.inverted = self.inverted.wrapping_add((out << 6).wrapping_sub(self.s1));
        self.inverted & SPLIT_MASK == 0
    }
}

const _: () = assert!(WINDOW == 1 << 6, "scan multiplies by WINDOW with a shift");

#[cfg(test)]
mod tests {
    use super::*;

    use crate::util::splitmix::pseudo_random_bytes;

    #[test]
    fn new_state_is_the_window_of_zeros() {
        assert_eq!(RollSum::from_window(&[0; WINDOW_BYTES]), RollSum::new());
    }

    #[test]
    fn from_window_equals_rolling_over_any_prefix() {
        let data = pseudo_random_bytes(7, 10_000);
        let mut rolled = RollSum::new();
        for (index, &byte) in data.iter().enumerate() {
            rolled.roll(byte);
            if index + 1 >= WINDOW_BYTES {
                let window: &[u8; WINDOW_BYTES] =
                    data[index + 1 - WINDOW_BYTES..=index].try_into().unwrap();
                let fresh = RollSum::from_window(window);
                assert_eq!((fresh.s1, fresh.s2), (rolled.s1, rolled.s2), "at {index}");
            }
        }
    }

    #[test]
    fn scan_finds_the_same_splits_as_rolling_byte_by_byte() {
        let data = pseudo_random_bytes(42, 400_000);
        let mut expected = Vec::new();
        let mut rolled = RollSum::new();
        for (index, &byte) in data.iter().enumerate() {
            rolled.roll(byte);
            if index + 1 > WINDOW_BYTES && rolled.on_split() {
                expected.push((index + 1, rolled.digest(), rolled.bits()));
            }
        }
        assert!(expected.len() > 20, "random data splits about every 8 KiB");
        let window: &[u8; WINDOW_BYTES] = data[..WINDOW_BYTES].try_into().unwrap();
        let mut scanner = RollSum::from_window(window);
        let mut found = Vec::new();
        let mut from = WINDOW_BYTES;
        while let Some(end) = scanner.scan(&data, from) {
            assert!(scanner.on_split());
            found.push((end, scanner.digest(), scanner.bits()));
            from = end;
        }
        assert_eq!(found, expected);
        assert_eq!((scanner.s1, scanner.s2), (rolled.s1, rolled.s2));
    }

    #[test]
    fn bits_counts_ones_above_the_split_bits_skipping_the_first() {
        let mut state = RollSum::new();
        // Digest low half is s2's low 16 bits; set s1 to control the rest.
        state.s2 = 0xffff;
        state.s1 = 0;
        // Bits 13..=15 are ones: bit 13 is skipped, 14 and 15 count.
        assert_eq!(state.bits(), SPLIT_BITS + 2);
        state.s1 = 0b1; // bit 16 also one
        assert_eq!(state.bits(), SPLIT_BITS + 3);
        state.s2 = 0x3fff; // bit 14 zero: nothing counts
        assert_eq!(state.bits(), SPLIT_BITS);
        state.s2 = 0xffff;
        state.s1 = 0xffff; // all ones up to bit 31
        assert_eq!(state.bits(), SPLIT_BITS + 18);
    }

    #[test]
    fn zeros_never_split_but_the_sums_still_move() {
        let mut state = RollSum::new();
        let before = state.digest();
        for _ in 0..1000 {
            state.roll(0);
        }
        assert_eq!(state.digest(), before, "a zero window is the start state");
        assert!(!state.on_split());
        state.roll(1);
        assert_ne!(state.digest(), before);
    }
}
