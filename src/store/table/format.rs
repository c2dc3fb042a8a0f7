//! Fixed parts of the table format: block handles, the 48-byte footer, the
//! 5-byte block trailer, and reading one checked block from a file
//! (grammar in FORMAT.md, "Block trailer" and "Footer").

use crate::store::env::RandomAccessFile;
use crate::store::table::error::{Corruption, TableError};
use crate::util::crc32c;
use crate::util::varint::{get_fixed64, get_varint64, put_fixed64, put_varint64};
use std::sync::Arc;

/// Longest encoding of a block handle: two varint64s, in bytes.
pub const BLOCK_HANDLE_BYTES_MAX: usize = 20;
/// The footer: two padded handles and the magic, in bytes.
pub const FOOTER_BYTES: usize = 2 * BLOCK_HANDLE_BYTES_MAX + 8;
/// LevelDB's table magic number (stored as fixed64, little-endian).
pub const TABLE_MAGIC: u64 = 0xdb47_7524_8b80_fb57;
/// After each block: one type byte and a masked crc32c, in bytes.
pub const BLOCK_TRAILER_BYTES: usize = 5;
/// The only block type written and accepted: stored without compression.
pub const BLOCK_TYPE_NO_COMPRESSION: u8 = 0;

const _: () = assert!(FOOTER_BYTES == 48);

/// Where a block lies in the file: offset and size of its contents (the
/// trailer follows them and is not counted in `size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockHandle {
    pub offset: u64,
    pub size_bytes: u64,
}

impl BlockHandle {
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        put_varint64(out, self.offset);
        put_varint64(out, self.size_bytes);
    }

    /// Decodes a handle; returns it with the bytes consumed.
    pub fn decode(input: &[u8]) -> Option<(BlockHandle, usize)> {
        let (offset, used_offset) = get_varint64(input)?;
        let (size_bytes, used_size) = get_varint64(&input[used_offset..])?;
        Some((BlockHandle { offset, size_bytes }, used_offset + used_size))
    }

    /// One past the last byte of the block and its trailer, or None on
    /// overflow.
    pub fn end_with_trailer(&self) -> Option<u64> {
        self.offset
            .checked_add(self.size_bytes)?
            .checked_add(BLOCK_TRAILER_BYTES as u64)
    }
}

/// The last 48 bytes of every table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footer {
    pub metaindex: BlockHandle,
    pub index: BlockHandle,
}

impl Footer {
    pub fn encode(&self) -> [u8; FOOTER_BYTES] {
        let mut out = Vec::with_capacity(FOOTER_BYTES);
        self.metaindex.encode_to(&mut out);
        self.index.encode_to(&mut out);
        out.resize(2 * BLOCK_HANDLE_BYTES_MAX, 0);
        put_fixed64(&mut out, TABLE_MAGIC);
        out.try_into().expect("footer is 48 bytes")
    }

    /// Decodes a footer; the padding after the handles is not checked.
    pub fn decode(input: &[u8; FOOTER_BYTES]) -> Result<Footer, Corruption> {
        let magic_at = 2 * BLOCK_HANDLE_BYTES_MAX;
        let magic = get_fixed64(&input[magic_at..]).ok_or(Corruption::BadMagic { found: 0 })?;
        if magic != TABLE_MAGIC {
            return Err(Corruption::BadMagic { found: magic });
        }
        let handles = &input[..magic_at];
        let (metaindex, used) = BlockHandle::decode(handles).ok_or(Corruption::BadBlockHandle)?;
        let (index, _) = BlockHandle::decode(&handles[used..]).ok_or(Corruption::BadBlockHandle)?;
        Ok(Footer { metaindex, index })
    }
}

/// Appends the trailer of a block with these contents.
pub fn put_block_trailer(out: &mut Vec<u8>, contents: &[u8]) {
    let type_byte = [BLOCK_TYPE_NO_COMPRESSION];
    let crc = crc32c::extend(crc32c::value(contents), &type_byte);
    out.push(BLOCK_TYPE_NO_COMPRESSION);
    out.extend_from_slice(&crc32c::mask(crc).to_le_bytes());
}

