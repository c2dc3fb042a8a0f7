//! What a node's step needs to know about other nodes: their parents just
//! before a claim (the cycle check) and content sizes. Nodes being
//! advanced in this update answer from their heads in memory; every other
//! node from its segment rows in the Db (this update does not change them).

use super::error::IndexError;
use super::key::{self, ClaimKey};
use super::record::{Head, Segment};
use super::timeline::Neighbours;
use crate::blob::file_reader::read_schema;
use crate::blob::{BlobRef, BlobSource};
use crate::store::{Db, ReadOptions};
use std::collections::HashMap;

pub struct Around<'a> {
    pub db: &'a Db,
    pub source: &'a dyn BlobSource,
    /// The nodes being advanced (the one stepping is taken out meanwhile).
    pub heads: &'a HashMap<BlobRef, Head>,
    pub sizes: &'a mut HashMap<BlobRef, u64>,
}

/// The parent of `node` just before `key`, from its stored segments.
pub fn stored_parent_before(
    db: &Db,
    node: &BlobRef,
    claim_key: &ClaimKey,
) -> Result<Option<BlobRef>, IndexError> {
    let prefix = key::table_ref(key::TABLE_SEGMENTS, node);
    let mut cursor = db.iter(&ReadOptions::new());
    cursor.seek(&key::segment(node, claim_key));
    if cursor.valid() {
        cursor.prev();
    } else {
        cursor.seek_to_last();
    }
    if !cursor.valid() || !cursor.key().starts_with(&prefix) {
        cursor.status()?;
        return Ok(None);
    }
    let segment = Segment::decode(&cursor.value()?)
        .ok_or_else(|| IndexError::corrupt("segments", cursor.key()))?;
    let holds = segment.until.is_none_or(|until| until >= *claim_key);
    Ok(holds.then(|| segment.placement().place.parent))
}

impl Neighbours for Around<'_> {
    fn parent_before(
        &mut self,
        node: &BlobRef,
        claim_key: &ClaimKey,
    ) -> Result<Option<BlobRef>, IndexError> {
        if let Some(head) = self.heads.get(node) {
            return Ok(head.view.placement.as_ref().map(|p| p.place.parent));
        }
        stored_parent_before(self.db, node, claim_key)
    }

    fn content_size(&mut self, content: &BlobRef) -> u64 {
        if let Some(size) = self.sizes.get(content) {
            return *size;
        }
        // Content not stored (yet) counts as 0 bytes; reindex recounts it.
        let size = read_schema(self.source, content).map_or(0, |schema| schema.size());
        self.sizes.insert(*content, size);
        size
    }
}
