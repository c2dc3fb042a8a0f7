//! Versions of the set of table files (LevelDB's `version_set`): the edits
//! the MANIFEST records (`version_edit`), an immutable set of tables
//! (`version`) built by applying edits (`version_builder`), the version
//! set that recovers from and appends to the MANIFEST (`version_set`), and
//! the choice of what to compact next (`compaction`).
//!
//! Where to start reading: `version_set` (its header lists the contract
//! the Db relies on), then `version` and `compaction`.

pub mod compaction;
pub mod error;
pub mod options;
#[allow(
    clippy::module_inception,
    reason = "LevelDB's layout: db/version_set.h defines Version"
)]
pub mod version;
pub mod version_builder;
pub mod version_edit;
pub mod version_set;

#[cfg(test)]
mod tests;

/// Levels of the LSM tree (LevelDB's `config::kNumLevels`).
pub const LEVELS: usize = 7;
/// Level-0 tables at which a compaction of level 0 starts
/// (`kL0_CompactionTrigger`).
pub const L0_COMPACTION_TRIGGER_FILES: usize = 4;
/// Level-0 tables at which the Db slows each write down by 1 ms
/// (`kL0_SlowdownWritesTrigger`).
pub const L0_SLOWDOWN_WRITES_TRIGGER_FILES: usize = 8;
/// Level-0 tables at which the Db stops writes until a compaction is done
/// (`kL0_StopWritesTrigger`).
pub const L0_STOP_WRITES_TRIGGER_FILES: usize = 12;
/// Deepest level a flushed memtable may be placed at when it overlaps
/// nothing (`kMaxMemCompactLevel`).
pub const MAX_MEM_COMPACT_LEVEL: usize = 2;
/// The Db iterator samples a key for seek statistics about once per this
/// many bytes read (`kReadBytesPeriod`).
pub const READ_BYTES_PERIOD: u64 = 1 << 20;

const _: () = assert!(L0_COMPACTION_TRIGGER_FILES < L0_SLOWDOWN_WRITES_TRIGGER_FILES);
const _: () = assert!(L0_SLOWDOWN_WRITES_TRIGGER_FILES < L0_STOP_WRITES_TRIGGER_FILES);
const _: () = assert!(MAX_MEM_COMPACT_LEVEL + 2 < LEVELS);
