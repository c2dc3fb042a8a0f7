//! `strata import DIR [PATH]`: a whole folder tree of the disk into the
//! tree at PATH (default `/`): each folder made, each file put. A file
//! whose bytes the tree already holds at its path makes no new version
//! (`Tree::put_file`), so importing the same folder again changes nothing.
//!
//! Symbolic links and special files are skipped (named on stderr); so is
//! a name the tree cannot hold (not UTF-8, or over 255 bytes), and then
//! the command ends with an error after importing everything else.

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use super::deferred_backend::{DeferredBackend, SYNC_EVERY_FILES};
use super::local_tree;
use crate::fs::{FsError, Tree, TreeOptions, TreePath};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

pub const COMMAND: Command = Command {
    name: "import",
    summary: "Import a folder of the disk into the tree (unchanged files make no new version).",
    positionals: "DIR [PATH]",
    flags: &[DATA_FLAG],
};

/// What an import did.
#[derive(Debug, Default)]
struct Tally {
    folders: u64,
    created: u64,
    changed: u64,
    unchanged: u64,
    bytes: u64,
    skipped: u64,
}

/// Runs `strata import`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let (source, target) = match parsed.positionals.as_slice() {
        [source] => (PathBuf::from(source), TreePath::root()),
        [source, target] => {
            let target = TreePath::parse(target)
                .map_err(|error| Failure::Usage(format!("bad PATH {target:?}: {error}")))?;
            (PathBuf::from(source), target)
        }
        _ => {
            return Err(Failure::Usage(
                "strata import DIR [PATH] (see --help)".to_owned(),
            ));
        }
    };
    if !source.is_dir() {
        return Err(Failure::Usage(format!(
            "{} is not a folder",
            source.display()
        )));
    }
    let data = local_tree::data_folder(parsed, &COMMAND);
    let storage = local_tree::open_storage(&data, false)?;
    let backend = Arc::new(DeferredBackend::new(storage));
    let tree = Tree::open(backend.clone(), TreeOptions::default())
        .map_err(|error| Failure::Runtime(format!("cannot open the file tree: {error}")))?;
    let started = Instant::now();
    let mut import = Import {
        tree: &tree,
        backend: &backend,
        tally: Tally::default(),
    };
    import.tree(&source, &target)?;
    // Nothing is acknowledged before this one synced write.
    backend.sync().map_err(|e| fs_failure(&target, e))?;
    let tally = import.tally;
    let seconds = started.elapsed().as_secs_f64();
    let files = tally.created + tally.changed + tally.unchanged;
    println!(
        "import: {files} files ({} new, {} changed, {} unchanged), {} folders, {} bytes \
         in {seconds:.2} s ({:.0} files/s)",
        tally.created,
        tally.changed,
        tally.unchanged,
        tally.folders,
        tally.bytes,
        files as f64 / seconds.max(1e-9)
    );
    if tally.skipped > 0 {
        let message = format!("{} entries skipped (named above)", tally.skipped);
        return Err(Failure::Runtime(message));
    }
    Ok(())
}

/// One import in progress.
struct Import<'a> {
    tree: &'a Tree,
    backend: &'a DeferredBackend,
    tally: Tally,
}

impl Import<'_> {
    /// Walks `source` depth first (an explicit stack: no recursion limit),
    /// folders before their contents, names in byte order.
    fn tree(&mut self, source: &Path, target: &TreePath) -> Result<(), Failure> {
        let (tree, tally) = (self.tree, &mut self.tally);
        let mut pending = vec![(source.to_path_buf(), target.clone())];
        while let Some((folder, tree_folder)) = pending.pop() {
            tree.mkdir(&tree_folder)
                .map_err(|e| fs_failure(&tree_folder, e))?;
            tally.folders += 1;
            let mut children = Vec::new();
            let listing = fs::read_dir(&folder).map_err(|e| io_failure(&folder, e))?;
            for child in listing {
                let child = child.map_err(|e| io_failure(&folder, e))?;
                children.push(child.path());
            }
            children.sort();
            let mut folders = Vec::new();
            for child in children {
                let Some(tree_child) = tree_name(&child).map(|name| tree_folder.join(&name)) else {
                    eprintln!("skipped {}: not a name the tree can hold", child.display());
                    tally.skipped += 1;
                    continue;
                };
                let kind = fs::symlink_metadata(&child).map_err(|e| io_failure(&child, e))?;
                if kind.is_dir() {
                    folders.push((child, tree_child));
                } else if kind.is_file() {
                    import_file(tree, &child, &tree_child, tally)?;
                    let files = tally.created + tally.changed + tally.unchanged;
                    if files % SYNC_EVERY_FILES == 0 {
                        self.backend
                            .sync()
                            .map_err(|e| fs_failure(&tree_child, e))?;
                    }
                } else {
                    eprintln!("skipped {}: not a file or folder", child.display());
                    tally.skipped += 1;
                }
            }
            // Last pushed, first walked: sub-folders in byte order too.
            pending.extend(folders.into_iter().rev());
        }
        Ok(())
    }
}

/// The tree name of a disk path's last component, when it is one.
fn tree_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    crate::schema::validate_name(name).ok()?;
    Some(name.to_owned())
}

fn import_file(
    tree: &Tree,
    source: &Path,
    target: &TreePath,
    tally: &mut Tally,
) -> Result<(), Failure> {
    let file = File::open(source).map_err(|e| io_failure(source, e))?;
    let outcome = tree
        .put_file(target, file)
        .map_err(|e| fs_failure(target, e))?;
    tally.bytes += outcome.size;
    match (outcome.created, outcome.claim.is_some()) {
        (true, _) => tally.created += 1,
        (false, true) => tally.changed += 1,
        (false, false) => tally.unchanged += 1,
    }
    Ok(())
}

fn io_failure(path: &Path, error: std::io::Error) -> Failure {
    Failure::Runtime(format!("{}: {error}", path.display()))
}

fn fs_failure(path: &TreePath, error: FsError) -> Failure {
    Failure::Runtime(format!("{path}: {error}"))
}
