//! Tests of the value log, one file per unit under `tests/`, with the
//! helpers they share: an in-memory store directory, a file-number
//! counter, and deterministic values.

mod format_tests;
mod gc_tests;
mod reader_tests;
mod recovery_tests;
mod writer_tests;

use super::{FileNumberSource, VlogWriter, VlogWriterOptions};
use crate::store::env::{Env, MemEnv};
use std::path::Path;
use std::sync::Arc;

/// The store directory every test writes into.
const DIR: &str = "/db";

fn dir() -> &'static Path {
    Path::new(DIR)
}

/// A fresh in-memory file system with `DIR` created, and it as an Env.
fn mem_env() -> (MemEnv, Arc<dyn Env>) {
    let memory = MemEnv::new();
    memory.create_dir_all(dir()).unwrap();
    let env: Arc<dyn Env> = Arc::new(memory.clone());
    (memory, env)
}

/// File numbers `first`, `first + 1`, … as the Db's counter would give.
fn numbers_from(first: u64) -> FileNumberSource {
    let mut next = first;
    Box::new(move || {
        next += 1;
        next - 1
    })
}

/// A writer on file `first_number` of `env` (whose `DIR` must exist).
fn writer_in(env: &Arc<dyn Env>, first_number: u64, file_bytes_target: u64) -> VlogWriter {
    let options = VlogWriterOptions { file_bytes_target };
    let numbers = numbers_from(first_number);
    VlogWriter::create(env.clone(), dir(), options, numbers).expect("create writer")
}

/// `length` bytes that differ for every (seed, position), cheap to make.
fn pattern(seed: u64, length: usize) -> Vec<u8> {
    (0..length as u64)
        .map(|index| (index.wrapping_mul(31) ^ seed.wrapping_mul(0x9e37) ^ (index >> 8)) as u8)
        .collect()
}
