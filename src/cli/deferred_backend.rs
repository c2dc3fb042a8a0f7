//! The tree's storage for one `strata import`: every blob and every claim
//! with its rows written WITHOUT a sync, then one synced barrier
//! ([`DeferredBackend::sync`]) before the import says it is done — and
//! every [`SYNC_EVERY_FILES`] files on the way, so a long import keeps
//! its progress.
//!
//! Why this keeps "acknowledged ⇒ durable": the import acknowledges
//! nothing until the barrier; a synced write makes every earlier write of
//! the Db durable, value log first, then the WAL (store/db/write.rs). Why
//! a crash before it is safe: the Db loses only a suffix of unsynced
//! writes, in order; a claim is written with its rows and the permanode
//! it makes in one batch, after the file's blobs (`import_sink.rs`), so
//! no row survives without what it points to; the next import puts the
//! lost files again. A synced write per file (four per small file:
//! chunk, file schema, permanode, claim) is what held imports to a few
//! hundred files a second; now a small file costs two unsynced writes.

use crate::blob::{BlobRef, BlobSource, BlobStorage, DbStorage, Fetched, Received, StorageError};
use crate::fs::{Backend, FsError};
use crate::store::{Db, WriteBatch};
use std::io::Read;
use std::sync::Arc;

/// Files imported between two synced barriers.
pub const SYNC_EVERY_FILES: u64 = 5_000;

/// A [`Backend`] over `DbStorage` whose writes wait for [`Self::sync`].
pub struct DeferredBackend {
    storage: Arc<DbStorage>,
    blobs: DeferredBlobs,
}

/// The blob storage the tree writes file contents through: each receive
/// is the storage's deferred receive.
struct DeferredBlobs {
    storage: Arc<DbStorage>,
}

impl DeferredBackend {
    pub fn new(storage: Arc<DbStorage>) -> DeferredBackend {
        let blobs = DeferredBlobs {
            storage: Arc::clone(&storage),
        };
        DeferredBackend { storage, blobs }
    }

    /// The storage underneath (its deferred writes are this backend's).
    pub fn storage(&self) -> &DbStorage {
        &self.storage
    }

    /// Makes every write so far durable: one synced write (the storage's
    /// barrier, a real row: the Db skips an empty batch without syncing,
    /// which is what this did before and lost a whole import to a power
    /// cut; `a_power_cut_keeps_every_file_behind_the_barrier…` in
    /// `import_sink.rs` is its regression test). Every write of this
    /// backend is a deferred receive the storage counts, so its `sync`
    /// knows there is something to make durable.
    pub fn sync(&self) -> Result<(), FsError> {
        BlobStorage::sync(&*self.storage).map_err(|error| FsError::Storage(error.to_string()))
    }
}

impl Backend for DeferredBackend {
    fn db(&self) -> &Db {
        self.storage.db()
    }

    fn blobs(&self) -> &dyn BlobStorage {
        &self.blobs
    }

    fn source(&self) -> &dyn BlobSource {
        &*self.storage
    }

    /// The blobs with their rows: one unsynced write batch (atomic, so
    /// no row survives a crash without the blobs it came with).
    fn receive_many_with_rows(
        &self,
        blobs: &[&[u8]],
        rows: WriteBatch,
    ) -> Result<Vec<BlobRef>, FsError> {
        self.storage
            .receive_many_with_rows(blobs, rows, true)
            .map_err(|error| FsError::Storage(error.to_string()))
    }

    fn sync(&self) -> Result<(), FsError> {
        DeferredBackend::sync(self)
    }
}

impl BlobStorage for DeferredBlobs {
    fn receive(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        self.storage.receive_deferred(expected, body, limit_bytes)
    }

    fn fetch(&self, blob_ref: &BlobRef) -> Result<Option<Fetched>, StorageError> {
        self.storage.fetch(blob_ref)
    }

    fn stat(&self, refs: &[BlobRef]) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        self.storage.stat(refs)
    }

    fn enumerate(
        &self,
        after: Option<&BlobRef>,
        limit: usize,
    ) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        self.storage.enumerate(after, limit)
    }

    fn contains(&self, blob_ref: &BlobRef) -> Result<bool, StorageError> {
        self.storage.contains(blob_ref)
    }
}
