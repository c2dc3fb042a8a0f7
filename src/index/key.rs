//! The byte layouts of the index's keys ([INDEX.md](INDEX.md) lists each,
//! byte by byte): claim keys that sort in claim order, and one builder per table.
//!
//! A claim key is the claim's date as `Timestamp::to_sortable_bytes` (12
//! bytes) then its ref's text and a NUL. Byte order of claim keys is
//! claim order `(claimDate, claim ref)` (TREE.md, "Order"): the date
//! bytes compare as the time, and a ref's text never holds NUL, so the
//! terminator makes a shorter ref sort before a longer one it prefixes,
//! as plain string order wants. Node refs inside keys are terminated the
//! same way, so a node's prefix never matches another node's rows.

use crate::blob::BlobRef;
use crate::util::rfc3339::Timestamp;

/// First byte of every index row (the Db's other owners use `b`, `s`, `m`).
pub const INDEX_PREFIX: u8 = b'x';
/// The schema version row's table byte.
pub const TABLE_VERSION: u8 = b'v';
/// Claims (and the deletes that reach them) of a node, in claim order.
pub const TABLE_NODE_CLAIMS: u8 = b'c';
/// Delete claims by their target.
pub const TABLE_DELETERS: u8 = b'd';
/// The nodes a claim concerns.
pub const TABLE_CLAIM_NODES: u8 = b'k';
/// Place changes, in global claim order.
pub const TABLE_PLACE_LOG: u8 = b'p';
/// One row per node: its state after its last claim.
pub const TABLE_HEAD: u8 = b'h';
/// A node's segments: intervals of constant place and content.
pub const TABLE_SEGMENTS: u8 = b's';
/// The same segments under their folder.
pub const TABLE_CHILDREN: u8 = b'f';
/// Placements under their folder and name.
pub const TABLE_NAMES: u8 = b'n';
/// A node's history events.
pub const TABLE_EVENTS: u8 = b'e';
/// `camliRoot` claims, in claim order.
pub const TABLE_ROOTS: u8 = b'r';
/// Every claim, in claim order.
pub const TABLE_CLAIM_LOG: u8 = b'l';

/// Bytes of the date part of a claim key.
pub const DATE_BYTES: usize = 12;

/// A claim's place in the total order: `(claimDate, claim ref)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaimKey {
    pub date: Timestamp,
    pub claim: BlobRef,
}

impl ClaimKey {
    pub fn new(date: Timestamp, claim: BlobRef) -> ClaimKey {
        ClaimKey { date, claim }
    }

    /// Appends the key's bytes: date, ref text, NUL.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.date.to_sortable_bytes());
        push_ref(out, &self.claim);
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(DATE_BYTES + 72);
        self.encode_into(&mut out);
        out
    }

    /// Reads a key written by `encode_into` from the front of `bytes`;
    /// returns it and the bytes after it, or None when malformed.
    pub fn decode_prefix(bytes: &[u8]) -> Option<(ClaimKey, &[u8])> {
        let date: [u8; DATE_BYTES] = bytes.get(..DATE_BYTES)?.try_into().ok()?;
        let date = Timestamp::from_sortable_bytes(date).ok()?;
        let (claim, rest) = take_ref(&bytes[DATE_BYTES..])?;
        Some((ClaimKey { date, claim }, rest))
    }
}

/// Appends a ref's text and its NUL terminator.
pub fn push_ref(out: &mut Vec<u8>, blob_ref: &BlobRef) {
    out.extend_from_slice(blob_ref.as_str().as_bytes());
    out.push(0);
}

/// Reads a NUL-terminated ref from the front of `bytes`.
pub fn take_ref(bytes: &[u8]) -> Option<(BlobRef, &[u8])> {
    let end = bytes.iter().position(|&byte| byte == 0)?;
    Some((BlobRef::parse_bytes(&bytes[..end]).ok()?, &bytes[end + 1..]))
}

/// The bytes that sort after every claim key dated at or before `at` and
/// before every key dated later: `at`'s date bytes, then 0xFF (no ref
/// text byte is 0xFF).
pub fn bound_after(at: Timestamp) -> Vec<u8> {
    let mut out = at.to_sortable_bytes().to_vec();
    out.push(0xFF);
    out
}

/// `x` + table byte.
pub fn table(table: u8) -> Vec<u8> {
    vec![INDEX_PREFIX, table]
}

/// `x` + table byte + a ref and its NUL: the prefix of a node's rows.
pub fn table_ref(table_byte: u8, blob_ref: &BlobRef) -> Vec<u8> {
    let mut out = table(table_byte);
    push_ref(&mut out, blob_ref);
    out
}

/// `x` + table byte + a ref + a claim key.
pub fn table_ref_key(table_byte: u8, blob_ref: &BlobRef, key: &ClaimKey) -> Vec<u8> {
    let mut out = table_ref(table_byte, blob_ref);
    key.encode_into(&mut out);
    out
}

/// The schema version row.
pub fn version_row() -> Vec<u8> {
    table(TABLE_VERSION)
}

/// `xc node key`: a claim of `node`.
pub fn node_claim(node: &BlobRef, key: &ClaimKey) -> Vec<u8> {
    table_ref_key(TABLE_NODE_CLAIMS, node, key)
}

/// `xd target key`: a delete claim of `target`.
pub fn deleter(target: &BlobRef, key: &ClaimKey) -> Vec<u8> {
    table_ref_key(TABLE_DELETERS, target, key)
}

