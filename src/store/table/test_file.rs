//! In-memory files for the table tests: a writable file whose bytes can be
//! read back, and a random-access file over a byte vector.

use crate::store::env::{RandomAccessFile, WritableFile};
use std::io;
use std::sync::{Arc, Mutex};

/// A writable file appending to a shared buffer.
#[derive(Clone, Default)]
pub struct MemWritableFile {
    pub data: Arc<Mutex<Vec<u8>>>,
}

impl MemWritableFile {
    pub fn contents(&self) -> Vec<u8> {
        self.data.lock().unwrap().clone()
    }
}

impl WritableFile for MemWritableFile {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.data.lock().unwrap().extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A read-only file over bytes, counting reads (to prove the filter saves
/// them).
pub struct MemRandomAccessFile {
    data: Vec<u8>,
    pub reads: std::sync::atomic::AtomicU64,
}

impl MemRandomAccessFile {
    pub fn new(data: Vec<u8>) -> MemRandomAccessFile {
        MemRandomAccessFile {
            data,
            reads: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn reads(&self) -> u64 {
        self.reads.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl RandomAccessFile for MemRandomAccessFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::UnexpectedEof)?;
        let end = start
            .checked_add(buf.len())
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        let source = self
            .data
            .get(start..end)
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(source);
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.data.len() as u64)
    }

    fn as_file(&self) -> Option<&std::fs::File> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_bytes_read_back_and_short_reads_are_unexpected_eof() {
        let mut writer = MemWritableFile::default();
        writer.append(b"hello ").unwrap();
        writer.append(b"world").unwrap();
        let reader = MemRandomAccessFile::new(writer.contents());
        let mut buf = [0u8; 5];
        reader.read_exact_at(&mut buf, 6).unwrap();
        assert_eq!(&buf, b"world");
        let error = reader.read_exact_at(&mut buf, 7).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(reader.reads(), 2);
    }
}
