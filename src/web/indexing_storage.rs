//! Blob storage that hands uploaded claims to the tree: the blob routes
//! (`/api/blob`, `/bs/camli/`) store through it, so a claim made
//! elsewhere (another strata, Perkeep's tools) is indexed in the same
//! atomic write as its bytes (`Tree::store_blob`), exactly as the tree's
//! own claims are. Every other blob goes to the storage unchanged.

use crate::blob::storage::read_blob;
use crate::blob::{BlobRef, BlobStorage, Fetched, Prepared, Received, SharedBytes, StorageError};
use crate::fs::{FsError, Tree};
use std::io::{self, Read};
use std::sync::Arc;

/// A schema blob is at most this size (PERKEEP.md): a larger blob is
/// never a claim, and streams to the storage untouched.
const SCHEMA_BYTES_MAX: usize = 1024 * 1024;

/// [`BlobStorage`] over `inner`, indexing claims through `tree` (both on
/// the same store).
pub struct IndexingStorage {
    inner: Arc<dyn BlobStorage>,
    tree: Arc<Tree>,
}

impl IndexingStorage {
    pub fn new(inner: Arc<dyn BlobStorage>, tree: Arc<Tree>) -> IndexingStorage {
        IndexingStorage { inner, tree }
    }

    /// Receives through the tree when the blob may be a claim (it starts
    /// with `{`, fits a schema blob and names the claim type), else
    /// through `inner` (`deferred` picks its receive).
    fn receive_indexed(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
        deferred: bool,
    ) -> Result<Received, StorageError> {
        let mut first = [0u8; 1];
        let count = read_some(body, &mut first)?;
        let mut chained = (&first[..count]).chain(body);
        if first[..count] != *b"{" {
            return self.pass(expected, &mut chained, limit_bytes, deferred);
        }
        let read = read_blob(expected, &mut chained, limit_bytes)?;
        let bytes = read.bytes;
        let may_be_claim = bytes.len() <= SCHEMA_BYTES_MAX
            && contains(&bytes, b"\"claim\"")
            && contains(&bytes, b"camliVersion")
            // The tree names blobs by SHA-224; a claim sent under another
            // hash is kept as a plain blob under the name it was sent as.
            && BlobRef::of_bytes(&bytes) == read.blob_ref;
        if !may_be_claim {
            return self.pass(Some(&read.blob_ref), &mut &bytes[..], limit_bytes, deferred);
        }
        let newly_stored = !self.inner.contains(&read.blob_ref)?;
        let blob_ref = self.tree.store_blob(&bytes).map_err(fs_storage_error)?;
        Ok(Received {
            blob_ref,
            size: bytes.len() as u64,
            newly_stored,
        })
    }

    fn pass(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
        deferred: bool,
    ) -> Result<Received, StorageError> {
        if deferred {
            self.inner.receive_deferred(expected, body, limit_bytes)
        } else {
            self.inner.receive(expected, body, limit_bytes)
        }
    }
}

/// A blob that may be a claim, prepared by [`IndexingStorage::prepare`]
/// to be stored through the tree.
struct MaybeClaim(Vec<u8>);

/// Whether SHA-224-named `bytes` may be a claim (the test of
/// `receive_indexed`).
fn may_be_claim(bytes: &[u8]) -> bool {
    bytes.first() == Some(&b'{')
        && bytes.len() <= SCHEMA_BYTES_MAX
        && contains(bytes, b"\"claim\"")
        && contains(bytes, b"camliVersion")
}

/// One read that retries on `Interrupted`.
fn read_some(body: &mut dyn Read, out: &mut [u8]) -> Result<usize, StorageError> {
    loop {
        match body.read(out) {
            Ok(count) => return Ok(count),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(StorageError::Io(error)),
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn fs_storage_error(error: FsError) -> StorageError {
    StorageError::Io(io::Error::other(error.to_string()))
}

impl BlobStorage for IndexingStorage {
    fn receive(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        self.receive_indexed(expected, body, limit_bytes, false)
    }

    fn receive_deferred(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        self.receive_indexed(expected, body, limit_bytes, true)
    }

    /// A blob that may be a claim is kept for the tree; any other is
    /// prepared by `inner` (a file's chunks: hashed and copied once).
    fn prepare(&self, bytes: &[u8]) -> Result<Prepared, StorageError> {
        if !may_be_claim(bytes) {
            return self.inner.prepare(bytes);
        }
        let blob_ref = BlobRef::of_bytes(bytes);
        let size = bytes.len() as u64;
        Ok(Prepared::new(
            blob_ref,
            size,
            Box::new(MaybeClaim(bytes.to_vec())),
        ))
    }

    /// As `prepare`: a blob that may be a claim is kept for the tree; any
    /// other is passed on as it is.
    fn prepare_shared(&self, bytes: SharedBytes) -> Result<Prepared, StorageError> {
        if may_be_claim(&bytes) {
            return self.prepare(&bytes);
        }
        self.inner.prepare_shared(bytes)
    }

    fn store_prepared(&self, prepared: Prepared) -> Result<Received, StorageError> {
        match prepared.try_into_payload::<MaybeClaim>() {
            Ok(MaybeClaim(bytes)) => self.receive_deferred(None, &mut &bytes[..], u64::MAX),
            Err(prepared) => self.inner.store_prepared(prepared),
        }
    }

    fn write_back(&self, recent: &BlobRef) -> Result<(), StorageError> {
        self.inner.write_back(recent)
    }

    fn sync(&self) -> Result<(), StorageError> {
        self.inner.sync()
    }

    fn fetch(&self, blob_ref: &BlobRef) -> Result<Option<Fetched>, StorageError> {
        self.inner.fetch(blob_ref)
    }

    fn stat(&self, refs: &[BlobRef]) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        self.inner.stat(refs)
    }

    fn enumerate(
        &self,
        after: Option<&BlobRef>,
        limit: usize,
    ) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        self.inner.enumerate(after, limit)
    }

    fn contains(&self, blob_ref: &BlobRef) -> Result<bool, StorageError> {
        self.inner.contains(blob_ref)
    }
}
