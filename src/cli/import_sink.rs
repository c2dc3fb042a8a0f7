//! Where an import's hashing thread puts one file's blobs: they are
//! gathered and written together, unsynced, in write batches of up to
//! [`BATCH_BYTES_MAX`] bytes (a small file's chunk and `file` blob in
//! one), in the order `write_file` puts them, so every blob is written
//! in or before the batch of any blob that names it. A blob is hashed
//! where it lies and copied once, into its rows (`DbStorage::prepare`).
//!
//! Durable once the import's synced barrier returns (as every deferred
//! write: `deferred_backend.rs`); nothing is acknowledged before.

use crate::blob::{BlobRef, BlobSink, BlobStorage, DbStorage, Prepared, StorageError};
use crate::store::WriteBatch;
use std::cell::RefCell;
use std::io;

/// Bytes of blobs gathered before they are written as one batch: a
/// small file is one batch; a large file is written in steps of about
/// this size, so memory stays flat however large it is. Larger steps
/// measured slower for 10 MiB files (each batch is copied once more
/// into one, and fresh pages fault in): 4 MiB took 0.34-0.48 s of
/// 100 MiB where 256 KiB took 0.32-0.39 s.
pub const BATCH_BYTES_MAX: u64 = 256 << 10;

/// Gathers one file's blobs (see the module header). Call
/// [`ImportSink::finish`] once `write_file` returns: what is still
/// gathered is written then.
pub struct ImportSink<'a> {
    storage: &'a DbStorage,
    gathered: RefCell<Gathered>,
}

#[derive(Default)]
struct Gathered {
    blobs: Vec<Prepared>,
    bytes: u64,
}

impl<'a> ImportSink<'a> {
    pub fn new(storage: &'a DbStorage) -> ImportSink<'a> {
        ImportSink {
            storage,
            gathered: RefCell::new(Gathered::default()),
        }
    }

    /// Writes what is gathered (one unsynced batch).
    pub fn finish(&self) -> Result<(), StorageError> {
        let gathered = std::mem::take(&mut *self.gathered.borrow_mut());
        if gathered.blobs.is_empty() {
            return Ok(());
        }
        self.storage
            .store_many_prepared(gathered.blobs, WriteBatch::new(), true)?;
        Ok(())
    }
}

impl BlobSink for ImportSink<'_> {
    fn put(&self, bytes: &[u8]) -> io::Result<BlobRef> {
        let prepared = self.storage.prepare(bytes)?;
        let blob_ref = prepared.blob_ref;
        let full = {
            let mut gathered = self.gathered.borrow_mut();
            gathered.bytes += prepared.size;
            gathered.blobs.push(prepared);
            gathered.bytes >= BATCH_BYTES_MAX
        };
        if full {
            self.finish()?;
        }
        Ok(blob_ref)
    }
}
