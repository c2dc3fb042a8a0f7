//! The questions the tree asks, each one range scan or one seek over the
//! index (TREE.md, "What the index must make cheap"). Reads go to the Db
//! as it is now; a caller that needs several answers from one moment of
//! the store passes a snapshot in `ReadOptions`.

use super::codec::Decoder;
use super::error::IndexError;
use super::key::{self, ClaimKey};
use super::record::{Event, Head, Kind, Segment};
use crate::blob::BlobRef;
use crate::store::{Db, ReadOptions};
use crate::util::rfc3339::Timestamp;

/// A child of a folder at some time: which node, since when its view
/// holds, and the view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub node: BlobRef,
    pub from: ClaimKey,
    pub segment: Segment,
}

/// A visitor of rows: key and value; returns whether to go on.
type Visit<'a> = dyn FnMut(&[u8], Vec<u8>) -> Result<bool, IndexError> + 'a;

/// A visitor of rows whose value is lent: returns whether to go on.
type VisitBorrowed<'a> = dyn FnMut(&[u8], &[u8]) -> Result<bool, IndexError> + 'a;

/// Calls `visit` with each row with `start <= key < end`, in order, until
/// it returns false.
fn scan(
    db: &Db,
    options: &ReadOptions,
    start: &[u8],
    end: &[u8],
    visit: &mut Visit<'_>,
) -> Result<(), IndexError> {
    let mut cursor = db.iter(options);
    cursor.seek(start);
    while cursor.valid() && cursor.key() < end {
        if !visit(cursor.key(), cursor.value()?)? {
            break;
        }
        cursor.next();
    }
    Ok(cursor.status()?)
}

/// [`scan`] lending each value where the Db holds it (no copy per row;
/// `DbIterator::value_ref`), for the hot scans.
fn scan_borrowed(
    db: &Db,
    options: &ReadOptions,
    start: &[u8],
    end: &[u8],
    visit: &mut VisitBorrowed<'_>,
) -> Result<(), IndexError> {
    let mut cursor = db.iter(options);
    cursor.seek(start);
    let mut key = Vec::new();
    while cursor.valid() && cursor.key() < end {
        // The key is copied (into one reused buffer): `value_ref` borrows
        // the cursor mutably.
        key.clear();
        key.extend_from_slice(cursor.key());
        if !visit(&key, cursor.value_ref()?)? {
            break;
        }
        cursor.next();
    }
    Ok(cursor.status()?)
}

/// The root folder: the node of the first `camliRoot: strata` claim.
pub fn root(db: &Db, options: &ReadOptions) -> Result<Option<BlobRef>, IndexError> {
    let prefix = key::table(key::TABLE_ROOTS);
    let mut found = None;
    scan(
        db,
        options,
        &prefix,
        &key::prefix_end(&prefix),
        &mut |row, _| {
            let rest = ClaimKey::decode_prefix(&row[prefix.len()..]).map(|(_, rest)| rest);
            let node = rest.and_then(key::take_ref).map(|(node, _)| node);
            found = Some(node.ok_or_else(|| IndexError::corrupt("roots", row))?);
            Ok(false)
        },
    )?;
    Ok(found)
}

/// The node's head: its state after its last claim.
pub fn head(db: &Db, options: &ReadOptions, node: &BlobRef) -> Result<Option<Head>, IndexError> {
    let row = key::head(node);
    match db.get(options, &row)? {
        None => Ok(None),
        Some(bytes) => Head::decode(&bytes)
            .map(Some)
            .ok_or_else(|| IndexError::corrupt("heads", &row)),
    }
}

/// The node's segment at `at` and the claim that began it (None when the
/// node has no place then): one seek.
pub fn segment_at(
    db: &Db,
    options: &ReadOptions,
    node: &BlobRef,
    at: Timestamp,
) -> Result<Option<(ClaimKey, Segment)>, IndexError> {
    let prefix = key::table_ref(key::TABLE_SEGMENTS, node);
    let mut bound = prefix.clone();
    bound.extend_from_slice(&key::bound_after(at));
    let mut cursor = db.iter(options);
    cursor.seek(&bound);
    if cursor.valid() {
        cursor.prev();
    } else {
        cursor.seek_to_last();
    }
    if !cursor.valid() || !cursor.key().starts_with(&prefix) {
        cursor.status()?;
        return Ok(None);
    }
    let from = ClaimKey::decode_prefix(&cursor.key()[prefix.len()..]).map(|(from, _)| from);
    let segment = Segment::decode(&cursor.value()?);
    let (Some(from), Some(segment)) = (from, segment) else {
        return Err(IndexError::corrupt("segments", cursor.key()));
    };
    Ok(segment.is_live_at(at).then_some((from, segment)))
}

