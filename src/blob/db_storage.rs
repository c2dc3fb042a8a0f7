//! `DbStorage`: the durable [`BlobStorage`], blobs kept in the store's
//! [`Db`]. Every key it writes (and the prefixes of the layers above) is
//! in [KEYSPACE.md](KEYSPACE.md) beside this file.
//!
//! Contracts, on top of the trait's:
//! - A blob is two rows written in one synced write batch: `b<ref>` (its
//!   bytes; at or above the Db's value-log threshold they go to the value
//!   log, written once and never rewritten by compaction) and `s<ref>`
//!   (its size). `stat`, `enumerate` and `contains` read only `s` rows,
//!   so they never touch a blob's bytes; `contains` is one `get`, which the
//!   tables' bloom filters answer "no" without reading a data block.
//! - `receive` returns `Ok` only after its batch is synced (the Db's group
//!   commit shares one sync among concurrent writers). `receive_deferred`
//!   writes without a sync and `sync` makes every earlier write durable
//!   with one synced write; a `receive` that finds its blob already stored
//!   calls `sync` when a deferred write may not be durable yet, so "`Ok`
//!   from `receive` ⇒ durable" holds whoever stored the bytes first.
//! - `fetch` streams: a value-log blob is read 64 KiB block by block, each
//!   block checked against its stored crc before any byte of it is handed
//!   out, and the record's key is checked to be the blob's; a small blob
//!   (kept in the tree, read through checked table blocks) is re-hashed
//!   against its ref before it is handed out. Damage is `Corruption`.
//!
//! Thread safety: every method may be called from many threads. Receives
//! of the same ref are serialised by a striped lock around "is it there?"
//! and the write, so exactly one of them says `newly_stored`.

use super::storage::{self, BlobStorage, Fetched, Prepared, Received, StorageError};
use super::{BlobRef, SharedBytes};
use crate::store::db::{Db, Options, ReadOptions, StoreError, WriteBatch, WriteOptions};
use crate::store::write_batch::Handler;
use crate::util::varint;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// First byte of the row holding a blob's bytes (KEYSPACE.md).
pub const BLOB_PREFIX: u8 = b'b';
/// First byte of the row holding a blob's size (KEYSPACE.md).
pub const SIZE_PREFIX: u8 = b's';
/// First byte of index rows, owned by `src/index` (KEYSPACE.md).
pub const INDEX_PREFIX: u8 = b'x';
/// First byte of higher layers' metadata rows (KEYSPACE.md).
pub const META_PREFIX: u8 = b'm';
/// The row naming the layout of the keyspace (KEYSPACE.md).
pub const KEYSPACE_VERSION_KEY: &[u8] = b"mkeyspace-version";
/// The layout this code reads and writes, as the version row holds it.
pub const KEYSPACE_VERSION: &[u8] = b"1";
/// From this many refs on, a `stat` shares its lookups among threads.
const STAT_PARALLEL_REFS_MIN: usize = 256;
/// The most threads one `stat` uses.
const STAT_THREADS_MAX: usize = 4;
/// Locks that serialise receives of the same ref (a ref picks one).
const RECEIVE_LOCK_STRIPES_COUNT: usize = 64;

/// Blobs in a [`Db`] (see the module header).
pub struct DbStorage {
    db: Arc<Db>,
    receive_locks: Vec<Mutex<()>>,
    /// Deferred (unsynced) writes of new blobs so far, counted under the
    /// blob's receive lock once the write is done.
    deferred_written: AtomicU64,
    /// A count of `deferred_written` every write of which is durable.
    deferred_synced: AtomicU64,
}

/// Whether a write of a new blob syncs before it returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    Synced,
    Deferred,
}

/// The store folder inside a data folder: `data_dir/store`.
pub fn data_store_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("store")
}

/// `prefix` followed by the ref's text: the key of one of a blob's rows.
fn row_key(prefix: u8, blob_ref: &BlobRef) -> Vec<u8> {
    let text = blob_ref.as_str().as_bytes();
    let mut key = Vec::with_capacity(1 + text.len());
    key.push(prefix);
    key.extend_from_slice(text);
    key
}

