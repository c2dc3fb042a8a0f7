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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::env::{Env, MemEnv};
    use crate::store::{Options, WriteOptions};
    use std::path::Path;
    use std::sync::Arc;

    fn db_with(keys: &[&[u8]]) -> Db {
        let options = Options {
            create_if_missing: true,
            env: Arc::new(MemEnv::new()) as Arc<dyn Env>,
            ..Options::default()
        };
        let db = Db::open(Path::new("/rows"), options).unwrap();
        for key in keys {
            db.put(&WriteOptions::default(), key, b"stored").unwrap();
        }
        db
    }

    #[test]
    fn pending_changes_overlay_the_stored_rows() {
        let db = db_with(&[b"a1", b"a2", b"a3", b"b1"]);
        let mut rows = Rows::new(&db);
        rows.delete(b"a3".to_vec());
        rows.put(b"a25".to_vec(), b"new".to_vec());
        rows.put(b"a1".to_vec(), b"changed".to_vec());
        let keys: Vec<Vec<u8>> = rows
            .scan(b"a", b"b")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, vec![b"a1".to_vec(), b"a2".to_vec(), b"a25".to_vec()]);
        assert_eq!(rows.get(b"a1").unwrap(), Some(b"changed".to_vec()));
        assert_eq!(rows.get(b"a3").unwrap(), None);
        assert_eq!(rows.get(b"b1").unwrap(), Some(b"stored".to_vec()));
    }

    #[test]
    fn last_in_skips_rows_deleted_by_pending_changes() {
        let db = db_with(&[b"a1", b"a2", b"a3", b"b1"]);
        let mut rows = Rows::new(&db);
        assert_eq!(rows.last_in(b"a", b"b").unwrap().unwrap().0, b"a3".to_vec());
        rows.delete(b"a3".to_vec());
        assert_eq!(rows.last_in(b"a", b"b").unwrap().unwrap().0, b"a2".to_vec());
        rows.put(b"a29".to_vec(), Vec::new());
        assert_eq!(
            rows.last_in(b"a", b"b").unwrap().unwrap().0,
            b"a29".to_vec()
        );
        rows.delete(b"a1".to_vec());
        rows.delete(b"a2".to_vec());
        rows.delete(b"a29".to_vec());
        assert_eq!(rows.last_in(b"a", b"b").unwrap(), None);
        assert_eq!(rows.last_in(b"b", b"c").unwrap().unwrap().0, b"b1".to_vec());
        let batch = rows.into_batch();
        assert_eq!(batch.count(), 4);
    }
}
