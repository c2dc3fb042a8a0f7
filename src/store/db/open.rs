//! Opening a store: LOCK, create or recover (LevelDB's `DB::Open`,
//! `DBImpl::Recover`, `RecoverLogFile`), start a fresh WAL.
//!
//! Recovery rules (FORMAT.md, vlog/FORMAT.md):
//! 1. The MANIFEST gives the tables and the WAL number the memtable
//!    started at; every WAL at or after it is replayed in number order.
//! 2. A torn WAL tail is dropped. A damaged stretch in the middle is an
//!    error with `paranoid_checks`, else skipped (LevelDB).
//! 3. A batch holding a value pointer at or past the valid prefix of its
//!    value-log file (or into a missing one) was never durable: replay
//!    stops there, with every later batch and later WAL.
//! 4. Replayed memtables are written to level-0 tables; then a new WAL
//!    starts and one edit records it all.

use super::error::{Result, StoreError};
use super::files::delete_obsolete_files;
use super::internal_filter::InternalFilterPolicy;
use super::table_file::build_table;
use super::value_log_gc::GcRequest;
use super::{DbInner, Options, State, WriterState, lock};
use crate::store::dbformat::SequenceNumber;
use crate::store::env::Env;
use crate::store::filename::{self, FileType};
use crate::store::group_commit::GroupCommit;
use crate::store::log;
use crate::store::memtable::MemTable;
use crate::store::table::cache::BlockCache;
use crate::store::table::filter::{BloomFilterPolicy, FilterPolicy};
use crate::store::table::options::TableOptions;
use crate::store::table_cache::{TableCache, table_cache_capacity_files};
use crate::store::version::options::VersionOptions;
use crate::store::version::version_edit::VersionEdit;
use crate::store::version::version_set::{VersionSet, write_new_db};
use crate::store::vlog::{RecordScanner, ValuePointer};
use crate::store::write_batch::{Handler, WriteBatch};
use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

/// The table options every table of a store is built and read with.
pub(super) fn table_options(options: &Options) -> TableOptions {
    let filter_policy = (options.bloom_bits_per_key > 0).then(|| {
        let bloom = Arc::new(BloomFilterPolicy::new(options.bloom_bits_per_key));
        Arc::new(InternalFilterPolicy::new(bloom)) as Arc<dyn FilterPolicy>
    });
    TableOptions {
        comparator: Arc::new(crate::store::dbformat::InternalKeyComparator),
        filter_policy,
        block_size_bytes: options.block_size_bytes,
        block_cache: Some(Arc::new(BlockCache::new(
            options.block_cache_capacity_bytes,
        ))),
        ..TableOptions::default()
    }
}

fn check_options(options: &Options) -> Result<()> {
    let buffer = options.write_buffer_size_bytes;
    let range =
        super::options::WRITE_BUFFER_SIZE_MIN_BYTES..=super::options::WRITE_BUFFER_SIZE_MAX_BYTES;
    if !range.contains(&buffer) {
        return Err(StoreError::InvalidArgument {
            what: format!("write_buffer_size_bytes {buffer} outside {range:?}"),
        });
    }
    if options.value_log_threshold_bytes == 0 || options.block_size_bytes == 0 {
        return Err(StoreError::InvalidArgument {
            what: "value_log_threshold_bytes and block_size_bytes must be positive".into(),
        });
    }
    let fraction = options.value_log_gc_dead_fraction;
    if !(0.0..=1.0).contains(&fraction) {
        return Err(StoreError::InvalidArgument {
            what: format!("value_log_gc_dead_fraction {fraction} outside 0.0..=1.0"),
        });
    }
    let target = options.value_log_file_bytes_target;
    if target <= crate::store::vlog::FILE_HEADER_BYTES {
        return Err(StoreError::InvalidArgument {
            what: format!("value_log_file_bytes_target {target} leaves no room for a record"),
        });
    }
    Ok(())
}