/// A blob's two rows (KEYSPACE.md), built before its receive lock is
/// taken (the copy of the bytes into the batch is the costly part): in
/// `batch`, or the `s` row in `batch` and the bytes in `shared`, written
/// from there (`Db::write_with_value`).
struct BlobRows {
    blob_ref: BlobRef,
    size: u64,
    batch: WriteBatch,
    shared: Option<SharedBytes>,
}

/// The write batch of a blob's `s` row alone.
fn size_row(blob_ref: &BlobRef, size: u64) -> WriteBatch {
    let mut batch = WriteBatch::new();
    let mut encoded = Vec::with_capacity(10);
    varint::put_varint64(&mut encoded, size);
    batch.put(&row_key(SIZE_PREFIX, blob_ref), &encoded);
    batch
}

/// The write batch of a blob's `b` and `s` rows.
fn blob_rows(blob_ref: &BlobRef, bytes: &[u8]) -> WriteBatch {
    let mut batch = WriteBatch::new();
    batch.put(&row_key(BLOB_PREFIX, blob_ref), bytes);
    batch.append(&size_row(blob_ref, bytes.len() as u64));
    batch
}

/// A store error as the blob layer reports it: damage stays `Corruption`
/// (naming the file and offset), everything else is `Io`.
pub fn storage_error(error: StoreError) -> StorageError {
    match error {
        StoreError::Corruption { .. } => StorageError::Corruption {
            what: error.to_string(),
        },
        StoreError::Io { kind, .. } => StorageError::Io(io::Error::new(kind, error.to_string())),
        StoreError::Locked { .. } => StorageError::Io(io::Error::new(
            io::ErrorKind::ResourceBusy,
            error.to_string(),
        )),
        other => StorageError::Io(io::Error::other(other.to_string())),
    }
}

/// Fails on a row of `rows` whose key is one of the blob layer's own (a
/// programmer error in a higher layer: it would forge a blob).
struct ForeignRowCheck;

impl ForeignRowCheck {
    fn check(key: &[u8]) {
        let owned = matches!(key.first(), Some(&BLOB_PREFIX | &SIZE_PREFIX));
        assert!(!owned, "a higher layer wrote a blob-layer row: {key:?}");
    }
}

impl Handler for ForeignRowCheck {
    fn put(&mut self, key: &[u8], _value: &[u8]) {
        ForeignRowCheck::check(key);
    }
    fn delete(&mut self, key: &[u8]) {
        ForeignRowCheck::check(key);
    }
    fn put_value_pointer(&mut self, key: &[u8], _pointer: &[u8]) {
        ForeignRowCheck::check(key);
    }
}

impl DbStorage {
    /// Opens (creating if missing) the store in `dir` (the data folder's
    /// `store/` sub-folder).
    ///
    /// A store held by another process is an error whose message says so
    /// (kind `ResourceBusy`). A store written with another keyspace layout
    /// (its `mkeyspace-version` row) is refused (kind `Unsupported`); a new
    /// store gets the row.
    pub fn open(dir: &Path) -> Result<DbStorage, StorageError> {
        let options = Options {
            create_if_missing: true,
            ..Options::default()
        };
        DbStorage::open_with_options(dir, options)
    }

    /// `open` with the caller's store options (tests use an in-memory Env).
    pub fn open_with_options(dir: &Path, options: Options) -> Result<DbStorage, StorageError> {
        std::fs::create_dir_all(dir).map_err(|error| {
            let message = format!("cannot create the store folder {}: {error}", dir.display());
            StorageError::Io(io::Error::new(error.kind(), message))
        })?;
        let db = Db::open(dir, options).map_err(|error| match error {
            StoreError::Locked { .. } => StorageError::Io(io::Error::new(
                io::ErrorKind::ResourceBusy,
                format!(
                    "the store {} is held by another process (is another strata running \
                     on this data folder?)",
                    dir.display()
                ),
            )),
            other => storage_error(other),
        })?;
        let storage = DbStorage::new(Arc::new(db));
        storage.check_keyspace_version()?;
        Ok(storage)
    }

