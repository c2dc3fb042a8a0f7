//! `strata log PATH [--at T]`: every event of the node at PATH (resolved
//! at T, so a deleted file has a log too), newest first: date, type, and
//! the content or places the event carries.

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use super::local_tree::{self, AT_FLAG};
use crate::fs::{FsError, Tree};
use crate::index::Event;
use crate::schema::Place;
use std::io::Write;

pub const COMMAND: Command = Command {
    name: "log",
    summary: "Show every event of a file or folder (created, edited, moved, ...), newest first.",
    positionals: "PATH",
    flags: &[DATA_FLAG, AT_FLAG],
};

/// Runs `strata log`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let path = local_tree::tree_path(parsed, &COMMAND)?;
    let at = local_tree::at(parsed, &COMMAND)?;
    let data = local_tree::data_folder(parsed, &COMMAND);
    let local = local_tree::open(&data, true)?;
    let fail = |error: FsError| Failure::Runtime(error.to_string());
    let events = local.tree.history(&path, at).map_err(fail)?;
    let mut out = std::io::stdout().lock();
    for event in &events {
        let line = line(&local.tree, event).map_err(fail)?;
        writeln!(out, "{line}").map_err(|e| Failure::Runtime(e.to_string()))?;
    }
    Ok(())
}

/// `2026-11-22T10:00:00.5Z  edited  sha224-…  3 bytes` and the like.
fn line(tree: &Tree, event: &Event) -> Result<String, FsError> {
    let mut line = format!(
        "{:<30}  {:<8}",
        event.key.date.to_string(),
        event.kind.name()
    );
    if let Some(content) = &event.content {
        line.push_str(&format!("  {content}  {} bytes", event.size));
    }
    let place = |place: Option<&Place>| -> Result<String, FsError> {
        let Some(place) = place else {
            return Ok("-".to_owned());
        };
        let path = tree.path_of_place(place, event.key.date)?;
        Ok(path.map_or_else(|| format!("?/{}", place.name), |path| path.to_string()))
    };
    if event.from.is_some() || event.to.is_some() {
        let from = place(event.from.as_ref())?;
        let to = place(event.to.as_ref())?;
        line.push_str(&format!("  {from} -> {to}"));
    }
    Ok(line)
}