/// Takes the LOCK and creates the store if it is missing and allowed.
fn lock_and_create(
    env: &dyn Env,
    dir: &Path,
    options: &Options,
) -> Result<crate::store::env::FileLock> {
    if options.create_if_missing {
        env.create_dir_all(dir)
            .map_err(|error| StoreError::io(dir, "create", &error))?;
    } else if !env.exists(&filename::current_file_name(dir)) {
        return Err(StoreError::NotFound {
            dir: dir.to_path_buf(),
        });
    }
    let lock_path = filename::lock_file_name(dir);
    let file_lock = env
        .lock_file(&lock_path)
        .map_err(|error| match error.kind() {
            io::ErrorKind::WouldBlock => StoreError::Locked {
                file: lock_path.clone(),
            },
            io::ErrorKind::NotFound => StoreError::NotFound {
                dir: dir.to_path_buf(),
            },
            _ => StoreError::io(&lock_path, "lock", &error),
        })?;
    if !env.exists(&filename::current_file_name(dir)) {
        if !options.create_if_missing {
            return Err(StoreError::NotFound {
                dir: dir.to_path_buf(),
            });
        }
        write_new_db(env, dir)?;
    } else if options.error_if_exists {
        return Err(StoreError::AlreadyExists {
            dir: dir.to_path_buf(),
        });
    }
    Ok(file_lock)
}

impl DbInner {
    pub(super) fn open(dir: &Path, options: Options) -> Result<DbInner> {
        check_options(&options)?;
        let env = Arc::clone(&options.env);
        let file_lock = lock_and_create(&*env, dir, &options)?;
        let table_cache = Arc::new(TableCache::new(
            Arc::clone(&env),
            dir,
            table_options(&options),
            table_cache_capacity_files(options.max_open_files),
        ));
        let version_options = VersionOptions {
            max_file_size_bytes: options.max_file_size_bytes,
            paranoid_checks: options.paranoid_checks,
        };
        let mut versions = VersionSet::new(
            Arc::clone(&env),
            dir,
            version_options,
            Arc::clone(&table_cache),
        );
        versions.recover()?;
        let mut edit = VersionEdit::new();
        let mut replay = Replay::new(&*env, dir, &options, &table_cache);
        replay.replay_logs(&mut versions, &mut edit)?;
        replay.sync_value_logs()?;
        let wal_number = versions.new_file_number();
        let wal_path = filename::log_file_name(dir, wal_number);
        let wal_file = env
            .new_writable(&wal_path)
            .map_err(|error| StoreError::io(&wal_path, "create", &error))?;
        env.sync_dir(dir)
            .map_err(|error| StoreError::io(dir, "sync", &error))?;
        edit.log_number = Some(wal_number);
        edit.prev_log_number = Some(0);
        let last_sequence = replay.max_sequence.max(versions.last_sequence());
        versions.set_last_sequence(last_sequence);
        versions.log_and_apply(&mut edit)?;
        let mut state = State {
            mem: Arc::new(MemTable::with_capacity(options.write_buffer_size_bytes)),
            imm: None,
            versions,
            wal_number,
            pending_outputs: BTreeSet::new(),
            background_error: None,
            shutting_down: false,
            manual: None,
            gc_request: GcRequest::default(),
        };
        delete_obsolete_files(&*env, dir, &table_cache, &mut state);
        Ok(DbInner {
            dir: dir.to_path_buf(),
            env,
            options,
            table_cache,
            state: Mutex::new(state),
            work_done: Condvar::new(),
            work_wanted: Condvar::new(),
            commits: GroupCommit::new(),
            writer: Mutex::new(WriterState {
                wal: log::Writer::new(wal_file),
                vlog: None,
                failed: None,
                unsealed_wal: None,
            }),
            vlog_files: Mutex::new(HashMap::new()),
            collected_vlog_files: Mutex::default(),
            snapshots: Arc::default(),
            iterators: Arc::default(),
            gc: Mutex::default(),
            gc_stats: Mutex::default(),
            gc_wanted: Condvar::new(),
            _lock: file_lock,
        })
    }
}

