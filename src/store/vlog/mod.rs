//! The value log (WiscKey value separation). Values at or above the Db's
//! threshold are appended once to value-log files `NNNNNN.vlog`, and the
//! tree stores a small [`ValuePointer`] (type `ValuePointer` in dbformat)
//! instead, so compactions never rewrite them and a reader can stream
//! them. The format, the recovery rules and the GC contract the Db must
//! follow are in FORMAT.md in this folder.
//!
//! Pieces: `format` (bytes and pointer), [`VlogWriter`] (appends, rolls,
//! syncs), [`VlogFile`] (whole reads) and [`ValueReader`] (verified
//! streaming reads), [`RecordScanner`] (recovery: valid prefix and torn
//! tail), `gc` ([`rewrite_live`], [`file_usage`]).
//!
//! Thread safety: a `VlogFile` may be shared by any number of threads; a
//! `VlogWriter` has one owner (the Db's write leader or its GC); a
//! `ValueReader` is `Send` and owns its file handle, so it may outlive
//! the Db's lock.

mod error;
mod format;
mod gc;
mod reader;
mod recovery;
mod value_reader;
mod writer;

pub use error::{Corruption, VlogError};
pub use format::{
    FILE_HEADER_BYTES, KEY_BYTES_MAX, PointerError, VALUE_BLOCK_BYTES, VALUE_BYTES_MAX,
    ValuePointer,
};
pub use gc::{FileUsage, Liveness, Relocation, dead_fraction, file_usage, rewrite_live};
pub use reader::VlogFile;
pub use recovery::{RecordScanner, ScanEnd, ScannedRecord, TornReason, iter_records};
pub use value_reader::ValueReader;
pub use writer::{
    BlockFill, FILE_BYTES_TARGET_DEFAULT, FileNumberSource, SEALED_UNSYNCED_FILES_MAX, VlogWriter,
    VlogWriterOptions,
};

use crate::store::env::Env;
use std::io;
use std::path::{Path, PathBuf};

/// Digits of a file number in a file name (more when the number needs).
const FILE_NUMBER_DIGITS_MIN: usize = 6;
/// File name suffix of value-log files.
const FILE_SUFFIX: &str = ".vlog";

/// `dir/NNNNNN.vlog`.
pub fn vlog_file_name(dir: &Path, file_number: u64) -> PathBuf {
    let width = FILE_NUMBER_DIGITS_MIN;
    dir.join(format!("{file_number:0width$}{FILE_SUFFIX}"))
}

/// The file number of a value-log file name (a name, not a path), if it
/// is one.
pub fn parse_vlog_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(FILE_SUFFIX)?;
    if digits.len() < FILE_NUMBER_DIGITS_MIN || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Numbers of the value-log files in `dir`, in increasing order.
pub fn vlog_file_numbers(env: &dyn Env, dir: &Path) -> io::Result<Vec<u64>> {
    let mut numbers: Vec<u64> = env
        .children(dir)?
        .iter()
        .filter_map(|name| parse_vlog_file_name(name))
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

#[cfg(test)]
mod tests;
