//! Reading a schema blob's envelope and typed members: the checks every
//! parser in `schema` shares, so each rule is written once.

use super::SCHEMA_BYTES_MAX;
use super::error::SchemaError;
use crate::blob::BlobRef;
use crate::util::json::{self, Value};

/// Parses `bytes` as a schema object of `camliType` `expected`, with
/// `camliVersion` 1 and no members outside `allowed` (which need not list
/// `camliVersion` and `camliType`).
pub(super) fn schema_object(
    bytes: &[u8],
    expected: &'static str,
    allowed: &[&str],
) -> Result<Value, SchemaError> {
    let value = schema_value(bytes)?;
    let found = camli_type(&value)?;
    if found != expected {
        return Err(SchemaError::WrongCamliType {
            expected,
            found: found.to_owned(),
        });
    }
    only_members(&value, allowed)?;
    Ok(value)
}

/// Parses `bytes` as a JSON object of at most [`SCHEMA_BYTES_MAX`] bytes
/// with `camliVersion` 1.
pub(super) fn schema_value(bytes: &[u8]) -> Result<Value, SchemaError> {
    if bytes.len() > SCHEMA_BYTES_MAX {
        return Err(SchemaError::TooLarge { bytes: bytes.len() });
    }
    let value = json::parse(bytes).map_err(SchemaError::Json)?;
    value.as_object().ok_or(SchemaError::NotAnObject)?;
    if value.get("camliVersion").and_then(Value::as_u64) != Some(1) {
        return Err(SchemaError::BadCamliVersion);
    }
    Ok(value)
}

/// The `camliType` of a schema object.
pub(super) fn camli_type(value: &Value) -> Result<&str, SchemaError> {
    value
        .get("camliType")
        .and_then(Value::as_str)
        .ok_or(SchemaError::MissingCamliType)
}

/// Err when `value` has a member other than `camliVersion`, `camliType`
/// and those in `allowed`.
pub(super) fn only_members(value: &Value, allowed: &[&str]) -> Result<(), SchemaError> {
    only_members_of(value, &["camliVersion", "camliType"], allowed)
}

/// Err when `value` has a member outside `common` and `allowed`.
pub(super) fn only_members_of(
    value: &Value,
    common: &[&str],
    allowed: &[&str],
) -> Result<(), SchemaError> {
    let members = value.as_object().ok_or(SchemaError::NotAnObject)?;
    for (name, _) in members {
        let known = common.contains(&name.as_str()) || allowed.contains(&name.as_str());
        if !known {
            return Err(SchemaError::UnexpectedField {
                field: name.clone(),
            });
        }
    }
    Ok(())
}

/// The string member `field`, which must be present.
pub(super) fn required_str<'v>(
    value: &'v Value,
    field: &'static str,
) -> Result<&'v str, SchemaError> {
    optional_str(value, field)?.ok_or(SchemaError::MissingField { field })
}

/// The string member `field`, if present; Err when present but not a string.
pub(super) fn optional_str<'v>(
    value: &'v Value,
    field: &'static str,
) -> Result<Option<&'v str>, SchemaError> {
    match value.get(field) {
        None => Ok(None),
        Some(member) => member
            .as_str()
            .map(Some)
            .ok_or(SchemaError::NotAString { field }),
    }
}

/// The blob ref in the string member `field`, which must be present.
pub(super) fn required_ref(value: &Value, field: &'static str) -> Result<BlobRef, SchemaError> {
    parse_ref(required_str(value, field)?, field)
}

/// `text` as a blob ref, or an error naming `field`.
pub(super) fn parse_ref(text: &str, field: &'static str) -> Result<BlobRef, SchemaError> {
    BlobRef::parse(text).map_err(|error| SchemaError::BadRef { field, error })
}

/// The canonical bytes of a value built by this module: a JSON object with
/// `camliVersion` and distinct member names, which always has a canonical
/// form.
pub(super) fn canonical(value: &Value) -> String {
    json::to_canonical_schema(value)
        .expect("schema builders make objects with camliVersion and distinct members")
}
