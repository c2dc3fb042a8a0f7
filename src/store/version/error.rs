//! Errors of the version layer: reading CURRENT and the MANIFEST,
//! writing the MANIFEST, and looking keys up in tables. Corruption names
//! the file and, where there is one, the byte offset.

use crate::store::dbformat::InternalKeyError;
use crate::store::log;
use crate::store::table::error::TableError;
use crate::store::version::version_edit::VersionEditError;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a sequence of edits does not make a valid set of tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditProblem {
    /// Two tables of a level ≥ 1 overlap in key range (or are out of
    /// order); `number` is the second one.
    OverlappingTables { level: usize, number: u64 },
    /// A table number is live at two places at once.
    DuplicateTable { number: u64 },
    /// A table's smallest key is after its largest.
    InvertedRange { number: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// An Env operation on `file` failed.
    Io {
        file: PathBuf,
        operation: &'static str,
        kind: io::ErrorKind,
        message: String,
    },
    /// CURRENT does not name a MANIFEST as it must.
    BadCurrent { file: PathBuf, reason: &'static str },
    /// The log reader skipped damaged bytes of the MANIFEST.
    ManifestCorruption {
        file: PathBuf,
        corruption: log::Corruption,
    },
    /// A MANIFEST record at `offset` is not a version edit.
    BadEdit {
        file: PathBuf,
        offset: u64,
        error: VersionEditError,
    },
    /// The edit at `offset` makes an invalid set of tables.
    InconsistentEdit {
        file: PathBuf,
        offset: u64,
        problem: EditProblem,
    },
    /// The MANIFEST never recorded a required field.
    ManifestIncomplete {
        file: PathBuf,
        missing: &'static str,
    },
    /// The store was made with another key order.
    ComparatorMismatch {
        file: PathBuf,
        recorded: String,
        expected: String,
    },
    /// Live tables are missing from the directory (`count` of them).
    MissingTables { count: usize, first: PathBuf },
    /// A live table's size is not the one the MANIFEST records.
    TableSizeMismatch {
        file: PathBuf,
        recorded_bytes: u64,
        actual_bytes: u64,
    },
    /// A table could not be read.
    Table(TableError),
    /// An entry of table `file` does not have a valid internal key.
    BadTableKey {
        file: Arc<str>,
        error: InternalKeyError,
    },
}

impl VersionError {
    pub fn io(file: impl Into<PathBuf>, operation: &'static str, error: &io::Error) -> Self {
        VersionError::Io {
            file: file.into(),
            operation,
            kind: error.kind(),
            message: error.to_string(),
        }
    }

    /// Bad bytes on disk (as opposed to a failed operation or a mismatch
    /// of options).
    pub fn is_corruption(&self) -> bool {
        match self {
            VersionError::Io { .. } | VersionError::ComparatorMismatch { .. } => false,
            VersionError::Table(error) => error.is_corruption(),
            _ => true,
        }
    }
}

impl From<TableError> for VersionError {
    fn from(error: TableError) -> VersionError {
        VersionError::Table(error)
    }
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionError::Io {
                file,
                operation,
                message,
                ..
            } => write!(f, "{operation} {}: {message}", file.display()),
            VersionError::BadCurrent { file, reason } => {
                write!(f, "corruption in {}: {reason}", file.display())
            }
            VersionError::ManifestCorruption { file, corruption } => write!(
                f,
                "corruption in {} at offset {}: {} bytes skipped ({:?})",
                file.display(),
                corruption.offset,
                corruption.bytes,
                corruption.reason
            ),
            VersionError::BadEdit {
                file,
                offset,
                error,
            } => write!(
                f,
                "corruption in {} at offset {offset}: {error}",
                file.display()
            ),
            VersionError::InconsistentEdit {
                file,
                offset,
                problem,
            } => write!(
                f,
                "corruption in {} at offset {offset}: {problem:?}",
                file.display()
            ),
            VersionError::ManifestIncomplete { file, missing } => {
                write!(f, "corruption in {}: no {missing} recorded", file.display())
            }
            VersionError::ComparatorMismatch {
                file,
                recorded,
                expected,
            } => write!(
                f,
                "{} records comparator {recorded}, this store uses {expected}",
                file.display()
            ),
            VersionError::MissingTables { count, first } => {
                write!(f, "{count} live tables missing, e.g. {}", first.display())
            }
            VersionError::TableSizeMismatch {
                file,
                recorded_bytes,
                actual_bytes,
            } => write!(
                f,
                "corruption: {} has {actual_bytes} bytes, the MANIFEST records {recorded_bytes}",
                file.display()
            ),
            VersionError::Table(error) => error.fmt(f),
            VersionError::BadTableKey { file, error } => {
                write!(f, "corruption in {file}: {error}")
            }
        }
    }
}

impl std::error::Error for VersionError {}
