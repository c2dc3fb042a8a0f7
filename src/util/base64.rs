//! Base64 (RFC 4648): the standard alphabet with padding (§4; HTTP Basic
//! credentials, Perkeep's permanode `random`) and the URL-safe alphabet
//! without padding (§5; tokens in URLs and cookies).
//!
//! Decoding is strict, so every byte string has exactly one accepted text:
//! no whitespace, no missing or extra padding, no padding in the
//! unpadded form, and the unused low bits of the last digit must be zero
//! (RFC 4648 §3.5 lets decoders reject otherwise, and we do).

use std::fmt;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const PAD: u8 = b'=';

/// Why a text is not strict base64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base64Error {
    /// A byte outside the alphabet (or padding where none may be).
    InvalidByte { offset: usize, byte: u8 },
    /// A length no encoder produces.
    InvalidLength { length: usize },
    /// The last digit has unused bits set: another text encodes the same
    /// bytes.
    NonZeroTrailingBits { offset: usize },
}

impl fmt::Display for Base64Error {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Base64Error::InvalidByte { offset, byte } => {
                write!(
                    formatter,
                    "invalid base64 byte 0x{byte:02x} at offset {offset}"
                )
            }
            Base64Error::InvalidLength { length } => {
                write!(formatter, "invalid base64 length {length}")
            }
            Base64Error::NonZeroTrailingBits { offset } => {
                write!(formatter, "non-canonical base64 digit at offset {offset}")
            }
        }
    }
}

impl std::error::Error for Base64Error {}

/// Standard alphabet, padded with `=` to a multiple of 4.
pub fn encode(bytes: &[u8]) -> String {
    encode_with(bytes, STANDARD, true)
}

/// URL-safe alphabet (`-`, `_`), no padding.
pub fn encode_url(bytes: &[u8]) -> String {
    encode_with(bytes, URL_SAFE, false)
}

/// Decodes the padded standard form written by [`encode`].
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(Base64Error::InvalidLength {
            length: bytes.len(),
        });
    }
    let padding = bytes
        .iter()
        .rev()
        .take(2)
        .take_while(|&&b| b == PAD)
        .count();
    decode_with(&bytes[..bytes.len() - padding], STANDARD)
}

/// Decodes the unpadded URL-safe form written by [`encode_url`].
pub fn decode_url(text: &str) -> Result<Vec<u8>, Base64Error> {
    decode_with(text.as_bytes(), URL_SAFE)
}

fn encode_with(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    let digit = |value: u32, shift: u32| char::from(alphabet[((value >> shift) & 0x3f) as usize]);
    for group in bytes.chunks(3) {
        let value = group
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        let digits = group.len() + 1;
        for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if index < digits {
                text.push(digit(value, shift));
            } else if pad {
                text.push(char::from(PAD));
            }
        }
    }
    text
}

/// Decodes unpadded digits; a trailing group of 2 or 3 digits gives 1 or
/// 2 bytes.
fn decode_with(digits: &[u8], alphabet: &[u8; 64]) -> Result<Vec<u8>, Base64Error> {
    if digits.len() % 4 == 1 {
        return Err(Base64Error::InvalidLength {
            length: digits.len(),
        });
    }
    let mut bytes = Vec::with_capacity(digits.len() / 4 * 3 + 2);
    for (group_index, group) in digits.chunks(4).enumerate() {
        let mut value = 0u32;
        for (index, &byte) in group.iter().enumerate() {
            let offset = group_index * 4 + index;
            let digit =
                digit_value(byte, alphabet).ok_or(Base64Error::InvalidByte { offset, byte })?;
            value |= u32::from(digit) << (18 - 6 * index);
        }
        let produced = group.len() - 1;
        let unused_bits_mask = (1u32 << (24 - 8 * produced)) - 1;
        if value & unused_bits_mask != 0 {
            return Err(Base64Error::NonZeroTrailingBits {
                offset: group_index * 4 + group.len() - 1,
            });
        }
        for index in 0..produced {
            bytes.push((value >> (16 - 8 * index)) as u8);
        }
    }
    Ok(bytes)
}

fn digit_value(byte: u8, alphabet: &[u8; 64]) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        _ if byte == alphabet[62] => Some(62),
        _ if byte == alphabet[63] => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4648 §10.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn matches_rfc4648_test_vectors_both_ways() {
        for (plain, encoded) in VECTORS {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded), Ok(plain.as_bytes().to_vec()), "{encoded}");
            let url = encoded.trim_end_matches('=');
            assert_eq!(encode_url(plain.as_bytes()), url);
            assert_eq!(decode_url(url), Ok(plain.as_bytes().to_vec()), "{url}");
        }
    }

    #[test]
    fn alphabets_differ_only_in_the_last_two_digits() {
        let bytes = [0xfb, 0xff, 0xbf];
        assert_eq!(encode(&bytes), "+/+/");
        assert_eq!(encode_url(&bytes), "-_-_");
        assert!(matches!(
            decode("-_-_"),
            Err(Base64Error::InvalidByte { offset: 0, .. })
        ));
        assert!(matches!(
            decode_url("+/+/"),
            Err(Base64Error::InvalidByte { offset: 0, .. })
        ));
    }

    #[test]
    fn http_basic_credentials_decode() {
        // RFC 7617 §2's example.
        assert_eq!(
            decode("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            Ok(b"Aladdin:open sesame".to_vec())
        );
    }

    #[test]
    fn every_length_and_byte_round_trips() {
        let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for length in 0..70 {
            let slice = &data[length * 3..length * 3 + length];
            assert_eq!(decode(&encode(slice)), Ok(slice.to_vec()), "len {length}");
            assert_eq!(
                decode_url(&encode_url(slice)),
                Ok(slice.to_vec()),
                "len {length}"
            );
        }
    }

    #[test]
    fn malformed_padding_and_lengths_are_rejected() {
        assert_eq!(decode("Zg="), Err(Base64Error::InvalidLength { length: 3 }));
        assert_eq!(decode("Zg"), Err(Base64Error::InvalidLength { length: 2 }));
        assert!(matches!(
            decode("Z==="),
            Err(Base64Error::InvalidByte { offset: 1, .. })
        ));
        assert!(matches!(
            decode("Zg=a"),
            Err(Base64Error::InvalidByte { offset: 2, .. })
        ));
        assert!(matches!(
            decode("Zg==Zg=="),
            Err(Base64Error::InvalidByte { offset: 2, .. })
        ));
        assert!(matches!(
            decode_url("Zg=="),
            Err(Base64Error::InvalidByte { offset: 2, .. })
        ));
        assert_eq!(
            decode_url("Z"),
            Err(Base64Error::InvalidLength { length: 1 })
        );
        assert!(matches!(
            decode("Zm9v\n"),
            Err(Base64Error::InvalidLength { .. })
        ));
        assert!(matches!(
            decode("Zm 9"),
            Err(Base64Error::InvalidByte { offset: 2, .. })
        ));
    }

    #[test]
    fn unused_bits_must_be_zero() {
        assert_eq!(
            decode("Zh=="),
            Err(Base64Error::NonZeroTrailingBits { offset: 1 })
        );
        assert_eq!(
            decode("Zm9="),
            Err(Base64Error::NonZeroTrailingBits { offset: 2 })
        );
        assert_eq!(
            decode_url("Zh"),
            Err(Base64Error::NonZeroTrailingBits { offset: 1 })
        );
    }
}
