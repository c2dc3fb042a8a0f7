//! `strata fsck`'s second pass, `index`: the tree's index against the
//! blobs it is derived from (TREE.md: every row is derived). Checked:
//! 1. every row of the store-wide claim log names a stored blob that is a
//!    valid claim of the logged date (a row about a missing or different
//!    blob is damage: the index answers from something that is not there);
//! 2. every stored valid claim has its claim-log row (a claim the index
//!    lost is damage: the tree would answer as if it never was made).
//!
//! Either kind of damage is repaired by `strata reindex`. Blobs that look
//! like schema blobs but do not parse are named (`note …`), not counted
//! as damage: an upload may hold any bytes, and they stay plain blobs.

use super::fsck::{Findings, Pass};
use crate::blob::{BlobRef, BlobSource, BlobStorage, DbStorage, StorageError};
use crate::index::query;
use crate::schema::{SCHEMA_BYTES_MAX, SchemaBlob, classify};
use crate::store::ReadOptions;
use crate::util::rfc3339::Timestamp;
use std::collections::HashMap;
use std::io;

/// Blobs listed per enumeration page.
const ENUMERATE_PAGE_BLOBS: usize = 1_000;

/// The index pass (module header).
pub struct IndexPass;

impl Pass for IndexPass {
    fn name(&self) -> &'static str {
        "index rows"
    }

    fn run(&self, storage: &DbStorage, findings: &mut Findings) -> Result<(), StorageError> {
        let logged = claim_log(storage)?;
        for (claim_ref, date) in &logged {
            findings.checked += 1;
            check_logged(storage, claim_ref, *date, findings)?;
        }
        let mut after: Option<BlobRef> = None;
        loop {
            let page = storage.enumerate(after.as_ref(), ENUMERATE_PAGE_BLOBS)?;
            for (blob_ref, size) in &page {
                check_blob(storage, blob_ref, *size, &logged, findings)?;
            }
            match page.last() {
                Some((last, _)) if page.len() == ENUMERATE_PAGE_BLOBS => after = Some(*last),
                _ => return Ok(()),
            }
        }
    }
}

/// Every claim in the claim log, with its logged date.
fn claim_log(storage: &DbStorage) -> Result<HashMap<BlobRef, Timestamp>, StorageError> {
    // The whole claim log, read once: leave the block cache to readers.
    let options = ReadOptions {
        fill_cache: false,
        ..ReadOptions::new()
    };
    let claims =
        query::claim_log(storage.db(), &options, None, None, usize::MAX).map_err(|error| {
            StorageError::Corruption {
                what: format!("the claim log: {error}"),
            }
        })?;
    Ok(claims
        .into_iter()
        .map(|claim| (claim.key.claim, claim.key.date))
        .collect())
}

/// Rule 1: the logged claim is stored, valid, and of the logged date.
fn check_logged(
    storage: &DbStorage,
    claim_ref: &BlobRef,
    date: Timestamp,
    findings: &mut Findings,
) -> Result<(), StorageError> {
    let what = format!("index row of claim {claim_ref}");
    let bytes = match BlobSource::get(storage, claim_ref) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            findings.damaged(&what, "the claim blob is not stored (run strata reindex)");
            return Ok(());
        }
        Err(error) => return Err(StorageError::Io(error)),
    };
    match classify(&bytes) {
        Ok(Some(SchemaBlob::Claim(claim))) if claim.date == date => {}
        Ok(Some(SchemaBlob::Claim(claim))) => {
            let why = format!("logged at {date}, the claim says {}", claim.date);
            findings.damaged(&what, &why);
        }
        _ => findings.damaged(&what, "the blob is not a valid claim (run strata reindex)"),
    }
    Ok(())
}

/// Rule 2 for one stored blob; invalid schema blobs are noted.
fn check_blob(
    storage: &DbStorage,
    blob_ref: &BlobRef,
    size: u64,
    logged: &HashMap<BlobRef, Timestamp>,
    findings: &mut Findings,
) -> Result<(), StorageError> {
    if size > SCHEMA_BYTES_MAX as u64 || logged.contains_key(blob_ref) {
        return Ok(());
    }
    let bytes = match BlobSource::get(storage, blob_ref) {
        Ok(bytes) => bytes,
        // The blob pass reports unreadable blobs.
        Err(_) => return Ok(()),
    };
    match classify(&bytes) {
        Ok(Some(SchemaBlob::Claim(_))) if BlobRef::of_bytes(&bytes) == *blob_ref => {
            let what = format!("claim {blob_ref}");
            findings.damaged(&what, "not in the index (run strata reindex)");
        }
        Err(error) => println!("note {blob_ref}: an invalid schema blob, kept plain: {error}"),
        _ => {}
    }
    Ok(())
}
