//! What to compact next, and the state of one compaction (LevelDB's
//! `PickCompaction`, `CompactRange`, `SetupOtherInputs` and `Compaction`).
//!
//! Triggers, in LevelDB's order: a level whose score is ≥ 1 (level 0 by
//! file count against `L0_COMPACTION_TRIGGER_FILES`, other levels by bytes
//! against `max_bytes_for_level`), starting after the level's compact
//! pointer and wrapping round, so every key range gets its turn; else a
//! table that used up its allowed seeks.
//!
//! A compaction of level L takes some tables of L (at level 0 every table
//! overlapping them) and every table of L+1 they overlap, grows the L
//! inputs when that adds no L+1 table, and notes the overlapping tables of
//! L+2 (the grandparents) so outputs can be cut before they overlap too
//! much of it.

use super::LEVELS;
use super::version::{TableMeta, Version, total_file_size};
use super::version_edit::VersionEdit;
use crate::store::dbformat::{InternalKey, compare_internal_keys};
use std::cmp::Ordering;
use std::sync::Arc;

/// One compaction: its inputs and the edit that will record its result.
pub struct Compaction {
    level: usize,
    max_output_file_size_bytes: u64,
    max_grandparent_overlap_bytes: u64,
    input_version: Arc<Version>,
    edit: VersionEdit,
    /// Tables of `level` (0) and `level + 1` (1).
    inputs: [Vec<Arc<TableMeta>>; 2],
    /// Tables of `level + 2` overlapping the inputs.
    grandparents: Vec<Arc<TableMeta>>,
    // State of `should_stop_before`.
    grandparent_index: usize,
    seen_key: bool,
    overlapped_bytes: u64,
    /// State of `is_base_level_for_key`: per level, the first table that
    /// may hold the next key asked about (keys are asked in order).
    level_pointers: [usize; LEVELS],
}

impl Compaction {
    fn new(input_version: Arc<Version>, level: usize) -> Compaction {
        assert!(level + 1 < LEVELS, "level {level} cannot be compacted");
        let options = *input_version.options();
        Compaction {
            level,
            max_output_file_size_bytes: options.max_file_size_bytes,
            max_grandparent_overlap_bytes: options.max_grandparent_overlap_bytes(),
            input_version,
            edit: VersionEdit::new(),
            inputs: Default::default(),
            grandparents: Vec::new(),
            grandparent_index: 0,
            seen_key: false,
            overlapped_bytes: 0,
            level_pointers: [0; LEVELS],
        }
    }

    /// The level compacted; outputs go to `level() + 1`.
    pub fn level(&self) -> usize {
        self.level
    }

    /// The edit to pass to `log_and_apply` (it carries the new compact
    /// pointer; add the deletions and outputs to it).
    pub fn edit(&mut self) -> &mut VersionEdit {
        &mut self.edit
    }

    /// Inputs at `level() + which`. REQUIRES: which < 2.
    pub fn inputs(&self, which: usize) -> &[Arc<TableMeta>] {
        &self.inputs[which]
    }

    pub fn num_input_files(&self, which: usize) -> usize {
        self.inputs[which].len()
    }

    pub fn grandparents(&self) -> &[Arc<TableMeta>] {
        &self.grandparents
    }

    /// The version the inputs come from (held until the compaction ends).
    pub fn input_version(&self) -> &Arc<Version> {
        &self.input_version
    }

    /// Outputs are cut at about this size.
    pub fn max_output_file_size_bytes(&self) -> u64 {
        self.max_output_file_size_bytes
    }

    /// Whether the compaction can move its one input table down a level
    /// by an edit alone: no table of the next level overlaps it, and it
    /// does not overlap so much of the grandparents that the next
    /// compaction of it would be expensive.
    pub fn is_trivial_move(&self) -> bool {
        self.inputs[0].len() == 1
            && self.inputs[1].is_empty()
            && total_file_size(&self.grandparents) <= self.max_grandparent_overlap_bytes
    }

    /// Adds the removal of every input table to `edit`.
    pub fn add_input_deletions(&self, edit: &mut VersionEdit) {
        for (which, inputs) in self.inputs.iter().enumerate() {
            for file in inputs {
                edit.remove_file(self.level + which, file.meta.number);
            }
        }
    }

