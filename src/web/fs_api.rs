//! The file tree API (API.md beside this file, "The file tree API"):
//! `GET`/`HEAD`/`PUT`/`DELETE`/`POST /api/fs/<path>`. Every rule of the
//! tree lives in `src/fs`; this module only turns requests into
//! [`Tree`] calls and answers into HTTP. The one mapping of [`FsError`]
//! to a status is [`fs_status`]; every error body is `{"error": "…"}`.
//!
//! A file's bytes leave through the blob API's [`FileRangeReader`] and
//! `http::conditional::respond`, exactly as `/api/file/<ref>` does, so
//! Range, `ETag` and `If-None-Match` behave the same on both routes.

use super::blob_api::{FILE_BYTES_MAX, FileRangeReader, form_pairs, json_error, refuse_method};
use super::fs_post;
use super::listing_body::{ListingBody, PIECE_BYTES};
use super::mime;
use crate::blob::{BlobRef, BlobStorage};
use crate::fs::{Entry, FsError, PutOutcome, Tree, TreePath, latest, parse_time};
use crate::http::conditional::{Representation, respond};
use crate::http::{Body, Request, RequestBody, Response, Status};
use crate::index::Kind;
use crate::util::json::{self, Value};
use crate::util::rfc3339::Timestamp;
use std::sync::Arc;

/// The route prefix; what follows it is the tree path.
pub const FS_PREFIX: &str = "/api/fs";
const FS_METHODS: &str = "GET, HEAD, PUT, DELETE, POST, OPTIONS";
/// Answers name a tree's state "now"; a cache must ask again each time.
const CACHE_CONTROL: &str = "private, no-cache";

/// What the tree routes work on: the tree, and the blob storage its
/// file contents are read from (the same store).
pub struct TreeRoutes<'a> {
    pub tree: &'a Tree,
    pub blobs: &'a Arc<dyn BlobStorage>,
}

/// Is `path` under `/api/fs`?
pub fn owns(path: &str) -> bool {
    path.strip_prefix(FS_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The status of a tree error (API.md, "Common rules"): a broken path or
/// time rule 400, nothing there 404, a conflict with what is there 409,
/// storage 500.
pub fn fs_status(error: &FsError) -> Status {
    match error {
        FsError::BadPath(_) | FsError::BadTime(_) | FsError::Invalid(_) => Status::BAD_REQUEST,
        FsError::NotFound { .. } => Status::NOT_FOUND,
        FsError::NotAFolder { .. }
        | FsError::IsAFolder { .. }
        | FsError::NameTaken { .. }
        | FsError::IntoItself { .. }
        | FsError::RootRefused
        | FsError::Conflict(_) => Status::CONFLICT,
        FsError::Index(_) | FsError::File(_) | FsError::Storage(_) => Status::INTERNAL_SERVER_ERROR,
    }
}

/// `{"error": …}` with the status of `error`.
pub fn fs_error(error: &FsError) -> Response {
    json_error(fs_status(error), &error.to_string())
}

/// A JSON answer that caches must revalidate.
pub fn json_answer(status: Status, value: &Value) -> Response {
    Response::json(status, json::to_compact(value)).header("Cache-Control", CACHE_CONTROL)
}

/// The query's pairs, or a 400 answer when one does not decode.
pub fn query(request: &Request<'_>) -> Result<Vec<(String, String)>, Response> {
    form_pairs(request.query.unwrap_or("")).map_err(|why| json_error(Status::BAD_REQUEST, &why))
}

/// The value of the first pair called `name`.
pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// `?at=T` parsed (None when absent): RFC 3339 or Unix seconds.
pub fn at_param(pairs: &[(String, String)]) -> Result<Option<Timestamp>, Response> {
    match param(pairs, "at") {
        None => Ok(None),
        Some(text) => parse_time(text).map(Some).map_err(|e| fs_error(&e)),
    }
}

/// The tree path after `prefix` in the request path.
pub fn tree_path(request: &Request<'_>, prefix: &str) -> Result<TreePath, Response> {
    let rest = request.path.strip_prefix(prefix).unwrap_or("");
    TreePath::parse(rest).map_err(|error| fs_error(&FsError::BadPath(error)))
}

/// A date as answers write it (RFC 3339, UTC, up to nanoseconds).
pub fn date_value(date: Timestamp) -> Value {
    Value::String(date.to_string())
}

/// `null` or the ref's text.
pub fn ref_value(blob_ref: Option<&BlobRef>) -> Value {
    blob_ref.map_or(Value::Null, |r| Value::String(r.to_string()))
}

pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::File => "file",
        Kind::Folder => "folder",
    }
}

