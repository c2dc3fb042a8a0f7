//! `strata cat PATH [--at T]`: a file's bytes, as they were at T, to
//! standard output (streamed chunk by chunk, never whole in memory).

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use super::local_tree::{self, AT_FLAG};
use crate::blob::BlobStorage;
use crate::web::blob_api::FileRangeReader;
use std::sync::Arc;

pub const COMMAND: Command = Command {
    name: "cat",
    summary: "Write a file of the tree to standard output, now or --at a past time.",
    positionals: "PATH",
    flags: &[DATA_FLAG, AT_FLAG],
};

/// Runs `strata cat`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let path = local_tree::tree_path(parsed, &COMMAND)?;
    let at = local_tree::at(parsed, &COMMAND)?;
    let data = local_tree::data_folder(parsed, &COMMAND);
    let local = local_tree::open(&data, true)?;
    let version = local
        .tree
        .open_file(&path, at)
        .map_err(|error| Failure::Runtime(error.to_string()))?;
    let Some(content) = version.content else {
        return Ok(());
    };
    let storage: Arc<dyn BlobStorage> = local.storage.clone();
    let mut reader = FileRangeReader::new(storage, content, 0, version.size);
    let mut out = std::io::stdout().lock();
    let copied = std::io::copy(&mut reader, &mut out)
        .map_err(|error| Failure::Runtime(format!("{path}: {error}")))?;
    assert_eq!(copied, version.size, "the reader yields exactly the range");
    Ok(())
}
