//! Internal key tests, after LevelDB's dbformat_test.

use super::*;

fn internal(user_key: &[u8], sequence: SequenceNumber, value_type: ValueType) -> Vec<u8> {
    let mut out = Vec::new();
    append_internal_key(&mut out, user_key, sequence, value_type);
    out
}

#[test]
fn internal_keys_round_trip_through_parse() {
    let keys: [&[u8]; 5] = [
        b"",
        b"k",
        b"hello",
        b"longggggggggggggggggggggg",
        b"\xff\x00",
    ];
    let sequences = [
        1,
        2,
        3,
        (1 << 8) - 1,
        1 << 8,
        (1 << 32) + 1,
        SEQUENCE_NUMBER_MAX,
    ];
    let types = [
        ValueType::Deletion,
        ValueType::Value,
        ValueType::ValuePointer,
    ];
    for key in keys {
        for sequence in sequences {
            for value_type in types {
                let encoded = internal(key, sequence, value_type);
                let parsed = parse_internal_key(&encoded).unwrap();
                assert_eq!(parsed.user_key, key);
                assert_eq!(parsed.sequence, sequence);
                assert_eq!(parsed.value_type, value_type);
                assert_eq!(extract_user_key(&encoded), key);
            }
        }
    }
}

#[test]
fn worked_example_matches_format_doc() {
    // FORMAT.md, "Internal keys": user key "foo", sequence 5, Value.
    let encoded = internal(b"foo", 5, ValueType::Value);
    assert_eq!(encoded, [0x66, 0x6f, 0x6f, 0x01, 0x05, 0, 0, 0, 0, 0, 0]);
    let lookup = LookupKey::new(b"foo", 5);
    let expected = [0x0b, 0x66, 0x6f, 0x6f, 0x02, 0x05, 0, 0, 0, 0, 0, 0];
    assert_eq!(lookup.memtable_key(), expected);
    assert_eq!(lookup.internal_key(), &expected[1..]);
    assert_eq!(lookup.user_key(), b"foo");
    assert!(crate::store::testing::format_doc_shows(&encoded));
    assert!(crate::store::testing::format_doc_shows(
        lookup.memtable_key()
    ));
}

#[test]
fn lookup_keys_short_and_long_are_encoded_alike() {
    // Short keys are built inline, long ones on the heap: both must be
    // varint32(len + 8) ++ user key ++ fixed64(sequence << 8 | 2).
    for length in [0, 1, 100, 114, 115, 116, 120, 127, 128, 200, 300] {
        let user_key: Vec<u8> = (0..length).map(|at| at as u8).collect();
        let lookup = LookupKey::new(&user_key, 0x0102_0304);
        let mut expected = Vec::new();
        crate::util::varint::put_varint32(&mut expected, length as u32 + 8);
        let key_start = expected.len();
        append_internal_key(&mut expected, &user_key, 0x0102_0304, VALUE_TYPE_FOR_SEEK);
        assert_eq!(lookup.memtable_key(), &expected[..], "length {length}");
        assert_eq!(lookup.internal_key(), &expected[key_start..]);
        assert_eq!(lookup.user_key(), &user_key[..]);
    }
}

#[test]
fn bad_internal_keys_are_errors() {
    assert_eq!(
        parse_internal_key(b"short"),
        Err(InternalKeyError::TooShort { bytes: 5 })
    );
    let mut bad_type = internal(b"foo", 1, ValueType::Value);
    bad_type[3] = 9;
    assert_eq!(
        parse_internal_key(&bad_type),
        Err(InternalKeyError::UnknownValueType(9))
    );
    assert!(InternalKey::decode(&bad_type).is_err());
    assert_eq!(extract_user_key(b"abc"), b"abc");
    assert_eq!(extract_trailer(b"abc"), 0);
}

#[test]
#[should_panic(expected = "over 56 bits")]
fn sequence_over_56_bits_is_a_programmer_error() {
    pack_sequence_and_type(SEQUENCE_NUMBER_MAX + 1, ValueType::Value);
}

#[test]
fn order_is_user_key_ascending_then_sequence_and_type_descending() {
    let ordered = [
        internal(b"a", 9, ValueType::Value),
        internal(b"a", 5, ValueType::ValuePointer),
        internal(b"a", 5, ValueType::Value),
        internal(b"a", 5, ValueType::Deletion),
        internal(b"a", 1, ValueType::Value),
        internal(b"a\x00", 100, ValueType::Value),
        internal(b"b", 100, ValueType::Value),
    ];
    for pair in ordered.windows(2) {
        assert_eq!(compare_internal_keys(&pair[0], &pair[1]), Ordering::Less);
        assert_eq!(compare_internal_keys(&pair[1], &pair[0]), Ordering::Greater);
    }
    let lookup = LookupKey::new(b"a", 5);
    let seek = lookup.internal_key();
    assert_eq!(compare_internal_keys(seek, &ordered[1]), Ordering::Equal);
    assert_eq!(compare_internal_keys(seek, &ordered[2]), Ordering::Less);
    assert_eq!(compare_internal_keys(seek, &ordered[0]), Ordering::Greater);
}

fn shorten(start: Vec<u8>, limit: Vec<u8>) -> Vec<u8> {
    let mut shortened = start;
    InternalKeyComparator.find_shortest_separator(&mut shortened, &limit);
    shortened
}

fn successor(key: Vec<u8>) -> Vec<u8> {
    let mut shortened = key;
    InternalKeyComparator.find_short_successor(&mut shortened);
    shortened
}

#[test]
fn shortest_separator_keeps_keys_it_cannot_shorten() {
    let foo = internal(b"foo", 100, ValueType::Value);
    let same = [
        internal(b"foo", 99, ValueType::Value),
        internal(b"foo", 101, ValueType::Value),
        internal(b"foo", 100, ValueType::Value),
        internal(b"foo", 100, ValueType::Deletion),
        internal(b"bar", 99, ValueType::Value),
        internal(b"foobar", 200, ValueType::Value),
        internal(b"fop", 200, ValueType::Value), // no byte to grow
    ];
    for limit in same {
        assert_eq!(shorten(foo.clone(), limit), foo);
    }
}

#[test]
fn shortest_separator_grows_a_byte_and_takes_the_seek_trailer() {
    let foo = internal(b"foo", 100, ValueType::Value);
    let expected = internal(b"g", SEQUENCE_NUMBER_MAX, VALUE_TYPE_FOR_SEEK);
    assert_eq!(
        shorten(foo, internal(b"hello", 200, ValueType::Value)),
        expected
    );
    let short = shorten(
        internal(b"abcdefg", 1, ValueType::Value),
        internal(b"abzz", 1, ValueType::Value),
    );
    assert_eq!(extract_user_key(&short), b"abd");
}

#[test]
fn short_successor_grows_the_first_growable_byte() {
    let expected = internal(b"g", SEQUENCE_NUMBER_MAX, VALUE_TYPE_FOR_SEEK);
    assert_eq!(successor(internal(b"foo", 100, ValueType::Value)), expected);
    let all_ff = internal(b"\xff\xff", 100, ValueType::Value);
    assert_eq!(successor(all_ff.clone()), all_ff);
}

#[test]
fn internal_key_debug_shows_its_parts() {
    let key = InternalKey::new(b"k\x01", 7, ValueType::Deletion);
    assert_eq!(format!("{key:?}"), "'k\\x01' @ 7 : Deletion");
    assert_eq!(key.user_key(), b"k\x01");
}
