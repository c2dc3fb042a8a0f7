//! Deciding what any blob is: plain bytes, a schema blob of a known type,
//! or something that looks like a schema blob but is invalid (which then
//! stays a plain blob, and `fsck` reports the error).
//!
//! A blob is a candidate when it starts with `{` and mentions
//! `camliVersion` (Perkeep's `LikelySchemaBlob`); a candidate is a schema
//! blob when it is at most [`SCHEMA_BYTES_MAX`] bytes, parses as JSON, is
//! an object with `camliVersion` 1 and a string `camliType`, and passes the
//! parser of its type. A valid envelope with a type strata does not read
//! (Perkeep's `share`, `keep`, `symlink`, …) is [`SchemaBlob::Other`].

use super::SCHEMA_BYTES_MAX;
use super::claim::Claim;
use super::directory::{Directory, StaticSet};
use super::error::SchemaError;
use super::fields;
use super::permanode::Permanode;
use crate::blob::file_schema::ContentSchema;

/// The marker a schema blob must contain.
const CAMLI_VERSION: &[u8] = b"camliVersion";

/// A valid schema blob, by type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaBlob {
    Permanode(Permanode),
    Claim(Claim),
    /// `file` or `bytes` (see `content_type`).
    Content(ContentSchema),
    Directory(Directory),
    StaticSet(StaticSet),
    /// A valid envelope whose `camliType` strata does not interpret.
    Other {
        camli_type: String,
    },
}

/// `Ok(None)` for a plain blob, `Ok(Some(_))` for a valid schema blob, and
/// `Err` for a candidate that is invalid (it stays a plain blob).
pub fn classify(bytes: &[u8]) -> Result<Option<SchemaBlob>, SchemaError> {
    if !is_candidate(bytes) {
        return Ok(None);
    }
    if bytes.len() > SCHEMA_BYTES_MAX {
        return Err(SchemaError::TooLarge { bytes: bytes.len() });
    }
    let value = fields::schema_value(bytes)?;
    let blob = match fields::camli_type(&value)? {
        "permanode" => SchemaBlob::Permanode(Permanode::from_value(&value)?),
        "claim" => SchemaBlob::Claim(Claim::from_value(&value)?),
        "file" | "bytes" => {
            SchemaBlob::Content(ContentSchema::parse(bytes).map_err(SchemaError::Content)?)
        }
        "directory" => SchemaBlob::Directory(Directory::from_value(&value)?),
        "static-set" => SchemaBlob::StaticSet(StaticSet::from_value(&value)?),
        other => SchemaBlob::Other {
            camli_type: other.to_owned(),
        },
    };
    Ok(Some(blob))
}

/// Starts with `{` and mentions `camliVersion`.
fn is_candidate(bytes: &[u8]) -> bool {
    bytes.first() == Some(&b'{')
        && bytes
            .windows(CAMLI_VERSION.len())
            .any(|window| window == CAMLI_VERSION)
}

#[cfg(test)]
mod tests;
