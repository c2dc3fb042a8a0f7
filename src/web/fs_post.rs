//! `POST /api/fs/<path>?op=…`: the tree's changes that carry no body —
//! `mkdir`, `move` (`&to=`, `&replace=1`), `copy` (`&to=`), `restore`
//! (`&at=`) and `put` (`&content=`, content already uploaded as blobs) —
//! as API.md, "The file tree API", describes each answer; and `put-many`,
//! whose JSON body lists many puts (`fs_put_many.rs`).

use super::blob_api::json_error;
use super::fs_api::{at_param, date_value, fs_error, json_answer, param, put_answer};
use super::fs_put_many::put_many;
use crate::blob::BlobRef;
use crate::blob::file_schema::{ContentSchema, ContentType, PartTarget, SCHEMA_BYTES_MAX};
use crate::fs::{FsError, Made, Tree, TreePath, latest};
use crate::http::{RequestBody, Response, Status};
use crate::util::json::Value;

/// Answers a `POST` for `path` with the query `pairs`.
pub fn handle(
    tree: &Tree,
    path: &TreePath,
    pairs: &[(String, String)],
    body: &mut RequestBody<'_>,
) -> Response {
    let answer = match param(pairs, "op") {
        Some("mkdir") => mkdir(tree, path),
        Some("move") => move_to(tree, path, pairs),
        Some("copy") => copy_to(tree, path, pairs),
        Some("restore") => restore(tree, path, pairs),
        Some("put") => put_content(tree, path, pairs),
        Some("put-many") => put_many(tree, path, body),
        Some(other) => {
            let message =
                format!("unknown op {other:?}; ops: mkdir, move, copy, restore, put, put-many");
            return json_error(Status::BAD_REQUEST, &message);
        }
        None => {
            let message = "POST needs ?op=mkdir, move, copy, restore, put or put-many";
            return json_error(Status::BAD_REQUEST, message);
        }
    };
    answer.unwrap_or_else(|refused| refused)
}

/// `{"path","node","claimDate"}` for a change that made `made`. When no
/// claim was needed, `claimDate` is the node's latest change.
pub fn made_answer(tree: &Tree, status: Status, path: &TreePath, made: &Made) -> Response {
    let date = match &made.claim {
        Some(claim) => claim.date,
        None => match tree.stat(path, latest()) {
            Ok(entry) => entry.modified,
            Err(error) => return fs_error(&error),
        },
    };
    let value = Value::object([
        ("path", Value::String(path.to_string())),
        ("node", Value::String(made.node.to_string())),
        ("claimDate", date_value(date)),
    ]);
    json_answer(status, &value)
}

fn mkdir(tree: &Tree, path: &TreePath) -> Result<Response, Response> {
    let made = tree.mkdir(path).map_err(|error| fs_error(&error))?;
    let status = if made.claim.is_some() {
        Status::CREATED
    } else {
        Status::OK
    };
    Ok(made_answer(tree, status, path, &made))
}

/// The `to` parameter as a tree path (400 when absent or malformed).
fn target(pairs: &[(String, String)]) -> Result<TreePath, Response> {
    let Some(text) = param(pairs, "to") else {
        return Err(json_error(Status::BAD_REQUEST, "this op needs &to=<path>"));
    };
    TreePath::parse(text).map_err(|error| fs_error(&FsError::BadPath(error)))
}

fn move_to(tree: &Tree, path: &TreePath, pairs: &[(String, String)]) -> Result<Response, Response> {
    let to = target(pairs)?;
    let replace = param(pairs, "replace").is_some_and(|value| value == "1");
    let made = tree
        .move_node(path, &to, replace)
        .map_err(|error| fs_error(&error))?;
    Ok(made_answer(tree, Status::OK, &to, &made))
}

fn copy_to(tree: &Tree, path: &TreePath, pairs: &[(String, String)]) -> Result<Response, Response> {
    let to = target(pairs)?;
    let node = tree.copy(path, &to).map_err(|error| fs_error(&error))?;
    let made = Made { node, claim: None };
    Ok(made_answer(tree, Status::CREATED, &to, &made))
}

