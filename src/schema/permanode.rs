//! The `permanode` schema blob: a stable identity with no content, made
//! unique by a caller-given nonce and owned by a signer.
//!
//! ```text
//! {"camliVersion": 1,
//!   "camliSigner": "sha224-…",
//!   "camliType": "permanode",
//!   "random": "…"
//! }
//! ```
//!
//! The blob ends with its final `}` and no newline, so a later signature
//! can replace that `}` with `,"camliSig":"…"}` (PERKEEP.md, Signatures);
//! a `camliSig` member is accepted on read and not checked yet.

use super::RANDOM_BYTES_MAX;
use super::error::SchemaError;
use super::fields;
use crate::blob::BlobRef;
use crate::util::json::Value;

/// The members a permanode may have besides `camliVersion`, `camliType`.
const FIELDS: [&str; 3] = ["camliSigner", "random", "camliSig"];

/// A permanode: its nonce and its owner's signer ref.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permanode {
    /// The nonce that makes this permanode's ref unique (1 to
    /// [`RANDOM_BYTES_MAX`] bytes).
    pub random: String,
    /// The owner's signer ref.
    pub signer: BlobRef,
}

impl Permanode {
    /// A permanode with nonce `random` owned by `signer`; Err when the nonce
    /// is empty or too long.
    pub fn new(random: &str, signer: BlobRef) -> Result<Permanode, SchemaError> {
        check_random(random)?;
        Ok(Permanode {
            random: random.to_owned(),
            signer,
        })
    }

    /// The canonical bytes.
    pub fn to_canonical(&self) -> String {
        fields::canonical(&Value::object([
            ("camliVersion", Value::from(1u32)),
            ("camliSigner", Value::from(self.signer.as_str())),
            ("camliType", Value::from("permanode")),
            ("random", Value::from(self.random.as_str())),
        ]))
    }

    /// The ref of the canonical bytes: the node's identity.
    pub fn blob_ref(&self) -> BlobRef {
        BlobRef::of_bytes(self.to_canonical().as_bytes())
    }

    /// Parses a permanode blob.
    pub fn parse(bytes: &[u8]) -> Result<Permanode, SchemaError> {
        let value = fields::schema_object(bytes, "permanode", &FIELDS)?;
        Permanode::from_value(&value)
    }

    /// Reads a permanode from an already parsed schema object.
    pub(super) fn from_value(value: &Value) -> Result<Permanode, SchemaError> {
        fields::only_members(value, &FIELDS)?;
        fields::optional_str(value, "camliSig")?;
        let signer = fields::required_ref(value, "camliSigner")?;
        let random = fields::required_str(value, "random")?;
        Permanode::new(random, signer)
    }
}

fn check_random(random: &str) -> Result<(), SchemaError> {
    if random.is_empty() || random.len() > RANDOM_BYTES_MAX {
        return Err(SchemaError::BadRandom {
            bytes: random.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> BlobRef {
        BlobRef::of_bytes(b"owner")
    }

    #[test]
    fn build_then_parse_round_trips() {
        let node = Permanode::new("nonce-1", signer()).unwrap();
        let bytes = node.to_canonical();
        assert!(bytes.starts_with("{\"camliVersion\": 1,\n"));
        assert!(bytes.ends_with("\n}"));
        assert_eq!(Permanode::parse(bytes.as_bytes()), Ok(node.clone()));
        assert_eq!(node.blob_ref(), BlobRef::of_bytes(bytes.as_bytes()));
    }

    #[test]
    fn different_nonces_make_different_refs() {
        let one = Permanode::new("a", signer()).unwrap();
        let two = Permanode::new("b", signer()).unwrap();
        assert_ne!(one.blob_ref(), two.blob_ref());
    }

    #[test]
    fn empty_or_oversized_nonce_is_refused() {
        assert_eq!(
            Permanode::new("", signer()),
            Err(SchemaError::BadRandom { bytes: 0 })
        );
        let long = "x".repeat(RANDOM_BYTES_MAX + 1);
        assert!(matches!(
            Permanode::new(&long, signer()),
            Err(SchemaError::BadRandom { .. })
        ));
        assert!(Permanode::new(&long[1..], signer()).is_ok());
    }

    #[test]
    fn parse_names_each_broken_rule() {
        let signer = signer();
        let cases: [(&str, SchemaError); 6] = [
            ("[]", SchemaError::NotAnObject),
            (
                r#"{"camliVersion":2,"camliType":"permanode"}"#,
                SchemaError::BadCamliVersion,
            ),
            (
                r#"{"camliVersion":1,"camliType":"claim"}"#,
                SchemaError::WrongCamliType {
                    expected: "permanode",
                    found: "claim".to_owned(),
                },
            ),
            (
                r#"{"camliVersion":1,"camliType":"permanode","random":"r"}"#,
                SchemaError::MissingField {
                    field: "camliSigner",
                },
            ),
            (
                r#"{"camliVersion":1,"camliType":"permanode","random":"r","x":1}"#,
                SchemaError::UnexpectedField {
                    field: "x".to_owned(),
                },
            ),
            (
                r#"{"camliVersion":1,"camliType":"permanode","random":7,"camliSigner":"@SIGNER@"}"#,
                SchemaError::NotAString { field: "random" },
            ),
        ];
        for (text, expected) in cases {
            let text = text.replace("@SIGNER@", signer.as_str());
            assert_eq!(Permanode::parse(text.as_bytes()), Err(expected), "{text}");
        }
    }

    #[test]
    fn bad_signer_ref_is_refused() {
        let text = r#"{"camliVersion":1,"camliType":"permanode","random":"r","camliSigner":"x"}"#;
        assert!(matches!(
            Permanode::parse(text.as_bytes()),
            Err(SchemaError::BadRef {
                field: "camliSigner",
                ..
            })
        ));
    }
}