/// WAL replay state.
struct Replay<'a> {
    env: &'a dyn Env,
    dir: &'a Path,
    options: &'a Options,
    table_options: TableOptions,
    /// Valid prefix of each value-log file scanned so far (0: missing).
    vlog_valid_bytes: HashMap<u64, u64>,
    mem: Option<Arc<MemTable>>,
    max_sequence: SequenceNumber,
    /// A batch pointed past a value log's valid prefix: stop everything.
    stopped: bool,
}

/// Collects the value pointers of a batch.
#[derive(Default)]
struct Pointers(Vec<Vec<u8>>);

impl Handler for Pointers {
    fn put(&mut self, _key: &[u8], _value: &[u8]) {}
    fn delete(&mut self, _key: &[u8]) {}
    fn put_value_pointer(&mut self, _key: &[u8], pointer: &[u8]) {
        self.0.push(pointer.to_vec());
    }
}

impl<'a> Replay<'a> {
    fn new(env: &'a dyn Env, dir: &'a Path, options: &'a Options, cache: &TableCache) -> Self {
        Replay {
            env,
            dir,
            options,
            table_options: cache.options().clone(),
            vlog_valid_bytes: HashMap::new(),
            mem: None,
            max_sequence: 0,
            stopped: false,
        }
    }

    /// Replays every WAL the MANIFEST does not cover, flushing to level-0
    /// tables (added to `edit`).
    fn replay_logs(&mut self, versions: &mut VersionSet, edit: &mut VersionEdit) -> Result<()> {
        let children = self
            .env
            .children(self.dir)
            .map_err(|error| StoreError::io(self.dir, "list", &error))?;
        let mut logs: Vec<u64> = children
            .iter()
            .filter_map(|name| filename::parse_file_name(name))
            .filter(|&(number, kind)| {
                kind == FileType::Log
                    && (number >= versions.log_number() || number == versions.prev_log_number())
            })
            .map(|(number, _)| number)
            .collect();
        logs.sort_unstable();
        for number in logs {
            versions.mark_file_number_used(number);
            if !self.stopped {
                self.replay_log(number, versions, edit)?;
            }
        }
        self.flush_mem(versions, edit)
    }

    fn replay_log(
        &mut self,
        number: u64,
        versions: &mut VersionSet,
        edit: &mut VersionEdit,
    ) -> Result<()> {
        let path = filename::log_file_name(self.dir, number);
        let file = self
            .env
            .open_sequential(&path)
            .map_err(|error| StoreError::io(&path, "open", &error))?;
        let damage: Arc<Mutex<Option<log::Corruption>>> = Arc::default();
        let reporter_damage = Arc::clone(&damage);
        let reporter = move |corruption: &log::Corruption| {
            lock(&reporter_damage).get_or_insert(*corruption);
        };
        let mut reader = log::Reader::new(file, Some(Box::new(reporter)), true);
        let mut record = Vec::new();
        while reader.read_record(&mut record) {
            self.check_damage(&damage, &path)?;
            let offset = reader.last_record_offset();
            let batch = match WriteBatch::from_contents(std::mem::take(&mut record)) {
                Ok(batch) => batch,
                Err(error) if self.options.paranoid_checks => {
                    return Err(StoreError::corruption(&path, offset, error.to_string()));
                }
                Err(_) => continue,
            };
            if !self.pointers_durable(&batch, &path, offset)? {
                self.stopped = true;
                break;
            }
            self.apply(&batch, versions, edit)?;
        }
        self.check_damage(&damage, &path)
    }

