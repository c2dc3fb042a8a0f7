//! CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as LevelDB uses it
//! for every record and block, plus LevelDB's masking of stored checksums.
//!
//! Two implementations give the same answers: the SSE4.2 `crc32`
//! instruction (chosen at run time when the CPU has it) and a portable
//! slicing-by-8 table. Tests compare them on random inputs.

const POLYNOMIAL: u32 = 0x82f6_3b78;
const MASK_DELTA: u32 = 0xa282_ead8;

/// CRC-32C of `data`.
pub fn value(data: &[u8]) -> u32 {
    extend(0, data)
}

/// CRC-32C of the concatenation of the bytes that gave `crc` and `data`.
pub fn extend(crc: u32, data: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("sse4.2") {
            return hardware::extend(crc, data);
        }
    }
    extend_portable(crc, data)
}

/// Masks a CRC before storing it, so that a CRC of data that itself holds
/// CRCs is not degenerate (LevelDB's `crc32c::Mask`).
pub fn mask(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// Inverse of [`mask`].
pub fn unmask(masked: u32) -> u32 {
    masked.wrapping_sub(MASK_DELTA).rotate_left(15)
}

const TABLES: [[u32; 256]; 8] = build_tables();

const fn build_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut index = 0;
    while index < 256 {
        let mut crc = index as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLYNOMIAL
            } else {
                crc >> 1
            };
            bit += 1;
        }
        tables[0][index] = crc;
        index += 1;
    }
    let mut slice = 1;
    while slice < 8 {
        let mut index = 0;
        while index < 256 {
            let previous = tables[slice - 1][index];
            tables[slice][index] = (previous >> 8) ^ tables[0][(previous & 0xff) as usize];
            index += 1;
        }
        slice += 1;
    }
    tables
}

