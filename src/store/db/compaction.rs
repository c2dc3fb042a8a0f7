//! Compactions (LevelDB's `BackgroundCompaction`, `DoCompactionWork`,
//! `CompactRange`): a trivial move when a table can just change level;
//! else merge the inputs, dropping every entry hidden by a newer one of
//! the same key that even the oldest snapshot cannot see, and deletions
//! with nothing beneath them; cut outputs at the file size target and
//! at too much grandparent overlap; install with one edit.

use super::error::{Result, StoreError};
use super::files::delete_obsolete_files;
use super::{DbInner, State, lock, wait};
use crate::store::dbformat::parse_internal_key;
use crate::store::dbformat::{
    InternalKey, SEQUENCE_NUMBER_MAX, SequenceNumber, VALUE_TYPE_FOR_SEEK, ValueType,
};
use crate::store::filename;
use crate::store::iter::InternalIterator;
use crate::store::table::table_builder::TableBuilder;
use crate::store::version::LEVELS;
use crate::store::version::compaction::Compaction;
use crate::store::version::version_edit::FileMetaData;
use std::sync::MutexGuard;

/// Entries merged between checks for an immutable memtable to flush
/// first (a flush unblocks writers; a compaction can wait).
const IMM_CHECK_INTERVAL_ENTRIES: u64 = 1000;

/// A manual compaction asked for by `compact_range`.
pub(super) struct ManualCompaction {
    pub(super) level: usize,
    pub(super) begin: Option<InternalKey>,
    pub(super) end: Option<InternalKey>,
    pub(super) done: bool,
}

/// One output table being written.
struct Output {
    number: u64,
    builder: TableBuilder<Box<dyn crate::store::env::WritableFile>>,
    smallest: Vec<u8>,
    largest: Vec<u8>,
}

/// What the merge decides for each entry (LevelDB's drop rules).
struct DropRule {
    smallest_snapshot: SequenceNumber,
    current_user_key: Option<Vec<u8>>,
    last_sequence_for_key: SequenceNumber,
}

impl DropRule {
    /// Whether the entry can be dropped. `is_base` says whether no level
    /// below the output holds the key.
    fn drops(
        &mut self,
        user_key: &[u8],
        sequence: SequenceNumber,
        value_type: ValueType,
        is_base: impl FnOnce(&[u8]) -> bool,
    ) -> bool {
        if self.current_user_key.as_deref() != Some(user_key) {
            // Reuse the key's buffer: a new key per entry is the common
            // case, and an allocation for each was a cost of every merge.
            let current = self.current_user_key.get_or_insert_with(Vec::new);
            current.clear();
            current.extend_from_slice(user_key);
            self.last_sequence_for_key = SEQUENCE_NUMBER_MAX;
        }
        let drop = if self.last_sequence_for_key <= self.smallest_snapshot {
            true // hidden by a newer entry every reader sees
        } else {
            value_type == ValueType::Deletion
                && sequence <= self.smallest_snapshot
                && is_base(user_key)
        };
        self.last_sequence_for_key = sequence;
        drop
    }
}