/// One entry of a listing (API.md: name, node, kind, size, content,
/// modified).
pub fn entry_members(entry: &Entry) -> Vec<(&'static str, Value)> {
    vec![
        ("name", Value::String(entry.name.clone())),
        ("node", Value::String(entry.node.to_string())),
        ("kind", Value::from(kind_name(entry.kind))),
        ("size", Value::from(entry.size)),
        ("content", ref_value(entry.content.as_ref())),
        ("modified", date_value(entry.modified)),
    ]
}

/// Answers a request for which [`owns`] is true.
pub fn handle(
    routes: &TreeRoutes<'_>,
    request: &Request<'_>,
    body: &mut RequestBody<'_>,
) -> Response {
    if let Some(refused) = refuse_method(request, FS_METHODS) {
        return refused;
    }
    let path = match tree_path(request, FS_PREFIX) {
        Ok(path) => path,
        Err(refused) => return refused,
    };
    let pairs = match query(request) {
        Ok(pairs) => pairs,
        Err(refused) => return refused,
    };
    match request.method {
        "GET" | "HEAD" => read(routes, request, &path, &pairs),
        "PUT" => put(routes.tree, &path, body),
        "DELETE" => delete(routes.tree, &path),
        _ => fs_post::handle(routes.tree, &path, &pairs, body),
    }
}

/// `GET`/`HEAD`: a file's bytes, a folder's listing, or (`meta=1`) the
/// entry itself.
fn read(
    routes: &TreeRoutes<'_>,
    request: &Request<'_>,
    path: &TreePath,
    pairs: &[(String, String)],
) -> Response {
    let given_at = match at_param(pairs) {
        Ok(at) => at,
        Err(refused) => return refused,
    };
    let at = given_at.unwrap_or_else(latest);
    let entry = match routes.tree.stat(path, at) {
        Ok(entry) => entry,
        Err(error) => return fs_error(&error),
    };
    let answer = if param(pairs, "meta").is_some_and(|value| value == "1") {
        meta(routes.tree, path, &entry)
    } else if entry.kind == Kind::Folder {
        listing(routes.tree, path, &entry, at, given_at)
    } else {
        file_bytes(routes.blobs, request, path, &entry)
    };
    answer.unwrap_or_else(|error| fs_error(&error))
}

/// The folder's entries as of `at` (API.md's listing shape), written
/// while the connection sends them (`listing_body.rs`); a listing of one
/// piece or less goes out with the head in one write.
fn listing(
    tree: &Tree,
    path: &TreePath,
    folder: &Entry,
    at: Timestamp,
    given_at: Option<Timestamp>,
) -> Result<Response, FsError> {
    let entries = tree.list(path, at)?;
    let body = ListingBody::new(path, folder, given_at, entries);
    let length = body.length();
    let body = if length <= PIECE_BYTES as u64 {
        let whole = body
            .into_string()
            .map_err(|e| FsError::Storage(e.to_string()))?;
        Body::Bytes(whole.into_bytes())
    } else {
        let reader = Box::new(body);
        Body::Stream {
            reader,
            length: Some(length),
        }
    };
    let response = Response::with_body(Status::OK, "application/json", body);
    Ok(response.header("Cache-Control", CACHE_CONTROL))
}

