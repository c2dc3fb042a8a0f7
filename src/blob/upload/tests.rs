//! Tests of the upload pipeline: the same blobs, in the same order, as the
//! plain file writer; one sync, after the last blob; write-back hints on
//! long files; a storage failure stops the reader and is the error
//! returned; a read failure of the source is returned as is.

use super::*;
use crate::blob::file_reader::read_range;
use crate::blob::storage::{Fetched, Received};
use crate::blob::test_store::MemoryStore;
use crate::blob::{MemoryStorage, file_schema::FileMeta, write_file};
use crate::util::splitmix::pseudo_random_bytes;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A `MemoryStorage` that records what the pipeline does to it, and can
/// be told to fail the store of its n-th blob.
#[derive(Default)]
struct Recording {
    inner: MemoryStorage,
    stored: Mutex<Vec<BlobRef>>,
    /// `stored.len()` at each sync.
    syncs: Mutex<Vec<usize>>,
    write_backs: AtomicUsize,
    fail_store_at: Option<usize>,
    /// How long each store takes (a slow disk).
    store_delay: std::time::Duration,
}

impl BlobStorage for Recording {
    fn receive(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        self.inner.receive(expected, body, limit_bytes)
    }

    fn store_prepared(&self, prepared: Prepared) -> Result<Received, StorageError> {
        let mut stored = self.stored.lock().unwrap();
        if self.fail_store_at == Some(stored.len()) {
            let error = io::Error::new(io::ErrorKind::StorageFull, "disk full");
            return Err(StorageError::Io(error));
        }
        stored.push(prepared.blob_ref);
        std::thread::sleep(self.store_delay);
        let bytes: Vec<u8> = prepared.into_payload();
        self.inner.receive_slice_deferred(&bytes)
    }

    fn write_back(&self, _recent: &BlobRef) -> Result<(), StorageError> {
        self.write_backs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn sync(&self) -> Result<(), StorageError> {
        let stored = self.stored.lock().unwrap().len();
        self.syncs.lock().unwrap().push(stored);
        Ok(())
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

/// A reader that counts the bytes it gives.
struct Counted<Source> {
    source: Source,
    given: u64,
}

impl<Source: Read> Read for Counted<Source> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let count = self.source.read(out)?;
        self.given += count as u64;
        Ok(count)
    }
}

#[test]
fn upload_stores_the_blobs_of_write_file_in_its_order_and_syncs_once_after_the_last() {
    let data = pseudo_random_bytes(41, 5 << 20);
    let meta = FileMeta {
        file_name: "data.bin".into(),
        unix_mtime: None,
    };
    let plain = MemoryStore::new();
    let expected = write_file(&plain, &data[..], &meta).unwrap();
    let storage = Recording::default();
    let uploaded = upload_file(&storage, &data[..], &meta).unwrap();
    assert_eq!(uploaded.written, expected);
    assert!(uploaded.newly_stored);
    let stored = storage.stored.lock().unwrap().clone();
    assert_eq!(stored, *plain.puts.borrow(), "same blobs, same order");
    assert_eq!(*storage.syncs.lock().unwrap(), vec![stored.len()]);
    let mut back = Vec::new();
    let size = data.len() as u64;
    read_range(&storage, &uploaded.written.file_ref, 0, size, &mut back).unwrap();
    assert!(back == data);
    let again = upload_file(&storage, &data[..], &meta).unwrap();
    assert_eq!(again.written.file_ref, expected.file_ref);
    assert!(!again.newly_stored, "the file blob was there");
}

#[test]
fn an_empty_upload_is_one_file_blob() {
    let storage = Recording::default();
    let uploaded = upload_file(&storage, &b""[..], &FileMeta::default()).unwrap();
    assert_eq!(uploaded.written.size, 0);
    assert_eq!(*storage.stored.lock().unwrap(), [uploaded.written.file_ref]);
    assert_eq!(*storage.syncs.lock().unwrap(), vec![1]);
}

#[test]
fn a_long_upload_asks_for_write_back_as_it_goes() {
    // 1 MiB chunks (a constant stream never splits), stored in 2 ms each:
    // the write-back thread is idle long before the minimum is stored.
    let size = 3 * WRITE_BACK_BYTES_MIN + 12345;
    let storage = Recording {
        store_delay: std::time::Duration::from_millis(2),
        ..Recording::default()
    };
    let uploaded = upload_file(&storage, io::repeat(7).take(size), &FileMeta::default()).unwrap();
    assert_eq!(uploaded.written.size, size);
    let write_backs = storage.write_backs.load(Ordering::SeqCst);
    assert!((1..=3).contains(&write_backs), "{write_backs} write-backs");
}

#[test]
fn a_store_failure_stops_the_reader_and_is_the_error_returned() {
    let storage = Recording {
        fail_store_at: Some(2),
        ..Recording::default()
    };
    let size = 400u64 << 20;
    let mut source = Counted {
        source: io::repeat(1).take(size),
        given: 0,
    };
    let failed = upload_file(&storage, &mut source, &FileMeta::default());
    match failed {
        Err(FileError::Io(error)) => {
            assert_eq!(error.kind(), io::ErrorKind::StorageFull, "{error}")
        }
        other => panic!("expected the storage's error, got {other:?}"),
    }
    assert_eq!(storage.stored.lock().unwrap().len(), 2);
    assert!(
        storage.syncs.lock().unwrap().is_empty(),
        "never acknowledged"
    );
    let read_at_most = (PIPELINE_BLOBS_MAX as u64 + 8) << 20;
    assert!(source.given <= read_at_most, "read {} bytes", source.given);
}

#[test]
fn a_source_failure_is_returned_and_nothing_is_synced() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _out: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::ConnectionReset, "peer gone"))
        }
    }
    let storage = Recording::default();
    let source = io::repeat(3).take(3 << 20).chain(Failing);
    let failed = upload_file(&storage, source, &FileMeta::default());
    assert!(
        matches!(&failed, Err(FileError::Io(error)) if error.kind() == io::ErrorKind::ConnectionReset),
        "{failed:?}"
    );
    assert!(storage.syncs.lock().unwrap().is_empty());
}
