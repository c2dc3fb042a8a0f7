//! Index rows being changed: reads of the Db with the not yet written
//! changes of this update laid over them, so one update can read what it
//! wrote, and all its changes leave as one `WriteBatch` (written with the
//! claim blob, atomically).

use super::error::IndexError;
use crate::store::{Db, ReadOptions, WriteBatch};
use std::collections::BTreeMap;
use std::ops::Bound;

/// A row: key and value.
pub type Row = (Vec<u8>, Vec<u8>);

/// A view of the Db plus pending puts (`Some`) and deletes (`None`).
pub struct Rows<'db> {
    db: &'db Db,
    pending: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<'db> Rows<'db> {
    pub fn new(db: &'db Db) -> Rows<'db> {
        Rows {
            db,
            pending: BTreeMap::new(),
        }
    }

    pub fn db(&self) -> &'db Db {
        self.db
    }

    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.pending.insert(key, Some(value));
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.pending.insert(key, None);
    }

    /// How many changes are pending.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, IndexError> {
        if let Some(change) = self.pending.get(key) {
            return Ok(change.clone());
        }
        Ok(self.db.get(&ReadOptions::new(), key)?)
    }

    /// Every row with `start <= key < end`, in key order.
    pub fn scan(&self, start: &[u8], end: &[u8]) -> Result<Vec<Row>, IndexError> {
        let mut merged = BTreeMap::new();
        let mut cursor = self.db.iter(&ReadOptions::new());
        cursor.seek(start);
        while cursor.valid() && cursor.key() < end {
            merged.insert(cursor.key().to_vec(), Some(cursor.value()?));
            cursor.next();
        }
        cursor.status()?;
        let range = (
            Bound::Included(start.to_vec()),
            Bound::Excluded(end.to_vec()),
        );
        for (key, change) in self.pending.range(range) {
            merged.insert(key.clone(), change.clone());
        }
        Ok(merged
            .into_iter()
            .filter_map(|(key, value)| Some((key, value?)))
            .collect())
    }

    /// The last row with `start <= key < end`, if any.
    pub fn last_in(&self, start: &[u8], end: &[u8]) -> Result<Option<Row>, IndexError> {
        let range = (
            Bound::Included(start.to_vec()),
            Bound::Excluded(end.to_vec()),
        );
        let pending = self
            .pending
            .range(range)
            .rev()
            .find_map(|(key, change)| Some((key.clone(), change.clone()?)));
        let stored = self.last_stored_in(start, end)?;
        Ok(match (pending, stored) {
            (Some(pending), Some(stored)) => Some(pending.max(stored)),
            (pending, stored) => pending.or(stored),
        })
    }

    /// The last stored row in the range that no pending change replaces.
    fn last_stored_in(&self, start: &[u8], end: &[u8]) -> Result<Option<Row>, IndexError> {
        let mut cursor = self.db.iter(&ReadOptions::new());
        cursor.seek(end);
        if cursor.valid() {
            cursor.prev();
        } else {
            cursor.seek_to_last();
        }
        while cursor.valid() && cursor.key() >= start {
            if !self.pending.contains_key(cursor.key()) {
                return Ok(Some((cursor.key().to_vec(), cursor.value()?)));
            }
            cursor.prev();
        }
        cursor.status()?;
        Ok(None)
    }

    /// The pending changes as one batch.
    pub fn into_batch(self) -> WriteBatch {
        let mut batch = WriteBatch::new();
        for (key, change) in self.pending {
            match change {
                Some(value) => batch.put(&key, &value),
                None => batch.delete(&key),
            }
        }
        batch
    }
}
