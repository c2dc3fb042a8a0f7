//! The file I/O seam of the store (placeholder: the full Env lands from the store branch).
use std::io;
pub trait RandomAccessFile: Send + Sync {
    /// Reads exactly buf.len() bytes at offset (UnexpectedEof when the file is shorter).
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    fn len(&self) -> io::Result<u64>;
    /// The OS file, for zero-copy sends (sendfile); None for in-memory test files.
    fn as_file(&self) -> Option<&std::fs::File>;
}
pub trait WritableFile: Send {
    fn append(&mut self, data: &[u8]) -> io::Result<()>;
    fn flush(&mut self) -> io::Result<()>;
    fn sync(&mut self) -> io::Result<()>;
}
