//! SHA-224 and SHA-256 (FIPS 180-4): streaming hashers and one-shot helpers.
//!
//! Two compression functions give identical answers: the x86-64 SHA
//! extensions (SHA-NI, chosen at run time when the CPU has `sha`, `sse4.1`
//! and `ssse3`) and a portable twin. Tests compare them on random inputs
//! and check both against the NIST example vectors.
//!
//! Message length: FIPS 180-4 allows messages shorter than 2^64 bits; the
//! length field here wraps past that, which no real input reaches.

/// Bytes per SHA-256 message block.
pub const BLOCK_BYTES: usize = 64;
/// Bytes in a SHA-256 digest.
pub const SHA256_DIGEST_BYTES: usize = 32;
/// Bytes in a SHA-224 digest (SHA-256 with another start, truncated).
pub const SHA224_DIGEST_BYTES: usize = 28;

/// Where the length of the message goes in the last block.
const LENGTH_OFFSET_BYTES: usize = BLOCK_BYTES - 8;

/// FIPS 180-4 §4.2.2: cube roots of the first 64 primes.
const ROUND_CONSTANTS: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// FIPS 180-4 §5.3.3: the initial hash value of SHA-256.
const SHA256_INITIAL: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// FIPS 180-4 §5.3.2: the initial hash value of SHA-224.
const SHA224_INITIAL: [u32; 8] = [
    0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
];

/// Which compression function a hasher uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Plain Rust, any CPU.
    Portable,
    /// The x86-64 SHA extensions.
    ShaNi,
}

impl Backend {
    /// The fastest backend this CPU supports.
    pub fn detect() -> Backend {
        #[cfg(target_arch = "x86_64")]
        {
            if hardware::is_available() {
                return Backend::ShaNi;
            }
        }
        Backend::Portable
    }

    /// `self` if this CPU supports it, else [`Backend::Portable`].
    fn or_portable(self) -> Backend {
        match self {
            Backend::ShaNi if Backend::detect() == Backend::ShaNi => Backend::ShaNi,
            _ => Backend::Portable,
        }
    }
}

/// Runs the compression function over whole blocks.
/// REQUIRES: `blocks.len()` is a multiple of [`BLOCK_BYTES`].
fn compress(backend: Backend, state: &mut [u32; 8], blocks: &[u8]) {
    assert!(blocks.len().is_multiple_of(BLOCK_BYTES));
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::ShaNi => hardware::compress(state, blocks),
        _ => compress_portable(state, blocks),
    }
}

/// The block-buffering core shared by SHA-224 and SHA-256.
#[derive(Clone, Debug)]
struct Engine {
    state: [u32; 8],
    buffer: [u8; BLOCK_BYTES],
    buffered_bytes: usize,
    message_bytes: u64,
    backend: Backend,
}

