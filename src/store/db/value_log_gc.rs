//! Value-log garbage collection in the Db: the rules of vlog/FORMAT.md,
//! "Garbage collection", applied to the store's own files.
//!
//! A pass:
//! 1. deletes the files earlier passes collected, once nothing can read
//!    them (rule 4, below);
//! 2. lists the sealed value-log files: never the foreground writer's
//!    current file or a sealed file it has not synced yet (a pending
//!    unsynced write may point there), never GC's own current file
//!    (rule 1);
//! 3. measures each (`file_usage`: every record header, one tree lookup
//!    each, no value read; a background pass first samples one record in
//!    [`SAMPLE_STRIDE_RECORDS`] and goes on only if the sample is dead
//!    enough): a file whose dead share is at least
//!    `Options::value_log_gc_dead_fraction`, or that holds no live
//!    record, is collected;
//! 4. collecting copies its live records to GC's own value-log writer
//!    (`rewrite_live`, synced), then applies the moves as compare-and-set
//!    write batches of at most [`RELOCATIONS_PER_BATCH_MAX`] (rule 2):
//!    under the writer lock, a key is moved only if its latest entry
//!    still points at the old record, so a write since the scan wins.
//!    Each batch is synced (rule 3).
//!
//! Deletion (rules 4 and 5): a collected file is removed (`Env::remove`,
//! then `Env::sync_dir`) only when (a) no snapshot or iterator older
//! than the last batch exists (older entries may point into the file),
//! and (b) every WAL that may hold a pointer into it is obsolete (the
//! memtable holding the batches was flushed): WAL replay stops at a
//! pointer into a missing file, so deleting sooner would make a crash
//! drop the batches. Until then the file waits in `GcState::pending`
//! and later passes retry; a crash before the delete leaves a file with
//! no live record, which the next pass collects again at no cost.
//!
//! A point read that found a pointer just before its file was deleted
//! looks the key up again (`read.rs`, `lookup_open`), so no read fails
//! for GC.

use super::error::{Result, StoreError};
use super::{DbInner, ReadOptions, lock, wait};
use crate::store::vlog::{
    self, FileUsage, Relocation, ScanEnd, TornReason, ValuePointer, VlogFile, VlogWriter,
    file_usage, rewrite_live,
};
use crate::store::write_batch::WriteBatch;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Relocations applied per compare-and-set batch: bounds how long one
/// batch holds the writer lock (one tree lookup per relocation).
pub const RELOCATIONS_PER_BATCH_MAX: usize = 1024;
/// Files a background pass measures at most (in file-number order,
/// continuing where the last pass stopped), so a pass stays bounded
/// whatever the size of the value log.
pub const FILES_MEASURED_PER_BACKGROUND_PASS_MAX: usize = 2;
/// A background pass first looks up one record in this many: a file
/// whose sample is not dead enough is left alone at a fraction of the
/// lookups (most files measured are, in a steady overwrite workload).
pub const SAMPLE_STRIDE_RECORDS: u64 = 8;
/// Memtable flushes per file a background pass may measure: garbage made
/// by overwrites and deletes of large values, when no new value-log file
/// is sealed (each sealed file earns one measurement itself).
pub const FLUSHES_PER_FILE_MEASURED: u64 = 4;

/// What one GC pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Sealed files whose live share was measured.
    pub files_measured: u64,
    /// Files collected: their live records moved, the file queued for
    /// deletion.
    pub files_collected: u64,
    /// Records moved to GC's file whose compare-and-set applied.
    pub records_relocated: u64,
    /// Bytes of those records (headers included).
    pub bytes_relocated: u64,
    /// Collected files removed from the folder.
    pub files_deleted: u64,
    /// Bytes of the files removed.
    pub bytes_reclaimed: u64,
    /// Collected files still waiting for old readers or an older WAL.
    pub files_waiting: u64,
}