    /// Wraps an open Db. No keyspace-version check: the caller opened the
    /// Db (use `open` for a data folder's store).
    pub fn new(db: Arc<Db>) -> DbStorage {
        let receive_locks = (0..RECEIVE_LOCK_STRIPES_COUNT)
            .map(|_| Mutex::new(()))
            .collect();
        DbStorage {
            db,
            receive_locks,
            deferred_written: AtomicU64::new(0),
            deferred_synced: AtomicU64::new(0),
        }
    }

    pub fn db(&self) -> &Arc<Db> {
        &self.db
    }

    /// Stores `bytes` as a blob AND applies `rows` (index rows of higher
    /// layers) in ONE atomic, synced write batch; dedup as `receive`. For
    /// small schema blobs (claims) whose index rows must land atomically
    /// with them.
    ///
    /// When the blob is already stored, `rows` are still written (synced)
    /// and the answer says `newly_stored: false`. REQUIRES: no key of
    /// `rows` starts with `b` or `s` (the blob layer's rows; asserted).
    pub fn receive_with_rows(
        &self,
        bytes: &[u8],
        rows: WriteBatch,
    ) -> Result<Received, StorageError> {
        rows.iterate(&mut ForeignRowCheck)
            .map_err(|error| StorageError::Io(io::Error::other(format!("{error:?}"))))?;
        let mut body = bytes;
        let read = storage::read_blob(None, &mut body, super::BLOB_BYTES_MAX as u64)?;
        self.store(read.blob_ref, &read.bytes, rows, Durability::Synced)
    }

    /// Stores each of `blobs` not stored yet AND applies `rows`, in ONE
    /// atomic write batch: synced, or with `deferred` unsynced (durable
    /// once `sync` returns, as `receive_deferred`). For a claim and the
    /// new permanode it names, which must be durable together. Answers
    /// each blob's ref, in order. REQUIRES: as `receive_with_rows`.
    pub fn receive_many_with_rows(
        &self,
        blobs: &[&[u8]],
        rows: WriteBatch,
        deferred: bool,
    ) -> Result<Vec<BlobRef>, StorageError> {
        let prepared = blobs
            .iter()
            .map(|bytes| self.prepare(bytes))
            .collect::<Result<Vec<_>, _>>()?;
        self.store_many_prepared(prepared, rows, deferred)
    }

    /// [`DbStorage::receive_many_with_rows`] of blobs this storage
    /// prepared (`prepare`: hashed, and copied into their rows' batch),
    /// for a caller that needs each ref before the write.
    pub fn store_many_prepared(
        &self,
        prepared: Vec<Prepared>,
        rows: WriteBatch,
        deferred: bool,
    ) -> Result<Vec<BlobRef>, StorageError> {
        rows.iterate(&mut ForeignRowCheck)
            .map_err(|error| StorageError::Io(io::Error::other(format!("{error:?}"))))?;
        let refs: Vec<BlobRef> = prepared.iter().map(|blob| blob.blob_ref).collect();
        let batches: Vec<WriteBatch> = prepared.into_iter().map(Prepared::into_payload).collect();
        let durability = if deferred {
            Durability::Deferred
        } else {
            Durability::Synced
        };
        let wrote = self.store_many_locked(&refs, batches, rows, durability)?;
        if !wrote && durability == Durability::Synced {
            self.sync()?;
        }
        Ok(refs)
    }

