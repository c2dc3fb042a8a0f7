//! The decoded values of the index's tables (layouts in `INDEX.md`): a
//! node's view (kind, place, content), its head, its segments and its
//! history events. Each `encode` has a `decode` that returns `None` for
//! damaged bytes.

use super::codec::{Decoder, Encoder};
use super::key::ClaimKey;
use crate::blob::BlobRef;
use crate::schema::Place;
use std::collections::BTreeMap;

/// A file or a folder (`camliNodeType: directory`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    File,
    Folder,
}

impl Kind {
    fn code(self) -> u8 {
        match self {
            Kind::File => 0,
            Kind::Folder => 1,
        }
    }

    fn from_code(code: u8) -> Option<Kind> {
        match code {
            0 => Some(Kind::File),
            1 => Some(Kind::Folder),
            _ => None,
        }
    }
}

/// Where a node is, and the claim that put it there (the suffix rule
/// orders same-name nodes by `since`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub place: Place,
    pub since: ClaimKey,
}

/// What a node looks like between two of its claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    /// `None`: not in any folder (never placed, tombstoned, or the root).
    pub placement: Option<Placement>,
    pub kind: Kind,
    /// The `camliContent` ref (a `file` schema blob).
    pub content: Option<BlobRef>,
    /// The content's size in bytes (0 when unknown or none).
    pub size: u64,
}

impl NodeView {
    pub fn empty() -> NodeView {
        NodeView {
            placement: None,
            kind: Kind::File,
            content: None,
            size: 0,
        }
    }

    fn encode_into(&self, encoder: &mut Encoder) {
        match &self.placement {
            None => encoder.u8(0),
            Some(placement) => encoder
                .u8(1)
                .blob_ref(&placement.place.parent)
                .str(&placement.place.name)
                .key(&placement.since),
        };
        encoder
            .u8(self.kind.code())
            .optional_ref(self.content.as_ref())
            .u64(self.size);
    }

    fn decode_from(decoder: &mut Decoder<'_>) -> Option<NodeView> {
        let placement = match decoder.u8()? {
            0 => None,
            1 => {
                let parent = decoder.blob_ref()?;
                let name = decoder.str()?;
                let since = decoder.key()?;
                let place = Place::new(parent, name).ok()?;
                Some(Placement { place, since })
            }
            _ => return None,
        };
        Some(NodeView {
            placement,
            kind: Kind::from_code(decoder.u8()?)?,
            content: decoder.optional_ref()?,
            size: decoder.u64()?,
        })
    }
}

/// A node's state after its last indexed claim: what the next claim in
/// order needs to extend its rows without reading its history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The last claim applied.
    pub last: Option<ClaimKey>,
    /// The tracked attributes (place, content, kind) as the claims ask.
    pub attributes: BTreeMap<String, Vec<String>>,
    pub view: NodeView,
    /// Where the open segment starts (when placed).
    pub segment_from: Option<ClaimKey>,
    /// Whether the node ever had a place (a later place is a restore).
    pub ever_placed: bool,
    /// A `delete` claim reaches the node or one of its claims: its state
    /// must be folded with the deletes evaluated at each date.
    pub has_deleters: bool,
}

impl Head {
    pub fn empty() -> Head {
        Head {
            last: None,
            attributes: BTreeMap::new(),
            view: NodeView::empty(),
            segment_from: None,
            ever_placed: false,
            has_deleters: false,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut encoder = Encoder::new();
        encoder.optional_key(self.last.as_ref());
        let count = u32::try_from(self.attributes.len()).expect("few tracked attributes");
        encoder.u64(u64::from(count));
        for (name, values) in &self.attributes {
            encoder.str(name).strings(values);
        }
        self.view.encode_into(&mut encoder);
        encoder
            .optional_key(self.segment_from.as_ref())
            .u8(u8::from(self.ever_placed))
            .u8(u8::from(self.has_deleters));
        encoder.finish()
    }

    pub fn decode(bytes: &[u8]) -> Option<Head> {
        let mut decoder = Decoder::new(bytes);
        let last = decoder.optional_key()?;
        let count = decoder.u64()?;
        let mut attributes = BTreeMap::new();
        for _ in 0..count {
            let name = decoder.str()?.to_owned();
            attributes.insert(name, decoder.strings()?);
        }
        let head = Head {
            last,
            attributes,
            view: NodeView::decode_from(&mut decoder)?,
            segment_from: decoder.optional_key()?,
            ever_placed: decoder.u8()? == 1,
            has_deleters: decoder.u8()? == 1,
        };
        decoder.is_done().then_some(head)
    }
}

/// A stretch of time `[from, until)` in which a placed node's view did
/// not change: one row under the node (`xs`) and one under its folder
/// (`xf`), with the same value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// `None`: still open.
    pub until: Option<ClaimKey>,
    /// Its placement is always `Some`.
    pub view: NodeView,
}

