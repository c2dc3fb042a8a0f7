//! Versions of the set of table files: the edits the MANIFEST records
//! (`version_edit`). The version set and compaction picking come later.

pub mod version_edit;

/// Levels of the LSM tree (LevelDB's `config::kNumLevels`).
pub const LEVELS: usize = 7;