impl GcReport {
    fn add(&mut self, other: &GcReport) {
        self.files_measured += other.files_measured;
        self.files_collected += other.files_collected;
        self.records_relocated += other.records_relocated;
        self.bytes_relocated += other.bytes_relocated;
        self.files_deleted += other.files_deleted;
        self.bytes_reclaimed += other.bytes_reclaimed;
    }
}

/// What GC has done since the Db was opened.
#[derive(Debug, Clone, Default)]
pub struct GcStats {
    pub passes: u64,
    /// Sums over every pass (`files_waiting` is the latest pass's).
    pub totals: GcReport,
    /// The error of the latest pass that failed, if any.
    pub last_error: Option<StoreError>,
}

/// Which files a pass measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GcScope {
    /// Every sealed file; waits for a memtable flush so that collected
    /// files can be deleted at once.
    Everything,
    /// At most this many files (at most
    /// [`FILES_MEASURED_PER_BACKGROUND_PASS_MAX`]).
    Bounded(usize),
}

/// GC's own state; its lock is held for a whole pass (one at a time).
#[derive(Default)]
pub(super) struct GcState {
    /// GC's value-log writer (its current file is never collected).
    writer: Option<VlogWriter>,
    /// Collected files waiting to be deleted.
    pending: Vec<PendingDeletion>,
    /// Bounded passes measure files numbered from here, wrapping.
    cursor: u64,
}

/// What the background GC thread was asked for (under the state lock).
/// Measuring costs one record-header read and one tree lookup per
/// record, so files are measured at the pace value-log files are sealed
/// (one each) and memtables flushed (one per
/// [`FLUSHES_PER_FILE_MEASURED`]): about one lookup per record written.
#[derive(Debug, Default)]
pub(super) struct GcRequest {
    /// A pass is wanted (at least to retry deletions).
    wanted: bool,
    files_to_measure: usize,
    flushes: u64,
}

impl GcRequest {
    /// A memtable was flushed: the WALs of earlier passes may be
    /// obsolete, and overwrites made garbage.
    pub(super) fn after_flush(&mut self) {
        self.wanted = true;
        self.flushes += 1;
        if self.flushes.is_multiple_of(FLUSHES_PER_FILE_MEASURED) {
            self.add_file();
        }
    }

    /// The foreground writer sealed a value-log file.
    pub(super) fn after_seal(&mut self) {
        self.wanted = true;
        self.add_file();
    }

    fn add_file(&mut self) {
        let files = self.files_to_measure + 1;
        self.files_to_measure = files.min(FILES_MEASURED_PER_BACKGROUND_PASS_MAX);
    }
}

/// A collected file and what must hold before it is deleted.
#[derive(Debug, Clone, Copy)]
struct PendingDeletion {
    number: u64,
    file_bytes: u64,
    /// Last sequence number after the file's batches: no reader older
    /// than this may exist.
    barrier_sequence: u64,
    /// The WAL current when they were written: it (and every older one)
    /// must be obsolete. 0 when the memtables were empty: no live WAL
    /// held a record then.
    barrier_wal: u64,
}

impl PendingDeletion {
    fn deletable(&self, oldest_reader: Option<u64>, log_number: u64, prev_log: u64) -> bool {
        let readers_done = oldest_reader.is_none_or(|oldest| oldest >= self.barrier_sequence);
        let wals_done =
            log_number > self.barrier_wal && (prev_log == 0 || prev_log > self.barrier_wal);
        readers_done && wals_done
    }
}

/// Starts the thread that runs a bounded pass after each memtable flush
/// and each time the foreground writer seals a value-log file (the
/// trigger: garbage is made by overwrites and deletes, which fill
/// memtables, and by large values, which fill value-log files).
pub(super) fn spawn(inner: &Arc<DbInner>) -> Result<JoinHandle<()>> {
    let inner = Arc::clone(inner);
    std::thread::Builder::new()
        .name("strata-store-vlog-gc".into())
        .spawn(move || gc_loop(&inner))
        .map_err(|error| StoreError::io("strata-store-vlog-gc", "spawn", &error))
}

