//! An in-memory file system for tests that keeps what was written apart
//! from what is durable, so [`MemEnv::crash`] leaves exactly what a power
//! cut would: synced bytes of files whose directory entry was synced.
//!
//! Model (see the durability rules in `env.rs`):
//! - an inode holds its bytes and how many of them are synced;
//! - the *live* namespace maps paths to inodes as the running process sees
//!   them; the *durable* namespace is what survives a crash, and takes the
//!   live entries of a directory only at `sync_dir` of that directory;
//! - directories themselves are always durable (the store creates its one
//!   directory once, before anything else).

use super::{Env, FileLock, RandomAccessFile, WritableFile};
use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

#[derive(Default)]
struct InodeData {
    bytes: Vec<u8>,
    synced_bytes: usize,
}

#[derive(Default)]
struct Inode {
    data: RwLock<InodeData>,
}

impl Inode {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, InodeData> {
        self.data
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, InodeData> {
        self.data
            .write()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

#[derive(Default)]
struct Namespace {
    live: HashMap<PathBuf, Arc<Inode>>,
    durable: HashMap<PathBuf, Arc<Inode>>,
    dirs: HashSet<PathBuf>,
    /// Locked path → generation of the lock, so that a guard from before a
    /// crash does not release a lock taken after it.
    locks: HashMap<PathBuf, u64>,
    lock_generation: u64,
}

/// The in-memory Env. Clones share one file system.
#[derive(Clone, Default)]
pub struct MemEnv {
    namespace: Arc<Mutex<Namespace>>,
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file", path.display()),
    )
}

impl MemEnv {
    pub fn new() -> MemEnv {
        MemEnv::default()
    }

    fn namespace(&self) -> MutexGuard<'_, Namespace> {
        self.namespace
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn inode(&self, path: &Path) -> io::Result<Arc<Inode>> {
        self.namespace()
            .live
            .get(path)
            .cloned()
            .ok_or_else(|| not_found(path))
    }

    fn check_parent(namespace: &Namespace, path: &Path) -> io::Result<()> {
        match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => {
                if namespace.dirs.contains(parent) {
                    Ok(())
                } else {
                    Err(not_found(parent))
                }
            }
            _ => Ok(()),
        }
    }

    /// Simulates a power cut: every unsynced byte and every directory
    /// change not made durable by `sync_dir` is lost; locks are released.
    pub fn crash(&self) {
        let mut namespace = self.namespace();
        for inode in namespace.durable.values() {
            let mut data = inode.write();
            let synced = data.synced_bytes;
            data.bytes.truncate(synced);
        }
        namespace.live = namespace.durable.clone();
        namespace.locks.clear();
    }

    /// The bytes of `path` as the running process sees them (tests).
    pub fn contents(&self, path: &Path) -> io::Result<Vec<u8>> {
        Ok(self.inode(path)?.read().bytes.clone())
    }

    /// Replaces the bytes of `path`, all of them durable (tests that
    /// corrupt files).
    pub fn set_contents(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let inode = self.inode(path)?;
        let mut data = inode.write();
        data.bytes = bytes.to_vec();
        data.synced_bytes = bytes.len();
        Ok(())
    }

    fn open_for_append(&self, path: &Path, truncate: bool) -> io::Result<Box<dyn WritableFile>> {
        let mut namespace = self.namespace();
        MemEnv::check_parent(&namespace, path)?;
        let inode = namespace
            .live
            .entry(path.to_path_buf())
            .or_default()
            .clone();
        if truncate {
            let mut data = inode.write();
            data.bytes.clear();
            data.synced_bytes = 0;
        }
        Ok(Box::new(MemWritableFile { inode }))
    }
}

struct MemWritableFile {
    inode: Arc<Inode>,
}

impl WritableFile for MemWritableFile {
    fn append(&mut self, data: &[u8]) -> io::Result<()> {
        self.inode.write().bytes.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        let mut data = self.inode.write();
        data.synced_bytes = data.bytes.len();
        Ok(())
    }
}

struct MemRandomFile {
    inode: Arc<Inode>,
}

impl RandomAccessFile for MemRandomFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let data = self.inode.read();
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let source = start
            .checked_add(buf.len())
            .and_then(|end| data.bytes.get(start..end));
        match source {
            Some(source) => {
                buf.copy_from_slice(source);
                Ok(())
            }
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past the end of the file",
            )),
        }
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.inode.read().bytes.len() as u64)
    }

    fn as_file(&self) -> Option<&std::fs::File> {
        None
    }
}

