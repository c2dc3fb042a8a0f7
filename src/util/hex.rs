//! Lowercase hexadecimal: encoding, and a strict decoder that accepts only
//! what the encoder writes (`0-9a-f`, an even number of digits).
//!
//! Strictness matters because blob refs are compared as strings: a ref with
//! uppercase digits would name the same bytes with a different string, so
//! uppercase is an error here rather than something to normalise.

use std::fmt;

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Why a piece of text is not strict lowercase hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HexError {
    /// The text has an odd number of digits.
    OddLength { length: usize },
    /// The byte at `offset` is not one of `0-9a-f`.
    InvalidDigit { offset: usize, byte: u8 },
    /// The text decodes to `actual` bytes where `expected` were required.
    WrongLength { expected: usize, actual: usize },
}

impl fmt::Display for HexError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::OddLength { length } => write!(formatter, "odd hex length {length}"),
            HexError::InvalidDigit { offset, byte } => {
                write!(
                    formatter,
                    "invalid hex digit 0x{byte:02x} at offset {offset}"
                )
            }
            HexError::WrongLength { expected, actual } => {
                write!(
                    formatter,
                    "hex decodes to {actual} bytes, expected {expected}"
                )
            }
        }
    }
}

impl std::error::Error for HexError {}

/// `bytes` as lowercase hex, two digits per byte.
pub fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    encode_into(bytes, &mut text);
    text
}

/// Appends `bytes` as lowercase hex to `text`.
pub fn encode_into(bytes: &[u8], text: &mut String) {
    text.reserve(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
}

/// Decodes strict lowercase hex of any even length.
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(HexError::OddLength {
            length: digits.len(),
        });
    }
    let mut bytes = vec![0u8; digits.len() / 2];
    decode_pairs(digits, &mut bytes)?;
    Ok(bytes)
}

/// Decodes strict lowercase hex into `out`, which the text must fill
/// exactly (a digest of known size, for example).
pub fn decode_into(text: &str, out: &mut [u8]) -> Result<(), HexError> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(HexError::OddLength {
            length: digits.len(),
        });
    }
    if digits.len() / 2 != out.len() {
        return Err(HexError::WrongLength {
            expected: out.len(),
            actual: digits.len() / 2,
        });
    }
    decode_pairs(digits, out)
}

/// Is every byte of `text` a lowercase hex digit?
pub fn is_lowercase_hex(text: &str) -> bool {
    text.bytes().all(|byte| digit_value(byte).is_some())
}

fn decode_pairs(digits: &[u8], out: &mut [u8]) -> Result<(), HexError> {
    for (index, (pair, byte)) in digits.chunks_exact(2).zip(out.iter_mut()).enumerate() {
        let high = digit_at(pair[0], 2 * index)?;
        let low = digit_at(pair[1], 2 * index + 1)?;
        *byte = (high << 4) | low;
    }
    Ok(())
}

fn digit_at(byte: u8, offset: usize) -> Result<u8, HexError> {
    digit_value(byte).ok_or(HexError::InvalidDigit { offset, byte })
}

fn digit_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_writes_two_lowercase_digits_per_byte() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        let mut text = String::from("sha224-");
        encode_into(&[0xde, 0xad], &mut text);
        assert_eq!(text, "sha224-dead");
    }

    #[test]
    fn decode_inverts_encode_for_every_byte_value() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)), Ok(all));
    }

    #[test]
    fn decode_rejects_uppercase_digits() {
        assert_eq!(
            decode("abCd"),
            Err(HexError::InvalidDigit {
                offset: 2,
                byte: b'C'
            })
        );
    }

    #[test]
    fn decode_rejects_odd_length_and_non_hex_bytes() {
        assert_eq!(decode("abc"), Err(HexError::OddLength { length: 3 }));
        assert_eq!(
            decode("0g"),
            Err(HexError::InvalidDigit {
                offset: 1,
                byte: b'g'
            })
        );
        assert!(matches!(
            decode("+1"),
            Err(HexError::InvalidDigit { offset: 0, .. })
        ));
        assert!(matches!(decode(" 1"), Err(HexError::InvalidDigit { .. })));
        assert!(matches!(decode("é"), Err(HexError::InvalidDigit { .. })));
    }

    #[test]
    fn decode_into_requires_exact_length() {
        let mut out = [0u8; 2];
        assert_eq!(decode_into("beef", &mut out), Ok(()));
        assert_eq!(out, [0xbe, 0xef]);
        assert_eq!(
            decode_into("be", &mut out),
            Err(HexError::WrongLength {
                expected: 2,
                actual: 1
            })
        );
        assert_eq!(
            decode_into("beefee", &mut out),
            Err(HexError::WrongLength {
                expected: 2,
                actual: 3
            })
        );
    }

    #[test]
    fn is_lowercase_hex_accepts_only_lowercase_digits() {
        assert!(is_lowercase_hex("0123456789abcdef"));
        assert!(is_lowercase_hex(""));
        assert!(!is_lowercase_hex("ABCDEF"));
        assert!(!is_lowercase_hex("xyz"));
    }
}
