//! `BlobRef`: the name of a blob, `<hash>-<lowercase hex digest>`.
//!
//! Three hashes are understood, as in PERKEEP.md: `sha224-` with 56 hex
//! digits (the default for every new blob), `sha256-` with 64, and `sha1-`
//! with 40 (only to read refs found in old Perkeep data: strata never names
//! a new blob with SHA-1, and has no SHA-1 to verify one with). Anything
//! else fails to parse: an unknown hash name, a digest of the wrong length,
//! uppercase or other non-hex digits, empty text, trailing bytes.
//!
//! Representation: a `BlobRef` keeps its canonical text inline, in a fixed
//! array of [`TEXT_BYTES_MAX`] bytes plus a length (72 bytes in all, `Copy`,
//! no heap). That makes [`BlobRef::as_str`] free and ordering exactly the
//! plain-string order that enumeration and sync rely on (derived `Ord`
//! compares the text bytes). The digest is decoded on demand.

use crate::util::hex;
use crate::util::sha2::{Sha224, Sha256};
use std::cmp::Ordering;
use std::fmt;
use std::hash::Hash;
use std::io;
use std::str::FromStr;

/// The longest digest of any hash understood here (SHA-256), in bytes.
pub const DIGEST_BYTES_MAX: usize = 32;
/// The longest ref text: `sha256-` and 64 hex digits.
pub const TEXT_BYTES_MAX: usize = "sha256-".len() + 2 * DIGEST_BYTES_MAX;

/// The hash function that names a blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashKind {
    /// Legacy Perkeep refs: parsed, never used for new blobs.
    Sha1,
    /// The default for new blobs, as in Perkeep.
    Sha224,
    /// Accepted for new blobs when a client names them so.
    Sha256,
}

impl HashKind {
    /// Every kind, in the order of their names.
    pub const ALL: [HashKind; 3] = [HashKind::Sha1, HashKind::Sha224, HashKind::Sha256];

    /// The name written before the dash: `sha1`, `sha224`, `sha256`.
    pub fn name(self) -> &'static str {
        match self {
            HashKind::Sha1 => "sha1",
            HashKind::Sha224 => "sha224",
            HashKind::Sha256 => "sha256",
        }
    }

    /// The digest length in bytes (hex digits are twice this).
    pub fn digest_bytes(self) -> usize {
        match self {
            HashKind::Sha1 => 20,
            HashKind::Sha224 => 28,
            HashKind::Sha256 => 32,
        }
    }

    /// Whether strata may name (and so verify) a new blob with this hash.
    pub fn can_name_new_blobs(self) -> bool {
        match self {
            HashKind::Sha1 => false,
            HashKind::Sha224 | HashKind::Sha256 => true,
        }
    }

    /// The kind called `name`, if any.
    pub fn from_name(name: &str) -> Option<HashKind> {
        HashKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Why a piece of text is not a blob ref.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobRefError {
    /// The text is empty.
    Empty,
    /// The text is longer than any ref can be.
    TooLong { length: usize },
    /// There is no `-` between a hash name and a digest.
    MissingDash,
    /// The hash name before the dash is not one of `sha1`, `sha224`,
    /// `sha256`.
    UnknownHash,
    /// The digest has `actual` hex digits where the hash needs `expected`.
    WrongDigestLength {
        kind: HashKind,
        expected: usize,
        actual: usize,
    },
    /// The byte at `offset` (in the whole text) is not one of `0-9a-f`.
    InvalidDigit { offset: usize, byte: u8 },
    /// The ref uses a hash that strata does not compute (SHA-1), so bytes
    /// cannot be verified against it or named with it.
    HashNotComputable { kind: HashKind },
}

impl fmt::Display for BlobRefError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobRefError::Empty => write!(formatter, "empty blob ref"),
            BlobRefError::TooLong { length } => {
                write!(formatter, "blob ref of {length} bytes is too long")
            }
            BlobRefError::MissingDash => write!(formatter, "blob ref lacks '-'"),
            BlobRefError::UnknownHash => write!(formatter, "blob ref names an unknown hash"),
            BlobRefError::WrongDigestLength {
                kind,
                expected,
                actual,
            } => write!(
                formatter,
                "{} digest has {actual} hex digits, expected {expected}",
                kind.name()
            ),
            BlobRefError::InvalidDigit { offset, byte } => write!(
                formatter,
                "blob ref byte 0x{byte:02x} at offset {offset} is not lowercase hex"
            ),
            BlobRefError::HashNotComputable { kind } => {
                write!(
                    formatter,
                    "{} refs can be read but not computed",
                    kind.name()
                )
            }
        }
    }
}

