//! An in-memory blob store for tests: a map from ref to bytes that counts
//! reads, and can be made to lie (store bytes under a ref they do not hash
//! to) to test what readers do with a corrupt store.

use super::{BlobRef, BlobSink, BlobSource};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io;

#[derive(Default)]
pub struct MemoryStore {
    blobs: RefCell<BTreeMap<BlobRef, Vec<u8>>>,
    /// Every ref put, in order, repeats included.
    pub puts: RefCell<Vec<BlobRef>>,
    /// Every ref read, in order.
    pub gets: RefCell<Vec<BlobRef>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Stores `bytes` under `blob_ref` whether or not they match.
    pub fn put_unchecked(&self, blob_ref: BlobRef, bytes: &[u8]) {
        self.blobs.borrow_mut().insert(blob_ref, bytes.to_vec());
    }

    pub fn len(&self) -> usize {
        self.blobs.borrow().len()
    }

    pub fn contains(&self, blob_ref: &BlobRef) -> bool {
        self.blobs.borrow().contains_key(blob_ref)
    }
}

impl BlobSink for MemoryStore {
    fn put(&self, bytes: &[u8]) -> io::Result<BlobRef> {
        if bytes.len() > super::BLOB_BYTES_MAX {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "blob too large",
            ));
        }
        let blob_ref = BlobRef::of_bytes(bytes);
        self.blobs.borrow_mut().insert(blob_ref, bytes.to_vec());
        self.puts.borrow_mut().push(blob_ref);
        Ok(blob_ref)
    }
}

impl BlobSource for MemoryStore {
    fn get(&self, blob_ref: &BlobRef) -> io::Result<Vec<u8>> {
        self.gets.borrow_mut().push(*blob_ref);
        let blobs = self.blobs.borrow();
        let bytes = blobs.get(blob_ref);
        bytes
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, blob_ref.to_string()))
    }
}