    /// `store_many_prepared` under every blob's receive lock (taken in
    /// stripe order, so two callers never wait on each other in a
    /// circle): whether anything was written.
    fn store_many_locked(
        &self,
        refs: &[BlobRef],
        blob_batches: Vec<WriteBatch>,
        rows: WriteBatch,
        durability: Durability,
    ) -> Result<bool, StorageError> {
        let mut stripes: Vec<usize> = refs
            .iter()
            .map(|blob_ref| self.receive_stripe(blob_ref))
            .collect();
        stripes.sort_unstable();
        stripes.dedup();
        let _guards: Vec<MutexGuard<'_, ()>> = stripes
            .iter()
            .map(|&stripe| {
                self.receive_locks[stripe]
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            })
            .collect();
        let mut batch = WriteBatch::new();
        for (index, (blob_ref, blob_batch)) in refs.iter().zip(blob_batches).enumerate() {
            let repeated = refs[..index].contains(blob_ref);
            if !repeated && !self.contains(blob_ref)? {
                if batch.count() == 0 {
                    batch = blob_batch;
                } else {
                    batch.append(&blob_batch);
                }
            }
        }
        batch.append(&rows);
        if batch.count() == 0 {
            return Ok(false);
        }
        let sync = durability == Durability::Synced;
        self.db
            .write(&WriteOptions { sync }, batch)
            .map_err(storage_error)?;
        if !sync {
            self.deferred_written.fetch_add(1, Ordering::SeqCst);
        }
        Ok(true)
    }

    /// Writes the blob's rows and `rows` unless the blob is there; `rows`
    /// alone (if any) when it is. Synced: returns once the blob is durable
    /// (a blob found stored may come from a deferred write: then `sync`).
    fn store(
        &self,
        blob_ref: BlobRef,
        bytes: &[u8],
        rows: WriteBatch,
        durability: Durability,
    ) -> Result<Received, StorageError> {
        let blob = BlobRows {
            blob_ref,
            size: bytes.len() as u64,
            batch: blob_rows(&blob_ref, bytes),
            shared: None,
        };
        self.store_rows(blob, rows, durability)
    }

    /// `store` of a blob whose rows are built already.
    fn store_rows(
        &self,
        blob: BlobRows,
        rows: WriteBatch,
        durability: Durability,
    ) -> Result<Received, StorageError> {
        let (blob_ref, size) = (blob.blob_ref, blob.size);
        let (newly_stored, wrote) = self.store_locked(blob, rows, durability)?;
        if !wrote && durability == Durability::Synced {
            // Found stored: its deferred write, if it was one, was counted
            // under the lock this call took after it, so `sync` covers it.
            self.sync()?;
        }
        Ok(Received {
            blob_ref,
            size,
            newly_stored,
        })
    }

    /// `store` under the ref's receive lock: whether the blob is new, and
    /// whether anything was written (a synced write syncs all before it).
    fn store_locked(
        &self,
        blob: BlobRows,
        rows: WriteBatch,
        durability: Durability,
    ) -> Result<(bool, bool), StorageError> {
        let _guard = self.receive_lock(&blob.blob_ref);
        let newly_stored = !self.contains(&blob.blob_ref)?;
        let (mut batch, shared) = if newly_stored {
            (blob.batch, blob.shared)
        } else {
            (WriteBatch::new(), None)
        };
        batch.append(&rows);
        if batch.count() == 0 && shared.is_none() {
            return Ok((false, false));
        }
        let options = WriteOptions {
            sync: durability == Durability::Synced,
        };
        let written = match shared {
            Some(bytes) => {
                let key = row_key(BLOB_PREFIX, &blob.blob_ref);
                self.db
                    .write_with_value(&options, batch, &key, Arc::new(bytes))
            }
            None => self.db.write(&options, batch),
        };
        written.map_err(storage_error)?;
        let sync = options.sync;
        if !sync {
            self.deferred_written.fetch_add(1, Ordering::SeqCst);
        }
        Ok((newly_stored, true))
    }

    /// A synced write that makes every earlier write durable (the WAL is
    /// one sequence, and its sync syncs the value log first): it rewrites
    /// the keyspace-version row with the value it has (KEYSPACE.md).
    fn sync_barrier(&self) -> Result<(), StorageError> {
        let sync = WriteOptions { sync: true };
        self.db
            .put(&sync, KEYSPACE_VERSION_KEY, KEYSPACE_VERSION)
            .map_err(storage_error)
    }