    fn check_damage(&self, damage: &Mutex<Option<log::Corruption>>, path: &Path) -> Result<()> {
        match lock(damage).take() {
            Some(corruption) if self.options.paranoid_checks => Err(StoreError::corruption(
                path,
                corruption.offset,
                format!(
                    "{} bytes damaged: {:?}",
                    corruption.bytes, corruption.reason
                ),
            )),
            _ => Ok(()),
        }
    }

    fn apply(
        &mut self,
        batch: &WriteBatch,
        versions: &mut VersionSet,
        edit: &mut VersionEdit,
    ) -> Result<()> {
        let buffer = self.options.write_buffer_size_bytes;
        let mem = self
            .mem
            .get_or_insert_with(|| Arc::new(MemTable::with_capacity(buffer)));
        mem.insert_batch(batch)
            .expect("a batch validated by from_contents inserts");
        if batch.count() > 0 {
            let last = batch.sequence() + u64::from(batch.count()) - 1;
            self.max_sequence = self.max_sequence.max(last);
        }
        if mem.approximate_memory_usage() > buffer {
            self.flush_mem(versions, edit)?;
        }
        Ok(())
    }

    /// Whether every value pointer of `batch` lies in the valid prefix
    /// of its value-log file.
    fn pointers_durable(&mut self, batch: &WriteBatch, path: &Path, offset: u64) -> Result<bool> {
        let mut pointers = Pointers::default();
        if batch.iterate(&mut pointers).is_err() {
            return Ok(false);
        }
        for bytes in &pointers.0 {
            let pointer = match ValuePointer::decode(bytes) {
                Ok(pointer) => pointer,
                Err(error) => {
                    let what = format!("bad value pointer in a WAL batch: {error:?}");
                    return Err(StoreError::corruption(path, offset, what));
                }
            };
            if pointer.end_offset() > self.vlog_valid_bytes(pointer.file_number)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn vlog_valid_bytes(&mut self, number: u64) -> Result<u64> {
        if let Some(&valid) = self.vlog_valid_bytes.get(&number) {
            return Ok(valid);
        }
        let path = crate::store::vlog::vlog_file_name(self.dir, number);
        let valid = if !self.env.exists(&path) {
            0
        } else {
            let mut scanner = RecordScanner::open(self.env, self.dir, number, true)?;
            for record in scanner.by_ref() {
                if let Err(error) = record
                    && self.options.paranoid_checks
                {
                    return Err(error.into());
                }
            }
            scanner.end().map_or(0, |end| end.valid_bytes())
        };
        self.vlog_valid_bytes.insert(number, valid);
        Ok(valid)
    }

    /// Syncs every value-log file a replayed pointer names. The tables
    /// replay wrote outlive the WALs once the recovery edit is written;
    /// after a clean exit the values they point at may still be only in
    /// the OS's cache, and a power cut then would leave the tables
    /// pointing at lost bytes. The caller syncs the directory next.
    fn sync_value_logs(&self) -> Result<()> {
        for (&number, &valid_bytes) in &self.vlog_valid_bytes {
            if valid_bytes == 0 {
                continue;
            }
            let path = crate::store::vlog::vlog_file_name(self.dir, number);
            let io_error = |error: io::Error| StoreError::io(&path, "sync", &error);
            let mut file = self.env.new_appendable(&path).map_err(io_error)?;
            file.sync().map_err(io_error)?;
        }
        Ok(())
    }

    /// Writes the replayed memtable, if any, to a level-0 table.
    fn flush_mem(&mut self, versions: &mut VersionSet, edit: &mut VersionEdit) -> Result<()> {
        let Some(mem) = self.mem.take() else {
            return Ok(());
        };
        let number = versions.new_file_number();
        let mut iter = mem.iter();
        if let Some(meta) = build_table(self.env, self.dir, &self.table_options, &mut iter, number)?
        {
            // Recovered tables go to level 0: later replayed tables must
            // stay above them, so no placement below level 0.
            edit.add_file(0, meta);
        }
        Ok(())
    }
}