fn gc_loop(inner: &Arc<DbInner>) {
    let mut state = lock(&inner.state);
    loop {
        if state.shutting_down {
            break;
        }
        if !state.gc_request.wanted || state.background_error.is_some() {
            state = wait(&inner.gc_wanted, state);
            continue;
        }
        let files = std::mem::take(&mut state.gc_request.files_to_measure);
        state.gc_request.wanted = false;
        drop(state);
        // Failures are kept in the stats; a later pass tries again.
        let _ = inner.collect_value_log(GcScope::Bounded(files));
        state = lock(&inner.state);
    }
}

impl DbInner {
    /// Runs one GC pass and adds what it did to the stats.
    pub(super) fn collect_value_log(self: &Arc<Self>, scope: GcScope) -> Result<GcReport> {
        let mut gc = lock(&self.gc);
        let mut report = GcReport::default();
        let result = self.gc_pass(&mut gc, scope, &mut report);
        report.files_waiting = gc.pending.len() as u64;
        let mut stats = lock(&self.gc_stats);
        stats.passes += 1;
        stats.totals.add(&report);
        stats.totals.files_waiting = report.files_waiting;
        if let Err(error) = &result {
            stats.last_error = Some(error.clone());
        }
        result.map(|()| report)
    }

    fn gc_pass(
        self: &Arc<Self>,
        gc: &mut GcState,
        scope: GcScope,
        report: &mut GcReport,
    ) -> Result<()> {
        self.delete_collected(gc, report)?;
        for number in self.files_to_measure(gc, scope)? {
            self.check_open()?;
            let file = self.open_for_gc(number)?;
            report.files_measured += 1;
            gc.cursor = number + 1;
            let threshold = self.options.value_log_gc_dead_fraction;
            if scope != GcScope::Everything && self.sampled_dead_fraction(&file)? < threshold {
                continue;
            }
            // Offsets of the records found live: the copy takes those
            // (one lookup per record saved; the batch checks again).
            let mut live = HashSet::new();
            let usage =
                file_usage::<StoreError>(&file, &mut |key: &[u8], pointer: &ValuePointer| {
                    let is_live = self.is_live(key, pointer)?;
                    if is_live {
                        live.insert(pointer.offset);
                    }
                    Ok(is_live)
                })?;
            if self.worth_collecting(&file, &usage)? {
                self.collect_file(gc, &file, &usage, &live, report)?;
            }
        }
        let log_number = lock(&self.state).versions.log_number();
        let waits_for_wal = gc.pending.iter().any(|file| file.barrier_wal >= log_number);
        if scope == GcScope::Everything && waits_for_wal {
            self.flush_memtable()?;
        }
        self.delete_collected(gc, report)
    }

    /// The dead share of the records of `file` estimated from one record
    /// in [`SAMPLE_STRIDE_RECORDS`] (1.0 for a file with no record).
    fn sampled_dead_fraction(&self, file: &VlogFile) -> Result<f64> {
        let (mut index, mut live_bytes, mut sampled_bytes) = (0u64, 0u64, 0u64);
        file_usage::<StoreError>(file, &mut |key: &[u8], pointer: &ValuePointer| {
            index += 1;
            if (index - 1).is_multiple_of(SAMPLE_STRIDE_RECORDS) {
                sampled_bytes += pointer.record_bytes();
                if self.is_live(key, pointer)? {
                    live_bytes += pointer.record_bytes();
                }
            }
            Ok(false)
        })?;
        if sampled_bytes == 0 {
            return Ok(1.0);
        }
        Ok(1.0 - live_bytes as f64 / sampled_bytes as f64)
    }

    /// Opens value-log file `number` without checking its file header:
    /// the scan does, and takes a short or zeroed one (a file created
    /// just before a crash) for an empty file.
    fn open_for_gc(&self, number: u64) -> Result<VlogFile> {
        let path = vlog::vlog_file_name(&self.dir, number);
        let file = self
            .env
            .open_random(&path)
            .map_err(|error| StoreError::io(&path, "open", &error))?;
        Ok(VlogFile::from_file(file, &path, number))
    }