/// The children of `folder` at `at`, in the order their segments began:
/// one range scan over the rows that began at or before `at` (rows that
/// began later are never read).
pub fn children_at(
    db: &Db,
    options: &ReadOptions,
    folder: &BlobRef,
    at: Timestamp,
) -> Result<Vec<Child>, IndexError> {
    let prefix = key::table_ref(key::TABLE_CHILDREN, folder);
    let mut end = prefix.clone();
    end.extend_from_slice(&key::bound_after(at));
    let mut children = Vec::new();
    scan(db, options, &prefix, &end, &mut |row, value| {
        let segment =
            Segment::decode(&value).ok_or_else(|| IndexError::corrupt("children", row))?;
        if segment.is_live_at(at) {
            let decoded = ClaimKey::decode_prefix(&row[prefix.len()..])
                .and_then(|(from, rest)| Some((from, key::take_ref(rest)?.0)));
            let (from, node) = decoded.ok_or_else(|| IndexError::corrupt("children", row))?;
            children.push(Child {
                node,
                from,
                segment,
            });
        }
        Ok(true)
    })?;
    Ok(children)
}

/// A child as a listing needs it, decoded without parsing more refs than
/// the node and its content (the hot path of `list`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub node: BlobRef,
    pub name: String,
    /// The key of the claim that placed it (bytes in claim order: the
    /// suffix rule's order).
    pub since: SinceKey,
    /// When its view as listed began (`modified`).
    pub from: Timestamp,
    pub kind: Kind,
    pub content: Option<BlobRef>,
    pub size: u64,
}

/// The longest `ckey`: a date and the longest ref text, then its NUL.
const SINCE_KEY_BYTES_MAX: usize = key::DATE_BYTES + crate::blob::blobref::TEXT_BYTES_MAX + 1;

/// A `ckey`'s bytes held inline (a listing makes one per entry: no
/// allocation each). Orders as the bytes do, which is claim order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SinceKey {
    bytes: [u8; SINCE_KEY_BYTES_MAX],
    length: u8,
}

impl SinceKey {
    /// None when `raw` is longer than any `ckey`.
    fn new(raw: &[u8]) -> Option<SinceKey> {
        let mut bytes = [0; SINCE_KEY_BYTES_MAX];
        bytes.get_mut(..raw.len())?.copy_from_slice(raw);
        let length = u8::try_from(raw.len()).ok()?;
        Some(SinceKey { bytes, length })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.length)]
    }
}

/// Decodes an `x f` row's value for a listing at `at`: None when the row
/// is not live then; Err when damaged.
fn listed(
    node_and_from: (BlobRef, Timestamp),
    value: &[u8],
    at: Timestamp,
) -> Option<Option<Listed>> {
    let mut decoder = Decoder::new(value);
    if decoder
        .optional_key_date()?
        .is_some_and(|until| until <= at)
    {
        return Some(None);
    }
    if decoder.u8()? != 1 {
        return None;
    }
    decoder.skip_str()?; // the parent: the folder listed
    let name = decoder.str()?.to_owned();
    let since = SinceKey::new(decoder.raw_key()?.0)?;
    let kind = match decoder.u8()? {
        0 => Kind::File,
        1 => Kind::Folder,
        _ => return None,
    };
    let (node, from) = node_and_from;
    let listed = Listed {
        node,
        name,
        since,
        from,
        kind,
        content: decoder.optional_ref()?,
        size: decoder.u64()?,
    };
    decoder.is_done().then_some(Some(listed))
}

/// The children of `folder` at `at` as a listing needs them: the same
/// single range scan as [`children_at`], decoding less.
pub fn list_at(
    db: &Db,
    options: &ReadOptions,
    folder: &BlobRef,
    at: Timestamp,
) -> Result<Vec<Listed>, IndexError> {
    let prefix = key::table_ref(key::TABLE_CHILDREN, folder);
    let mut end = prefix.clone();
    end.extend_from_slice(&key::bound_after(at));
    let mut children = Vec::new();
    scan_borrowed(db, options, &prefix, &end, &mut |row, value| {
        let mut decoder = Decoder::new(&row[prefix.len()..]);
        let from = decoder.raw_key().map(|(_, from)| from);
        let node = from.and_then(|_| key::take_ref(&row[prefix.len() + decoder.consumed()..]));
        let entry = match (node, from) {
            (Some((node, _)), Some(from)) => listed((node, from), value, at),
            _ => None,
        };
        if let Some(found) = entry.ok_or_else(|| IndexError::corrupt("children", row))? {
            children.push(found);
        }
        Ok(true)
    })?;
    Ok(children)
}

