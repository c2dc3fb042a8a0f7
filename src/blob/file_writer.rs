//! Writes a file's content as blobs: its chunks, a tree of `bytes` blobs
//! grouping them, and the `file` blob at the root, grouped exactly as
//! Perkeep's file writer groups them, so the same file gets the same refs
//! in both.
//!
//! The grouping rule (Perkeep's `writeFileChunks` and `addBytesParts`):
//! every chunk comes with the weight ("bits") of the cut that ended it
//! (see `chunker`). Chunks form a list of spans; when a chunk of weight
//! `b` arrives, the spans at the end of the list with a weight below `b`
//! become its children, and it joins the list. When a span is written as
//! parts, its children come first, as one part:
//!
//! - one child without children of its own: that child's chunk, a
//!   `blobRef` part (Perkeep avoids a `bytes` blob of a single chunk);
//! - otherwise: a `bytesRef` part naming a `bytes` blob whose parts are
//!   the children, each written by this same rule;
//!
//! then the span's own chunk as a `blobRef` part. The `file` blob lists
//! the spans left in the list at the end. A span's children never change
//! once it has them, so its leading part (and any `bytes` blob) is written
//! at once: memory holds only the spans not yet grouped, not the tree.
//!
//! Order of writes: every blob is put before any blob that names it
//! (chunks, then the `bytes` blob over them, and the `file` blob last), so
//! a reader that finds a schema blob finds its parts.

use super::chunker::Chunker;
use super::file_schema::{
    FileError, FileMeta, PARTS_MAX, Part, SCHEMA_BYTES_MAX, bytes_schema, file_schema,
};
use super::{BlobRef, BlobSink};
use std::io::Read;

/// A span waiting to be grouped: its leading part (its children, if any)
/// and its own chunk.
#[derive(Clone, Copy, Debug)]
struct Span {
    leading: Option<Part>,
    own: Part,
    bits: u32,
}

impl Span {
    fn size(&self) -> u64 {
        self.leading.map_or(0, |part| part.size) + self.own.size
    }

    fn push_parts(&self, parts: &mut Vec<Part>) {
        parts.extend(self.leading);
        parts.push(self.own);
    }
}

/// What writing a file produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenFile {
    /// The `file` schema blob.
    pub file_ref: BlobRef,
    /// The content's size in bytes.
    pub size: u64,
    /// How many chunks were put (repeats included).
    pub chunks: u64,
}

/// Groups chunks into `bytes` blobs as they arrive and writes the `file`
/// blob at the end (see the module header).
pub struct FileWriter<'sink, Sink: BlobSink + ?Sized> {
    sink: &'sink Sink,
    spans: Vec<Span>,
    size: u64,
    chunks: u64,
}

impl<'sink, Sink: BlobSink + ?Sized> FileWriter<'sink, Sink> {
    /// A writer that puts `bytes` and `file` blobs into `sink`.
    pub fn new(sink: &'sink Sink) -> FileWriter<'sink, Sink> {
        FileWriter {
            sink,
            spans: Vec::new(),
            size: 0,
            chunks: 0,
        }
    }

    /// Adds the next chunk, already put as `chunk_ref`, of `size` bytes,
    /// ended by a cut of weight `bits`.
    pub fn add_chunk(&mut self, chunk_ref: BlobRef, size: u64, bits: u32) -> Result<(), FileError> {
        assert!(size > 0, "chunks are never empty");
        let first_child = self.spans.partition_point(|span| span.bits >= bits);
        // The weights in the list never increase, so the children are the
        // spans from `first_child` on.
        debug_assert!(
            self.spans
                .windows(2)
                .all(|pair| pair[0].bits >= pair[1].bits)
        );
        let leading = match &self.spans[first_child..] {
            [] => None,
            [only] if only.leading.is_none() => Some(only.own),
            children => Some(self.put_bytes(children)?),
        };
        self.spans.truncate(first_child);
        assert!(self.spans.last().is_none_or(|last| last.bits >= bits));
        if self.spans.len() >= PARTS_MAX {
            return Err(FileError::TooManyParts {
                count: self.spans.len() + 1,
            });
        }
        self.spans.push(Span {
            leading,
            own: Part::blob(chunk_ref, size),
            bits,
        });
        self.size += size;
        self.chunks += 1;
        Ok(())
    }

    /// Writes the `file` blob over every chunk added.
    pub fn finish(self, meta: &FileMeta) -> Result<WrittenFile, FileError> {
        let parts = flatten(&self.spans);
        let schema = file_schema(meta, &parts);
        let file_ref = self.put_schema(&schema, parts.len())?;
        Ok(WrittenFile {
            file_ref,
            size: self.size,
            chunks: self.chunks,
        })
    }

    fn put_bytes(&self, children: &[Span]) -> Result<Part, FileError> {
        let parts = flatten(children);
        let size = children.iter().map(Span::size).sum();
        let bytes_ref = self.put_schema(&bytes_schema(&parts), parts.len())?;
        Ok(Part::bytes(bytes_ref, size))
    }

    fn put_schema(&self, schema: &str, count: usize) -> Result<BlobRef, FileError> {
        if schema.len() > SCHEMA_BYTES_MAX {
            return Err(FileError::TooManyParts { count });
        }
        Ok(self.sink.put(schema.as_bytes())?)
    }
}

fn flatten(spans: &[Span]) -> Vec<Part> {
    let mut parts = Vec::with_capacity(2 * spans.len());
    for span in spans {
        span.push_parts(&mut parts);
    }
    parts
}

/// Reads `source` to its end, puts its chunks and schema blobs into
/// `sink`, and returns the `file` blob's ref. Memory stays flat: one
/// chunker buffer and the spans not yet grouped.
pub fn write_file<Sink: BlobSink + ?Sized>(
    sink: &Sink,
    source: impl Read,
    meta: &FileMeta,
) -> Result<WrittenFile, FileError> {
    let mut chunker = Chunker::new(source);
    let mut writer = FileWriter::new(sink);
    while let Some(chunk) = chunker.next_chunk()? {
        let chunk_ref = sink.put(chunk.bytes)?;
        writer.add_chunk(chunk_ref, chunk.bytes.len() as u64, chunk.bits)?;
    }
    writer.finish(meta)
}

/// `write_file`, with each chunk handed to the sink as [`SharedBytes`]
/// ([`BlobSink::put_shared`]) from a chunker of shared chunks: a sink that
/// keeps them (the upload pipeline) stores them with no copy. The same
/// chunks and refs as `write_file`; memory: the chunker's buffers, and
/// those of the chunks the sink still holds.
pub fn write_file_shared<Sink: BlobSink + ?Sized>(
    sink: &Sink,
    source: impl Read,
    meta: &FileMeta,
) -> Result<WrittenFile, FileError> {
    let mut chunker = Chunker::with_shared_buffers(source);
    let mut writer = FileWriter::new(sink);
    while let Some(chunk) = chunker.next_shared_chunk()? {
        let size = chunk.bytes.len() as u64;
        let chunk_ref = sink.put_shared(chunk.bytes)?;
        writer.add_chunk(chunk_ref, size, chunk.bits)?;
    }
    writer.finish(meta)
}

#[cfg(test)]
mod tests;
