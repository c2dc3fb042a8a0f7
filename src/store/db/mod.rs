//! The Db (LevelDB's `DBImpl`): the store's public face. It ties the
//! layers together — WAL and memtables for writes, the version set for
//! tables, the value log for large values — and runs one background
//! thread that flushes memtables and compacts.
//!
//! The folder layout and the recovery rules are in RECOVERY.md beside
//! this file.
//!
//! Where to start reading: this file (the shared state and its locks),
//! then `open` (create or recover), `write` (group commit, value
//! separation, memtable switch), `read` (get, value streams), `background`
//! (memtable → level-0 table, the background thread), `compaction`,
//! `iterator` (the Db iterator), `files` (deleting obsolete files),
//! `snapshot`, `value_log_gc` (reclaiming dead values, on a thread of
//! its own).
//!
//! Locks, in the order they may be taken:
//! 1. `writer` — held by the group-commit leader for its whole commit
//!    (the WAL and value-log writers live there);
//! 2. `state` — short critical sections only: readers clone `Arc`s of the
//!    memtables and the current version under it and read without it, so
//!    reads never wait for a WAL write or sync.
//! 3. `snapshots`, `iterators`, `vlog_files` — taken alone or last.
//!
//! `gc` is held by a value-log GC pass for its whole length and taken
//! before any of the above.
//!
//! Durability: a write with `sync` is acknowledged only after the value
//! log (if it holds any of its values) and then the WAL are synced. After
//! any WAL or value-log I/O error the Db refuses writes until reopened
//! (`StoreError::WriteFailed`); a background error is kept and returned
//! to every later writer.

mod background;
mod compaction;
mod error;
mod files;
mod internal_filter;
mod iterator;
mod open;
mod options;
mod read;
mod snapshot;
mod table_file;
mod value_log_gc;
mod write;

#[cfg(test)]
mod tests;

pub use error::{Result, StoreError};
pub use iterator::DbIterator;
pub use options::{
    BLOCK_CACHE_CAPACITY_DEFAULT_BYTES, Options, ReadOptions, VALUE_LOG_GC_DEAD_FRACTION_DEFAULT,
    VALUE_LOG_THRESHOLD_DEFAULT_BYTES, WRITE_BUFFER_SIZE_DEFAULT_BYTES, WriteOptions,
};
pub use read::ValueStream;
pub use snapshot::Snapshot;
pub use value_log_gc::{
    FILES_MEASURED_PER_BACKGROUND_PASS_MAX, FLUSHES_PER_FILE_MEASURED, GcReport, GcStats,
    RELOCATIONS_PER_BATCH_MAX, SAMPLE_STRIDE_RECORDS,
};

pub use crate::store::write_batch::WriteBatch;

use crate::store::env::{Env, FileLock};
use crate::store::group_commit::GroupCommit;
use crate::store::log;
use crate::store::memtable::MemTable;
use crate::store::table_cache::TableCache;
use crate::store::version::version_set::VersionSet;
use crate::store::vlog::{VlogFile, VlogWriter};
use snapshot::SnapshotList;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use value_log_gc::{GcRequest, GcScope, GcState};
use write::PendingWrite;
pub use write::SharedValue;

/// An open store. Cheap to share behind an `Arc`; every method takes
/// `&self` and may be called from any thread.
pub struct Db {
    inner: Arc<DbInner>,
    background: Mutex<Option<JoinHandle<()>>>,
    /// The value-log GC thread, when `value_log_gc_background` is on.
    gc_thread: Mutex<Option<JoinHandle<()>>>,
}

