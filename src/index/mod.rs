//! The index: rows derived from claims that make every question of
//! TREE.md one range scan or one seek. Every row is derived: `reindex`
//! drops them all and rebuilds them from the blobs alone, with the same
//! answers. Key and value layouts, byte by byte, are in `INDEX.md`.
//!
//! Where to start reading: [`index_blob`] (what the blob routes call for
//! any blob they store: a claim yields rows, anything else none), then
//! `apply` (one claim: its log rows, then the in-order step or a replay),
//! `timeline` (one step of one node: the cycle rule, segments, placements,
//! history), `replay`, and `query` (the reads the tree makes).
//!
//! Contract: the rows for a claim are computed from the Db as it is and
//! must be written (with the claim blob, in one atomic batch) before the
//! next claim's rows are computed. Callers serialise updates with one
//! lock (`fs::Tree` holds it); reads need no lock.

mod apply;
mod codec;
mod error;
pub mod key;
mod neighbours;
pub mod query;
pub mod record;
mod reindex;
mod replay;
mod rows;
mod timeline;

pub use apply::RESTORE_MARKER;
pub use error::IndexError;
pub use key::ClaimKey;
pub use record::{Event, EventKind, Head, Kind, NodeView, Placement, Segment};
pub use reindex::{ReindexReport, reindex};
pub use rows::Rows;
pub use timeline::ANCESTOR_WALK_NODES_MAX;

use crate::blob::{BlobRef, BlobSource};
use crate::schema::{Claim, SchemaBlob, classify};
use crate::store::{Db, WriteBatch};

/// The layout version of every `x` row (INDEX.md). A store whose version
/// row differs must be reindexed.
pub const INDEX_SCHEMA_VERSION: u32 = 1;

/// The rows `claim` (named `claim_ref`) adds to the index, as a batch to
/// write with the claim blob. `source` reads stored claims and content
/// (the claim itself need not be stored yet). A claim already indexed
/// yields an empty batch.
pub fn index_claim(
    db: &Db,
    source: &dyn BlobSource,
    claim_ref: &BlobRef,
    claim: &Claim,
) -> Result<WriteBatch, IndexError> {
    index_claim_sized(db, source, claim_ref, claim, &[])
}

/// [`index_claim`] told the size of contents the caller knows (a `file`
/// schema ref and the size its schema blob says, as `reindex` would read
/// it): the step then reads no schema blob for them.
pub fn index_claim_sized(
    db: &Db,
    source: &dyn BlobSource,
    claim_ref: &BlobRef,
    claim: &Claim,
    content_sizes: &[(BlobRef, u64)],
) -> Result<WriteBatch, IndexError> {
    let mut rows = Rows::new(db);
    if rows.get(&key::version_row())?.is_none() {
        rows.put(
            key::version_row(),
            INDEX_SCHEMA_VERSION.to_le_bytes().to_vec(),
        );
    }
    apply::index_claim(&mut rows, source, claim_ref, claim, content_sizes)?;
    Ok(rows.into_batch())
}

/// The rows any blob adds: a valid claim is indexed; every other blob,
/// including an invalid schema blob (which stays a plain blob), adds
/// none. Never panics on any bytes.
pub fn index_blob(
    db: &Db,
    source: &dyn BlobSource,
    bytes: &[u8],
) -> Result<WriteBatch, IndexError> {
    match classify(bytes) {
        Ok(Some(SchemaBlob::Claim(claim))) => {
            index_claim(db, source, &BlobRef::of_bytes(bytes), &claim)
        }
        _ => Ok(WriteBatch::new()),
    }
}