    /// Whether no level below the output level holds `user_key`, so a
    /// deletion of it can be dropped. REQUIRES: called with user keys in
    /// increasing order.
    pub fn is_base_level_for_key(&mut self, user_key: &[u8]) -> bool {
        for level in self.level + 2..LEVELS {
            let files = self.input_version.files(level);
            while let Some(file) = files.get(self.level_pointers[level]) {
                if user_key <= file.meta.largest.user_key() {
                    if user_key >= file.meta.smallest.user_key() {
                        return false; // the key falls in this table
                    }
                    break;
                }
                self.level_pointers[level] += 1;
            }
        }
        true
    }

    /// Whether the output table should be closed before `internal_key`
    /// because it already overlaps too many grandparent bytes.
    /// REQUIRES: called with keys in increasing order.
    pub fn should_stop_before(&mut self, internal_key: &[u8]) -> bool {
        while let Some(file) = self.grandparents.get(self.grandparent_index) {
            let order = compare_internal_keys(internal_key, file.meta.largest.encoded());
            if order != Ordering::Greater {
                break;
            }
            if self.seen_key {
                self.overlapped_bytes += file.meta.file_size;
            }
            self.grandparent_index += 1;
        }
        self.seen_key = true;
        if self.overlapped_bytes > self.max_grandparent_overlap_bytes {
            self.overlapped_bytes = 0;
            return true;
        }
        false
    }
}

/// The smallest and largest internal keys of `files`. REQUIRES: not empty.
fn range_of<'a>(files: impl Iterator<Item = &'a Arc<TableMeta>>) -> (InternalKey, InternalKey) {
    let mut range: Option<(&InternalKey, &InternalKey)> = None;
    for file in files {
        let (smallest, largest) = (&file.meta.smallest, &file.meta.largest);
        range = Some(match range {
            None => (smallest, largest),
            Some((low, high)) => (
                min_key(low, smallest),
                if compare_internal_keys(largest.encoded(), high.encoded()) == Ordering::Greater {
                    largest
                } else {
                    high
                },
            ),
        });
    }
    let (smallest, largest) = range.expect("range of no files");
    (smallest.clone(), largest.clone())
}

fn min_key<'a>(a: &'a InternalKey, b: &'a InternalKey) -> &'a InternalKey {
    if compare_internal_keys(b.encoded(), a.encoded()) == Ordering::Less {
        b
    } else {
        a
    }
}

/// Adds to `inputs` every table of the level that starts with the same
/// user key as the inputs' largest key ends with (LevelDB 1.23's
/// `AddBoundaryInputs`): otherwise a newer version of a key could move
/// down a level while an older one stays, and a get would read the older.
fn add_boundary_inputs(level_files: &[Arc<TableMeta>], inputs: &mut Vec<Arc<TableMeta>>) {
    if inputs.is_empty() {
        return;
    }
    let (_, mut largest) = range_of(inputs.iter());
    loop {
        let boundary = level_files
            .iter()
            .filter(|file| {
                compare_internal_keys(file.meta.smallest.encoded(), largest.encoded())
                    == Ordering::Greater
                    && file.meta.smallest.user_key() == largest.user_key()
            })
            .min_by(|a, b| {
                compare_internal_keys(a.meta.smallest.encoded(), b.meta.smallest.encoded())
            });
        match boundary {
            Some(file) => {
                largest = file.meta.largest.clone();
                inputs.push(Arc::clone(file));
            }
            None => return,
        }
    }
}

/// Where each level's next size compaction starts.
pub type CompactPointers = [Option<InternalKey>; LEVELS];

