//! Classification tests, and a seeded mutation sweep: no input panics.

use super::*;
use crate::blob::BlobRef;
use crate::blob::file_schema::{self, FileMeta, Part};
use crate::schema::claim::ClaimBuilder;
use crate::schema::directory::static_set_blobs;
use crate::util::rfc3339::Timestamp;

fn reference(seed: &str) -> BlobRef {
    BlobRef::of_bytes(seed.as_bytes())
}

fn valid_blobs() -> Vec<String> {
    let date = Timestamp::new(1_700_000_000, 123).unwrap();
    let node = reference("node");
    let meta = FileMeta {
        file_name: "a.txt".to_owned(),
        unix_mtime: None,
    };
    vec![
        Permanode::new("nonce", reference("signer"))
            .unwrap()
            .to_canonical(),
        ClaimBuilder::new(reference("signer"), date)
            .set_attribute(node, "camliContent", reference("c").as_str())
            .build()
            .unwrap()
            .to_canonical(),
        ClaimBuilder::new(reference("signer"), date)
            .del_value(node, "tag", "x")
            .delete(reference("old"))
            .build()
            .unwrap()
            .to_canonical(),
        file_schema::file_schema(&meta, &[Part::blob(reference("chunk"), 5)]),
        Directory {
            file_name: "d".to_owned(),
            entries: reference("set"),
        }
        .to_canonical(),
        static_set_blobs(&[node]).unwrap().top.to_canonical(),
    ]
}

#[test]
fn each_valid_blob_is_classified_by_its_type() {
    let kinds: Vec<&str> = valid_blobs()
        .iter()
        .map(|bytes| match classify(bytes.as_bytes()) {
            Ok(Some(SchemaBlob::Permanode(_))) => "permanode",
            Ok(Some(SchemaBlob::Claim(_))) => "claim",
            Ok(Some(SchemaBlob::Content(_))) => "content",
            Ok(Some(SchemaBlob::Directory(_))) => "directory",
            Ok(Some(SchemaBlob::StaticSet(_))) => "static-set",
            other => panic!("{bytes}: {other:?}"),
        })
        .collect();
    let expected = [
        "permanode",
        "claim",
        "claim",
        "content",
        "directory",
        "static-set",
    ];
    assert_eq!(kinds, expected);
}

#[test]
fn plain_blobs_are_not_candidates() {
    for bytes in [
        &b""[..],
        b"hello",
        b" {\"camliVersion\":1}",
        b"{\"a\":1}",
        b"[camliVersion]",
    ] {
        assert_eq!(classify(bytes), Ok(None), "{bytes:?}");
    }
}

#[test]
fn an_unknown_camli_type_is_a_valid_other_blob() {
    let bytes = br#"{"camliVersion":1,"camliType":"share","target":"x"}"#;
    assert_eq!(
        classify(bytes),
        Ok(Some(SchemaBlob::Other {
            camli_type: "share".to_owned()
        }))
    );
}

/// A predicate on the error a case expects.
type ErrorCheck = fn(&SchemaError) -> bool;

#[test]
fn invalid_candidates_say_why() {
    let oversized = format!(
        "{{\"camliVersion\":1,\"x\":\"{}\"}}",
        "a".repeat(SCHEMA_BYTES_MAX)
    );
    let cases: [(&[u8], ErrorCheck); 5] = [
        (b"{camliVersion", |e| matches!(e, SchemaError::Json(_))),
        (br#"{"camliVersion":2,"camliType":"x"}"#, |e| {
            *e == SchemaError::BadCamliVersion
        }),
        (br#"{"camliVersion":1}"#, |e| {
            *e == SchemaError::MissingCamliType
        }),
        (br#"{"camliVersion":1,"camliType":"file"}"#, |e| {
            matches!(e, SchemaError::Content(_))
        }),
        (oversized.as_bytes(), |e| {
            matches!(e, SchemaError::TooLarge { .. })
        }),
    ];
    for (bytes, expected) in cases {
        let error = classify(bytes).expect_err("invalid candidate");
        assert!(expected(&error), "{error:?}");
    }
}

#[test]
fn a_claim_with_an_unknown_claim_type_is_invalid() {
    let bytes = format!(
        r#"{{"camliVersion":1,"camliType":"claim","camliSigner":"{}",
        "claimDate":"2026-01-01T00:00:00Z","claimType":"frobnicate"}}"#,
        reference("s")
    );
    assert!(matches!(
        classify(bytes.as_bytes()),
        Err(SchemaError::UnknownClaimType { .. })
    ));
}

/// xorshift64*: deterministic, seeded, printed on failure.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound as u64) as usize
    }
}

const INTERESTING_BYTES: &[u8] = b"{}[]\",:\\0123456789-.eEtfnul \n\xff\xc3\x80az/";

fn mutate(bytes: &mut Vec<u8>, random: &mut Random) {
    let position = random.below(bytes.len() + 1);
    let byte = INTERESTING_BYTES[random.below(INTERESTING_BYTES.len())];
    match random.below(4) {
        0 if position < bytes.len() => bytes[position] = byte,
        1 if position < bytes.len() => {
            bytes.remove(position);
        }
        2 => bytes.insert(position, byte),
        _ => bytes.truncate(position),
    }
}

#[test]
fn random_mutations_of_valid_blobs_never_panic() {
    let blobs = valid_blobs();
    let mut outcomes = [0usize; 3];
    for seed in 1..=4_000u64 {
        let mut random = Random(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut bytes = blobs[random.below(blobs.len())].clone().into_bytes();
        for _ in 0..=random.below(4) {
            mutate(&mut bytes, &mut random);
        }
        let outcome = std::panic::catch_unwind(|| classify(&bytes));
        let outcome = outcome.unwrap_or_else(|_| panic!("seed {seed} panicked on {bytes:?}"));
        outcomes[match outcome {
            Ok(None) => 0,
            Ok(Some(_)) => 1,
            Err(_) => 2,
        }] += 1;
    }
    // The sweep reaches every outcome, so it exercises the parsers.
    assert!(outcomes.iter().all(|&count| count > 0), "{outcomes:?}");
}