    /// The sealed files of the folder a pass measures, in number order.
    fn files_to_measure(&self, gc: &GcState, scope: GcScope) -> Result<Vec<u64>> {
        // List first, then ask the writers: a file created after the
        // listing is not in it, and one current before is excluded.
        let listed = vlog::vlog_file_numbers(&*self.env, &self.dir)
            .map_err(|error| StoreError::io(&self.dir, "list", &error))?;
        let mut excluded: BTreeSet<u64> = gc.pending.iter().map(|file| file.number).collect();
        excluded.extend(gc.writer.as_ref().map(VlogWriter::file_number));
        if let Some(writer) = lock(&self.writer).vlog.as_ref() {
            excluded.extend(writer.unsynced_file_numbers());
        }
        let sealed: Vec<u64> = listed
            .into_iter()
            .filter(|number| !excluded.contains(number))
            .collect();
        Ok(match scope {
            GcScope::Everything => sealed,
            GcScope::Bounded(files) => {
                let split = sealed.partition_point(|&number| number < gc.cursor);
                let (before, after) = sealed.split_at(split);
                let order = after.iter().chain(before);
                let bounded = order.take(files.min(FILES_MEASURED_PER_BACKGROUND_PASS_MAX));
                bounded.copied().collect()
            }
        })
    }

    /// Whether `file` should be collected; a header damaged in the
    /// middle of the file (which hides every record after it) is
    /// corruption, never a reason to delete.
    fn worth_collecting(&self, file: &VlogFile, usage: &FileUsage) -> Result<bool> {
        if let Some(ScanEnd::Torn {
            torn_offset,
            reason: TornReason::BadHeader(what),
            ..
        }) = usage.scan_end
        {
            let what = format!("value-log record header damaged before the end: {what:?}");
            return Err(StoreError::corruption(file.path(), torn_offset, what));
        }
        let threshold = self.options.value_log_gc_dead_fraction;
        Ok(usage.live_records == 0 || usage.dead_fraction() >= threshold)
    }

    /// Moves the live records of `file` and queues it for deletion.
    fn collect_file(
        self: &Arc<Self>,
        gc: &mut GcState,
        file: &VlogFile,
        usage: &FileUsage,
        live: &HashSet<u64>,
        report: &mut GcReport,
    ) -> Result<()> {
        let relocations = if usage.live_records == 0 {
            Vec::new()
        } else {
            self.rewrite_file(gc, file, live)?
        };
        for chunk in relocations.chunks(RELOCATIONS_PER_BATCH_MAX) {
            let applied = self.commit_relocations(chunk)?;
            report.records_relocated += applied.len() as u64;
            report.bytes_relocated += applied.iter().sum::<u64>();
        }
        let (barrier_sequence, barrier_wal) = {
            let state = lock(&self.state);
            // With nothing in the memtables, no live WAL holds a record.
            let mut entries = state.mem.iter();
            entries.seek_to_first();
            let logged = entries.valid() || state.imm.is_some();
            let wal = if logged { state.wal_number } else { 0 };
            (state.versions.last_sequence(), wal)
        };
        gc.pending.push(PendingDeletion {
            number: file.file_number(),
            file_bytes: usage.file_bytes,
            barrier_sequence,
            barrier_wal,
        });
        report.files_collected += 1;
        Ok(())
    }

    /// Copies the live records of `file` to GC's writer (synced). After
    /// an error the writer is dropped: the next pass starts a new file.
    fn rewrite_file(
        self: &Arc<Self>,
        gc: &mut GcState,
        file: &VlogFile,
        live: &HashSet<u64>,
    ) -> Result<Vec<Relocation>> {
        if gc.writer.is_none() {
            gc.writer = Some(self.new_vlog_writer()?);
        }
        let writer = gc.writer.as_mut().expect("just created");
        let mut is_live = |_key: &[u8], pointer: &ValuePointer| -> Result<bool> {
            Ok(live.contains(&pointer.offset))
        };
        let result = rewrite_live(file, &mut is_live, writer);
        if result.is_err() {
            gc.writer = None;
        }
        result
    }

