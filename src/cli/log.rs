//! `strata log PATH [--at T]`: every event of the node at PATH (resolved
//! at T, so a deleted file has a log too), newest first: date, type, and
//! the content or places the event carries — the fields of
//! `GET /api/history` (API.md), so a data folder and a server print the
//! same lines.

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use super::local_tree::{self, AT_FLAG, SERVER_FLAG, Target};
use super::remote_tree;
use crate::fs::{FsError, Tree};
use crate::index::{Event, EventKind};
use crate::schema::Place;
use crate::util::json::Value;
use std::io::Write;

pub const COMMAND: Command = Command {
    name: "log",
    summary: "Show every event of a file or folder (created, edited, moved, ...), newest first.",
    positionals: "PATH",
    flags: &[SERVER_FLAG, DATA_FLAG, AT_FLAG],
};

/// One event, as printed. A place is `Some(None)` when the event names
/// it but its folder was not visible then (printed `?`).
#[derive(Default)]
struct Line {
    date: String,
    kind: String,
    content: Option<(String, u64)>,
    from: Option<Option<String>>,
    to: Option<Option<String>>,
}

/// Runs `strata log`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let path = local_tree::tree_path(parsed, &COMMAND)?;
    let at = local_tree::at_given(parsed, &COMMAND)?;
    let lines = match local_tree::target(parsed, &COMMAND, true)? {
        Target::Direct(local) => {
            let fail = |error: FsError| Failure::Runtime(error.to_string());
            let at = at.unwrap_or_else(crate::fs::latest);
            let events = local.tree.history(&path, at).map_err(fail)?;
            let lines = events.iter().map(|event| direct_line(&local.tree, event));
            lines.collect::<Result<Vec<_>, _>>().map_err(fail)?
        }
        Target::Server(mut client) => {
            let events = remote_tree::history(&mut client, &path, at).map_err(Failure::Runtime)?;
            events.iter().map(remote_line).collect()
        }
    };
    let mut out = std::io::stdout().lock();
    for line in &lines {
        writeln!(out, "{}", format_line(line)).map_err(|e| Failure::Runtime(e.to_string()))?;
    }
    Ok(())
}

/// The event's line from the tree, with the members the API would give.
fn direct_line(tree: &Tree, event: &Event) -> Result<Line, FsError> {
    let place = |place: Option<&Place>| -> Result<Option<String>, FsError> {
        let Some(place) = place else {
            return Ok(None);
        };
        let path = tree.path_of_place(place, event.key.date)?;
        Ok(path.map(|path| path.to_string()))
    };
    let carries_content = matches!(
        event.kind,
        EventKind::Created | EventKind::Edited | EventKind::Restored
    );
    let mut line = Line {
        date: event.key.date.to_string(),
        kind: event.kind.name().to_owned(),
        ..Line::default()
    };
    if carries_content && let Some(content) = &event.content {
        line.content = Some((content.to_string(), event.size));
    }
    if matches!(event.kind, EventKind::Moved | EventKind::Deleted) {
        line.from = Some(place(event.from.as_ref())?);
    }
    if matches!(event.kind, EventKind::Moved | EventKind::Restored) {
        line.to = Some(place(event.to.as_ref())?);
    }
    Ok(line)
}

/// The event's line from its `/api/history` JSON.
fn remote_line(event: &Value) -> Line {
    let text = |name: &str| event.get(name).and_then(Value::as_str).map(str::to_owned);
    let place = |name: &str| {
        event
            .get(name)
            .map(|value| value.as_str().map(str::to_owned))
    };
    let content = text("content").map(|content| {
        let size = event.get("size").and_then(Value::as_u64).unwrap_or(0);
        (content, size)
    });
    Line {
        date: text("date").unwrap_or_default(),
        kind: text("type").unwrap_or_default(),
        content,
        from: place("from"),
        to: place("to"),
    }
}

/// `2026-11-22T10:00:00.5Z  edited  sha224-…  3 bytes`, and for a change
/// of place `  /from -> /to` (`-` where the event has no such place).
fn format_line(line: &Line) -> String {
    let mut text = format!("{:<30}  {:<8}", line.date, line.kind);
    if let Some((content, size)) = &line.content {
        text.push_str(&format!("  {content}  {size} bytes"));
    }
    if line.from.is_some() || line.to.is_some() {
        let shown = |place: &Option<Option<String>>| match place {
            None => "-".to_owned(),
            Some(None) => "?".to_owned(),
            Some(Some(path)) => path.clone(),
        };
        text.push_str(&format!("  {} -> {}", shown(&line.from), shown(&line.to)));
    }
    text
}
