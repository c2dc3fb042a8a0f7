//! When the tree changed: `GET /api/history/<path>[?at=T]` (every event
//! of one node, newest first) and `GET /api/changes` (the store's claims
//! in date order, for the UI's timeline). API.md, "The file tree API".

use super::blob_api::{json_error, refuse_method};
use super::fs_api::{at_param, date_value, fs_error, json_answer, param, query, tree_path};
use crate::fs::{FsError, Tree, TreePath, latest, parse_time};
use crate::http::{Request, Response, Status};
use crate::index::query::LoggedClaim;
use crate::index::{Event, EventKind};
use crate::schema::Place;
use crate::util::json::Value;

pub const HISTORY_PREFIX: &str = "/api/history";
pub const CHANGES_PATH: &str = "/api/changes";
/// Claims per `/api/changes` page unless `limit` says otherwise.
pub const CHANGES_LIMIT_DEFAULT: usize = 1_000;
/// The most claims one `/api/changes` page holds.
pub const CHANGES_LIMIT_MAX: usize = 10_000;
const READ_METHODS: &str = "GET, HEAD, OPTIONS";

/// Is `path` one of these two routes?
pub fn owns(path: &str) -> bool {
    path == CHANGES_PATH
        || path
            .strip_prefix(HISTORY_PREFIX)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Answers a request for which [`owns`] is true.
pub fn handle(tree: &Tree, request: &Request<'_>) -> Response {
    if let Some(refused) = refuse_method(request, READ_METHODS) {
        return refused;
    }
    let answer = if request.path == CHANGES_PATH {
        changes(tree, request)
    } else {
        history(tree, request)
    };
    answer.unwrap_or_else(|refused| refused)
}

fn history(tree: &Tree, request: &Request<'_>) -> Result<Response, Response> {
    let path = tree_path(request, HISTORY_PREFIX)?;
    let pairs = query(request)?;
    let at = at_param(&pairs)?.unwrap_or_else(latest);
    let node = tree.stat(&path, at).map_err(|error| fs_error(&error))?.node;
    let events = tree.history_of(&node).map_err(|error| fs_error(&error))?;
    let mut values = Vec::with_capacity(events.len());
    for event in &events {
        values.push(event_value(tree, event).map_err(|error| fs_error(&error))?);
    }
    let value = Value::object([
        ("path", Value::String(path.to_string())),
        ("node", Value::String(node.to_string())),
        ("events", Value::Array(values)),
    ]);
    Ok(json_answer(Status::OK, &value))
}

/// One event: its type, date and claim, then what the type carries
/// (content and size for a new content; `from`/`to` for a change of
/// place).
fn event_value(tree: &Tree, event: &Event) -> Result<Value, FsError> {
    let mut members = vec![
        ("type", Value::from(event.kind.name())),
        ("date", date_value(event.key.date)),
        ("claim", Value::String(event.key.claim.to_string())),
    ];
    let carries_content = matches!(
        event.kind,
        EventKind::Created | EventKind::Edited | EventKind::Restored
    );
    if carries_content && let Some(content) = &event.content {
        members.push(("content", Value::String(content.to_string())));
        members.push(("size", Value::from(event.size)));
    }
    if matches!(event.kind, EventKind::Moved | EventKind::Deleted) {
        members.push(("from", place_value(tree, event.from.as_ref(), event)?));
    }
    if matches!(event.kind, EventKind::Moved | EventKind::Restored) {
        members.push(("to", place_value(tree, event.to.as_ref(), event)?));
    }
    Ok(Value::object(members))
}

/// A place as a tree path at the event's date; `null` when its folder
/// was not visible then.
fn place_value(tree: &Tree, place: Option<&Place>, event: &Event) -> Result<Value, FsError> {
    let Some(place) = place else {
        return Ok(Value::Null);
    };
    let path: Option<TreePath> = tree.path_of_place(place, event.key.date)?;
    Ok(path.map_or(Value::Null, |path| Value::String(path.to_string())))
}

/// An `add-attribute` claim on the root alone: a record about the tree
/// (a site publish, `src/site/SITE.md`), not a change of it, so the
/// timeline leaves it out (the page's `continueAfter` still counts it).
fn is_root_record(tree: &Tree, claim: &LoggedClaim) -> bool {
    claim.claim_type == "add-attribute" && claim.nodes == [tree.root()]
}

fn changes(tree: &Tree, request: &Request<'_>) -> Result<Response, Response> {
    let pairs = query(request)?;
    let time = |name| match param(&pairs, name) {
        None => Ok(None),
        Some(text) => parse_time(text).map(Some).map_err(|e| fs_error(&e)),
    };
    let (after, before) = (time("after")?, time("before")?);
    let limit = match param(&pairs, "limit") {
        None => CHANGES_LIMIT_DEFAULT,
        Some(text) => match text.parse::<usize>() {
            Ok(limit) if (1..=CHANGES_LIMIT_MAX).contains(&limit) => limit,
            _ => {
                let message = format!("limit must be 1 to {CHANGES_LIMIT_MAX}");
                return Err(json_error(Status::BAD_REQUEST, &message));
            }
        },
    };
    let claims = tree
        .changes(after, before, limit)
        .map_err(|error| fs_error(&error))?;
    let mut entries = Vec::new();
    for claim in claims.iter().filter(|claim| !is_root_record(tree, claim)) {
        let node_values: Vec<Value> = match claim.nodes.is_empty() {
            true => vec![Value::Null],
            false => claim
                .nodes
                .iter()
                .map(|node| Value::String(node.to_string()))
                .collect(),
        };
        for node in node_values {
            entries.push(Value::object([
                ("date", date_value(claim.key.date)),
                ("node", node),
                ("claim", Value::String(claim.key.claim.to_string())),
                ("type", Value::String(claim.claim_type.clone())),
            ]));
        }
    }
    let mut members = vec![("changes", Value::Array(entries))];
    if claims.len() == limit
        && let Some(last) = claims.last()
    {
        members.push(("continueAfter", date_value(last.key.date)));
    }
    Ok(json_answer(Status::OK, &Value::object(members)))
}
