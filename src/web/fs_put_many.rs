//! `POST /api/fs/<folder>?op=put-many`: `op=put` for many files in one
//! request, made durable by one sync (API.md, "The file tree API"). The
//! body is JSON: `{"files":[{"path":"a/b.txt","content":"sha224-…",
//! "size":N},…]}`, each `path` under `<folder>`, `size` optional. Every
//! entry is checked (its path, its ref, the stored content) before the
//! first is written; then they are written in order, and the first that
//! the tree refuses ends the batch (what came before it stays, durable).
//! This is what `strata import --server` and `strata publish` send: one
//! request per window of changed files instead of one per file, so the
//! server's one flush to disk per request is shared by the window.

use super::blob_api::json_error;
use super::fs_api::{fs_error, fs_status, json_answer};
use super::fs_post::content_size;
use crate::blob::BlobRef;
use crate::fs::{PutOutcome, Tree, TreePath};
use crate::http::{RequestBody, Response, Status};
use crate::util::json::{self, Value};

/// Files in one request, at most: past it, 413.
pub const PUT_MANY_FILES_MAX: usize = 1000;
/// The JSON body of one request, at most (a thousand entries of long
/// paths fit): past it, 413.
pub const PUT_MANY_BODY_BYTES_MAX: u64 = 1024 * 1024;

/// Answers `op=put-many` for the folder `folder`.
pub fn put_many(
    tree: &Tree,
    folder: &TreePath,
    body: &mut RequestBody<'_>,
) -> Result<Response, Response> {
    let files = read_files(folder, body)?;
    let mut checked = Vec::with_capacity(files.len());
    for (path, content, claimed) in files {
        let size = content_size(tree, &content, claimed)
            .map_err(|(status, why)| json_error(status, &format!("{path}: {why}")))?;
        checked.push((path, content, size));
    }
    let batch = tree
        .put_contents(&checked)
        .map_err(|error| fs_error(&error))?;
    let answers = batch.done.iter().zip(&checked);
    let answers = answers.map(|(outcome, (path, ..))| answer(path, outcome));
    if let Some((index, error)) = batch.failure {
        let path = &checked[index].0;
        let value = Value::object([
            ("error", Value::String(format!("{path}: {error}"))),
            ("done", Value::Array(answers.collect())),
        ]);
        return Err(json_answer(fs_status(&error), &value));
    }
    let value = Value::object([("files", Value::Array(answers.collect()))]);
    Ok(json_answer(Status::OK, &value))
}

/// One file's part of the answer: what `op=put` answers, but the date.
fn answer(path: &TreePath, outcome: &PutOutcome) -> Value {
    Value::object([
        ("path", Value::String(path.to_string())),
        ("node", Value::String(outcome.node.to_string())),
        ("content", Value::String(outcome.content.to_string())),
        ("size", Value::from(outcome.size)),
        ("created", Value::from(outcome.created)),
        ("changed", Value::from(outcome.claim.is_some())),
    ])
}

/// The body's entries, each with its full path; 400 naming the first
/// malformed one, 413 past the limits.
fn read_files(
    folder: &TreePath,
    body: &mut RequestBody<'_>,
) -> Result<Vec<(TreePath, BlobRef, Option<u64>)>, Response> {
    if let Err(failure) = body.set_limit(PUT_MANY_BODY_BYTES_MAX) {
        return Err(json_error(failure.status(), failure.message()));
    }
    let bytes = body.read_to_vec().map_err(|_| {
        let failure = body.failure();
        let status = failure.map_or(Status::BAD_REQUEST, |f| f.status());
        json_error(
            status,
            failure.map_or("cannot read the body", |f| f.message()),
        )
    })?;
    let bad = |why: String| json_error(Status::BAD_REQUEST, &why);
    let value =
        json::parse(&bytes).map_err(|error| bad(format!("the body is not JSON: {error}")))?;
    let Some(entries) = value.get("files").and_then(Value::as_array) else {
        return Err(bad(r#"the body needs {"files":[…]}"#.to_owned()));
    };
    if entries.len() > PUT_MANY_FILES_MAX {
        let message = format!(
            "{} files; at most {PUT_MANY_FILES_MAX} a request",
            entries.len()
        );
        return Err(json_error(Status::CONTENT_TOO_LARGE, &message));
    }
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            file_entry(folder, entry).map_err(|why| bad(format!("files[{index}]: {why}")))
        })
        .collect()
}

/// One entry: its path under `folder`, its content ref, its size if given.
fn file_entry(
    folder: &TreePath,
    entry: &Value,
) -> Result<(TreePath, BlobRef, Option<u64>), String> {
    let relative = entry
        .get("path")
        .and_then(Value::as_str)
        .ok_or("needs a \"path\" string")?;
    let base = folder.to_string();
    let text = format!(
        "{}/{}",
        base.trim_end_matches('/'),
        relative.trim_start_matches('/')
    );
    let path = TreePath::parse(&text).map_err(|error| format!("path {relative:?}: {error}"))?;
    if path == *folder {
        return Err(format!("path {relative:?} names no file"));
    }
    let content = entry
        .get("content")
        .and_then(Value::as_str)
        .ok_or("needs a \"content\" ref")?;
    let content =
        BlobRef::parse(content).map_err(|error| format!("content {content:?}: {error}"))?;
    let size = match entry.get("size") {
        None => None,
        Some(size) => Some(size.as_u64().ok_or("\"size\" is not a byte count")?),
    };
    Ok((path, content, size))
}
