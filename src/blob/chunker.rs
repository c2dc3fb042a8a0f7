//! Cuts a stream into chunks where the rolling checksum says, as Perkeep's
//! file writer does, so the same bytes are cut the same way by both and
//! identical regions of different files (even shifted) share chunks.
//!
//! The rule, checked after each byte with `n` bytes of the file read and
//! `size` bytes in the chunk being built (Perkeep's `writeFileChunks`,
//! rolling-checksum version, with its constants `maxBlobSize`,
//! `firstChunkSize`, `tooSmallThreshold`), first match wins:
//!
//! 1. `size == CHUNK_BYTES_MAX` (1 MiB): cut; weight ("bits") 20.
//! 2. the checksum is on a split, `n > FIRST_CHUNK_BYTES` and
//!    `size > CHUNK_BYTES_MIN` (64 KiB): cut; weight [`RollSum::bits`].
//! 3. `n == FIRST_CHUNK_BYTES` (256 KiB): cut; weight 18.
//!
//! At the end of the stream the bytes left, if any, are the last chunk
//! (weight 0). So: a file of at most 256 KiB is one chunk; a longer one
//! starts with exactly 256 KiB; every other chunk but the last holds
//! more than 64 KiB and at most 1 MiB. The checksum is never reset at a cut
//! (it only ever depends on the last 64 bytes).
//!
//! One difference from Perkeep, on purpose: Perkeep also declines to cut
//! (rules 2 and 3) once its reader has *reported* end of file while bytes
//! are still buffered — up to its `bufioReaderSize`, 32 KiB, before the
//! end. When that happens depends on how the reader delivers the bytes,
//! not on the bytes: a file read from disk reports end of file only after
//! its last byte, so Perkeep never applies the rule there, while a network
//! body that returns its last bytes together with end of file can lose a
//! cut. strata cuts by content alone, so the same bytes always give the
//! same chunks, and these match Perkeep's for files read from disk.
//!
//! Perkeep's current development branch (not its releases) has since moved
//! to a different splitter (`hashsplit`, 16 split bits); chunks written by
//! it differ from these, though the `file` blobs it writes stay readable.
//!
//! Memory: one buffer of [`BUFFER_BYTES`], whatever the stream's length.
//!
//! Shared chunks ([`Chunker::with_shared_buffers`]): each chunk is a
//! [`SharedBytes`] range of the buffer the stream was read into, so it can
//! be stored from there on another thread with no copy. The buffer is then
//! read full before any chunk of it is cut (it is never written while a
//! chunk of it is out); when the chunk in progress reaches its end, that
//! chunk's bytes so far (on average half a chunk) move to the front of a
//! spare buffer whose chunks are all gone, or of a new one. Memory: the
//! buffer being cut, at most [`SPARE_BUFFERS_MAX`] spares, and the buffers
//! of chunks still out (the caller bounds how many it keeps).
//! Speed: no cut is allowed in the first 64 KiB of a chunk, and the
//! checksum depends only on the last 64 bytes, so the checksum is not
//! rolled there at all: each chunk's scan starts from the 64 bytes before
//! its first allowed cut ([`RollSum::from_window`]).

use super::rollsum::{RollSum, WINDOW_BYTES};
use super::shared_bytes::SharedBytes;
use std::io::{self, Read};
use std::sync::Arc;

/// The largest chunk (Perkeep's `maxBlobSize`).
pub const CHUNK_BYTES_MAX: usize = 1 << 20;
/// The size of a file's first chunk when the file is longer (Perkeep's
/// `firstChunkSize`): file-type sniffers read one blob.
pub const FIRST_CHUNK_BYTES: usize = 256 << 10;
/// A content cut needs a chunk strictly larger than this (Perkeep's
/// `tooSmallThreshold`).
pub const CHUNK_BYTES_MIN: usize = 64 << 10;
/// The chunker's one buffer: twice the largest chunk, so a chunk in
/// progress is moved to the front at most once per buffer filled.
pub const BUFFER_BYTES: usize = 2 * CHUNK_BYTES_MAX;
/// The buffer a chunker starts with; it grows to [`BUFFER_BYTES`] on demand.
pub const INITIAL_BUFFER_BYTES: usize = 64 * 1024;
/// Full-size buffers a chunker of shared chunks keeps for reuse, at most.
pub const SPARE_BUFFERS_MAX: usize = 4;

/// The weight of a cut forced by [`CHUNK_BYTES_MAX`] (log2 of 1 MiB).
pub const MAX_CUT_BITS: u32 = 20;
/// The weight of the cut after the first chunk (log2 of 256 KiB).
pub const FIRST_CUT_BITS: u32 = 18;
/// The weight of the last chunk, which ends with the stream.
pub const END_BITS: u32 = 0;

const _: () = assert!(CHUNK_BYTES_MIN > WINDOW_BYTES);
const _: () = assert!(CHUNK_BYTES_MIN < FIRST_CHUNK_BYTES);
const _: () = assert!(FIRST_CHUNK_BYTES < CHUNK_BYTES_MAX);
const _: () = assert!(1 << MAX_CUT_BITS == CHUNK_BYTES_MAX);
const _: () = assert!(1 << FIRST_CUT_BITS == FIRST_CHUNK_BYTES);

