//! A permanode's attributes at any time T: the pure fold of its claims
//! that `src/fs` and `src/index` build on (TREE.md, "Order"; PERKEEP.md,
//! "Attributes at time T").
//!
//! Rules, in order:
//! 1. Only claims dated at or before T count (a claim dated exactly T
//!    does). T is an exact instant: `…T10:00:00Z` is 10:00:00.000000000.
//! 2. Claims are applied in `(claimDate, claim ref)` order, refs compared as
//!    byte strings, whatever order the caller gives them in.
//! 3. Deletions are evaluated at T too: a claim or node is deleted when a
//!    `delete` dated ≤ T targets it and that delete is not itself deleted
//!    (a delete of a delete undeletes, and so on down the chain). A `delete`
//!    inside a `multi` is made by the multi's ref. A deleted claim has no
//!    effect at all (a deleted `multi` loses every change); a deleted node
//!    has no attributes.
//! 4. `set-attribute` replaces all values; `add-attribute` appends one (a
//!    repeated value is kept twice, as Perkeep keeps it); `del-attribute`
//!    removes the attribute, or with a value every equal value; an
//!    attribute left without values is gone.
//!
//! Delete chains are resolved with an explicit stack, so a long chain
//! cannot overflow the call stack; a cycle (impossible with real refs, since
//! a claim names refs of blobs that exist before it) is broken by ignoring
//! the edge that closes it.

use super::claim::{Change, Claim};
use crate::blob::BlobRef;
use crate::util::rfc3339::Timestamp;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A node's attributes at some time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttributeState {
    /// Each attribute's values, in the order they were added.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// A live `delete` claim targets the node itself.
    pub deleted: bool,
}

impl AttributeState {
    /// Every value of `attribute` (empty when it has none).
    pub fn values(&self, attribute: &str) -> &[String] {
        self.attributes.get(attribute).map_or(&[], Vec::as_slice)
    }

    /// The last value of `attribute`: the value of a single-valued one.
    pub fn get(&self, attribute: &str) -> Option<&str> {
        self.values(attribute).last().map(String::as_str)
    }
}

/// The order key of a claim: `(claimDate, claim ref)`.
pub fn claim_order(claim_ref: &BlobRef, claim: &Claim) -> (Timestamp, BlobRef) {
    (claim.date, *claim_ref)
}

/// `node`'s attributes at `at`, from `claims` (each with its ref): the
/// claims that change `node` and the `delete` claims that target it or
/// those claims. Other claims may be present and are ignored.
pub fn attributes_at(node: &BlobRef, claims: &[(BlobRef, Claim)], at: Timestamp) -> AttributeState {
    let mut dated: Vec<&(BlobRef, Claim)> = claims
        .iter()
        .filter(|(_, claim)| claim.date <= at)
        .collect();
    dated.sort_by_key(|(claim_ref, claim)| claim_order(claim_ref, claim));
    let mut deletions = Deletions::new(&dated);
    if deletions.is_deleted(*node) {
        return AttributeState {
            attributes: BTreeMap::new(),
            deleted: true,
        };
    }
    let mut attributes = BTreeMap::new();
    for (claim_ref, claim) in dated {
        if deletions.is_deleted(*claim_ref) {
            continue;
        }
        for change in claim.changes() {
            if change.node() == Some(node) {
                apply_change(change, &mut attributes);
            }
        }
    }
    AttributeState {
        attributes,
        deleted: false,
    }
}

/// Applies one change to a node's attributes (rule 4 of the module header);
/// a `delete` change is not about attributes and changes nothing here.
pub fn apply_change(change: &Change, attributes: &mut BTreeMap<String, Vec<String>>) {
    match change {
        Change::SetAttribute {
            attribute, value, ..
        } => {
            attributes.insert(attribute.clone(), vec![value.clone()]);
        }
        Change::AddAttribute {
            attribute, value, ..
        } => attributes
            .entry(attribute.clone())
            .or_default()
            .push(value.clone()),
        Change::DelAttribute {
            attribute,
            value: None,
            ..
        } => {
            attributes.remove(attribute);
        }
        Change::DelAttribute {
            attribute,
            value: Some(value),
            ..
        } => {
            if let Some(values) = attributes.get_mut(attribute) {
                values.retain(|kept| kept != value);
                if values.is_empty() {
                    attributes.remove(attribute);
                }
            }
        }
        Change::Delete { .. } => {}
    }
}

/// Which refs are deleted, among the claims dated ≤ T.
struct Deletions {
    /// Target → the claims that delete it.
    deleters: HashMap<BlobRef, Vec<BlobRef>>,
    /// Resolved: ref → deleted.
    memo: HashMap<BlobRef, bool>,
}

impl Deletions {
    fn new(dated: &[&(BlobRef, Claim)]) -> Deletions {
        let mut deleters: HashMap<BlobRef, Vec<BlobRef>> = HashMap::new();
        for (claim_ref, claim) in dated {
            for change in claim.changes() {
                if let Change::Delete { target } = change {
                    deleters.entry(*target).or_default().push(*claim_ref);
                }
            }
        }
        Deletions {
            deleters,
            memo: HashMap::new(),
        }
    }

    /// Whether a live deleter targets `start` (see the module header).
    fn is_deleted(&mut self, start: BlobRef) -> bool {
        let mut stack = vec![start];
        let mut on_stack = HashSet::from([start]);
        while let Some(&top) = stack.last() {
            let (deleted, pending) = self.step(top, &on_stack);
            match pending {
                Some(next) => {
                    stack.push(next);
                    on_stack.insert(next);
                }
                None => {
                    self.memo.insert(top, deleted);
                    stack.pop();
                    on_stack.remove(&top);
                }
            }
        }
        self.memo.get(&start).copied().unwrap_or(false)
    }

    /// `(deleted, None)` when `target`'s status is known from resolved
    /// deleters, or `(_, Some(deleter))` to resolve first.
    fn step(&self, target: BlobRef, on_stack: &HashSet<BlobRef>) -> (bool, Option<BlobRef>) {
        if let Some(&deleted) = self.memo.get(&target) {
            return (deleted, None);
        }
        let deleters = self.deleters.get(&target).map_or(&[][..], Vec::as_slice);
        for deleter in deleters {
            match self.memo.get(deleter) {
                Some(false) => return (true, None),
                Some(true) => {}
                None if on_stack.contains(deleter) => {}
                None => return (false, Some(*deleter)),
            }
        }
        (false, None)
    }
}

#[cfg(test)]
mod tests;
