//! Read-ahead for a cursor that walks a table's data blocks in order
//! (forward or backward): once two blocks in a row are adjacent in the
//! file, one `read_at` fetches the next `window` bytes (16 KiB, doubling
//! to 256 KiB) and later blocks are cut from that buffer, so a scan pays
//! one system call per window instead of one per 4 KiB block. LevelDB
//! gets the same effect from mapping table files into memory.
//!
//! Every block cut from the buffer is checked exactly as a block read on
//! its own (type byte, and crc32c when asked): read-ahead changes how
//! bytes arrive, never which bytes are accepted. When the window read
//! fails (a short file, an I/O error), the caller reads the block alone,
//! which reports the failure with the block's own offset.
//!
//! Memory: one buffer of at most `READAHEAD_WINDOW_MAX_BYTES` per cursor
//! that reads sequentially; blocks cut from it are copied out (the buffer
//! is reused). The table puts each block cut out into the block cache
//! when the read asks `fill_cache` (as any block read from the file), so
//! the next scan of the same range is served from memory; compaction's
//! cursors do not, and never evict the blocks readers keep hot.

use crate::store::table::error::TableError;
use crate::store::table::format::{BLOCK_TRAILER_BYTES, BlockHandle, TableFile};

/// The first read-ahead window, in bytes.
pub const READAHEAD_WINDOW_MIN_BYTES: usize = 16 << 10;
/// The largest read-ahead window, in bytes.
pub const READAHEAD_WINDOW_MAX_BYTES: usize = 256 << 10;

const _: () = assert!(READAHEAD_WINDOW_MIN_BYTES <= READAHEAD_WINDOW_MAX_BYTES);

/// The read-ahead state of one cursor over one table.
///
/// Invariant: `buffer` holds the file's bytes `start..start + len`.
#[derive(Default)]
pub struct ReadAhead {
    /// File offset of `buffer[0]`.
    start: u64,
    buffer: Vec<u8>,
    /// The block the cursor visited last (from anywhere: cache, file,
    /// buffer), to tell a sequential walk from a jump.
    last: Option<BlockHandle>,
    /// The current window, in bytes (0 before a sequential walk starts).
    window_bytes: usize,
}

/// Which way a cursor walks, judged from its last two blocks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    Forward,
    Backward,
    Jump,
}

impl ReadAhead {
    pub fn new() -> ReadAhead {
        ReadAhead::default()
    }

    /// Records that the cursor is at `handle` (served without this
    /// read-ahead, e.g. from the block cache).
    pub fn note(&mut self, handle: BlockHandle) {
        self.last = Some(handle);
    }

    /// The contents of the block at `handle`, checked, cut from the
    /// read-ahead buffer (refilled when the cursor walks in order). None
    /// when the cursor jumped, or the window could not be read: the
    /// caller reads the block on its own.
    pub fn block(
        &mut self,
        file: &TableFile,
        handle: BlockHandle,
        verify_checksum: bool,
    ) -> Option<Result<Vec<u8>, TableError>> {
        let end = handle
            .end_with_trailer()
            .filter(|&end| end <= file.size_bytes)?;
        let walk = self.walk_to(handle, end);
        self.last = Some(handle);
        if !self.holds(handle.offset, end) {
            if walk == Walk::Jump {
                self.window_bytes = 0;
                return None;
            }
            self.fill(file, handle, end, walk)?;
        }
        let from = (handle.offset - self.start) as usize;
        let raw = &self.buffer[from..from + handle.size_bytes as usize + BLOCK_TRAILER_BYTES];
        Some(
            file.check_block(handle, raw, verify_checksum)
                .map(<[u8]>::to_vec),
        )
    }

    fn walk_to(&self, handle: BlockHandle, end: u64) -> Walk {
        match self.last {
            Some(last) if last.end_with_trailer() == Some(handle.offset) => Walk::Forward,
            Some(last) if last.offset == end => Walk::Backward,
            _ => Walk::Jump,
        }
    }

    /// Whether the buffer holds the file's bytes `from..to`.
    fn holds(&self, from: u64, to: u64) -> bool {
        from >= self.start && to <= self.start + self.buffer.len() as u64
    }

    /// Reads the next window around the block `offset..end` in the
    /// direction of the walk. None when the read fails.
    fn fill(&mut self, file: &TableFile, handle: BlockHandle, end: u64, walk: Walk) -> Option<()> {
        self.window_bytes =
            (self.window_bytes * 2).clamp(READAHEAD_WINDOW_MIN_BYTES, READAHEAD_WINDOW_MAX_BYTES);
        let window = self.window_bytes as u64;
        let (start, stop) = match walk {
            Walk::Forward => (handle.offset, end.max(handle.offset + window)),
            _ => (handle.offset.min(end.saturating_sub(window)), end),
        };
        let stop = stop.min(file.size_bytes);
        // Resizing a kept buffer zeroes only bytes it did not have.
        self.buffer.resize((stop - start) as usize, 0);
        if file.read_range(&mut self.buffer, start).is_err() {
            self.buffer.clear();
            self.window_bytes = 0;
            return None;
        }
        self.start = start;
        Some(())
    }
}
