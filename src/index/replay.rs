//! Rebuilding the derived rows of a set of nodes from their claims: every
//! old row of theirs is dropped, then their claims are stepped through in
//! claim order, all nodes together, so the cycle rule sees each node's
//! place as it stood just before each claim. Nodes outside the set keep
//! their rows: the caller includes every node whose rows could change.

use super::apply::RESTORE_MARKER;
use super::error::IndexError;
use super::key::{self, ClaimKey};
use super::neighbours::Around;
use super::record::{Head, Segment};
use super::rows::Rows;
use super::timeline::{Step, advance};
use crate::blob::{BlobRef, BlobSource};
use crate::schema::attributes::{CAMLI_CONTENT, CAMLI_NODE_TYPE, STRATA_PLACE};
use crate::schema::{Change, Claim, apply_change, attributes_at};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The attributes the tree reads (the rest are read from claims on demand).
pub const TRACKED_ATTRIBUTES: [&str; 3] = [STRATA_PLACE, CAMLI_CONTENT, CAMLI_NODE_TYPE];

/// Applies `claim`'s tracked changes to `node` onto `attributes`; returns
/// (touches the place, carries the restore marker).
pub fn tracked_changes(
    claim: &Claim,
    node: &BlobRef,
    attributes: &mut BTreeMap<String, Vec<String>>,
) -> (bool, bool) {
    let (mut touches_place, mut restore) = (false, false);
    for change in claim.changes() {
        if change.node() != Some(node) {
            continue;
        }
        let attribute = change.attribute().unwrap_or_default();
        touches_place |= attribute == STRATA_PLACE;
        restore |= attribute == RESTORE_MARKER;
        if TRACKED_ATTRIBUTES.contains(&attribute) {
            apply_change(change, attributes);
        }
    }
    (touches_place, restore)
}

/// Claims by ref, parsed once.
pub type ClaimCache = HashMap<BlobRef, Arc<Claim>>;

fn load_claim(
    source: &dyn BlobSource,
    cache: &mut ClaimCache,
    claim_ref: &BlobRef,
) -> Result<Arc<Claim>, IndexError> {
    if let Some(claim) = cache.get(claim_ref) {
        return Ok(claim.clone());
    }
    let bytes = source.get(claim_ref).map_err(IndexError::Blob)?;
    let claim = Claim::parse(&bytes).map_err(|error| IndexError::Corrupt {
        what: format!("indexed claim {claim_ref} does not parse: {error}"),
    })?;
    let claim = Arc::new(claim);
    cache.insert(*claim_ref, claim.clone());
    Ok(claim)
}

/// The claim keys of `node` (its claims and the deletes that reach it).
pub fn node_claim_keys(rows: &Rows<'_>, node: &BlobRef) -> Result<Vec<ClaimKey>, IndexError> {
    let prefix = key::table_ref(key::TABLE_NODE_CLAIMS, node);
    let mut keys = Vec::new();
    for (row, _) in rows.scan(&prefix, &key::prefix_end(&prefix))? {
        let (claim_key, _) = ClaimKey::decode_prefix(&row[prefix.len()..])
            .ok_or_else(|| IndexError::corrupt("node claims", &row))?;
        keys.push(claim_key);
    }
    Ok(keys)
}

/// Drops every derived row of `node`: head, segments (both copies),
/// placements, events.
fn clear_derived(rows: &mut Rows<'_>, node: &BlobRef) -> Result<(), IndexError> {
    rows.delete(key::head(node));
    let prefix = key::table_ref(key::TABLE_SEGMENTS, node);
    for (row, value) in rows.scan(&prefix, &key::prefix_end(&prefix))? {
        let from = ClaimKey::decode_prefix(&row[prefix.len()..]).map(|(from, _)| from);
        let segment = Segment::decode(&value);
        let (Some(from), Some(segment)) = (from, segment) else {
            return Err(IndexError::corrupt("segments", &row));
        };
        let placement = segment.placement();
        let place = &placement.place;
        rows.delete(key::child(&place.parent, &from, node));
        rows.delete(key::name(
            &place.parent,
            &place.name,
            &placement.since,
            node,
        ));
        rows.delete(row);
    }
    let prefix = key::table_ref(key::TABLE_EVENTS, node);
    for (row, _) in rows.scan(&prefix, &key::prefix_end(&prefix))? {
        rows.delete(row);
    }
    Ok(())
}

