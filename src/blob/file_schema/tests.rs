//! Tests of the `file` / `bytes` schema format.

use super::*;

fn chunk_ref(index: u32) -> BlobRef {
    BlobRef::of_bytes(&index.to_le_bytes())
}

#[test]
fn file_blob_is_written_in_perkeeps_canonical_layout() {
    let meta = FileMeta {
        file_name: String::from("a.txt"),
        unix_mtime: None,
    };
    let blob = BlobRef::of_bytes(b"hello");
    let text = file_schema(&meta, &[Part::blob(blob, 5)]);
    let expected = format!(
        "{{\"camliVersion\": 1,\n  \"camliType\": \"file\",\n  \"fileName\": \"a.txt\",\n  \
         \"parts\": [\n    {{\n      \"blobRef\": \"{blob}\",\n      \"size\": 5\n    }}\n  \
         ]\n}}"
    );
    assert_eq!(text, expected);
}

#[test]
fn offset_is_written_only_when_not_zero_and_zeros_have_no_ref() {
    let mut part = Part::bytes(chunk_ref(1), 10);
    assert!(part_value(&part).get("offset").is_none());
    part.offset = 3;
    assert_eq!(
        part_value(&part).get("offset").and_then(Value::as_u64),
        Some(3)
    );
    let zeros = Part {
        target: PartTarget::Zeros,
        size: 7,
        offset: 0,
    };
    let value = part_value(&zeros);
    assert!(value.get("blobRef").is_none() && value.get("bytesRef").is_none());
}

#[test]
fn empty_file_name_is_left_out_and_empty_parts_stay_an_array() {
    let text = file_schema(&FileMeta::default(), &[]);
    assert!(!text.contains("fileName"), "{text}");
    assert!(text.contains("\"parts\": []"), "{text}");
    let parsed = ContentSchema::parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.size(), 0);
    assert_eq!(parsed.file_name, None);
}

#[test]
fn parse_inverts_writing_for_file_and_bytes() {
    let parts = vec![
        Part::blob(chunk_ref(1), 262_144),
        Part {
            target: PartTarget::Bytes(chunk_ref(2)),
            size: 1000,
            offset: 24,
        },
        Part {
            target: PartTarget::Zeros,
            size: 5,
            offset: 0,
        },
    ];
    let meta = FileMeta {
        file_name: String::from("naïve \"quoted\".bin"),
        unix_mtime: Some(String::from("2026-11-21T23:40:02Z")),
    };
    let file = ContentSchema::parse(file_schema(&meta, &parts).as_bytes()).unwrap();
    assert_eq!(file.content_type, ContentType::File);
    assert_eq!(file.file_name.as_deref(), Some(meta.file_name.as_str()));
    assert_eq!(file.parts, parts);
    assert_eq!(file.size(), 262_144 + 1000 + 5);
    assert_eq!(file.part_start(2), 263_144);
    let bytes = ContentSchema::parse(bytes_schema(&parts).as_bytes()).unwrap();
    assert_eq!(bytes.content_type, ContentType::Bytes);
    assert_eq!(bytes.parts, parts);
}

#[test]
fn parse_accepts_any_valid_json_layout_and_ignores_other_members() {
    let text = format!(
        r#"{{"parts":[{{"size":3,"blobRef":"{}"}}],"camliType":"bytes","x":[1],"camliVersion":1}}"#,
        chunk_ref(9)
    );
    let parsed = ContentSchema::parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.parts, vec![Part::blob(chunk_ref(9), 3)]);
}

fn parse_error(text: &str) -> SchemaError {
    ContentSchema::parse(text.as_bytes()).expect_err(text)
}