/// An open table file: the file, its name for errors, and its size.
#[derive(Clone)]
pub struct TableFile {
    pub file: Arc<dyn RandomAccessFile>,
    pub name: Arc<str>,
    pub size_bytes: u64,
}

impl TableFile {
    fn corruption(&self, offset: u64, reason: Corruption) -> TableError {
        TableError::corruption(&self.name, offset, reason)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), TableError> {
        self.file
            .read_exact_at(buf, offset)
            .map_err(|error| TableError::from_io(&self.name, offset, buf.len(), &error))
    }

    /// Reads and decodes the footer at the end of the file.
    pub fn read_footer(&self) -> Result<Footer, TableError> {
        let size_bytes = self.size_bytes;
        let Some(offset) = size_bytes.checked_sub(FOOTER_BYTES as u64) else {
            return Err(self.corruption(0, Corruption::FileTooShort { size_bytes }));
        };
        let mut footer = [0u8; FOOTER_BYTES];
        self.read_at(&mut footer, offset)?;
        Footer::decode(&footer).map_err(|reason| self.corruption(offset, reason))
    }

    /// Reads the contents of the block at `handle`, checking its type
    /// byte, and its crc32c when `verify_checksum`.
    pub fn read_block(
        &self,
        handle: BlockHandle,
        verify_checksum: bool,
    ) -> Result<Vec<u8>, TableError> {
        let offset = handle.offset;
        let end = handle.end_with_trailer().unwrap_or(u64::MAX);
        if end > self.size_bytes {
            let file_size_bytes = self.size_bytes;
            return Err(self.corruption(
                offset,
                Corruption::BlockPastEnd {
                    end,
                    file_size_bytes,
                },
            ));
        }
        let size = handle.size_bytes as usize; // fits: checked against the file size
        let mut buf = vec![0u8; size + BLOCK_TRAILER_BYTES];
        self.read_at(&mut buf, offset)?;
        self.check_block(handle, &buf, verify_checksum)?;
        buf.truncate(size);
        Ok(buf)
    }

    /// Reads `buf.len()` bytes at `offset` as they are (no block is
    /// checked): read-ahead of several blocks at once.
    pub fn read_range(&self, buf: &mut [u8], offset: u64) -> Result<(), TableError> {
        self.read_at(buf, offset)
    }

