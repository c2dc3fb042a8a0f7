//! The `directory` and `static-set` schema blobs, for snapshots of trees.
//!
//! ```text
//! {"camliVersion": 1,
//!   "camliType": "directory",
//!   "entries": "sha224-…",
//!   "fileName": "docs"
//! }
//! {"camliVersion": 1,
//!   "camliType": "static-set",
//!   "members": [
//!     "sha224-…"
//!   ]
//! }
//! ```
//!
//! `entries` names a `static-set` listing the directory's children (`file`,
//! `directory` and other schema refs). A set of more than
//! [`SET_MEMBERS_MAX`] refs is split, as Perkeep splits it: subsets of at
//! most that many `members`, and a top set whose `mergeSets` lists the
//! subsets (so at most `SET_MEMBERS_MAX`² refs in all). A set has
//! `members` or `mergeSets`, never both. `fileName` is left out when empty,
//! as Perkeep does; Perkeep's other file-common members (`unixMtime`,
//! `unixPermission`, …) are accepted on read and ignored.

use super::SET_MEMBERS_MAX;
use super::error::SchemaError;
use super::fields;
use crate::blob::BlobRef;
use crate::util::json::Value;

/// Members a `directory` may have besides `camliVersion`, `camliType`.
const DIRECTORY_FIELDS: [&str; 12] = [
    "entries",
    "fileName",
    "fileNameBytes",
    "unixPermission",
    "unixOwnerId",
    "unixOwner",
    "unixGroupId",
    "unixGroup",
    "unixMtime",
    "unixCtime",
    "unixAtime",
    "camliSig",
];
/// Members a `static-set` may have besides `camliVersion`, `camliType`.
const SET_FIELDS: [&str; 2] = ["members", "mergeSets"];

/// A snapshot of a folder: its name and the set of its entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directory {
    /// The folder's name; empty for a root (then left out of the blob).
    pub file_name: String,
    /// The `static-set` listing the entries.
    pub entries: BlobRef,
}

impl Directory {
    /// The canonical bytes.
    pub fn to_canonical(&self) -> String {
        let mut members = vec![
            ("camliVersion", Value::from(1u32)),
            ("camliType", Value::from("directory")),
            ("entries", Value::from(self.entries.as_str())),
        ];
        if !self.file_name.is_empty() {
            members.push(("fileName", Value::from(self.file_name.as_str())));
        }
        fields::canonical(&Value::object(members))
    }

    /// The ref of the canonical bytes.
    pub fn blob_ref(&self) -> BlobRef {
        BlobRef::of_bytes(self.to_canonical().as_bytes())
    }

    /// Parses a `directory` blob.
    pub fn parse(bytes: &[u8]) -> Result<Directory, SchemaError> {
        let value = fields::schema_object(bytes, "directory", &DIRECTORY_FIELDS)?;
        Directory::from_value(&value)
    }

    pub(super) fn from_value(value: &Value) -> Result<Directory, SchemaError> {
        fields::only_members(value, &DIRECTORY_FIELDS)?;
        let entries = fields::required_ref(value, "entries")?;
        let file_name = fields::optional_str(value, "fileName")?.unwrap_or_default();
        Ok(Directory {
            file_name: file_name.to_owned(),
            entries,
        })
    }
}

/// A `static-set`: refs directly, or the subsets to merge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaticSet {
    /// At most [`SET_MEMBERS_MAX`] member refs.
    Members(Vec<BlobRef>),
    /// At most [`SET_MEMBERS_MAX`] refs of `static-set`s whose members
    /// together are this set's.
    MergeSets(Vec<BlobRef>),
}

impl StaticSet {
    /// The canonical bytes.
    pub fn to_canonical(&self) -> String {
        let (field, refs) = match self {
            StaticSet::Members(refs) => ("members", refs),
            StaticSet::MergeSets(refs) => ("mergeSets", refs),
        };
        let refs = refs
            .iter()
            .map(|r| Value::from(r.as_str()))
            .collect::<Vec<_>>();
        fields::canonical(&Value::object([
            ("camliVersion", Value::from(1u32)),
            ("camliType", Value::from("static-set")),
            (field, Value::from(refs)),
        ]))
    }

    /// The ref of the canonical bytes.
    pub fn blob_ref(&self) -> BlobRef {
        BlobRef::of_bytes(self.to_canonical().as_bytes())
    }

    /// Parses a `static-set` blob.
    pub fn parse(bytes: &[u8]) -> Result<StaticSet, SchemaError> {
        let value = fields::schema_object(bytes, "static-set", &SET_FIELDS)?;
        StaticSet::from_value(&value)
    }

    pub(super) fn from_value(value: &Value) -> Result<StaticSet, SchemaError> {
        fields::only_members(value, &SET_FIELDS)?;
        match (value.get("members"), value.get("mergeSets")) {
            (Some(_), Some(_)) => Err(SchemaError::MembersAndMergeSets),
            (Some(list), None) => Ok(StaticSet::Members(ref_list(list, "members")?)),
            (None, Some(list)) => Ok(StaticSet::MergeSets(ref_list(list, "mergeSets")?)),
            (None, None) => Err(SchemaError::MissingField { field: "members" }),
        }
    }
}

fn ref_list(list: &Value, field: &'static str) -> Result<Vec<BlobRef>, SchemaError> {
    let list = list.as_array().ok_or(SchemaError::NotAnArray { field })?;
    if list.len() > SET_MEMBERS_MAX {
        return Err(SchemaError::TooManyMembers {
            field,
            count: list.len(),
        });
    }
    list.iter()
        .map(|item| {
            let text = item.as_str().ok_or(SchemaError::NotAString { field })?;
            fields::parse_ref(text, field)
        })
        .collect()
}

/// The blobs that store one set of refs: `top` names the set; `subsets`
/// must be stored too when it is a `mergeSets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticSetBlobs {
    pub top: StaticSet,
    pub subsets: Vec<StaticSet>,
}

/// The static sets holding `refs`, sorted and without duplicates (so the
/// same set of refs always has the same top ref); Err beyond
/// `SET_MEMBERS_MAX`² refs.
pub fn static_set_blobs(refs: &[BlobRef]) -> Result<StaticSetBlobs, SchemaError> {
    let mut sorted = refs.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted.len() <= SET_MEMBERS_MAX {
        return Ok(StaticSetBlobs {
            top: StaticSet::Members(sorted),
            subsets: Vec::new(),
        });
    }
    if sorted.len() > SET_MEMBERS_MAX * SET_MEMBERS_MAX {
        return Err(SchemaError::TooManyMembers {
            field: "members",
            count: sorted.len(),
        });
    }
    let subsets: Vec<StaticSet> = sorted
        .chunks(SET_MEMBERS_MAX)
        .map(|chunk| StaticSet::Members(chunk.to_vec()))
        .collect();
    let top = StaticSet::MergeSets(subsets.iter().map(StaticSet::blob_ref).collect());
    Ok(StaticSetBlobs { top, subsets })
}

#[cfg(test)]
mod tests;
