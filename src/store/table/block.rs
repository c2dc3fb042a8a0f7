//! Reads one block written by `BlockBuilder`: a cursor that binary-searches
//! the restart array and decodes prefix-compressed entries forward and
//! backward. Malformed bytes make the cursor invalid with a corruption
//! status; they never panic or yield entries.

use crate::store::comparator::Comparator;
use crate::store::table::error::{Corruption, TableError};
use crate::store::table::iterator::TableIterator;
use crate::util::varint::{get_fixed32, get_varint32};
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::sync::Arc;

/// Bytes of one restart point or of the restart count.
const RESTART_BYTES: usize = 4;

/// Where a block came from, so errors can name the file and offset.
#[derive(Debug, Clone)]
pub struct BlockOrigin {
    pub file: Arc<str>,
    pub offset: u64,
}

/// The contents of one block, checked only for a restart array that fits.
///
/// Invariant: `restarts_offset + 4 * (restart_count + 1) == data.len()`.
pub struct Block {
    data: Vec<u8>,
    restarts_offset: usize,
    restart_count: u32,
    origin: BlockOrigin,
}

impl Block {
    /// Wraps a block's contents (without trailer).
    pub fn new(data: Vec<u8>, origin: BlockOrigin) -> Result<Block, TableError> {
        let bad = |restarts| {
            TableError::corruption(
                &origin.file,
                origin.offset,
                Corruption::BadRestartArray { restarts },
            )
        };
        let Some(count_at) = data.len().checked_sub(RESTART_BYTES) else {
            return Err(bad(0));
        };
        let restart_count = get_fixed32(&data[count_at..]).ok_or_else(|| bad(0))?;
        let restarts_max = count_at / RESTART_BYTES;
        if restart_count as usize > restarts_max {
            return Err(bad(restart_count));
        }
        let restarts_offset = count_at - restart_count as usize * RESTART_BYTES;
        Ok(Block {
            data,
            restarts_offset,
            restart_count,
            origin,
        })
    }

    /// Size of the contents, in bytes (the block cache's charge).
    pub fn size_bytes(&self) -> usize {
        self.data.len()
    }

    pub fn origin(&self) -> &BlockOrigin {
        &self.origin
    }

    /// Number of restart points.
    pub fn restart_count(&self) -> u32 {
        self.restart_count
    }

    /// A cursor over this block's entries, initially invalid.
    pub fn iter(self: &Arc<Self>, comparator: Arc<dyn Comparator>) -> BlockIter {
        BlockIter::new(Arc::clone(self), comparator)
    }
}

/// The little-endian u32 at `at` (inlined: the restart array is read in
/// the hot loop of every seek).
#[inline]
fn fixed32_at(data: &[u8], at: usize) -> Option<u32> {
    match data.get(at..at.checked_add(RESTART_BYTES)?) {
        Some(&[b0, b1, b2, b3]) => Some(u32::from_le_bytes([b0, b1, b2, b3])),
        _ => None,
    }
}

/// One decoded entry header: where its key suffix and value lie.
struct Entry {
    shared: usize,
    non_shared: usize,
    value_bytes: usize,
    key_start: usize,
}

/// Decodes the entry at `offset`, which must end at or before `limit`.
#[inline]
fn decode_entry(data: &[u8], offset: usize, limit: usize) -> Option<Entry> {
    let input = data.get(offset..limit)?;
    // Fast path: all three lengths below 128 take one byte each (nearly
    // every entry); decoded here so the hot loop needs no calls.
    if let [shared, non_shared, value_bytes, ..] = *input
        && (shared | non_shared | value_bytes) < 0x80
    {
        return entry_within(
            offset + 3,
            shared.into(),
            non_shared.into(),
            value_bytes.into(),
            limit,
        );
    }
    let (shared, used_shared) = get_varint32(input)?;
    let (non_shared, used_non_shared) = get_varint32(&input[used_shared..])?;
    let header = used_shared + used_non_shared;
    let (value_bytes, used_value) = get_varint32(&input[header..])?;
    let key_start = offset + header + used_value;
    entry_within(
        key_start,
        shared as usize,
        non_shared as usize,
        value_bytes as usize,
        limit,
    )
}

