//! The version set (LevelDB's `VersionSet`): the current version, the
//! counters the Db persists in the MANIFEST (next file number, last
//! sequence, log numbers), recovery from CURRENT → MANIFEST, and
//! `log_and_apply`, which makes an edit durable before installing it.
//!
//! Contract for the Db:
//! 1. Create a store once with `write_new_db`; open with `recover`.
//! 2. Every change of the set of tables goes through `log_and_apply`,
//!    called by one thread at a time (`&mut self`: the Db holds its lock).
//!    When it returns Ok the edit is durable and `current()` includes it.
//!    To release the lock during the MANIFEST write and sync (LevelDB
//!    does), split it: `begin_apply` (locked), `PendingEdit::write`
//!    (unlocked), `finish_apply` (locked); one pending edit at a time.
//! 3. When it returns Err, the edit may or may not be durable: after a
//!    crash the store recovers to the version before it or the one after
//!    it, never anything else. The Db must then stop changing files (in
//!    particular delete nothing: the edit's inputs may still be live) and
//!    refuse writes, as LevelDB does with its `bg_error_`.
//! 4. Readers take `current()` (an `Arc<Version>`) and keep it while they
//!    read; `live_files()` counts every table of every version still held.
//! 5. The first `log_and_apply` after `recover` writes a new MANIFEST
//!    starting with a snapshot of the whole state, then switches CURRENT
//!    to it; older MANIFESTs are the Db's to delete (`manifest_file_number`
//!    names the live one).
//! 6. `recover` marks the number of every numbered file in the directory
//!    as used, so a WAL or value log created just before a crash (after
//!    the last edit) never has its number handed out again.

use super::LEVELS;
use super::compaction::{self, Compaction};
use super::error::VersionError;
use super::options::VersionOptions;
use super::version::Version;
use super::version_builder::VersionBuilder;
use super::version_edit::VersionEdit;
use crate::store::dbformat::{InternalKey, InternalKeyComparator, SequenceNumber};
use crate::store::env::{self, Env};
use crate::store::filename::{self, FileType};
use crate::store::iter::{BoxedIterator, LevelIterator, MergingIterator};
use crate::store::log;
use crate::store::table::options::TableReadOptions;
use crate::store::table_cache::TableCache;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

/// Number of the MANIFEST a new store starts with.
const FIRST_MANIFEST_NUMBER: u64 = 1;

pub struct VersionSet {
    env: Arc<dyn Env>,
    dir: PathBuf,
    options: VersionOptions,
    table_cache: Arc<TableCache>,
    next_file_number: u64,
    manifest_file_number: u64,
    last_sequence: SequenceNumber,
    log_number: u64,
    prev_log_number: u64,
    /// The MANIFEST being appended to; None until the first
    /// `log_and_apply` (or after a failed one).
    descriptor_log: Option<log::Writer>,
    /// A `PendingEdit` holds the MANIFEST writer.
    edit_pending: bool,
    current: Arc<Version>,
    /// Every version installed and maybe still held by a reader.
    versions: Vec<Weak<Version>>,
    /// Where the next size compaction of each level starts.
    pub(super) compact_pointers: [Option<InternalKey>; LEVELS],
}

/// The name of the user key order this store records.
fn comparator_name() -> &'static str {
    InternalKeyComparator.user_comparator_name()
}

/// Creates the MANIFEST and CURRENT of an empty store in `dir` (LevelDB's
/// `DBImpl::NewDB`): log number 0, next file 2, last sequence 0.
pub fn write_new_db(env: &dyn Env, dir: &Path) -> Result<(), VersionError> {
    let mut edit = VersionEdit::new();
    edit.comparator = Some(comparator_name().to_string());
    edit.log_number = Some(0);
    edit.next_file_number = Some(FIRST_MANIFEST_NUMBER + 1);
    edit.last_sequence = Some(0);
    let path = filename::descriptor_file_name(dir, FIRST_MANIFEST_NUMBER);
    let mut record = Vec::new();
    edit.encode(&mut record);
    let written = env.new_writable(&path).and_then(|file| {
        let mut writer = log::Writer::new(file);
        writer.add_record(&record)?;
        writer.sync()
    });
    let result = written
        .map_err(|error| VersionError::io(&path, "write", &error))
        .and_then(|()| {
            filename::set_current_file(env, dir, FIRST_MANIFEST_NUMBER)
                .map_err(|error| VersionError::io(filename::current_file_name(dir), "set", &error))
        });
    if result.is_err() {
        let _ = env.remove(&path);
    }
    result
}

