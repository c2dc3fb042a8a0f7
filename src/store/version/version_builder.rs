//! Applies version edits to a base version (LevelDB's
//! `VersionSet::Builder`), without building the intermediate versions:
//! recovery applies every edit of the MANIFEST to one builder.
//!
//! Tables kept from the base keep their `Arc<TableMeta>` (and so their
//! seek statistics). `build` checks the version invariants and returns
//! the problem instead of panicking: edits may come from disk.

use super::LEVELS;
use super::error::EditProblem;
use super::version::{TableMeta, Version};
use super::version_edit::VersionEdit;
use crate::store::dbformat::compare_internal_keys;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub struct VersionBuilder {
    /// The tables of each level, by file number.
    levels: [HashMap<u64, Arc<TableMeta>>; LEVELS],
}

impl VersionBuilder {
    pub fn new(base: &Version) -> VersionBuilder {
        let levels = std::array::from_fn(|level| {
            base.files(level)
                .iter()
                .map(|file| (file.meta.number, Arc::clone(file)))
                .collect()
        });
        VersionBuilder { levels }
    }

    /// Removes the edit's deleted tables, then adds its new ones (a table
    /// both deleted and added by one edit stays). Deleting a table that is
    /// not there does nothing, as in LevelDB.
    pub fn apply(&mut self, edit: &VersionEdit) {
        for &(level, number) in &edit.deleted_files {
            self.levels[level].remove(&number);
        }
        for (level, file) in &edit.new_files {
            let table = Arc::new(TableMeta::new(file.clone()));
            self.levels[*level].insert(file.number, table);
        }
    }

    /// The tables of each level in order (by smallest key, then number),
    /// checked: no number twice, no inverted range, no overlap at levels
    /// ≥ 1.
    pub fn build(&self) -> Result<[Vec<Arc<TableMeta>>; LEVELS], EditProblem> {
        let mut seen = HashSet::new();
        let mut levels: [Vec<Arc<TableMeta>>; LEVELS] = Default::default();
        for (level, tables) in self.levels.iter().enumerate() {
            let mut files: Vec<Arc<TableMeta>> = tables.values().cloned().collect();
            files.sort_by(|a, b| {
                compare_internal_keys(a.meta.smallest.encoded(), b.meta.smallest.encoded())
                    .then(a.meta.number.cmp(&b.meta.number))
            });
            for file in &files {
                let number = file.meta.number;
                if !seen.insert(number) {
                    return Err(EditProblem::DuplicateTable { number });
                }
                let order = compare_internal_keys(
                    file.meta.smallest.encoded(),
                    file.meta.largest.encoded(),
                );
                if order == Ordering::Greater {
                    return Err(EditProblem::InvertedRange { number });
                }
            }
            if level > 0 {
                check_disjoint(level, &files)?;
            }
            levels[level] = files;
        }
        Ok(levels)
    }
}

fn check_disjoint(level: usize, files: &[Arc<TableMeta>]) -> Result<(), EditProblem> {
    for pair in files.windows(2) {
        let order = compare_internal_keys(
            pair[0].meta.largest.encoded(),
            pair[1].meta.smallest.encoded(),
        );
        if order != Ordering::Less {
            let number = pair[1].meta.number;
            return Err(EditProblem::OverlappingTables { level, number });
        }
    }
    Ok(())
}
