//! One immutable set of tables, level by level (LevelDB's `Version`):
//! point lookups across the levels, overlap queries, where a flushed
//! memtable goes, and the iterators over every table.
//!
//! Invariants (checked when a version is built, `version_builder`):
//! 1. Level 0 tables may overlap each other; newer ones have larger file
//!    numbers.
//! 2. Within a level ≥ 1, tables are sorted by key and their ranges are
//!    disjoint, so one binary search on largest keys finds the only table
//!    that may hold a key.
//!
//! Thread safety: a `Version` is shared in an `Arc` and never changes,
//! except the seek statistics (atomics) and the table they nominate for
//! compaction (a mutex).

use super::LEVELS;
use super::error::VersionError;
use super::options::{ALLOWED_SEEKS_MIN, SEEK_COST_BYTES, VersionOptions};
use super::version_edit::FileMetaData;
use crate::store::dbformat::{
    InternalKey, InternalKeyError, LookupKey, SEQUENCE_NUMBER_MAX, VALUE_TYPE_FOR_SEEK, ValueType,
    compare_internal_keys, parse_internal_key,
};
use crate::store::iter::{BoxedIterator, LevelIterator};
use crate::store::memtable::Lookup;
use crate::store::table::options::TableReadOptions;
use crate::store::table_cache::TableCache;
use std::cmp::Ordering;
use std::sync::atomic::{AtomicI64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

/// A table in a version: its MANIFEST metadata plus LevelDB's seek
/// statistics. Shared (`Arc`) by every version that holds the table.
#[derive(Debug)]
pub struct TableMeta {
    pub meta: FileMetaData,
    /// Seeks left before this table is nominated for compaction.
    allowed_seeks: AtomicI64,
}

impl TableMeta {
    pub fn new(meta: FileMetaData) -> TableMeta {
        let by_size = i64::try_from(meta.file_size / SEEK_COST_BYTES).unwrap_or(i64::MAX);
        TableMeta {
            meta,
            allowed_seeks: AtomicI64::new(by_size.max(ALLOWED_SEEKS_MIN)),
        }
    }

    pub fn number(&self) -> u64 {
        self.meta.number
    }

    pub fn file_size(&self) -> u64 {
        self.meta.file_size
    }

    pub fn smallest(&self) -> &InternalKey {
        &self.meta.smallest
    }

    pub fn largest(&self) -> &InternalKey {
        &self.meta.largest
    }

    pub fn allowed_seeks(&self) -> i64 {
        self.allowed_seeks.load(AtomicOrdering::Relaxed)
    }
}

/// Total bytes of `files`.
pub fn total_file_size(files: &[Arc<TableMeta>]) -> u64 {
    files.iter().map(|file| file.meta.file_size).sum()
}

/// Index of the first file whose largest key ≥ `internal_key` (files.len()
/// when none). REQUIRES: files sorted, ranges disjoint (a level ≥ 1).
pub fn find_file(files: &[Arc<TableMeta>], internal_key: &[u8]) -> usize {
    files.partition_point(|file| {
        compare_internal_keys(file.meta.largest.encoded(), internal_key) == Ordering::Less
    })
}

/// Whether `user_key` is after the whole of `file` (None: never).
fn after_file(user_key: Option<&[u8]>, file: &TableMeta) -> bool {
    user_key.is_some_and(|key| key > file.meta.largest.user_key())
}

/// Whether `user_key` is before the whole of `file` (None: never).
fn before_file(user_key: Option<&[u8]>, file: &TableMeta) -> bool {
    user_key.is_some_and(|key| key < file.meta.smallest.user_key())
}

/// Whether any of `files` overlaps the user key range [smallest, largest]
/// (None: unbounded on that side). `disjoint_sorted` allows a binary search.
pub fn some_file_overlaps_range(
    disjoint_sorted: bool,
    files: &[Arc<TableMeta>],
    smallest_user_key: Option<&[u8]>,
    largest_user_key: Option<&[u8]>,
) -> bool {
    if !disjoint_sorted {
        return files.iter().any(|file| {
            !after_file(smallest_user_key, file) && !before_file(largest_user_key, file)
        });
    }
    let index = match smallest_user_key {
        Some(key) => {
            // The earliest internal key for the user key.
            let small = InternalKey::new(key, SEQUENCE_NUMBER_MAX, VALUE_TYPE_FOR_SEEK);
            find_file(files, small.encoded())
        }
        None => 0,
    };
    index < files.len() && !before_file(largest_user_key, &files[index])
}

/// The table a get read first when it had to read more than one: charged
/// a seek (LevelDB's `GetStats`).
#[derive(Debug, Default, Clone)]
pub struct GetStats {
    pub seek_file: Option<(usize, Arc<TableMeta>)>,
}

pub struct Version {
    table_cache: Arc<TableCache>,
    options: VersionOptions,
    files: [Vec<Arc<TableMeta>>; LEVELS],
    /// The level most in need of compaction and its score (≥ 1 means a
    /// compaction is due), computed once when the version is built.
    compaction_score: f64,
    compaction_level: usize,
    /// A table that used up its allowed seeks, and its level.
    file_to_compact: Mutex<Option<(usize, Arc<TableMeta>)>>,
}

/// Level-0 tables that trigger a compaction (LevelDB's
/// `kL0_CompactionTrigger`), as f64 for the score.
fn level0_score(files: usize) -> f64 {
    files as f64 / super::L0_COMPACTION_TRIGGER_FILES as f64
}

impl Version {
    /// A version of `files` (each level ordered as the invariants say).
    pub fn new(
        table_cache: Arc<TableCache>,
        options: VersionOptions,
        files: [Vec<Arc<TableMeta>>; LEVELS],
    ) -> Version {
        let mut version = Version {
            table_cache,
            options,
            files,
            compaction_score: -1.0,
            compaction_level: 0,
            file_to_compact: Mutex::new(None),
        };
        version.compute_compaction_score();
        version
    }

    /// LevelDB's `Finalize`: level 0 is scored by file count (many small
    /// files hurt reads, and each is read on every get), other levels by
    /// bytes against their limit. The last level is never compacted.
    fn compute_compaction_score(&mut self) {
        for level in 0..LEVELS - 1 {
            let score = if level == 0 {
                level0_score(self.files[0].len())
            } else {
                let bytes = total_file_size(&self.files[level]);
                bytes as f64 / super::options::max_bytes_for_level(level) as f64
            };
            if score > self.compaction_score {
                self.compaction_score = score;
                self.compaction_level = level;
            }
        }
    }

    pub fn table_cache(&self) -> &Arc<TableCache> {
        &self.table_cache
    }

    pub fn options(&self) -> &VersionOptions {
        &self.options
    }

    /// The tables of `level`, in key order (level 0: by smallest key).
    pub fn files(&self, level: usize) -> &[Arc<TableMeta>] {
        &self.files[level]
    }

    pub fn num_files(&self, level: usize) -> usize {
        self.files[level].len()
    }

    pub fn level_bytes(&self, level: usize) -> u64 {
        total_file_size(&self.files[level])
    }

    pub fn compaction_score(&self) -> f64 {
        self.compaction_score
    }

    pub fn compaction_level(&self) -> usize {
        self.compaction_level
    }

    /// The table nominated by seek statistics, if any.
    pub fn file_to_compact(&self) -> Option<(usize, Arc<TableMeta>)> {
        lock(&self.file_to_compact).clone()
    }

    /// "files[ 3 1 0 0 0 0 0 ]", as LevelDB's `LevelSummary`.
    pub fn level_summary(&self) -> String {
        let counts: Vec<String> = self
            .files
            .iter()
            .map(|files| files.len().to_string())
            .collect();
        format!("files[ {} ]", counts.join(" "))
    }

    /// The tables that may hold `user_key`, in the order a get must read
    /// them: level-0 tables newest first, then one table per level. Lazy,
    /// and allocates only when level-0 tables overlap the key.
    fn tables_for_key<'a>(
        &'a self,
        user_key: &'a [u8],
        internal_key: &'a [u8],
    ) -> TablesForKey<'a> {
        let mut level0: Vec<&Arc<TableMeta>> = self.files[0]
            .iter()
            .filter(|file| !before_file(Some(user_key), file) && !after_file(Some(user_key), file))
            .collect();
        // Newest last, as `next` pops from the end.
        level0.sort_by_key(|file| file.meta.number);
        TablesForKey {
            version: self,
            user_key,
            internal_key,
            level0,
            level: 1,
        }
    }

    /// Looks `lookup` up in the tables, newest first. For Value and
    /// ValuePointer, `value` is replaced by the entry's bytes. The stats
    /// name the table to charge a seek to (pass them to `update_stats`).
    pub fn get(
        &self,
        read: &TableReadOptions,
        lookup: &LookupKey,
        value: &mut Vec<u8>,
    ) -> Result<(Lookup, GetStats), VersionError> {
        let user_key = lookup.user_key();
        let internal_key = lookup.internal_key();
        let mut stats = GetStats::default();
        let mut last_read: Option<(usize, &Arc<TableMeta>)> = None;
        for (level, file) in self.tables_for_key(user_key, internal_key) {
            if stats.seek_file.is_none()
                && let Some((last_level, last_file)) = last_read
            {
                // More than one table read: charge the first.
                stats.seek_file = Some((last_level, Arc::clone(last_file)));
            }
            last_read = Some((level, file));
            let meta = &file.meta;
            let entry = self.table_cache.get(
                read,
                meta.number,
                meta.file_size,
                internal_key,
                |key, found| match_entry(user_key, key, found, value),
            )?;
            match entry {
                None | Some(Ok(Lookup::NotFound)) => continue,
                Some(Ok(lookup)) => return Ok((lookup, stats)),
                Some(Err(error)) => {
                    let file = Arc::clone(
                        self.table_cache
                            .find_table(meta.number, meta.file_size)?
                            .file_name(),
                    );
                    return Err(VersionError::BadTableKey { file, error });
                }
            }
        }
        Ok((Lookup::NotFound, stats))
    }

    /// Charges a seek to the table in `stats`; true when that table has
    /// used up its seeks and is now nominated for compaction.
    pub fn update_stats(&self, stats: &GetStats) -> bool {
        let Some((level, file)) = &stats.seek_file else {
            return false;
        };
        let left = file.allowed_seeks.fetch_sub(1, AtomicOrdering::Relaxed) - 1;
        let mut nominated = lock(&self.file_to_compact);
        if left <= 0 && nominated.is_none() {
            *nominated = Some((*level, Arc::clone(file)));
            return true;
        }
        false
    }

    /// Called by the Db iterator every `READ_BYTES_PERIOD` bytes read: when
    /// at least two tables overlap `internal_key`, charges a seek to the
    /// first (LevelDB's `RecordReadSample`). True when a table got
    /// nominated for compaction.
    pub fn record_read_sample(&self, internal_key: &[u8]) -> bool {
        let Ok(parsed) = parse_internal_key(internal_key) else {
            return false;
        };
        let mut tables = self.tables_for_key(parsed.user_key, internal_key);
        let Some((level, file)) = tables.next() else {
            return false;
        };
        if tables.next().is_none() {
            return false;
        }
        let stats = GetStats {
            seek_file: Some((level, Arc::clone(file))),
        };
        self.update_stats(&stats)
    }
}