    /// The index of the receive lock `blob_ref` takes.
    fn receive_stripe(&self, blob_ref: &BlobRef) -> usize {
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(blob_ref.as_str());
        hash as usize % self.receive_locks.len()
    }

    fn receive_lock(&self, blob_ref: &BlobRef) -> MutexGuard<'_, ()> {
        let stripe = &self.receive_locks[self.receive_stripe(blob_ref)];
        stripe
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes the keyspace-version row into a store that has none, and
    /// refuses a store whose row names another layout.
    fn check_keyspace_version(&self) -> Result<(), StorageError> {
        let read = ReadOptions::new();
        match self
            .db
            .get(&read, KEYSPACE_VERSION_KEY)
            .map_err(storage_error)?
        {
            Some(version) if version == KEYSPACE_VERSION => Ok(()),
            Some(version) => Err(StorageError::Io(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "the store's keyspace is version {:?}; this strata reads version {:?}",
                    String::from_utf8_lossy(&version),
                    String::from_utf8_lossy(KEYSPACE_VERSION)
                ),
            ))),
            None => {
                let sync = WriteOptions { sync: true };
                self.db
                    .put(&sync, KEYSPACE_VERSION_KEY, KEYSPACE_VERSION)
                    .map_err(storage_error)
            }
        }
    }

    /// The size in the `s` row of `blob_ref`, if stored.
    fn stored_size(&self, blob_ref: &BlobRef) -> Result<Option<u64>, StorageError> {
        let key = row_key(SIZE_PREFIX, blob_ref);
        let Some(row) = self
            .db
            .get(&ReadOptions::new(), &key)
            .map_err(storage_error)?
        else {
            return Ok(None);
        };
        decode_size(blob_ref.as_str(), &row).map(Some)
    }
}

impl DbStorage {
    /// The size of each of `refs` (`None`: absent), on this thread, one
    /// lookup after another.
    fn sizes_in_turn(&self, refs: &[BlobRef]) -> Result<Vec<Option<u64>>, StorageError> {
        refs.iter()
            .map(|blob_ref| self.stored_size(blob_ref))
            .collect()
    }

    /// `sizes_in_turn` of `sorted` shared among up to `threads` threads,
    /// each taking one contiguous range of keys.
    fn sizes_shared(
        &self,
        sorted: &[BlobRef],
        threads: usize,
    ) -> Result<Vec<Option<u64>>, StorageError> {
        if sorted.len() < STAT_PARALLEL_REFS_MIN || threads < 2 {
            return self.sizes_in_turn(sorted);
        }
        let share = sorted.len().div_ceil(threads);
        let parts: Vec<Result<Vec<Option<u64>>, StorageError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = sorted
                .chunks(share)
                .map(|part| scope.spawn(move || self.sizes_in_turn(part)))
                .collect();
            let joined = handles.into_iter().map(|handle| handle.join());
            joined
                .map(|result| result.expect("a stat thread panicked"))
                .collect()
        });
        let mut sizes = Vec::with_capacity(sorted.len());
        for part in parts {
            sizes.extend(part?);
        }
        Ok(sizes)
    }
}

/// The size held in an `s` row; anything but one whole varint is damage.
pub fn decode_size(blob_name: &str, row: &[u8]) -> Result<u64, StorageError> {
    match varint::get_varint64(row) {
        Some((size, used)) if used == row.len() => Ok(size),
        _ => Err(StorageError::Corruption {
            what: format!("{blob_name}: size row {row:?} is not one varint"),
        }),
    }
}

/// A value-log stream whose damage reports come back as the blob layer's
/// `Corruption` (inside an `InvalidData` io::Error, as the trait says).
struct CheckedStream {
    blob_ref: BlobRef,
    inner: crate::store::db::ValueStream,
}

