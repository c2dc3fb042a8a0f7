//! Merges N sorted cursors into one (LevelDB's `MergingIterator`): the
//! current entry is the smallest (forward) or largest (backward) among
//! the children's current entries.
//!
//! Direction switches follow LevelDB: going forward, every child is at
//! its first entry > key(); going backward, every child is at its last
//! entry < key(). `next` after `prev` (and the reverse) repositions every
//! other child first.
//!
//! Errors: unlike LevelDB, which carries on over the other children and
//! reports the error only through `status()`, this iterator stops (becomes
//! invalid) as soon as a child that moved reports an error: an entry hidden
//! in a damaged child could be a newer version or a deletion, so carrying
//! on would give a wrong answer.
//!
//! Cost: each step compares the current keys of all children (linear, as
//! LevelDB does); N is small (memtables + level-0 files + one per level).
//! Like LevelDB's `IteratorWrapper`, each child's validity and key are
//! kept beside it, refreshed only when that child moves, so comparisons
//! and `key()` make no dynamic calls (a step copies one key, ~24 bytes).

use super::{BoxedIterator, InternalIterator};
use crate::store::dbformat::compare_internal_keys;
use crate::store::table::error::TableError;
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Forward,
    Reverse,
}

/// A child cursor with its validity and current key, as of its last move.
///
/// Invariant: `valid == iter.valid()`, and when valid `key == iter.key()`.
struct Child {
    iter: BoxedIterator,
    valid: bool,
    key: Vec<u8>,
}

impl Child {
    /// Re-reads validity and key after the cursor moved.
    fn refresh(&mut self) {
        self.valid = self.iter.valid();
        if self.valid {
            self.key.clear();
            self.key.extend_from_slice(self.iter.key());
        }
    }

    fn seek_to_first(&mut self) {
        self.iter.seek_to_first();
        self.refresh();
    }

    fn seek_to_last(&mut self) {
        self.iter.seek_to_last();
        self.refresh();
    }

    fn seek(&mut self, target: &[u8]) {
        self.iter.seek(target);
        self.refresh();
    }

    fn next(&mut self) {
        self.iter.next();
        self.refresh();
    }

    fn prev(&mut self) {
        self.iter.prev();
        self.refresh();
    }
}

pub struct MergingIterator {
    children: Vec<Child>,
    /// Index of the child whose entry is current; None when invalid.
    current: Option<usize>,
    direction: Direction,
    /// The first error a child reported; the iterator stays invalid.
    error: Option<TableError>,
}

impl MergingIterator {
    /// Merges `children` (each in internal key order), initially invalid.
    pub fn new(children: Vec<BoxedIterator>) -> MergingIterator {
        let children = children
            .into_iter()
            .map(|iter| Child {
                iter,
                valid: false,
                key: Vec::new(),
            })
            .collect();
        MergingIterator {
            children,
            current: None,
            direction: Direction::Forward,
            error: None,
        }
    }

    /// Records the error of child `index` if it is invalid because of one.
    /// Returns false when the iterator must stop.
    fn check_child(&mut self, index: usize) -> bool {
        let child = &self.children[index];
        if child.valid || self.error.is_some() {
            return self.error.is_none();
        }
        if let Err(error) = child.iter.status() {
            self.error = Some(error);
            self.current = None;
            return false;
        }
        true
    }

    fn check_all_children(&mut self) -> bool {
        (0..self.children.len()).all(|index| self.check_child(index))
    }

    /// Picks the child with the smallest key (the first one on ties).
    fn find_smallest(&mut self) {
        let mut smallest: Option<usize> = None;
        for (index, child) in self.children.iter().enumerate() {
            if !child.valid {
                continue;
            }
            let better = smallest.is_none_or(|best| {
                compare_internal_keys(&child.key, &self.children[best].key) == Ordering::Less
            });
            if better {
                smallest = Some(index);
            }
        }
        self.current = smallest;
    }

    /// Picks the child with the largest key (the last one on ties).
    fn find_largest(&mut self) {
        let mut largest: Option<usize> = None;
        for (index, child) in self.children.iter().enumerate().rev() {
            if !child.valid {
                continue;
            }
            let better = largest.is_none_or(|best| {
                compare_internal_keys(&child.key, &self.children[best].key) == Ordering::Greater
            });
            if better {
                largest = Some(index);
            }
        }
        self.current = largest;
    }

    fn settle(&mut self, direction: Direction, all_moved: bool) {
        self.direction = direction;
        let healthy = if all_moved {
            self.check_all_children()
        } else {
            self.current.is_none_or(|current| self.check_child(current))
        };
        if !healthy {
            return;
        }
        match direction {
            Direction::Forward => self.find_smallest(),
            Direction::Reverse => self.find_largest(),
        }
    }

    fn current_index(&self) -> usize {
        self.current.expect("merging iterator is not valid")
    }

    /// Puts every child but the current one at its first entry > key().
    fn switch_to_forward(&mut self) {
        let current = self.current_index();
        let key = self.children[current].key.clone();
        for (index, child) in self.children.iter_mut().enumerate() {
            if index == current {
                continue;
            }
            child.seek(&key);
            if child.valid && compare_internal_keys(&key, &child.key) == Ordering::Equal {
                child.next();
            }
        }
        self.direction = Direction::Forward;
    }

    /// Puts every child but the current one at its last entry < key().
    fn switch_to_reverse(&mut self) {
        let current = self.current_index();
        let key = self.children[current].key.clone();
        for (index, child) in self.children.iter_mut().enumerate() {
            if index == current {
                continue;
            }
            child.seek(&key);
            if child.valid {
                child.prev();
            } else if child.iter.status().is_ok() {
                // No entry >= key: the last entry is < key.
                child.seek_to_last();
            }
        }
        self.direction = Direction::Reverse;
    }
}

impl InternalIterator for MergingIterator {
    fn valid(&self) -> bool {
        self.current.is_some()
    }

    fn seek_to_first(&mut self) {
        self.error = None;
        for child in &mut self.children {
            child.seek_to_first();
        }
        self.settle(Direction::Forward, true);
    }

    fn seek_to_last(&mut self) {
        self.error = None;
        for child in &mut self.children {
            child.seek_to_last();
        }
        self.settle(Direction::Reverse, true);
    }

    fn seek(&mut self, target: &[u8]) {
        self.error = None;
        for child in &mut self.children {
            child.seek(target);
        }
        self.settle(Direction::Forward, true);
    }

    fn next(&mut self) {
        let current = self.current_index();
        let switched = self.direction != Direction::Forward;
        if switched {
            self.switch_to_forward();
        }
        self.children[current].next();
        self.settle(Direction::Forward, switched);
    }

    fn prev(&mut self) {
        let current = self.current_index();
        let switched = self.direction != Direction::Reverse;
        if switched {
            self.switch_to_reverse();
        }
        self.children[current].prev();
        self.settle(Direction::Reverse, switched);
    }

    fn key(&self) -> &[u8] {
        &self.children[self.current_index()].key
    }

    fn value(&self) -> &[u8] {
        self.children[self.current_index()].iter.value()
    }

    fn status(&self) -> Result<(), TableError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        self.children
            .iter()
            .try_for_each(|child| child.iter.status())
    }
}
