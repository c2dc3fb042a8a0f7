//! `strata ls PATH [--at T]`: a folder's entries (or a file's own entry)
//! as the tree held them at T, one per line: kind, size, date of the last
//! change, name. The same lines from a data folder and from a server.

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use super::local_tree::{self, AT_FLAG, SERVER_FLAG, Target};
use super::remote_tree;
use crate::index::Kind;
use std::io::Write;

pub const COMMAND: Command = Command {
    name: "ls",
    summary: "List a folder of the tree (or show a file), now or --at a past time.",
    positionals: "PATH",
    flags: &[SERVER_FLAG, DATA_FLAG, AT_FLAG],
};

/// One line of the listing.
struct Line {
    is_folder: bool,
    size: u64,
    modified: String,
    name: String,
}

/// Runs `strata ls`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let path = local_tree::tree_path(parsed, &COMMAND)?;
    let at = local_tree::at_given(parsed, &COMMAND)?;
    let lines = match local_tree::target(parsed, &COMMAND, true)? {
        Target::Direct(local) => {
            let at = at.unwrap_or_else(crate::fs::latest);
            let fail = |error: crate::fs::FsError| Failure::Runtime(error.to_string());
            let entry = local.tree.stat(&path, at).map_err(fail)?;
            let entries = match entry.kind {
                Kind::Folder => local.tree.list(&path, at).map_err(fail)?,
                Kind::File => vec![entry],
            };
            (entries.into_iter())
                .map(|entry| Line {
                    is_folder: entry.kind == Kind::Folder,
                    size: entry.size,
                    modified: entry.modified.to_string(),
                    name: entry.name,
                })
                .collect()
        }
        Target::Server(mut client) => remote_lines(&mut client, &path, at)?,
    };
    let mut out = std::io::stdout().lock();
    for line in &lines {
        writeln!(out, "{}", format_line(line)).map_err(|e| Failure::Runtime(e.to_string()))?;
    }
    Ok(())
}

fn remote_lines(
    client: &mut super::client::Client,
    path: &crate::fs::TreePath,
    at: Option<crate::util::rfc3339::Timestamp>,
) -> Result<Vec<Line>, Failure> {
    let entry = remote_tree::stat(client, path, at).map_err(Failure::Runtime)?;
    let entry = entry.ok_or_else(|| Failure::Runtime(format!("{path}: not found")))?;
    let entries = if entry.is_folder {
        let listed = remote_tree::list(client, path, at).map_err(Failure::Runtime)?;
        listed.ok_or_else(|| Failure::Runtime(format!("{path}: not found")))?
    } else {
        vec![entry]
    };
    Ok(entries
        .into_iter()
        .map(|entry| Line {
            is_folder: entry.is_folder,
            size: entry.size,
            modified: entry.modified,
            name: entry.name,
        })
        .collect())
}

/// `file  12345  2026-11-22T10:00:00.5Z  name` (a folder's name ends in /).
fn format_line(line: &Line) -> String {
    let (kind, suffix) = match line.is_folder {
        false => ("file", ""),
        true => ("dir ", "/"),
    };
    format!(
        "{kind} {:>12}  {:<30}  {}{suffix}",
        line.size, line.modified, line.name
    )
}