impl Read for CheckedStream {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.inner.read(out).map_err(|error| {
            if error.kind() != io::ErrorKind::InvalidData {
                return error;
            }
            let what = format!("{}: {error}", self.blob_ref);
            io::Error::from(StorageError::Corruption { what })
        })
    }
}

impl BlobStorage for DbStorage {
    fn receive(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        let read = storage::read_blob(expected, body, limit_bytes)?;
        self.store(
            read.blob_ref,
            &read.bytes,
            WriteBatch::new(),
            Durability::Synced,
        )
    }

    fn receive_deferred(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        let read = storage::read_blob(expected, body, limit_bytes)?;
        self.store(
            read.blob_ref,
            &read.bytes,
            WriteBatch::new(),
            Durability::Deferred,
        )
    }

    /// Hashes the slice where it lies: no copy before the write batch's.
    fn receive_slice_deferred(&self, bytes: &[u8]) -> Result<Received, StorageError> {
        let limit_bytes = super::BLOB_BYTES_MAX as u64;
        if bytes.len() as u64 > limit_bytes {
            return Err(StorageError::TooLarge { limit_bytes });
        }
        let mut hasher = super::Hasher::new();
        hasher.update(bytes);
        let blob_ref = hasher.finish();
        self.store(blob_ref, bytes, WriteBatch::new(), Durability::Deferred)
    }

    /// Hashes the bytes and copies them into the write batch of their
    /// rows: the one copy between the caller's buffer and the store.
    fn prepare(&self, bytes: &[u8]) -> Result<Prepared, StorageError> {
        let limit_bytes = super::BLOB_BYTES_MAX as u64;
        if bytes.len() as u64 > limit_bytes {
            return Err(StorageError::TooLarge { limit_bytes });
        }
        let blob_ref = BlobRef::of_bytes(bytes);
        let batch = blob_rows(&blob_ref, bytes);
        Ok(Prepared::new(blob_ref, bytes.len() as u64, Box::new(batch)))
    }

    /// Hashes the bytes where they lie and keeps them shared: the value
    /// log's record is written from them, no copy at all in this process.
    fn prepare_shared(&self, bytes: SharedBytes) -> Result<Prepared, StorageError> {
        let limit_bytes = super::BLOB_BYTES_MAX as u64;
        if bytes.len() as u64 > limit_bytes {
            return Err(StorageError::TooLarge { limit_bytes });
        }
        let blob_ref = BlobRef::of_bytes(&bytes);
        Ok(Prepared::new(blob_ref, bytes.len() as u64, Box::new(bytes)))
    }

    fn store_prepared(&self, prepared: Prepared) -> Result<Received, StorageError> {
        let (blob_ref, size) = (prepared.blob_ref, prepared.size);
        let blob = match prepared.try_into_payload::<SharedBytes>() {
            Ok(bytes) => BlobRows {
                blob_ref,
                size,
                batch: size_row(&blob_ref, size),
                shared: Some(bytes),
            },
            Err(prepared) => BlobRows {
                blob_ref,
                size,
                batch: prepared.into_payload(),
                shared: None,
            },
        };
        self.store_rows(blob, WriteBatch::new(), Durability::Deferred)
    }

    /// Asks the OS to write the value-log file holding `recent` to disk
    /// (see `ValueStream::write_back`); a blob kept in the tree needs
    /// nothing (the WAL is small and synced by `sync`).
    fn write_back(&self, recent: &BlobRef) -> Result<(), StorageError> {
        let key = row_key(BLOB_PREFIX, recent);
        let stream = self.db.get_value_reader(&ReadOptions::new(), &key);
        match stream.map_err(storage_error)? {
            Some(crate::store::db::ValueStream::Log(reader)) => reader
                .write_back()
                .map_err(|error| storage_error(error.into())),
            _ => Ok(()),
        }
    }

    /// One synced write when a deferred write may not be durable yet;
    /// nothing otherwise.
    fn sync(&self) -> Result<(), StorageError> {
        let written = self.deferred_written.load(Ordering::SeqCst);
        if self.deferred_synced.load(Ordering::SeqCst) >= written {
            return Ok(());
        }
        self.sync_barrier()?;
        self.deferred_synced.fetch_max(written, Ordering::SeqCst);
        Ok(())
    }

