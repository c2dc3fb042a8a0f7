//! The `claim` schema blob: one dated, signed change to permanodes
//! (`set-attribute`, `add-attribute`, `del-attribute`, `delete`), or
//! several at once (`multi`), with Perkeep's field names.
//!
//! ```text
//! {"camliVersion": 1,
//!   "attribute": "camliContent",
//!   "camliSigner": "sha224-…",
//!   "camliType": "claim",
//!   "claimDate": "2026-11-21T23:40:02.123456789Z",
//!   "claimType": "set-attribute",
//!   "permaNode": "sha224-…",
//!   "value": "sha224-…"
//! }
//! ```
//!
//! A `delete` claim has `target` (a permanode or a claim) instead of
//! `permaNode`, `attribute` and `value`. A `multi` claim has `claims`: an
//! array of sub-claims, each an object with its own `claimType` and the
//! members of that type, `permaNode` included, as Perkeep writes them
//! (its `populateClaimMap`); strata indexes them, so one claim can change
//! several nodes atomically. A sub-claim has no `claimDate` or signer: it
//! shares the claim's. `del-attribute` without `value` removes the
//! attribute; with it, only that value.
//!
//! Canonical bytes: [`Claim::to_canonical`] writes Perkeep's canonical JSON
//! (keys sorted, two-space indent, `claimDate` in UTC with nanoseconds only
//! when non-zero), so the same claim always has the same bytes and ref. The
//! bytes end with the final `}` and no newline and never contain
//! `camliSig`, so a later signature can replace that `}` with
//! `,"camliSig":"…"}` (PERKEEP.md, Signatures). `camliSig` is accepted on
//! read and not checked yet.
//!
//! Parsing checks every member: the envelope, the signer and target refs,
//! the date, the claim type (unknown → error), attribute names (1 to
//! [`ATTRIBUTE_NAME_BYTES_MAX`] bytes), values (strings of at most
//! [`VALUE_BYTES_MAX`] bytes), the number of sub-claims (1 to
//! [`SUB_CLAIMS_MAX`]) and that no member belongs to another claim type.

use super::error::SchemaError;
use super::fields;
use super::{ATTRIBUTE_NAME_BYTES_MAX, SUB_CLAIMS_MAX, VALUE_BYTES_MAX};
use crate::blob::BlobRef;
use crate::util::json::Value;
use crate::util::rfc3339::Timestamp;

/// Members of every claim besides `camliVersion` and `camliType`.
const ENVELOPE_FIELDS: [&str; 6] = [
    "camliVersion",
    "camliType",
    "camliSigner",
    "claimDate",
    "claimType",
    "camliSig",
];
/// Members of an attribute change.
const ATTRIBUTE_FIELDS: [&str; 3] = ["permaNode", "attribute", "value"];
/// Members of a delete.
const DELETE_FIELDS: [&str; 1] = ["target"];
/// Members of a multi.
const MULTI_FIELDS: [&str; 1] = ["claims"];

/// The `claimType` of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimType {
    SetAttribute,
    AddAttribute,
    DelAttribute,
    Delete,
    Multi,
}

impl ClaimType {
    /// Every claim type strata reads and writes.
    pub const ALL: [ClaimType; 5] = [
        ClaimType::SetAttribute,
        ClaimType::AddAttribute,
        ClaimType::DelAttribute,
        ClaimType::Delete,
        ClaimType::Multi,
    ];

    /// The name as written in `claimType`.
    pub fn name(self) -> &'static str {
        match self {
            ClaimType::SetAttribute => "set-attribute",
            ClaimType::AddAttribute => "add-attribute",
            ClaimType::DelAttribute => "del-attribute",
            ClaimType::Delete => "delete",
            ClaimType::Multi => "multi",
        }
    }

    /// The claim type named `name`, if strata knows it.
    pub fn from_name(name: &str) -> Option<ClaimType> {
        ClaimType::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One change: a whole single claim, or one sub-claim of a `multi`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Replace every value of `attribute` on `node` with `value`.
    SetAttribute {
        node: BlobRef,
        attribute: String,
        value: String,
    },
    /// Add `value` to `attribute` on `node`.
    AddAttribute {
        node: BlobRef,
        attribute: String,
        value: String,
    },
    /// Remove `attribute` from `node` (`value: None`), or only `value`.
    DelAttribute {
        node: BlobRef,
        attribute: String,
        value: Option<String>,
    },
    /// Delete `target`: a permanode or a claim (deleting a delete
    /// undeletes).
    Delete { target: BlobRef },
}