#[inline]
fn entry_within(
    key_start: usize,
    shared: usize,
    non_shared: usize,
    value_bytes: usize,
    limit: usize,
) -> Option<Entry> {
    let end = key_start
        .checked_add(non_shared)?
        .checked_add(value_bytes)?;
    if end > limit {
        return None;
    }
    Some(Entry {
        shared,
        non_shared,
        value_bytes,
        key_start,
    })
}

/// A cursor over one block. `B` holds the block (an `Arc` for cursors that
/// outlive the caller, a reference for point lookups) and `C` the
/// comparator, likewise.
///
/// Invariant: valid iff `current < restarts_offset` and no error.
pub struct BlockIter<B = Arc<Block>, C = Arc<dyn Comparator>> {
    block: B,
    comparator: C,
    /// Offset of the current entry; `restarts_offset` when invalid.
    current: usize,
    /// Index of the restart point at or before `current`.
    restart_index: u32,
    key: Vec<u8>,
    value_start: usize,
    value_bytes: usize,
    error: Option<TableError>,
    run: Run,
}

/// The entries of one restart run decoded by `prev`, so that walking
/// backward costs O(1) a step instead of a re-scan of the run each step.
#[derive(Default)]
struct Run {
    entries: Vec<RunEntry>,
    /// The keys of `entries`, back to back.
    keys: Vec<u8>,
    /// Index in `entries` of the entry `prev` last moved to.
    position: Option<usize>,
}

struct RunEntry {
    offset: usize,
    restart_index: u32,
    key_end: usize,
    value_start: usize,
    value_bytes: usize,
}

impl<B: Borrow<Block>, C: Borrow<dyn Comparator>> BlockIter<B, C> {
    /// A cursor over `block`, initially invalid.
    pub fn new(block: B, comparator: C) -> Self {
        let (restart_count, restarts_offset) = {
            let block = block.borrow();
            (block.restart_count, block.restarts_offset)
        };
        BlockIter {
            block,
            comparator,
            current: restarts_offset,
            restart_index: restart_count,
            key: Vec::new(),
            value_start: restarts_offset,
            value_bytes: 0,
            error: None,
            run: Run::default(),
        }
    }

    fn restarts_offset(&self) -> usize {
        self.block.borrow().restarts_offset
    }

    fn next_entry_offset(&self) -> usize {
        self.value_start + self.value_bytes
    }

    /// The offset of restart point `index`, or None (and an error) if it
    /// points outside the entries.
    fn restart_point(&mut self, index: u32) -> Option<usize> {
        assert!(index < self.block.borrow().restart_count);
        let at = self.restarts_offset() + index as usize * RESTART_BYTES;
        let point = fixed32_at(&self.block.borrow().data, at).map(|point| point as usize);
        match point {
            Some(point) if point <= self.restarts_offset() => Some(point),
            _ => {
                self.corrupt(Corruption::BadRestartPoint { index });
                None
            }
        }
    }

    fn corrupt(&mut self, reason: Corruption) {
        let origin = &self.block.borrow().origin;
        self.error = Some(TableError::corruption(&origin.file, origin.offset, reason));
        self.mark_invalid();
    }

    fn mark_invalid(&mut self) {
        self.current = self.restarts_offset();
        self.restart_index = self.block.borrow().restart_count;
        self.key.clear();
        self.value_start = self.current;
        self.value_bytes = 0;
    }

    fn seek_to_restart_point(&mut self, index: u32) -> bool {
        let Some(point) = self.restart_point(index) else {
            return false;
        };
        self.key.clear();
        self.restart_index = index;
        self.value_start = point;
        self.value_bytes = 0;
        true
    }

    /// Decodes the entry after the current one; false at the end or on
    /// corruption.
    fn parse_next_key(&mut self) -> bool {
        self.current = self.next_entry_offset();
        let limit = self.restarts_offset();
        if self.current >= limit {
            self.mark_invalid();
            return false;
        }
        let entry = match decode_entry(&self.block.borrow().data, self.current, limit) {
            Some(entry) if entry.shared <= self.key.len() => entry,
            _ => {
                let offset_in_block = self.current as u32;
                self.corrupt(Corruption::BadEntry { offset_in_block });
                return false;
            }
        };
        let suffix_end = entry.key_start + entry.non_shared;
        self.key.truncate(entry.shared);
        self.key
            .extend_from_slice(&self.block.borrow().data[entry.key_start..suffix_end]);
        self.value_start = suffix_end;
        self.value_bytes = entry.value_bytes;
        self.advance_restart_index();
        true
    }

