//! The byte layout of index values (`INDEX.md`, "Values"): fields in a
//! fixed order per table, integers little-endian fixed width, strings and
//! refs with a u32 length, an optional field behind a 0/1 byte. Decoding
//! is checked: a short or malformed value is `None`, never a panic.

use super::key::{ClaimKey, DATE_BYTES};
use crate::blob::BlobRef;
use crate::util::rfc3339::Timestamp;

/// Builds a value.
#[derive(Default)]
pub struct Encoder {
    pub bytes: Vec<u8>,
}

impl Encoder {
    pub fn new() -> Encoder {
        Encoder::default()
    }

    pub fn u8(&mut self, value: u8) -> &mut Encoder {
        self.bytes.push(value);
        self
    }

    pub fn u64(&mut self, value: u64) -> &mut Encoder {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn str(&mut self, value: &str) -> &mut Encoder {
        let length = u32::try_from(value.len()).expect("index strings are short");
        self.bytes.extend_from_slice(&length.to_le_bytes());
        self.bytes.extend_from_slice(value.as_bytes());
        self
    }

    pub fn blob_ref(&mut self, value: &BlobRef) -> &mut Encoder {
        self.str(value.as_str())
    }

    pub fn key(&mut self, value: &ClaimKey) -> &mut Encoder {
        value.encode_into(&mut self.bytes);
        self
    }

    pub fn optional_key(&mut self, value: Option<&ClaimKey>) -> &mut Encoder {
        match value {
            None => self.u8(0),
            Some(key) => self.u8(1).key(key),
        }
    }

    pub fn optional_ref(&mut self, value: Option<&BlobRef>) -> &mut Encoder {
        match value {
            None => self.u8(0),
            Some(blob_ref) => self.u8(1).blob_ref(blob_ref),
        }
    }

    /// A list of strings: a u32 count, then each string.
    pub fn strings(&mut self, values: &[String]) -> &mut Encoder {
        let count = u32::try_from(values.len()).expect("index lists are short");
        self.bytes.extend_from_slice(&count.to_le_bytes());
        for value in values {
            self.str(value);
        }
        self
    }

    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

/// Reads a value written by [`Encoder`].
pub struct Decoder<'bytes> {
    rest: &'bytes [u8],
    original_length: usize,
}

impl<'bytes> Decoder<'bytes> {
    pub fn new(bytes: &'bytes [u8]) -> Decoder<'bytes> {
        Decoder {
            rest: bytes,
            original_length: bytes.len(),
        }
    }

    fn take(&mut self, count: usize) -> Option<&'bytes [u8]> {
        if self.rest.len() < count {
            return None;
        }
        let (taken, rest) = self.rest.split_at(count);
        self.rest = rest;
        Some(taken)
    }

    pub fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub fn str(&mut self) -> Option<&'bytes str> {
        let length = usize::try_from(self.u32()?).ok()?;
        std::str::from_utf8(self.take(length)?).ok()
    }

    pub fn blob_ref(&mut self) -> Option<BlobRef> {
        let length = usize::try_from(self.u32()?).ok()?;
        BlobRef::parse_bytes(self.take(length)?).ok()
    }

    /// Steps over a string without reading it (no UTF-8 check).
    pub fn skip_str(&mut self) -> Option<()> {
        let length = usize::try_from(self.u32()?).ok()?;
        self.take(length).map(|_| ())
    }

    pub fn key(&mut self) -> Option<ClaimKey> {
        let (key, rest) = ClaimKey::decode_prefix(self.rest)?;
        self.rest = rest;
        Some(key)
    }

    /// A claim key's bytes and date, without parsing its ref (the bytes
    /// compare in claim order): the hot path of folder listings.
    pub fn raw_key(&mut self) -> Option<(&'bytes [u8], Timestamp)> {
        let date: [u8; DATE_BYTES] = self.rest.get(..DATE_BYTES)?.try_into().ok()?;
        let date = Timestamp::from_sortable_bytes(date).ok()?;
        let end = DATE_BYTES + self.rest[DATE_BYTES..].iter().position(|&b| b == 0)? + 1;
        Some((self.take(end)?, date))
    }

    /// An optional claim key's date, its ref skipped.
    pub fn optional_key_date(&mut self) -> Option<Option<Timestamp>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.raw_key()?.1)),
            _ => None,
        }
    }

    pub fn optional_key(&mut self) -> Option<Option<ClaimKey>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.key()?)),
            _ => None,
        }
    }

    pub fn optional_ref(&mut self) -> Option<Option<BlobRef>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.blob_ref()?)),
            _ => None,
        }
    }

    pub fn strings(&mut self) -> Option<Vec<String>> {
        let count = self.u32()?;
        let mut values = Vec::new();
        for _ in 0..count {
            values.push(self.str()?.to_owned());
        }
        Some(values)
    }

    /// How many bytes were read so far (of `original`'s length).
    pub fn consumed(&self) -> usize {
        self.original_length - self.rest.len()
    }

    /// Whether every byte was read (a value with trailing bytes is damaged).
    pub fn is_done(&self) -> bool {
        self.rest.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips() {
        let key = ClaimKey::new(Timestamp::new(7, 9).unwrap(), BlobRef::of_bytes(b"c"));
        let node = BlobRef::of_bytes(b"n");
        let bytes = Encoder::new()
            .u8(3)
            .u64(1 << 40)
            .str("naïve")
            .optional_key(Some(&key))
            .optional_key(None)
            .optional_ref(Some(&node))
            .strings(&["a".to_owned(), String::new()])
            .finish();
        let mut decoder = Decoder::new(&bytes);
        assert_eq!(decoder.u8(), Some(3));
        assert_eq!(decoder.u64(), Some(1 << 40));
        assert_eq!(decoder.str(), Some("naïve"));
        assert_eq!(decoder.optional_key(), Some(Some(key)));
        assert_eq!(decoder.optional_key(), Some(None));
        assert_eq!(decoder.optional_ref(), Some(Some(node)));
        assert_eq!(decoder.strings(), Some(vec!["a".to_owned(), String::new()]));
        assert!(decoder.is_done());
    }

    #[test]
    fn truncated_values_decode_to_none() {
        let bytes = Encoder::new().str("hello").finish();
        for cut in 0..bytes.len() {
            assert_eq!(Decoder::new(&bytes[..cut]).str(), None, "{cut}");
        }
        assert_eq!(Decoder::new(&[2]).optional_key(), None);
    }
}