    /// Applies `chunk` as one compare-and-set batch, synced: under the
    /// writer lock, so no write slips between the check and the batch.
    /// Returns the record bytes of each move applied.
    fn commit_relocations(&self, chunk: &[Relocation]) -> Result<Vec<u64>> {
        let mut writer = lock(&self.writer);
        if let Some(error) = &writer.failed {
            return Err(error.clone());
        }
        let room = match self.make_room(&mut writer, false) {
            Ok(room) => room,
            Err(error) => {
                self.record_write_failure(&mut writer, &error);
                return Err(error);
            }
        };
        let mut batch = WriteBatch::new();
        let mut applied = Vec::new();
        let mut encoded = Vec::new();
        for relocation in chunk {
            if self.is_live(&relocation.key, &relocation.old)? {
                encoded.clear();
                relocation.new.encode_to(&mut encoded);
                batch.put_value_pointer(&relocation.key, &encoded);
                applied.push(relocation.new.record_bytes());
            }
        }
        if applied.is_empty() {
            return Ok(applied);
        }
        let committed = self.commit_batch(&mut writer, room, batch, true);
        if let Err(error) = &committed {
            self.record_write_failure(&mut writer, error);
        }
        committed.map(|()| applied)
    }

    /// Whether the latest entry of `key` is a pointer equal to `pointer`
    /// (a lookup that reads no value). Fails once the Db is closing, to
    /// end a pass early.
    fn is_live(&self, key: &[u8], pointer: &ValuePointer) -> Result<bool> {
        self.check_open()?;
        // The blocks read are cached: the next records' keys are often
        // in them, and the batch asks again for every key moved.
        Ok(self.latest_pointer(&ReadOptions::new(), key)? == Some(*pointer))
    }

    fn check_open(&self) -> Result<()> {
        if lock(&self.state).shutting_down {
            return Err(StoreError::WriteFailed {
                cause: "the store is closed".into(),
            });
        }
        Ok(())
    }

    /// Deletes every collected file nothing can read any more.
    fn delete_collected(&self, gc: &mut GcState, report: &mut GcReport) -> Result<()> {
        let (oldest_reader, log_number, prev_log) = {
            let state = lock(&self.state);
            let snapshots = lock(&self.snapshots).oldest();
            let iterators = lock(&self.iterators).oldest();
            let oldest = snapshots.into_iter().chain(iterators).min();
            let versions = &state.versions;
            (oldest, versions.log_number(), versions.prev_log_number())
        };
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut gc.pending)
            .into_iter()
            .partition(|file| file.deletable(oldest_reader, log_number, prev_log));
        gc.pending = waiting;
        if ready.is_empty() {
            return Ok(());
        }
        for (index, file) in ready.iter().enumerate() {
            self.forget_vlog_file(file.number);
            let path = vlog::vlog_file_name(&self.dir, file.number);
            match self.env.remove(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    gc.pending.extend_from_slice(&ready[index..]);
                    return Err(StoreError::io(&path, "remove", &error));
                }
            }
            report.files_deleted += 1;
            report.bytes_reclaimed += file.file_bytes;
        }
        self.env
            .sync_dir(&self.dir)
            .map_err(|error| StoreError::io(&self.dir, "sync", &error))
    }

    /// Closes `number` for reads and marks it collected, so a read that
    /// found a pointer into it just before looks its key up again.
    fn forget_vlog_file(&self, number: u64) {
        lock(&self.collected_vlog_files).insert(number);
        lock(&self.vlog_files).remove(&number);
    }

    /// Whether GC deleted (or is deleting) value-log file `number`.
    pub(super) fn vlog_file_collected(&self, number: u64) -> bool {
        lock(&self.collected_vlog_files).contains(&number)
    }
}