impl Change {
    /// Its `claimType`.
    pub fn claim_type(&self) -> ClaimType {
        match self {
            Change::SetAttribute { .. } => ClaimType::SetAttribute,
            Change::AddAttribute { .. } => ClaimType::AddAttribute,
            Change::DelAttribute { .. } => ClaimType::DelAttribute,
            Change::Delete { .. } => ClaimType::Delete,
        }
    }

    /// The permanode whose attributes it changes (`None` for a delete).
    pub fn node(&self) -> Option<&BlobRef> {
        match self {
            Change::SetAttribute { node, .. }
            | Change::AddAttribute { node, .. }
            | Change::DelAttribute { node, .. } => Some(node),
            Change::Delete { .. } => None,
        }
    }

    /// The attribute it changes (`None` for a delete).
    pub fn attribute(&self) -> Option<&str> {
        match self {
            Change::SetAttribute { attribute, .. }
            | Change::AddAttribute { attribute, .. }
            | Change::DelAttribute { attribute, .. } => Some(attribute),
            Change::Delete { .. } => None,
        }
    }

    fn validate(&self) -> Result<(), SchemaError> {
        let (attribute, value) = match self {
            Change::SetAttribute {
                attribute, value, ..
            }
            | Change::AddAttribute {
                attribute, value, ..
            } => (attribute, Some(value)),
            Change::DelAttribute {
                attribute, value, ..
            } => (attribute, value.as_ref()),
            Change::Delete { .. } => return Ok(()),
        };
        if attribute.is_empty() || attribute.len() > ATTRIBUTE_NAME_BYTES_MAX {
            return Err(SchemaError::BadAttributeName {
                bytes: attribute.len(),
            });
        }
        match value {
            Some(value) if value.len() > VALUE_BYTES_MAX => {
                Err(SchemaError::ValueTooLong { bytes: value.len() })
            }
            _ => Ok(()),
        }
    }

    /// Appends this change's members (`claimType` included).
    fn push_members(&self, members: &mut Vec<(&'static str, Value)>) {
        members.push(("claimType", Value::from(self.claim_type().name())));
        if let Change::Delete { target } = self {
            members.push(("target", Value::from(target.as_str())));
            return;
        }
        if let Some(node) = self.node() {
            members.push(("permaNode", Value::from(node.as_str())));
        }
        if let Some(attribute) = self.attribute() {
            members.push(("attribute", Value::from(attribute)));
        }
        let value = match self {
            Change::SetAttribute { value, .. } | Change::AddAttribute { value, .. } => Some(value),
            Change::DelAttribute { value, .. } => value.as_ref(),
            Change::Delete { .. } => None,
        };
        if let Some(value) = value {
            members.push(("value", Value::from(value.as_str())));
        }
    }

    /// Reads a change of type `kind` (not `multi`) from `value`, refusing
    /// members outside `common` and the type's own.
    fn from_value(value: &Value, kind: ClaimType, common: &[&str]) -> Result<Change, SchemaError> {
        if kind == ClaimType::Delete {
            fields::only_members_of(value, common, &DELETE_FIELDS)?;
            let target = fields::required_ref(value, "target")?;
            return Ok(Change::Delete { target });
        }
        fields::only_members_of(value, common, &ATTRIBUTE_FIELDS)?;
        let node = fields::required_ref(value, "permaNode")?;
        let attribute = fields::required_str(value, "attribute")?.to_owned();
        let text = fields::optional_str(value, "value")?.map(str::to_owned);
        let change = match (kind, text) {
            (ClaimType::DelAttribute, value) => Change::DelAttribute {
                node,
                attribute,
                value,
            },
            (_, None) => return Err(SchemaError::MissingField { field: "value" }),
            (ClaimType::AddAttribute, Some(value)) => Change::AddAttribute {
                node,
                attribute,
                value,
            },
            (_, Some(value)) => Change::SetAttribute {
                node,
                attribute,
                value,
            },
        };
        change.validate()?;
        Ok(change)
    }
}

/// What a claim does: one change, or several at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimBody {
    Single(Change),
    /// 1 to [`SUB_CLAIMS_MAX`] changes, applied together at the claim's date.
    Multi(Vec<Change>),
}

