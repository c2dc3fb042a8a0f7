//! `strata cat PATH [--at T]`: a file's bytes, as they were at T, to
//! standard output (streamed, never whole in memory), from a data folder
//! or from a server (`GET /api/fs/<path>?at=T`).

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use super::local_tree::{self, AT_FLAG, SERVER_FLAG, Target};
use super::remote_tree;
use crate::blob::BlobStorage;
use crate::web::blob_api::FileRangeReader;
use std::io::Write;
use std::sync::Arc;

pub const COMMAND: Command = Command {
    name: "cat",
    summary: "Write a file of the tree to standard output, now or --at a past time.",
    positionals: "PATH",
    flags: &[SERVER_FLAG, DATA_FLAG, AT_FLAG],
};

/// Runs `strata cat`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let path = local_tree::tree_path(parsed, &COMMAND)?;
    let at = local_tree::at_given(parsed, &COMMAND)?;
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    match local_tree::target(parsed, &COMMAND, true)? {
        Target::Direct(local) => {
            let at = at.unwrap_or_else(crate::fs::latest);
            let version = local
                .tree
                .open_file(&path, at)
                .map_err(|error| Failure::Runtime(error.to_string()))?;
            let Some(content) = version.content else {
                return Ok(());
            };
            let storage: Arc<dyn BlobStorage> = local.storage.clone();
            let mut reader = FileRangeReader::new(storage, content, 0, version.size);
            let copied = std::io::copy(&mut reader, &mut out)
                .map_err(|error| Failure::Runtime(format!("{path}: {error}")))?;
            assert_eq!(copied, version.size, "the reader yields exactly the range");
        }
        Target::Server(mut client) => {
            remote_tree::cat(&mut client, &path, at, &mut out).map_err(Failure::Runtime)?;
        }
    }
    out.flush()
        .map_err(|error| Failure::Runtime(format!("stdout: {error}")))
}
