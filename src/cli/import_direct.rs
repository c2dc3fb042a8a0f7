//! `strata import` (and `publish`) on a data folder opened directly.
//!
//! Three kinds of work, on different threads:
//! - [`HASH_WORKERS`] threads read, chunk and hash files and store their
//!   blobs (`write_file`), many files at once;
//! - this thread walks the disk (`import::walk`), makes folders (and, to
//!   mirror, deletes), and names each stored file in the tree with
//!   `Tree::put_content`: the writer lock is held only for the claim;
//! - a write-back thread (`blob::write_back`) fdatasyncs the value log
//!   each time [`WRITE_BACK_BYTES_MIN`] more are stored, while the others
//!   go on, so the closing sync waits only for the last few MiB (without
//!   it, the disk started writing 100 MiB of large files at the end).
//!
//! Every write goes through [`DeferredBackend`] (no sync each; one synced
//! barrier every [`SYNC_EVERY_FILES`] files and one at the end, before
//! the import says it is done). A file's blobs are written before the
//! result reaches this thread, so its claim is written after them: the
//! order `deferred_backend.rs` needs for a crash to lose only a suffix.

use super::Failure;
use super::deferred_backend::{DeferredBackend, SYNC_EVERY_FILES};
use super::import::{DiskFolder, Tally, fs_failure, io_failure, walk};
use super::import_sink::{ImportSink, LARGE_FILE_BYTES_MIN};
use super::local_tree;
use crate::blob::write_back::{WriteBackHints, write_back_channel};
use crate::blob::{FileMeta, WrittenFile, write_file, write_file_shared};
use crate::fs::{Tree, TreeOptions, TreePath, latest};
use crate::index::Kind;
use crate::store::Options;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};

/// Threads that read, hash and store files while this one makes claims.
pub const HASH_WORKERS: usize = 2;
/// The store's write buffer (memtable) during an import: 16x the
/// default, so 10,000 small files flush a few times rather than dozens,
/// and the compactions (with their syncs) that each flush starts run
/// less. Memory: at most two of them, plus what the default costs.
pub const IMPORT_WRITE_BUFFER_BYTES: usize = 64 << 20;
/// Bytes of blobs stored between two write-back hints (`blob::write_back`):
/// the closing sync waits for about this much plus what was stored during
/// the last write-back.
pub const WRITE_BACK_BYTES_MIN: u64 = 8 << 20;
/// Files handed to the workers and not yet taken.
const QUEUED_FILES_MAX: usize = 256;

/// A file to store: where it goes and where it is.
type Job = (TreePath, PathBuf);
/// A stored file (or why it could not be).
type Stored = (TreePath, Result<WrittenFile, Failure>);

/// Imports `source` into `target` of the data folder `data`; with
/// `mirror`, entries not in `source` are deleted (see `import.rs`).
pub fn import(
    data: &Path,
    source: &Path,
    target: &TreePath,
    mirror: bool,
) -> Result<Tally, Failure> {
    let options = Options {
        write_buffer_size_bytes: IMPORT_WRITE_BUFFER_BYTES,
        ..Options::default()
    };
    let storage = local_tree::open_storage_with(data, false, options)?;
    let backend = Arc::new(DeferredBackend::new(storage));
    let tree = Tree::open(backend.clone(), TreeOptions::default())
        .map_err(|error| Failure::Runtime(format!("cannot open the file tree: {error}")))?;
    let mut import = Import {
        tree: &tree,
        backend: &backend,
        tally: Tally::default(),
        mirror,
    };
    import.run(source, target)?;
    // Nothing is acknowledged before this one synced write.
    backend.sync().map_err(|e| fs_failure(target, e))?;
    Ok(import.tally)
}

/// One import in progress.
struct Import<'a> {
    tree: &'a Tree,
    backend: &'a DeferredBackend,
    tally: Tally,
    mirror: bool,
}

