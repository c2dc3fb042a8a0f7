//! The write path (LevelDB's `DBImpl::Write` and `MakeRoomForWrite`):
//! writers queue in a `GroupCommit`; the leader moves large values to the
//! value log, numbers the group, appends one WAL record, syncs once if
//! any member asked, and inserts into the memtable.

use super::error::{Result, StoreError};
use super::{DbInner, WriteOptions, WriterState, lock, wait};
use crate::store::filename;
use crate::store::group_commit::Member;
use crate::store::log;
use crate::store::memtable::MemTable;
use crate::store::version::{L0_SLOWDOWN_WRITES_TRIGGER_FILES, L0_STOP_WRITES_TRIGGER_FILES};
use crate::store::vlog::{KEY_BYTES_MAX, VALUE_BYTES_MAX, VlogWriter, VlogWriterOptions};
use crate::store::write_batch::{Handler, WriteBatch};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// LevelDB's pause per write once level 0 reaches the slowdown trigger.
const SLOWDOWN_WRITE_DELAY_MS: u64 = 1;

/// A value shared with its writer, so that the leader of a group can
/// append it to the value log without a copy into a batch first.
pub type SharedValue = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// One queued write: `batch`, then `value` put under its key.
pub(super) struct PendingWrite {
    batch: WriteBatch,
    value: Option<(Vec<u8>, SharedValue)>,
    sync: bool,
}

impl PendingWrite {
    fn value_bytes(&self) -> usize {
        self.value
            .as_ref()
            .map_or(0, |(key, value)| key.len() + (**value).as_ref().len())
    }
}

impl Member for PendingWrite {
    fn bytes(&self) -> usize {
        self.batch.approximate_size() + self.value_bytes()
    }
    fn sync(&self) -> bool {
        self.sync
    }
}

/// Where a group goes: the memtable and the last sequence number used.
pub(super) struct Room {
    mem: Arc<MemTable>,
    last_sequence: u64,
}

/// Checks every key and value of a batch against the value log's limits
/// (the tree takes anything the value log takes).
#[derive(Default)]
struct SizeCheck {
    too_large: Option<(usize, usize)>,
}

impl Handler for SizeCheck {
    fn put(&mut self, key: &[u8], value: &[u8]) {
        if key.len() as u64 > KEY_BYTES_MAX || value.len() as u64 > VALUE_BYTES_MAX {
            self.too_large.get_or_insert((key.len(), value.len()));
        }
    }
    fn delete(&mut self, key: &[u8]) {
        self.put(key, &[]);
    }
    fn put_value_pointer(&mut self, key: &[u8], _pointer: &[u8]) {
        self.put(key, &[]);
    }
}

/// Copies a batch, moving values of at least `threshold_bytes` to the
/// value log and putting their pointers in their place.
struct SplitValues<'a> {
    out: WriteBatch,
    threshold_bytes: usize,
    vlog: &'a mut VlogWriter,
    moved: bool,
    error: Option<StoreError>,
    pointer: Vec<u8>,
}

impl Handler for SplitValues<'_> {
    fn put(&mut self, key: &[u8], value: &[u8]) {
        if value.len() < self.threshold_bytes || self.error.is_some() {
            self.out.put(key, value);
            return;
        }
        match self.vlog.add(key, value) {
            Ok(pointer) => {
                self.pointer.clear();
                pointer.encode_to(&mut self.pointer);
                self.out.put_value_pointer(key, &self.pointer);
                self.moved = true;
            }
            Err(error) => self.error = Some(error.into()),
        }
    }
    fn delete(&mut self, key: &[u8]) {
        self.out.delete(key);
    }
    fn put_value_pointer(&mut self, key: &[u8], pointer: &[u8]) {
        self.out.put_value_pointer(key, pointer);
    }
}

fn memtable_is_empty(mem: &Arc<MemTable>) -> bool {
    let mut entries = mem.iter();
    entries.seek_to_first();
    !entries.valid()
}

