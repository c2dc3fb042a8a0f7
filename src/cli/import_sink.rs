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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blob::file_reader::read_range;
    use crate::blob::{FileMeta, write_file};
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

    /// File `index`'s bytes: small ones, and every seventh over
    /// [`BATCH_BYTES_MAX`] so it is written in several batches.
    fn file_bytes(index: u64) -> Vec<u8> {
        let size = if index % 7 == 3 {
            700_000
        } else {
            1_000 + index * 300
        };
        pseudo_random_bytes(index, size as usize)
    }

    /// Stores file `index` as an import does: its blobs through the sink,
    /// then its claim.
    fn put(backend: &DeferredBackend, tree: &Tree, index: u64) {
        let sink = ImportSink::new(backend.storage());
        let bytes = file_bytes(index);
        let written = write_file(&sink, &bytes[..], &FileMeta::default()).expect("write");
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