impl Import<'_> {
    fn run(&mut self, source: &Path, target: &TreePath) -> Result<(), Failure> {
        let (jobs, taken) = mpsc::sync_channel::<Job>(QUEUED_FILES_MAX);
        let (stored, results) = mpsc::channel::<Stored>();
        let taken = Mutex::new(taken);
        let backend = self.backend;
        let (hints, queue) = write_back_channel(WRITE_BACK_BYTES_MIN);
        let hints = Arc::new(hints);
        std::thread::scope(|scope| {
            let write_back = scope.spawn(move || queue.run(backend.storage()));
            for _ in 0..HASH_WORKERS {
                let (taken, stored, hints) = (&taken, stored.clone(), Arc::clone(&hints));
                scope.spawn(move || store_files(backend, taken, &stored, &hints));
            }
            // The workers hold the only hints left: the write-back thread
            // ends with the last of them.
            drop((stored, hints));
            let walked = self.walk(source, target, &jobs, &results);
            drop(jobs);
            // Every file handed over is named (or failed) before the end.
            let mut named = Ok(());
            for result in &results {
                let outcome = self.name(result);
                if named.is_ok() {
                    named = outcome;
                }
            }
            let written_back = write_back.join().expect("the write-back thread panicked");
            let written_back = written_back.map_err(|error| {
                Failure::Runtime(format!("cannot write the store to disk: {error}"))
            });
            walked.and(named).and(written_back)
        })
    }

    fn walk(
        &mut self,
        source: &Path,
        target: &TreePath,
        jobs: &SyncSender<Job>,
        results: &Receiver<Stored>,
    ) -> Result<(), Failure> {
        walk(source, target, |_, tree_folder, disk| {
            self.folder(tree_folder, disk)?;
            for (name, path) in &disk.files {
                let job = (tree_folder.join(name), path.clone());
                if jobs.send(job).is_err() {
                    return Err(Failure::Runtime("the hashing threads stopped".to_owned()));
                }
                while let Ok(result) = results.try_recv() {
                    self.name(result)?;
                }
            }
            Ok(())
        })
    }

    /// Makes the folder; to mirror, deletes what the disk folder lacks or
    /// holds as the other kind.
    fn folder(&mut self, tree_folder: &TreePath, disk: &DiskFolder) -> Result<(), Failure> {
        let fail = |error| fs_failure(tree_folder, error);
        self.tree.mkdir(tree_folder).map_err(fail)?;
        self.tally.folders += 1;
        self.tally.skipped += disk.skipped;
        if !self.mirror {
            return Ok(());
        }
        for entry in self.tree.list(tree_folder, latest()).map_err(fail)? {
            let is_folder = entry.kind == Kind::Folder;
            let keep = disk.has(&entry.name) && disk.has_folder(&entry.name) == is_folder;
            if !keep {
                let path = tree_folder.join(&entry.name);
                self.tree
                    .delete(&path)
                    .map_err(|error| fs_failure(&path, error))?;
                self.tally.deleted += 1;
            }
        }
        Ok(())
    }

    /// Names one stored file in the tree (a claim unless unchanged).
    fn name(&mut self, (path, stored): Stored) -> Result<(), Failure> {
        let written = stored?;
        let outcome = self
            .tree
            .put_content(&path, written.file_ref, written.size)
            .map_err(|error| fs_failure(&path, error))?;
        self.tally.bytes += outcome.size;
        match (outcome.created, outcome.claim.is_some()) {
            (true, _) => self.tally.created += 1,
            (false, true) => self.tally.changed += 1,
            (false, false) => self.tally.unchanged += 1,
        }
        if self.tally.files().is_multiple_of(SYNC_EVERY_FILES) {
            self.backend.sync().map_err(|e| fs_failure(&path, e))?;
        }
        Ok(())
    }
}

/// One hashing thread: stores the files it takes until none are left.
fn store_files(
    backend: &DeferredBackend,
    taken: &Mutex<Receiver<Job>>,
    stored: &mpsc::Sender<Stored>,
    write_back: &WriteBackHints,
) {
    loop {
        let job = taken.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok((path, disk_path)) = job else {
            return;
        };
        let result = store_file(backend, &disk_path, write_back);
        if stored.send((path, result)).is_err() {
            return;
        }
    }
}

/// The file's chunks and schema blobs, stored (the same refs `PUT
/// /api/fs` makes: no file name in the `file` blob).
fn store_file(
    backend: &DeferredBackend,
    disk_path: &Path,
    write_back: &WriteBackHints,
) -> Result<WrittenFile, Failure> {
    let fail = |error: &dyn std::fmt::Display| {
        Failure::Runtime(format!("{}: {error}", disk_path.display()))
    };
    let file = File::open(disk_path).map_err(|e| io_failure(disk_path, e))?;
    let size = file.metadata().map_err(|e| io_failure(disk_path, e))?.len();
    let sink = ImportSink::new(backend.storage(), Some(write_back));
    let meta = FileMeta::default();
    let written = if size >= LARGE_FILE_BYTES_MIN {
        write_file_shared(&sink, file, &meta)
    } else {
        write_file(&sink, file, &meta)
    };
    let written = written.map_err(|e| fail(&e))?;
    sink.finish().map_err(|e| fail(&e))?;
    Ok(written)
}
