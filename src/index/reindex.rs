//! `reindex`: drops every `x` row and rebuilds the index from the blobs
//! alone. Claims are logged first (deletes last, in claim order, so a
//! delete finds the claim it targets), then every node is replayed, which
//! is the same code the incremental path uses.

use super::INDEX_SCHEMA_VERSION;
use super::apply::log_claim;
use super::error::IndexError;
use super::key::{self, ClaimKey};
use super::replay::{ClaimCache, replay};
use super::rows::Rows;
use crate::blob::{BlobRef, BlobStorage};
use crate::schema::{Change, Claim, SchemaBlob, classify};
use crate::store::{Db, ReadOptions, WriteBatch, WriteOptions};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Blobs asked for per enumeration page.
const ENUMERATE_PAGE_BLOBS: usize = 1_000;
/// Row deletions per write while dropping the old index.
const DELETE_BATCH_ROWS: usize = 10_000;

/// A storage as a blob source (a `dyn BlobStorage` is one, but a
/// reference to it cannot be turned into a `dyn BlobSource` directly).
struct StorageSource<'a>(&'a dyn BlobStorage);

impl crate::blob::BlobSource for StorageSource<'_> {
    fn get(&self, blob_ref: &BlobRef) -> std::io::Result<Vec<u8>> {
        crate::blob::BlobSource::get(self.0, blob_ref)
    }
}

/// What `reindex` found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReindexReport {
    pub blobs: u64,
    pub claims: u64,
    /// Blobs that look like schema blobs but are invalid (left plain).
    pub invalid_schema_blobs: u64,
    pub nodes: u64,
}

fn drop_index(db: &Db) -> Result<(), IndexError> {
    let start = [key::INDEX_PREFIX];
    let end = key::prefix_end(&start);
    loop {
        let mut batch = WriteBatch::new();
        // A one-off walk over every index row: do not evict hot blocks.
        let read = ReadOptions {
            fill_cache: false,
            ..ReadOptions::new()
        };
        let mut cursor = db.iter(&read);
        cursor.seek(&start);
        let mut count = 0;
        while cursor.valid() && cursor.key() < end.as_slice() && count < DELETE_BATCH_ROWS {
            batch.delete(cursor.key());
            count += 1;
            cursor.next();
        }
        cursor.status()?;
        if count == 0 {
            return Ok(());
        }
        db.write(&WriteOptions::default(), batch)?;
    }
}

/// Every claim among the blobs, with the report of what was read.
fn read_claims(
    storage: &dyn BlobStorage,
    report: &mut ReindexReport,
) -> Result<Vec<(ClaimKey, Claim)>, IndexError> {
    let mut claims = Vec::new();
    let mut after: Option<BlobRef> = None;
    loop {
        let page = storage
            .enumerate(after.as_ref(), ENUMERATE_PAGE_BLOBS)
            .map_err(|e| IndexError::Blob(e.into()))?;
        for (blob_ref, _) in &page {
            report.blobs += 1;
            let bytes =
                crate::blob::BlobSource::get(storage, blob_ref).map_err(IndexError::Blob)?;
            match classify(&bytes) {
                Ok(Some(SchemaBlob::Claim(claim))) => {
                    claims.push((ClaimKey::new(claim.date, *blob_ref), claim))
                }
                Ok(_) => {}
                Err(_) => report.invalid_schema_blobs += 1,
            }
        }
        if page.len() < ENUMERATE_PAGE_BLOBS {
            return Ok(claims);
        }
        after = page.last().map(|(blob_ref, _)| *blob_ref);
    }
}

/// Drops and rebuilds the whole index (see the module header).
pub fn reindex(db: &Db, storage: &dyn BlobStorage) -> Result<ReindexReport, IndexError> {
    drop_index(db)?;
    let mut report = ReindexReport::default();
    let mut claims = read_claims(storage, &mut report)?;
    report.claims = claims.len() as u64;
    let is_delete = |claim: &Claim| {
        claim
            .changes()
            .iter()
            .any(|c| matches!(c, Change::Delete { .. }))
    };
    claims.sort_by_key(|(claim_key, claim)| (is_delete(claim), *claim_key));
    let mut rows = Rows::new(db);
    rows.put(
        key::version_row(),
        INDEX_SCHEMA_VERSION.to_le_bytes().to_vec(),
    );
    let mut nodes = BTreeSet::new();
    let mut cache = ClaimCache::new();
    for (claim_key, claim) in claims {
        if let Some(logged) = log_claim(&mut rows, &claim_key.claim, &claim)? {
            nodes.extend(logged.nodes);
        }
        cache.insert(claim_key.claim, Arc::new(claim));
    }
    report.nodes = nodes.len() as u64;
    replay(&mut rows, &StorageSource(storage), &nodes, cache)?;
    db.write(&WriteOptions { sync: true }, rows.into_batch())?;
    Ok(report)
}
