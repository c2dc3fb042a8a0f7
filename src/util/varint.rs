//! LevelDB's integer encodings: fixed-width little-endian and base-128
//! varints (7 bits a byte, low group first, high bit = "more follows").
//!
//! Decoders take a slice and return the value with the bytes consumed, or
//! `None` when the input is truncated or the varint is over-long; they never
//! panic on bad bytes.

/// Longest encoding of a u32 varint, in bytes.
pub const VARINT32_BYTES_MAX: usize = 5;
/// Longest encoding of a u64 varint, in bytes.
pub const VARINT64_BYTES_MAX: usize = 10;

pub fn put_fixed32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

pub fn put_fixed64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Reads a little-endian u32 from the first four bytes of `input`.
pub fn get_fixed32(input: &[u8]) -> Option<u32> {
    let bytes: [u8; 4] = input.get(..4)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// Reads a little-endian u64 from the first eight bytes of `input`.
pub fn get_fixed64(input: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = input.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

pub fn put_varint32(out: &mut Vec<u8>, value: u32) {
    put_varint64(out, u64::from(value));
}

pub fn put_varint64(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Number of bytes `put_varint64(value)` writes.
pub fn varint_length(mut value: u64) -> usize {
    let mut length = 1;
    while value >= 0x80 {
        value >>= 7;
        length += 1;
    }
    length
}

/// Decodes a u32 varint; `None` if truncated, over-long or above u32::MAX.
pub fn get_varint32(input: &[u8]) -> Option<(u32, usize)> {
    if let Some(&first) = input.first()
        && first < 0x80
    {
        return Some((u32::from(first), 1));
    }
    let (value, used) = decode(input, VARINT32_BYTES_MAX)?;
    Some((u32::try_from(value).ok()?, used))
}

/// Decodes a u64 varint; `None` if truncated or over-long.
pub fn get_varint64(input: &[u8]) -> Option<(u64, usize)> {
    decode(input, VARINT64_BYTES_MAX)
}

fn decode(input: &[u8], bytes_max: usize) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (index, &byte) in input.iter().take(bytes_max).enumerate() {
        let shift = 7 * index as u32;
        let group = u64::from(byte & 0x7f);
        if shift == 63 && group > 1 {
            return None; // would overflow u64
        }
        value |= group << shift;
        if byte < 0x80 {
            return Some((value, index + 1));
        }
    }
    None
}

/// Appends a varint length followed by the bytes.
pub fn put_length_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint32(out, u32::try_from(bytes.len()).expect("slice over 4 GiB"));
    out.extend_from_slice(bytes);
}

/// Reads a varint length and that many bytes; returns them and the total
/// bytes consumed.
pub fn get_length_prefixed(input: &[u8]) -> Option<(&[u8], usize)> {
    let (length, used) = get_varint32(input)?;
    let end = used.checked_add(length as usize)?;
    Some((input.get(used..end)?, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint32_round_trips_every_power_boundary() {
        let mut out = Vec::new();
        let mut values = Vec::new();
        for shift in 0..32 {
            let power = 1u32 << shift;
            values.extend([power - 1, power, power.wrapping_add(1)]);
        }
        for &value in &values {
            put_varint32(&mut out, value);
        }
        let mut at = 0;
        for &value in &values {
            let (decoded, used) = get_varint32(&out[at..]).unwrap();
            assert_eq!(decoded, value);
            assert_eq!(used, varint_length(u64::from(value)));
            at += used;
        }
        assert_eq!(at, out.len());
    }

    #[test]
    fn varint64_round_trips_extremes() {
        for value in [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put_varint64(&mut out, value);
            assert_eq!(get_varint64(&out), Some((value, out.len())));
        }
    }

    #[test]
    fn known_encodings_match_leveldb() {
        let mut out = Vec::new();
        put_varint32(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
        out.clear();
        put_fixed32(&mut out, 0x0403_0201);
        assert_eq!(out, [1, 2, 3, 4]);
    }

    #[test]
    fn truncated_varint_is_none() {
        let mut out = Vec::new();
        put_varint64(&mut out, u64::MAX);
        for cut in 0..out.len() {
            assert_eq!(get_varint64(&out[..cut]), None);
        }
    }

    #[test]
    fn overlong_or_overflowing_varint_is_none() {
        assert_eq!(get_varint32(&[0xff, 0xff, 0xff, 0xff, 0x7f]), None); // > u32::MAX
        assert_eq!(get_varint32(&[0x80; 6]), None);
        assert_eq!(
            get_varint64(&[0xff; 9].iter().copied().chain([0x02]).collect::<Vec<_>>()),
            None
        );
    }

    #[test]
    fn length_prefixed_round_trips_and_rejects_short_input() {
        let mut out = Vec::new();
        put_length_prefixed(&mut out, b"hello");
        assert_eq!(get_length_prefixed(&out), Some((&b"hello"[..], 6)));
        assert_eq!(get_length_prefixed(&out[..5]), None);
    }
}
