//! The website's publishes over HTTP (API.md, "The website"):
//! `GET /api/site` lists them; `POST /api/site/publish[?at=T]` and
//! `POST /api/site/rollback[?to=N]` make one. The rules are in
//! `site::publish`; this module only maps requests and answers.

use super::blob_api::{json_error, refuse_method};
use super::fs_api::{at_param, date_value, fs_error, json_answer, param, query};
use crate::fs::Tree;
use crate::http::{Request, Response, Status};
use crate::site::{self, Publish};
use crate::util::json::Value;

pub const SITE_PATH: &str = "/api/site";
pub const PUBLISH_PATH: &str = "/api/site/publish";
pub const ROLLBACK_PATH: &str = "/api/site/rollback";
const READ_METHODS: &str = "GET, HEAD, OPTIONS";
const WRITE_METHODS: &str = "POST, OPTIONS";

/// Is `path` one of these routes (or below `/api/site/`)?
pub fn owns(path: &str) -> bool {
    path == SITE_PATH || path.starts_with("/api/site/")
}

/// What the server says about its site besides the publishes.
#[derive(Clone, Copy, Debug, Default)]
pub struct SiteFacts {
    /// `--site-live`: `/` serves `/site` as of now, publishes aside.
    pub live: bool,
}

/// Answers a request for which [`owns`] is true.
pub fn handle(tree: &Tree, facts: SiteFacts, request: &Request<'_>) -> Response {
    let answer = match request.path.as_ref() {
        SITE_PATH => {
            refuse_method(request, READ_METHODS).map_or_else(|| overview(tree, facts), Err)
        }
        PUBLISH_PATH => {
            refuse_method(request, WRITE_METHODS).map_or_else(|| publish(tree, request), Err)
        }
        ROLLBACK_PATH => {
            refuse_method(request, WRITE_METHODS).map_or_else(|| rollback(tree, request), Err)
        }
        other => Err(json_error(
            Status::NOT_FOUND,
            &format!("no such API route: {other}"),
        )),
    };
    answer.unwrap_or_else(|refused| refused)
}

/// `{"number":N,"published":…,"at":…,"claim":…}`.
pub fn publish_value(publish: &Publish) -> Value {
    Value::object([
        ("number", Value::from(publish.number)),
        ("published", date_value(publish.published)),
        ("at", date_value(publish.at)),
        ("claim", Value::String(publish.claim.to_string())),
    ])
}

fn overview(tree: &Tree, facts: SiteFacts) -> Result<Response, Response> {
    let publishes = site::list(tree).map_err(|error| fs_error(&error))?;
    let current = publishes.last().map_or(Value::Null, publish_value);
    let newest_first = publishes.iter().rev().map(publish_value).collect();
    let value = Value::object([
        ("live", Value::from(facts.live)),
        ("current", current),
        ("publishes", Value::Array(newest_first)),
    ]);
    Ok(json_answer(Status::OK, &value))
}

fn publish(tree: &Tree, request: &Request<'_>) -> Result<Response, Response> {
    let pairs = query(request)?;
    let at = at_param(&pairs)?;
    let made = site::publish(tree, at).map_err(|error| fs_error(&error))?;
    Ok(json_answer(Status::CREATED, &publish_value(&made)))
}

fn rollback(tree: &Tree, request: &Request<'_>) -> Result<Response, Response> {
    let pairs = query(request)?;
    let to = match param(&pairs, "to") {
        None => None,
        Some(text) => Some(publish_number(text)?),
    };
    let made = site::rollback(tree, to).map_err(|error| fs_error(&error))?;
    Ok(json_answer(Status::CREATED, &publish_value(&made)))
}

/// A publish number: decimal digits, 1 or more.
fn publish_number(text: &str) -> Result<u64, Response> {
    let digits = !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(number) if digits && number >= 1 => Ok(number),
        _ => Err(json_error(
            Status::BAD_REQUEST,
            &format!("to must be a publish number (1, 2, …), not {text:?}"),
        )),
    }
}