impl DbInner {
    pub(super) fn write(self: &Arc<Self>, options: &WriteOptions, batch: WriteBatch) -> Result<()> {
        if batch.approximate_size() as u64 > KEY_BYTES_MAX {
            let mut check = SizeCheck::default();
            batch
                .iterate(&mut check)
                .expect("a batch built by its methods is valid");
            if let Some((key_bytes, value_bytes)) = check.too_large {
                let what = format!("key of {key_bytes} bytes or value of {value_bytes} bytes");
                return Err(StoreError::InvalidArgument {
                    what: format!("{what} over the limit"),
                });
            }
        }
        let pending = PendingWrite {
            batch,
            value: None,
            sync: options.sync,
        };
        self.commits
            .submit(pending, |group, sync| self.commit_group(group, sync))
    }

    /// `write` of `batch` followed by a put of `key → value`, one atomic
    /// write; a value at or above the threshold goes to the value log
    /// straight from the shared buffer.
    pub(super) fn write_with_value(
        self: &Arc<Self>,
        options: &WriteOptions,
        batch: WriteBatch,
        key: &[u8],
        value: SharedValue,
    ) -> Result<()> {
        let value_bytes = (*value).as_ref().len();
        if key.len() as u64 > KEY_BYTES_MAX || value_bytes as u64 > VALUE_BYTES_MAX {
            let what = format!("key of {} bytes or value of {value_bytes} bytes", key.len());
            return Err(StoreError::InvalidArgument {
                what: format!("{what} over the limit"),
            });
        }
        let pending = PendingWrite {
            batch,
            value: Some((key.to_vec(), value)),
            sync: options.sync,
        };
        self.commits
            .submit(pending, |group, sync| self.commit_group(group, sync))
    }

    fn commit_group(self: &Arc<Self>, group: &mut [PendingWrite], sync: bool) -> Result<()> {
        let mut writer = lock(&self.writer);
        if let Some(error) = &writer.failed {
            return Err(error.clone());
        }
        let result = self
            .make_room(&mut writer, false)
            .and_then(|room| self.commit_locked(&mut writer, room, group, sync));
        if let Err(error) = &result {
            self.record_write_failure(&mut writer, error);
        }
        result
    }

    /// After a failed commit (other than a refused argument), refuses
    /// every later write until the Db is reopened: what reached the WAL
    /// or the value log is unknown.
    pub(super) fn record_write_failure(&self, writer: &mut WriterState, error: &StoreError) {
        if matches!(error, StoreError::InvalidArgument { .. }) {
            return;
        }
        let failed = StoreError::WriteFailed {
            cause: error.to_string(),
        };
        writer.failed = Some(failed.clone());
        lock(&self.state).background_error.get_or_insert(failed);
        self.work_done.notify_all();
    }

    fn commit_locked(
        self: &Arc<Self>,
        writer: &mut WriterState,
        room: Room,
        group: &mut [PendingWrite],
        sync: bool,
    ) -> Result<()> {
        let batch = self.separate_values(writer, group)?;
        self.commit_batch(writer, room, batch, sync)
    }

    /// Numbers `batch`, appends it to the WAL, syncs when asked (value
    /// log first) and inserts it into the memtable. An empty batch with
    /// `sync` is a barrier, as in LevelDB: it makes every earlier write
    /// durable.
    pub(super) fn commit_batch(
        &self,
        writer: &mut WriterState,
        room: Room,
        mut batch: WriteBatch,
        sync: bool,
    ) -> Result<()> {
        let count = batch.count();
        if count == 0 {
            return if sync { self.sync_logs(writer) } else { Ok(()) };
        }
        let Room { mem, last_sequence } = room;
        let first = last_sequence + 1;
        batch.set_sequence(first);
        let wal_error = |error: std::io::Error| StoreError::io(&self.dir, "write WAL", &error);
        writer.wal.add_record(batch.contents()).map_err(wal_error)?;
        if sync {
            self.sync_logs(writer)?;
        }
        mem.insert_batch(&batch)
            .expect("a batch built by its methods is valid");
        let last = first + u64::from(count) - 1;
        lock(&self.state).versions.set_last_sequence(last);
        Ok(())
    }

