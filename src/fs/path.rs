//! Paths in the tree: `/`-separated names from the root, each name 1–255
//! bytes of UTF-8 without `/` or NUL and not `.` or `..` (TREE.md,
//! "Nodes"). One leading and one trailing `/` are allowed (`/docs/` is
//! `docs`); an empty name anywhere else (`a//b`) is an error. `/` and the
//! empty string name the root.

use crate::schema::{NameError, validate_name};
use std::fmt;

/// Why a path is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// The bytes are not UTF-8.
    NotUtf8,
    /// An empty name between two `/` (0-based name index).
    EmptySegment { index: usize },
    /// Name number `index` breaks a name rule.
    BadName { index: usize, error: NameError },
}

impl fmt::Display for PathError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::NotUtf8 => write!(formatter, "path is not UTF-8"),
            PathError::EmptySegment { index } => write!(formatter, "name {index} is empty"),
            PathError::BadName { index, error } => write!(formatter, "name {index}: {error}"),
        }
    }
}

impl std::error::Error for PathError {}

/// A checked path: the names from the root.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TreePath {
    names: Vec<String>,
}

impl TreePath {
    /// The root.
    pub fn root() -> TreePath {
        TreePath { names: Vec::new() }
    }

    /// Parses a path given as bytes (as a URL decodes to).
    pub fn parse_bytes(bytes: &[u8]) -> Result<TreePath, PathError> {
        TreePath::parse(std::str::from_utf8(bytes).map_err(|_| PathError::NotUtf8)?)
    }

    /// Parses `text` (see the module header).
    pub fn parse(text: &str) -> Result<TreePath, PathError> {
        let trimmed = text.strip_prefix('/').unwrap_or(text);
        if trimmed.is_empty() {
            return Ok(TreePath::root());
        }
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(PathError::EmptySegment { index: 0 });
        }
        let mut names = Vec::new();
        for (index, name) in trimmed.split('/').enumerate() {
            match validate_name(name) {
                Ok(()) => names.push(name.to_owned()),
                Err(NameError::Empty) => return Err(PathError::EmptySegment { index }),
                Err(error) => return Err(PathError::BadName { index, error }),
            }
        }
        Ok(TreePath { names })
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn is_root(&self) -> bool {
        self.names.is_empty()
    }

    /// The last name and the folder's path; None for the root.
    pub fn split_last(&self) -> Option<(TreePath, &str)> {
        let (last, parent) = self.names.split_last()?;
        Some((
            TreePath {
                names: parent.to_vec(),
            },
            last,
        ))
    }

    /// This path with `name` appended (`name` must be valid).
    pub fn join(&self, name: &str) -> TreePath {
        assert!(validate_name(name).is_ok(), "join takes a valid name");
        let mut names = self.names.clone();
        names.push(name.to_owned());
        TreePath { names }
    }

    /// The first `count` names.
    pub fn prefix(&self, count: usize) -> TreePath {
        TreePath {
            names: self.names[..count].to_vec(),
        }
    }
}

impl fmt::Display for TreePath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.names.is_empty() {
            return write!(formatter, "/");
        }
        for name in &self.names {
            write!(formatter, "/{name}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_spellings_are_the_root() {
        for text in ["", "/", "//"] {
            let parsed = TreePath::parse(text);
            if text == "//" {
                assert_eq!(parsed, Err(PathError::EmptySegment { index: 0 }));
            } else {
                assert_eq!(parsed, Ok(TreePath::root()));
            }
        }
    }

    #[test]
    fn leading_and_trailing_slash_are_optional() {
        let expected = TreePath::root().join("docs").join("a.txt");
        for text in ["docs/a.txt", "/docs/a.txt", "/docs/a.txt/"] {
            assert_eq!(TreePath::parse(text), Ok(expected.clone()), "{text}");
        }
        assert_eq!(expected.to_string(), "/docs/a.txt");
    }

    #[test]
    fn each_path_rule_has_its_error() {
        let long = format!("/a/{}", "x".repeat(256));
        let cases = [
            ("a//b", PathError::EmptySegment { index: 1 }),
            (
                "/a/../b",
                PathError::BadName {
                    index: 1,
                    error: NameError::DotOrDotDot,
                },
            ),
            (
                "./a",
                PathError::BadName {
                    index: 0,
                    error: NameError::DotOrDotDot,
                },
            ),
            (
                "a/b\0c",
                PathError::BadName {
                    index: 1,
                    error: NameError::ContainsNul,
                },
            ),
            (
                long.as_str(),
                PathError::BadName {
                    index: 1,
                    error: NameError::TooLong { bytes: 256 },
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(TreePath::parse(text), Err(expected), "{text:?}");
        }
        assert_eq!(TreePath::parse_bytes(b"/a/\xff"), Err(PathError::NotUtf8));
        assert!(TreePath::parse(&format!("/{}", "é".repeat(127))).is_ok());
    }
}