impl Segment {
    pub fn encode(&self) -> Vec<u8> {
        let mut encoder = Encoder::new();
        encoder.optional_key(self.until.as_ref());
        self.view.encode_into(&mut encoder);
        encoder.finish()
    }

    pub fn decode(bytes: &[u8]) -> Option<Segment> {
        let mut decoder = Decoder::new(bytes);
        let until = decoder.optional_key()?;
        let view = NodeView::decode_from(&mut decoder)?;
        (decoder.is_done() && view.placement.is_some()).then_some(Segment { until, view })
    }

    /// The placement (always present; see the field).
    pub fn placement(&self) -> &Placement {
        self.view.placement.as_ref().expect("a segment is placed")
    }

    /// Whether the segment holds just after every claim dated `≤ at`.
    pub fn is_live_at(&self, at: crate::util::rfc3339::Timestamp) -> bool {
        self.until.is_none_or(|until| until.date > at)
    }
}

/// What happened to a node at one claim (TREE.md, history).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// First placed (with its first content, if any).
    Created,
    /// New content.
    Edited,
    /// Moved or renamed.
    Moved,
    /// Tombstoned.
    Deleted,
    /// Placed again after a delete, or put back by a restore.
    Restored,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Edited => "edited",
            EventKind::Moved => "moved",
            EventKind::Deleted => "deleted",
            EventKind::Restored => "restored",
        }
    }

    const ALL: [EventKind; 5] = [
        EventKind::Created,
        EventKind::Edited,
        EventKind::Moved,
        EventKind::Deleted,
        EventKind::Restored,
    ];
}

/// One event of a node's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub key: ClaimKey,
    pub kind: EventKind,
    /// The content after the event, and its size.
    pub content: Option<BlobRef>,
    pub size: u64,
    /// The place before and after the event.
    pub from: Option<Place>,
    pub to: Option<Place>,
}

fn encode_place(encoder: &mut Encoder, place: Option<&Place>) {
    match place {
        None => encoder.u8(0),
        Some(place) => encoder.u8(1).blob_ref(&place.parent).str(&place.name),
    };
}

fn decode_place(decoder: &mut Decoder<'_>) -> Option<Option<Place>> {
    match decoder.u8()? {
        0 => Some(None),
        1 => {
            let parent = decoder.blob_ref()?;
            Some(Some(Place::new(parent, decoder.str()?).ok()?))
        }
        _ => None,
    }
}

impl Event {
    /// The value (the key holds node, claim key and sequence).
    pub fn encode_value(&self) -> Vec<u8> {
        let code = EventKind::ALL.iter().position(|kind| *kind == self.kind);
        let mut encoder = Encoder::new();
        encoder
            .u8(u8::try_from(code.expect("listed")).expect("five kinds"))
            .optional_ref(self.content.as_ref())
            .u64(self.size);
        encode_place(&mut encoder, self.from.as_ref());
        encode_place(&mut encoder, self.to.as_ref());
        encoder.finish()
    }

    pub fn decode_value(key: ClaimKey, bytes: &[u8]) -> Option<Event> {
        let mut decoder = Decoder::new(bytes);
        let kind = *EventKind::ALL.get(usize::from(decoder.u8()?))?;
        let event = Event {
            key,
            kind,
            content: decoder.optional_ref()?,
            size: decoder.u64()?,
            from: decode_place(&mut decoder)?,
            to: decode_place(&mut decoder)?,
        };
        decoder.is_done().then_some(event)
    }
}
