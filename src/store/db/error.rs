//! The one error of the Db's API, and its conversions from the errors of
//! the layers below. Corruption always names the file and the offset.

use crate::store::table::error::TableError;
use crate::store::version::error::VersionError;
use crate::store::vlog::VlogError;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Bytes of `file` at `offset` are damaged; `what` says which rule
    /// they break. Never returned as data.
    Corruption {
        file: PathBuf,
        offset: u64,
        what: String,
    },
    /// An operation on `file` failed.
    Io {
        file: PathBuf,
        operation: &'static str,
        kind: io::ErrorKind,
        message: String,
    },
    /// `dir` holds no store and `create_if_missing` is off.
    NotFound { dir: PathBuf },
    /// `dir` holds a store and `error_if_exists` is on.
    AlreadyExists { dir: PathBuf },
    /// Another process (or another `Db` in this one) holds the store's
    /// LOCK file.
    Locked { file: PathBuf },
    /// The caller asked for something the store cannot do.
    InvalidArgument { what: String },
    /// An earlier write or background error left the store unable to
    /// write safely; it refuses writes until it is reopened.
    WriteFailed { cause: String },
}

impl StoreError {
    pub fn io(file: impl Into<PathBuf>, operation: &'static str, error: &io::Error) -> StoreError {
        StoreError::Io {
            file: file.into(),
            operation,
            kind: error.kind(),
            message: error.to_string(),
        }
    }

    pub fn corruption(file: &Path, offset: u64, what: impl Into<String>) -> StoreError {
        StoreError::Corruption {
            file: file.to_path_buf(),
            offset,
            what: what.into(),
        }
    }

    pub fn is_corruption(&self) -> bool {
        matches!(self, StoreError::Corruption { .. })
    }
}

impl From<TableError> for StoreError {
    fn from(error: TableError) -> StoreError {
        match error {
            TableError::Corruption {
                file,
                offset,
                reason,
            } => StoreError::corruption(Path::new(&*file), offset, format!("{reason:?}")),
            TableError::Io {
                file,
                offset,
                kind,
                message,
            } => StoreError::Io {
                file: PathBuf::from(&*file),
                operation: "read",
                kind,
                message: format!("at offset {offset}: {message}"),
            },
        }
    }
}

impl From<VlogError> for StoreError {
    fn from(error: VlogError) -> StoreError {
        match error {
            VlogError::Corruption { file, offset, what } => StoreError::Corruption {
                file,
                offset,
                what: format!("{what:?}"),
            },
            VlogError::Io {
                file,
                offset,
                kind,
                message,
            } => StoreError::Io {
                file,
                operation: "value log",
                kind,
                message: format!("at offset {offset}: {message}"),
            },
            VlogError::TooLarge {
                key_bytes,
                value_bytes,
            } => StoreError::InvalidArgument {
                what: format!("key of {key_bytes} bytes or value of {value_bytes} bytes too large"),
            },
            VlogError::WriterFailed { file } => StoreError::WriteFailed {
                cause: format!("value log {} failed earlier", file.display()),
            },
        }
    }
}

impl From<VersionError> for StoreError {
    fn from(error: VersionError) -> StoreError {
        let what = error.to_string();
        match error {
            VersionError::Io {
                file,
                operation,
                kind,
                message,
            } => StoreError::Io {
                file,
                operation,
                kind,
                message,
            },
            VersionError::Table(error) => error.into(),
            VersionError::ComparatorMismatch { .. } => StoreError::InvalidArgument { what },
            VersionError::ManifestCorruption { file, corruption } => StoreError::Corruption {
                file,
                offset: corruption.offset,
                what,
            },
            VersionError::BadEdit { file, offset, .. }
            | VersionError::InconsistentEdit { file, offset, .. } => {
                StoreError::Corruption { file, offset, what }
            }
            VersionError::BadCurrent { file, .. }
            | VersionError::ManifestIncomplete { file, .. }
            | VersionError::TableSizeMismatch { file, .. } => StoreError::Corruption {
                file,
                offset: 0,
                what,
            },
            VersionError::MissingTables { first, .. } => StoreError::Corruption {
                file: first,
                offset: 0,
                what,
            },
            VersionError::BadTableKey { file, .. } => StoreError::Corruption {
                file: PathBuf::from(&*file),
                offset: 0,
                what,
            },
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Corruption { file, offset, what } => {
                write!(
                    f,
                    "corruption in {} at offset {offset}: {what}",
                    file.display()
                )
            }
            StoreError::Io {
                file,
                operation,
                message,
                ..
            } => write!(f, "{operation} {}: {message}", file.display()),
            StoreError::NotFound { dir } => write!(
                f,
                "no store in {} (set create_if_missing to create one)",
                dir.display()
            ),
            StoreError::AlreadyExists { dir } => write!(
                f,
                "a store already exists in {} (error_if_exists is set)",
                dir.display()
            ),
            StoreError::Locked { file } => write!(
                f,
                "{} is held by another process: the store is already open",
                file.display()
            ),
            StoreError::InvalidArgument { what } => write!(f, "invalid argument: {what}"),
            StoreError::WriteFailed { cause } => write!(
                f,
                "the store refuses writes after an earlier failure ({cause}); reopen it"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

pub type Result<T> = std::result::Result<T, StoreError>;