/// What the Db's threads share.
struct DbInner {
    dir: PathBuf,
    env: Arc<dyn Env>,
    options: Options,
    table_cache: Arc<TableCache>,
    state: Mutex<State>,
    /// Signalled when background work finishes (an immutable memtable is
    /// flushed, a compaction is installed) or an error is recorded.
    work_done: Condvar,
    /// Signalled to wake the background thread.
    work_wanted: Condvar,
    commits: GroupCommit<PendingWrite, Result<()>>,
    writer: Mutex<WriterState>,
    /// Value-log files opened for reading, by number.
    vlog_files: Mutex<HashMap<u64, Arc<VlogFile>>>,
    /// Value-log files GC deleted (or is deleting) since open.
    collected_vlog_files: Mutex<HashSet<u64>>,
    snapshots: Arc<Mutex<SnapshotList>>,
    /// Sequence numbers of the live iterators (GC waits for them as for
    /// snapshots; compactions need not, iterators pin their version).
    iterators: Arc<Mutex<SnapshotList>>,
    /// Value-log GC: held for a whole pass.
    gc: Mutex<GcState>,
    gc_stats: Mutex<GcStats>,
    /// Signalled (with `state.gc_request`) to wake the GC thread.
    gc_wanted: Condvar,
    /// Held while the Db is open; released when the last Arc goes.
    _lock: FileLock,
}

/// State under the `state` lock.
struct State {
    mem: Arc<MemTable>,
    /// The memtable being flushed, if any.
    imm: Option<Arc<MemTable>>,
    versions: VersionSet,
    /// The WAL the current memtable's writes go to.
    wal_number: u64,
    /// Tables being written: not yet in any version, not obsolete.
    pending_outputs: BTreeSet<u64>,
    /// The first background failure; every later write returns it.
    background_error: Option<StoreError>,
    shutting_down: bool,
    /// The manual compaction `compact_range` waits for, if any.
    manual: Option<compaction::ManualCompaction>,
    /// What the GC thread is asked to do next.
    gc_request: GcRequest,
}

/// Owned by the group-commit leader.
struct WriterState {
    wal: log::Writer,
    /// Created at the first large value after open (rule 4 of the value
    /// log: never append to a file from before a crash).
    vlog: Option<VlogWriter>,
    /// Set after a WAL or value-log failure: refuse every later write.
    failed: Option<StoreError>,
    /// The WAL left at the last memtable switch and its number, not yet
    /// synced: synced before the next synced write (RECOVERY.md, rule 2)
    /// unless the memtable it holds is flushed by then.
    unsealed_wal: Option<(u64, log::Writer)>,
}