/// One node's claims, in claim order.
struct NodeClaims {
    claims: Vec<(ClaimKey, Arc<Claim>)>,
    has_deleters: bool,
}

fn load_node_claims(
    rows: &Rows<'_>,
    source: &dyn BlobSource,
    cache: &mut ClaimCache,
    node: &BlobRef,
) -> Result<NodeClaims, IndexError> {
    let mut claims = Vec::new();
    for claim_key in node_claim_keys(rows, node)? {
        claims.push((claim_key, load_claim(source, cache, &claim_key.claim)?));
    }
    let has_deleters = claims.iter().any(|(_, claim)| {
        claim
            .changes()
            .iter()
            .any(|change| matches!(change, Change::Delete { .. }))
    });
    Ok(NodeClaims {
        claims,
        has_deleters,
    })
}

/// The step of `node` at its claim number `index`.
fn step_of(node: &BlobRef, head: &Head, claims: &NodeClaims, index: usize) -> Step {
    let (claim_key, claim) = &claims.claims[index];
    let mut attributes = head.attributes.clone();
    let (touches_place, restore) = tracked_changes(claim, node, &mut attributes);
    if claims.has_deleters {
        // Deletes are evaluated at each date (SCHEMA.md): fold again.
        let upto: Vec<(BlobRef, Claim)> = claims.claims[..=index]
            .iter()
            .map(|(k, c)| (k.claim, (**c).clone()))
            .collect();
        let state = attributes_at(node, &upto, claim_key.date);
        attributes = state
            .attributes
            .into_iter()
            .filter(|(name, _)| TRACKED_ATTRIBUTES.contains(&name.as_str()))
            .collect();
    }
    Step {
        key: *claim_key,
        attributes,
        touches_place,
        restore,
    }
}

/// Rebuilds every derived row of `nodes` (see the module header).
/// `cache` may hold claims not stored yet (the one being indexed).
pub fn replay(
    rows: &mut Rows<'_>,
    source: &dyn BlobSource,
    nodes: &BTreeSet<BlobRef>,
    mut cache: ClaimCache,
) -> Result<(), IndexError> {
    let mut all = HashMap::new();
    let mut order = Vec::new();
    for node in nodes {
        clear_derived(rows, node)?;
        let claims = load_node_claims(rows, source, &mut cache, node)?;
        for (index, (claim_key, claim)) in claims.claims.iter().enumerate() {
            let position = claim
                .changes()
                .iter()
                .position(|change| change.node() == Some(node))
                .unwrap_or(usize::MAX);
            order.push((*claim_key, position, *node, index));
        }
        all.insert(*node, claims);
    }
    order.sort();
    let mut heads: HashMap<BlobRef, Head> =
        nodes.iter().map(|node| (*node, Head::empty())).collect();
    for node in nodes {
        heads.get_mut(node).expect("inserted").has_deleters = all[node].has_deleters;
    }
    let mut sizes = HashMap::new();
    for (_, _, node, index) in order {
        let mut head = heads.remove(&node).expect("every node has a head");
        let step = step_of(&node, &head, &all[&node], index);
        let db = rows.db();
        let mut around = Around {
            db,
            source,
            heads: &heads,
            sizes: &mut sizes,
        };
        advance(rows, &node, &mut head, step, &mut around)?;
        heads.insert(node, head);
    }
    for (node, head) in heads {
        rows.put(key::head(&node), head.encode());
    }
    Ok(())
}
