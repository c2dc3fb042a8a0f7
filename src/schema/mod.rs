//! Perkeep's schema blobs as strata writes and reads them: permanodes,
//! claims, directories and static sets (the `file` and `bytes` blobs live
//! in `blob::file_schema`), the well-known attributes, the folding of a
//! node's claims into its attributes at any time T, and the classification
//! of any blob as schema or plain. Every JSON shape is in `SCHEMA.md`.
//!
//! Nothing here touches storage: bytes in, values out. Builders write
//! Perkeep's canonical JSON (`util::json::to_canonical_schema`), so the
//! same value always has the same bytes and the same ref. Parsers accept
//! any valid JSON with the right members, check every member they know,
//! and refuse members that do not belong (see `SCHEMA.md`). Bad input is
//! an `Err`, never a panic.

pub mod attribute_state;
pub mod attributes;
pub mod claim;
pub mod classify;
pub mod directory;
mod error;
mod fields;
pub mod permanode;

#[cfg(test)]
mod schema_md;

pub use attribute_state::{AttributeState, apply_change, attributes_at, claim_order};
pub use attributes::{NameError, Place, PlaceError, validate_name};
pub use claim::{Change, Claim, ClaimBody, ClaimBuilder, ClaimType};
pub use classify::{SchemaBlob, classify};
pub use directory::{Directory, StaticSet, StaticSetBlobs, static_set_blobs};
pub use error::SchemaError;
pub use permanode::Permanode;

/// The largest schema blob (PERKEEP.md), shared with `file` and `bytes`.
pub use crate::blob::file_schema::SCHEMA_BYTES_MAX;

/// The longest `random` nonce a permanode may carry.
pub const RANDOM_BYTES_MAX: usize = 256;
/// The longest attribute name: room for `camliPath:` and a 255-byte name.
pub const ATTRIBUTE_NAME_BYTES_MAX: usize = 512;
/// The longest attribute value in a claim.
pub const VALUE_BYTES_MAX: usize = 64 * 1024;
/// The most sub-claims one `multi` claim may hold.
pub const SUB_CLAIMS_MAX: usize = 1_000;
/// The most refs in one `members` or `mergeSets` list (Perkeep's bound).
pub const SET_MEMBERS_MAX: usize = 10_000;
/// The longest name of a node in a folder, in bytes (TREE.md).
pub const NAME_BYTES_MAX: usize = 255;

// A multi claim at its limits must still fit in one schema blob: each
// sub-claim is at most two refs, a name and a value plus punctuation.
const _: () = assert!(SUB_CLAIMS_MAX * 512 < SCHEMA_BYTES_MAX);
const _: () = assert!(NAME_BYTES_MAX + 72 < ATTRIBUTE_NAME_BYTES_MAX);