impl Engine {
    fn new(initial: [u32; 8], backend: Backend) -> Engine {
        Engine {
            state: initial,
            buffer: [0; BLOCK_BYTES],
            buffered_bytes: 0,
            message_bytes: 0,
            backend: backend.or_portable(),
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.message_bytes = self.message_bytes.wrapping_add(data.len() as u64);
        if self.buffered_bytes > 0 {
            let take = (BLOCK_BYTES - self.buffered_bytes).min(data.len());
            let end = self.buffered_bytes + take;
            self.buffer[self.buffered_bytes..end].copy_from_slice(&data[..take]);
            self.buffered_bytes = end;
            data = &data[take..];
            if self.buffered_bytes < BLOCK_BYTES {
                return;
            }
            compress(self.backend, &mut self.state, &self.buffer);
            self.buffered_bytes = 0;
        }
        let whole_bytes = data.len() - data.len() % BLOCK_BYTES;
        let (blocks, rest) = data.split_at(whole_bytes);
        if !blocks.is_empty() {
            compress(self.backend, &mut self.state, blocks);
        }
        self.buffer[..rest.len()].copy_from_slice(rest);
        self.buffered_bytes = rest.len();
    }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns the final state.
    fn finish(mut self) -> [u32; 8] {
        let message_bits = self.message_bytes.wrapping_mul(8);
        self.buffer[self.buffered_bytes] = 0x80;
        self.buffer[self.buffered_bytes + 1..].fill(0);
        if self.buffered_bytes + 1 > LENGTH_OFFSET_BYTES {
            compress(self.backend, &mut self.state, &self.buffer);
            self.buffer.fill(0);
        }
        self.buffer[LENGTH_OFFSET_BYTES..].copy_from_slice(&message_bits.to_be_bytes());
        compress(self.backend, &mut self.state, &self.buffer);
        self.state
    }
}

/// Writes the first `N / 4` words of `state` big-endian.
fn digest_bytes<const N: usize>(state: &[u32; 8]) -> [u8; N] {
    let mut digest = [0u8; N];
    for (chunk, word) in digest.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// A streaming SHA-256 hasher.
#[derive(Clone, Debug)]
pub struct Sha256 {
    engine: Engine,
}

impl Sha256 {
    /// A SHA-256 hasher on the fastest backend.
    pub fn new() -> Sha256 {
        Sha256::with_backend(Backend::detect())
    }

    /// A SHA-224 hasher (the same function with another start value).
    pub fn new_224() -> Sha224 {
        Sha224::new()
    }

    /// A SHA-256 hasher on `backend`, or portable if the CPU lacks it.
    pub fn with_backend(backend: Backend) -> Sha256 {
        Sha256 {
            engine: Engine::new(SHA256_INITIAL, backend),
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.engine.backend
    }

    /// Appends `data` to the message.
    pub fn update(&mut self, data: &[u8]) {
        self.engine.update(data);
    }

    /// The digest of everything passed to `update`.
    pub fn finalize(self) -> [u8; SHA256_DIGEST_BYTES] {
        digest_bytes(&self.engine.finish())
    }
}

impl Default for Sha256 {
    fn default() -> Sha256 {
        Sha256::new()
    }
}

/// A streaming SHA-224 hasher.
#[derive(Clone, Debug)]
pub struct Sha224 {
    engine: Engine,
}

impl Sha224 {
    /// A SHA-224 hasher on the fastest backend.
    pub fn new() -> Sha224 {
        Sha224::with_backend(Backend::detect())
    }

    /// A SHA-224 hasher on `backend`, or portable if the CPU lacks it.
    pub fn with_backend(backend: Backend) -> Sha224 {
        Sha224 {
            engine: Engine::new(SHA224_INITIAL, backend),
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.engine.backend
    }

    /// Appends `data` to the message.
    pub fn update(&mut self, data: &[u8]) {
        self.engine.update(data);
    }

    /// The digest of everything passed to `update`.
    pub fn finalize(self) -> [u8; SHA224_DIGEST_BYTES] {
        digest_bytes(&self.engine.finish())
    }
}

impl Default for Sha224 {
    fn default() -> Sha224 {
        Sha224::new()
    }
}

/// Lets `std::io::copy` stream a reader into the hasher.
impl std::io::Write for Sha256 {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.update(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Lets `std::io::copy` stream a reader into the hasher.
impl std::io::Write for Sha224 {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.update(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; SHA256_DIGEST_BYTES] {
    let mut hasher = Sha256::new();
    hasher.update(data);
    hasher.finalize()
}

/// SHA-224 of `data`.
pub fn sha224(data: &[u8]) -> [u8; SHA224_DIGEST_BYTES] {
    let mut hasher = Sha224::new();
    hasher.update(data);
    hasher.finalize()
}

/// The portable compression function over whole blocks.
fn compress_portable(state: &mut [u32; 8], blocks: &[u8]) {
    for block in blocks.chunks_exact(BLOCK_BYTES) {
        compress_block_portable(state, block);
    }
}

/// FIPS 180-4 §6.2.2, one 64-byte block.
fn compress_block_portable(state: &mut [u32; 8], block: &[u8]) {
    let mut schedule = [0u32; 64];
    for (word, bytes) in schedule.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    for t in 16..64 {
        let s0 = schedule[t - 15].rotate_right(7)
            ^ schedule[t - 15].rotate_right(18)
            ^ (schedule[t - 15] >> 3);
        let s1 = schedule[t - 2].rotate_right(17)
            ^ schedule[t - 2].rotate_right(19)
            ^ (schedule[t - 2] >> 10);
        schedule[t] = schedule[t - 16]
            .wrapping_add(s0)
            .wrapping_add(schedule[t - 7])
            .wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    // One round; the callers rotate the variable names instead of moving
    // eight values each round.
    macro_rules! round {
        ($a:ident, $b:ident, $c:ident, $d:ident,
         $e:ident, $f:ident, $g:ident, $h:ident, $t:expr) => {
            let big_s1 = $e.rotate_right(6) ^ $e.rotate_right(11) ^ $e.rotate_right(25);
            let choose = $g ^ ($e & ($f ^ $g));
            let t1 = $h
                .wrapping_add(big_s1)
                .wrapping_add(choose)
                .wrapping_add(ROUND_CONSTANTS[$t])
                .wrapping_add(schedule[$t]);
            let big_s0 = $a.rotate_right(2) ^ $a.rotate_right(13) ^ $a.rotate_right(22);
            let majority = ($a & $b) | ($c & ($a | $b));
            $d = $d.wrapping_add(t1);
            $h = t1.wrapping_add(big_s0.wrapping_add(majority));
        };
    }
    for t in (0..64).step_by(8) {
        round!(a, b, c, d, e, f, g, h, t);
        round!(h, a, b, c, d, e, f, g, t + 1);
        round!(g, h, a, b, c, d, e, f, t + 2);
        round!(f, g, h, a, b, c, d, e, t + 3);
        round!(e, f, g, h, a, b, c, d, t + 4);
        round!(d, e, f, g, h, a, b, c, t + 5);
        round!(c, d, e, f, g, h, a, b, t + 6);
        round!(b, c, d, e, f, g, h, a, t + 7);
    }
    for (word, value) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *word = word.wrapping_add(value);
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod hardware {
    //! SHA-NI compression. The state lives in two registers in the order
    //! the instructions want (ABEF and CDGH); each `sha256rnds2` does two
    //! rounds, and `sha256msg1`/`sha256msg2` extend the message schedule
    //! four words at a time.
    use super::{BLOCK_BYTES, ROUND_CONSTANTS};
    use std::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_loadu_si128, _mm_set_epi32,
        _mm_set_epi64x, _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32,
        _mm_shuffle_epi8, _mm_shuffle_epi32, _mm_storeu_si128,
    };

    pub fn is_available() -> bool {
        std::is_x86_feature_detected!("sha")
            && std::is_x86_feature_detected!("sse4.1")
            && std::is_x86_feature_detected!("ssse3")
    }

    pub fn compress(state: &mut [u32; 8], blocks: &[u8]) {
        assert!(is_available());
        // SAFETY: the CPU has every feature `compress_sha_ni` enables, as
        // checked on the line above.
        unsafe { compress_sha_ni(state, blocks) }
    }

    /// Four round constants, as one vector, for rounds `4 * group ..`.
    #[inline]
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn constants(group: usize) -> __m128i {
        let k = &ROUND_CONSTANTS[4 * group..4 * group + 4];
        _mm_set_epi32(k[3] as i32, k[2] as i32, k[1] as i32, k[0] as i32)
    }

    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn compress_sha_ni(state: &mut [u32; 8], blocks: &[u8]) {
        let (mut abef, mut cdgh) = load_state(state);
        for block in blocks.chunks_exact(BLOCK_BYTES) {
            (abef, cdgh) = compress_block(abef, cdgh, block);
        }
        store_state(state, abef, cdgh);
    }

    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn load_state(state: &[u32; 8]) -> (__m128i, __m128i) {
        let word = |i: usize| state[i] as i32;
        let dcba = _mm_set_epi32(word(3), word(2), word(1), word(0));
        let hgfe = _mm_set_epi32(word(7), word(6), word(5), word(4));
        let cdab = _mm_shuffle_epi32(dcba, 0xb1);
        let efgh = _mm_shuffle_epi32(hgfe, 0x1b);
        let abef = _mm_alignr_epi8(cdab, efgh, 8);
        let cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);
        (abef, cdgh)
    }

    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn store_state(state: &mut [u32; 8], abef: __m128i, cdgh: __m128i) {
        let feba = _mm_shuffle_epi32(abef, 0x1b);
        let dchg = _mm_shuffle_epi32(cdgh, 0xb1);
        let dcba = _mm_blend_epi16(feba, dchg, 0xf0);
        let hgfe = _mm_alignr_epi8(dchg, feba, 8);
        let (low, high) = state.split_at_mut(4);
        // SAFETY: each half of `state` is 16 writable bytes, and
        // `storeu` has no alignment requirement.
        unsafe {
            _mm_storeu_si128(low.as_mut_ptr().cast(), dcba);
            _mm_storeu_si128(high.as_mut_ptr().cast(), hgfe);
        }
    }

    /// Loads four big-endian message words from `block[offset..offset + 16]`.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn load_words(block: &[u8], offset: usize) -> __m128i {
        let swap_bytes = _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203);
        let bytes = &block[offset..offset + 16];
        // SAFETY: `bytes` is 16 readable bytes (the slice above is bounds
        // checked), and `loadu` has no alignment requirement.
        let raw = unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) };
        _mm_shuffle_epi8(raw, swap_bytes)
    }

    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn compress_block(abef: __m128i, cdgh: __m128i, block: &[u8]) -> (__m128i, __m128i) {
        let (mut s0, mut s1) = (abef, cdgh);
        // Four rounds with message words `$w` (rounds 4 * $group ..).
        macro_rules! rounds {
            ($w:expr, $group:expr) => {{
                let message = _mm_add_epi32($w, constants($group));
                s1 = _mm_sha256rnds2_epu32(s1, s0, message);
                s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(message, 0x0e));
            }};
        }
        // The next four schedule words from the previous sixteen.
        macro_rules! next {
            ($w0:expr, $w1:expr, $w2:expr, $w3:expr) => {
                _mm_sha256msg2_epu32(
                    _mm_add_epi32(_mm_sha256msg1_epu32($w0, $w1), _mm_alignr_epi8($w3, $w2, 4)),
                    $w3,
                )
            };
        }
        let mut w0 = load_words(block, 0);
        let mut w1 = load_words(block, 16);
        let mut w2 = load_words(block, 32);
        let mut w3 = load_words(block, 48);
        rounds!(w0, 0);
        rounds!(w1, 1);
        rounds!(w2, 2);
        rounds!(w3, 3);
        for group in [4, 8, 12] {
            w0 = next!(w0, w1, w2, w3);
            rounds!(w0, group);
            w1 = next!(w1, w2, w3, w0);
            rounds!(w1, group + 1);
            w2 = next!(w2, w3, w0, w1);
            rounds!(w2, group + 2);
            w3 = next!(w3, w0, w1, w2);
            rounds!(w3, group + 3);
        }
        (_mm_add_epi32(s0, abef), _mm_add_epi32(s1, cdgh))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::hex;

    const MESSAGE_448_BITS: &[u8] = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    const MESSAGE_896_BITS: &[u8] = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn\
hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

    fn sha256_hex(backend: Backend, data: &[u8]) -> String {
        let mut hasher = Sha256::with_backend(backend);
        hasher.update(data);
        hex::encode(&hasher.finalize())
    }

    fn sha224_hex(backend: Backend, data: &[u8]) -> String {
        let mut hasher = Sha224::with_backend(backend);
        hasher.update(data);
        hex::encode(&hasher.finalize())
    }

    fn backends() -> Vec<Backend> {
        let mut backends = vec![Backend::Portable];
        if Backend::detect() == Backend::ShaNi {
            backends.push(Backend::ShaNi);
        }
        backends
    }

    fn random_bytes(seed: u64, length: usize) -> Vec<u8> {
        let mut state = seed | 1;
        (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect()
    }

    // FIPS 180-4 examples (NIST "Example Algorithms", SHA256.pdf / SHA224.pdf).
    #[test]
    fn sha256_matches_nist_short_vectors_on_every_backend() {
        for backend in backends() {
            let vectors: [(&[u8], &str); 4] = [
                (
                    b"abc",
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                ),
                (
                    b"",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ),
                (
                    MESSAGE_448_BITS,
                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                ),
                (
                    MESSAGE_896_BITS,
                    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
                ),
            ];
            for (message, expected) in vectors {
                assert_eq!(sha256_hex(backend, message), expected, "{backend:?}");
            }
        }
    }

    #[test]
    fn sha224_matches_nist_short_vectors_on_every_backend() {
        for backend in backends() {
            let vectors: [(&[u8], &str); 4] = [
                (
                    b"abc",
                    "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
                ),
                (
                    b"",
                    "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
                ),
                (
                    MESSAGE_448_BITS,
                    "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
                ),
                (
                    MESSAGE_896_BITS,
                    "c97ca9a559850ce97a04a96def6d99a9e0e0e2ab14e6b8df265fc0b3",
                ),
            ];
            for (message, expected) in vectors {
                assert_eq!(sha224_hex(backend, message), expected, "{backend:?}");
            }
        }
    }

    #[test]
    fn million_a_matches_nist_long_vectors_on_every_backend() {
        let message = vec![b'a'; 1_000_000];
        for backend in backends() {
            assert_eq!(
                sha256_hex(backend, &message),
                "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
            );
            assert_eq!(
                sha224_hex(backend, &message),
                "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67"
            );
        }
    }

    #[test]
    fn one_shot_helpers_and_new_224_agree_with_streaming() {
        assert_eq!(
            sha256(b"abc").to_vec(),
            hex::decode(&sha256_hex(Backend::Portable, b"abc")).unwrap()
        );
        assert_eq!(
            sha224(b"abc").to_vec(),
            hex::decode(&sha224_hex(Backend::Portable, b"abc")).unwrap()
        );
        let mut hasher = Sha256::new_224();
        hasher.update(b"abc");
        assert_eq!(hasher.finalize(), sha224(b"abc"));
    }

    #[test]
    fn streaming_split_at_every_offset_equals_one_shot() {
        let message = random_bytes(7, 200);
        for backend in backends() {
            let whole = sha256_hex(backend, &message);
            for split in 0..=message.len() {
                let mut hasher = Sha256::with_backend(backend);
                hasher.update(&message[..split]);
                hasher.update(&message[split..]);
                assert_eq!(hex::encode(&hasher.finalize()), whole, "split {split}");
            }
        }
    }

    #[test]
    fn byte_at_a_time_equals_one_shot() {
        let message = random_bytes(11, 300);
        let mut hasher = Sha224::new();
        for byte in &message {
            hasher.update(std::slice::from_ref(byte));
        }
        assert_eq!(hasher.finalize(), sha224(&message));
    }

    #[test]
    fn padding_boundaries_give_distinct_digests() {
        // Lengths around 55/56/64 bytes take the one- or two-block padding path.
        let mut seen = std::collections::BTreeSet::new();
        for length in 50..=130 {
            assert!(seen.insert(sha256(&vec![0u8; length])), "length {length}");
        }
    }

    #[test]
    fn hardware_and_portable_agree_on_random_inputs() {
        if Backend::detect() != Backend::ShaNi {
            return;
        }
        for seed in 1..40u64 {
            let length = (seed * seed * 37 % 5000) as usize;
            let message = random_bytes(seed, length);
            assert_eq!(
                sha256_hex(Backend::ShaNi, &message),
                sha256_hex(Backend::Portable, &message),
                "seed {seed} length {length}"
            );
            assert_eq!(
                sha224_hex(Backend::ShaNi, &message),
                sha224_hex(Backend::Portable, &message),
                "seed {seed} length {length}"
            );
        }
    }

    #[test]
    fn with_backend_falls_back_to_portable_when_unsupported() {
        let hasher = Sha256::with_backend(Backend::ShaNi);
        assert_eq!(hasher.backend(), Backend::detect());
        assert_eq!(
            Sha224::with_backend(Backend::Portable).backend(),
            Backend::Portable
        );
    }

    #[test]
    fn io_copy_into_hasher_equals_one_shot() {
        let message = random_bytes(3, 10_000);
        let mut hasher = Sha224::new();
        let copied = std::io::copy(&mut message.as_slice(), &mut hasher).unwrap();
        assert_eq!(copied, 10_000);
        assert_eq!(hasher.finalize(), sha224(&message));
    }
}
