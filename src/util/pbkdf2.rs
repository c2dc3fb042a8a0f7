//! PBKDF2 with HMAC-SHA256 as its pseudorandom function (RFC 8018 §5.2):
//! stretches a password and salt into a key, so that a stolen hash costs
//! `iterations` HMACs per guess.

use crate::util::hmac::{HMAC_SHA256_BYTES, HmacSha256};
use std::fmt;

/// RFC 8018 §5.2: the derived key is at most (2^32 - 1) blocks long.
pub const DERIVED_KEY_BYTES_MAX: u64 = (u32::MAX as u64) * HMAC_SHA256_BYTES as u64;

/// A sensible iteration count for stored password hashes (OWASP's 2023
/// advice for PBKDF2-HMAC-SHA256). Each verification then costs a few
/// hundred milliseconds: verify a token once per session, not per request.
pub const ITERATIONS_RECOMMENDED: u32 = 600_000;

/// Why a derivation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pbkdf2Error {
    /// The iteration count must be at least 1.
    ZeroIterations,
    /// The output buffer is empty.
    EmptyOutput,
    /// The output buffer is longer than [`DERIVED_KEY_BYTES_MAX`].
    OutputTooLong { bytes: u64 },
}

impl fmt::Display for Pbkdf2Error {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pbkdf2Error::ZeroIterations => write!(formatter, "PBKDF2 needs at least 1 iteration"),
            Pbkdf2Error::EmptyOutput => write!(formatter, "PBKDF2 output is empty"),
            Pbkdf2Error::OutputTooLong { bytes } => {
                write!(formatter, "PBKDF2 output of {bytes} bytes is too long")
            }
        }
    }
}

impl std::error::Error for Pbkdf2Error {}

/// Fills `derived_key` with PBKDF2-HMAC-SHA256 of `password` and `salt`.
pub fn pbkdf2_hmac_sha256(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    derived_key: &mut [u8],
) -> Result<(), Pbkdf2Error> {
    if iterations == 0 {
        return Err(Pbkdf2Error::ZeroIterations);
    }
    if derived_key.is_empty() {
        return Err(Pbkdf2Error::EmptyOutput);
    }
    let bytes = derived_key.len() as u64;
    if bytes > DERIVED_KEY_BYTES_MAX {
        return Err(Pbkdf2Error::OutputTooLong { bytes });
    }
    let keyed = HmacSha256::new(password);
    for (index, chunk) in derived_key.chunks_mut(HMAC_SHA256_BYTES).enumerate() {
        // Bounded by the check above: at most u32::MAX blocks.
        let block_number = u32::try_from(index + 1).expect("checked against the maximum");
        let block = derive_block(&keyed, salt, iterations, block_number);
        chunk.copy_from_slice(&block[..chunk.len()]);
    }
    Ok(())
}

/// RFC 8018 §5.2 step 3: T_i = U_1 ^ U_2 ^ … ^ U_c.
fn derive_block(
    keyed: &HmacSha256,
    salt: &[u8],
    iterations: u32,
    block_number: u32,
) -> [u8; HMAC_SHA256_BYTES] {
    let mut mac = keyed.clone();
    mac.update(salt);
    mac.update(&block_number.to_be_bytes());
    let mut previous = mac.finalize();
    let mut block = previous;
    for _ in 1..iterations {
        let mut mac = keyed.clone();
        mac.update(&previous);
        previous = mac.finalize();
        for (out, byte) in block.iter_mut().zip(previous) {
            *out ^= byte;
        }
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex;

    fn derive_hex(password: &[u8], salt: &[u8], iterations: u32, bytes: usize) -> String {
        let mut key = vec![0u8; bytes];
        pbkdf2_hmac_sha256(password, salt, iterations, &mut key).unwrap();
        hex::encode(&key)
    }

    // The widely published PBKDF2-HMAC-SHA256 vectors in the style of
    // RFC 6070 (which gives them for SHA-1), checked here against Python's
    // hashlib.pbkdf2_hmac.
    #[test]
    fn password_salt_one_iteration() {
        assert_eq!(
            derive_hex(b"password", b"salt", 1, 32),
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"
        );
    }

    #[test]
    fn password_salt_two_iterations() {
        assert_eq!(
            derive_hex(b"password", b"salt", 2, 32),
            "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"
        );
    }

    #[test]
    fn password_salt_4096_iterations() {
        assert_eq!(
            derive_hex(b"password", b"salt", 4096, 32),
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"
        );
    }

    #[test]
    fn long_password_and_salt_with_output_spanning_two_blocks() {
        assert_eq!(
            derive_hex(
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096,
                40
            ),
            "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9"
        );
    }

    #[test]
    fn embedded_nul_bytes_are_part_of_password_and_salt() {
        assert_eq!(
            derive_hex(b"pass\0word", b"sa\0lt", 4096, 16),
            "89b69d0516f829893c696226650a8687"
        );
    }

    #[test]
    fn zero_iterations_and_empty_output_are_refused() {
        let mut key = [0u8; 32];
        assert_eq!(
            pbkdf2_hmac_sha256(b"p", b"s", 0, &mut key),
            Err(Pbkdf2Error::ZeroIterations)
        );
        assert_eq!(
            pbkdf2_hmac_sha256(b"p", b"s", 1, &mut []),
            Err(Pbkdf2Error::EmptyOutput)
        );
    }
}