/// One chunk: its bytes (borrowed from the chunker until the next call),
/// where it starts in the stream, and the weight of the cut that ended it,
/// which places it in the tree of `bytes` blobs (see `file_schema`).
#[derive(Debug, PartialEq, Eq)]
pub struct Chunk<'buffer> {
    pub bytes: &'buffer [u8],
    pub offset: u64,
    pub bits: u32,
}

/// A chunk whose bytes may outlive the chunker's next call (see
/// [`Chunker::with_shared_buffers`]).
#[derive(Debug)]
pub struct SharedChunk {
    pub bytes: SharedBytes,
    pub offset: u64,
    pub bits: u32,
}

/// A streaming chunker over any reader (see the module header).
pub struct Chunker<Source> {
    source: Source,
    /// Written only through `Arc::get_mut`: while a shared chunk of it is
    /// out, the chunk in progress moves to another buffer instead.
    buffer: Arc<Vec<u8>>,
    /// Chunks are handed out as `SharedBytes`: buffers are read full.
    shared: bool,
    /// Full-size buffers retired while chunks of them were out.
    spare: Vec<Arc<Vec<u8>>>,
    /// Buffers allocated so far, the first and every growth included.
    buffers_made: u64,
    /// The chunk being built is `buffer[start..end]`.
    start: usize,
    end: usize,
    /// The stream offset of `buffer[start]`.
    offset: u64,
    /// Bytes of the last chunk returned, to drop on the next call.
    returned: usize,
    /// The checksum and how far (from `start`) it has been rolled.
    scan: Option<(RollSum, usize)>,
    at_end: bool,
}

impl<Source: Read> Chunker<Source> {
    /// A chunker over `source`. Its buffer starts at
    /// [`INITIAL_BUFFER_BYTES`] and doubles, up to [`BUFFER_BYTES`], only
    /// while a chunk in progress needs the room: a small file costs a
    /// small buffer (zeroing 2 MiB per file was most of an import of small
    /// files).
    pub fn new(source: Source) -> Chunker<Source> {
        Chunker {
            source,
            buffer: Arc::new(vec![0; INITIAL_BUFFER_BYTES]),
            shared: false,
            spare: Vec::new(),
            buffers_made: 1,
            start: 0,
            end: 0,
            offset: 0,
            returned: 0,
            scan: None,
            at_end: false,
        }
    }

    /// A chunker over `source` whose chunks are handed out by
    /// [`Chunker::next_shared_chunk`] as ranges of its buffers (see the
    /// module header). The cuts are the same as [`Chunker::new`]'s.
    pub fn with_shared_buffers(source: Source) -> Chunker<Source> {
        Chunker {
            shared: true,
            ..Chunker::new(source)
        }
    }

