//! Indexing one claim: its log rows (which nodes it concerns, where it
//! sits in each node's claims and in the place log), then the derived
//! rows. A claim that comes after everything it can affect extends the
//! nodes' heads (the common case: one step per node). Any other claim —
//! dated before claims already indexed, a `delete`, or reached by a
//! delete that came first — makes the affected nodes replay from their
//! first claim, so the answer never depends on arrival order.

use super::codec::{Decoder, Encoder};
use super::error::IndexError;
use super::key::{self, ClaimKey};
use super::neighbours::Around;
use super::record::Head;
use super::replay::{replay, tracked_changes};
use super::rows::Rows;
use super::timeline::{Step, advance};
use crate::blob::{BlobRef, BlobSource};
use crate::schema::attributes::{CAMLI_ROOT, ROOT_NAME, STRATA_PLACE};
use crate::schema::{Change, Claim};
use std::collections::{BTreeSet, HashMap};

/// The attribute a restore sets on each node it changes, with the time
/// restored to: history shows such a change as "restored".
pub const RESTORE_MARKER: &str = "strataRestoredFrom";

/// What the log rows of a claim say about how to index it.
pub struct Logged {
    pub nodes: Vec<BlobRef>,
    /// The claim may change a node's place (a place change or a delete).
    pub touches_place: bool,
    /// A delete reaches these nodes: they must be replayed.
    pub force_replay: bool,
}

/// The nodes a claim's changes concern, in order of first appearance; a
/// delete concerns the nodes of the claim it targets, or the targeted
/// node.
fn nodes_of(rows: &Rows<'_>, claim: &Claim) -> Result<Vec<BlobRef>, IndexError> {
    let mut nodes = Vec::new();
    for change in claim.changes() {
        let found = match change {
            Change::Delete { target } => {
                claim_nodes(rows, target)?.unwrap_or_else(|| vec![*target])
            }
            other => vec![*other.node().expect("attribute changes name a node")],
        };
        for node in found {
            if !nodes.contains(&node) {
                nodes.push(node);
            }
        }
    }
    Ok(nodes)
}

/// The nodes of an indexed claim, or None when it is not indexed.
pub fn claim_nodes(rows: &Rows<'_>, claim: &BlobRef) -> Result<Option<Vec<BlobRef>>, IndexError> {
    let row = key::claim_nodes(claim);
    let Some(value) = rows.get(&row)? else {
        return Ok(None);
    };
    let mut decoder = Decoder::new(&value);
    let texts = decoder
        .strings()
        .ok_or_else(|| IndexError::corrupt("claim nodes", &row))?;
    let nodes = texts
        .iter()
        .map(|text| BlobRef::parse(text).ok())
        .collect::<Option<Vec<_>>>();
    nodes
        .ok_or_else(|| IndexError::corrupt("claim nodes", &row))
        .map(Some)
}

/// Writes the claim's log rows (order-independent facts); None when the
/// claim is already indexed.
pub fn log_claim(
    rows: &mut Rows<'_>,
    claim_ref: &BlobRef,
    claim: &Claim,
) -> Result<Option<Logged>, IndexError> {
    if claim_nodes(rows, claim_ref)?.is_some() {
        return Ok(None);
    }
    let claim_key = ClaimKey::new(claim.date, *claim_ref);
    let nodes = nodes_of(rows, claim)?;
    let texts: Vec<String> = nodes.iter().map(|node| node.as_str().to_owned()).collect();
    rows.put(
        key::claim_nodes(claim_ref),
        Encoder::new().strings(&texts).finish(),
    );
    let claim_type = claim.claim_type().name();
    let logged = Encoder::new().str(claim_type).strings(&texts).finish();
    rows.put(key::claim_log(&claim_key), logged);
    let deletes = claim
        .changes()
        .iter()
        .any(|change| matches!(change, Change::Delete { .. }));
    for node in &nodes {
        rows.put(key::node_claim(node, &claim_key), Vec::new());
        if deletes || changes_place_of(claim, node) {
            rows.put(key::place_log(&claim_key, node), Vec::new());
        }
    }
    for change in claim.changes() {
        match change {
            Change::Delete { target } => rows.put(key::deleter(target, &claim_key), Vec::new()),
            Change::SetAttribute {
                node,
                attribute,
                value,
            } if attribute == CAMLI_ROOT && value == ROOT_NAME => {
                rows.put(key::root(&claim_key, node), Vec::new());
            }
            _ => {}
        }
    }
    let early = log_early_deleters(rows, claim_ref, &nodes)?;
    let touches_place = deletes || early || nodes.iter().any(|node| changes_place_of(claim, node));
    Ok(Some(Logged {
        nodes,
        touches_place,
        force_replay: deletes || early,
    }))
}

