//! Version edit tests, after LevelDB's version_edit_test, plus malformed
//! input and the FORMAT.md worked example.

use super::*;
use crate::store::dbformat::{SEQUENCE_NUMBER_MAX, ValueType};

fn file(number: u64, size: u64, smallest: &[u8], largest: &[u8], sequence: u64) -> FileMetaData {
    FileMetaData {
        number,
        file_size: size,
        smallest: InternalKey::new(smallest, sequence, ValueType::Value),
        largest: InternalKey::new(largest, sequence + 1, ValueType::Deletion),
    }
}

fn round_trip(edit: &VersionEdit) {
    let mut encoded = Vec::new();
    edit.encode(&mut encoded);
    let decoded = VersionEdit::decode(&encoded).unwrap();
    assert_eq!(&decoded, edit);
    let mut encoded_again = Vec::new();
    decoded.encode(&mut encoded_again);
    assert_eq!(encoded_again, encoded);
}

fn full_edit() -> VersionEdit {
    const BIG: u64 = 1 << 50;
    let mut edit = VersionEdit::new();
    for i in 0..4u64 {
        round_trip(&edit);
        edit.add_file(
            3,
            file(BIG + 300 + i, BIG + 400 + i, b"foo", b"zoo", BIG + 500 + i),
        );
        edit.remove_file(4, BIG + 700 + i);
        let pointer = InternalKey::new(b"x", BIG + 900 + i, ValueType::Value);
        edit.set_compact_pointer(i as usize, pointer);
    }
    edit.comparator = Some("foo".into());
    edit.log_number = Some(BIG + 100);
    edit.next_file_number = Some(BIG + 200);
    edit.last_sequence = Some(BIG + 1000);
    edit
}

#[test]
fn every_field_round_trips() {
    let mut edit = full_edit();
    round_trip(&edit);
    edit.prev_log_number = Some(0);
    edit.last_sequence = Some(SEQUENCE_NUMBER_MAX);
    round_trip(&edit);
}

#[test]
fn empty_edit_encodes_to_nothing() {
    let mut encoded = Vec::new();
    VersionEdit::new().encode(&mut encoded);
    assert!(encoded.is_empty());
    assert_eq!(VersionEdit::decode(&[]).unwrap(), VersionEdit::new());
}

#[test]
fn worked_example_matches_format_doc() {
    // FORMAT.md, "MANIFEST": log 5, next file 7, last sequence 9, and
    // table 6 (1000 bytes, keys "a"@8..."b"@9) added at level 0.
    let mut edit = VersionEdit::new();
    edit.log_number = Some(5);
    edit.next_file_number = Some(7);
    edit.last_sequence = Some(9);
    edit.add_file(0, file(6, 1000, b"a", b"b", 8));
    let mut encoded = Vec::new();
    edit.encode(&mut encoded);
    #[rustfmt::skip]
    let expected = [
        0x02, 0x05, // log number 5
        0x03, 0x07, // next file number 7
        0x04, 0x09, // last sequence 9
        0x07, 0x00, 0x06, 0xe8, 0x07, // new file: level 0, number 6, 1000 bytes
        0x09, b'a', 0x01, 0x08, 0, 0, 0, 0, 0, 0, // smallest "a"@8 Value
        0x09, b'b', 0x00, 0x09, 0, 0, 0, 0, 0, 0, // largest "b"@9 Deletion
    ];
    assert_eq!(encoded, expected);
    assert_eq!(VersionEdit::decode(&expected).unwrap(), edit);
    assert!(crate::store::testing::format_doc_shows(&expected));
}

#[test]
fn every_truncation_is_an_error_or_a_shorter_edit() {
    let mut encoded = Vec::new();
    full_edit().encode(&mut encoded);
    let mut errors = 0;
    for cut in 0..encoded.len() {
        match VersionEdit::decode(&encoded[..cut]) {
            Ok(edit) => assert_ne!(edit, full_edit(), "cut {cut}"),
            Err(VersionEditError::Truncated { .. } | VersionEditError::BadInternalKey { .. }) => {
                errors += 1;
            }
            Err(other) => panic!("cut {cut}: unexpected {other}"),
        }
    }
    assert!(errors > encoded.len() / 2, "{errors} errors");
}

#[test]
fn unknown_tag_is_an_error_with_its_offset() {
    let mut encoded = vec![0x02, 0x05];
    encoded.extend([0x08, 0x01]);
    let error = VersionEdit::decode(&encoded).unwrap_err();
    assert_eq!(error, VersionEditError::UnknownTag { tag: 8, offset: 2 });
}

#[test]
fn level_out_of_range_is_an_error() {
    let encoded = [0x06, LEVELS as u8, 0x01];
    let error = VersionEdit::decode(&encoded).unwrap_err();
    let expected = VersionEditError::BadLevel {
        level: LEVELS as u32,
        offset: 0,
    };
    assert_eq!(error, expected);
}

#[test]
fn short_or_mistyped_internal_key_is_an_error() {
    let short = [0x05, 0x00, 0x03, b'a', b'b', b'c'];
    let error = VersionEdit::decode(&short).unwrap_err();
    assert!(matches!(
        error,
        VersionEditError::BadInternalKey { offset: 0, .. }
    ));
    let bad_type = [0x05, 0x01, 0x09, b'a', 0x07, 1, 0, 0, 0, 0, 0, 0];
    let error = VersionEdit::decode(&bad_type).unwrap_err();
    let expected = VersionEditError::BadInternalKey {
        error: InternalKeyError::UnknownValueType(7),
        offset: 0,
    };
    assert_eq!(error, expected);
}

#[test]
fn comparator_name_must_be_utf8() {
    let encoded = [0x01, 0x02, 0xff, 0xfe];
    let error = VersionEdit::decode(&encoded).unwrap_err();
    assert_eq!(error, VersionEditError::BadComparatorName { offset: 0 });
}

#[test]
fn every_byte_flip_decodes_or_errs_without_panic() {
    let mut encoded = Vec::new();
    full_edit().encode(&mut encoded);
    for offset in 0..encoded.len() {
        for bit in 0..8 {
            let mut damaged = encoded.clone();
            damaged[offset] ^= 1 << bit;
            let _ = VersionEdit::decode(&damaged);
        }
    }
}

#[test]
#[should_panic(expected = "out of range")]
fn adding_a_file_past_the_last_level_is_a_programmer_error() {
    VersionEdit::new().add_file(LEVELS, file(1, 1, b"a", b"b", 1));
}