    /// The next chunk, or `None` after the last. An empty stream has no
    /// chunks. A read error is returned as is (`Interrupted` is retried);
    /// calling again after an error resumes reading.
    pub fn next_chunk(&mut self) -> io::Result<Option<Chunk<'_>>> {
        let Some((length, bits)) = self.next_cut()? else {
            return Ok(None);
        };
        Ok(Some(self.take(length, bits)))
    }

    /// `next_chunk` for a chunker made by [`Chunker::with_shared_buffers`]:
    /// the chunk's bytes stay valid, unchanged, for as long as they are
    /// kept. Panics on a chunker made by `new` (a programmer error).
    pub fn next_shared_chunk(&mut self) -> io::Result<Option<SharedChunk>> {
        assert!(
            self.shared,
            "a chunker of shared chunks is made by with_shared_buffers"
        );
        let Some((length, bits)) = self.next_cut()? else {
            return Ok(None);
        };
        let chunk = self.take(length, bits);
        let (offset, bits) = (chunk.offset, chunk.bits);
        let range = self.start..self.start + length;
        let bytes = SharedBytes::new(Arc::clone(&self.buffer), range);
        Ok(Some(SharedChunk {
            bytes,
            offset,
            bits,
        }))
    }

    /// Drops the chunk returned last and finds where the next one ends:
    /// its length and weight, or `None` at the end of the stream.
    fn next_cut(&mut self) -> io::Result<Option<(usize, u32)>> {
        self.start += self.returned;
        self.offset += self.returned as u64;
        self.returned = 0;
        loop {
            if let Some(cut) = self.find_cut() {
                return Ok(Some(cut));
            }
            if self.at_end {
                let length = self.end - self.start;
                return Ok((length > 0).then_some((length, END_BITS)));
            }
            self.fill()?;
        }
    }

    /// How many buffers this chunker has allocated (the first, each
    /// growth and each new spare): its memory use, for tests and benches.
    pub fn buffers_made(&self) -> u64 {
        self.buffers_made
    }

    /// The stream offset where the next chunk will start.
    pub fn position(&self) -> u64 {
        self.offset + self.returned as u64
    }

    /// The reader, giving up the chunker.
    pub fn into_inner(self) -> Source {
        self.source
    }

    fn take(&mut self, length: usize, bits: u32) -> Chunk<'_> {
        self.returned = length;
        self.scan = None;
        Chunk {
            bytes: &self.buffer[self.start..self.start + length],
            offset: self.offset,
            bits,
        }
    }

    /// Where the chunk in progress ends, by the rules in the module
    /// header, if the bytes buffered so far decide it.
    fn find_cut(&mut self) -> Option<(usize, u32)> {
        let available = self.end - self.start;
        if self.offset == 0 {
            // Rule 2 needs n > FIRST_CHUNK_BYTES: only rule 3 can cut here.
            return (available >= FIRST_CHUNK_BYTES).then_some((FIRST_CHUNK_BYTES, FIRST_CUT_BITS));
        }
        let first_allowed = CHUNK_BYTES_MIN + 1;
        if available < first_allowed {
            return None;
        }
        let chunk = &self.buffer[self.start..self.end];
        let limit = available.min(CHUNK_BYTES_MAX - 1);
        let (sums, scanned) = self.scan.get_or_insert_with(|| {
            let window = &chunk[first_allowed - WINDOW_BYTES..first_allowed];
            let window = window.try_into().expect("slice of WINDOW_BYTES");
            (RollSum::from_window(window), first_allowed)
        });
        if *scanned == first_allowed && sums.on_split() {
            return Some((first_allowed, sums.bits()));
        }
        if let Some(end) = sums.scan(&chunk[..limit], *scanned) {
            return Some((end, sums.bits()));
        }
        *scanned = limit;
        (available >= CHUNK_BYTES_MAX).then_some((CHUNK_BYTES_MAX, MAX_CUT_BITS))
    }

    /// Reads more of the stream into the buffer, first making room if the
    /// buffer is full; a chunker of shared chunks reads until the buffer
    /// is full or the stream ends.
    fn fill(&mut self) -> io::Result<()> {
        // Shared and not full: a read failed part way, and chunks are out.
        let shared_out = Arc::get_mut(&mut self.buffer).is_none();
        if self.end == self.buffer.len() || shared_out {
            self.make_room();
        }
        self.read_some()?;
        while self.shared && !self.at_end && self.end < self.buffer.len() {
            self.read_some()?;
        }
        Ok(())
    }

    /// Room after the chunk in progress: the buffer doubles (up to
    /// [`BUFFER_BYTES`]) while that chunk is most of it (always, for
    /// shared chunks: only full-size buffers are reused), else the chunk
    /// moves to the front, of this buffer or, while shared chunks of it
    /// are out, of a spare one.
    fn make_room(&mut self) {
        let length = self.buffer.len();
        let mostly_in_progress = self.start < length / 2;
        let grown = if length < BUFFER_BYTES && (mostly_in_progress || self.shared) {
            (length * 2).min(BUFFER_BYTES)
        } else {
            assert!(self.start > 0, "a chunk never fills the whole buffer");
            length
        };
        let (start, end) = (self.start, self.end);
        if let Some(buffer) = Arc::get_mut(&mut self.buffer) {
            if grown > length {
                buffer.resize(grown, 0);
                self.buffers_made += 1;
            } else {
                buffer.copy_within(start..end, 0);
                (self.start, self.end) = (0, end - start);
            }
            return;
        }
        let mut next = self.spare_buffer(grown);
        let writable = Arc::get_mut(&mut next).expect("a spare buffer is not shared");
        writable[..end - start].copy_from_slice(&self.buffer[start..end]);
        let retired = std::mem::replace(&mut self.buffer, next);
        (self.start, self.end) = (0, end - start);
        if retired.len() == BUFFER_BYTES {
            if self.spare.len() == SPARE_BUFFERS_MAX {
                self.spare.remove(0);
            }
            self.spare.push(retired);
        }
    }

    /// A buffer of `length` bytes no chunk is using: a spare one if one
    /// is free (its chunks all gone), else a new one.
    fn spare_buffer(&mut self, length: usize) -> Arc<Vec<u8>> {
        let free = self
            .spare
            .iter_mut()
            .position(|spare| spare.len() == length && Arc::get_mut(spare).is_some());
        match free {
            Some(index) => self.spare.remove(index),
            None => {
                self.buffers_made += 1;
                Arc::new(vec![0; length])
            }
        }
    }

    /// One read of the stream into the free end of the buffer (which is
    /// not shared: `make_room` or a chunker without shared chunks saw to it).
    fn read_some(&mut self) -> io::Result<()> {
        let end = self.end;
        let buffer = Arc::get_mut(&mut self.buffer).expect("the buffer read into is not shared");
        loop {
            match self.source.read(&mut buffer[end..]) {
                Ok(0) => {
                    self.at_end = true;
                    return Ok(());
                }
                Ok(read) if read <= buffer.len() - end => {
                    self.end += read;
                    return Ok(());
                }
                Ok(_) => return Err(io::Error::other("reader claimed more bytes than asked for")),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