impl VersionSet {
    /// An empty set for the store in `dir`; call `recover` next.
    pub fn new(
        env: Arc<dyn Env>,
        dir: &Path,
        options: VersionOptions,
        table_cache: Arc<TableCache>,
    ) -> VersionSet {
        let empty = Arc::new(Version::new(
            Arc::clone(&table_cache),
            options,
            Default::default(),
        ));
        VersionSet {
            env,
            dir: dir.to_path_buf(),
            options,
            table_cache,
            next_file_number: FIRST_MANIFEST_NUMBER + 1,
            manifest_file_number: 0,
            last_sequence: 0,
            log_number: 0,
            prev_log_number: 0,
            descriptor_log: None,
            edit_pending: false,
            versions: vec![Arc::downgrade(&empty)],
            current: empty,
            compact_pointers: Default::default(),
        }
    }

    pub fn options(&self) -> &VersionOptions {
        &self.options
    }

    pub fn table_cache(&self) -> &Arc<TableCache> {
        &self.table_cache
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn current(&self) -> Arc<Version> {
        Arc::clone(&self.current)
    }

    /// A fresh file number (for a log, table, value log or MANIFEST).
    pub fn new_file_number(&mut self) -> u64 {
        let number = self.next_file_number;
        self.next_file_number += 1;
        number
    }

    /// Gives back `number` if it was the last one handed out and never
    /// used (LevelDB's `ReuseFileNumber`).
    pub fn reuse_file_number(&mut self, number: u64) {
        if self.next_file_number == number + 1 {
            self.next_file_number = number;
        }
    }

    /// Makes sure `number` is never handed out (it is in use on disk).
    pub fn mark_file_number_used(&mut self, number: u64) {
        if self.next_file_number <= number {
            self.next_file_number = number + 1;
        }
    }

    pub fn next_file_number(&self) -> u64 {
        self.next_file_number
    }

    pub fn manifest_file_number(&self) -> u64 {
        self.manifest_file_number
    }

    pub fn last_sequence(&self) -> SequenceNumber {
        self.last_sequence
    }

    /// REQUIRES: `sequence` ≥ last_sequence() (sequences never go back).
    pub fn set_last_sequence(&mut self, sequence: SequenceNumber) {
        assert!(sequence >= self.last_sequence, "last sequence going back");
        self.last_sequence = sequence;
    }

    /// WAL files numbered below this are obsolete.
    pub fn log_number(&self) -> u64 {
        self.log_number
    }

    /// The WAL being compacted when the MANIFEST was written (0: none).
    pub fn prev_log_number(&self) -> u64 {
        self.prev_log_number
    }

    pub fn num_level_files(&self, level: usize) -> usize {
        self.current.num_files(level)
    }

    pub fn num_level_bytes(&self, level: usize) -> u64 {
        self.current.level_bytes(level)
    }

    /// Numbers of every table of every version still held (by the set or
    /// by a reader): the tables the Db must not delete.
    pub fn live_files(&self) -> BTreeSet<u64> {
        let mut live = BTreeSet::new();
        for version in self.versions.iter().filter_map(Weak::upgrade) {
            for level in 0..LEVELS {
                live.extend(version.files(level).iter().map(|file| file.meta.number));
            }
        }
        live
    }

    /// Whether a size or seek compaction is due.
    pub fn needs_compaction(&self) -> bool {
        self.current.compaction_score() >= 1.0 || self.current.file_to_compact().is_some()
    }

    /// "files[ 3 1 0 0 0 0 0 ]".
    pub fn level_summary(&self) -> String {
        self.current.level_summary()
    }

    fn install(&mut self, version: Version) {
        let version = Arc::new(version);
        self.versions.retain(|held| held.strong_count() > 0);
        self.versions.push(Arc::downgrade(&version));
        self.current = version;
    }
}

/// Writing the MANIFEST.
impl VersionSet {
    /// Records `edit` durably in the MANIFEST, then installs the version
    /// it makes: `begin_apply`, `PendingEdit::write`, `finish_apply` in a
    /// row. A Db that wants to release its lock during the MANIFEST write
    /// and sync (as LevelDB does) calls the three itself.
    pub fn log_and_apply(&mut self, edit: &mut VersionEdit) -> Result<(), VersionError> {
        let mut pending = self.begin_apply(edit);
        pending.write();
        self.finish_apply(pending)
    }

