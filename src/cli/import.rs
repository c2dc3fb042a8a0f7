//! `strata import DIR [PATH]`: a whole folder tree of the disk into the
//! tree at PATH (default `/`): each folder made, each file put. A file
//! whose bytes the tree already holds at its path makes no new version,
//! so importing the same folder again changes nothing.
//!
//! On a data folder (`import_direct.rs`) or through a running server
//! (`--server URL`, `import_server.rs`: only the chunks the server lacks
//! are sent, then one request per changed file). Both walk the disk the
//! same way ([`walk`]): depth first, folders before their contents, names
//! in byte order. Symbolic links and special files are skipped (named on
//! stderr); so is a name the tree cannot hold (not UTF-8, or over 255
//! bytes), and then the command ends with an error after importing
//! everything else.
//!
//! With `mirror` (what `strata publish` asks), the tree at PATH is made
//! to hold exactly what DIR holds: entries the tree has and DIR does not
//! are deleted (tombstones: their history stays), and an entry whose kind
//! differs (a file where DIR has a folder) is deleted before the new one
//! is made.

use super::Failure;
use super::args::{Command, DATA_FLAG, Parsed};
use super::local_tree::{self, SERVER_FLAG};
use crate::fs::{FsError, TreePath};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const COMMAND: Command = Command {
    name: "import",
    summary: "Import a folder of the disk into the tree (unchanged files make no new version).",
    positionals: "DIR [PATH]",
    flags: &[SERVER_FLAG, DATA_FLAG],
};

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub folders: u64,
    pub created: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub bytes: u64,
    pub skipped: u64,
    /// Entries of the tree deleted because DIR has none (mirror only).
    pub deleted: u64,
}

impl Tally {
    pub fn files(&self) -> u64 {
        self.created + self.changed + self.unchanged
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{} files ({} new, {} changed, {} unchanged), {} folders, {} bytes",
            self.files(),
            self.created,
            self.changed,
            self.unchanged,
            self.folders,
            self.bytes
        )?;
        if self.deleted > 0 {
            write!(formatter, ", {} deleted", self.deleted)?;
        }
        Ok(())
    }
}

/// Runs `strata import`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    let (source, target) = source_and_target(parsed)?;
    let started = Instant::now();
    let tally = match local_tree::target_lazily(parsed, &COMMAND)? {
        None => {
            let data = local_tree::data_folder(parsed, &COMMAND);
            super::import_direct::import(&data, &source, &target, false)?
        }
        Some(mut client) => {
            let (tally, transfer) =
                super::import_server::import(&mut client, &source, &target, false)?;
            println!("import: {transfer}");
            tally
        }
    };
    report(&tally, started)
}

/// Prints the summary line; an error when entries were skipped.
pub fn report(tally: &Tally, started: Instant) -> Result<(), Failure> {
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "import: {tally} in {seconds:.2} s ({:.0} files/s)",
        tally.files() as f64 / seconds.max(1e-9)
    );
    if tally.skipped > 0 {
        let message = format!("{} entries skipped (named above)", tally.skipped);
        return Err(Failure::Runtime(message));
    }
    Ok(())
}

/// DIR (a folder) and PATH (default `/`).
fn source_and_target(parsed: &Parsed) -> Result<(PathBuf, TreePath), Failure> {
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
    check_source(&source)?;
    Ok((source, target))
}

/// DIR must be a folder.
pub fn check_source(source: &Path) -> Result<(), Failure> {
    if source.is_dir() {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "{} is not a folder",
        source.display()
    )))
}

/// One folder of the disk, read: its files and sub-folders by tree name
/// (byte order), and how many entries were skipped (named on stderr).
pub struct DiskFolder {
    pub files: Vec<(String, PathBuf)>,
    pub folders: Vec<(String, PathBuf)>,
    pub skipped: u64,
}

impl DiskFolder {
    /// Does the folder have an entry (file or folder) called `name`?
    pub fn has(&self, name: &str) -> bool {
        let found = |list: &[(String, PathBuf)]| {
            list.binary_search_by(|(other, _)| other.as_str().cmp(name))
                .is_ok()
        };
        found(&self.files) || found(&self.folders)
    }

    /// Is `name` a sub-folder here?
    pub fn has_folder(&self, name: &str) -> bool {
        (self
            .folders
            .binary_search_by(|(other, _)| other.as_str().cmp(name)))
        .is_ok()
    }
}

/// Reads the folder `folder` of the disk.
pub fn read_folder(folder: &Path) -> Result<DiskFolder, Failure> {
    let mut children = Vec::new();
    let listing = fs::read_dir(folder).map_err(|e| io_failure(folder, e))?;
    for child in listing {
        let child = child.map_err(|e| io_failure(folder, e))?;
        children.push(child.path());
    }
    children.sort();
    let mut read = DiskFolder {
        files: Vec::new(),
        folders: Vec::new(),
        skipped: 0,
    };
    for child in children {
        let Some(name) = tree_name(&child) else {
            eprintln!("skipped {}: not a name the tree can hold", child.display());
            read.skipped += 1;
            continue;
        };
        let kind = fs::symlink_metadata(&child).map_err(|e| io_failure(&child, e))?;
        if kind.is_dir() {
            read.folders.push((name, child));
        } else if kind.is_file() {
            read.files.push((name, child));
        } else {
            eprintln!("skipped {}: not a file or folder", child.display());
            read.skipped += 1;
        }
    }
    Ok(read)
}

/// Walks `source` depth first (an explicit stack: no recursion limit),
/// folders before their contents, names in byte order, calling `visit`
/// with each disk folder, its tree path and what it holds.
pub fn walk(
    source: &Path,
    target: &TreePath,
    mut visit: impl FnMut(&Path, &TreePath, &DiskFolder) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut pending = vec![(source.to_path_buf(), target.clone())];
    while let Some((folder, tree_folder)) = pending.pop() {
        let read = read_folder(&folder)?;
        visit(&folder, &tree_folder, &read)?;
        // Last pushed, first walked: sub-folders in byte order too.
        for (name, path) in read.folders.iter().rev() {
            pending.push((path.clone(), tree_folder.join(name)));
        }
    }
    Ok(())
}

/// The tree name of a disk path's last component, when it is one.
fn tree_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    crate::schema::validate_name(name).ok()?;
    Some(name.to_owned())
}

pub fn io_failure(path: &Path, error: std::io::Error) -> Failure {
    Failure::Runtime(format!("{}: {error}", path.display()))
}

pub fn fs_failure(path: &TreePath, error: FsError) -> Failure {
    Failure::Runtime(format!("{path}: {error}"))
}
