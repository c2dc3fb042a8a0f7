//! `GET /api/permanode/<ref>[?at=T]`: a node's attributes as of T and
//! every claim about it, oldest first (API.md, "The file tree API").

use super::blob_api::{
    Protocol, json_error, parse_ref, refuse_method, storage_error, storage_status,
};
use super::fs_api::{at_param, date_value, fs_error, json_answer, query};
use crate::blob::{BlobRef, BlobStorage, StorageError};
use crate::fs::{Tree, latest};
use crate::http::{Request, Response, Status};
use crate::schema::{Change, Claim, ClaimBody, Permanode};
use crate::util::json::Value;
use std::io::Read;

pub const PERMANODE_PREFIX: &str = "/api/permanode/";
/// A permanode blob is a small schema blob; anything larger is not one.
const PERMANODE_BYTES_MAX: u64 = 64 * 1024;
const READ_METHODS: &str = "GET, HEAD, OPTIONS";

pub fn owns(path: &str) -> bool {
    path.starts_with(PERMANODE_PREFIX)
}

/// Answers a request for which [`owns`] is true.
pub fn handle(tree: &Tree, blobs: &dyn BlobStorage, request: &Request<'_>) -> Response {
    if let Some(refused) = refuse_method(request, READ_METHODS) {
        return refused;
    }
    answer(tree, blobs, request).unwrap_or_else(|refused| refused)
}

fn answer(
    tree: &Tree,
    blobs: &dyn BlobStorage,
    request: &Request<'_>,
) -> Result<Response, Response> {
    let text = request.path.strip_prefix(PERMANODE_PREFIX).unwrap_or("");
    let node = parse_ref(text)?;
    let pairs = query(request)?;
    let given_at = at_param(&pairs)?;
    check_permanode(blobs, &node)?;
    let state = tree
        .attributes(&node, given_at.unwrap_or_else(latest))
        .map_err(|error| fs_error(&error))?;
    let attributes = state
        .attributes
        .iter()
        .map(|(name, values)| {
            let values = values.iter().map(|v| Value::String(v.clone())).collect();
            (name.clone(), Value::Array(values))
        })
        .collect::<Vec<_>>();
    let claims = tree.claims(&node).map_err(|error| fs_error(&error))?;
    let claims = claims
        .iter()
        .map(|(key, claim)| claim_value(&key.claim, claim))
        .collect();
    let value = Value::object([
        ("node", Value::String(node.to_string())),
        ("at", given_at.map_or(Value::Null, date_value)),
        ("attributes", Value::Object(attributes)),
        ("deleted", Value::from(state.deleted)),
        ("claims", Value::Array(claims)),
    ]);
    Ok(json_answer(Status::OK, &value))
}

/// 404 when `node` is not stored; 409 when it is not a permanode.
fn check_permanode(blobs: &dyn BlobStorage, node: &BlobRef) -> Result<(), Response> {
    let fetched = match blobs.fetch(node) {
        Ok(Some(fetched)) => fetched,
        Ok(None) => {
            let message = format!("{node}: no such blob");
            return Err(json_error(Status::NOT_FOUND, &message));
        }
        Err(error) => return Err(storage_error(&error, Protocol::Api)),
    };
    let not_permanode = || json_error(Status::CONFLICT, &format!("{node} is not a permanode"));
    if fetched.size > PERMANODE_BYTES_MAX {
        return Err(not_permanode());
    }
    let mut bytes = Vec::with_capacity(fetched.size as usize);
    if let Err(error) = fetched
        .reader
        .take(PERMANODE_BYTES_MAX)
        .read_to_end(&mut bytes)
    {
        let error = StorageError::from(error);
        return Err(json_error(
            storage_status(&error, Protocol::Api),
            &error.to_string(),
        ));
    }
    match Permanode::parse(&bytes) {
        Ok(_) => Ok(()),
        Err(_) => Err(not_permanode()),
    }
}

/// A claim as the answer lists it: one change inline; a `multi` with its
/// changes under `changes`.
fn claim_value(claim_ref: &BlobRef, claim: &Claim) -> Value {
    let mut members = vec![
        ("claim".to_owned(), Value::String(claim_ref.to_string())),
        ("date".to_owned(), date_value(claim.date)),
        ("type".to_owned(), Value::from(claim.claim_type().name())),
    ];
    match &claim.body {
        ClaimBody::Single(change) => members.extend(change_members(change)),
        ClaimBody::Multi(changes) => {
            let values = changes
                .iter()
                .map(|change| {
                    let mut inner =
                        vec![("type".to_owned(), Value::from(change.claim_type().name()))];
                    inner.extend(change_members(change));
                    Value::Object(inner)
                })
                .collect();
            members.push(("changes".to_owned(), Value::Array(values)));
        }
    }
    Value::Object(members)
}

/// The fields of one change: its node, attribute and value, or a
/// delete's target.
fn change_members(change: &Change) -> Vec<(String, Value)> {
    let text = |value: &str| Value::String(value.to_owned());
    match change {
        Change::SetAttribute {
            node,
            attribute,
            value,
        }
        | Change::AddAttribute {
            node,
            attribute,
            value,
        } => vec![
            ("node".to_owned(), text(node.as_str())),
            ("attribute".to_owned(), text(attribute)),
            ("value".to_owned(), text(value)),
        ],
        Change::DelAttribute {
            node,
            attribute,
            value,
        } => {
            let mut members = vec![
                ("node".to_owned(), text(node.as_str())),
                ("attribute".to_owned(), text(attribute)),
            ];
            if let Some(value) = value {
                members.push(("value".to_owned(), text(value)));
            }
            members
        }
        Change::Delete { target } => vec![("target".to_owned(), text(target.as_str()))],
    }
}