    /// Fills in the edit's counters (log numbers kept when the edit has
    /// them, next file number, last sequence), builds the version it
    /// makes, and hands the MANIFEST writer to the returned pending edit.
    ///
    /// REQUIRES: no other edit pending (one writer of the MANIFEST at a
    /// time); an edit's log number, if set, is ≥ log_number() and <
    /// next_file_number(); the edit keeps the version invariants (it is
    /// the Db's, not bytes from disk: a broken one panics).
    pub fn begin_apply(&mut self, edit: &mut VersionEdit) -> PendingEdit {
        assert!(!self.edit_pending, "another version edit is pending");
        self.fill_counters(edit);
        let mut builder = VersionBuilder::new(&self.current);
        builder.apply(edit);
        let files = match builder.build() {
            Ok(files) => files,
            Err(problem) => {
                panic!("log_and_apply: edit breaks the version invariants: {problem:?}")
            }
        };
        let mut record = Vec::new();
        edit.encode(&mut record);
        let writer = self.descriptor_log.take();
        let snapshot = writer.is_none().then(|| {
            let mut snapshot = Vec::new();
            self.snapshot_edit().encode(&mut snapshot);
            snapshot
        });
        self.edit_pending = true;
        PendingEdit {
            env: Arc::clone(&self.env),
            dir: self.dir.clone(),
            manifest_number: self.manifest_file_number,
            version: Version::new(Arc::clone(&self.table_cache), self.options, files),
            edit: edit.clone(),
            record,
            snapshot,
            writer,
            result: None,
        }
    }

    /// Installs the pending edit's version if its write succeeded; else
    /// returns the write's error and arranges for the next edit to start a
    /// new MANIFEST under a fresh number (the failed one may be named by a
    /// CURRENT whose rename is not yet durable, so its number is never
    /// reused). REQUIRES: `pending.write()` was called.
    pub fn finish_apply(&mut self, pending: PendingEdit) -> Result<(), VersionError> {
        self.edit_pending = false;
        let result = pending
            .result
            .expect("finish_apply before PendingEdit::write");
        if let Err(error) = result {
            self.descriptor_log = None;
            self.manifest_file_number = self.new_file_number();
            return Err(error);
        }
        self.descriptor_log = pending.writer;
        let edit = pending.edit;
        for (level, key) in &edit.compact_pointers {
            self.compact_pointers[*level] = Some(key.clone());
        }
        self.install(pending.version);
        self.log_number = edit.log_number.expect("filled in by begin_apply");
        self.prev_log_number = edit.prev_log_number.expect("filled in by begin_apply");
        Ok(())
    }

    fn fill_counters(&self, edit: &mut VersionEdit) {
        match edit.log_number {
            Some(number) => assert!(
                number >= self.log_number && number < self.next_file_number,
                "log number {number} outside [{}, {})",
                self.log_number,
                self.next_file_number
            ),
            None => edit.log_number = Some(self.log_number),
        }
        if edit.prev_log_number.is_none() {
            edit.prev_log_number = Some(self.prev_log_number);
        }
        edit.next_file_number = Some(self.next_file_number);
        edit.last_sequence = Some(self.last_sequence);
    }

    /// The whole current state as one edit (a new MANIFEST's first record).
    fn snapshot_edit(&self) -> VersionEdit {
        let mut edit = VersionEdit::new();
        edit.comparator = Some(comparator_name().to_string());
        for (level, pointer) in self.compact_pointers.iter().enumerate() {
            if let Some(key) = pointer {
                edit.set_compact_pointer(level, key.clone());
            }
        }
        for level in 0..LEVELS {
            for file in self.current.files(level) {
                edit.add_file(level, file.meta.clone());
            }
        }
        edit
    }
}

/// A version edit between `begin_apply` and `finish_apply`: it owns the
/// MANIFEST writer while it writes, so the Db need not hold its lock
/// during the write and sync.
pub struct PendingEdit {
    env: Arc<dyn Env>,
    dir: PathBuf,
    manifest_number: u64,
    version: Version,
    edit: VersionEdit,
    record: Vec<u8>,
    /// Some when this edit starts a new MANIFEST with this snapshot.
    snapshot: Option<Vec<u8>>,
    writer: Option<log::Writer>,
    result: Option<Result<(), VersionError>>,
}

impl PendingEdit {
    /// The edit as it will be recorded (counters filled in).
    pub fn edit(&self) -> &VersionEdit {
        &self.edit
    }

    /// Appends the edit to the MANIFEST and syncs it; for a new MANIFEST,
    /// first its snapshot, and afterwards CURRENT is switched to it. The
    /// outcome is kept for `finish_apply`. Call once.
    pub fn write(&mut self) {
        assert!(self.result.is_none(), "PendingEdit::write called twice");
        let path = filename::descriptor_file_name(&self.dir, self.manifest_number);
        let new_manifest = self.snapshot.is_some();
        let mut result = self.append(&path);
        if result.is_ok() && new_manifest {
            result = filename::set_current_file(&*self.env, &self.dir, self.manifest_number)
                .map_err(|error| {
                    VersionError::io(filename::current_file_name(&self.dir), "set", &error)
                });
        }
        if let Err(error) = &result {
            self.writer = None;
            if new_manifest && matches!(error, VersionError::Io { file, .. } if *file == path) {
                // Failed before CURRENT could name it.
                let _ = self.env.remove(&path);
            }
        }
        self.result = Some(result);
    }

