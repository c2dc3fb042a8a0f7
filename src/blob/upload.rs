//! Stores a file read from a stream, as a pipeline of three threads, and
//! returns once all of it is durable: the speed of `PUT /api/file`.
//!
//! - The caller's thread reads the stream into the chunker's shared
//!   buffers, cuts it into chunks (`chunker`), groups them (`file_writer`)
//!   and *prepares* each blob ([`BlobStorage::prepare_shared`]: hashes a
//!   chunk where it lies, cache-hot from the read and the cut; a schema
//!   blob is copied), then hands it over through a bounded queue of
//!   [`PIPELINE_BLOBS_MAX`] blobs. A chunk's bytes are not copied in this
//!   process between the socket's read and the value log's write.
//! - The storer thread stores the blobs in the order they were put
//!   ([`BlobStorage::store_prepared`], deferred: no sync per blob). Once
//!   [`WRITE_BACK_BYTES_MIN`] are stored since its last hint, it names the
//!   last blob stored, after each blob, to
//!   - the write-back thread (`write_back.rs`, shared with `strata
//!     import`), if it is idle, which asks the storage to write what was
//!     stored so far to the medium ([`BlobStorage::write_back`]) while
//!     the other two go on. So the disk works from the first megabytes
//!     on, and the final sync finds at most what was stored during the
//!     last write-back (or under the minimum) left to write.
//!
//! Then one [`BlobStorage::sync`] makes every blob of the file durable
//! before [`upload_file`] returns: a caller may acknowledge the upload
//! when it returns `Ok`, never before.
//!
//! Order: blobs are stored in the order the file writer puts them (chunks
//! before the `bytes` blob naming them, the `file` blob last), so a reader
//! that finds a schema blob finds its parts.
//!
//! Errors: the first error of the storer stops the reader at its next
//! blob; the error returned is the first cause (a storage error over the
//! "queue closed" it causes). Blobs stored before an error stay stored, as
//! those of any upload that was not acknowledged may.
//!
//! Memory: at most `PIPELINE_BLOBS_MAX + 2` prepared blobs of at most a
//! chunk (1 MiB) or a schema blob each, whatever the file's size; the
//! chunks live in the chunker's buffers of 2 MiB: the one being cut, the
//! ones the queued chunks span (consecutive bytes of the stream, so at
//! most one more than their total over 2 MiB) and up to
//! `chunker::SPARE_BUFFERS_MAX` spares.

use super::file_schema::{FileError, FileMeta};
use super::file_writer::{WrittenFile, write_file_shared};
use super::storage::{BlobStorage, Prepared, StorageError};
use super::write_back::{WriteBackHints, write_back_channel};
use super::{BlobRef, BlobSink, SharedBytes};
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Prepared blobs waiting for the storer, at most.
pub const PIPELINE_BLOBS_MAX: usize = 32;
/// Bytes stored since the last write-back hint before the next one (a
/// write-back of less would cost a file-system commit for little).
pub const WRITE_BACK_BYTES_MIN: u64 = 16 << 20;

/// What [`upload_file`] stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uploaded {
    pub written: WrittenFile,
    /// False when the `file` blob was stored already (the same content
    /// and metadata were uploaded before).
    pub newly_stored: bool,
}

/// Reads `source` to its end and stores it as a file in `storage`; `Ok`
/// once every blob of it is durable (see the module header).
pub fn upload_file(
    storage: &dyn BlobStorage,
    source: impl Read,
    meta: &FileMeta,
) -> Result<Uploaded, FileError> {
    let (blobs, queue) = sync_channel::<Prepared>(PIPELINE_BLOBS_MAX);
    let (hints, hinted) = write_back_channel(WRITE_BACK_BYTES_MIN);
    let (written, stored, written_back) = std::thread::scope(|scope| {
        let storer = scope.spawn(move || store_in_order(storage, queue, hints));
        let write_back = scope.spawn(move || hinted.run(storage));
        let sink = PipeSink { storage, blobs };
        let written = write_file_shared(&sink, source, meta);
        drop(sink); // closes the queue: the storer ends after the last blob
        let stored = storer.join().expect("the storer thread panicked");
        let written_back = write_back.join().expect("the write-back thread panicked");
        (written, stored, written_back)
    });
    let newly_stored = stored.map_err(storage_to_file_error)?;
    let written = written?;
    written_back.map_err(storage_to_file_error)?;
    storage.sync().map_err(storage_to_file_error)?;
    Ok(Uploaded {
        written,
        newly_stored,
    })
}

fn storage_to_file_error(error: StorageError) -> FileError {
    FileError::Io(error.into())
}

/// The reader's end of the pipeline: prepares each blob and queues it;
/// its ref is known at once.
struct PipeSink<'storage> {
    storage: &'storage dyn BlobStorage,
    blobs: SyncSender<Prepared>,
}

impl PipeSink<'_> {
    fn queue(&self, prepared: Prepared) -> io::Result<BlobRef> {
        let blob_ref = prepared.blob_ref;
        if self.blobs.send(prepared).is_err() {
            // The storer stopped on an error, which `upload_file` returns.
            return Err(io::Error::other("the blob storer stopped"));
        }
        Ok(blob_ref)
    }
}

impl BlobSink for PipeSink<'_> {
    /// Schema blobs (`bytes`, `file`): prepared as a copy.
    fn put(&self, bytes: &[u8]) -> io::Result<BlobRef> {
        self.queue(self.storage.prepare(bytes)?)
    }

    /// Chunks: prepared where they lie, in the chunker's buffer.
    fn put_shared(&self, bytes: SharedBytes) -> io::Result<BlobRef> {
        self.queue(self.storage.prepare_shared(bytes)?)
    }
}

/// The storer: stores the queued blobs in order until the queue closes;
/// whether the last one (the `file` blob) was new.
fn store_in_order(
    storage: &dyn BlobStorage,
    queue: Receiver<Prepared>,
    hints: WriteBackHints,
) -> Result<bool, StorageError> {
    let mut last_newly_stored = false;
    for prepared in queue {
        let size = prepared.size;
        let received = storage.store_prepared(prepared)?;
        last_newly_stored = received.newly_stored;
        hints.stored(size, &received.blob_ref);
    }
    Ok(last_newly_stored)
}

#[cfg(test)]
mod tests;
