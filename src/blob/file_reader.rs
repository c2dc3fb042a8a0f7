//! Reads a file's content back from its `file` (or `bytes`) schema blob:
//! which chunks cover a byte range, and the bytes of a range, fetching only
//! the chunks and `bytes` blobs on the way to that range.
//!
//! Every schema blob is checked as it is read: a part must lie within what
//! it names (a chunk's length, a `bytes` blob's content size), and `bytes`
//! blobs may nest at most [`TREE_DEPTH_MAX`] deep, so a malformed or cyclic
//! tree is an error, never a hang or a wrong answer.

use super::file_schema::{ContentSchema, FileError, Part, PartTarget};
use super::{BlobRef, BlobSource};
use std::io::Write;

/// The deepest nesting of `bytes` blobs followed. Perkeep's trees are at
/// most one level per cut weight (13 to 32), so real files stay far below.
pub const TREE_DEPTH_MAX: usize = 40;
/// Zero bytes written per call when a range crosses a run of zeros.
const ZEROS_BYTES: usize = 64 * 1024;

/// Where some bytes of a file come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceSource {
    /// `length` bytes of chunk `blob` from `blob_offset`.
    Blob { blob: BlobRef, blob_offset: u64 },
    /// `length` zero bytes.
    Zeros,
}

/// One contiguous piece of a range: `length` bytes of the file from
/// `file_offset`, found at `source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkSlice {
    pub source: SliceSource,
    pub file_offset: u64,
    pub length: u64,
}

/// Fetches and parses the schema blob `schema_ref`.
pub fn read_schema<Source: BlobSource + ?Sized>(
    source: &Source,
    schema_ref: &BlobRef,
) -> Result<ContentSchema, FileError> {
    let bytes = source.get(schema_ref)?;
    ContentSchema::parse(&bytes).map_err(|error| FileError::Schema {
        blob: *schema_ref,
        error,
    })
}

/// The pieces that make up bytes `start..end` of the content described by
/// `schema_ref`, in order, without reading any chunk.
pub fn chunks_covering<Source: BlobSource + ?Sized>(
    source: &Source,
    schema_ref: &BlobRef,
    start: u64,
    end: u64,
) -> Result<Vec<ChunkSlice>, FileError> {
    let mut slices = Vec::new();
    visit_range(source, schema_ref, start, end, &mut |slice| {
        slices.push(slice);
        Ok(())
    })?;
    Ok(slices)
}

/// Writes bytes `start..end` of the content described by `schema_ref` to
/// `out`, reading only the chunks that cover them; returns the count.
pub fn read_range<Source: BlobSource + ?Sized>(
    source: &Source,
    schema_ref: &BlobRef,
    start: u64,
    end: u64,
    out: &mut impl Write,
) -> Result<u64, FileError> {
    let mut written = 0;
    visit_range(source, schema_ref, start, end, &mut |slice| {
        write_slice(source, &slice, out)?;
        written += slice.length;
        Ok(())
    })?;
    Ok(written)
}

/// Calls `visit` with each piece of `start..end`, in order. The range must
/// lie within the content: `start <= end <= size`.
pub fn visit_range<Source: BlobSource + ?Sized>(
    source: &Source,
    schema_ref: &BlobRef,
    start: u64,
    end: u64,
    visit: &mut dyn FnMut(ChunkSlice) -> Result<(), FileError>,
) -> Result<(), FileError> {
    let schema = read_schema(source, schema_ref)?;
    if start > end || end > schema.size() {
        let size = schema.size();
        return Err(FileError::RangeOutOfBounds { start, end, size });
    }
    let mut walk = Walk { source, visit };
    walk.schema(&schema, start, end, start, 0)
}

/// A walk down the tree for one range.
struct Walk<'call, Source: ?Sized> {
    source: &'call Source,
    visit: &'call mut dyn FnMut(ChunkSlice) -> Result<(), FileError>,
}

impl<Source: BlobSource + ?Sized> Walk<'_, Source> {
    /// Visits `start..end` of `schema`'s content, whose byte `start` is
    /// byte `landing` of the file, `depth` levels below the root.
    fn schema(
        &mut self,
        schema: &ContentSchema,
        start: u64,
        end: u64,
        landing: u64,
        depth: usize,
    ) -> Result<(), FileError> {
        let (first, parts) = schema.parts_covering(start, end);
        for (index, part) in parts.iter().enumerate() {
            let part_start = schema.part_start(first + index);
            // The overlap of the range with this part, relative to the part.
            let from = start.max(part_start) - part_start;
            let to = end.min(part_start + part.size) - part_start;
            if from < to {
                let offset = landing + (part_start + from - start);
                self.part(part, from, to, offset, depth)?;
            }
        }
        Ok(())
    }

    /// Visits bytes `from..to` of `part`, which land at `file_offset`.
    fn part(
        &mut self,
        part: &Part,
        from: u64,
        to: u64,
        file_offset: u64,
        depth: usize,
    ) -> Result<(), FileError> {
        let length = to - from;
        let source = match part.target {
            PartTarget::Zeros => SliceSource::Zeros,
            // The parser checked that `offset + size` fits in a u64.
            PartTarget::Blob(blob) => SliceSource::Blob {
                blob,
                blob_offset: part.offset + from,
            },
            PartTarget::Bytes(bytes) => {
                return self.bytes(&bytes, part, from, to, file_offset, depth);
            }
        };
        (self.visit)(ChunkSlice {
            source,
            file_offset,
            length,
        })
    }

    fn bytes(
        &mut self,
        bytes_ref: &BlobRef,
        part: &Part,
        from: u64,
        to: u64,
        file_offset: u64,
        depth: usize,
    ) -> Result<(), FileError> {
        if depth + 1 > TREE_DEPTH_MAX {
            return Err(FileError::TooDeep { blob: *bytes_ref });
        }
        let nested = read_schema(self.source, bytes_ref)?;
        // The parser checked that `offset + size` fits in a u64.
        let needed = part.offset + part.size;
        if needed > nested.size() {
            return Err(FileError::PartBeyondTarget {
                blob: *bytes_ref,
                needed,
                actual: nested.size(),
            });
        }
        // Bytes `from..to` of the part are the nested content's bytes
        // shifted by the part's offset; `from` lands at `file_offset`.
        let (start, end) = (part.offset + from, part.offset + to);
        self.schema(&nested, start, end, file_offset, depth + 1)
    }
}

fn write_slice<Source: BlobSource + ?Sized>(
    source: &Source,
    slice: &ChunkSlice,
    out: &mut impl Write,
) -> Result<(), FileError> {
    match slice.source {
        SliceSource::Zeros => {
            let zeros = [0u8; ZEROS_BYTES];
            let mut left = slice.length;
            while left > 0 {
                let step = left.min(ZEROS_BYTES as u64) as usize;
                out.write_all(&zeros[..step])?;
                left -= step as u64;
            }
        }
        SliceSource::Blob { blob, blob_offset } => {
            let bytes = source.get(&blob)?;
            let needed = blob_offset + slice.length;
            if needed > bytes.len() as u64 {
                let actual = bytes.len() as u64;
                return Err(FileError::PartBeyondTarget {
                    blob,
                    needed,
                    actual,
                });
            }
            out.write_all(&bytes[blob_offset as usize..needed as usize])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
