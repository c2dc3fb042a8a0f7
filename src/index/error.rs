//! Why an index operation failed.

use crate::store::StoreError;
use std::fmt;
use std::io;

#[derive(Debug)]
pub enum IndexError {
    /// The Db failed.
    Store(StoreError),
    /// A row does not decode: `what` names its table and key.
    Corrupt { what: String },
    /// A blob could not be read.
    Blob(io::Error),
}

impl IndexError {
    pub fn corrupt(table: &str, key: &[u8]) -> IndexError {
        IndexError::Corrupt {
            what: format!("index row in table {table} at key {key:02x?}"),
        }
    }
}

impl fmt::Display for IndexError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::Store(error) => write!(formatter, "store: {error}"),
            IndexError::Corrupt { what } => write!(formatter, "corrupt {what}"),
            IndexError::Blob(error) => write!(formatter, "blob: {error}"),
        }
    }
}

impl std::error::Error for IndexError {}

impl From<StoreError> for IndexError {
    fn from(error: StoreError) -> IndexError {
        IndexError::Store(error)
    }
}
