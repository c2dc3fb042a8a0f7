//! The names of the files in a store's directory (LevelDB's `filename`):
//! `NNNNNN.log` (write-ahead logs), `NNNNNN.ldb` (tables; `.sst` is read
//! too), `NNNNNN.vlog` (value logs, named by `store::vlog`),
//! `MANIFEST-NNNNNN`, `CURRENT`, `LOCK`, `LOG`, `LOG.old` and temporary
//! `NNNNNN.dbtmp` files; `parse_file_name` tells them apart.
//!
//! `set_current_file` switches CURRENT to a new MANIFEST atomically and
//! durably: a crash leaves CURRENT naming the old or the new one, whole.

use crate::store::env::{self, Env};
use crate::store::vlog;
use std::io;
use std::path::{Path, PathBuf};

/// Digits of a file number in a name (more when the number needs them).
pub const FILE_NUMBER_DIGITS_MIN: usize = 6;

/// What a file in the store's directory is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// A write-ahead log, `NNNNNN.log`.
    Log,
    /// The lock file, `LOCK`.
    DbLock,
    /// A table, `NNNNNN.ldb` or (LevelDB before 1.14) `NNNNNN.sst`.
    Table,
    /// A MANIFEST, `MANIFEST-NNNNNN`.
    Descriptor,
    /// `CURRENT`, the name of the live MANIFEST.
    Current,
    /// A file being written before a rename, `NNNNNN.dbtmp`.
    Temp,
    /// The human-readable info log, `LOG` or `LOG.old`.
    InfoLog,
    /// A value-log file, `NNNNNN.vlog`.
    ValueLog,
}

const LOG_SUFFIX: &str = "log";
const TABLE_SUFFIX: &str = "ldb";
const SST_TABLE_SUFFIX: &str = "sst";
const TEMP_SUFFIX: &str = "dbtmp";
const DESCRIPTOR_PREFIX: &str = "MANIFEST-";
const CURRENT_NAME: &str = "CURRENT";
const LOCK_NAME: &str = "LOCK";
const INFO_LOG_NAME: &str = "LOG";
const OLD_INFO_LOG_NAME: &str = "LOG.old";

fn numbered(dir: &Path, number: u64, suffix: &str) -> PathBuf {
    let width = FILE_NUMBER_DIGITS_MIN;
    dir.join(format!("{number:0width$}.{suffix}"))
}

/// `dir/NNNNNN.log`.
pub fn log_file_name(dir: &Path, number: u64) -> PathBuf {
    numbered(dir, number, LOG_SUFFIX)
}

/// `dir/NNNNNN.ldb`, the name strata writes tables under.
pub fn table_file_name(dir: &Path, number: u64) -> PathBuf {
    numbered(dir, number, TABLE_SUFFIX)
}

/// `dir/NNNNNN.sst`, the name older LevelDB wrote tables under.
pub fn sst_table_file_name(dir: &Path, number: u64) -> PathBuf {
    numbered(dir, number, SST_TABLE_SUFFIX)
}

/// `dir/NNNNNN.dbtmp`.
pub fn temp_file_name(dir: &Path, number: u64) -> PathBuf {
    numbered(dir, number, TEMP_SUFFIX)
}

/// `dir/NNNNNN.vlog` (the value log's own naming).
pub fn vlog_file_name(dir: &Path, number: u64) -> PathBuf {
    vlog::vlog_file_name(dir, number)
}

/// `dir/MANIFEST-NNNNNN`.
pub fn descriptor_file_name(dir: &Path, number: u64) -> PathBuf {
    dir.join(descriptor_name(number))
}

fn descriptor_name(number: u64) -> String {
    let width = FILE_NUMBER_DIGITS_MIN;
    format!("{DESCRIPTOR_PREFIX}{number:0width$}")
}

pub fn current_file_name(dir: &Path) -> PathBuf {
    dir.join(CURRENT_NAME)
}

pub fn lock_file_name(dir: &Path) -> PathBuf {
    dir.join(LOCK_NAME)
}

pub fn info_log_file_name(dir: &Path) -> PathBuf {
    dir.join(INFO_LOG_NAME)
}

pub fn old_info_log_file_name(dir: &Path) -> PathBuf {
    dir.join(OLD_INFO_LOG_NAME)
}

/// A decimal number made only of ASCII digits (no sign, no spaces), if it
/// fits in a u64.
fn parse_number(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The number and type of a file name (a name, not a path); None for a
/// name the store does not own. Fixed names have number 0.
pub fn parse_file_name(name: &str) -> Option<(u64, FileType)> {
    match name {
        CURRENT_NAME => return Some((0, FileType::Current)),
        LOCK_NAME => return Some((0, FileType::DbLock)),
        INFO_LOG_NAME | OLD_INFO_LOG_NAME => return Some((0, FileType::InfoLog)),
        _ => {}
    }
    if let Some(digits) = name.strip_prefix(DESCRIPTOR_PREFIX) {
        return Some((parse_number(digits)?, FileType::Descriptor));
    }
    if let Some(number) = vlog::parse_vlog_file_name(name) {
        return Some((number, FileType::ValueLog));
    }
    let (digits, suffix) = name.split_once('.')?;
    let number = parse_number(digits)?;
    let file_type = match suffix {
        LOG_SUFFIX => FileType::Log,
        TABLE_SUFFIX | SST_TABLE_SUFFIX => FileType::Table,
        TEMP_SUFFIX => FileType::Temp,
        _ => return None,
    };
    Some((number, file_type))
}

/// Makes CURRENT name `MANIFEST-<descriptor_number>`: writes the name and
/// a newline to a temporary file, syncs it, renames it over CURRENT and
/// syncs the directory. On failure the temporary file is removed (as far
/// as possible) and CURRENT is the old one, or, after a crash, whichever
/// of the two the disk kept — never a torn mix.
pub fn set_current_file(env: &dyn Env, dir: &Path, descriptor_number: u64) -> io::Result<()> {
    let mut contents = descriptor_name(descriptor_number).into_bytes();
    contents.push(b'\n');
    let temp = temp_file_name(dir, descriptor_number);
    let result = env::write_file(env, &temp, &contents, true)
        .and_then(|()| env.rename(&temp, &current_file_name(dir)))
        .and_then(|()| env.sync_dir(dir));
    if result.is_err() {
        // Best effort: the rename may have happened, then temp is gone.
        let _ = env.remove(&temp);
    }
    result
}

/// The MANIFEST name CURRENT holds, checked: it must end with a newline
/// and name a `MANIFEST-NNNNNN`. Err(reason) for anything else.
pub fn parse_current_contents(contents: &[u8]) -> Result<(String, u64), &'static str> {
    let Some(name) = contents.strip_suffix(b"\n") else {
        return Err("CURRENT does not end with a newline");
    };
    let Ok(name) = std::str::from_utf8(name) else {
        return Err("CURRENT is not UTF-8");
    };
    match parse_file_name(name) {
        Some((number, FileType::Descriptor)) => Ok((name.to_string(), number)),
        _ => Err("CURRENT does not name a MANIFEST file"),
    }
}

#[cfg(test)]
mod tests;
