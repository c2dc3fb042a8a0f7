//! Write batch tests, after LevelDB's write_batch_test, plus malformed reps.

use super::*;

/// Prints records as LevelDB's test does: `Put(k, v)@seq`.
struct Printer {
    sequence: SequenceNumber,
    out: String,
}

impl Printer {
    fn line(&mut self, text: String) {
        self.out.push_str(&format!("{text}@{}", self.sequence));
        self.sequence += 1;
    }
}

impl Handler for Printer {
    fn put(&mut self, key: &[u8], value: &[u8]) {
        self.line(format!(
            "Put({}, {})",
            key.escape_ascii(),
            value.escape_ascii()
        ));
    }
    fn delete(&mut self, key: &[u8]) {
        self.line(format!("Delete({})", key.escape_ascii()));
    }
    fn put_value_pointer(&mut self, key: &[u8], pointer: &[u8]) {
        self.line(format!(
            "Pointer({}, {})",
            key.escape_ascii(),
            pointer.escape_ascii()
        ));
    }
}

fn print(batch: &WriteBatch) -> Result<String, WriteBatchError> {
    let mut printer = Printer {
        sequence: batch.sequence(),
        out: String::new(),
    };
    batch.iterate(&mut printer)?;
    Ok(printer.out)
}

#[test]
fn empty_batch_has_a_zero_header_only() {
    let batch = WriteBatch::new();
    assert_eq!(batch.contents(), [0; HEADER_BYTES]);
    assert_eq!(batch.count(), 0);
    assert_eq!(print(&batch).unwrap(), "");
}

