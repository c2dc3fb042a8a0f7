//! Blobs: their names ([`BlobRef`]), the cutting of large files into chunks
//! by a rolling checksum (as Perkeep cuts them), and the `file` / `bytes`
//! schema blobs that list a file's chunks.
//!
//! Where to start: [`write_file`] stores any stream as chunks plus a `file`
//! blob ([`upload_file`] does it as a pipeline, durable when it returns); [`file_reader::read_range`] reads any range back, fetching only
//! the chunks it covers. Below them: `blobref`, `rollsum`, `chunker`,
//! `file_schema` (the JSON format), `file_writer`, `file_reader`.
//!
//! Storage is behind [`BlobStorage`] (`storage`): [`DbStorage`]
//! (`db_storage`) keeps blobs durably in the store's Db, with the keys
//! listed in KEYSPACE.md; [`MemoryStorage`] is the model and test double.
//! Code that only writes blobs takes a [`BlobSink`], code that only reads
//! them a [`BlobSource`]; every `BlobStorage` is both.

pub mod blobref;
pub mod chunker;
pub mod db_storage;
pub mod file_reader;
pub mod file_schema;
pub mod file_writer;
pub mod memory;
pub mod rollsum;
pub mod shared_bytes;
pub mod storage;
#[cfg(test)]
mod test_store;
pub mod upload;
pub mod write_back;

pub use blobref::{BlobRef, BlobRefError, HashKind, Hasher};
pub use db_storage::{DbStorage, data_store_dir};
pub use file_schema::{FileError, FileMeta};
pub use file_writer::{WrittenFile, write_file, write_file_shared};
pub use memory::MemoryStorage;
pub use shared_bytes::SharedBytes;
pub use storage::{BlobStorage, Fetched, Prepared, Received, StorageError};
pub use upload::{Uploaded, upload_file};

use std::io;

/// Somewhere blobs can be written.
///
/// Contract: `put` stores `bytes` as one blob named by its SHA-224 digest
/// and returns that name; putting the same bytes twice stores them once and
/// returns the same ref. An `Ok` means the blob can be read back (how
/// durable it is, is the implementation's documented promise). A blob is
/// at most [`BLOB_BYTES_MAX`]; a larger one is an `Err` of kind
/// `InvalidInput`, and nothing is stored.
pub trait BlobSink {
    /// Stores `bytes` and returns their ref.
    fn put(&self, bytes: &[u8]) -> io::Result<BlobRef>;

    /// `put` of bytes the caller shares, which a sink may keep as they are
    /// instead of copying them (see [`write_file_shared`]). The default
    /// is `put`.
    fn put_shared(&self, bytes: SharedBytes) -> io::Result<BlobRef> {
        self.put(&bytes)
    }
}

/// Somewhere blobs can be read.
///
/// Contract: `get` returns exactly the bytes named by `blob_ref` (bytes that
/// hash to it), or an `Err` of kind `NotFound` when the blob is absent;
/// never other bytes.
pub trait BlobSource {
    /// The bytes of the blob named `blob_ref`.
    fn get(&self, blob_ref: &BlobRef) -> io::Result<Vec<u8>>;
}

/// The largest blob strata stores, as Perkeep's blob servers allow.
pub const BLOB_BYTES_MAX: usize = 16 * 1024 * 1024;
