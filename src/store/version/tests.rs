//! Tests of the version layer; helpers shared by the test files below.

mod compaction_tests;
mod get_tests;
mod recovery_tests;

use super::LEVELS;
use super::error::VersionError;
use super::options::VersionOptions;
use super::version::Version;
use super::version_edit::{FileMetaData, VersionEdit};
use super::version_set::{VersionSet, write_new_db};
use crate::store::dbformat::{InternalKey, ValueType};
use crate::store::env::{self, Env};
use crate::store::filename;
use crate::store::iter::test_support::table_cache;
use std::path::Path;
use std::sync::Arc;

const DIR: &str = "/db";

fn dir() -> &'static Path {
    Path::new(DIR)
}

/// A new empty store in `env` (directory created and durable).
fn create_store(env: &dyn Env) {
    env.create_dir_all(dir()).unwrap();
    env.sync_dir(Path::new("/")).unwrap();
    write_new_db(env, dir()).unwrap();
}

fn open_set_with(env: Arc<dyn Env>, options: VersionOptions) -> Result<VersionSet, VersionError> {
    let cache = table_cache(Arc::clone(&env), dir());
    let mut set = VersionSet::new(env, dir(), options, cache);
    set.recover()?;
    Ok(set)
}

fn open_set(env: Arc<dyn Env>) -> Result<VersionSet, VersionError> {
    open_set_with(env, VersionOptions::default())
}

/// File metadata with keys `smallest`@100 .. `largest`@100 (Value).
fn meta(number: u64, size_bytes: u64, smallest: &str, largest: &str) -> FileMetaData {
    meta_at(number, size_bytes, (smallest, 100), (largest, 100))
}

fn meta_at(
    number: u64,
    size_bytes: u64,
    smallest: (&str, u64),
    largest: (&str, u64),
) -> FileMetaData {
    FileMetaData {
        number,
        file_size: size_bytes,
        smallest: InternalKey::new(smallest.0.as_bytes(), smallest.1, ValueType::Value),
        largest: InternalKey::new(largest.0.as_bytes(), largest.1, ValueType::Value),
    }
}

/// An empty, durable file standing for table `number` (recovery checks
/// that live tables exist).
fn touch_table(env: &dyn Env, number: u64) {
    let path = filename::table_file_name(dir(), number);
    env::write_file(env, &path, b"", true).unwrap();
    env.sync_dir(dir()).unwrap();
}

/// The table numbers of each level, in the version's order.
fn numbers(version: &Version) -> [Vec<u64>; LEVELS] {
    std::array::from_fn(|level| {
        version
            .files(level)
            .iter()
            .map(|file| file.meta.number)
            .collect()
    })
}

/// A version set over a fresh MemEnv whose current version holds `files`.
fn set_with(files: &[(usize, FileMetaData)]) -> VersionSet {
    let env: Arc<dyn Env> = Arc::new(crate::store::env::MemEnv::new());
    create_store(&*env);
    let mut set = open_set(env).unwrap();
    let mut edit = VersionEdit::new();
    for (level, file) in files {
        set.mark_file_number_used(file.number);
        edit.add_file(*level, file.clone());
    }
    set.log_and_apply(&mut edit).unwrap();
    set
}