/// The compaction `current` needs most, if any (LevelDB's
/// `PickCompaction`); moves the level's compact pointer past it.
pub fn pick_compaction(
    current: &Arc<Version>,
    pointers: &mut CompactPointers,
) -> Option<Compaction> {
    let (level, first) = if current.compaction_score() >= 1.0 {
        let level = current.compaction_level();
        let files = current.files(level);
        let pointer = pointers[level].as_ref();
        let after_pointer = files.iter().find(|file| {
            pointer.is_none_or(|key| {
                compare_internal_keys(file.meta.largest.encoded(), key.encoded())
                    == Ordering::Greater
            })
        });
        // Wrap round to the start of the key space.
        (level, Arc::clone(after_pointer.or(files.first())?))
    } else {
        current.file_to_compact()?
    };
    let mut compaction = Compaction::new(Arc::clone(current), level);
    compaction.inputs[0] = vec![first];
    if level == 0 {
        // Level-0 tables overlap: take every one the pick overlaps.
        let (smallest, largest) = range_of(compaction.inputs[0].iter());
        compaction.inputs[0] = current.overlapping_inputs(0, Some(&smallest), Some(&largest));
        assert!(!compaction.inputs[0].is_empty());
    }
    setup_other_inputs(&mut compaction, pointers);
    Some(compaction)
}

/// A compaction of the tables of `level` overlapping [begin, end] (None:
/// unbounded), for a manual compaction (LevelDB's `CompactRange`). Above
/// level 0 it takes only about one output file's worth of tables, so a
/// manual compaction of a large range proceeds in steps.
pub fn compact_range(
    current: &Arc<Version>,
    pointers: &mut CompactPointers,
    level: usize,
    begin: Option<&InternalKey>,
    end: Option<&InternalKey>,
) -> Option<Compaction> {
    let mut inputs = current.overlapping_inputs(level, begin, end);
    if inputs.is_empty() {
        return None;
    }
    if level > 0 {
        let limit_bytes = current.options().max_file_size_bytes;
        let mut total_bytes = 0;
        if let Some(cut) = inputs.iter().position(|file| {
            total_bytes += file.meta.file_size;
            total_bytes >= limit_bytes
        }) {
            inputs.truncate(cut + 1);
        }
    }
    let mut compaction = Compaction::new(Arc::clone(current), level);
    compaction.inputs[0] = inputs;
    setup_other_inputs(&mut compaction, pointers);
    Some(compaction)
}

/// Chooses the level+1 inputs, grows the level inputs when that adds no
/// level+1 table and stays under the size limit, finds the grandparents,
/// and moves the compact pointer (LevelDB's `SetupOtherInputs`).
fn setup_other_inputs(compaction: &mut Compaction, pointers: &mut CompactPointers) {
    let level = compaction.level;
    let version = Arc::clone(&compaction.input_version);
    let inputs = &mut compaction.inputs;
    add_boundary_inputs(version.files(level), &mut inputs[0]);
    let (smallest, mut largest) = range_of(inputs[0].iter());
    inputs[1] = next_level_inputs(&version, level + 1, &smallest, &largest);
    let (mut all_start, mut all_limit) = range_of(inputs[0].iter().chain(&inputs[1]));
    if !inputs[1].is_empty() {
        let mut expanded0 = version.overlapping_inputs(level, Some(&all_start), Some(&all_limit));
        add_boundary_inputs(version.files(level), &mut expanded0);
        let expanded_bytes = total_file_size(&inputs[1]) + total_file_size(&expanded0);
        let limit_bytes = version.options().expanded_compaction_limit_bytes();
        if expanded0.len() > inputs[0].len() && expanded_bytes < limit_bytes {
            let (new_start, new_limit) = range_of(expanded0.iter());
            let expanded1 = next_level_inputs(&version, level + 1, &new_start, &new_limit);
            if expanded1.len() == inputs[1].len() {
                largest = new_limit;
                inputs[0] = expanded0;
                inputs[1] = expanded1;
                (all_start, all_limit) = range_of(inputs[0].iter().chain(&inputs[1]));
            }
        }
    }
    if level + 2 < LEVELS {
        compaction.grandparents =
            version.overlapping_inputs(level + 2, Some(&all_start), Some(&all_limit));
    }
    // The next compaction of this level starts after these inputs; the
    // pointer is updated now, not when the edit applies, so that a failed
    // compaction is not retried forever on the same range.
    pointers[level] = Some(largest.clone());
    compaction.edit.set_compact_pointer(level, largest);
}

fn next_level_inputs(
    version: &Version,
    level: usize,
    smallest: &InternalKey,
    largest: &InternalKey,
) -> Vec<Arc<TableMeta>> {
    let mut inputs = version.overlapping_inputs(level, Some(smallest), Some(largest));
    add_boundary_inputs(version.files(level), &mut inputs);
    inputs
}