/// Locks a mutex, ignoring poisoning: state is only changed in ways that
/// keep it consistent at every unlock point.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    condvar
        .wait(guard)
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Db {
    /// Opens (or with `create_if_missing`, creates) the store in `dir`.
    pub fn open(dir: impl AsRef<Path>, options: Options) -> Result<Db> {
        let inner = Arc::new(DbInner::open(dir.as_ref(), options)?);
        let background = background::spawn(&inner)?;
        let db = Db {
            inner,
            background: Mutex::new(Some(background)),
            gc_thread: Mutex::new(None),
        };
        if db.inner.options.value_log_gc_background {
            *lock(&db.gc_thread) = Some(value_log_gc::spawn(&db.inner)?);
        }
        Ok(db)
    }

    pub fn put(&self, options: &WriteOptions, key: &[u8], value: &[u8]) -> Result<()> {
        let mut batch = WriteBatch::new();
        batch.put(key, value);
        self.write(options, batch)
    }

    pub fn delete(&self, options: &WriteOptions, key: &[u8]) -> Result<()> {
        let mut batch = WriteBatch::new();
        batch.delete(key);
        self.write(options, batch)
    }

    /// Applies `batch` atomically: after a crash, all of it or none.
    pub fn write(&self, options: &WriteOptions, batch: WriteBatch) -> Result<()> {
        self.inner.write(options, batch)
    }

    /// Applies `batch` and then a put of `key → value` atomically, as
    /// `write` of the batch with that put added would; a value at or
    /// above the value-log threshold is appended to the value log from
    /// `value` itself, never copied into a batch (large values written
    /// once, by the thread that commits the group). A key or value over
    /// the value log's limits is `InvalidArgument` and nothing is written.
    pub fn write_with_value(
        &self,
        options: &WriteOptions,
        batch: WriteBatch,
        key: &[u8],
        value: SharedValue,
    ) -> Result<()> {
        self.inner.write_with_value(options, batch, key, value)
    }

    /// The value of `key`, or None.
    pub fn get(&self, options: &ReadOptions, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get(options, key)
    }

    /// The value of `key` as a stream (`Read + Seek`, `Send`): a large
    /// value is read from its value-log file block by block, each block
    /// checked before its bytes are handed out; it stays readable even if
    /// the key is overwritten meanwhile.
    pub fn get_value_reader(
        &self,
        options: &ReadOptions,
        key: &[u8],
    ) -> Result<Option<ValueStream>> {
        self.inner.get_value_reader(options, key)
    }

    /// A cursor over the store as of `options.snapshot` (or now), in key
    /// order; it never blocks writers and sees none of their later writes.
    pub fn iter(&self, options: &ReadOptions) -> DbIterator {
        self.inner.iter(options)
    }

    /// A consistent view as of now; released when the last clone drops.
    pub fn snapshot(&self) -> Snapshot {
        // Taken under the state lock: value-log GC reads the oldest
        // snapshot under it too, so it never misses one being taken.
        let state = lock(&self.inner.state);
        SnapshotList::take(&self.inner.snapshots, state.versions.last_sequence())
    }

    /// Runs one value-log GC pass over every sealed value-log file now
    /// (vlog/FORMAT.md, "Garbage collection"): rewrites the live records
    /// of each file whose dead share is at least
    /// `Options::value_log_gc_dead_fraction`, and deletes the files
    /// collected, now or (while an older snapshot or iterator lives)
    /// at a later pass. A damaged live record ends the pass with a
    /// corruption error, and nothing is deleted for it.
    pub fn collect_value_log(&self) -> Result<GcReport> {
        self.inner.collect_value_log(GcScope::Everything)
    }

    /// What value-log GC has done since open.
    pub fn value_log_gc_stats(&self) -> GcStats {
        lock(&self.inner.gc_stats).clone()
    }

    /// "vlog[ passes P relocated R bytes B deleted D reclaimed C waiting W ]"
    /// (for tests and tools, like `level_summary`).
    pub fn value_log_summary(&self) -> String {
        let stats = self.value_log_gc_stats();
        let totals = stats.totals;
        format!(
            "vlog[ passes {} relocated {} bytes {} deleted {} reclaimed {} waiting {} ]",
            stats.passes,
            totals.records_relocated,
            totals.bytes_relocated,
            totals.files_deleted,
            totals.bytes_reclaimed,
            totals.files_waiting
        )
    }

    /// Waits for the background thread and closes the store. Writes after
    /// this fail; dropping the Db does the same.
    pub fn close(&self) {
        {
            let mut state = lock(&self.inner.state);
            state.shutting_down = true;
        }
        self.inner.work_wanted.notify_all();
        self.inner.work_done.notify_all();
        self.inner.gc_wanted.notify_all();
        if let Some(handle) = lock(&self.background).take() {
            let _ = handle.join();
        }
        if let Some(handle) = lock(&self.gc_thread).take() {
            let _ = handle.join();
        }
    }

    /// Compacts every table overlapping the user keys [begin, end] (None:
    /// unbounded) down to the deepest level holding any of them, after
    /// flushing the memtable (LevelDB's `CompactRange`).
    pub fn compact_range(&self, begin: Option<&[u8]>, end: Option<&[u8]>) -> Result<()> {
        self.inner.compact_range(begin, end)
    }

    /// "files[ n0 n1 … n6 ]": tables per level (for tests and tools).
    pub fn level_summary(&self) -> String {
        lock(&self.inner.state).versions.level_summary()
    }

    /// Waits until no immutable memtable waits to be flushed.
    pub fn wait_for_flush(&self) -> Result<()> {
        self.inner.wait_for_flush()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        self.close();
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Db")
            .field("dir", &self.inner.dir)
            .finish_non_exhaustive()
    }
}

const _: () = {
    const fn shared_between_threads<T: Send + Sync>() {}
    shared_between_threads::<Db>();
};
