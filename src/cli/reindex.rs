//! `strata reindex`: drops every index row and rebuilds them from the
//! blobs alone (the index is derived: TREE.md, "What the index must make
//! cheap"). Every question must be answered as before.
//!
//! Not through a server (`--server` is refused with the reason): the
//! rebuild drops every row first, and a running server answers from
//! those rows, so its readers would see an empty or half-built tree.
//! Stop the server, reindex the folder, start it again.

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use super::local_tree::{self, SERVER_FLAG};
use std::time::Instant;

pub const COMMAND: Command = Command {
    name: "reindex",
    summary: "Rebuild the tree's index from the blobs alone (the server must be stopped).",
    positionals: "",
    flags: &[DATA_FLAG, SERVER_FLAG],
};

/// Why `--server` is refused (see the module header).
pub const SERVER_REFUSED: &str = "reindex is not done through a server: it drops every index \
     row before rebuilding them, and the server answers from those rows meanwhile; stop the \
     server, run 'strata reindex --data DIR', then start it again";

/// Runs `strata reindex`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    if !parsed.positionals.is_empty() {
        return Err(Failure::Usage("strata reindex takes no PATH".to_owned()));
    }
    if parsed.get(&COMMAND, "server").is_some() {
        return Err(Failure::Runtime(SERVER_REFUSED.to_owned()));
    }
    let data = local_tree::data_folder(parsed, &COMMAND);
    let local = local_tree::open(&data, true)?;
    let started = Instant::now();
    let report = local
        .tree
        .reindex()
        .map_err(|error| Failure::Runtime(format!("reindex failed: {error}")))?;
    println!(
        "reindex: {} blobs read, {} claims, {} nodes, {} invalid schema blobs, in {:.1} s",
        report.blobs,
        report.claims,
        report.nodes,
        report.invalid_schema_blobs,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