    fn append(&mut self, path: &Path) -> Result<(), VersionError> {
        let io_error = |error: std::io::Error| VersionError::io(path, "write", &error);
        if let Some(snapshot) = &self.snapshot {
            let file = self.env.new_writable(path).map_err(io_error)?;
            let writer = self.writer.insert(log::Writer::new(file));
            writer.add_record(snapshot).map_err(io_error)?;
        }
        let writer = self.writer.as_mut().expect("a writer or a snapshot");
        writer.add_record(&self.record).map_err(io_error)?;
        writer.sync().map_err(io_error)
    }
}

mod recovery;

/// Which files of the directory the Db may delete.
impl VersionSet {
    /// The names among `children` (the directory's entries) that no
    /// longer hold anything needed (LevelDB's `RemoveObsoleteFiles` rules):
    /// WALs older than `log_number()` (but `prev_log_number()`), MANIFESTs
    /// older than the live one, tables and temporary files that are
    /// neither live (`live_files`) nor in `pending_outputs` (tables a
    /// running compaction or flush is writing). CURRENT, LOCK, LOG and
    /// value logs (reclaimed by value-log GC) are never obsolete here.
    /// REQUIRES: no `log_and_apply` failed (see the contract, 3).
    pub fn obsolete_files(
        &self,
        children: &[String],
        pending_outputs: &BTreeSet<u64>,
    ) -> Vec<String> {
        let live = self.live_files();
        let keep = |number: u64, file_type: FileType| match file_type {
            FileType::Log => number >= self.log_number || number == self.prev_log_number,
            FileType::Descriptor => number >= self.manifest_file_number,
            FileType::Table | FileType::Temp => {
                live.contains(&number) || pending_outputs.contains(&number)
            }
            FileType::Current | FileType::DbLock | FileType::InfoLog | FileType::ValueLog => true,
        };
        children
            .iter()
            .filter(|name| {
                filename::parse_file_name(name)
                    .is_some_and(|(number, file_type)| !keep(number, file_type))
            })
            .cloned()
            .collect()
    }
}

/// Choosing compactions.
impl VersionSet {
    /// The compaction most needed now, if any (size first, then seeks).
    pub fn pick_compaction(&mut self) -> Option<Compaction> {
        compaction::pick_compaction(&self.current, &mut self.compact_pointers)
    }

    /// A manual compaction of `level` over [begin, end] (None: unbounded).
    pub fn compact_range(
        &mut self,
        level: usize,
        begin: Option<&InternalKey>,
        end: Option<&InternalKey>,
    ) -> Option<Compaction> {
        compaction::compact_range(&self.current, &mut self.compact_pointers, level, begin, end)
    }

    /// One cursor over every entry of the compaction's inputs. Block
    /// checksums are always verified (LevelDB verifies only with
    /// paranoid_checks): a compaction must never rewrite damaged bytes
    /// under a fresh checksum. Blocks read are not cached.
    pub fn make_input_iterator(&self, compaction: &Compaction) -> MergingIterator {
        let read = TableReadOptions {
            verify_checksums: true,
            fill_cache: false,
        };
        let mut children: Vec<BoxedIterator> = Vec::new();
        for which in 0..2 {
            let inputs = compaction.inputs(which);
            if compaction.level() + which == 0 {
                for file in inputs {
                    let meta = &file.meta;
                    children.push(self.table_cache.iter(read, meta.number, meta.file_size));
                }
            } else if !inputs.is_empty() {
                let cache = Arc::clone(&self.table_cache);
                children.push(Box::new(LevelIterator::new(cache, read, inputs.to_vec())));
            }
        }
        MergingIterator::new(children)
    }
}

const _: () = {
    const fn shared_between_threads<T: Send + Sync>() {}
    const fn owned_by_one_thread<T: Send>() {}
    shared_between_threads::<Version>();
    shared_between_threads::<TableCache>();
    owned_by_one_thread::<VersionSet>();
    owned_by_one_thread::<PendingEdit>();
    owned_by_one_thread::<Compaction>();
};

impl std::fmt::Debug for VersionSet {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("VersionSet")
            .field("dir", &self.dir)
            .field("current", &self.current.level_summary())
            .field("next_file_number", &self.next_file_number)
            .field("manifest_file_number", &self.manifest_file_number)
            .field("last_sequence", &self.last_sequence)
            .field("log_number", &self.log_number)
            .finish_non_exhaustive()
    }
}
