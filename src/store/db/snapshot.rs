//! Snapshots: a sequence number the Db keeps the history of while any
//! handle to it lives. Reads at a snapshot see exactly the writes with a
//! sequence number at or below it.

use super::lock;
use crate::store::dbformat::SequenceNumber;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Live snapshots: sequence number → handles alive.
#[derive(Default)]
pub(super) struct SnapshotList {
    live: BTreeMap<SequenceNumber, usize>,
}

impl SnapshotList {
    pub(super) fn take(list: &Arc<Mutex<SnapshotList>>, sequence: SequenceNumber) -> Snapshot {
        *lock(list).live.entry(sequence).or_insert(0) += 1;
        Snapshot {
            handle: Arc::new(Handle {
                sequence,
                list: Arc::clone(list),
            }),
        }
    }

    /// The oldest snapshot still held, if any.
    pub(super) fn oldest(&self) -> Option<SequenceNumber> {
        self.live.keys().next().copied()
    }
}

struct Handle {
    sequence: SequenceNumber,
    list: Arc<Mutex<SnapshotList>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let mut list = lock(&self.list);
        if let Some(count) = list.live.get_mut(&self.sequence) {
            *count -= 1;
            if *count == 0 {
                list.live.remove(&self.sequence);
            }
        }
    }
}

/// A read view; clones share it. Released when the last clone drops.
#[derive(Clone)]
pub struct Snapshot {
    handle: Arc<Handle>,
}

impl Snapshot {
    pub fn sequence(&self) -> SequenceNumber {
        self.handle.sequence
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Snapshot({})", self.handle.sequence)
    }
}