impl DbInner {
    /// Runs one compaction (manual first, else the one most needed).
    pub(super) fn compact_once<'a>(
        &'a self,
        mut state: MutexGuard<'a, State>,
    ) -> MutexGuard<'a, State> {
        let manual = state
            .manual
            .as_ref()
            .filter(|manual| !manual.done)
            .map(|manual| (manual.level, manual.begin.clone(), manual.end.clone()));
        let compaction = match &manual {
            Some((level, begin, end)) => {
                state
                    .versions
                    .compact_range(*level, begin.as_ref(), end.as_ref())
            }
            None => state.versions.pick_compaction(),
        };
        if let Some(manual_state) = state.manual.as_mut().filter(|_| manual.is_some()) {
            match &compaction {
                None => manual_state.done = true,
                Some(compaction) => {
                    let inputs = compaction.inputs(0);
                    let last = inputs.last().expect("a compaction has inputs");
                    manual_state.begin = Some(last.meta.largest.clone());
                }
            }
        }
        let Some(compaction) = compaction else {
            return state;
        };
        let (result, returned) = if manual.is_none() && compaction.is_trivial_move() {
            let result = trivial_move(&mut state, compaction);
            (result, state)
        } else {
            self.merge(state, compaction)
        };
        state = returned;
        match result {
            Ok(()) => delete_obsolete_files(&*self.env, &self.dir, &self.table_cache, &mut state),
            Err(error) => {
                if let Some(manual) = state.manual.as_mut() {
                    manual.done = true;
                }
                self.record_background_error(&mut state, error);
            }
        }
        state
    }

    /// Merges the inputs into new tables of the next level, without the
    /// lock except to number outputs and to install the result.
    fn merge<'a>(
        &'a self,
        state: MutexGuard<'a, State>,
        mut compaction: Compaction,
    ) -> (Result<()>, MutexGuard<'a, State>) {
        let smallest_snapshot = lock(&self.snapshots)
            .oldest()
            .unwrap_or(state.versions.last_sequence());
        let mut input = state.versions.make_input_iterator(&compaction);
        drop(state);
        let mut outputs = Vec::new();
        let mut rule = DropRule {
            smallest_snapshot,
            current_user_key: None,
            last_sequence_for_key: SEQUENCE_NUMBER_MAX,
        };
        let merged = self.merge_entries(&mut input, &mut compaction, &mut rule, &mut outputs);
        let synced = merged.and_then(|()| {
            self.env
                .sync_dir(&self.dir)
                .map_err(|error| StoreError::io(&self.dir, "sync", &error))
        });
        let mut state = lock(&self.state);
        let result = match synced {
            Err(error) => Err(error),
            Ok(()) => {
                let level = compaction.level();
                let mut edit = compaction.edit().clone();
                for meta in &outputs {
                    edit.add_file(level + 1, meta.clone());
                }
                compaction.add_input_deletions(&mut edit);
                let (result, relocked) = self.apply_edit(state, &mut edit);
                state = relocked;
                result
            }
        };
        for meta in &outputs {
            state.pending_outputs.remove(&meta.number);
        }
        (result, state)
    }

    fn merge_entries(
        &self,
        input: &mut dyn InternalIterator,
        compaction: &mut Compaction,
        rule: &mut DropRule,
        outputs: &mut Vec<FileMetaData>,
    ) -> Result<()> {
        let mut output: Option<Output> = None;
        let mut entries: u64 = 0;
        input.seek_to_first();
        let result = (|| {
            while input.valid() {
                entries += 1;
                if entries.is_multiple_of(IMM_CHECK_INTERVAL_ENTRIES) {
                    self.flush_imm_if_any()?;
                }
                let key = input.key();
                if output.is_some() && compaction.should_stop_before(key) {
                    outputs.push(self.finish_output(output.take().expect("checked"))?);
                }
                let parsed = parse_internal_key(key).map_err(|error| {
                    StoreError::corruption(&self.dir, 0, format!("compaction input: {error}"))
                })?;
                let (user_key, sequence, value_type) =
                    (parsed.user_key, parsed.sequence, parsed.value_type);
                if !rule.drops(user_key, sequence, value_type, |key| {
                    compaction.is_base_level_for_key(key)
                }) {
                    let current = match &mut output {
                        Some(current) => current,
                        None => output.insert(self.open_output()?),
                    };
                    self.add_to_output(current, key, input.value())?;
                    if current.builder.file_size_bytes() >= compaction.max_output_file_size_bytes()
                    {
                        outputs.push(self.finish_output(output.take().expect("checked"))?);
                    }
                }
                input.next();
            }
            input.status()?;
            if let Some(last) = output.take() {
                outputs.push(self.finish_output(last)?);
            }
            Ok(())
        })();
        if let Some(mut abandoned) = output {
            abandoned.builder.abandon();
            let _ = self
                .env
                .remove(&filename::table_file_name(&self.dir, abandoned.number));
        }
        if result.is_err() {
            for meta in outputs.iter() {
                let _ = self
                    .env
                    .remove(&filename::table_file_name(&self.dir, meta.number));
            }
        }
        result
    }

    fn flush_imm_if_any(&self) -> Result<()> {
        let state = lock(&self.state);
        if state.imm.is_none() {
            return Ok(());
        }
        let state = self.flush_imm(state, true);
        self.work_done.notify_all();
        match &state.background_error {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }

    fn open_output(&self) -> Result<Output> {
        let number = {
            let mut state = lock(&self.state);
            let number = state.versions.new_file_number();
            state.pending_outputs.insert(number);
            number
        };
        let path = filename::table_file_name(&self.dir, number);
        let file = self
            .env
            .new_writable(&path)
            .map_err(|error| StoreError::io(&path, "create", &error))?;
        let options = self.table_cache.options().clone();
        Ok(Output {
            number,
            builder: TableBuilder::new(options, file),
            smallest: Vec::new(),
            largest: Vec::new(),
        })
    }

    fn add_to_output(&self, output: &mut Output, key: &[u8], value: &[u8]) -> Result<()> {
        if output.builder.num_entries() == 0 {
            output.smallest = key.to_vec();
        }
        output.largest.clear();
        output.largest.extend_from_slice(key);
        // The file name is formatted only on an error: once per entry, it
        // cost about a tenth of a compaction.
        output.builder.add(key, value).map_err(|error| {
            let path = filename::table_file_name(&self.dir, output.number);
            StoreError::io(&path, "write", &error)
        })
    }

    fn finish_output(&self, mut output: Output) -> Result<FileMetaData> {
        let path = filename::table_file_name(&self.dir, output.number);
        let io_error = |error: std::io::Error| StoreError::io(&path, "write", &error);
        let file_size = output.builder.finish().map_err(io_error)?;
        output.builder.file_mut().sync().map_err(io_error)?;
        let decode = |key: &[u8]| {
            InternalKey::decode(key)
                .map_err(|error| StoreError::corruption(&path, 0, format!("bad key: {error}")))
        };
        Ok(FileMetaData {
            number: output.number,
            file_size,
            smallest: decode(&output.smallest)?,
            largest: decode(&output.largest)?,
        })
    }
}

