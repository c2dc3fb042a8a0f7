//! Directory and static-set tests.

use super::*;

fn reference(index: usize) -> BlobRef {
    BlobRef::of_bytes(format!("entry {index}").as_bytes())
}

#[test]
fn directory_round_trips_with_and_without_a_name() {
    for name in ["docs", ""] {
        let directory = Directory {
            file_name: name.to_owned(),
            entries: reference(0),
        };
        let bytes = directory.to_canonical();
        assert_eq!(bytes.contains("fileName"), !name.is_empty());
        assert_eq!(Directory::parse(bytes.as_bytes()), Ok(directory));
    }
}

#[test]
fn directory_written_by_perkeep_with_unix_members_parses() {
    let text = format!(
        r#"{{"camliVersion":1,"camliType":"directory","entries":"{}","fileName":"d",
        "unixPermission":"0755","unixMtime":"2020-01-01T00:00:00Z"}}"#,
        reference(1)
    );
    assert_eq!(Directory::parse(text.as_bytes()).unwrap().file_name, "d");
}

#[test]
fn directory_errors_are_precise() {
    let missing = r#"{"camliVersion":1,"camliType":"directory","fileName":"d"}"#;
    assert_eq!(
        Directory::parse(missing.as_bytes()),
        Err(SchemaError::MissingField { field: "entries" })
    );
    let bad = r#"{"camliVersion":1,"camliType":"directory","entries":"nope"}"#;
    assert!(matches!(
        Directory::parse(bad.as_bytes()),
        Err(SchemaError::BadRef {
            field: "entries",
            ..
        })
    ));
}

#[test]
fn a_small_set_is_one_sorted_blob_without_duplicates() {
    let refs = vec![reference(2), reference(1), reference(2)];
    let blobs = static_set_blobs(&refs).unwrap();
    let mut expected = vec![reference(1), reference(2)];
    expected.sort();
    assert_eq!(blobs.top, StaticSet::Members(expected));
    assert!(blobs.subsets.is_empty());
    let bytes = blobs.top.to_canonical();
    assert_eq!(StaticSet::parse(bytes.as_bytes()), Ok(blobs.top));
}

#[test]
fn an_empty_set_is_an_empty_members_list() {
    let blobs = static_set_blobs(&[]).unwrap();
    assert!(blobs.top.to_canonical().contains("\"members\": []"));
}

#[test]
fn a_set_beyond_the_limit_splits_into_merge_sets() {
    let refs: Vec<BlobRef> = (0..SET_MEMBERS_MAX + 1).map(reference).collect();
    let blobs = static_set_blobs(&refs).unwrap();
    assert_eq!(blobs.subsets.len(), 2);
    let StaticSet::MergeSets(parts) = &blobs.top else {
        panic!("expected mergeSets, got {:?}", blobs.top)
    };
    assert_eq!(
        parts,
        &[blobs.subsets[0].blob_ref(), blobs.subsets[1].blob_ref()]
    );
    let mut total = 0;
    for subset in &blobs.subsets {
        let StaticSet::Members(members) = subset else {
            panic!("subsets list members")
        };
        assert!(members.len() <= SET_MEMBERS_MAX);
        total += members.len();
        assert_eq!(
            StaticSet::parse(subset.to_canonical().as_bytes()).as_ref(),
            Ok(subset)
        );
    }
    assert_eq!(total, SET_MEMBERS_MAX + 1);
    let exactly = static_set_blobs(&refs[..SET_MEMBERS_MAX]).unwrap();
    assert!(exactly.subsets.is_empty());
}

#[test]
fn static_set_errors_are_precise() {
    let one = reference(0);
    let cases = [
        (
            format!(
                r#"{{"camliVersion":1,"camliType":"static-set",
                "members":["{one}"],"mergeSets":[]}}"#
            ),
            SchemaError::MembersAndMergeSets,
        ),
        (
            r#"{"camliVersion":1,"camliType":"static-set"}"#.to_owned(),
            SchemaError::MissingField { field: "members" },
        ),
        (
            r#"{"camliVersion":1,"camliType":"static-set","members":"x"}"#.to_owned(),
            SchemaError::NotAnArray { field: "members" },
        ),
        (
            r#"{"camliVersion":1,"camliType":"static-set","mergeSets":[1]}"#.to_owned(),
            SchemaError::NotAString { field: "mergeSets" },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(StaticSet::parse(text.as_bytes()), Err(expected), "{text}");
    }
    let many: Vec<String> = (0..=SET_MEMBERS_MAX)
        .map(|i| format!("\"{}\"", reference(i)))
        .collect();
    let text = format!(
        r#"{{"camliVersion":1,"camliType":"static-set","members":[{}]}}"#,
        many.join(",")
    );
    assert_eq!(
        StaticSet::parse(text.as_bytes()),
        Err(SchemaError::TooManyMembers {
            field: "members",
            count: SET_MEMBERS_MAX + 1
        })
    );
}
