//! Write-back while a long write goes on: the disk starts on the first
//! megabytes instead of waiting for the closing sync. Shared by
//! `PUT /api/file` (`upload.rs`) and `strata import` on a data folder
//! (`cli/import_direct.rs`).
//!
//! Writers of deferred (unsynced) blobs report each store to a
//! [`WriteBackHints`]; once at least its minimum of bytes were stored
//! since the last hint, it names the blob just stored to the write-back
//! thread ([`WriteBackQueue::run`]) — only if that thread is idle (a
//! rendezvous: a hint is never queued behind a write-back under way; the
//! next store tries again). The thread asks the storage to write what
//! was stored so far to the medium ([`BlobStorage::write_back`]: an
//! fdatasync of the value-log file holding the blob) while the writers
//! go on, so the closing sync finds only what was stored during the last
//! write-back (or under the minimum) left to write. When the disk is
//! slower than the writers each write-back covers more, so there are
//! fewer of them.
//!
//! A write-back is a hint, never the durable point: the writer's own
//! closing [`BlobStorage::sync`] is. An fdatasync on the writing thread
//! itself measured no better for an import (it stalls the hashing).
//!
//! Thread safety: `WriteBackHints` may be shared by many writers (the
//! byte count is atomic); one thread runs the queue.

use super::BlobRef;
use super::storage::{BlobStorage, StorageError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

/// The writers' side: counts bytes stored and hints an idle write-back
/// thread (see the module header).
pub struct WriteBackHints {
    hints: SyncSender<BlobRef>,
    bytes_min: u64,
    unhinted_bytes: AtomicU64,
}

/// The write-back thread's side: the hints, one write-back each.
pub struct WriteBackQueue {
    hinted: Receiver<BlobRef>,
}

/// A pair: hints once `bytes_min` are stored since the last one (a
/// write-back of less would cost a file-system commit for little).
pub fn write_back_channel(bytes_min: u64) -> (WriteBackHints, WriteBackQueue) {
    assert!(
        bytes_min > 0,
        "a write-back per store would thrash the disk"
    );
    let (hints, hinted) = sync_channel::<BlobRef>(0);
    let sender = WriteBackHints {
        hints,
        bytes_min,
        unhinted_bytes: AtomicU64::new(0),
    };
    (sender, WriteBackQueue { hinted })
}

impl WriteBackHints {
    /// Reports `bytes` stored, `recent` among them (the latest): hints
    /// the write-back thread when the minimum is reached and it is idle.
    pub fn stored(&self, bytes: u64, recent: &BlobRef) {
        let unhinted = self.unhinted_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if unhinted < self.bytes_min {
            return;
        }
        match self.hints.try_send(*recent) {
            // Busy writing back: the next store tries again.
            Err(TrySendError::Full(_)) => {}
            // Gone: it failed, and its `run` says why.
            Ok(()) | Err(TrySendError::Disconnected(_)) => {
                // Saturating: another writer's hint may have reset the
                // count since this one read it (no wrap past zero).
                let reset = |count: u64| Some(count.saturating_sub(unhinted));
                let _ =
                    self.unhinted_bytes
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, reset);
            }
        }
    }
}

impl WriteBackQueue {
    /// One `write_back` per hint until every [`WriteBackHints`] is gone;
    /// the first error ends it (and is the answer).
    pub fn run(self, storage: &dyn BlobStorage) -> Result<(), StorageError> {
        for recent in self.hinted {
            storage.write_back(&recent)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refs hinted for `stores` (bytes, name), each hint taken before
    /// the next store (the thread is made to keep up).
    fn hint_stream(bytes_min: u64, stores: &[(u64, &str)]) -> Vec<BlobRef> {
        let (hints, queue) = write_back_channel(bytes_min);
        std::thread::scope(|scope| {
            let thread = scope.spawn(move || queue.hinted.iter().collect::<Vec<_>>());
            for (bytes, name) in stores {
                let blob_ref = BlobRef::of_bytes(name.as_bytes());
                hints.stored(*bytes, &blob_ref);
                while hints.unhinted_bytes.load(Ordering::Relaxed) >= bytes_min {
                    hints.stored(0, &blob_ref);
                }
            }
            drop(hints);
            thread.join().unwrap()
        })
    }

    #[test]
    fn a_hint_names_the_store_that_reached_the_minimum_and_restarts_the_count() {
        let refs = hint_stream(10, &[(4, "a"), (5, "b"), (1, "c"), (9, "d"), (3, "e")]);
        let expected = vec![BlobRef::of_bytes(b"c"), BlobRef::of_bytes(b"e")];
        assert_eq!(refs, expected);
    }

    #[test]
    fn nothing_under_the_minimum_is_hinted() {
        assert!(hint_stream(100, &[(40, "a"), (59, "b")]).is_empty());
    }

    #[test]
    fn writers_hinting_at_once_never_wrap_the_count() {
        let (hints, queue) = write_back_channel(8);
        let hints = std::sync::Arc::new(hints);
        std::thread::scope(|scope| {
            let thread = scope.spawn(move || queue.hinted.iter().count());
            for writer in 0..4u8 {
                let hints = std::sync::Arc::clone(&hints);
                scope.spawn(move || {
                    for index in 0..2_000u32 {
                        let name = [writer, (index % 251) as u8];
                        hints.stored(3, &BlobRef::of_bytes(&name));
                        let count = hints.unhinted_bytes.load(Ordering::Relaxed);
                        assert!(count < 1 << 40, "the count wrapped: {count}");
                    }
                });
            }
            drop(hints);
            assert!(thread.join().unwrap() > 0);
        });
    }

    #[test]
    fn hints_to_a_stopped_thread_are_dropped_without_blocking() {
        let (hints, queue) = write_back_channel(1);
        drop(queue);
        for index in 0..3u8 {
            hints.stored(5, &BlobRef::of_bytes(&[index]));
        }
        assert_eq!(hints.unhinted_bytes.load(Ordering::Relaxed), 0);
    }
}