/// Deletes of this claim indexed before it: they now reach its nodes.
fn log_early_deleters(
    rows: &mut Rows<'_>,
    claim_ref: &BlobRef,
    nodes: &[BlobRef],
) -> Result<bool, IndexError> {
    let prefix = key::table_ref(key::TABLE_DELETERS, claim_ref);
    let found = rows.scan(&prefix, &key::prefix_end(&prefix))?;
    for (row, _) in &found {
        let deleter = ClaimKey::decode_prefix(&row[prefix.len()..])
            .ok_or_else(|| IndexError::corrupt("deleters", row))?
            .0;
        for node in nodes {
            rows.put(key::node_claim(node, &deleter), Vec::new());
            rows.put(key::place_log(&deleter, node), Vec::new());
        }
    }
    Ok(!found.is_empty())
}

fn changes_place_of(claim: &Claim, node: &BlobRef) -> bool {
    claim
        .changes()
        .iter()
        .any(|change| change.node() == Some(node) && change.attribute() == Some(STRATA_PLACE))
}

/// The newest claim key in the place log, if any.
fn place_watermark(rows: &Rows<'_>) -> Result<Option<ClaimKey>, IndexError> {
    let prefix = key::table(key::TABLE_PLACE_LOG);
    let last = rows.last_in(&prefix, &key::prefix_end(&prefix))?;
    Ok(last.and_then(|(row, _)| ClaimKey::decode_prefix(&row[prefix.len()..]).map(|(key, _)| key)))
}

/// Nodes with a place change at or after `from`.
fn placed_since(rows: &Rows<'_>, from: &ClaimKey) -> Result<BTreeSet<BlobRef>, IndexError> {
    let prefix = key::table(key::TABLE_PLACE_LOG);
    let mut start = prefix.clone();
    from.encode_into(&mut start);
    let mut nodes = BTreeSet::new();
    for (row, _) in rows.scan(&start, &key::prefix_end(&prefix))? {
        let (_, rest) = ClaimKey::decode_prefix(&row[prefix.len()..])
            .ok_or_else(|| IndexError::corrupt("place log", &row))?;
        nodes.insert(
            key::take_ref(rest)
                .ok_or_else(|| IndexError::corrupt("place log", &row))?
                .0,
        );
    }
    Ok(nodes)
}

pub fn load_head(rows: &Rows<'_>, node: &BlobRef) -> Result<Option<Head>, IndexError> {
    let row = key::head(node);
    match rows.get(&row)? {
        None => Ok(None),
        Some(bytes) => Head::decode(&bytes)
            .map(Some)
            .ok_or_else(|| IndexError::corrupt("heads", &row)),
    }
}

/// Indexes `claim` (named `claim_ref`) into `rows`; a claim already
/// indexed changes nothing. `content_sizes`: sizes of contents the
/// caller knows (see `index::index_claim_sized`).
pub fn index_claim(
    rows: &mut Rows<'_>,
    source: &dyn BlobSource,
    claim_ref: &BlobRef,
    claim: &Claim,
    content_sizes: &[(BlobRef, u64)],
) -> Result<(), IndexError> {
    let claim_key = ClaimKey::new(claim.date, *claim_ref);
    let watermark = place_watermark(rows)?;
    let Some(logged) = log_claim(rows, claim_ref, claim)? else {
        return Ok(());
    };
    let mut heads = HashMap::new();
    let mut replay_needed = logged.force_replay;
    for node in &logged.nodes {
        let head = load_head(rows, node)?.unwrap_or_else(Head::empty);
        replay_needed |= head.has_deleters || head.last.is_some_and(|last| last > claim_key);
        heads.insert(*node, head);
    }
    let late = logged.touches_place && watermark.is_some_and(|newest| newest > claim_key);
    if !(replay_needed || late) {
        let sizes = content_sizes.iter().copied().collect();
        return extend(rows, source, heads, sizes, &logged.nodes, &claim_key, claim);
    }
    let mut nodes: BTreeSet<BlobRef> = logged.nodes.iter().copied().collect();
    if logged.touches_place {
        nodes.extend(placed_since(rows, &claim_key)?);
    }
    let known = HashMap::from([(*claim_ref, std::sync::Arc::new(claim.clone()))]);
    replay(rows, source, &nodes, known)
}

/// The in-order path: one step per node of the claim.
fn extend(
    rows: &mut Rows<'_>,
    source: &dyn BlobSource,
    mut heads: HashMap<BlobRef, Head>,
    mut sizes: HashMap<BlobRef, u64>,
    nodes: &[BlobRef],
    claim_key: &ClaimKey,
    claim: &Claim,
) -> Result<(), IndexError> {
    for node in nodes {
        let mut head = heads.remove(node).expect("loaded above");
        let mut attributes = head.attributes.clone();
        let (touches_place, restore) = tracked_changes(claim, node, &mut attributes);
        let step = Step {
            key: *claim_key,
            attributes,
            touches_place,
            restore,
        };
        let db = rows.db();
        let mut around = Around {
            db,
            source,
            heads: &heads,
            sizes: &mut sizes,
        };
        advance(rows, node, &mut head, step, &mut around)?;
        heads.insert(*node, head);
    }
    for (node, head) in heads {
        rows.put(key::head(&node), head.encode());
    }
    Ok(())
}
