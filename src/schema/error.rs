//! Why bytes are not a valid schema blob of the kind asked for: one precise
//! variant per rule broken, so `fsck` can say why a blob stays plain.

use crate::blob::BlobRefError;
use crate::blob::file_schema::SchemaError as ContentError;
use crate::util::json::ParseError;
use crate::util::rfc3339::TimeError;
use std::fmt;

/// Why a schema blob (or a value meant for one) is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaError {
    /// More than [`super::SCHEMA_BYTES_MAX`] bytes.
    TooLarge { bytes: usize },
    /// The bytes are not JSON.
    Json(ParseError),
    /// JSON, but not an object.
    NotAnObject,
    /// `camliVersion` is missing or not the integer 1.
    BadCamliVersion,
    /// `camliType` is missing or not a string.
    MissingCamliType,
    /// `camliType` is a string, but not the one the parser reads.
    WrongCamliType {
        expected: &'static str,
        found: String,
    },
    /// A required member is absent.
    MissingField { field: &'static str },
    /// A member is not a string where one is required.
    NotAString { field: &'static str },
    /// A member is not an array where one is required.
    NotAnArray { field: &'static str },
    /// A member that this kind of blob (or claim) does not have.
    UnexpectedField { field: String },
    /// A member holds a blob ref that does not parse.
    BadRef {
        field: &'static str,
        error: BlobRefError,
    },
    /// `claimDate` is not an RFC 3339 date-time.
    BadDate(TimeError),
    /// `claimType` names no claim strata knows.
    UnknownClaimType { found: String },
    /// `random` is empty or longer than [`super::RANDOM_BYTES_MAX`].
    BadRandom { bytes: usize },
    /// An attribute name is empty or longer than
    /// [`super::ATTRIBUTE_NAME_BYTES_MAX`].
    BadAttributeName { bytes: usize },
    /// A value is longer than [`super::VALUE_BYTES_MAX`].
    ValueTooLong { bytes: usize },
    /// `multi` with no sub-claims or more than [`super::SUB_CLAIMS_MAX`].
    BadSubClaimCount { count: usize },
    /// A sub-claim of a `multi` is itself a `multi`.
    NestedMulti { index: usize },
    /// Sub-claim `index` of a `multi` is invalid.
    SubClaim {
        index: usize,
        error: Box<SchemaError>,
    },
    /// A list has more than [`super::SET_MEMBERS_MAX`] refs.
    TooManyMembers { field: &'static str, count: usize },
    /// A `static-set` has both `members` and `mergeSets`.
    MembersAndMergeSets,
    /// A `file` or `bytes` blob that `blob::file_schema` rejects.
    Content(ContentError),
}

impl fmt::Display for SchemaError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::TooLarge { bytes } => write!(formatter, "schema blob of {bytes} bytes"),
            SchemaError::Json(error) => write!(formatter, "schema blob is not JSON: {error}"),
            SchemaError::NotAnObject => write!(formatter, "schema blob is not an object"),
            SchemaError::BadCamliVersion => write!(formatter, "camliVersion is not 1"),
            SchemaError::MissingCamliType => write!(formatter, "camliType missing"),
            SchemaError::WrongCamliType { expected, found } => {
                write!(formatter, "camliType {found:?}, expected {expected:?}")
            }
            SchemaError::MissingField { field } => write!(formatter, "{field} missing"),
            SchemaError::NotAString { field } => write!(formatter, "{field} is not a string"),
            SchemaError::NotAnArray { field } => write!(formatter, "{field} is not an array"),
            SchemaError::UnexpectedField { field } => write!(formatter, "unexpected {field:?}"),
            SchemaError::BadRef { field, error } => write!(formatter, "{field}: {error}"),
            SchemaError::BadDate(error) => write!(formatter, "claimDate: {error}"),
            SchemaError::UnknownClaimType { found } => {
                write!(formatter, "unknown claimType {found:?}")
            }
            SchemaError::BadRandom { bytes } => write!(formatter, "random of {bytes} bytes"),
            SchemaError::BadAttributeName { bytes } => {
                write!(formatter, "attribute name of {bytes} bytes")
            }
            SchemaError::ValueTooLong { bytes } => write!(formatter, "value of {bytes} bytes"),
            SchemaError::BadSubClaimCount { count } => write!(formatter, "multi of {count} claims"),
            SchemaError::NestedMulti { index } => write!(formatter, "claim {index} is a multi"),
            SchemaError::SubClaim { index, error } => write!(formatter, "claim {index}: {error}"),
            SchemaError::TooManyMembers { field, count } => {
                write!(formatter, "{field} lists {count} refs")
            }
            SchemaError::MembersAndMergeSets => write!(formatter, "both members and mergeSets"),
            SchemaError::Content(error) => write!(formatter, "{error}"),
        }
    }
}

impl std::error::Error for SchemaError {}