impl std::error::Error for BlobRefError {}

/// The name of a blob (see the module header for the representation).
#[derive(Clone, Copy)]
pub struct BlobRef {
    kind: HashKind,
    length: u8,
    text: [u8; TEXT_BYTES_MAX],
}

impl BlobRef {
    /// Parses `text`, accepting exactly the canonical form.
    pub fn parse(text: &str) -> Result<BlobRef, BlobRefError> {
        if text.is_empty() {
            return Err(BlobRefError::Empty);
        }
        if text.len() > TEXT_BYTES_MAX {
            return Err(BlobRefError::TooLong { length: text.len() });
        }
        let (name, digits) = text.split_once('-').ok_or(BlobRefError::MissingDash)?;
        let kind = HashKind::from_name(name).ok_or(BlobRefError::UnknownHash)?;
        let expected = 2 * kind.digest_bytes();
        if let Some((index, &byte)) = digits
            .as_bytes()
            .iter()
            .enumerate()
            .find(|(_, byte)| !matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
        {
            let offset = name.len() + 1 + index;
            return Err(BlobRefError::InvalidDigit { offset, byte });
        }
        if digits.len() != expected {
            return Err(BlobRefError::WrongDigestLength {
                kind,
                expected,
                actual: digits.len(),
            });
        }
        Ok(BlobRef::from_valid_text(kind, text))
    }

    /// [`BlobRef::parse`] of text held as bytes (an index row's): the
    /// same answer, without a UTF-8 pass and a search for the dash when
    /// the text is a `sha224-` ref, as every ref strata makes is (listing
    /// a 10,000-entry folder parses 20,000 refs).
    pub fn parse_bytes(bytes: &[u8]) -> Result<BlobRef, BlobRefError> {
        const SHA224_PREFIX: &[u8] = b"sha224-";
        const SHA224_TEXT_BYTES: usize = SHA224_PREFIX.len() + 56;
        // No early exit, so the check runs many bytes at a time.
        let is_hex = |byte: u8| (byte.wrapping_sub(b'0') < 10) | (byte.wrapping_sub(b'a') < 6);
        let all_hex = |digits: &[u8]| digits.iter().fold(true, |all, &byte| all & is_hex(byte));
        if bytes.len() == SHA224_TEXT_BYTES
            && bytes.starts_with(SHA224_PREFIX)
            && all_hex(&bytes[SHA224_PREFIX.len()..])
        {
            let mut text = [0u8; TEXT_BYTES_MAX];
            text[..SHA224_TEXT_BYTES].copy_from_slice(bytes);
            return Ok(BlobRef {
                kind: HashKind::Sha224,
                length: SHA224_TEXT_BYTES as u8,
                text,
            });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => BlobRef::parse(text),
            // Not UTF-8, so not hex: name the first byte that is not.
            Err(_) => BlobRef::parse(&String::from_utf8_lossy(bytes)),
        }
    }

    /// The ref of `digest` under `kind`; `digest` must be that hash's length.
    pub fn from_digest(kind: HashKind, digest: &[u8]) -> Result<BlobRef, BlobRefError> {
        if digest.len() != kind.digest_bytes() {
            return Err(BlobRefError::WrongDigestLength {
                kind,
                expected: 2 * kind.digest_bytes(),
                actual: 2 * digest.len(),
            });
        }
        let mut text = String::with_capacity(TEXT_BYTES_MAX);
        text.push_str(kind.name());
        text.push('-');
        hex::encode_into(digest, &mut text);
        Ok(BlobRef::from_valid_text(kind, &text))
    }

    /// The SHA-224 ref of `bytes`: the name strata gives a new blob.
    pub fn of_bytes(bytes: &[u8]) -> BlobRef {
        let mut hasher = Hasher::new();
        hasher.update(bytes);
        hasher.finish()
    }

    /// Whether `bytes` hash to this ref; an error for SHA-1 refs, which
    /// strata cannot compute.
    pub fn matches(&self, bytes: &[u8]) -> Result<bool, BlobRefError> {
        let mut hasher = Hasher::for_kind(self.kind)?;
        hasher.update(bytes);
        Ok(hasher.finish() == *self)
    }

    /// The hash that names this blob.
    pub fn kind(&self) -> HashKind {
        self.kind
    }

    /// The canonical text, e.g. `sha224-…`.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (a parsed or generated ref), so this
        // conversion cannot fail; an assertion failure here is a bug.
        std::str::from_utf8(&self.text[..usize::from(self.length)])
            .expect("blob ref text is ASCII by construction")
    }

