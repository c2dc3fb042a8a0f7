use super::*;
use crate::util::json::{self, Value};
use crate::web::fs_api::{date_value, entry_members};

fn entry(name: &str, kind: Kind, content: Option<BlobRef>, nanos: u32) -> Entry {
    Entry {
        name: name.to_owned(),
        node: BlobRef::of_bytes(name.as_bytes()),
        kind,
        size: u64::from(nanos) * 1_000_003,
        content,
        modified: Timestamp::new(1_795_000_000, nanos).unwrap(),
    }
}

/// The listing as the `Value` shape gives it through `json::to_compact`:
/// what the body must be, byte for byte.
fn expected(
    path: &TreePath,
    folder: &Entry,
    given_at: Option<Timestamp>,
    entries: &[Entry],
) -> String {
    let value = Value::object([
        ("path", Value::String(path.to_string())),
        ("node", Value::String(folder.node.to_string())),
        ("kind", Value::from("folder")),
        ("at", given_at.map_or(Value::Null, date_value)),
        (
            "entries",
            Value::Array(
                entries
                    .iter()
                    .map(|entry| Value::object(entry_members(entry)))
                    .collect(),
            ),
        ),
    ]);
    json::to_compact(&value)
}

/// Names and values that exercise every escape and length rule.
fn tricky_entries() -> Vec<Entry> {
    vec![
        entry(
            "a \"quoted\" \\ name\u{1}\u{1f}\n.txt",
            Kind::File,
            Some(BlobRef::of_bytes(b"c")),
            5,
        ),
        entry("sub", Kind::Folder, None, 0),
        Entry {
            size: u64::MAX,
            ..entry("huge", Kind::File, Some(BlobRef::of_bytes(b"e")), 1)
        },
        Entry {
            size: 9,
            ..entry(
                "nine",
                Kind::File,
                Some(BlobRef::of_bytes(b"9")),
                100_000_000,
            )
        },
        Entry {
            size: 10,
            ..entry("ten", Kind::File, Some(BlobRef::of_bytes(b"10")), 120_000)
        },
        entry(
            "é € \u{2028} <&>.md",
            Kind::File,
            Some(BlobRef::of_bytes(b"d")),
            999_999_999,
        ),
        Entry {
            content: None,
            ..entry("empty file", Kind::File, None, 0)
        },
    ]
}

#[test]
fn the_body_is_the_compact_json_of_the_listing_value_and_as_long_as_announced() {
    let folder = entry("docs", Kind::Folder, None, 0);
    let path = TreePath::parse("/docs/ü \"x\"").unwrap();
    for given_at in [None, Some(Timestamp::new(1_795_000_001, 500).unwrap())] {
        for count in 0..=tricky_entries().len() {
            let entries = tricky_entries()[..count].to_vec();
            let body = ListingBody::new(&path, &folder, given_at, entries.clone());
            let length = body.length();
            let written = body.into_string().expect("as long as announced");
            assert_eq!(written, expected(&path, &folder, given_at, &entries));
            assert_eq!(written.len() as u64, length);
        }
    }
}

#[test]
fn a_large_listing_read_in_odd_sizes_is_whole_and_in_several_pieces() {
    let folder = entry("big", Kind::Folder, None, 0);
    let path = TreePath::parse("/big").unwrap();
    let entries: Vec<Entry> = (0..3_000u32)
        .map(|index| {
            let content = Some(BlobRef::of_bytes(&index.to_le_bytes()));
            entry(
                &format!("file-{index:05}.txt"),
                Kind::File,
                content,
                index * 7,
            )
        })
        .collect();
    let want = expected(&path, &folder, None, &entries);
    assert!(want.len() > 2 * PIECE_BYTES, "{}", want.len());
    for step in [1usize, 7, 4096, 256 << 10] {
        let mut body = ListingBody::new(&path, &folder, None, entries.clone());
        assert_eq!(body.length(), want.len() as u64);
        let mut got = Vec::new();
        let mut buffer = vec![0u8; step];
        loop {
            let count = body.read(&mut buffer).expect("read");
            if count == 0 {
                break;
            }
            got.extend_from_slice(&buffer[..count]);
        }
        assert!(got == want.as_bytes(), "step {step}");
    }
}

#[test]
fn a_body_longer_than_announced_is_an_error_not_a_truncated_answer() {
    let folder = entry("docs", Kind::Folder, None, 0);
    let path = TreePath::parse("/docs").unwrap();
    let mut body = ListingBody::new(&path, &folder, None, tricky_entries());
    body.length -= 1;
    let error = body.into_string().expect_err("one byte too many");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    let mut body = ListingBody::new(&path, &folder, None, tricky_entries());
    body.length += 1;
    let error = body.into_string().expect_err("one byte short");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn dates_written_with_the_kept_calendar_read_as_each_date_alone() {
    let mut dates = DateWriter::default();
    let seconds = [
        -62_135_596_800,
        -1,
        0,
        1_795_000_000,
        1_795_000_000,
        253_402_300_799,
    ];
    let nanos = [0, 1, 10, 120_000, 100_000_000, 999_999_999, 0, 5];
    for &second in &seconds {
        for &nano in &nanos {
            let date = Timestamp::new(second, nano).unwrap();
            let mut kept = String::new();
            dates.push(date, &mut kept);
            let mut alone = String::new();
            push_date(date, &mut alone);
            assert_eq!(kept, alone);
            assert_eq!(kept.len(), date_bytes(date));
        }
    }
}
