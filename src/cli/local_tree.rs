//! What the tree commands (`import`, `ls`, `cat`, `log`, `reindex`) share:
//! their common flags, and the tree of a data folder opened directly —
//! which works only when no server holds the folder's store.

use super::Failure;
use super::args::{Command, Flag, Parsed};
use crate::blob::{DbStorage, StorageError, data_store_dir};
use crate::fs::{Tree, TreeOptions, TreePath, latest, parse_time};
use crate::util::rfc3339::Timestamp;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `--at T`: read the tree as it was at T.
pub const AT_FLAG: Flag = Flag {
    name: "at",
    value: Some("TIME"),
    default: None,
    help: "as it was at TIME (RFC 3339 at any precision, or Unix seconds)",
};

/// `--server URL`: a running server instead of the data folder. Not yet
/// taken (see README.md): the commands name it when the store is held.
pub const SERVER_HINT: &str = "a running strata server holds it; stop the server to work on \
     the folder directly (working through --server URL is not built yet)";

/// A data folder's tree, opened directly on its store.
pub struct LocalTree {
    pub storage: Arc<DbStorage>,
    pub tree: Tree,
}

/// The `--data` folder of `command`.
pub fn data_folder(parsed: &Parsed, command: &Command) -> PathBuf {
    PathBuf::from(parsed.get(command, "data").unwrap_or_default())
}

/// Opens the tree of `data`. With `must_exist`, a folder without a store
/// is an error (reading commands do not make an empty store).
pub fn open(data: &Path, must_exist: bool) -> Result<LocalTree, Failure> {
    let storage = open_storage(data, must_exist)?;
    let tree = Tree::open(storage.clone(), TreeOptions::default())
        .map_err(|error| Failure::Runtime(format!("cannot open the file tree: {error}")))?;
    Ok(LocalTree { storage, tree })
}

/// Opens the store of `data` (see [`open`]).
pub fn open_storage(data: &Path, must_exist: bool) -> Result<Arc<DbStorage>, Failure> {
    let store = data_store_dir(data);
    if must_exist && !store.is_dir() {
        let message = format!("no strata data folder at {} (see --data)", data.display());
        return Err(Failure::Runtime(message));
    }
    let storage = DbStorage::open(&store).map_err(|error| match &error {
        StorageError::Io(inner) if inner.kind() == std::io::ErrorKind::ResourceBusy => {
            Failure::Runtime(format!(
                "the data folder {} is in use: {SERVER_HINT}",
                data.display()
            ))
        }
        _ => Failure::Runtime(format!(
            "cannot open the store of {}: {error}",
            data.display()
        )),
    })?;
    Ok(Arc::new(storage))
}

/// `--at`, or now.
pub fn at(parsed: &Parsed, command: &Command) -> Result<Timestamp, Failure> {
    match parsed.get(command, "at") {
        None => Ok(latest()),
        Some(text) => parse_time(&text).map_err(|error| Failure::Usage(error.to_string())),
    }
}

/// The one positional PATH of a command, as a tree path.
pub fn tree_path(parsed: &Parsed, command: &Command) -> Result<TreePath, Failure> {
    let [text] = parsed.positionals.as_slice() else {
        let message = format!("strata {}: give one PATH (see --help)", command.name);
        return Err(Failure::Usage(message));
    };
    TreePath::parse(text).map_err(|error| Failure::Usage(format!("bad path {text:?}: {error}")))
}