/// A claim: who made it, when, and what it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The owner's signer ref (`camliSigner`).
    pub signer: BlobRef,
    /// `claimDate`.
    pub date: Timestamp,
    pub body: ClaimBody,
}

impl Claim {
    /// A claim, once its body is checked against the limits.
    pub fn new(signer: BlobRef, date: Timestamp, body: ClaimBody) -> Result<Claim, SchemaError> {
        match &body {
            ClaimBody::Single(change) => change.validate()?,
            ClaimBody::Multi(changes) => validate_multi(changes)?,
        }
        Ok(Claim { signer, date, body })
    }

    /// Its `claimType`.
    pub fn claim_type(&self) -> ClaimType {
        match &self.body {
            ClaimBody::Single(change) => change.claim_type(),
            ClaimBody::Multi(_) => ClaimType::Multi,
        }
    }

    /// Its changes in order: one for a single claim, the sub-claims of a
    /// `multi`.
    pub fn changes(&self) -> &[Change] {
        match &self.body {
            ClaimBody::Single(change) => std::slice::from_ref(change),
            ClaimBody::Multi(changes) => changes,
        }
    }

    /// The canonical bytes (see the module header).
    pub fn to_canonical(&self) -> String {
        let date = self.date.to_string();
        let mut members = vec![
            ("camliVersion", Value::from(1u32)),
            ("camliType", Value::from("claim")),
            ("camliSigner", Value::from(self.signer.as_str())),
            ("claimDate", Value::from(date)),
        ];
        match &self.body {
            ClaimBody::Single(change) => change.push_members(&mut members),
            ClaimBody::Multi(changes) => {
                members.push(("claimType", Value::from(ClaimType::Multi.name())));
                let claims = changes.iter().map(sub_claim_value).collect::<Vec<_>>();
                members.push(("claims", Value::from(claims)));
            }
        }
        fields::canonical(&Value::object(members))
    }

    /// The ref of the canonical bytes.
    pub fn blob_ref(&self) -> BlobRef {
        BlobRef::of_bytes(self.to_canonical().as_bytes())
    }

    /// Parses and validates a claim blob.
    pub fn parse(bytes: &[u8]) -> Result<Claim, SchemaError> {
        let value = fields::schema_value(bytes)?;
        Claim::from_value(&value)
    }

    /// Reads a claim from an already parsed schema object.
    pub(super) fn from_value(value: &Value) -> Result<Claim, SchemaError> {
        let found = fields::camli_type(value)?;
        if found != "claim" {
            return Err(SchemaError::WrongCamliType {
                expected: "claim",
                found: found.to_owned(),
            });
        }
        fields::optional_str(value, "camliSig")?;
        let signer = fields::required_ref(value, "camliSigner")?;
        let date = fields::required_str(value, "claimDate")?;
        let date = Timestamp::parse_rfc3339(date).map_err(SchemaError::BadDate)?;
        let kind = claim_type_of(value)?;
        let body = if kind == ClaimType::Multi {
            fields::only_members_of(value, &ENVELOPE_FIELDS, &MULTI_FIELDS)?;
            ClaimBody::Multi(sub_claims(value)?)
        } else {
            ClaimBody::Single(Change::from_value(value, kind, &ENVELOPE_FIELDS)?)
        };
        Claim::new(signer, date, body)
    }
}

fn validate_multi(changes: &[Change]) -> Result<(), SchemaError> {
    if changes.is_empty() || changes.len() > SUB_CLAIMS_MAX {
        return Err(SchemaError::BadSubClaimCount {
            count: changes.len(),
        });
    }
    for (index, change) in changes.iter().enumerate() {
        change.validate().map_err(|error| SchemaError::SubClaim {
            index,
            error: Box::new(error),
        })?;
    }
    Ok(())
}