    /// The digest bytes (as many as the hash has).
    pub fn digest(&self) -> Vec<u8> {
        let digits = &self.as_str()[self.kind.name().len() + 1..];
        hex::decode(digits).expect("blob ref digits are hex by construction")
    }

    /// `text` must already be a valid ref of `kind`.
    fn from_valid_text(kind: HashKind, text: &str) -> BlobRef {
        assert!(text.len() <= TEXT_BYTES_MAX);
        let mut bytes = [0u8; TEXT_BYTES_MAX];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        BlobRef {
            kind,
            length: u8::try_from(text.len()).expect("TEXT_BYTES_MAX fits in u8"),
            text: bytes,
        }
    }
}

const _: () = assert!(TEXT_BYTES_MAX <= u8::MAX as usize);

impl PartialEq for BlobRef {
    fn eq(&self, other: &BlobRef) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for BlobRef {}

impl PartialOrd for BlobRef {
    fn partial_cmp(&self, other: &BlobRef) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BlobRef {
    /// Plain byte-string order of the text.
    fn cmp(&self, other: &BlobRef) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for BlobRef {
    fn hash<State: std::hash::Hasher>(&self, state: &mut State) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for BlobRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Debug for BlobRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "BlobRef({})", self.as_str())
    }
}

impl FromStr for BlobRef {
    type Err = BlobRefError;

    fn from_str(text: &str) -> Result<BlobRef, BlobRefError> {
        BlobRef::parse(text)
    }
}

/// A streaming hasher that names the bytes written to it. Implements
/// `io::Write`, so `io::copy` can feed it.
#[derive(Clone, Debug)]
pub struct Hasher {
    engine: Engine,
    bytes: u64,
}

#[derive(Clone, Debug)]
enum Engine {
    Sha224(Sha224),
    Sha256(Sha256),
}

impl Hasher {
    /// A SHA-224 hasher: the default for new blobs.
    pub fn new() -> Hasher {
        Hasher {
            engine: Engine::Sha224(Sha224::new()),
            bytes: 0,
        }
    }

    /// A hasher for `kind`; SHA-1 is refused, as strata cannot compute it.
    pub fn for_kind(kind: HashKind) -> Result<Hasher, BlobRefError> {
        let engine = match kind {
            HashKind::Sha224 => Engine::Sha224(Sha224::new()),
            HashKind::Sha256 => Engine::Sha256(Sha256::new()),
            HashKind::Sha1 => return Err(BlobRefError::HashNotComputable { kind }),
        };
        Ok(Hasher { engine, bytes: 0 })
    }

    /// Appends `data` to the blob being named.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.engine {
            Engine::Sha224(hasher) => hasher.update(data),
            Engine::Sha256(hasher) => hasher.update(data),
        }
        self.bytes += data.len() as u64;
    }

    /// How many bytes have been written so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes
    }

    /// The ref of everything written.
    pub fn finish(self) -> BlobRef {
        let made = match self.engine {
            Engine::Sha224(hasher) => BlobRef::from_digest(HashKind::Sha224, &hasher.finalize()),
            Engine::Sha256(hasher) => BlobRef::from_digest(HashKind::Sha256, &hasher.finalize()),
        };
        made.expect("digest length matches its kind")
    }
}

impl Default for Hasher {
    fn default() -> Hasher {
        Hasher::new()
    }
}

