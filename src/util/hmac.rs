//! HMAC-SHA256 (RFC 2104 with SHA-256 as in RFC 4231): a keyed message
//! authentication code, streaming or one-shot.
//!
//! Verify a received tag with [`crate::util::constant_time::constant_time_eq`],
//! never with `==`.

use crate::util::constant_time::constant_time_eq;
use crate::util::sha2::{BLOCK_BYTES, SHA256_DIGEST_BYTES, Sha256, sha256};

/// Bytes in an HMAC-SHA256 tag.
pub const HMAC_SHA256_BYTES: usize = SHA256_DIGEST_BYTES;

const INNER_PAD: u8 = 0x36;
const OUTER_PAD: u8 = 0x5c;

/// A streaming HMAC-SHA256. Cloning a keyed instance before any `update`
/// reuses the key schedule (PBKDF2 does this for every iteration).
#[derive(Clone, Debug)]
pub struct HmacSha256 {
    inner: Sha256,
    outer: Sha256,
}

impl HmacSha256 {
    /// Keys a new HMAC. A key longer than a block is hashed first
    /// (RFC 2104 §2); a shorter one is padded with zeros.
    pub fn new(key: &[u8]) -> HmacSha256 {
        let mut block = [0u8; BLOCK_BYTES];
        if key.len() > BLOCK_BYTES {
            block[..SHA256_DIGEST_BYTES].copy_from_slice(&sha256(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut inner = Sha256::new();
        inner.update(&block.map(|byte| byte ^ INNER_PAD));
        let mut outer = Sha256::new();
        outer.update(&block.map(|byte| byte ^ OUTER_PAD));
        HmacSha256 { inner, outer }
    }

    /// Appends `data` to the message.
    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// The tag of everything passed to `update`.
    pub fn finalize(self) -> [u8; HMAC_SHA256_BYTES] {
        let inner_digest = self.inner.finalize();
        let mut outer = self.outer;
        outer.update(&inner_digest);
        outer.finalize()
    }
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; HMAC_SHA256_BYTES] {
    let mut mac = HmacSha256::new(key);
    mac.update(data);
    mac.finalize()
}

/// Is `tag` the HMAC-SHA256 of `data` under `key`? Compared in constant
/// time; a truncated tag never matches.
pub fn verify_hmac_sha256(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
    constant_time_eq(&hmac_sha256(key, data), tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex;

    fn tag_hex(key: &[u8], data: &[u8]) -> String {
        hex::encode(&hmac_sha256(key, data))
    }

    const LONG_KEY_BYTES: usize = 131;

    #[test]
    fn rfc4231_case_1_short_key() {
        assert_eq!(
            tag_hex(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn rfc4231_case_2_key_shorter_than_tag() {
        assert_eq!(
            tag_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn rfc4231_case_3_combined_key_and_data_of_repeated_bytes() {
        assert_eq!(
            tag_hex(&[0xaa; 20], &[0xdd; 50]),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        );
    }

    #[test]
    fn rfc4231_case_4_counting_key() {
        let key: Vec<u8> = (1..=25).collect();
        assert_eq!(
            tag_hex(&key, &[0xcd; 50]),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        );
    }

    #[test]
    fn rfc4231_case_5_truncated_to_128_bits() {
        let tag = hmac_sha256(&[0x0c; 20], b"Test With Truncation");
        assert_eq!(hex::encode(&tag[..16]), "a3b6167473100ee06e0c796c2955552b");
    }

    #[test]
    fn rfc4231_case_6_key_longer_than_block_is_hashed() {
        assert_eq!(
            tag_hex(
                &[0xaa; LONG_KEY_BYTES],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn rfc4231_case_7_long_key_and_long_data() {
        let data = b"This is a test using a larger than block-size key and a larger \
than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";
        assert_eq!(
            tag_hex(&[0xaa; LONG_KEY_BYTES], data),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        );
    }

    #[test]
    fn streaming_equals_one_shot_and_clone_reuses_the_key() {
        let keyed = HmacSha256::new(b"key");
        let mut first = keyed.clone();
        first.update(b"hello ");
        first.update(b"world");
        let mut second = keyed;
        second.update(b"hello world");
        let expected = hmac_sha256(b"key", b"hello world");
        assert_eq!(first.finalize(), expected);
        assert_eq!(second.finalize(), expected);
    }

    #[test]
    fn verify_accepts_the_tag_and_rejects_any_other() {
        let tag = hmac_sha256(b"key", b"message");
        assert!(verify_hmac_sha256(b"key", b"message", &tag));
        assert!(!verify_hmac_sha256(b"key", b"message!", &tag));
        assert!(!verify_hmac_sha256(b"kez", b"message", &tag));
        assert!(!verify_hmac_sha256(b"key", b"message", &tag[..31]));
        let mut flipped = tag;
        flipped[31] ^= 1;
        assert!(!verify_hmac_sha256(b"key", b"message", &flipped));
    }

    #[test]
    fn key_of_exactly_one_block_is_used_as_is() {
        // A 64-byte key is not hashed; a 65-byte one is.
        let key = [0x42u8; BLOCK_BYTES];
        let longer = [0x42u8; BLOCK_BYTES + 1];
        assert_ne!(hmac_sha256(&key, b"m"), hmac_sha256(&sha256(&key), b"m"));
        assert_eq!(
            hmac_sha256(&longer, b"m"),
            hmac_sha256(&sha256(&longer), b"m")
        );
    }
}