fn claim_type_of(value: &Value) -> Result<ClaimType, SchemaError> {
    let name = fields::required_str(value, "claimType")?;
    ClaimType::from_name(name).ok_or_else(|| SchemaError::UnknownClaimType {
        found: name.to_owned(),
    })
}

fn sub_claim_value(change: &Change) -> Value {
    let mut members = Vec::with_capacity(4);
    change.push_members(&mut members);
    Value::object(members)
}

/// The sub-claims of a `multi` claim object.
fn sub_claims(value: &Value) -> Result<Vec<Change>, SchemaError> {
    let claims = value
        .get("claims")
        .ok_or(SchemaError::MissingField { field: "claims" })?
        .as_array()
        .ok_or(SchemaError::NotAnArray { field: "claims" })?;
    if claims.is_empty() || claims.len() > SUB_CLAIMS_MAX {
        return Err(SchemaError::BadSubClaimCount {
            count: claims.len(),
        });
    }
    let mut changes = Vec::with_capacity(claims.len());
    for (index, claim) in claims.iter().enumerate() {
        let in_sub_claim = |error| SchemaError::SubClaim {
            index,
            error: Box::new(error),
        };
        if claim.as_object().is_none() {
            return Err(in_sub_claim(SchemaError::NotAnObject));
        }
        let kind = claim_type_of(claim).map_err(in_sub_claim)?;
        if kind == ClaimType::Multi {
            return Err(SchemaError::NestedMulti { index });
        }
        changes.push(Change::from_value(claim, kind, &["claimType"]).map_err(in_sub_claim)?);
    }
    Ok(changes)
}

/// Builds claims change by change: one change makes a single claim, more
/// (or [`ClaimBuilder::multi`]) a `multi`.
#[derive(Clone, Debug)]
pub struct ClaimBuilder {
    signer: BlobRef,
    date: Timestamp,
    changes: Vec<Change>,
    force_multi: bool,
}

impl ClaimBuilder {
    /// A claim by `signer` dated `date`, with no changes yet.
    pub fn new(signer: BlobRef, date: Timestamp) -> ClaimBuilder {
        ClaimBuilder {
            signer,
            date,
            changes: Vec::new(),
            force_multi: false,
        }
    }

    /// Adds a `set-attribute` change.
    pub fn set_attribute(self, node: BlobRef, attribute: &str, value: &str) -> ClaimBuilder {
        self.change(Change::SetAttribute {
            node,
            attribute: attribute.to_owned(),
            value: value.to_owned(),
        })
    }

    /// Adds an `add-attribute` change.
    pub fn add_attribute(self, node: BlobRef, attribute: &str, value: &str) -> ClaimBuilder {
        self.change(Change::AddAttribute {
            node,
            attribute: attribute.to_owned(),
            value: value.to_owned(),
        })
    }

    /// Adds a `del-attribute` change removing the whole attribute.
    pub fn del_attribute(self, node: BlobRef, attribute: &str) -> ClaimBuilder {
        self.change(Change::DelAttribute {
            node,
            attribute: attribute.to_owned(),
            value: None,
        })
    }

    /// Adds a `del-attribute` change removing one value.
    pub fn del_value(self, node: BlobRef, attribute: &str, value: &str) -> ClaimBuilder {
        self.change(Change::DelAttribute {
            node,
            attribute: attribute.to_owned(),
            value: Some(value.to_owned()),
        })
    }

    /// Adds a `delete` of `target`.
    pub fn delete(self, target: BlobRef) -> ClaimBuilder {
        self.change(Change::Delete { target })
    }

    /// Adds any change.
    pub fn change(mut self, change: Change) -> ClaimBuilder {
        self.changes.push(change);
        self
    }

    /// Makes a `multi` claim even of one change.
    pub fn multi(mut self) -> ClaimBuilder {
        self.force_multi = true;
        self
    }

    /// The claim; Err when it has no change or breaks a limit.
    pub fn build(mut self) -> Result<Claim, SchemaError> {
        let body = if self.changes.len() == 1 && !self.force_multi {
            ClaimBody::Single(self.changes.remove(0))
        } else {
            ClaimBody::Multi(self.changes)
        };
        Claim::new(self.signer, self.date, body)
    }
}

#[cfg(test)]
mod tests;