impl io::Write for Hasher {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.update(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_SHA224: &str = "sha224-d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f";
    const ABC_SHA256: &str =
        "sha256-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const SHA1_REF: &str = "sha1-da39a3ee5e6b4b0d3255bfef95601890afd80709";

    #[test]
    fn of_bytes_names_with_sha224_as_the_nist_vector_says() {
        assert_eq!(BlobRef::of_bytes(b"").as_str(), EMPTY_SHA224);
        assert_eq!(
            BlobRef::of_bytes(b"abc").as_str(),
            "sha224-23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"
        );
        assert_eq!(BlobRef::of_bytes(b"abc").kind(), HashKind::Sha224);
    }

    #[test]
    fn parse_accepts_each_known_hash_and_round_trips() {
        for text in [EMPTY_SHA224, ABC_SHA256, SHA1_REF] {
            let parsed = BlobRef::parse(text).expect(text);
            assert_eq!(parsed.as_str(), text);
            assert_eq!(parsed.to_string(), text);
            assert_eq!(text.parse::<BlobRef>(), Ok(parsed));
        }
        assert_eq!(BlobRef::parse(SHA1_REF).unwrap().kind(), HashKind::Sha1);
        assert_eq!(BlobRef::parse(ABC_SHA256).unwrap().kind(), HashKind::Sha256);
    }

    #[test]
    fn parse_rejects_empty_and_unknown_hash_and_missing_dash() {
        assert_eq!(BlobRef::parse(""), Err(BlobRefError::Empty));
        assert_eq!(BlobRef::parse("sha224"), Err(BlobRefError::MissingDash));
        assert_eq!(BlobRef::parse("md5-00"), Err(BlobRefError::UnknownHash));
        assert_eq!(BlobRef::parse("SHA224-00"), Err(BlobRefError::UnknownHash));
        assert_eq!(BlobRef::parse("-00"), Err(BlobRefError::UnknownHash));
    }

    #[test]
    fn parse_rejects_uppercase_hex_and_names_its_offset() {
        let upper = EMPTY_SHA224.replace('d', "D");
        assert_eq!(
            BlobRef::parse(&upper),
            Err(BlobRefError::InvalidDigit {
                offset: 7,
                byte: b'D'
            })
        );
    }

    #[test]
    fn parse_rejects_wrong_digest_lengths_for_each_hash() {
        let short = &EMPTY_SHA224[..EMPTY_SHA224.len() - 2];
        assert_eq!(
            BlobRef::parse(short),
            Err(BlobRefError::WrongDigestLength {
                kind: HashKind::Sha224,
                expected: 56,
                actual: 54
            })
        );
        // A SHA-1 name with a SHA-224 digest is still wrong.
        let mixed = format!("sha1-{}", &EMPTY_SHA224[7..]);
        assert!(matches!(
            BlobRef::parse(&mixed),
            Err(BlobRefError::WrongDigestLength {
                kind: HashKind::Sha1,
                ..
            })
        ));
        assert!(matches!(
            BlobRef::parse("sha256-"),
            Err(BlobRefError::WrongDigestLength { actual: 0, .. })
        ));
    }

    #[test]
    fn parse_rejects_trailing_junk_and_overlong_text() {
        assert!(matches!(
            BlobRef::parse(&format!("{EMPTY_SHA224}\n")),
            Err(BlobRefError::InvalidDigit { byte: b'\n', .. })
        ));
        assert!(matches!(
            BlobRef::parse(&format!("{EMPTY_SHA224}00")),
            Err(BlobRefError::WrongDigestLength { actual: 58, .. })
        ));
        assert!(matches!(
            BlobRef::parse(&format!("{ABC_SHA256}00")),
            Err(BlobRefError::TooLong { length: 73 })
        ));
        assert!(matches!(
            BlobRef::parse(&format!("{EMPTY_SHA224} ")),
            Err(BlobRefError::InvalidDigit { byte: b' ', .. })
        ));
    }

    #[test]
    fn parse_bytes_answers_as_parse_does() {
        let good = BlobRef::of_bytes(b"x").to_string();
        let mut cases: Vec<Vec<u8>> = vec![
            good.clone().into_bytes(),
            good.to_uppercase().into_bytes(),
            good.as_bytes()[..good.len() - 1].to_vec(),
            format!("{good}0").into_bytes(),
            good.replace("sha224", "sha256").into_bytes(),
            format!("sha256-{}", "ab".repeat(32)).into_bytes(),
            format!("sha1-{}", "0f".repeat(20)).into_bytes(),
            Vec::new(),
            b"sha224".to_vec(),
        ];
        let mut bad_byte = good.clone().into_bytes();
        bad_byte[30] = b'g';
        cases.push(bad_byte);
        for case in &cases {
            let text = std::str::from_utf8(case).unwrap();
            assert_eq!(BlobRef::parse_bytes(case), BlobRef::parse(text), "{text}");
        }
        let mut not_utf8 = good.into_bytes();
        not_utf8[10] = 0xff;
        assert!(BlobRef::parse_bytes(&not_utf8).is_err());
    }

    #[test]
    fn parse_never_panics_on_non_ascii_text() {
        for text in ["é", "sha224-é", "sha224-\u{0}", "ß-00", "sha1-ÿÿ"] {
            assert!(BlobRef::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn refs_order_as_their_strings() {
        let mut refs: Vec<BlobRef> = (0u32..200)
            .map(|index| {
                let bytes = index.to_le_bytes();
                match index % 3 {
                    0 => BlobRef::of_bytes(&bytes),
                    1 => {
                        let mut hasher = Hasher::for_kind(HashKind::Sha256).unwrap();
                        hasher.update(&bytes);
                        hasher.finish()
                    }
                    _ => BlobRef::from_digest(HashKind::Sha1, &[index as u8; 20]).unwrap(),
                }
            })
            .collect();
        let mut texts: Vec<String> = refs.iter().map(BlobRef::to_string).collect();
        refs.sort();
        texts.sort();
        let sorted: Vec<String> = refs.iter().map(BlobRef::to_string).collect();
        assert_eq!(sorted, texts);
    }

    #[test]
    fn hasher_streaming_equals_one_shot_and_counts_bytes() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut hasher = Hasher::new();
        for piece in data.chunks(333) {
            io::Write::write_all(&mut hasher, piece).unwrap();
        }
        assert_eq!(hasher.bytes_written(), data.len() as u64);
        assert_eq!(hasher.finish(), BlobRef::of_bytes(&data));
    }

    #[test]
    fn sha256_hasher_matches_the_nist_vector() {
        let mut hasher = Hasher::for_kind(HashKind::Sha256).unwrap();
        hasher.update(b"abc");
        assert_eq!(hasher.finish().as_str(), ABC_SHA256);
    }

    #[test]
    fn only_sha224_and_sha256_can_name_new_blobs() {
        assert!(!HashKind::Sha1.can_name_new_blobs());
        assert!(HashKind::Sha224.can_name_new_blobs());
        assert!(HashKind::Sha256.can_name_new_blobs());
        assert_eq!(
            Hasher::for_kind(HashKind::Sha1).err(),
            Some(BlobRefError::HashNotComputable {
                kind: HashKind::Sha1
            })
        );
    }

    #[test]
    fn matches_checks_bytes_against_the_ref() {
        let blob_ref = BlobRef::of_bytes(b"hello");
        assert_eq!(blob_ref.matches(b"hello"), Ok(true));
        assert_eq!(blob_ref.matches(b"hellp"), Ok(false));
        let sha256 = BlobRef::parse(ABC_SHA256).unwrap();
        assert_eq!(sha256.matches(b"abc"), Ok(true));
        let sha1 = BlobRef::parse(SHA1_REF).unwrap();
        assert!(sha1.matches(b"").is_err());
    }

    #[test]
    fn digest_and_from_digest_are_inverses() {
        let blob_ref = BlobRef::parse(ABC_SHA256).unwrap();
        let digest = blob_ref.digest();
        assert_eq!(digest.len(), 32);
        assert_eq!(
            BlobRef::from_digest(HashKind::Sha256, &digest),
            Ok(blob_ref)
        );
        assert!(BlobRef::from_digest(HashKind::Sha224, &digest).is_err());
    }

    #[test]
    fn equal_refs_hash_equal_and_copy_is_cheap() {
        use std::collections::HashSet;
        let first = BlobRef::of_bytes(b"x");
        let second = BlobRef::parse(first.as_str()).unwrap();
        let set: HashSet<BlobRef> = [first, second].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert!(std::mem::size_of::<BlobRef>() <= 80);
    }
}