    fn fetch(&self, blob_ref: &BlobRef) -> Result<Option<Fetched>, StorageError> {
        let key = row_key(BLOB_PREFIX, blob_ref);
        let stream = self.db.get_value_reader(&ReadOptions::new(), &key);
        let Some(stream) = stream.map_err(storage_error)? else {
            return Ok(None);
        };
        let size = stream.len();
        let reader: Box<dyn Read + Send> = match stream {
            crate::store::db::ValueStream::Inline(cursor) => {
                // Small (below the value-log threshold): hashing it costs
                // less than the read that found it.
                storage::verify_whole(blob_ref, cursor.get_ref())?;
                Box::new(cursor)
            }
            crate::store::db::ValueStream::Log(reader) => {
                if reader.key() != key.as_slice() {
                    let what = format!("{blob_ref}: its pointer names another record");
                    return Err(StorageError::Corruption { what });
                }
                let inner = crate::store::db::ValueStream::Log(reader);
                Box::new(CheckedStream {
                    blob_ref: *blob_ref,
                    inner,
                })
            }
        };
        Ok(Some(Fetched { size, reader }))
    }

    /// The refs are looked up in key order (neighbouring keys share table
    /// blocks and index searches), many of them shared among a few threads,
    /// each walking one range of keys: a lookup of a ref not in the block
    /// cache waits for a table block of its own. A lookup costs no data
    /// block read when the tables' bloom filters say the ref is absent.
    fn stat(&self, refs: &[BlobRef]) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        let cores = std::thread::available_parallelism().map_or(1, |count| count.get());
        let threads = cores.min(STAT_THREADS_MAX);
        let mut order: Vec<usize> = (0..refs.len()).collect();
        order.sort_by_key(|&index| refs[index]);
        let sorted: Vec<BlobRef> = order.iter().map(|&index| refs[index]).collect();
        let sizes = self.sizes_shared(&sorted, threads)?;
        let mut size_of_asked = vec![None; refs.len()];
        for (&index, size) in order.iter().zip(sizes) {
            size_of_asked[index] = size;
        }
        let asked = refs.iter().zip(size_of_asked);
        let present = asked.filter_map(|(blob_ref, size)| Some((*blob_ref, size?)));
        Ok(present.collect())
    }

    fn enumerate(
        &self,
        after: Option<&BlobRef>,
        limit: usize,
    ) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        let mut page = Vec::new();
        if limit == 0 {
            return Ok(page);
        }
        let start = after.map_or_else(|| vec![SIZE_PREFIX], |after| row_key(SIZE_PREFIX, after));
        let mut rows = self.db.iter(&ReadOptions::new());
        rows.seek(&start);
        while rows.valid() && page.len() < limit {
            let key = rows.key();
            if key.first() != Some(&SIZE_PREFIX) {
                break;
            }
            if after.is_none() || key != start.as_slice() {
                page.push(parse_size_row(key, &rows.value().map_err(storage_error)?)?);
            }
            rows.next();
        }
        rows.status().map_err(storage_error)?;
        Ok(page)
    }

    fn contains(&self, blob_ref: &BlobRef) -> Result<bool, StorageError> {
        Ok(self.stored_size(blob_ref)?.is_some())
    }
}

/// `(ref, size)` from an `s` row.
pub fn parse_size_row(key: &[u8], value: &[u8]) -> Result<(BlobRef, u64), StorageError> {
    let text = std::str::from_utf8(&key[1..]).ok();
    let Some(blob_ref) = text.and_then(|text| BlobRef::parse(text).ok()) else {
        let what = format!("size row key {key:?} does not name a blob");
        return Err(StorageError::Corruption { what });
    };
    Ok((blob_ref, decode_size(blob_ref.as_str(), value)?))
}

#[cfg(test)]
mod tests;