#[test]
fn empty_batches_are_equal_however_made_and_keep_a_set_sequence() {
    let mut cleared = WriteBatch::new();
    cleared.put(b"k", b"v");
    cleared.set_sequence(9);
    cleared.clear();
    let taken = std::mem::take(&mut cleared.clone());
    let reread = WriteBatch::from_contents(vec![0; HEADER_BYTES]).unwrap();
    for batch in [&cleared, &taken, &reread] {
        assert_eq!(*batch, WriteBatch::new());
        assert_eq!((batch.count(), batch.sequence()), (0, 0));
        assert_eq!(batch.approximate_size(), HEADER_BYTES);
    }
    let mut numbered = WriteBatch::new();
    numbered.set_sequence(5);
    assert_eq!((numbered.count(), numbered.sequence()), (0, 5));
    assert_ne!(numbered, WriteBatch::new());
    numbered.append(&WriteBatch::new());
    assert_eq!(numbered.contents(), [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn records_are_handled_in_order_with_consecutive_sequences() {
    let mut batch = WriteBatch::new();
    batch.put(b"foo", b"bar");
    batch.delete(b"box");
    batch.put(b"baz", b"boo");
    batch.put_value_pointer(b"big", b"ptr");
    batch.set_sequence(100);
    assert_eq!(batch.sequence(), 100);
    assert_eq!(batch.count(), 4);
    let expected = "Put(foo, bar)@100Delete(box)@101Put(baz, boo)@102Pointer(big, ptr)@103";
    assert_eq!(print(&batch).unwrap(), expected);
}

#[test]
fn worked_example_matches_format_doc() {
    // FORMAT.md, "Write batch": sequence 7, Put("k","v"), Delete("k").
    let mut batch = WriteBatch::new();
    batch.set_sequence(7);
    batch.put(b"k", b"v");
    batch.delete(b"k");
    let expected = [
        7, 0, 0, 0, 0, 0, 0, 0, // sequence
        2, 0, 0, 0, // count
        1, 1, b'k', 1, b'v', // Value "k" -> "v"
        0, 1, b'k', // Deletion "k"
    ];
    assert_eq!(batch.contents(), expected);
    assert!(crate::store::testing::format_doc_shows(&expected));
    let reread = WriteBatch::from_contents(expected.to_vec()).unwrap();
    assert_eq!(print(&reread).unwrap(), "Put(k, v)@7Delete(k)@8");
}

#[test]
fn append_joins_records_and_counts() {
    let mut first = WriteBatch::new();
    let mut second = WriteBatch::new();
    first.set_sequence(200);
    first.append(&second);
    assert_eq!(print(&first).unwrap(), "");
    second.put(b"a", b"va");
    first.append(&second);
    assert_eq!(print(&first).unwrap(), "Put(a, va)@200");
    second.clear();
    second.put(b"b", b"vb");
    first.append(&second);
    assert_eq!(print(&first).unwrap(), "Put(a, va)@200Put(b, vb)@201");
    second.delete(b"foo");
    first.append(&second);
    let expected = "Put(a, va)@200Put(b, vb)@201Put(b, vb)@202Delete(foo)@203";
    assert_eq!(print(&first).unwrap(), expected);
    assert_eq!(first.count(), 4);
}

#[test]
fn approximate_size_grows_with_each_record() {
    let mut batch = WriteBatch::new();
    let empty = batch.approximate_size();
    batch.put(b"foo", b"bar");
    let one = batch.approximate_size();
    assert!(one > empty);
    batch.put(b"baz", b"boo");
    let two = batch.approximate_size();
    assert!(two > one);
    batch.delete(b"box");
    assert!(batch.approximate_size() > two);
    assert_eq!(empty, HEADER_BYTES);
}

#[test]
fn short_rep_is_too_small() {
    let error = WriteBatch::from_contents(vec![0; 11]).unwrap_err();
    assert_eq!(error, WriteBatchError::TooSmall { bytes: 11 });
}

#[test]
fn truncated_records_are_bad_at_their_offset() {
    let mut batch = WriteBatch::new();
    batch.put(b"foo", b"bar");
    batch.put(b"baz", b"boo");
    let full = batch.contents().to_vec();
    let second = HEADER_BYTES + 9;
    for cut in second + 1..full.len() {
        let error = WriteBatch::from_contents(full[..cut].to_vec()).unwrap_err();
        assert_eq!(
            error,
            WriteBatchError::BadRecord { offset: second },
            "cut {cut}"
        );
    }
    let error = WriteBatch::from_contents(full[..second].to_vec()).unwrap_err();
    assert_eq!(
        error,
        WriteBatchError::WrongCount {
            header: 2,
            found: 1
        }
    );
}

#[test]
fn unknown_tag_is_an_error() {
    let mut batch = WriteBatch::new();
    batch.put(b"foo", b"bar");
    let mut rep = batch.contents().to_vec();
    rep[HEADER_BYTES] = 7;
    let error = WriteBatch::from_contents(rep).unwrap_err();
    let expected = WriteBatchError::UnknownTag {
        tag: 7,
        offset: HEADER_BYTES,
    };
    assert_eq!(error, expected);
}

#[test]
fn count_mismatch_is_an_error() {
    let mut batch = WriteBatch::new();
    batch.put(b"foo", b"bar");
    batch.set_count(3);
    let error = WriteBatch::from_contents(batch.contents().to_vec()).unwrap_err();
    assert_eq!(
        error,
        WriteBatchError::WrongCount {
            header: 3,
            found: 1
        }
    );
}

#[test]
fn every_prefix_and_byte_flip_is_handled_without_panic() {
    let mut batch = WriteBatch::new();
    batch.put(b"key", &[7; 300]);
    batch.delete(b"gone");
    batch.put_value_pointer(b"big", b"0123456789");
    let full = batch.contents().to_vec();
    for cut in 0..full.len() {
        assert!(WriteBatch::from_contents(full[..cut].to_vec()).is_err());
    }
    for offset in 0..full.len() {
        for bit in 0..8 {
            let mut damaged = full.clone();
            damaged[offset] ^= 1 << bit;
            let _ = WriteBatch::from_contents(damaged);
        }
    }
}
