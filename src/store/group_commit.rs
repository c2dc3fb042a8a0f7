//! Group commit (LevelDB's writer queue): many threads submit writes; the
//! one at the front of the queue becomes the leader, takes the writes
//! queued behind it (up to a byte bound) as one group, commits the group
//! with one log write and at most one sync, and hands every member its
//! result. Writes are committed in submission order, one group at a time.
//!
//! Thread safety: `submit` may be called from any number of threads; the
//! commit function runs on one thread at a time, without the queue lock.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};

/// A group stops growing past this many bytes (LevelDB: 1 MiB), so one
/// large group does not delay its first writer without bound.
pub const GROUP_BYTES_MAX: usize = 1 << 20;
/// A small first write lets the group grow only this much past it
/// (LevelDB: size + 128 KiB), so small writes stay fast.
pub const SMALL_WRITE_BYTES: usize = 128 << 10;

/// One submitted write.
pub trait Member {
    /// Bytes this write adds to a group.
    fn bytes(&self) -> usize;
    /// Must it be durable before it is acknowledged?
    fn sync(&self) -> bool;
}

struct Entry<T> {
    ticket: u64,
    /// Taken by the leader of the entry's group.
    item: Option<T>,
}

struct Queue<T, R> {
    next_ticket: u64,
    /// Writes not yet committed; the front one leads (and stays at the
    /// front while its group commits, so no second leader starts).
    entries: VecDeque<Entry<T>>,
    /// Results of committed writes, until their threads collect them.
    done: HashMap<u64, R>,
    /// Threads blocked on `turn`. A leader wakes them only when there are
    /// any: a wake-up is a system call (futex), which would otherwise be
    /// paid by every write of a lone writer.
    waiting: usize,
    /// The vector a group is gathered in, kept between groups so a lone
    /// writer allocates none.
    spare_group: Vec<T>,
}

/// The queue of pending writes.
pub struct GroupCommit<T, R> {
    queue: Mutex<Queue<T, R>>,
    turn: Condvar,
}

impl<T: Member, R: Clone> Default for GroupCommit<T, R> {
    fn default() -> Self {
        GroupCommit::new()
    }
}

impl<T: Member, R: Clone> GroupCommit<T, R> {
    pub fn new() -> GroupCommit<T, R> {
        let queue = Queue {
            next_ticket: 0,
            entries: VecDeque::new(),
            done: HashMap::new(),
            waiting: 0,
            spare_group: Vec::new(),
        };
        GroupCommit {
            queue: Mutex::new(queue),
            turn: Condvar::new(),
        }
    }

    /// Submits `item` and waits until its group is committed; returns the
    /// group's result. If this thread leads, it calls `commit` with the
    /// group's items in submission order (its own first) and whether any
    /// of them asked for a sync.
    pub fn submit(&self, item: T, commit: impl FnOnce(&mut [T], bool) -> R) -> R {
        let mut queue = self.lock();
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.entries.push_back(Entry {
            ticket,
            item: Some(item),
        });
        loop {
            if !queue.done.is_empty()
                && let Some(result) = queue.done.remove(&ticket)
            {
                return result;
            }
            if queue
                .entries
                .front()
                .is_some_and(|entry| entry.ticket == ticket)
            {
                break;
            }
            queue.waiting += 1;
            queue = self.turn.wait(queue).unwrap_or_else(|p| p.into_inner());
            queue.waiting -= 1;
        }
        let mut group = take_group(&mut queue);
        drop(queue);
        let sync = group.iter().any(Member::sync);
        let result = commit(&mut group, sync);
        let members = group.len();
        group.clear();
        let mut queue = self.lock();
        for _ in 0..members {
            let entry = queue
                .entries
                .pop_front()
                .expect("the group is at the front");
            if entry.ticket != ticket {
                queue.done.insert(entry.ticket, result.clone());
            }
        }
        queue.spare_group = group;
        // Read under the lock: a thread that has not yet counted itself
        // will see the popped queue before it waits, so it needs no wake.
        let anyone_waiting = queue.waiting > 0;
        drop(queue);
        if anyone_waiting {
            self.turn.notify_all();
        }
        result
    }