    fn advance_restart_index(&mut self) {
        while self.restart_index + 1 < self.block.borrow().restart_count {
            match self.restart_point(self.restart_index + 1) {
                Some(point) if point < self.current => self.restart_index += 1,
                _ => break,
            }
        }
    }

    /// The full key stored at restart point `index` (restart entries share
    /// nothing), or None (and an error).
    fn restart_key_range(&mut self, index: u32) -> Option<(usize, usize)> {
        let point = self.restart_point(index)?;
        match decode_entry(&self.block.borrow().data, point, self.restarts_offset()) {
            Some(entry) if entry.shared == 0 => {
                Some((entry.key_start, entry.key_start + entry.non_shared))
            }
            _ => {
                let offset_in_block = point as u32;
                self.corrupt(Corruption::BadEntry { offset_in_block });
                None
            }
        }
    }

    /// The last restart point in `left..=right` whose key is < `target`
    /// (or `left`).
    fn find_restart_before(&mut self, target: &[u8], mut left: u32, mut right: u32) -> Option<u32> {
        while left < right {
            let middle = left + (right - left).div_ceil(2);
            let (start, end) = self.restart_key_range(middle)?;
            let middle_key = &self.block.borrow().data[start..end];
            if self.comparator.borrow().compare(middle_key, target) == Ordering::Less {
                left = middle;
            } else {
                right = middle - 1;
            }
        }
        Some(left)
    }

    /// From a restart point, decodes entries up to the one before
    /// `original`, remembering them in `run`, and stops there.
    fn decode_run_before(&mut self, original: usize) {
        self.run.entries.clear();
        self.run.keys.clear();
        self.run.position = None;
        while self.parse_next_key() {
            self.run.keys.extend_from_slice(&self.key);
            self.run.entries.push(RunEntry {
                offset: self.current,
                restart_index: self.restart_index,
                key_end: self.run.keys.len(),
                value_start: self.value_start,
                value_bytes: self.value_bytes,
            });
            if self.next_entry_offset() >= original {
                self.run.position = Some(self.run.entries.len() - 1);
                return;
            }
        }
    }

    /// Moves to entry `position` of `run`.
    fn restore_run_entry(&mut self, position: usize) {
        let key_start = match position {
            0 => 0,
            _ => self.run.entries[position - 1].key_end,
        };
        let entry = &self.run.entries[position];
        self.key.clear();
        self.key
            .extend_from_slice(&self.run.keys[key_start..entry.key_end]);
        self.current = entry.offset;
        self.restart_index = entry.restart_index;
        self.value_start = entry.value_start;
        self.value_bytes = entry.value_bytes;
        self.run.position = Some(position);
    }

    /// Seeks the first entry >= `target` knowing that the last entry
    /// below it (if any) starts at one of the restart points
    /// `left..=right` (IndexWindows narrows point lookups so); without
    /// that knowledge, `seek` (0 to the last restart).
    pub fn seek_between(&mut self, target: &[u8], left: u32, right: u32) {
        if self.error.is_some() || self.is_empty_block() {
            return self.mark_invalid();
        }
        assert!(left <= right && right < self.block.borrow().restart_count);
        let Some(index) = self.find_restart_before(target, left, right) else {
            return;
        };
        if !self.seek_to_restart_point(index) {
            return;
        }
        while self.parse_next_key() {
            if self.comparator.borrow().compare(&self.key, target) != Ordering::Less {
                return;
            }
        }
    }

    /// Whether the block has no entries at all.
    fn is_empty_block(&self) -> bool {
        self.block.borrow().restart_count == 0
    }
}

impl<B: Borrow<Block>, C: Borrow<dyn Comparator>> TableIterator for BlockIter<B, C> {
    fn valid(&self) -> bool {
        self.current < self.restarts_offset() && self.error.is_none()
    }

    fn seek_to_first(&mut self) {
        if self.error.is_some() || self.is_empty_block() {
            return self.mark_invalid();
        }
        if self.seek_to_restart_point(0) {
            self.parse_next_key();
        }
    }

    fn seek_to_last(&mut self) {
        if self.error.is_some() || self.is_empty_block() {
            return self.mark_invalid();
        }
        if !self.seek_to_restart_point(self.block.borrow().restart_count - 1) {
            return;
        }
        while self.parse_next_key() && self.next_entry_offset() < self.restarts_offset() {}
    }

