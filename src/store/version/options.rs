//! The knobs of the version layer, with LevelDB 1.23's defaults and the
//! sizes derived from them. (Write buffer and cache sizes are the Db's.)

use super::LEVELS;

/// LevelDB's default target size of a table written by a compaction.
pub const MAX_FILE_SIZE_DEFAULT_BYTES: u64 = 2 << 20;
/// Total bytes level 1 may hold before it needs compacting (10 MiB).
pub const LEVEL1_MAX_BYTES: u64 = 10 << 20;
/// Each level ≥ 2 may hold this many times its predecessor's bytes.
pub const LEVEL_SIZE_MULTIPLIER: u64 = 10;
/// A compaction output stops when it overlaps this many max file sizes of
/// the grandparent level (keeps the next compaction of it cheap).
pub const GRANDPARENT_OVERLAP_FILE_SIZES: u64 = 10;
/// A compaction grows its level-L inputs only while all inputs stay under
/// this many max file sizes.
pub const EXPANDED_COMPACTION_FILE_SIZES: u64 = 25;
/// One seek costs about as much as compacting this many bytes (LevelDB's
/// estimate: 16 KiB), so a table allows size / this many seeks.
pub const SEEK_COST_BYTES: u64 = 16 * 1024;
/// Seeks every table allows before it is compacted, at least.
pub const ALLOWED_SEEKS_MIN: i64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionOptions {
    /// Target size of a table a compaction writes.
    pub max_file_size_bytes: u64,
    /// Recovery also checks that every live table has the size the
    /// MANIFEST records, and compactions verify block checksums.
    pub paranoid_checks: bool,
}

impl Default for VersionOptions {
    fn default() -> VersionOptions {
        VersionOptions {
            max_file_size_bytes: MAX_FILE_SIZE_DEFAULT_BYTES,
            paranoid_checks: false,
        }
    }
}

impl VersionOptions {
    /// Bytes of grandparent overlap at which a compaction output file is
    /// closed (and above which a move is not trivial).
    pub fn max_grandparent_overlap_bytes(&self) -> u64 {
        GRANDPARENT_OVERLAP_FILE_SIZES * self.max_file_size_bytes
    }

    /// Most bytes of all inputs for which level-L inputs are expanded.
    pub fn expanded_compaction_limit_bytes(&self) -> u64 {
        EXPANDED_COMPACTION_FILE_SIZES * self.max_file_size_bytes
    }
}

/// Total bytes `level` may hold before it needs compacting: 10 MiB for
/// levels 0 and 1 (level 0 is triggered by file count instead), ×10 for
/// each level after. REQUIRES: level < LEVELS.
pub fn max_bytes_for_level(level: usize) -> u64 {
    assert!(level < LEVELS, "level {level} out of range");
    let mut bytes = LEVEL1_MAX_BYTES;
    for _ in 1..level.max(1) {
        bytes *= LEVEL_SIZE_MULTIPLIER;
    }
    bytes
}