    fn lock(&self) -> MutexGuard<'_, Queue<T, R>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Takes the items of the leader and of the writers behind it that fit:
/// within the byte bound, and no sync write behind a leader that does not
/// sync (its caller did not ask to wait for a sync).
fn take_group<T: Member, R>(queue: &mut Queue<T, R>) -> Vec<T> {
    let first = queue.entries[0]
        .item
        .as_ref()
        .expect("the leader's item is queued");
    let first_bytes = first.bytes();
    let leader_syncs = first.sync();
    let bytes_max = if first_bytes <= SMALL_WRITE_BYTES {
        first_bytes + SMALL_WRITE_BYTES
    } else {
        GROUP_BYTES_MAX
    };
    let mut group = std::mem::take(&mut queue.spare_group);
    let mut bytes = 0;
    for entry in queue.entries.iter_mut() {
        let item = entry.item.as_ref().expect("queued entries hold their item");
        let fits = group.is_empty()
            || (bytes + item.bytes() <= bytes_max && (leader_syncs || !item.sync()));
        if !fits {
            break;
        }
        bytes += item.bytes();
        group.push(entry.item.take().expect("checked above"));
    }
    group
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug, Clone, PartialEq)]
    struct Write {
        thread: usize,
        sequence: usize,
        bytes: usize,
        sync: bool,
    }

    impl Member for Write {
        fn bytes(&self) -> usize {
            self.bytes
        }
        fn sync(&self) -> bool {
            self.sync
        }
    }

    #[test]
    fn a_lone_writer_commits_its_own_write() {
        let queue: GroupCommit<Write, usize> = GroupCommit::new();
        let write = Write {
            thread: 0,
            sequence: 0,
            bytes: 10,
            sync: true,
        };
        let result = queue.submit(write.clone(), |group, sync| {
            assert_eq!(group, std::slice::from_ref(&write));
            assert!(sync);
            7
        });
        assert_eq!(result, 7);
    }

    #[test]
    fn concurrent_writers_are_committed_once_each_in_order_per_thread() {
        const THREADS: usize = 8;
        const WRITES: usize = 500;
        let queue: Arc<GroupCommit<Write, Result<(), String>>> = Arc::new(GroupCommit::new());
        let log = Arc::new(Mutex::new(Vec::new()));
        let groups = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (queue, log, groups) = (queue.clone(), log.clone(), groups.clone());
                std::thread::spawn(move || {
                    for sequence in 0..WRITES {
                        let write = Write {
                            thread,
                            sequence,
                            bytes: 100,
                            sync: sequence % 7 == 0,
                        };
                        let result = queue.submit(write, |group, _sync| {
                            groups.fetch_add(1, Ordering::Relaxed);
                            log.lock().unwrap().extend(group.iter().cloned());
                            Ok(())
                        });
                        assert_eq!(result, Ok(()));
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        let log = log.lock().unwrap();
        assert_eq!(
            log.len(),
            THREADS * WRITES,
            "every write committed exactly once"
        );
        for thread in 0..THREADS {
            let mine: Vec<usize> = log
                .iter()
                .filter(|w| w.thread == thread)
                .map(|w| w.sequence)
                .collect();
            assert_eq!(
                mine,
                (0..WRITES).collect::<Vec<_>>(),
                "thread {thread} in order"
            );
        }
        assert!(groups.load(Ordering::Relaxed) <= THREADS * WRITES);
    }

    #[test]
    fn a_group_respects_the_byte_bound_and_sync_rule() {
        let queue: GroupCommit<Write, ()> = GroupCommit::new();
        let mut guard = queue.lock();
        for (index, (bytes, sync)) in [(10, false), (100, false), (200_000, false), (10, false)]
            .into_iter()
            .enumerate()
        {
            let item = Write {
                thread: 0,
                sequence: index,
                bytes,
                sync,
            };
            guard.entries.push_back(Entry {
                ticket: index as u64,
                item: Some(item),
            });
        }
        let group = take_group(&mut guard);
        assert_eq!(group.iter().map(|w| w.sequence).collect::<Vec<_>>(), [0, 1]);
        guard.entries.clear();
        for (index, sync) in [false, true, false].into_iter().enumerate() {
            let item = Write {
                thread: 0,
                sequence: index,
                bytes: 10,
                sync,
            };
            guard.entries.push_back(Entry {
                ticket: index as u64,
                item: Some(item),
            });
        }
        let group = take_group(&mut guard);
        assert_eq!(
            group.len(),
            1,
            "a sync write does not join a non-sync leader's group"
        );
    }

    #[test]
    fn an_error_reaches_every_member_of_the_group() {
        let queue: Arc<GroupCommit<Write, Result<(), String>>> = Arc::new(GroupCommit::new());
        let failures = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..4)
            .map(|thread| {
                let (queue, failures) = (queue.clone(), failures.clone());
                std::thread::spawn(move || {
                    for sequence in 0..100 {
                        let write = Write {
                            thread,
                            sequence,
                            bytes: 1,
                            sync: false,
                        };
                        let result = queue.submit(write, |_, _| Err("disk full".to_string()));
                        if result.is_err() {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(failures.load(Ordering::Relaxed), 400);
    }
}
