//! The seam between the tree and storage: one Db for the rows, blob
//! storage for the bytes, and one atomic write of a blob with its rows.
//! The durable implementation is the blob layer's `DbStorage`; tests may
//! also use [`MemoryBackend`].

use super::error::FsError;
use crate::blob::db_storage::DbStorage;
use crate::blob::{BlobRef, BlobSource, BlobStorage, MemoryStorage};
use crate::store::{Db, WriteBatch, WriteOptions};
use std::sync::Arc;

/// What the tree needs from storage.
pub trait Backend: Send + Sync {
    /// The one Db: the tree owns its `x` (index) and `m` (metadata) rows.
    fn db(&self) -> &Db;
    /// Where blobs live.
    fn blobs(&self) -> &dyn BlobStorage;
    /// The same storage as a source of blob bytes.
    fn source(&self) -> &dyn BlobSource;
    /// Stores each of `blobs` and applies `rows`, atomically and
    /// durably: after a crash, all or none. Answers the blobs' refs, in
    /// order. (A claim and the permanode it is the first to name go
    /// together: the permanode is never missing under its claim.)
    fn receive_many_with_rows(
        &self,
        blobs: &[&[u8]],
        rows: WriteBatch,
    ) -> Result<Vec<BlobRef>, FsError>;

    /// [`Backend::receive_many_with_rows`] without waiting for the disk:
    /// still atomic and in order with every other write, durable once
    /// [`Backend::sync`] returns. The default writes it durably at once.
    fn receive_many_with_rows_deferred(
        &self,
        blobs: &[&[u8]],
        rows: WriteBatch,
    ) -> Result<Vec<BlobRef>, FsError> {
        self.receive_many_with_rows(blobs, rows)
    }

    /// Makes every deferred write so far durable (one synced write; a
    /// group commit shares it among concurrent callers). The default has
    /// nothing to do.
    fn sync(&self) -> Result<(), FsError> {
        Ok(())
    }

    /// Stores `bytes` as a blob and applies `rows`, atomically and
    /// durably: after a crash, both or neither.
    fn receive_with_rows(&self, bytes: &[u8], rows: WriteBatch) -> Result<BlobRef, FsError> {
        let refs = self.receive_many_with_rows(&[bytes], rows)?;
        Ok(refs[0])
    }
}

/// The durable backend: blobs and rows in one Db, the blobs written with
/// their rows in one synced batch.
impl Backend for DbStorage {
    fn db(&self) -> &Db {
        DbStorage::db(self)
    }

    fn blobs(&self) -> &dyn BlobStorage {
        self
    }

    fn source(&self) -> &dyn BlobSource {
        self
    }

    fn receive_many_with_rows(
        &self,
        blobs: &[&[u8]],
        rows: WriteBatch,
    ) -> Result<Vec<BlobRef>, FsError> {
        DbStorage::receive_many_with_rows(self, blobs, rows, false)
            .map_err(|error| FsError::Storage(error.to_string()))
    }

    fn receive_many_with_rows_deferred(
        &self,
        blobs: &[&[u8]],
        rows: WriteBatch,
    ) -> Result<Vec<BlobRef>, FsError> {
        DbStorage::receive_many_with_rows(self, blobs, rows, true)
            .map_err(|error| FsError::Storage(error.to_string()))
    }

    fn sync(&self) -> Result<(), FsError> {
        BlobStorage::sync(self).map_err(|error| FsError::Storage(error.to_string()))
    }
}

/// FOR TESTS: blobs in memory beside a real Db. The blob and its rows are
/// written one after the other (not atomic): a crash test must use the
/// durable backend.
pub struct MemoryBackend {
    db: Arc<Db>,
    blobs: Arc<MemoryStorage>,
}

impl MemoryBackend {
    pub fn new(db: Arc<Db>, blobs: Arc<MemoryStorage>) -> MemoryBackend {
        MemoryBackend { db, blobs }
    }
}

impl Backend for MemoryBackend {
    fn db(&self) -> &Db {
        &self.db
    }

    fn blobs(&self) -> &dyn BlobStorage {
        &*self.blobs
    }

    fn source(&self) -> &dyn BlobSource {
        &*self.blobs
    }

    fn receive_many_with_rows(
        &self,
        blobs: &[&[u8]],
        rows: WriteBatch,
    ) -> Result<Vec<BlobRef>, FsError> {
        let mut refs = Vec::with_capacity(blobs.len());
        for bytes in blobs {
            let mut body = *bytes;
            let received = self
                .blobs
                .receive(None, &mut body, bytes.len() as u64)
                .map_err(|error| FsError::Storage(error.to_string()))?;
            refs.push(received.blob_ref);
        }
        self.db.write(&WriteOptions { sync: true }, rows)?;
        Ok(refs)
    }
}