fn meta(tree: &Tree, path: &TreePath, entry: &Entry) -> Result<Response, FsError> {
    let events = tree.history_of(&entry.node)?;
    // Newest first: the oldest event is the node's creation. The root has
    // no place events; its first claim dates it.
    let created = match events.last() {
        Some(event) => event.key.date,
        None => entry.modified,
    };
    let mut members = vec![("path", Value::String(path.to_string()))];
    members.extend(entry_members(entry));
    members.push(("created", date_value(created)));
    Ok(json_answer(Status::OK, &Value::object(members)))
}

/// A file version's bytes, with Range and conditionals (RFC 9110 §13,
/// §14) through `respond`, as `/api/file/<ref>` serves them.
fn file_bytes(
    blobs: &Arc<dyn BlobStorage>,
    request: &Request<'_>,
    path: &TreePath,
    entry: &Entry,
) -> Result<Response, FsError> {
    // A file node without content yet reads as empty; its ETag is its node.
    let tag_ref = entry.content.unwrap_or(entry.node);
    let etag = format!("\"{tag_ref}\"");
    let representation = Representation {
        length: entry.size,
        etag: Some(&etag),
        last_modified: Some(entry.modified.unix_seconds()),
    };
    let name = path.names().last().map_or("", String::as_str);
    let content = entry.content;
    let blobs = Arc::clone(blobs);
    let response = respond(
        request,
        &representation,
        mime::content_type(name),
        move |start, length| {
            let Some(content) = content else {
                return Ok(Body::Static(b""));
            };
            let reader = Box::new(FileRangeReader::new(blobs, content, start, length));
            Ok(Body::Stream {
                reader,
                length: Some(length),
            })
        },
    );
    let response = if response.status.0 >= 400 {
        let message = format!("{}: {}", path, response.status.0);
        let error = json_error(response.status, &message);
        let mut response = response;
        response
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
        response.headers.extend(error.headers);
        response.body(error.body)
    } else {
        response
    };
    let response = response
        .header("Cache-Control", CACHE_CONTROL)
        .header("X-Content-Type-Options", "nosniff")
        .header("X-Strata-Node", entry.node.to_string());
    Ok(match entry.content {
        Some(content) => response.header("X-Strata-Content", content.to_string()),
        None => response,
    })
}

/// `PUT`: the body becomes the file's content (a new node or version).
fn put(tree: &Tree, path: &TreePath, body: &mut RequestBody<'_>) -> Response {
    if let Err(failure) = body.set_limit(FILE_BYTES_MAX) {
        return json_error(failure.status(), failure.message());
    }
    let outcome = match tree.put_file(path, body) {
        Ok(outcome) => outcome,
        Err(error) => return fs_error(&error),
    };
    put_answer(tree, path, &outcome)
}

/// The answer to a put (`PUT`, or `POST ?op=put`): `201` for a new node,
/// else `200`, with the node, content, size and claim date (the node's
/// latest change when nothing changed).
pub fn put_answer(tree: &Tree, path: &TreePath, outcome: &PutOutcome) -> Response {
    let date = match &outcome.claim {
        Some(claim) => claim.date,
        None => match tree.stat(path, latest()) {
            Ok(entry) => entry.modified,
            Err(error) => return fs_error(&error),
        },
    };
    let value = Value::object([
        ("path", Value::String(path.to_string())),
        ("node", Value::String(outcome.node.to_string())),
        ("content", Value::String(outcome.content.to_string())),
        ("size", Value::from(outcome.size)),
        ("claimDate", date_value(date)),
        ("created", Value::from(outcome.created)),
        ("changed", Value::from(outcome.claim.is_some())),
    ]);
    let status = if outcome.created {
        Status::CREATED
    } else {
        Status::OK
    };
    json_answer(status, &value)
}

/// `DELETE`: a tombstone on the node (its subtree hidden with it).
fn delete(tree: &Tree, path: &TreePath) -> Response {
    match tree.delete(path) {
        Ok(made) => fs_post::made_answer(tree, Status::OK, path, &made),
        Err(error) => fs_error(&error),
    }
}
