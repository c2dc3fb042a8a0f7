//! Tests of the value-log bytes: the worked example of FORMAT.md, file
//! header, record header and pointer encodings, file names; decoders never
//! panic on random bytes.

use crate::store::env::{Env, MemEnv};
use crate::store::testing::Random;
use crate::store::vlog::error::Corruption;
use crate::store::vlog::format::*;
use crate::store::vlog::{parse_vlog_file_name, vlog_file_name, vlog_file_numbers};
use std::path::Path;

/// The worked example of FORMAT.md, byte for byte.
const WORKED_EXAMPLE: [u8; 34] = [
    0x53, 0x54, 0x52, 0x41, 0x56, 0x4c, 0x4f, 0x47, // magic
    0x01, 0x00, 0x00, 0x00, // version
    0x0f, 0xc5, 0xdf, 0xaa, // file header crc
    0x1c, 0x32, 0x85, 0x6e, // record header crc
    0x01, 0x02, 0x05, // kind, key_len, value_len
    0x6b, 0x31, // key
    0xbb, 0x1f, 0x1c, 0x19, // block crc
    0x68, 0x65, 0x6c, 0x6c, 0x6f, // value
];

#[test]
fn worked_example_matches_format_md() {
    let mut file = encode_file_header().to_vec();
    encode_record_header(b"k1", 5, &block_crcs(b"hello"), &mut file);
    file.extend_from_slice(b"hello");
    assert_eq!(file, WORKED_EXAMPLE);
    assert_eq!(crate::util::crc32c::value(b"hello"), 0x9a71_bb4c);
    let pointer = ValuePointer {
        file_number: 7,
        offset: 16,
        header_len: 13,
        value_len: 5,
    };
    let mut encoded = Vec::new();
    pointer.encode_to(&mut encoded);
    assert_eq!(encoded, [0x07, 0x10, 0x0d, 0x05]);
    let header = parse_record_header(&WORKED_EXAMPLE[16..29]).unwrap();
    assert_eq!(header.key, b"k1");
    assert_eq!(header.value_len, 5);
    assert_eq!(header.block_crcs, [0x191c_1fbb]);
    assert_eq!(header.header_len, 13);
}

#[test]
fn file_header_round_trips_and_rejects_each_damage() {
    let header = encode_file_header();
    assert_eq!(check_file_header(&header), Ok(()));
    for index in 0..header.len() {
        let mut damaged = header;
        damaged[index] ^= 0x01;
        assert!(check_file_header(&damaged).is_err(), "byte {index}");
    }
    let mut other_version = header;
    other_version[8] = 2;
    let crc = crate::util::crc32c::mask(crate::util::crc32c::value(&other_version[..12]));
    other_version[12..].copy_from_slice(&crc.to_le_bytes());
    let found = check_file_header(&other_version);
    assert_eq!(found, Err(Corruption::UnsupportedVersion { version: 2 }));
}

#[test]
fn block_count_splits_values_in_64_kib_blocks() {
    let cases = [
        (0, 0),
        (1, 1),
        (65535, 1),
        (65536, 1),
        (65537, 2),
        (16 << 20, 256),
    ];
    for (value_len, blocks) in cases {
        assert_eq!(block_count(value_len), blocks, "value_len {value_len}");
    }
    assert_eq!(block_bytes(65537, 0), 65536);
    assert_eq!(block_bytes(65537, 1), 1);
    assert_eq!(record_header_bytes(0, 0), RECORD_HEADER_BYTES_MIN);
}

fn sample_pointers() -> Vec<ValuePointer> {
    let mut pointers = Vec::new();
    for file_number in [0, 1, 127, 128, 999_999, u64::MAX] {
        for value_len in [0, 1, 4096, 65537, VALUE_BYTES_MAX] {
            let header_len = record_header_bytes(16, value_len) as u32;
            pointers.push(ValuePointer {
                file_number,
                offset: FILE_HEADER_BYTES + value_len * 3,
                header_len,
                value_len,
            });
        }
    }
    pointers
}

#[test]
fn value_pointer_round_trips_and_every_prefix_is_truncated() {
    for pointer in sample_pointers() {
        let mut encoded = Vec::new();
        pointer.encode_to(&mut encoded);
        assert!(encoded.len() <= ValuePointer::ENCODED_BYTES_MAX);
        assert_eq!(ValuePointer::decode(&encoded), Ok(pointer));
        for length in 0..encoded.len() {
            let decoded = ValuePointer::decode(&encoded[..length]);
            assert_eq!(
                decoded,
                Err(PointerError::Truncated),
                "{pointer:?} cut at {length}"
            );
        }
        encoded.push(0);
        assert_eq!(
            ValuePointer::decode(&encoded),
            Err(PointerError::TrailingBytes)
        );
    }
}

#[test]
fn value_pointer_with_a_padded_varint_is_not_canonical() {
    let padded = [0x87, 0x00, 0x10, 0x0d, 0x05];
    let decoded = ValuePointer::decode(&padded);
    assert_eq!(decoded, Err(PointerError::NotCanonical));
    let padded_last = [0x07, 0x10, 0x0d, 0x85, 0x00];
    let decoded = ValuePointer::decode(&padded_last);
    assert_eq!(decoded, Err(PointerError::NotCanonical));
}