/// Reads an inode from the start; sees bytes appended after it was opened.
struct MemSequentialFile {
    inode: Arc<Inode>,
    position: usize,
}

impl Read for MemSequentialFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let data = self.inode.read();
        let available = data.bytes.get(self.position..).unwrap_or(&[]);
        let count = available.len().min(buf.len());
        buf[..count].copy_from_slice(&available[..count]);
        self.position += count;
        Ok(count)
    }
}

struct MemLock {
    env: MemEnv,
    path: PathBuf,
    generation: u64,
}

impl Drop for MemLock {
    fn drop(&mut self) {
        let mut namespace = self.env.namespace();
        if namespace.locks.get(&self.path) == Some(&self.generation) {
            namespace.locks.remove(&self.path);
        }
    }
}

impl Env for MemEnv {
    fn new_writable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.open_for_append(path, true)
    }

    fn new_appendable(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.open_for_append(path, false)
    }

    fn open_random(&self, path: &Path) -> io::Result<Arc<dyn RandomAccessFile>> {
        Ok(Arc::new(MemRandomFile {
            inode: self.inode(path)?,
        }))
    }

    fn open_sequential(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(MemSequentialFile {
            inode: self.inode(path)?,
            position: 0,
        }))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut namespace = self.namespace();
        namespace
            .live
            .remove(path)
            .map(drop)
            .ok_or_else(|| not_found(path))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut namespace = self.namespace();
        MemEnv::check_parent(&namespace, to)?;
        let inode = namespace.live.remove(from).ok_or_else(|| not_found(from))?;
        namespace.live.insert(to.to_path_buf(), inode);
        Ok(())
    }

    fn children(&self, dir: &Path) -> io::Result<Vec<String>> {
        let namespace = self.namespace();
        if !namespace.dirs.contains(dir) {
            return Err(not_found(dir));
        }
        let files = namespace.live.keys();
        let paths = files.chain(namespace.dirs.iter());
        let names = paths
            .filter(|path| path.parent() == Some(dir))
            .filter_map(|path| path.file_name())
            .map(|name| name.to_string_lossy().into_owned());
        Ok(names.collect())
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut namespace = self.namespace();
        for ancestor in dir.ancestors() {
            if !ancestor.as_os_str().is_empty() {
                namespace.dirs.insert(ancestor.to_path_buf());
            }
        }
        Ok(())
    }

    fn file_size(&self, path: &Path) -> io::Result<u64> {
        Ok(self.inode(path)?.read().bytes.len() as u64)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut namespace = self.namespace();
        if !namespace.dirs.contains(dir) {
            return Err(not_found(dir));
        }
        namespace
            .durable
            .retain(|path, _| path.parent() != Some(dir));
        let entries: Vec<_> = namespace
            .live
            .iter()
            .filter(|(path, _)| path.parent() == Some(dir))
            .map(|(path, inode)| (path.clone(), inode.clone()))
            .collect();
        namespace.durable.extend(entries);
        Ok(())
    }

    fn lock_file(&self, path: &Path) -> io::Result<FileLock> {
        let mut namespace = self.namespace();
        MemEnv::check_parent(&namespace, path)?;
        if namespace.locks.contains_key(path) {
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                format!("{} is locked by another holder", path.display()),
            ));
        }
        namespace.live.entry(path.to_path_buf()).or_default();
        namespace.lock_generation += 1;
        let generation = namespace.lock_generation;
        namespace.locks.insert(path.to_path_buf(), generation);
        let held = MemLock {
            env: self.clone(),
            path: path.to_path_buf(),
            generation,
        };
        Ok(FileLock::new(Box::new(held)))
    }
}