    /// Makes every write so far durable: the value log, the WAL left at
    /// the last switch, then the WAL.
    fn sync_logs(&self, writer: &mut WriterState) -> Result<()> {
        // Every value-log record an earlier, unsynced write added must be
        // durable before the WAL records pointing at it are (vlog
        // FORMAT.md rules 2 and 3): a WAL sync makes every earlier record
        // durable, not only this group's. A sync with nothing new costs
        // nothing.
        if let Some(vlog) = writer.vlog.as_mut() {
            vlog.sync()?;
        }
        self.seal_left_wal(writer)?;
        let wal_error = |error: std::io::Error| StoreError::io(&self.dir, "sync WAL", &error);
        writer.wal.sync().map_err(wal_error)
    }

    /// Merges the group into one batch, moving large values to the value
    /// log (synced by the caller before the WAL when the group syncs).
    fn separate_values(
        self: &Arc<Self>,
        writer: &mut WriterState,
        group: &mut [PendingWrite],
    ) -> Result<WriteBatch> {
        let threshold_bytes = self.options.value_log_threshold_bytes;
        let needs_vlog = group.iter().any(|member| {
            member.batch.approximate_size() >= threshold_bytes || member.value.is_some()
        });
        if !needs_vlog {
            let mut merged = std::mem::take(&mut group[0].batch);
            for member in &group[1..] {
                merged.append(&member.batch);
            }
            return Ok(merged);
        }
        let vlog = self.vlog_writer(writer)?;
        let file_before = vlog.file_number();
        let mut split = SplitValues {
            out: WriteBatch::new(),
            threshold_bytes,
            vlog,
            moved: false,
            error: None,
            pointer: Vec::new(),
        };
        for member in group.iter() {
            member
                .batch
                .iterate(&mut split)
                .expect("a batch built by its methods is valid");
            if let Some((key, value)) = &member.value {
                split.put(key, (**value).as_ref());
            }
        }
        if let Some(error) = split.error {
            return Err(error);
        }
        if split.vlog.file_number() != file_before {
            // A value-log file was sealed: value-log GC has a new file
            // to look at (value_log_gc.rs, "trigger").
            lock(&self.state).gc_request.after_seal();
            self.gc_wanted.notify_all();
        }
        Ok(split.out)
    }

