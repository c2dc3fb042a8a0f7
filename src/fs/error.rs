//! Why a tree operation failed: one variant per rule, so the HTTP layer
//! can map each to one status (bad path → 400, missing → 404, a file
//! where a folder is needed or a name taken → 409).

use super::path::PathError;
use crate::blob::FileError;
use crate::index::IndexError;
use crate::util::rfc3339::TimeError;
use std::fmt;

#[derive(Debug)]
pub enum FsError {
    /// The path breaks a path rule (400).
    BadPath(PathError),
    /// A time does not parse (400).
    BadTime(TimeError),
    /// Nothing is at `path` at the time asked (404).
    NotFound { path: String },
    /// `path` is a file where a folder is needed (409).
    NotAFolder { path: String },
    /// `path` is a folder where a file is needed (409).
    IsAFolder { path: String },
    /// A node already has the name at `path` (409).
    NameTaken { path: String },
    /// A move or copy into the node's own subtree (409).
    IntoItself { path: String },
    /// The root cannot be moved, deleted or copied over (409).
    RootRefused,
    /// A request breaks a rule of its own (a time in the future, a
    /// number out of range), named in the text (400).
    Invalid(String),
    /// The request cannot be done in the state things are in (nothing
    /// to roll back to), named in the text (409).
    Conflict(String),
    /// The index failed (500).
    Index(IndexError),
    /// Writing or reading a file's content failed (500).
    File(FileError),
    /// The blob storage failed (500).
    Storage(String),
}

impl fmt::Display for FsError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FsError::BadPath(error) => write!(formatter, "bad path: {error}"),
            FsError::BadTime(error) => write!(formatter, "bad time: {error}"),
            FsError::NotFound { path } => write!(formatter, "{path}: not found"),
            FsError::NotAFolder { path } => write!(formatter, "{path}: not a folder"),
            FsError::IsAFolder { path } => write!(formatter, "{path}: is a folder"),
            FsError::NameTaken { path } => write!(formatter, "{path}: name taken"),
            FsError::IntoItself { path } => write!(formatter, "{path}: inside the node moved"),
            FsError::RootRefused => write!(formatter, "the root cannot be changed so"),
            FsError::Invalid(why) | FsError::Conflict(why) => formatter.write_str(why),
            FsError::Index(error) => write!(formatter, "index: {error}"),
            FsError::File(error) => write!(formatter, "file: {error}"),
            FsError::Storage(what) => write!(formatter, "storage: {what}"),
        }
    }
}

impl std::error::Error for FsError {}

impl From<IndexError> for FsError {
    fn from(error: IndexError) -> FsError {
        FsError::Index(error)
    }
}

impl From<PathError> for FsError {
    fn from(error: PathError) -> FsError {
        FsError::BadPath(error)
    }
}

impl From<FileError> for FsError {
    fn from(error: FileError) -> FsError {
        FsError::File(error)
    }
}

impl From<crate::store::StoreError> for FsError {
    fn from(error: crate::store::StoreError) -> FsError {
        FsError::Index(IndexError::Store(error))
    }
}
