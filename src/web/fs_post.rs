//! `POST /api/fs/<path>?op=…`: the tree's changes that carry no body —
//! `mkdir`, `move` (`&to=`, `&replace=1`), `copy` (`&to=`) and `restore`
//! (`&at=`) — as API.md, "The file tree API", describes each answer.

use super::blob_api::json_error;
use super::fs_api::{at_param, date_value, fs_error, json_answer, param};
use crate::fs::{FsError, Made, Tree, TreePath, latest};
use crate::http::{Response, Status};
use crate::util::json::Value;

/// Answers a `POST` for `path` with the query `pairs`.
pub fn handle(tree: &Tree, path: &TreePath, pairs: &[(String, String)]) -> Response {
    let answer = match param(pairs, "op") {
        Some("mkdir") => mkdir(tree, path),
        Some("move") => move_to(tree, path, pairs),
        Some("copy") => copy_to(tree, path, pairs),
        Some("restore") => restore(tree, path, pairs),
        Some(other) => {
            let message = format!("unknown op {other:?}; ops: mkdir, move, copy, restore");
            return json_error(Status::BAD_REQUEST, &message);
        }
        None => {
            let message = "POST needs ?op=mkdir, move, copy or restore";
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
