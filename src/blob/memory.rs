//! `MemoryStorage`: a [`BlobStorage`] in a `BTreeMap` behind a lock — the
//! model every other implementation is compared with, and the test double
//! of the web layer.
//!
//! NOT DURABLE: everything is lost when the process ends. Its `receive`
//! returns as soon as the blob is in the map, which is "durable" only in
//! the sense that every later call in this process sees it. Do not serve
//! real data from it.

use super::BlobRef;
use super::storage::{self, BlobStorage, Fetched, Received, StorageError};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::ops::Bound;
use std::sync::{Arc, RwLock};

/// Blobs in memory (see the module header: not durable).
#[derive(Default)]
pub struct MemoryStorage {
    blobs: RwLock<BTreeMap<BlobRef, Arc<[u8]>>>,
}

/// The bytes of a shared blob, as a reader that owns its share.
struct SharedBytes(Arc<[u8]>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl MemoryStorage {
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    /// How many blobs are stored.
    pub fn len(&self) -> usize {
        self.read_map().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// FOR TESTS OF READERS ONLY: stores `bytes` under `blob_ref` whether
    /// or not they hash to it, as a damaged medium would. `fetch` then
    /// reports `Corruption`.
    pub fn store_unverified_for_tests(&self, blob_ref: BlobRef, bytes: &[u8]) {
        self.write_map().insert(blob_ref, Arc::from(bytes));
    }

    fn read_map(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<BlobRef, Arc<[u8]>>> {
        self.blobs
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_map(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<BlobRef, Arc<[u8]>>> {
        self.blobs
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl BlobStorage for MemoryStorage {
    fn receive(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        let read = storage::read_blob(expected, body, limit_bytes)?;
        let size = read.bytes.len() as u64;
        let mut blobs = self.write_map();
        let newly_stored = !blobs.contains_key(&read.blob_ref);
        if newly_stored {
            blobs.insert(read.blob_ref, Arc::from(read.bytes));
        }
        Ok(Received {
            blob_ref: read.blob_ref,
            size,
            newly_stored,
        })
    }

    fn fetch(&self, blob_ref: &BlobRef) -> Result<Option<Fetched>, StorageError> {
        let Some(bytes) = self.read_map().get(blob_ref).cloned() else {
            return Ok(None);
        };
        // Verified before it is handed out (the trait's contract).
        storage::verify_whole(blob_ref, &bytes)?;
        Ok(Some(Fetched {
            size: bytes.len() as u64,
            reader: Box::new(Cursor::new(SharedBytes(bytes))),
        }))
    }

    fn stat(&self, refs: &[BlobRef]) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        let blobs = self.read_map();
        let present = refs.iter().filter_map(|blob_ref| {
            let bytes = blobs.get(blob_ref)?;
            Some((*blob_ref, bytes.len() as u64))
        });
        Ok(present.collect())
    }

    fn enumerate(
        &self,
        after: Option<&BlobRef>,
        limit: usize,
    ) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        let start = after.map_or(Bound::Unbounded, |after| Bound::Excluded(*after));
        let blobs = self.read_map();
        let page = blobs.range((start, Bound::Unbounded)).take(limit);
        Ok(page
            .map(|(blob_ref, bytes)| (*blob_ref, bytes.len() as u64))
            .collect())
    }

    fn contains(&self, blob_ref: &BlobRef) -> Result<bool, StorageError> {
        Ok(self.read_map().contains_key(blob_ref))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::storage::conformance::conformance_suite;
    use crate::blob::{BlobSink, BlobSource, FileMeta, file_reader, write_file};

    #[test]
    fn memory_storage_passes_the_conformance_suite() {
        conformance_suite(&MemoryStorage::new());
    }

    #[test]
    fn fetch_of_damaged_bytes_is_corruption_never_the_bytes() {
        let storage = MemoryStorage::new();
        let blob_ref = BlobRef::of_bytes(b"good");
        storage.store_unverified_for_tests(blob_ref, b"evil");
        assert!(matches!(
            storage.fetch(&blob_ref),
            Err(StorageError::Corruption { .. })
        ));
        let error = storage.get(&blob_ref).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    }

    #[test]
    fn file_writer_and_reader_work_on_any_blob_storage() {
        let storage = MemoryStorage::new();
        let data = crate::blob::storage::conformance::pattern(3_000_000, 9);
        let dyn_storage: &dyn BlobStorage = &storage;
        let written = write_file(dyn_storage, &data[..], &FileMeta::default()).unwrap();
        assert_eq!(written.size, data.len() as u64);
        assert!(storage.len() > 2);
        let mut out = Vec::new();
        file_reader::read_range(dyn_storage, &written.file_ref, 1000, 2_500_000, &mut out).unwrap();
        assert_eq!(out, &data[1000..2_500_000]);
        assert_eq!(dyn_storage.put(b"x").unwrap(), BlobRef::of_bytes(b"x"));
    }
}
