//! The real file system through std::fs: positional reads with
//! `FileExt::read_exact_at`, buffered appends, `sync_data` for durability,
//! `File::try_lock` for the LOCK file.

use super::{Env, FileLock, RandomAccessFile, WritableFile};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

/// Bytes an appending file buffers before handing them to the OS
/// (LevelDB's `kWritableFileBufferSize`).
pub const WRITE_BUFFER_BYTES: usize = 64 * 1024;

/// The production Env.
#[derive(Clone, Copy, Debug, Default)]
pub struct PosixEnv;

struct PosixRandomFile {
    file: File,
}

impl RandomAccessFile for PosixRandomFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn as_file(&self) -> Option<&File> {
        Some(&self.file)
    }
}

struct PosixWritableFile {
    writer: BufWriter<File>,
}

impl WritableFile for PosixWritableFile {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.writer.write_all(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }

    fn sync(&mut self) -> io::Result<()> {
        self.writer.flush()?;
        self.writer.get_ref().sync_data()
    }
}

fn writable(file: File) -> Box<dyn WritableFile> {
    Box::new(PosixWritableFile {
        writer: BufWriter::with_capacity(WRITE_BUFFER_BYTES, file),
    })
}

impl Env for PosixEnv {
    fn new_writable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        Ok(writable(File::create(path)?))
    }

    fn new_appendable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        let file = OpenOptions::new().append(true).create(true).open(path)?;
        Ok(writable(file))
    }

    fn open_random(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>> {
        Ok(Arc::new(PosixRandomFile {
            file: File::open(path)?,
        }))
    }

    fn open_sequential(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(File::open(path)?))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn children(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(dir)? {
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
        Ok(names)
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)
    }

    fn file_size(&self, path: &Path) -> io::Result<u64> {
        Ok(fs::metadata(path)?.len())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }

    fn lock_file(&self, path: &Path) -> io::Result<FileLock> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(FileLock::new(Box::new(file))),
            Err(fs::TryLockError::WouldBlock) => Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                format!("{} is locked by another holder", path.display()),
            )),
            Err(fs::TryLockError::Error(error)) => Err(error),
        }
    }
}
