//! `strata ls PATH [--at T]`: a folder's entries (or a file's own entry)
//! as the tree held them at T, one per line: kind, size, date of the last
//! change, name.

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use super::local_tree::{self, AT_FLAG};
use crate::fs::Entry;
use crate::index::Kind;
use std::io::Write;

pub const COMMAND: Command = Command {
    name: "ls",
    summary: "List a folder of the tree (or show a file), now or --at a past time.",
    positionals: "PATH",
    flags: &[DATA_FLAG, AT_FLAG],
};

/// Runs `strata ls`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let path = local_tree::tree_path(parsed, &COMMAND)?;
    let at = local_tree::at(parsed, &COMMAND)?;
    let data = local_tree::data_folder(parsed, &COMMAND);
    let local = local_tree::open(&data, true)?;
    let fail = |error: crate::fs::FsError| Failure::Runtime(error.to_string());
    let entry = local.tree.stat(&path, at).map_err(fail)?;
    let entries = match entry.kind {
        Kind::Folder => local.tree.list(&path, at).map_err(fail)?,
        Kind::File => vec![entry],
    };
    let mut out = std::io::stdout().lock();
    for entry in &entries {
        writeln!(out, "{}", line(entry)).map_err(|e| Failure::Runtime(e.to_string()))?;
    }
    Ok(())
}

/// `file  12345  2026-11-22T10:00:00.5Z  name` (a folder's name ends in /).
pub fn line(entry: &Entry) -> String {
    let (kind, suffix) = match entry.kind {
        Kind::File => ("file", ""),
        Kind::Folder => ("dir ", "/"),
    };
    format!(
        "{kind} {:>12}  {:<30}  {}{suffix}",
        entry.size, entry.modified, entry.name
    )
}