    /// Checks the block at `handle` given its bytes with their trailer
    /// (`raw`, exactly `size + 5` bytes): the type byte, and the crc32c
    /// when `verify_checksum`. Returns the contents.
    pub fn check_block<'a>(
        &self,
        handle: BlockHandle,
        raw: &'a [u8],
        verify_checksum: bool,
    ) -> Result<&'a [u8], TableError> {
        let size = handle.size_bytes as usize;
        assert_eq!(
            raw.len(),
            size + BLOCK_TRAILER_BYTES,
            "a block and its trailer"
        );
        let offset = handle.offset;
        let type_byte = raw[size];
        if verify_checksum {
            let stored =
                u32::from_le_bytes([raw[size + 1], raw[size + 2], raw[size + 3], raw[size + 4]]);
            let expected = crc32c::unmask(stored);
            let actual = crc32c::value(&raw[..=size]);
            if actual != expected {
                return Err(
                    self.corruption(offset, Corruption::ChecksumMismatch { expected, actual })
                );
            }
        }
        if type_byte != BLOCK_TYPE_NO_COMPRESSION {
            return Err(self.corruption(offset, Corruption::UnknownBlockType { type_byte }));
        }
        Ok(&raw[..size])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::table::test_file::MemRandomAccessFile;

    fn table_file(data: Vec<u8>) -> TableFile {
        TableFile {
            size_bytes: data.len() as u64,
            file: Arc::new(MemRandomAccessFile::new(data)),
            name: Arc::from("000007.ldb"),
        }
    }

    fn reason(error: TableError) -> Corruption {
        match error {
            TableError::Corruption { reason, .. } => reason,
            other => panic!("expected corruption, got {other}"),
        }
    }

    #[test]
    fn block_handle_round_trips_and_rejects_truncation() {
        for (offset, size_bytes) in [(0, 0), (1, 127), (128, 300), (u64::MAX, u64::MAX)] {
            let handle = BlockHandle { offset, size_bytes };
            let mut out = Vec::new();
            handle.encode_to(&mut out);
            assert!(out.len() <= BLOCK_HANDLE_BYTES_MAX);
            assert_eq!(BlockHandle::decode(&out), Some((handle, out.len())));
            assert_eq!(BlockHandle::decode(&out[..out.len() - 1]), None);
        }
    }

    #[test]
    fn footer_is_48_bytes_ending_in_little_endian_magic() {
        let footer = Footer {
            metaindex: BlockHandle {
                offset: 38,
                size_bytes: 8,
            },
            index: BlockHandle {
                offset: 51,
                size_bytes: 14,
            },
        };
        let bytes = footer.encode();
        assert_eq!(&bytes[..4], [38, 8, 51, 14]);
        assert!(bytes[4..40].iter().all(|&byte| byte == 0));
        assert_eq!(
            &bytes[40..],
            [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]
        );
        assert_eq!(Footer::decode(&bytes), Ok(footer));
    }

    #[test]
    fn footer_with_wrong_magic_is_corruption() {
        let mut bytes = Footer {
            metaindex: BlockHandle::default(),
            index: BlockHandle::default(),
        }
        .encode();
        bytes[47] ^= 1;
        assert!(matches!(
            Footer::decode(&bytes),
            Err(Corruption::BadMagic { .. })
        ));
    }

    fn block_file(contents: &[u8]) -> (TableFile, BlockHandle) {
        let mut data = contents.to_vec();
        put_block_trailer(&mut data, contents);
        let handle = BlockHandle {
            offset: 0,
            size_bytes: contents.len() as u64,
        };
        (table_file(data), handle)
    }

    #[test]
    fn read_block_returns_contents_and_verifies_checksum() {
        let (file, handle) = block_file(b"hello block");
        assert_eq!(file.read_block(handle, true).unwrap(), b"hello block");
        let mut data = b"hello block".to_vec();
        put_block_trailer(&mut data, b"hello block");
        data[0] ^= 0x20;
        let corrupt = table_file(data);
        let error = corrupt.read_block(handle, true).unwrap_err();
        assert!(error.to_string().contains("000007.ldb at offset 0"));
        assert!(matches!(reason(error), Corruption::ChecksumMismatch { .. }));
    }

    #[test]
    fn read_block_rejects_compressed_types() {
        let mut data = b"abc".to_vec();
        data.push(1); // snappy
        let crc = crc32c::mask(crc32c::value(&data));
        data.extend_from_slice(&crc.to_le_bytes());
        let handle = BlockHandle {
            offset: 0,
            size_bytes: 3,
        };
        let error = table_file(data).read_block(handle, true).unwrap_err();
        assert_eq!(reason(error), Corruption::UnknownBlockType { type_byte: 1 });
    }

    #[test]
    fn read_block_past_end_of_file_is_corruption() {
        let (file, _) = block_file(b"abc");
        for handle in [
            BlockHandle {
                offset: 0,
                size_bytes: 4,
            },
            BlockHandle {
                offset: 5,
                size_bytes: 0,
            },
            BlockHandle {
                offset: u64::MAX,
                size_bytes: u64::MAX,
            },
        ] {
            let error = file.read_block(handle, true).unwrap_err();
            assert!(matches!(reason(error), Corruption::BlockPastEnd { .. }));
        }
    }

    #[test]
    fn file_shorter_than_footer_is_corruption() {
        let error = table_file(vec![0; 47]).read_footer().unwrap_err();
        assert_eq!(reason(error), Corruption::FileTooShort { size_bytes: 47 });
    }
}
