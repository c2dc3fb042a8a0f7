//! What the tree commands (`import`, `ls`, `cat`, `log`, `reindex`,
//! `publish`) share: their common flags, and where the tree is — a
//! running server (`--server URL`, token in `STRATA_TOKEN`), or the data
//! folder opened directly, which works only when no server holds its
//! store (then the message names the server's URL: `server_record.rs`).

use super::Failure;
use super::args::{Command, Flag, Parsed};
use super::client::Client;
use crate::blob::{DbStorage, StorageError, data_store_dir};
use crate::fs::{Tree, TreeOptions, TreePath, parse_time};
use crate::store::Options;
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

pub use super::put::SERVER_FLAG;

/// Where a tree command works.
pub enum Target {
    /// The data folder's store, opened directly.
    Direct(Box<LocalTree>),
    /// A running server, through its API.
    Server(Box<Client>),
}

/// The server of `--server`, else the `--data` folder's tree (which must
/// exist when `must_exist`).
pub fn target(parsed: &Parsed, command: &Command, must_exist: bool) -> Result<Target, Failure> {
    if let Some(url) = parsed.get(command, "server") {
        return Ok(Target::Server(Box::new(super::put::connect(
            &url, command,
        )?)));
    }
    let data = data_folder(parsed, command);
    Ok(Target::Direct(Box::new(open(&data, must_exist)?)))
}

/// The client of `--server`, or None for the data folder (which the
/// caller opens its own way).
pub fn target_lazily(parsed: &Parsed, command: &Command) -> Result<Option<Client>, Failure> {
    let url = parsed.get(command, "server");
    url.map(|url| super::put::connect(&url, command))
        .transpose()
}

/// `--at` as given (None: now).
pub fn at_given(parsed: &Parsed, command: &Command) -> Result<Option<Timestamp>, Failure> {
    match parsed.get(command, "at") {
        None => Ok(None),
        Some(text) => parse_time(&text)
            .map(Some)
            .map_err(|error| Failure::Usage(error.to_string())),
    }
}

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
    open_storage_with(data, must_exist, Options::default())
}

/// [`open_storage`] with the caller's store options (`import` opens it
/// with a larger write buffer); `create_if_missing` is set here.
pub fn open_storage_with(
    data: &Path,
    must_exist: bool,
    options: Options,
) -> Result<Arc<DbStorage>, Failure> {
    let store = data_store_dir(data);
    if must_exist && !store.is_dir() {
        let message = format!("no strata data folder at {} (see --data)", data.display());
        return Err(Failure::Runtime(message));
    }
    let options = Options {
        create_if_missing: true,
        ..options
    };
    let storage = DbStorage::open_with_options(&store, options).map_err(|error| match &error {
        StorageError::Io(inner) if inner.kind() == std::io::ErrorKind::ResourceBusy => {
            Failure::Runtime(super::server_record::held_message(data))
        }
        _ => Failure::Runtime(format!(
            "cannot open the store of {}: {error}",
            data.display()
        )),
    })?;
    Ok(Arc::new(storage))
}

/// The one positional PATH of a command, as a tree path.
pub fn tree_path(parsed: &Parsed, command: &Command) -> Result<TreePath, Failure> {
    let [text] = parsed.positionals.as_slice() else {
        let message = format!("strata {}: give one PATH (see --help)", command.name);
        return Err(Failure::Usage(message));
    };
    TreePath::parse(text).map_err(|error| Failure::Usage(format!("bad path {text:?}: {error}")))
}