    fn seek(&mut self, target: &[u8]) {
        if self.error.is_some() || self.is_empty_block() {
            return self.mark_invalid();
        }
        if !self.valid() {
            let last = self.block.borrow().restart_count - 1;
            return self.seek_between(target, 0, last);
        }
        let mut left = 0;
        let mut right = self.block.borrow().restart_count - 1;
        let mut current_order = Ordering::Equal;
        if self.valid() {
            // Narrow the search with the current position (helps merging
            // iterators that seek forward a little at a time).
            current_order = self.comparator.borrow().compare(&self.key, target);
            match current_order {
                Ordering::Less => left = self.restart_index,
                Ordering::Greater => right = self.restart_index,
                Ordering::Equal => return,
            }
        }
        let Some(index) = self.find_restart_before(target, left, right) else {
            return;
        };
        let scan_from_current = index == self.restart_index && current_order == Ordering::Less;
        if !scan_from_current && !self.seek_to_restart_point(index) {
            return;
        }
        while self.parse_next_key() {
            if self.comparator.borrow().compare(&self.key, target) != Ordering::Less {
                return;
            }
        }
    }

    fn next(&mut self) {
        assert!(self.valid());
        self.parse_next_key();
    }

    fn prev(&mut self) {
        assert!(self.valid());
        if let Some(position) = self.run.position
            && position > 0
            && self.run.entries[position].offset == self.current
        {
            return self.restore_run_entry(position - 1);
        }
        let original = self.current;
        loop {
            let Some(point) = self.restart_point(self.restart_index) else {
                return;
            };
            if point < original {
                break;
            }
            if self.restart_index == 0 {
                return self.mark_invalid(); // no entry before the first
            }
            self.restart_index -= 1;
        }
        if self.seek_to_restart_point(self.restart_index) {
            self.decode_run_before(original);
        }
    }

    fn key(&self) -> &[u8] {
        assert!(self.valid());
        &self.key
    }

    fn value(&self) -> &[u8] {
        assert!(self.valid());
        &self.block.borrow().data[self.value_start..self.value_start + self.value_bytes]
    }

