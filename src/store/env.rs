//! The Env seam: every file the store reads or writes goes through these
//! traits, so tests can swap the disk for memory and inject faults.
//!
//! Implementations: [`PosixEnv`] (std::fs), [`MemEnv`] (an in-memory file
//! system that keeps written and durable bytes apart) and [`FaultEnv`]
//! (wraps either and fails writes, makes short writes, fails fsync, and
//! simulates a power cut).
//!
//! Durability model every implementation promises, and every caller must
//! assume (it is POSIX's):
//! 1. Bytes appended to a file are durable only after `WritableFile::sync`.
//! 2. A created, renamed or removed directory entry is durable only after
//!    `Env::sync_dir` on its parent directory.
//! 3. A file opened with `new_writable` on an existing path is truncated at
//!    once; its old bytes may be gone after a crash even without a sync.
//!
//! Thread safety: an `Env` and a `RandomAccessFile` may be shared by any
//! number of threads; a `WritableFile` has one owner at a time.

mod fault;
mod memory;
mod posix;

pub use fault::{FaultEnv, WriteFault};
pub use memory::MemEnv;
pub use posix::PosixEnv;

use std::any::Any;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

/// A file read at arbitrary offsets, by many threads at once.
pub trait RandomAccessFile: Send + Sync {
    /// Reads exactly buf.len() bytes at offset (UnexpectedEof when the file is shorter).
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    fn len(&self) -> io::Result<u64>;
    /// The OS file, for zero-copy sends (sendfile); None for in-memory test files.
    fn as_file(&self) -> Option<&std::fs::File>;

    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
}

/// A file written only at its end.
pub trait WritableFile: Send {
    fn append(&mut self, data: &[u8]) -> io::Result<()>;
    /// Hands buffered bytes to the OS (they survive a process crash, not a
    /// power cut).
    fn flush(&mut self) -> io::Result<()>;
    /// Flushes, then makes every appended byte durable (fdatasync).
    fn sync(&mut self) -> io::Result<()>;
}

/// A boxed Env file is itself a writable file, so generic writers (the
/// table builder) take what `Env::new_writable` returns as it is.
impl WritableFile for Box<dyn WritableFile> {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        (**self).append(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        (**self).flush()
    }
    fn sync(&mut self) -> io::Result<()> {
        (**self).sync()
    }
}

/// A held lock on a file (LevelDB's LOCK); dropping it releases the lock.
pub struct FileLock {
    _held: Box<dyn Any + Send + Sync>,
}

impl FileLock {
    /// Wraps whatever value releases the lock when dropped.
    pub fn new(held: Box<dyn Any + Send + Sync>) -> FileLock {
        FileLock { _held: held }
    }
}

impl std::fmt::Debug for FileLock {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("FileLock")
    }
}

/// The file system as the store sees it. Paths are used as given; the
/// store always builds them by joining a file name to its directory.
pub trait Env: Send + Sync {
    /// Creates `path`, or truncates it if it exists, for appending.
    fn new_writable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>>;
    /// Opens `path` for appending at its end, creating it if missing.
    fn new_appendable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>>;
    fn open_random(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>>;
    fn open_sequential(&self, path: &Path) -> io::Result<Box<dyn Read + Send>>;
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Atomically replaces `to` (if present) with `from`.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Names (not paths) of the entries of `dir`, in no particular order.
    fn children(&self, dir: &Path) -> io::Result<Vec<String>>;
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    fn file_size(&self, path: &Path) -> io::Result<u64>;
    /// Makes the directory's entries (creates, renames, removes) durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Takes an exclusive lock on `path` (creating it), or fails with
    /// `ErrorKind::WouldBlock` when another holder has it.
    fn lock_file(&self, path: &Path) -> io::Result<FileLock>;

    fn exists(&self, path: &Path) -> bool {
        self.file_size(path).is_ok()
    }
}

/// Reads a whole file through `env` (for small files: CURRENT, tests).
pub fn read_file_to_vec(env: &dyn Env, path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    env.open_sequential(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Writes `data` to a new file at `path`, syncing it when asked.
pub fn write_file(env: &dyn Env, path: &Path, data: &[u8], sync: bool) -> io::Result<()> {
    let mut file = env.new_writable(path)?;
    file.append(data)?;
    if sync { file.sync() } else { file.flush() }
}

#[cfg(test)]
mod tests;