/// The nodes placed as `name` in `folder` at `at`, first placed first
/// (the first keeps the bare name: TREE.md, rule 3).
pub fn named_at(
    db: &Db,
    options: &ReadOptions,
    folder: &BlobRef,
    name: &str,
    at: Timestamp,
) -> Result<Vec<BlobRef>, IndexError> {
    let prefix = key::name_prefix(folder, name);
    let mut end = prefix.clone();
    end.extend_from_slice(&key::bound_after(at));
    let mut nodes = Vec::new();
    scan(db, options, &prefix, &end, &mut |row, value| {
        let until = Decoder::new(&value)
            .optional_key()
            .ok_or_else(|| IndexError::corrupt("names", row))?;
        if until.is_none_or(|until| until.date > at) {
            let rest = ClaimKey::decode_prefix(&row[prefix.len()..]).map(|(_, rest)| rest);
            let node = rest
                .and_then(key::take_ref)
                .ok_or_else(|| IndexError::corrupt("names", row))?;
            nodes.push(node.0);
        }
        Ok(true)
    })?;
    Ok(nodes)
}

/// Every history event of `node`, oldest first.
pub fn events(db: &Db, options: &ReadOptions, node: &BlobRef) -> Result<Vec<Event>, IndexError> {
    let prefix = key::table_ref(key::TABLE_EVENTS, node);
    let mut events = Vec::new();
    scan(
        db,
        options,
        &prefix,
        &key::prefix_end(&prefix),
        &mut |row, value| {
            let claim_key =
                ClaimKey::decode_prefix(&row[prefix.len()..]).map(|(claim_key, _)| claim_key);
            let event = claim_key.and_then(|claim_key| Event::decode_value(claim_key, &value));
            events.push(event.ok_or_else(|| IndexError::corrupt("events", row))?);
            Ok(true)
        },
    )?;
    Ok(events)
}

/// The keys of `node`'s claims (and of the deletes that reach it), in
/// claim order.
pub fn claim_keys(
    db: &Db,
    options: &ReadOptions,
    node: &BlobRef,
) -> Result<Vec<ClaimKey>, IndexError> {
    let prefix = key::table_ref(key::TABLE_NODE_CLAIMS, node);
    let mut keys = Vec::new();
    scan(
        db,
        options,
        &prefix,
        &key::prefix_end(&prefix),
        &mut |row, _| {
            let claim_key =
                ClaimKey::decode_prefix(&row[prefix.len()..]).map(|(claim_key, _)| claim_key);
            keys.push(claim_key.ok_or_else(|| IndexError::corrupt("node claims", row))?);
            Ok(true)
        },
    )?;
    Ok(keys)
}

/// One entry of the store-wide claim log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedClaim {
    pub key: ClaimKey,
    /// Its `claimType` (`set-attribute`, `multi`, …).
    pub claim_type: String,
    /// The nodes it concerns.
    pub nodes: Vec<BlobRef>,
}

/// Up to `limit` claims dated after `after` (exclusive) and before
/// `before` (exclusive), oldest first: one range scan.
pub fn claim_log(
    db: &Db,
    options: &ReadOptions,
    after: Option<Timestamp>,
    before: Option<Timestamp>,
    limit: usize,
) -> Result<Vec<LoggedClaim>, IndexError> {
    let prefix = key::table(key::TABLE_CLAIM_LOG);
    let mut start = prefix.clone();
    if let Some(after) = after {
        start.extend_from_slice(&key::bound_after(after));
    }
    let end = match before {
        Some(before) => [prefix.as_slice(), &before.to_sortable_bytes()].concat(),
        None => key::prefix_end(&prefix),
    };
    let mut claims = Vec::new();
    scan(db, options, &start, &end, &mut |row, value| {
        if claims.len() >= limit {
            return Ok(false);
        }
        let claim_key =
            ClaimKey::decode_prefix(&row[prefix.len()..]).map(|(claim_key, _)| claim_key);
        let mut decoder = Decoder::new(&value);
        let claim_type = decoder.str().map(str::to_owned);
        let nodes = decoder.strings().and_then(|texts| {
            texts
                .iter()
                .map(|text| BlobRef::parse(text).ok())
                .collect::<Option<Vec<_>>>()
        });
        let (Some(key), Some(claim_type), Some(nodes)) = (claim_key, claim_type, nodes) else {
            return Err(IndexError::corrupt("claim log", row));
        };
        claims.push(LoggedClaim {
            key,
            claim_type,
            nodes,
        });
        Ok(true)
    })?;
    Ok(claims)
}
