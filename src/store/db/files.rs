//! Deleting files no version, WAL or writer needs any more (LevelDB's
//! `RemoveObsoleteFiles`). Value-log files are never deleted here: only
//! value-log GC may delete them, under its own rules.

use super::State;
use crate::store::env::Env;
use crate::store::filename::{self, FileType};
use crate::store::table_cache::TableCache;
use std::path::Path;

/// Removes obsolete WALs, tables and MANIFESTs of `dir`. Errors are
/// ignored: a file left behind is removed at a later call or open.
/// REQUIRES: no background error (after one, nothing may be deleted: a
/// failed edit's inputs may still be live).
pub(super) fn delete_obsolete_files(
    env: &dyn Env,
    dir: &Path,
    table_cache: &TableCache,
    state: &mut State,
) {
    if state.background_error.is_some() {
        return;
    }
    let Ok(children) = env.children(dir) else {
        return;
    };
    let mut live = state.versions.live_files();
    live.extend(state.pending_outputs.iter().copied());
    let log_number = state.versions.log_number();
    let prev_log_number = state.versions.prev_log_number();
    let manifest_number = state.versions.manifest_file_number();
    for name in children {
        let Some((number, kind)) = filename::parse_file_name(&name) else {
            continue;
        };
        let keep = match kind {
            FileType::Log => number >= log_number || number == prev_log_number,
            FileType::Descriptor => number >= manifest_number,
            FileType::Table | FileType::Temp => live.contains(&number),
            FileType::Current | FileType::DbLock | FileType::InfoLog | FileType::ValueLog => true,
        };
        if keep {
            continue;
        }
        if kind == FileType::Table {
            table_cache.evict(number);
        }
        let _ = env.remove(&dir.join(&name));
    }
}
