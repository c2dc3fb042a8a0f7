//! Where an import's hashing thread puts one file's blobs: they are
//! gathered and written together, unsynced, in write batches of up to
//! [`BATCH_BYTES_MAX`] bytes (a small file's chunk and `file` blob in
//! one), in the order `write_file` puts them, so every blob is written
//! in or before the batch of any blob that names it. A blob is hashed
//! where it lies and copied once, into its rows (`DbStorage::prepare`).
//! A large file's chunks come shared from the chunker's buffers
//! (`write_file_shared`, [`LARGE_FILE_BYTES_MIN`] and up): each is
//! written on its own straight from there, with no copy in this process
//! (`DbStorage::store_prepared`), in the same order.
//!
//! Each batch written is reported to the import's write-back thread
//! (`blob::write_back`), which fdatasyncs the value log while the import
//! goes on, so the disk works from the first megabytes on.
//!
//! Durable once the import's synced barrier returns (as every deferred
//! write: `deferred_backend.rs`); nothing is acknowledged before.

use crate::blob::write_back::WriteBackHints;
use crate::blob::{BlobRef, BlobSink, BlobStorage, DbStorage, Prepared, SharedBytes, StorageError};
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

/// Files of at least this size are written from the chunker's shared
/// buffers (see the module header): their chunks are 64 KiB to 1 MiB, so
/// a write per chunk costs little, and the copy into a batch (with the
/// fresh pages it faults in) was a sixth of a large import's CPU.
pub const LARGE_FILE_BYTES_MIN: u64 = 1 << 20;

/// Gathers one file's blobs (see the module header). Call
/// [`ImportSink::finish`] once `write_file` returns: what is still
/// gathered is written then.
pub struct ImportSink<'a> {
    storage: &'a DbStorage,
    write_back: Option<&'a WriteBackHints>,
    gathered: RefCell<Gathered>,
}

#[derive(Default)]
struct Gathered {
    blobs: Vec<Prepared>,
    bytes: u64,
}

impl<'a> ImportSink<'a> {
    /// A sink into `storage` that reports what it writes to
    /// `write_back`, if given.
    pub fn new(storage: &'a DbStorage, write_back: Option<&'a WriteBackHints>) -> ImportSink<'a> {
        ImportSink {
            storage,
            write_back,
            gathered: RefCell::new(Gathered::default()),
        }
    }

    /// Writes what is gathered (one unsynced batch).
    pub fn finish(&self) -> Result<(), StorageError> {
        let gathered = std::mem::take(&mut *self.gathered.borrow_mut());
        // The largest blob (the last of equals) is a chunk, in the value
        // log when any of the batch is: the file a write-back syncs.
        let largest = gathered.blobs.iter().max_by_key(|blob| blob.size);
        let Some(largest) = largest.map(|blob| blob.blob_ref) else {
            return Ok(());
        };
        self.storage
            .store_many_prepared(gathered.blobs, WriteBatch::new(), true)?;
        if let Some(write_back) = self.write_back {
            write_back.stored(gathered.bytes, &largest);
        }
        Ok(())
    }
}

impl BlobSink for ImportSink<'_> {
    /// A large file's chunk, shared from the chunker's buffer
    /// (`write_file_shared`): written on its own, straight from there to
    /// the value log (no copy into a batch), after what is gathered.
    fn put_shared(&self, bytes: SharedBytes) -> io::Result<BlobRef> {
        self.finish()?;
        let size = bytes.len() as u64;
        let prepared = self.storage.prepare_shared(bytes)?;
        let received = self.storage.store_prepared(prepared)?;
        if let Some(write_back) = self.write_back {
            write_back.stored(size, &received.blob_ref);
        }
        Ok(received.blob_ref)
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::file_reader::read_range;
    use crate::blob::write_back::write_back_channel;
    use crate::blob::{FileMeta, write_file, write_file_shared};
    use crate::cli::deferred_backend::DeferredBackend;
    use crate::fs::{Tree, TreeOptions, TreePath, latest};
    use crate::store::Options;
    use crate::store::env::MemEnv;
    use crate::util::splitmix::pseudo_random_bytes;
    use std::path::Path;
    use std::sync::Arc;

    fn open(env: &MemEnv) -> (Arc<DeferredBackend>, Tree) {
        let options = Options {
            create_if_missing: true,
            env: Arc::new(env.clone()),
            write_buffer_size_bytes: crate::cli::import_direct::IMPORT_WRITE_BUFFER_BYTES,
            ..Options::default()
        };
        let storage = DbStorage::open_with_options(Path::new("/data/store"), options);
        let backend = Arc::new(DeferredBackend::new(Arc::new(storage.expect("open"))));
        let tree = Tree::open(backend.clone(), TreeOptions::default()).expect("tree");
        (backend, tree)
    }

    /// File `index`'s bytes: small ones, every seventh over
    /// [`BATCH_BYTES_MAX`] so it is written in several batches, and
    /// every fifth (of the others) large: written from shared chunks.
    fn file_bytes(index: u64) -> Vec<u8> {
        let size = if index % 7 == 3 {
            700_000
        } else if index % 5 == 1 {
            LARGE_FILE_BYTES_MIN + 300_000 + index
        } else {
            1_000 + index * 300
        };
        pseudo_random_bytes(index, size as usize)
    }

    /// Stores file `index` as an import does: its blobs through the sink
    /// (shared chunks for a large file), then its claim.
    fn put(backend: &DeferredBackend, tree: &Tree, index: u64) {
        let (hints, queue) = write_back_channel(1);
        drop(queue);
        let sink = ImportSink::new(backend.storage(), Some(&hints));
        let bytes = file_bytes(index);
        let meta = FileMeta::default();
        let written = if bytes.len() as u64 >= LARGE_FILE_BYTES_MIN {
            write_file_shared(&sink, &bytes[..], &meta)
        } else {
            write_file(&sink, &bytes[..], &meta)
        };
        let written = written.expect("write");
        sink.finish().expect("finish");
        let path = TreePath::parse(&format!("/in/f{index:03}")).expect("path");
        tree.put_content(&path, written.file_ref, written.size)
            .expect("put");
    }

    #[test]
    fn a_power_cut_keeps_every_file_behind_the_barrier_and_each_other_whole_or_not_at_all() {
        let env = MemEnv::new();
        {
            let (backend, tree) = open(&env);
            for index in 0..20 {
                put(&backend, &tree, index);
            }
            backend.sync().expect("barrier");
            for index in 20..30 {
                put(&backend, &tree, index);
            }
        }
        env.crash();
        let (backend, tree) = open(&env);
        let folder = TreePath::parse("/in").expect("path");
        let listed = tree.list(&folder, latest()).expect("list");
        let names: Vec<&str> = listed.iter().map(|entry| entry.name.as_str()).collect();
        for index in 0..20 {
            assert!(
                names.contains(&format!("f{index:03}").as_str()),
                "{names:?}"
            );
        }
        for entry in &listed {
            let index: u64 = entry.name[1..].parse().expect("a name made above");
            let content = entry.content.expect("a file has content");
            let mut read = Vec::new();
            read_range(backend.storage(), &content, 0, entry.size, &mut read).expect("read");
            assert_eq!(read, file_bytes(index), "{}", entry.name);
        }
        let report = tree.reindex().expect("reindex");
        let again = tree.list(&folder, latest()).expect("list after reindex");
        assert_eq!(again, listed, "{report:?}");
    }
}
