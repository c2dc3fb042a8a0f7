//! The background thread: flushes the immutable memtable to a level-0
//! table (LevelDB's `CompactMemTable` and `WriteLevel0Table`), and runs
//! compactions. One thread; errors are remembered and returned to every
//! later writer.

use super::error::{Result, StoreError};
use super::files::delete_obsolete_files;
use super::table_file::build_table;
use super::{DbInner, State, lock, wait};
use crate::store::version::version_edit::VersionEdit;
use std::sync::{Arc, MutexGuard};
use std::thread::JoinHandle;

/// Starts the background thread of `inner`.
pub(super) fn spawn(inner: &Arc<DbInner>) -> Result<JoinHandle<()>> {
    let inner = Arc::clone(inner);
    std::thread::Builder::new()
        .name("strata-store-background".into())
        .spawn(move || background_loop(&inner))
        .map_err(|error| StoreError::io("strata-store-background", "spawn", &error))
}

fn background_loop(inner: &DbInner) {
    let mut state = lock(&inner.state);
    loop {
        if state.shutting_down {
            break;
        }
        if state.background_error.is_some() {
            state = wait(&inner.work_wanted, state);
            continue;
        }
        if state.imm.is_some() {
            state = inner.flush_imm(state, false);
        } else if state.manual.as_ref().is_some_and(|manual| !manual.done)
            || state.versions.needs_compaction()
        {
            state = inner.compact_once(state);
        } else {
            state = wait(&inner.work_wanted, state);
            continue;
        }
        inner.work_done.notify_all();
    }
    inner.work_done.notify_all();
}

impl DbInner {
    /// Writes the immutable memtable to a table without the lock, then
    /// records it (and the WAL it replaces) in the MANIFEST.
    ///
    /// With `level0_only` (a flush in the middle of a compaction) the
    /// table goes to level 0: the compaction's outputs are not in the
    /// version yet, so a deeper placement could overlap them.
    pub(super) fn flush_imm<'a>(
        &'a self,
        mut state: MutexGuard<'a, State>,
        level0_only: bool,
    ) -> MutexGuard<'a, State> {
        let imm = Arc::clone(
            state
                .imm
                .as_ref()
                .expect("called with an immutable memtable"),
        );
        let number = state.versions.new_file_number();
        state.pending_outputs.insert(number);
        drop(state);
        let options = self.table_cache.options().clone();
        let built = build_table(&*self.env, &self.dir, &options, &mut imm.iter(), number);
        let mut state = lock(&self.state);
        let result = match built {
            Err(error) => Err(error),
            Ok(meta) => {
                let mut edit = VersionEdit::new();
                if let Some(meta) = meta {
                    let level = if level0_only {
                        0
                    } else {
                        let current = state.versions.current();
                        let (smallest, largest) =
                            (meta.smallest.user_key(), meta.largest.user_key());
                        current.pick_level_for_memtable_output(smallest, largest)
                    };
                    edit.add_file(level, meta);
                }
                edit.log_number = Some(state.wal_number);
                edit.prev_log_number = Some(0);
                let (result, relocked) = self.apply_edit(state, &mut edit);
                state = relocked;
                result
            }
        };
        state.pending_outputs.remove(&number);
        match result {
            Ok(()) => {
                state.imm = None;
                delete_obsolete_files(&*self.env, &self.dir, &self.table_cache, &mut state);
                // Value-log GC runs a bounded pass after each flush: the
                // WALs its last batches went to may be obsolete now, and
                // a memtable of overwrites and deletes made garbage.
                state.gc_request.after_flush();
                self.gc_wanted.notify_all();
            }
            Err(error) => self.record_background_error(&mut state, error),
        }
        state
    }

    /// Records `edit` in the MANIFEST and installs it, without holding
    /// the lock during the MANIFEST write and sync, so reads and writes
    /// go on meanwhile (version_set contract 2). Only the background
    /// thread applies edits once the Db is open, so no two are pending.
    pub(super) fn apply_edit<'a>(
        &'a self,
        mut state: MutexGuard<'a, State>,
        edit: &mut VersionEdit,
    ) -> (Result<()>, MutexGuard<'a, State>) {
        let mut pending = state.versions.begin_apply(edit);
        drop(state);
        pending.write();
        let mut state = lock(&self.state);
        let result = state
            .versions
            .finish_apply(pending)
            .map_err(StoreError::from);
        (result, state)
    }

    pub(super) fn record_background_error(&self, state: &mut State, error: StoreError) {
        state
            .background_error
            .get_or_insert(StoreError::WriteFailed {
                cause: error.to_string(),
            });
    }

    pub(super) fn wait_for_flush(&self) -> Result<()> {
        let mut state = lock(&self.state);
        while state.imm.is_some() && state.background_error.is_none() && !state.shutting_down {
            state = wait(&self.work_done, state);
        }
        match &state.background_error {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }
}