impl DbInner {
    pub(super) fn compact_range(&self, begin: Option<&[u8]>, end: Option<&[u8]>) -> Result<()> {
        self.flush_memtable()?;
        let max_level = {
            let state = lock(&self.state);
            let current = state.versions.current();
            (1..LEVELS)
                .filter(|&level| current.overlap_in_level(level, begin, end))
                .max()
                .unwrap_or(1)
        };
        let begin =
            begin.map(|key| InternalKey::new(key, SEQUENCE_NUMBER_MAX, VALUE_TYPE_FOR_SEEK));
        let end = end.map(|key| InternalKey::new(key, 0, ValueType::Deletion));
        for level in 0..max_level {
            self.run_manual(ManualCompaction {
                level,
                begin: begin.clone(),
                end: end.clone(),
                done: false,
            })?;
        }
        Ok(())
    }

    /// Hands a manual compaction to the background thread and waits
    /// until it is done.
    fn run_manual(&self, manual: ManualCompaction) -> Result<()> {
        let mut state = lock(&self.state);
        while state.manual.is_some() && state.background_error.is_none() {
            state = wait(&self.work_done, state);
        }
        state.manual = Some(manual);
        self.work_wanted.notify_all();
        loop {
            if let Some(error) = state.background_error.clone() {
                state.manual = None;
                return Err(error);
            }
            if state.shutting_down {
                state.manual = None;
                return Err(StoreError::WriteFailed {
                    cause: "the store is closed".into(),
                });
            }
            if state.manual.as_ref().is_some_and(|manual| manual.done) {
                state.manual = None;
                self.work_done.notify_all();
                return Ok(());
            }
            state = wait(&self.work_done, state);
        }
    }
}

/// Moves the compaction's one input table down a level by an edit.
fn trivial_move(state: &mut State, mut compaction: Compaction) -> Result<()> {
    let level = compaction.level();
    let file = std::sync::Arc::clone(&compaction.inputs(0)[0]);
    let edit = compaction.edit();
    edit.remove_file(level, file.meta.number);
    edit.add_file(level + 1, file.meta.clone());
    state.versions.log_and_apply(edit).map_err(StoreError::from)
}
