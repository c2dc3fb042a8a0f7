//! One step of a node's timeline: from its head and the attributes its
//! next claim leaves, the node's next view (applying the cycle rule of
//! TREE.md, "Visibility at T", 1) and the rows that record the change:
//! the segment closed and opened, the placement closed and opened, and
//! the history event. Both the in-order path and the replay use it, so
//! they cannot disagree.

use super::error::IndexError;
use super::key::{self, ClaimKey};
use super::record::{Event, EventKind, Head, Kind, NodeView, Placement, Segment};
use super::rows::Rows;
use crate::blob::BlobRef;
use crate::schema::Place;
use crate::schema::attributes::{
    CAMLI_CONTENT, CAMLI_NODE_TYPE, NODE_TYPE_DIRECTORY, STRATA_PLACE,
};
use std::collections::BTreeMap;

/// The longest ancestor chain the cycle check walks. A longer one can
/// only come from damage; the move is then treated as a cycle (skipped).
pub const ANCESTOR_WALK_NODES_MAX: usize = 100_000;

/// What the next claim of a node asks.
pub struct Step {
    pub key: ClaimKey,
    /// The tracked attributes after the claim.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// The claim sets or removes the place (a place claim, even when it
    /// names the place the node already has).
    pub touches_place: bool,
    /// The claim is part of a restore (it carries the restore marker).
    pub restore: bool,
}

/// Answers questions about other nodes while a node advances.
pub trait Neighbours {
    /// The parent of `node` just before the claim `key` (after every
    /// claim ordered before it), or None when it has no place.
    fn parent_before(
        &mut self,
        node: &BlobRef,
        key: &ClaimKey,
    ) -> Result<Option<BlobRef>, IndexError>;
    /// The size of the content `content` (0 when it cannot be read).
    fn content_size(&mut self, content: &BlobRef) -> u64;
}

/// Whether placing `node` under `parent` would make it its own ancestor,
/// given the places just before `key`.
fn would_cycle(
    node: &BlobRef,
    parent: &BlobRef,
    key: &ClaimKey,
    neighbours: &mut dyn Neighbours,
) -> Result<bool, IndexError> {
    let mut current = *parent;
    for _ in 0..ANCESTOR_WALK_NODES_MAX {
        if current == *node {
            return Ok(true);
        }
        match neighbours.parent_before(&current, key)? {
            Some(next) => current = next,
            None => return Ok(false),
        }
    }
    Ok(true)
}

fn last_value<'a>(attributes: &'a BTreeMap<String, Vec<String>>, name: &str) -> Option<&'a str> {
    attributes
        .get(name)
        .and_then(|values| values.last())
        .map(String::as_str)
}

/// The node's next placement under the cycle rule.
fn next_placement(
    node: &BlobRef,
    head: &Head,
    step: &Step,
    neighbours: &mut dyn Neighbours,
) -> Result<Option<Placement>, IndexError> {
    let asked = last_value(&step.attributes, STRATA_PLACE);
    let before = last_value(&head.attributes, STRATA_PLACE);
    if !step.touches_place && asked == before {
        return Ok(head.view.placement.clone());
    }
    // An unreadable place value names no folder: the node has no place.
    let Some(place) = asked.and_then(|value| Place::parse(value).ok()) else {
        return Ok(None);
    };
    if would_cycle(node, &place.parent, &step.key, neighbours)? {
        return Ok(head.view.placement.clone());
    }
    Ok(Some(Placement {
        place,
        since: step.key,
    }))
}

/// The node's view after `step`.
fn next_view(
    node: &BlobRef,
    head: &Head,
    step: &Step,
    neighbours: &mut dyn Neighbours,
) -> Result<NodeView, IndexError> {
    let placement = next_placement(node, head, step, neighbours)?;
    let content = last_value(&step.attributes, CAMLI_CONTENT).and_then(|v| BlobRef::parse(v).ok());
    let size = match content {
        Some(content) if Some(content) == head.view.content => head.view.size,
        Some(content) => neighbours.content_size(&content),
        None => 0,
    };
    let folder = last_value(&step.attributes, CAMLI_NODE_TYPE) == Some(NODE_TYPE_DIRECTORY);
    Ok(NodeView {
        placement,
        kind: if folder { Kind::Folder } else { Kind::File },
        content,
        size,
    })
}

/// Applies `step` to `node`'s head, writing the rows it changes.
pub fn advance(
    rows: &mut Rows<'_>,
    node: &BlobRef,
    head: &mut Head,
    step: Step,
    neighbours: &mut dyn Neighbours,
) -> Result<(), IndexError> {
    let next = next_view(node, head, &step, neighbours)?;
    if next != head.view {
        write_segments(rows, node, head, &next, &step.key);
        write_placements(rows, node, &head.view, &next, &step.key);
        if let Some(event) = event_of(head, &next, &step) {
            rows.put(key::event(node, &step.key, 0), event.encode_value());
        }
    }
    head.ever_placed |= next.placement.is_some();
    head.view = next;
    head.last = Some(step.key);
    head.attributes = step.attributes;
    Ok(())
}

/// Closes the open segment at `key` and opens the next one.
fn write_segments(
    rows: &mut Rows<'_>,
    node: &BlobRef,
    head: &mut Head,
    next: &NodeView,
    key: &ClaimKey,
) {
    if let (Some(from), Some(placement)) = (head.segment_from, &head.view.placement) {
        let closed = Segment {
            until: Some(*key),
            view: head.view.clone(),
        };
        rows.put(key::segment(node, &from), closed.encode());
        rows.put(
            key::child(&placement.place.parent, &from, node),
            closed.encode(),
        );
    }
    head.segment_from = None;
    if let Some(placement) = &next.placement {
        let opened = Segment {
            until: None,
            view: next.clone(),
        };
        rows.put(key::segment(node, key), opened.encode());
        rows.put(
            key::child(&placement.place.parent, key, node),
            opened.encode(),
        );
        head.segment_from = Some(*key);
    }
}

/// Closes the placement that ends at `key` and opens the next one.
fn write_placements(
    rows: &mut Rows<'_>,
    node: &BlobRef,
    before: &NodeView,
    next: &NodeView,
    key: &ClaimKey,
) {
    if before.placement == next.placement {
        return;
    }
    let mut encoder = super::codec::Encoder::new();
    if let Some(old) = &before.placement {
        let row = key::name(&old.place.parent, &old.place.name, &old.since, node);
        rows.put(row, encoder.optional_key(Some(key)).finish());
    }
    if let Some(new) = &next.placement {
        let row = key::name(&new.place.parent, &new.place.name, &new.since, node);
        rows.put(row, encoder.optional_key(None).finish());
    }
}

/// The history event of a change from `head.view` to `next`, if any.
fn event_of(head: &Head, next: &NodeView, step: &Step) -> Option<Event> {
    let from = head.view.placement.as_ref().map(|p| p.place.clone());
    let to = next.placement.as_ref().map(|p| p.place.clone());
    let kind = match (&from, &to) {
        (None, Some(_)) if head.ever_placed || step.restore => EventKind::Restored,
        (None, Some(_)) => EventKind::Created,
        (Some(_), None) => EventKind::Deleted,
        (Some(old), Some(new)) if old != new && step.restore => EventKind::Restored,
        (Some(old), Some(new)) if old != new => EventKind::Moved,
        _ if next.content != head.view.content && step.restore => EventKind::Restored,
        _ if next.content != head.view.content => EventKind::Edited,
        _ => return None,
    };
    Some(Event {
        key: step.key,
        kind,
        content: next.content,
        size: next.size,
        from,
        to,
    })
}