fn restore(tree: &Tree, path: &TreePath, pairs: &[(String, String)]) -> Result<Response, Response> {
    let Some(at) = at_param(pairs)? else {
        return Err(json_error(Status::BAD_REQUEST, "restore needs &at=<time>"));
    };
    let outcome = tree.restore(path, at).map_err(|error| fs_error(&error))?;
    let node = tree.stat(path, at).map_err(|error| fs_error(&error))?.node;
    let value = Value::object([
        ("path", Value::String(path.to_string())),
        ("node", Value::String(node.to_string())),
        ("claims", Value::from(outcome.claims.len() as u64)),
        ("restored", Value::from(outcome.restored as u64)),
        ("deleted", Value::from(outcome.deleted as u64)),
    ]);
    Ok(json_answer(Status::OK, &value))
}

/// `op=put&content=<file ref>[&size=N]`: the stored `file` schema blob
/// becomes the content of the file at `path`, as a `PUT` of its bytes
/// would make it (same claims, same answer). The content is checked
/// first ([`checked_content`]); unchanged content makes no claim.
fn put_content(
    tree: &Tree,
    path: &TreePath,
    pairs: &[(String, String)],
) -> Result<Response, Response> {
    let Some(text) = param(pairs, "content") else {
        return Err(json_error(
            Status::BAD_REQUEST,
            "op=put needs &content=<file ref>",
        ));
    };
    let content = BlobRef::parse(text)
        .map_err(|error| json_error(Status::BAD_REQUEST, &format!("content={text:?}: {error}")))?;
    let claimed = match param(pairs, "size") {
        None => None,
        Some(size) => Some(size.parse::<u64>().map_err(|_| {
            json_error(
                Status::BAD_REQUEST,
                &format!("size={size:?}: not a byte count"),
            )
        })?),
    };
    let size = checked_content(tree, &content, claimed)?;
    let outcome = tree
        .put_content(path, content, size)
        .map_err(|error| fs_error(&error))?;
    Ok(put_answer(tree, path, &outcome))
}

/// The size of the content `content` names, once it is known to be a
/// stored, valid `file` schema blob whose parts are stored, and of the
/// `claimed` size when one is given; else `422` saying which rule failed
/// (a missing blob names itself, so the client knows what to upload).
fn checked_content(tree: &Tree, content: &BlobRef, claimed: Option<u64>) -> Result<u64, Response> {
    content_size(tree, content, claimed).map_err(|(status, why)| json_error(status, &why))
}

/// [`checked_content`]'s check, its refusal as a status and a message.
pub fn content_size(
    tree: &Tree,
    content: &BlobRef,
    claimed: Option<u64>,
) -> Result<u64, (Status, String)> {
    let refuse = |why: String| (Status::UNPROCESSABLE_CONTENT, why);
    let storage_failed = |error: &dyn std::fmt::Display| {
        (Status::INTERNAL_SERVER_ERROR, format!("storage: {error}"))
    };
    let blobs = tree.backend().blobs();
    let stat = blobs.stat(&[*content]).map_err(|e| storage_failed(&e))?;
    let Some(&(_, stored_bytes)) = stat.first() else {
        return Err(refuse(format!("{content} is not stored: upload it first")));
    };
    if stored_bytes > SCHEMA_BYTES_MAX as u64 {
        return Err(refuse(format!("{content} is not a file schema blob")));
    }
    let bytes = tree
        .backend()
        .source()
        .get(content)
        .map_err(|e| storage_failed(&e))?;
    let schema = ContentSchema::parse(&bytes)
        .map_err(|error| refuse(format!("{content} is not a file schema blob: {error}")))?;
    if schema.content_type != ContentType::File {
        return Err(refuse(format!("{content} is a bytes blob, not a file")));
    }
    if let Some(claimed) = claimed.filter(|&claimed| claimed != schema.size()) {
        let size = schema.size();
        return Err(refuse(format!(
            "{content} holds {size} bytes, not {claimed}"
        )));
    }
    let parts: Vec<BlobRef> = (schema.parts.iter())
        .filter_map(|part| match part.target {
            PartTarget::Blob(blob_ref) | PartTarget::Bytes(blob_ref) => Some(blob_ref),
            PartTarget::Zeros => None,
        })
        .collect();
    let stored = blobs.stat(&parts).map_err(|e| storage_failed(&e))?;
    let stored: std::collections::HashSet<BlobRef> = stored.into_iter().map(|(r, _)| r).collect();
    if let Some(missing) = parts.iter().find(|part| !stored.contains(part)) {
        return Err(refuse(format!(
            "{content} names {missing}, which is not stored"
        )));
    }
    Ok(schema.size())
}