#[test]
fn value_pointer_out_of_range_is_rejected() {
    let good = ValuePointer {
        file_number: 3,
        offset: 16,
        header_len: 7,
        value_len: 0,
    };
    let bad = [
        ValuePointer { offset: 15, ..good },
        ValuePointer {
            header_len: 6,
            ..good
        },
        ValuePointer {
            value_len: VALUE_BYTES_MAX + 1,
            ..good
        },
        ValuePointer {
            offset: u64::MAX - 3,
            ..good
        },
    ];
    for pointer in bad {
        let mut encoded = Vec::new();
        pointer.encode_to(&mut encoded);
        let decoded = ValuePointer::decode(&encoded);
        assert_eq!(decoded, Err(PointerError::OutOfRange), "{pointer:?}");
    }
}

#[test]
fn value_pointer_decode_never_panics_on_random_bytes() {
    let mut random = Random::from_env("value_pointer_decode_never_panics_on_random_bytes");
    for _ in 0..20_000 {
        let length = random.uniform(40) as usize;
        let bytes = random.bytes(length);
        if let Ok(pointer) = ValuePointer::decode(&bytes) {
            let mut encoded = Vec::new();
            pointer.encode_to(&mut encoded);
            assert_eq!(encoded, bytes, "only canonical encodings decode");
        }
    }
}

#[test]
fn record_header_parse_never_panics_on_random_bytes() {
    let mut random = Random::from_env("record_header_parse_never_panics_on_random_bytes");
    let mut header = Vec::new();
    encode_record_header(b"key", 200_000, &[1, 2, 3, 4], &mut header);
    for _ in 0..20_000 {
        let mut bytes = header.clone();
        let flips = 1 + random.uniform(3);
        for _ in 0..flips {
            let index = random.uniform(bytes.len() as u64) as usize;
            bytes[index] = random.next_u64() as u8;
        }
        let length = random.uniform(bytes.len() as u64 + 1) as usize;
        let parsed = parse_record_header(&bytes[..length]);
        if bytes[..length] != header[..] {
            assert!(parsed.is_err(), "damaged header accepted: {bytes:02x?}");
        }
        let _ = parse_prefix(&bytes[..length]);
    }
}

#[test]
fn prefix_of_a_cut_header_is_incomplete_not_bad() {
    let mut header = Vec::new();
    encode_record_header(b"key", 16 << 20, &[0; 256], &mut header);
    let prefix_len = parse_prefix(&header).unwrap().prefix_len as usize;
    for length in 0..prefix_len {
        let parsed = parse_prefix(&header[..length]);
        assert_eq!(parsed, Err(PrefixError::Incomplete), "cut at {length}");
    }
}

#[test]
fn prefix_rejects_unknown_kind_and_overlong_lengths() {
    let mut header = Vec::new();
    encode_record_header(b"key", 10, &[0], &mut header);
    header[4] = 2;
    let parsed = parse_prefix(&header);
    assert_eq!(
        parsed,
        Err(PrefixError::Bad(Corruption::UnknownKind { kind: 2 }))
    );
    let too_long = [0, 0, 0, 0, 1, 0, 0x81, 0x80, 0x80, 0x40];
    let what = Corruption::ValueTooLong {
        value_bytes: 1 + (0x40 << 21),
    };
    assert_eq!(parse_prefix(&too_long), Err(PrefixError::Bad(what)));
    let overlong_varint = [0, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0];
    let parsed = parse_prefix(&overlong_varint);
    assert_eq!(parsed, Err(PrefixError::Bad(Corruption::BadHeaderEncoding)));
}

#[test]
fn file_names_are_six_digit_numbers_with_vlog_suffix() {
    let dir = Path::new("/db");
    assert_eq!(vlog_file_name(dir, 7), Path::new("/db/000007.vlog"));
    assert_eq!(
        vlog_file_name(dir, 1_234_567),
        Path::new("/db/1234567.vlog")
    );
    assert_eq!(parse_vlog_file_name("000007.vlog"), Some(7));
    assert_eq!(parse_vlog_file_name("1234567.vlog"), Some(1_234_567));
    for name in [
        "7.vlog",
        "000007.log",
        "00000a.vlog",
        "000007.vlog.tmp",
        "+00007.vlog",
    ] {
        assert_eq!(parse_vlog_file_name(name), None, "{name}");
    }
}

#[test]
fn vlog_file_numbers_lists_only_value_log_files_in_order() {
    let memory = MemEnv::new();
    let dir = Path::new("/db");
    memory.create_dir_all(dir).unwrap();
    for name in [
        "000012.vlog",
        "000003.vlog",
        "000004.log",
        "CURRENT",
        "000100.vlog",
    ] {
        crate::store::env::write_file(&memory, &dir.join(name), b"", false).unwrap();
    }
    assert_eq!(vlog_file_numbers(&memory, dir).unwrap(), [3, 12, 100]);
}