    fn status(&self) -> Result<(), TableError> {
        match &self.error {
            None => Ok(()),
            Some(error) => Err(error.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::comparator::BytewiseComparator;
    use crate::store::table::block_builder::{BLOCK_RESTART_INTERVAL_ENTRIES, BlockBuilder};
    use crate::store::table::test_rng::TestRng;
    use std::collections::BTreeMap;

    /// More entries than any test block holds: a scan this long is a bug.
    const SCAN_ENTRIES_MAX: usize = 10_000;

    fn origin() -> BlockOrigin {
        BlockOrigin {
            file: Arc::from("test.ldb"),
            offset: 0,
        }
    }

    fn build(model: &BTreeMap<Vec<u8>, Vec<u8>>, interval: usize) -> Vec<u8> {
        let mut builder = BlockBuilder::new(Arc::new(BytewiseComparator), interval);
        for (key, value) in model {
            builder.add(key, value);
        }
        builder.finish().to_vec()
    }

    fn open(data: Vec<u8>) -> BlockIter {
        let block = Arc::new(Block::new(data, origin()).unwrap());
        block.iter(Arc::new(BytewiseComparator))
    }

    fn random_model(rng: &mut TestRng, entries: usize) -> BTreeMap<Vec<u8>, Vec<u8>> {
        (0..entries).map(|_| (rng.key(12), rng.key(20))).collect()
    }

    fn collect_forward(iter: &mut BlockIter) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        iter.seek_to_first();
        while iter.valid() {
            out.push((iter.key().to_vec(), iter.value().to_vec()));
            assert!(out.len() <= SCAN_ENTRIES_MAX, "iteration does not end");
            iter.next();
        }
        out
    }

    fn collect_backward(iter: &mut BlockIter) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        iter.seek_to_last();
        while iter.valid() {
            out.push((iter.key().to_vec(), iter.value().to_vec()));
            assert!(out.len() <= SCAN_ENTRIES_MAX, "iteration does not end");
            iter.prev();
        }
        out.reverse();
        out
    }

    #[test]
    fn block_round_trips_random_entries_forward_and_backward() {
        let mut rng = TestRng::from_clock("block_round_trips");
        for interval in [1, 2, BLOCK_RESTART_INTERVAL_ENTRIES] {
            for entries in [0, 1, 2, 15, 16, 17, 200] {
                let model = random_model(&mut rng, entries);
                let expected: Vec<_> = model.clone().into_iter().collect();
                let mut iter = open(build(&model, interval));
                assert_eq!(collect_forward(&mut iter), expected);
                assert_eq!(collect_backward(&mut iter), expected);
                assert!(iter.status().is_ok());
            }
        }
    }

    #[test]
    fn block_seek_finds_first_key_at_or_after_target() {
        let mut rng = TestRng::from_clock("block_seek");
        let model = random_model(&mut rng, 300);
        let mut iter = open(build(&model, BLOCK_RESTART_INTERVAL_ENTRIES));
        for _ in 0..2000 {
            let target = rng.key(12);
            iter.seek(&target);
            match model.range(target.clone()..).next() {
                Some((key, value)) => {
                    assert!(iter.valid());
                    assert_eq!((iter.key(), iter.value()), (&key[..], &value[..]));
                }
                None => assert!(!iter.valid()),
            }
        }
    }

    #[test]
    fn block_with_prefix_sharing_keys_stores_suffixes_only() {
        let mut builder = BlockBuilder::new(Arc::new(BytewiseComparator), 16);
        builder.add(b"apple", b"red");
        builder.add(b"apricot", b"orange");
        let data = builder.finish().to_vec();
        assert_eq!(&data[..11], b"\x00\x05\x03applered");
        assert_eq!(&data[11..25], b"\x02\x05\x06ricotorange");
        assert_eq!(&data[25..], [0, 0, 0, 0, 1, 0, 0, 0]);
    }

    #[test]
    fn block_shorter_than_restart_count_is_corruption() {
        for data in [vec![], vec![1, 0, 0]] {
            let error = Block::new(data, origin()).err().unwrap();
            assert!(error.is_corruption());
        }
    }

    #[test]
    fn block_restart_count_too_large_is_corruption() {
        let error = Block::new(vec![0, 0, 0, 0, 2, 0, 0, 0], origin())
            .err()
            .unwrap();
        let expected = Corruption::BadRestartArray { restarts: 2 };
        assert!(matches!(error, TableError::Corruption { reason, .. } if reason == expected));
    }

    #[test]
    fn block_with_entry_running_past_restarts_reports_corruption() {
        // shared 0, non_shared 9 but only 3 bytes follow before the restarts.
        let data = vec![0, 9, 0, b'a', b'b', b'c', 0, 0, 0, 0, 1, 0, 0, 0];
        let mut iter = open(data);
        iter.seek_to_first();
        assert!(!iter.valid());
        assert!(iter.status().unwrap_err().is_corruption());
    }

    #[test]
    fn block_with_overlong_varint_reports_corruption() {
        let mut data = vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0];
        data.extend([0, 0, 0, 0, 1, 0, 0, 0]);
        let mut iter = open(data);
        iter.seek_to_first();
        assert!(!iter.valid());
        let expected = Corruption::BadEntry { offset_in_block: 0 };
        let error = iter.status().unwrap_err();
        assert!(matches!(error, TableError::Corruption { reason, .. } if reason == expected));
    }

    #[test]
    fn block_with_garbage_bytes_never_panics() {
        let mut rng = TestRng::from_clock("block_garbage");
        let model = random_model(&mut rng, 60);
        let good = build(&model, 4);
        for _ in 0..3000 {
            let mut data = good.clone();
            for _ in 0..=rng.below(3) {
                let at = rng.below(data.len() as u64) as usize;
                data[at] = rng.next_u64() as u8;
            }
            exercise_without_panic(data, &mut rng);
        }
    }

    fn exercise_without_panic(data: Vec<u8>, rng: &mut TestRng) {
        let Ok(block) = Block::new(data, origin()) else {
            return;
        };
        let mut iter = Arc::new(block).iter(Arc::new(BytewiseComparator));
        let forward = collect_forward(&mut iter).len();
        let backward = collect_backward(&mut iter).len();
        assert!(forward <= 1000 && backward <= 1000);
        iter.seek(&rng.key(12));
        if iter.valid() {
            iter.prev();
        }
    }
}