#[test]
fn parse_rejects_documents_that_are_not_content_schemas() {
    let head = r#"{"camliVersion":1,"camliType":"file","parts":"#;
    let cases: Vec<(String, SchemaError)> = vec![
        (String::from("[]"), SchemaError::NotAnObject),
        (
            String::from(r#"{"camliVersion":2,"camliType":"file","parts":[]}"#),
            SchemaError::BadCamliVersion,
        ),
        (
            String::from(r#"{"camliType":"file","parts":[]}"#),
            SchemaError::BadCamliVersion,
        ),
        (
            String::from(r#"{"camliVersion":1,"camliType":"permanode","parts":[]}"#),
            SchemaError::NotContent,
        ),
        (
            String::from(r#"{"camliVersion":1,"camliType":"file"}"#),
            SchemaError::MissingParts,
        ),
        (format!("{head}{{}}}}"), SchemaError::MissingParts),
        (
            String::from(r#"{"camliVersion":1,"camliType":"file","fileName":7,"parts":[]}"#),
            SchemaError::BadFileName,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_error(&text), expected, "{text}");
    }
    assert!(matches!(parse_error("{"), SchemaError::Json(_)));
    assert!(matches!(parse_error(""), SchemaError::Json(_)));
}

#[test]
fn parse_rejects_each_broken_part_rule_precisely() {
    let good = chunk_ref(1);
    let head = r#"{"camliVersion":1,"camliType":"file","parts":"#;
    let cases: Vec<(String, SchemaError)> = vec![
        (
            format!("{head}[1]}}"),
            SchemaError::PartNotObject { index: 0 },
        ),
        (
            format!(r#"{head}[{{"size":1,"blobRef":"{good}","bytesRef":"{good}"}}]}}"#),
            SchemaError::PartHasTwoRefs { index: 0 },
        ),
        (
            format!(r#"{head}[{{"size":1}},{{"size":1,"blobRef":"sha224-00"}}]}}"#),
            SchemaError::PartBadRef {
                index: 1,
                error: BlobRefError::WrongDigestLength {
                    kind: crate::blob::HashKind::Sha224,
                    expected: 56,
                    actual: 2,
                },
            },
        ),
        (
            format!(r#"{head}[{{"blobRef":"{good}"}}]}}"#),
            SchemaError::PartBadNumber { index: 0 },
        ),
        (
            format!(r#"{head}[{{"size":-1}}]}}"#),
            SchemaError::PartBadNumber { index: 0 },
        ),
        (
            format!(r#"{head}[{{"size":1.5}}]}}"#),
            SchemaError::PartBadNumber { index: 0 },
        ),
        (
            format!(r#"{head}[{{"size":"1"}}]}}"#),
            SchemaError::PartBadNumber { index: 0 },
        ),
        (
            format!(r#"{head}[{{"size":1,"offset":-2}}]}}"#),
            SchemaError::PartBadNumber { index: 0 },
        ),
        (
            format!(r#"{head}[{{"size":18446744073709551615}},{{"size":1}}]}}"#),
            SchemaError::SizeOverflow,
        ),
        (
            format!(r#"{head}[{{"size":2,"offset":18446744073709551615}}]}}"#),
            SchemaError::SizeOverflow,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_error(&text), expected, "{text}");
    }
}

#[test]
fn parse_refuses_blobs_over_the_schema_size_limit_and_too_many_parts() {
    let huge = vec![b' '; SCHEMA_BYTES_MAX + 1];
    assert_eq!(
        ContentSchema::parse(&huge),
        Err(SchemaError::TooLarge {
            bytes: SCHEMA_BYTES_MAX + 1
        })
    );
    let many = vec![r#"{"size":1}"#; PARTS_MAX + 1].join(",");
    let text = format!(r#"{{"camliVersion":1,"camliType":"bytes","parts":[{many}]}}"#);
    assert_eq!(
        parse_error(&text),
        SchemaError::TooManyParts {
            count: PARTS_MAX + 1
        }
    );
}

#[test]
fn parts_covering_finds_exactly_the_overlapping_parts() {
    // Parts of sizes 10, 0, 5, 20 at 0, 10, 10, 15.
    let parts = [10, 0, 5, 20].map(|size| Part::blob(chunk_ref(size as u32), size));
    let schema = ContentSchema::parse(bytes_schema(&parts).as_bytes()).unwrap();
    let sizes = |(first, found): (usize, &[Part])| -> (usize, Vec<u64>) {
        (first, found.iter().map(|part| part.size).collect())
    };
    assert_eq!(sizes(schema.parts_covering(0, 1)), (0, vec![10]));
    assert_eq!(sizes(schema.parts_covering(9, 11)), (0, vec![10, 0, 5]));
    assert_eq!(sizes(schema.parts_covering(10, 15)), (2, vec![5]));
    assert_eq!(sizes(schema.parts_covering(14, 16)), (2, vec![5, 20]));
    assert_eq!(sizes(schema.parts_covering(0, 35)), (0, vec![10, 0, 5, 20]));
    assert_eq!(sizes(schema.parts_covering(34, 100)), (3, vec![20]));
    assert_eq!(sizes(schema.parts_covering(35, 40)).1, Vec::<u64>::new());
    assert_eq!(sizes(schema.parts_covering(5, 5)).1, Vec::<u64>::new());
}