/// The tables a get reads, in order (see `Version::tables_for_key`).
struct TablesForKey<'a> {
    version: &'a Version,
    user_key: &'a [u8],
    internal_key: &'a [u8],
    /// The level-0 tables left, newest last.
    level0: Vec<&'a Arc<TableMeta>>,
    /// The next level ≥ 1 to search.
    level: usize,
}

impl<'a> Iterator for TablesForKey<'a> {
    type Item = (usize, &'a Arc<TableMeta>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(file) = self.level0.pop() {
            return Some((0, file));
        }
        while self.level < LEVELS {
            let level = self.level;
            self.level += 1;
            let files = &self.version.files[level];
            let index = find_file(files, self.internal_key);
            if index < files.len() && !before_file(Some(self.user_key), &files[index]) {
                return Some((level, &files[index]));
            }
        }
        None
    }
}

/// What a table entry found by a get says about `user_key`: NotFound when
/// the entry is for another key. Err when its key is not an internal key.
fn match_entry(
    user_key: &[u8],
    key: &[u8],
    found: &[u8],
    value: &mut Vec<u8>,
) -> Result<Lookup, InternalKeyError> {
    let parsed = parse_internal_key(key)?;
    if parsed.user_key != user_key {
        return Ok(Lookup::NotFound);
    }
    let lookup = match parsed.value_type {
        ValueType::Deletion => return Ok(Lookup::Deleted),
        ValueType::Value => Lookup::Value,
        ValueType::ValuePointer => Lookup::ValuePointer,
    };
    value.clear();
    value.extend_from_slice(found);
    Ok(lookup)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The range queries compactions and flushes ask.
impl Version {
    /// Whether some table of `level` overlaps the user key range
    /// [smallest, largest] (None: unbounded on that side).
    pub fn overlap_in_level(
        &self,
        level: usize,
        smallest_user_key: Option<&[u8]>,
        largest_user_key: Option<&[u8]>,
    ) -> bool {
        some_file_overlaps_range(
            level > 0,
            &self.files[level],
            smallest_user_key,
            largest_user_key,
        )
    }

    /// The level a flushed memtable covering [smallest, largest] (user
    /// keys) goes to: 0 if it overlaps level 0; otherwise pushed down
    /// while the next level has no overlap and the one after it not too
    /// much, up to `MAX_MEM_COMPACT_LEVEL` (saves compactions of fresh
    /// data that does not overlap anything).
    pub fn pick_level_for_memtable_output(
        &self,
        smallest_user_key: &[u8],
        largest_user_key: &[u8],
    ) -> usize {
        let (smallest, largest) = (Some(smallest_user_key), Some(largest_user_key));
        if self.overlap_in_level(0, smallest, largest) {
            return 0;
        }
        let start = InternalKey::new(smallest_user_key, SEQUENCE_NUMBER_MAX, VALUE_TYPE_FOR_SEEK);
        let limit = InternalKey::new(largest_user_key, 0, ValueType::Deletion);
        let mut level = 0;
        while level < super::MAX_MEM_COMPACT_LEVEL {
            if self.overlap_in_level(level + 1, smallest, largest) {
                break;
            }
            if level + 2 < LEVELS {
                let overlaps = self.overlapping_inputs(level + 2, Some(&start), Some(&limit));
                if total_file_size(&overlaps) > self.options.max_grandparent_overlap_bytes() {
                    break;
                }
            }
            level += 1;
        }
        level
    }

    /// The tables of `level` that overlap the user keys of [begin, end]
    /// (None: unbounded). At level 0, where tables overlap each other, the
    /// range grows to cover every table it touches, and the search starts
    /// over until it no longer grows (LevelDB's `GetOverlappingInputs`).
    pub fn overlapping_inputs(
        &self,
        level: usize,
        begin: Option<&InternalKey>,
        end: Option<&InternalKey>,
    ) -> Vec<Arc<TableMeta>> {
        let mut user_begin: Option<Vec<u8>> = begin.map(|key| key.user_key().to_vec());
        let mut user_end: Option<Vec<u8>> = end.map(|key| key.user_key().to_vec());
        let mut inputs = Vec::new();
        let mut index = 0;
        let files = &self.files[level];
        while index < files.len() {
            let file = &files[index];
            index += 1;
            if after_file(user_begin.as_deref(), file) || before_file(user_end.as_deref(), file) {
                continue;
            }
            inputs.push(Arc::clone(file));
            if level != 0 {
                continue;
            }
            let file_start = file.meta.smallest.user_key();
            let file_limit = file.meta.largest.user_key();
            if user_begin
                .as_deref()
                .is_some_and(|begin| file_start < begin)
            {
                user_begin = Some(file_start.to_vec());
                inputs.clear();
                index = 0;
            } else if user_end.as_deref().is_some_and(|end| file_limit > end) {
                user_end = Some(file_limit.to_vec());
                inputs.clear();
                index = 0;
            }
        }
        inputs
    }

    /// About how many bytes of table files come before `internal_key`
    /// (LevelDB's `ApproximateOffsetOf`, for the Db's approximate sizes).
    /// A table that cannot be opened counts as 0 bytes.
    pub fn approximate_offset_of(&self, internal_key: &[u8]) -> u64 {
        let mut bytes = 0;
        for (level, files) in self.files.iter().enumerate() {
            for file in files {
                let meta = &file.meta;
                if compare_internal_keys(meta.largest.encoded(), internal_key) != Ordering::Greater
                {
                    bytes += meta.file_size; // the whole table is before the key
                } else if compare_internal_keys(meta.smallest.encoded(), internal_key)
                    == Ordering::Greater
                {
                    if level > 0 {
                        break; // sorted: every later table is after the key
                    }
                } else if let Ok(table) = self.table_cache.find_table(meta.number, meta.file_size) {
                    bytes += table.approximate_offset_of(internal_key);
                }
            }
        }
        bytes
    }

    /// Appends cursors over every table of this version to `iterators`:
    /// one per level-0 table, one level iterator per other non-empty level.
    /// Merged, they yield every entry (LevelDB's `AddIterators`).
    pub fn add_iterators(&self, read: TableReadOptions, iterators: &mut Vec<BoxedIterator>) {
        for file in &self.files[0] {
            let meta = &file.meta;
            iterators.push(self.table_cache.iter(read, meta.number, meta.file_size));
        }
        for level in 1..LEVELS {
            if !self.files[level].is_empty() {
                let cache = Arc::clone(&self.table_cache);
                let files = self.files[level].clone();
                iterators.push(Box::new(LevelIterator::new(cache, read, files)));
            }
        }
    }
}
