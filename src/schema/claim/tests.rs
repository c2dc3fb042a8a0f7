//! Claim tests: canonical bytes, round trips, and one rejection per rule.

use super::*;

fn reference(seed: &str) -> BlobRef {
    BlobRef::of_bytes(seed.as_bytes())
}

fn date(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

fn builder() -> ClaimBuilder {
    ClaimBuilder::new(reference("signer"), date("2026-11-21T23:40:02.123456789Z"))
}

fn every_kind() -> Vec<Claim> {
    let node = reference("node");
    vec![
        builder()
            .set_attribute(node, "camliContent", "v")
            .build()
            .unwrap(),
        builder().add_attribute(node, "tag", "x").build().unwrap(),
        builder().del_attribute(node, "tag").build().unwrap(),
        builder().del_value(node, "tag", "x").build().unwrap(),
        builder().delete(reference("claim")).build().unwrap(),
        builder()
            .set_attribute(node, "title", "t")
            .del_attribute(reference("other"), "strataPlace")
            .delete(reference("gone"))
            .build()
            .unwrap(),
        builder()
            .set_attribute(node, "a", "v")
            .multi()
            .build()
            .unwrap(),
    ]
}

/// Replaces `member`'s value in a claim's canonical JSON with `with`.
fn edited(claim: &Claim, member: &str, with: Option<Value>) -> Vec<u8> {
    let value = crate::util::json::parse(claim.to_canonical().as_bytes()).unwrap();
    let Value::Object(mut members) = value else {
        panic!("claims are objects")
    };
    members.retain(|(name, _)| name != member);
    if let Some(with) = with {
        members.push((member.to_owned(), with));
    }
    crate::util::json::to_compact(&Value::Object(members)).into_bytes()
}

#[test]
fn every_claim_kind_round_trips_through_its_canonical_bytes() {
    for claim in every_kind() {
        let bytes = claim.to_canonical();
        assert_eq!(Claim::parse(bytes.as_bytes()), Ok(claim.clone()), "{bytes}");
        assert_eq!(
            Claim::parse(bytes.as_bytes()).unwrap().to_canonical(),
            bytes
        );
    }
}

#[test]
fn the_same_claim_always_has_the_same_bytes_and_ref() {
    let one = builder()
        .set_attribute(reference("n"), "a", "v")
        .build()
        .unwrap();
    let two = builder()
        .set_attribute(reference("n"), "a", "v")
        .build()
        .unwrap();
    assert_eq!(one.to_canonical(), two.to_canonical());
    assert_eq!(one.blob_ref(), two.blob_ref());
    let later = ClaimBuilder::new(reference("signer"), date("2026-11-21T23:40:02.12345679Z"))
        .set_attribute(reference("n"), "a", "v")
        .build()
        .unwrap();
    assert_ne!(one.blob_ref(), later.blob_ref());
}

#[test]
fn canonical_bytes_leave_room_for_a_signature() {
    for claim in every_kind() {
        let bytes = claim.to_canonical();
        assert!(bytes.starts_with("{\"camliVersion\": 1,\n"));
        assert!(bytes.ends_with("\n}"), "{bytes}");
        assert!(!bytes.contains("camliSig\""), "{bytes}");
        let signed = format!("{},\"camliSig\":\"sig\"}}\n", &bytes[..bytes.len() - 1]);
        assert_eq!(Claim::parse(signed.as_bytes()), Ok(claim));
    }
}

#[test]
fn claim_date_has_nanoseconds_only_when_not_zero() {
    let node = reference("n");
    let whole = ClaimBuilder::new(reference("s"), date("2026-01-02T03:04:05Z"));
    let bytes = whole
        .set_attribute(node, "a", "v")
        .build()
        .unwrap()
        .to_canonical();
    assert!(
        bytes.contains("\"claimDate\": \"2026-01-02T03:04:05Z\""),
        "{bytes}"
    );
    let fraction = ClaimBuilder::new(reference("s"), date("2026-01-02T03:04:05.5Z"));
    let bytes = fraction
        .set_attribute(node, "a", "v")
        .build()
        .unwrap()
        .to_canonical();
    assert!(
        bytes.contains("\"claimDate\": \"2026-01-02T03:04:05.5Z\""),
        "{bytes}"
    );
}

#[test]
fn a_date_with_an_offset_is_read_as_the_same_instant() {
    let claim = builder()
        .set_attribute(reference("n"), "a", "v")
        .build()
        .unwrap();
    let text = Value::from("2026-11-22T01:40:02.123456789+02:00");
    let parsed = Claim::parse(&edited(&claim, "claimDate", Some(text))).unwrap();
    assert_eq!(parsed.date, claim.date);
}

#[test]
fn del_attribute_without_value_omits_the_member() {
    let claim = builder()
        .del_attribute(reference("n"), "tag")
        .build()
        .unwrap();
    assert!(!claim.to_canonical().contains("\"value\""));
}

#[test]
fn multi_writes_each_sub_claim_with_its_own_perma_node() {
    let claim = builder()
        .set_attribute(reference("a"), "strataPlace", "p")
        .set_attribute(reference("b"), "strataPlace", "q")
        .build()
        .unwrap();
    assert_eq!(claim.claim_type(), ClaimType::Multi);
    let bytes = claim.to_canonical();
    assert!(bytes.contains(&format!("\"permaNode\": \"{}\"", reference("a"))));
    assert!(bytes.contains(&format!("\"permaNode\": \"{}\"", reference("b"))));
    assert_eq!(claim.changes().len(), 2);
}

#[test]
fn builder_refuses_an_empty_claim_and_limits() {
    let node = reference("n");
    assert_eq!(
        builder().build(),
        Err(SchemaError::BadSubClaimCount { count: 0 })
    );
    assert_eq!(
        builder().set_attribute(node, "", "v").build(),
        Err(SchemaError::BadAttributeName { bytes: 0 })
    );
    let long_name = "a".repeat(ATTRIBUTE_NAME_BYTES_MAX + 1);
    assert!(
        builder()
            .set_attribute(node, &long_name[1..], "v")
            .build()
            .is_ok()
    );
    assert!(
        builder()
            .set_attribute(node, &long_name, "v")
            .build()
            .is_err()
    );
    let long_value = "v".repeat(VALUE_BYTES_MAX + 1);
    assert!(
        builder()
            .add_attribute(node, "a", &long_value[1..])
            .build()
            .is_ok()
    );
    assert_eq!(
        builder().add_attribute(node, "a", &long_value).build(),
        Err(SchemaError::ValueTooLong {
            bytes: VALUE_BYTES_MAX + 1
        })
    );
    let mut many = builder();
    for _ in 0..=SUB_CLAIMS_MAX {
        many = many.delete(node);
    }
    assert_eq!(
        many.build(),
        Err(SchemaError::BadSubClaimCount {
            count: SUB_CLAIMS_MAX + 1
        })
    );
}

fn set_claim() -> Claim {
    builder()
        .set_attribute(reference("n"), "a", "v")
        .build()
        .unwrap()
}

#[test]
fn parse_refuses_a_claim_missing_any_required_member() {
    let claim = set_claim();
    let required = [
        "claimType",
        "permaNode",
        "attribute",
        "value",
        "camliSigner",
        "claimDate",
    ];
    for field in required {
        let bytes = edited(&claim, field, None);
        assert_eq!(
            Claim::parse(&bytes),
            Err(SchemaError::MissingField { field })
        );
    }
}

#[test]
fn parse_refuses_each_wrongly_typed_or_foreign_member() {
    let claim = set_claim();
    let number = || Some(Value::from(7u32));
    let share = || SchemaError::UnknownClaimType {
        found: "share".to_owned(),
    };
    let wrong_type = || SchemaError::WrongCamliType {
        expected: "claim",
        found: "permanode".to_owned(),
    };
    let cases: Vec<(&str, Option<Value>, SchemaError)> = vec![
        ("claimType", Some(Value::from("share")), share()),
        (
            "value",
            number(),
            SchemaError::NotAString { field: "value" },
        ),
        (
            "claimDate",
            number(),
            SchemaError::NotAString { field: "claimDate" },
        ),
        (
            "attribute",
            number(),
            SchemaError::NotAString { field: "attribute" },
        ),
        (
            "camliSig",
            number(),
            SchemaError::NotAString { field: "camliSig" },
        ),
        ("target", Some(Value::from("x")), foreign("target")),
        ("claims", Some(Value::from("x")), foreign("claims")),
        ("camliType", Some(Value::from("permanode")), wrong_type()),
        (
            "camliVersion",
            Some(Value::from(2u32)),
            SchemaError::BadCamliVersion,
        ),
    ];
    for (member, with, expected) in cases {
        let bytes = edited(&claim, member, with);
        assert_eq!(Claim::parse(&bytes), Err(expected), "{member}");
    }
}

fn foreign(field: &str) -> SchemaError {
    SchemaError::UnexpectedField {
        field: field.to_owned(),
    }
}

#[test]
fn parse_refuses_bad_refs_and_dates() {
    let claim = builder()
        .set_attribute(reference("n"), "a", "v")
        .build()
        .unwrap();
    let bad_ref = Some(Value::from("sha224-XYZ"));
    let bytes = edited(&claim, "permaNode", bad_ref);
    assert!(matches!(
        Claim::parse(&bytes),
        Err(SchemaError::BadRef {
            field: "permaNode",
            ..
        })
    ));
    for text in [
        "2026-13-01T00:00:00Z",
        "2026-01-01T00:00:00.1234567891Z",
        "yesterday",
        "1700000000",
        "",
    ] {
        let bytes = edited(&claim, "claimDate", Some(Value::from(text)));
        assert!(
            matches!(Claim::parse(&bytes), Err(SchemaError::BadDate(_))),
            "{text}"
        );
    }
}

#[test]
fn delete_claims_refuse_attribute_members() {
    let claim = builder().delete(reference("t")).build().unwrap();
    let bytes = edited(&claim, "attribute", Some(Value::from("a")));
    assert_eq!(
        Claim::parse(&bytes),
        Err(SchemaError::UnexpectedField {
            field: "attribute".to_owned()
        })
    );
    let bytes = edited(&claim, "target", None);
    assert_eq!(
        Claim::parse(&bytes),
        Err(SchemaError::MissingField { field: "target" })
    );
}

#[test]
fn multi_errors_name_the_sub_claim() {
    let claim = builder()
        .set_attribute(reference("a"), "x", "1")
        .set_attribute(reference("b"), "x", "2")
        .build()
        .unwrap();
    let sub = |members: Value| {
        let claims = Value::from(vec![sub_claim_value(&claim.changes()[0]), members]);
        Claim::parse(&edited(&claim, "claims", Some(claims)))
    };
    let nested = Value::object([("claimType", Value::from("multi"))]);
    assert_eq!(sub(nested), Err(SchemaError::NestedMulti { index: 1 }));
    assert_eq!(
        sub(Value::from(3u32)),
        Err(SchemaError::SubClaim {
            index: 1,
            error: Box::new(SchemaError::NotAnObject)
        })
    );
    let dated = Value::object([
        ("claimType", Value::from("delete")),
        ("target", Value::from(reference("t").as_str())),
        ("claimDate", Value::from("2026-01-01T00:00:00Z")),
    ]);
    assert!(matches!(
        sub(dated),
        Err(SchemaError::SubClaim { index: 1, .. })
    ));
    let empty = Claim::parse(&edited(&claim, "claims", Some(Value::from(Vec::new()))));
    assert_eq!(empty, Err(SchemaError::BadSubClaimCount { count: 0 }));
    let not_array = Claim::parse(&edited(&claim, "claims", Some(Value::from("x"))));
    assert_eq!(not_array, Err(SchemaError::NotAnArray { field: "claims" }));
}

#[test]
fn a_sub_claim_over_a_limit_is_named_by_its_index() {
    let long_value = "v".repeat(VALUE_BYTES_MAX + 1);
    let claim = builder()
        .set_attribute(reference("a"), "x", "1")
        .set_attribute(reference("b"), "x", "2")
        .build()
        .unwrap();
    let Value::Object(mut sub) = sub_claim_value(&claim.changes()[1]) else {
        panic!("sub-claims are objects")
    };
    sub.retain(|(name, _)| name != "value");
    sub.push(("value".to_owned(), Value::from(long_value.as_str())));
    let claims = Value::from(vec![
        sub_claim_value(&claim.changes()[0]),
        Value::Object(sub),
    ]);
    assert_eq!(
        Claim::parse(&edited(&claim, "claims", Some(claims))),
        Err(SchemaError::SubClaim {
            index: 1,
            error: Box::new(SchemaError::ValueTooLong {
                bytes: VALUE_BYTES_MAX + 1
            })
        })
    );
}