/// `xk claim`: the nodes the claim concerns.
pub fn claim_nodes(claim: &BlobRef) -> Vec<u8> {
    table_ref(TABLE_CLAIM_NODES, claim)
}

/// `xp key node`: a place change of `node` by the claim `key`.
pub fn place_log(key: &ClaimKey, node: &BlobRef) -> Vec<u8> {
    let mut out = table(TABLE_PLACE_LOG);
    key.encode_into(&mut out);
    push_ref(&mut out, node);
    out
}

/// `xh node`: the node's head.
pub fn head(node: &BlobRef) -> Vec<u8> {
    table_ref(TABLE_HEAD, node)
}

/// `xs node from`: a segment of `node` starting at `from`.
pub fn segment(node: &BlobRef, from: &ClaimKey) -> Vec<u8> {
    table_ref_key(TABLE_SEGMENTS, node, from)
}

/// `xf folder from node`: a segment of `node` under `folder`.
pub fn child(folder: &BlobRef, from: &ClaimKey, node: &BlobRef) -> Vec<u8> {
    let mut out = table_ref_key(TABLE_CHILDREN, folder, from);
    push_ref(&mut out, node);
    out
}

/// `xn folder name NUL`: the prefix of the placements named `name`.
pub fn name_prefix(folder: &BlobRef, name: &str) -> Vec<u8> {
    let mut out = table_ref(TABLE_NAMES, folder);
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    out
}

/// `xn folder name NUL from node`: `node` placed as `name` from `from`.
pub fn name(folder: &BlobRef, name: &str, from: &ClaimKey, node: &BlobRef) -> Vec<u8> {
    let mut out = name_prefix(folder, name);
    from.encode_into(&mut out);
    push_ref(&mut out, node);
    out
}

/// `xe node key sequence`: a history event (sequence: 1 byte, several
/// events of one claim keep their order).
pub fn event(node: &BlobRef, key: &ClaimKey, sequence: u8) -> Vec<u8> {
    let mut out = table_ref_key(TABLE_EVENTS, node, key);
    out.push(sequence);
    out
}

/// `xr key node`: a `camliRoot` claim naming `node`.
pub fn root(key: &ClaimKey, node: &BlobRef) -> Vec<u8> {
    let mut out = table(TABLE_ROOTS);
    key.encode_into(&mut out);
    push_ref(&mut out, node);
    out
}

/// `xl key`: a claim in the store-wide log.
pub fn claim_log(key: &ClaimKey) -> Vec<u8> {
    let mut out = table(TABLE_CLAIM_LOG);
    key.encode_into(&mut out);
    out
}

/// The smallest key greater than every key starting with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return end;
        }
    }
    vec![0xFF; prefix.len() + 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seconds: i64, nanos: u32, word: &[u8]) -> ClaimKey {
        ClaimKey::new(
            Timestamp::new(seconds, nanos).unwrap(),
            BlobRef::of_bytes(word),
        )
    }

    #[test]
    fn claim_key_bytes_sort_in_claim_order() {
        let mut keys = vec![
            key(5, 0, b"a"),
            key(-3, 7, b"b"),
            key(5, 1, b"c"),
            key(5, 0, b"d"),
            key(0, 0, b"e"),
        ];
        let mut encoded: Vec<Vec<u8>> = keys.iter().map(ClaimKey::encode).collect();
        keys.sort();
        encoded.sort();
        let decoded: Vec<ClaimKey> = encoded
            .iter()
            .map(|bytes| ClaimKey::decode_prefix(bytes).unwrap().0)
            .collect();
        assert_eq!(decoded, keys);
    }

    /// INDEX.md's worked example.
    #[test]
    fn claim_key_bytes_are_those_of_index_md() {
        let date = Timestamp::parse_rfc3339("2026-11-22T10:00:00.5Z").unwrap();
        let claim = BlobRef::of_bytes(b"C");
        let bytes = ClaimKey::new(date, claim).encode();
        let expected_date = [
            0x80, 0, 0, 0, 0x6b, 0x02, 0xbd, 0x20, 0x1d, 0xcd, 0x65, 0x00,
        ];
        assert_eq!(bytes[..DATE_BYTES], expected_date);
        assert_eq!(
            &bytes[DATE_BYTES..bytes.len() - 1],
            claim.as_str().as_bytes()
        );
        assert_eq!(bytes.last(), Some(&0));
    }

    #[test]
    fn bound_after_separates_at_from_later() {
        let at = Timestamp::new(10, 5).unwrap();
        let bound = bound_after(at);
        assert!(key(10, 5, b"z").encode() < bound);
        assert!(key(10, 6, b"a").encode() > bound);
    }

    #[test]
    fn shorter_ref_sorts_before_a_longer_one_it_prefixes() {
        let short = BlobRef::parse("sha1-0000000000000000000000000000000000000000").unwrap();
        let long =
            BlobRef::parse("sha224-00000000000000000000000000000000000000000000000000000000")
                .unwrap();
        assert!(short < long);
        assert!(head(&short) < head(&long));
    }

    #[test]
    fn prefix_end_is_above_every_extension() {
        let prefix = head(&BlobRef::of_bytes(b"n"));
        let end = prefix_end(&prefix);
        let mut longer = prefix.clone();
        longer.extend_from_slice(&[0xFF, 0xFF]);
        assert!(longer < end && prefix < end);
    }
}