/// The table-driven CRC (slicing by 8), for CPUs without SSE4.2.
pub fn extend_portable(crc: u32, data: &[u8]) -> u32 {
    let mut crc = !crc;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let low = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) ^ crc;
        let high = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        crc = TABLES[7][(low & 0xff) as usize]
            ^ TABLES[6][((low >> 8) & 0xff) as usize]
            ^ TABLES[5][((low >> 16) & 0xff) as usize]
            ^ TABLES[4][(low >> 24) as usize]
            ^ TABLES[3][(high & 0xff) as usize]
            ^ TABLES[2][((high >> 8) & 0xff) as usize]
            ^ TABLES[1][((high >> 16) & 0xff) as usize]
            ^ TABLES[0][(high >> 24) as usize];
    }
    for &byte in chunks.remainder() {
        crc = (crc >> 8) ^ TABLES[0][((crc ^ u32::from(byte)) & 0xff) as usize];
    }
    !crc
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod hardware {
    //! SSE4.2 `crc32` instruction. Three independent streams hide the
    //! instruction's 3-cycle latency on long inputs; they are combined with
    //! the portable shift tables below.
    use std::arch::x86_64::{_mm_crc32_u8, _mm_crc32_u64};

    /// Bytes per stream in the 3-way interleaved loop for long inputs.
    const STRIPE_BYTES: usize = 4096;
    /// Bytes per stream for inputs of a few KiB (a 4 KiB table block
    /// runs five rounds of these instead of one stream).
    const SHORT_STRIPE_BYTES: usize = 256;

    pub fn extend(crc: u32, data: &[u8]) -> u32 {
        // SAFETY: the caller checked `is_x86_feature_detected!("sse4.2")`.
        unsafe { extend_sse42(crc, data) }
    }

    #[target_feature(enable = "sse4.2")]
    fn extend_sse42(crc: u32, data: &[u8]) -> u32 {
        let tables = &*SHIFT_TABLES;
        let crc = u64::from(!crc);
        let (crc, rest) = stripes::<STRIPE_BYTES>(crc, data, &tables.long);
        let (mut crc, rest) = stripes::<SHORT_STRIPE_BYTES>(crc, rest, &tables.short);
        let mut chunks = rest.chunks_exact(8);
        for chunk in &mut chunks {
            crc = _mm_crc32_u64(crc, u64::from_le_bytes(chunk.try_into().unwrap()));
        }
        let mut crc = crc as u32;
        for &byte in chunks.remainder() {
            crc = _mm_crc32_u8(crc, byte);
        }
        !crc
    }

    /// Runs rounds of three interleaved streams of `STRIPE` bytes over
    /// `data` while at least a round is left; returns the raw register
    /// and the bytes left. `table` shifts a register over `STRIPE` zeros.
    #[target_feature(enable = "sse4.2")]
    fn stripes<'a, const STRIPE: usize>(
        mut crc: u64,
        data: &'a [u8],
        table: &[[u32; 256]; 4],
    ) -> (u64, &'a [u8]) {
        let mut rest = data;
        while rest.len() >= 3 * STRIPE {
            let (a, tail) = rest.split_at(STRIPE);
            let (b, tail) = tail.split_at(STRIPE);
            let (c, tail) = tail.split_at(STRIPE);
            let (mut crc_b, mut crc_c) = (0u64, 0u64);
            for ((wa, wb), wc) in words(a).zip(words(b)).zip(words(c)) {
                crc = _mm_crc32_u64(crc, wa);
                crc_b = _mm_crc32_u64(crc_b, wb);
                crc_c = _mm_crc32_u64(crc_c, wc);
            }
            crc = u64::from(shift(table, crc as u32) ^ crc_b as u32);
            crc = u64::from(shift(table, crc as u32) ^ crc_c as u32);
            rest = tail;
        }
        (crc, rest)
    }

    fn words(stripe: &[u8]) -> impl Iterator<Item = u64> + '_ {
        stripe
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
    }

    /// Advances a raw (uninverted) CRC register over a stripe of zero
    /// bytes: a linear map, applied byte by byte through `table`.
    fn shift(table: &[[u32; 256]; 4], crc: u32) -> u32 {
        table[0][(crc & 0xff) as usize]
            ^ table[1][((crc >> 8) & 0xff) as usize]
            ^ table[2][((crc >> 16) & 0xff) as usize]
            ^ table[3][(crc >> 24) as usize]
    }

    /// The zero-shift tables of both stripe lengths.
    struct ShiftTables {
        long: [[u32; 256]; 4],
        short: [[u32; 256]; 4],
    }

    static SHIFT_TABLES: std::sync::LazyLock<ShiftTables> =
        std::sync::LazyLock::new(|| ShiftTables {
            long: build_shift_tables(STRIPE_BYTES),
            short: build_shift_tables(SHORT_STRIPE_BYTES),
        });

    /// One zero byte through the raw register (no pre/post inversion).
    fn zero_byte(mut crc: u32) -> u32 {
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ super::POLYNOMIAL
            } else {
                crc >> 1
            };
        }
        crc
    }

    /// The zero-shift is linear over GF(2): shift each basis bit once, then
    /// every table entry is the XOR of the images of its set bits.
    fn build_shift_tables(stripe_bytes: usize) -> [[u32; 256]; 4] {
        let mut basis = [0u32; 32];
        for (bit, image) in basis.iter_mut().enumerate() {
            *image = (0..stripe_bytes).fold(1u32 << bit, |crc, _| zero_byte(crc));
        }
        let mut tables = [[0u32; 256]; 4];
        for (byte, table) in tables.iter_mut().enumerate() {
            for (index, entry) in table.iter_mut().enumerate() {
                *entry = (0..8)
                    .filter(|bit| index & (1 << bit) != 0)
                    .fold(0, |acc, bit| acc ^ basis[8 * byte + bit]);
            }
        }
        tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from RFC 3720 §B.4 (iSCSI), as LevelDB's crc32c_test uses.
    #[test]
    fn matches_rfc3720_vectors() {
        assert_eq!(value(&[0u8; 32]), 0x8a91_36aa);
        assert_eq!(value(&[0xffu8; 32]), 0x62a8_ab43);
        let ascending: Vec<u8> = (0..32).collect();
        assert_eq!(value(&ascending), 0x46dd_794e);
        let descending: Vec<u8> = (0..32).rev().collect();
        assert_eq!(value(&descending), 0x113f_db5c);
    }

    #[test]
    fn check_value_of_123456789() {
        assert_eq!(value(b"123456789"), 0xe306_9283);
        assert_eq!(extend_portable(0, b"123456789"), 0xe306_9283);
    }

    #[test]
    fn extend_equals_value_of_concatenation() {
        assert_eq!(extend(value(b"hello "), b"world"), value(b"hello world"));
    }

    #[test]
    fn mask_round_trips_and_changes_value() {
        let crc = value(b"foo");
        assert_ne!(mask(crc), crc);
        assert_ne!(mask(mask(crc)), crc);
        assert_eq!(unmask(mask(crc)), crc);
        assert_eq!(unmask(unmask(mask(mask(crc)))), crc);
    }

    #[test]
    fn hardware_and_portable_agree_on_random_inputs() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut data = vec![0u8; 3 * 4096 * 3 + 17];
        for byte in data.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        let lengths = [
            0, 1, 7, 8, 9, 63, 767, 768, 769, 1536, 4096, 4101, 12288, 12289, 13057, 20000,
        ];
        for length in lengths.into_iter().chain([data.len()]) {
            for start in [0, 1, 5] {
                let slice = &data[start.min(length)..length];
                assert_eq!(
                    extend(0x1234, slice),
                    extend_portable(0x1234, slice),
                    "len {length}"
                );
            }
        }
    }
}