    fn vlog_writer<'w>(
        self: &Arc<Self>,
        writer: &'w mut WriterState,
    ) -> Result<&'w mut VlogWriter> {
        if writer.vlog.is_none() {
            writer.vlog = Some(self.new_vlog_writer()?);
        }
        Ok(writer.vlog.as_mut().expect("just created"))
    }

    /// A value-log writer starting a new file, numbered from the Db's
    /// file-number counter (the foreground writer's and GC's).
    pub(super) fn new_vlog_writer(self: &Arc<Self>) -> Result<VlogWriter> {
        let weak: Weak<DbInner> = Arc::downgrade(self);
        let numbers = Box::new(move || {
            let inner = weak
                .upgrade()
                .expect("the Db outlives its value-log writers");
            lock(&inner.state).versions.new_file_number()
        });
        let options = VlogWriterOptions {
            file_bytes_target: self.options.value_log_file_bytes_target,
        };
        Ok(VlogWriter::create(
            Arc::clone(&self.env),
            &self.dir,
            options,
            numbers,
        )?)
    }

    /// Waits until the memtable has room, switching to a new one (and a
    /// new WAL) when it is full; applies level 0's slowdown and stop.
    /// With `force`, switches even a memtable that is not full (unless
    /// it is empty), for `compact_range`. Returns the memtable to write
    /// and the last sequence number, read under the same lock (both stay
    /// as they are while the caller holds the writer lock).
    pub(super) fn make_room(&self, writer: &mut WriterState, mut force: bool) -> Result<Room> {
        let mut allow_delay = !force;
        let buffer = self.options.write_buffer_size_bytes;
        let mut state = lock(&self.state);
        loop {
            if let Some(error) = &state.background_error {
                return Err(error.clone());
            }
            if state.shutting_down {
                return Err(StoreError::WriteFailed {
                    cause: "the store is closed".into(),
                });
            }
            let level0 = state.versions.num_level_files(0);
            if allow_delay && level0 >= L0_SLOWDOWN_WRITES_TRIGGER_FILES {
                drop(state);
                std::thread::sleep(Duration::from_millis(SLOWDOWN_WRITE_DELAY_MS));
                allow_delay = false;
                state = lock(&self.state);
            } else if (!force && state.mem.approximate_memory_usage() <= buffer)
                || (force && memtable_is_empty(&state.mem))
            {
                return Ok(Room {
                    mem: Arc::clone(&state.mem),
                    last_sequence: state.versions.last_sequence(),
                });
            } else if state.imm.is_some() || level0 >= L0_STOP_WRITES_TRIGGER_FILES {
                self.work_wanted.notify_all();
                state = wait(&self.work_done, state);
            } else {
                let number = state.versions.new_file_number();
                let left_number = state.wal_number;
                drop(state);
                // The full memtable's table will outlive its WAL: every
                // value-log record it points at must be durable before
                // the flush's MANIFEST edit makes that WAL obsolete.
                // Free when nothing was added since the last sync.
                if let Some(vlog) = writer.vlog.as_mut() {
                    vlog.sync()?;
                }
                let wal = self.new_wal(number)?;
                state = lock(&self.state);
                // The WAL left is synced lazily, before the next synced
                // write (`seal_left_wal`), not here in every writer's
                // path. An older one left at the switch before is
                // dropped: this switch waited for its memtable's flush.
                let left = std::mem::replace(&mut writer.wal, wal);
                writer.unsealed_wal = Some((left_number, left));
                state.wal_number = number;
                let full =
                    std::mem::replace(&mut state.mem, Arc::new(MemTable::with_capacity(buffer)));
                state.imm = Some(full);
                force = false;
                self.work_wanted.notify_all();
            }
        }
    }

    /// Switches to a new memtable if the current one holds anything, and
    /// waits until it is flushed.
    pub(super) fn flush_memtable(&self) -> Result<()> {
        {
            let mut writer = lock(&self.writer);
            if let Some(error) = &writer.failed {
                return Err(error.clone());
            }
            if let Err(error) = self.make_room(&mut writer, true) {
                self.record_write_failure(&mut writer, &error);
                return Err(error);
            }
        }
        self.wait_for_flush()
    }

    /// Makes the WAL left at the last memtable switch durable before a
    /// synced write to the next one is acknowledged (the caller synced
    /// the value log first): a synced write to the next WAL must never
    /// survive a crash that loses an older, unsynced write of the one
    /// left (LevelDB leaves that window open). Nothing to do once that
    /// WAL's memtable is flushed: its table is durable and the WAL is
    /// obsolete (and may be deleted; checked under the state lock, which
    /// deletions hold).
    fn seal_left_wal(&self, writer: &mut WriterState) -> Result<()> {
        let Some((number, mut left)) = writer.unsealed_wal.take() else {
            return Ok(());
        };
        let state = lock(&self.state);
        let needed =
            number >= state.versions.log_number() || number == state.versions.prev_log_number();
        if needed {
            left.sync()
                .map_err(|error| StoreError::io(&self.dir, "sync WAL", &error))?;
        }
        drop(state);
        Ok(())
    }

    fn new_wal(&self, number: u64) -> Result<log::Writer> {
        let path = filename::log_file_name(&self.dir, number);
        let file = self
            .env
            .new_writable(&path)
            .map_err(|error| StoreError::io(&path, "create", &error))?;
        self.env
            .sync_dir(&self.dir)
            .map_err(|error| StoreError::io(&self.dir, "sync", &error))?;
        Ok(log::Writer::new(file))
    }
}
