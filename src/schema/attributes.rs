//! The well-known attributes strata reads and writes, and the encoding of
//! strata's place attribute, which names a node's parent and its name
//! together (TREE.md, "Nodes"; SCHEMA.md, "Attributes").
//!
//! A place value is `<parent ref>/<name>`, e.g.
//! `sha224-…/report.txt`. A ref never contains `/` and a name never does,
//! so the value splits at its only `/`. A name is 1 to [`NAME_BYTES_MAX`]
//! bytes of UTF-8, without `/` or NUL, and is neither `.` nor `..`.

use super::NAME_BYTES_MAX;
use crate::blob::{BlobRef, BlobRefError};
use std::fmt;

/// A node's content: a `file` (or `directory`) schema ref. Each value set
/// is a version.
pub const CAMLI_CONTENT: &str = "camliContent";
/// What kind of node this is; [`NODE_TYPE_DIRECTORY`] marks a folder.
pub const CAMLI_NODE_TYPE: &str = "camliNodeType";
/// The [`CAMLI_NODE_TYPE`] value of a folder node.
pub const NODE_TYPE_DIRECTORY: &str = "directory";
/// A named root: the root folder node has `camliRoot` = [`ROOT_NAME`].
pub const CAMLI_ROOT: &str = "camliRoot";
/// The [`CAMLI_ROOT`] value of strata's root folder.
pub const ROOT_NAME: &str = "strata";
/// A human title.
pub const TITLE: &str = "title";
/// strata's place attribute: `<parent ref>/<name>` (see the module
/// header). Deleting it is a tombstone; setting it again a move or restore.
pub const STRATA_PLACE: &str = "strataPlace";
/// A publish of the website, added to the root: the tree time it makes
/// live, RFC 3339 with nanoseconds (`src/site/SITE.md`).
pub const STRATA_PUBLISH: &str = "strataPublish";

/// Why a name cannot name a node in a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    Empty,
    /// Longer than [`NAME_BYTES_MAX`] bytes.
    TooLong {
        bytes: usize,
    },
    ContainsSlash,
    ContainsNul,
    /// `.` or `..`.
    DotOrDotDot,
}

impl fmt::Display for NameError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(formatter, "empty name"),
            NameError::TooLong { bytes } => {
                write!(
                    formatter,
                    "name of {bytes} bytes (at most {NAME_BYTES_MAX})"
                )
            }
            NameError::ContainsSlash => write!(formatter, "name contains '/'"),
            NameError::ContainsNul => write!(formatter, "name contains NUL"),
            NameError::DotOrDotDot => write!(formatter, "name is . or .."),
        }
    }
}

impl std::error::Error for NameError {}

/// Ok when `name` can name a node in a folder.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > NAME_BYTES_MAX {
        return Err(NameError::TooLong { bytes: name.len() });
    }
    if name.contains('/') {
        return Err(NameError::ContainsSlash);
    }
    if name.contains('\0') {
        return Err(NameError::ContainsNul);
    }
    if name == "." || name == ".." {
        return Err(NameError::DotOrDotDot);
    }
    Ok(())
}

/// Why a place value does not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceError {
    /// No `/` between the parent ref and the name.
    MissingSlash,
    /// The parent ref does not parse.
    BadParent(BlobRefError),
    /// The name is not a valid name.
    BadName(NameError),
}

impl fmt::Display for PlaceError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaceError::MissingSlash => write!(formatter, "place lacks '/'"),
            PlaceError::BadParent(error) => write!(formatter, "place parent: {error}"),
            PlaceError::BadName(error) => write!(formatter, "place name: {error}"),
        }
    }
}

impl std::error::Error for PlaceError {}

/// Where a node is: its parent folder node and its name there.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub parent: BlobRef,
    pub name: String,
}

impl Place {
    /// The place `name` in `parent`; Err when the name is invalid.
    pub fn new(parent: BlobRef, name: &str) -> Result<Place, NameError> {
        validate_name(name)?;
        Ok(Place {
            parent,
            name: name.to_owned(),
        })
    }

    /// The attribute value: `<parent ref>/<name>`.
    pub fn encode(&self) -> String {
        format!("{}/{}", self.parent, self.name)
    }

    /// Parses an attribute value written by [`Place::encode`].
    pub fn parse(value: &str) -> Result<Place, PlaceError> {
        let (parent, name) = value.split_once('/').ok_or(PlaceError::MissingSlash)?;
        let parent = BlobRef::parse(parent).map_err(PlaceError::BadParent)?;
        Place::new(parent, name).map_err(PlaceError::BadName)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parent() -> BlobRef {
        BlobRef::of_bytes(b"folder")
    }

    #[test]
    fn valid_names_are_accepted() {
        let longest = "é".repeat(NAME_BYTES_MAX / 2);
        for name in ["a", "report (2).txt", "...", ".hidden", "a b", &longest] {
            assert_eq!(validate_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn each_name_rule_has_its_error() {
        let long = "x".repeat(NAME_BYTES_MAX + 1);
        let cases = [
            ("", NameError::Empty),
            (
                long.as_str(),
                NameError::TooLong {
                    bytes: NAME_BYTES_MAX + 1,
                },
            ),
            ("a/b", NameError::ContainsSlash),
            ("/", NameError::ContainsSlash),
            ("a\0b", NameError::ContainsNul),
            (".", NameError::DotOrDotDot),
            ("..", NameError::DotOrDotDot),
        ];
        for (name, expected) in cases {
            assert_eq!(validate_name(name), Err(expected), "{name:?}");
        }
    }

    #[test]
    fn place_round_trips_through_its_value() {
        let place = Place::new(parent(), "a.txt").unwrap();
        let value = place.encode();
        assert_eq!(value, format!("{}/a.txt", parent()));
        assert_eq!(Place::parse(&value), Ok(place));
    }

    #[test]
    fn place_parse_refuses_malformed_values() {
        assert_eq!(Place::parse("no-slash"), Err(PlaceError::MissingSlash));
        assert!(matches!(
            Place::parse("sha224-00/a"),
            Err(PlaceError::BadParent(_))
        ));
        let with = |name: &str| Place::parse(&format!("{}/{name}", parent()));
        assert_eq!(with(""), Err(PlaceError::BadName(NameError::Empty)));
        assert_eq!(
            with("a/b"),
            Err(PlaceError::BadName(NameError::ContainsSlash))
        );
        assert_eq!(with(".."), Err(PlaceError::BadName(NameError::DotOrDotDot)));
    }
}
