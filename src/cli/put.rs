//! `strata put FILE…`: stores files as blobs and prints, per file, its
//! `file` schema ref, its size and its path.
//!
//! Against a server (`--server URL`) the file is chunked here and only
//! the blobs the server lacks are sent (`sender.rs`: windows of at most
//! [`WINDOW_REFS_MAX`] refs, one `stat` each, multipart uploads), so the
//! refs are the ones `PUT /api/file?filename=NAME` would answer; a file
//! sent again unchanged sends nothing, an interrupted one resumes.
//!
//! Without `--server`, the data folder's store is opened directly and the
//! file written into it (a running server holds the store: then it says so
//! and suggests `--server`).

use std::cell::RefCell;
use std::fmt::Display;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::Failure;
use super::args::{Command, DATA_FLAG, Flag, Parsed};
use super::client::Client;
pub use super::sender::{
    BATCH_BYTES_MAX, BATCH_PARTS_MAX, PutFile, Transfer, WINDOW_REFS_MAX, status_error,
};
use super::sender::{Outgoing, send_files};
use crate::blob::db_storage::{DbStorage, data_store_dir};
use crate::blob::{BLOB_BYTES_MAX, BlobRef, BlobSink, BlobStorage, FileMeta};

/// `--server URL`, shared by `put` and `get`.
pub const SERVER_FLAG: Flag = Flag {
    name: "server",
    value: Some("URL"),
    default: None,
    help: "go through the server at http://HOST:PORT/ (token: STRATA_TOKEN), not --data",
};

pub const COMMAND: Command = Command {
    name: "put",
    summary: "Store files as blobs; print each one's file ref, size and path.",
    positionals: "FILE…",
    flags: &[
        SERVER_FLAG,
        DATA_FLAG,
        Flag {
            name: "verbose",
            value: None,
            default: None,
            help: "say on stderr how many chunks (and bytes) were sent and skipped",
        },
    ],
};

/// Where the files go.
enum Target {
    Server(Box<Client>),
    Store(DbStorage),
}

/// Runs `strata put`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    if parsed.positionals.is_empty() {
        return Err(COMMAND.error("name at least one FILE").into());
    }
    let mut target = open_target(parsed, &COMMAND)?;
    let verbose = parsed.switch("verbose");
    let mut failures = Vec::new();
    for path in &parsed.positionals {
        match put_one(&mut target, Path::new(path)) {
            Ok((put, report)) => {
                println!("{} {} {path}", put.file_ref, put.size);
                if verbose {
                    eprintln!("strata put: {path}: {report}");
                }
            }
            Err(message) => failures.push(format!("{path}: {message}")),
        }
    }
    match failures.len() {
        0 => Ok(()),
        1 => Err(Failure::Runtime(failures.remove(0))),
        count => {
            for failure in &failures {
                eprintln!("strata put: {failure}");
            }
            let total = parsed.positionals.len();
            Err(Failure::Runtime(format!(
                "{count} of {total} files not stored"
            )))
        }
    }
}

fn open_target(parsed: &Parsed, command: &Command) -> Result<Target, Failure> {
    match parsed.get(command, "server") {
        Some(url) => Ok(Target::Server(Box::new(connect(&url, command)?))),
        None => {
            let data = PathBuf::from(parsed.get(command, "data").unwrap_or_default());
            Ok(Target::Store(open_store(&data)?))
        }
    }
}

/// A client of `url` with the token from `STRATA_TOKEN`. A bad URL is a
/// usage error of `command`.
pub fn connect(url: &str, command: &Command) -> Result<Client, Failure> {
    let server = super::client::ServerUrl::parse(url)
        .map_err(|error| Failure::from(command.error(&error.to_string())))?;
    let token = std::env::var(super::client::TOKEN_VARIABLE)
        .ok()
        .filter(|token| !token.is_empty());
    Client::new(server, token).map_err(runtime)
}

/// Opens the data folder's store; a store held by a running server is
/// said so, with the `--server` flag to use instead.
pub fn open_store(data: &Path) -> Result<DbStorage, Failure> {
    DbStorage::open(&data_store_dir(data)).map_err(|error| {
        let busy = matches!(&error, crate::blob::StorageError::Io(inner)
            if inner.kind() == io::ErrorKind::ResourceBusy);
        if busy {
            Failure::Runtime(super::server_record::held_message(data))
        } else {
            Failure::Runtime(format!(
                "cannot open the store in {}: {error}",
                data.display()
            ))
        }
    })
}

fn runtime(error: impl Display) -> Failure {
    Failure::Runtime(error.to_string())
}

fn put_one(target: &mut Target, path: &Path) -> Result<(PutFile, String), String> {
    let file = File::open(path).map_err(|error| error.to_string())?;
    let metadata = file.metadata().map_err(|error| error.to_string())?;
    if !metadata.is_file() {
        return Err("not a regular file (strata put takes files)".to_string());
    }
    let meta = file_meta(path);
    match target {
        Target::Server(client) => {
            let (put, transfer) = put_remote(client, &file, &meta, WINDOW_REFS_MAX)?;
            Ok((put, transfer.to_string()))
        }
        Target::Store(storage) => {
            let mut counts = StoredCounts::default();
            let put = put_direct(storage, &file, &meta, &mut counts)?;
            Ok((put, counts.to_string()))
        }
    }
}

/// The `file` blob's members: the base name (left out when the server
/// would refuse it as a `filename`), no mtime, as `PUT /api/file` makes
/// them, so both give the same ref for the same file and name.
pub fn file_meta(path: &Path) -> FileMeta {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    let acceptable = name.len() <= 255
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    FileMeta {
        file_name: if acceptable {
            name.to_string()
        } else {
            String::new()
        },
        unix_mtime: None,
    }
}

/// Blobs stored directly, new and already there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoredCounts {
    pub blobs_new: u64,
    pub bytes_new: u64,
    pub blobs_present: u64,
    pub bytes_present: u64,
}

impl Display for StoredCounts {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "stored {} new blobs ({} bytes), {} were there already ({} bytes)",
            self.blobs_new, self.bytes_new, self.blobs_present, self.bytes_present
        )
    }
}

/// A sink that stores into a `BlobStorage` and counts what was new.
struct CountingSink<'s> {
    storage: &'s dyn BlobStorage,
    counts: RefCell<StoredCounts>,
}

impl BlobSink for CountingSink<'_> {
    fn put(&self, bytes: &[u8]) -> io::Result<BlobRef> {
        // Synced once per file, by `put_direct`, before the file is named.
        let mut body = bytes;
        let limit_bytes = BLOB_BYTES_MAX as u64;
        let received = self
            .storage
            .receive_deferred(None, &mut body, limit_bytes)?;
        let mut counts = self.counts.borrow_mut();
        if received.newly_stored {
            counts.blobs_new += 1;
            counts.bytes_new += received.size;
        } else {
            counts.blobs_present += 1;
            counts.bytes_present += received.size;
        }
        Ok(received.blob_ref)
    }
}

/// Writes `file` into `storage` (the direct mode), counting into `counts`.
/// The blobs are written without a sync each and synced once at the end,
/// before the file's ref is returned (as `PUT /api/file` does).
pub fn put_direct(
    storage: &dyn BlobStorage,
    file: &File,
    meta: &FileMeta,
    counts: &mut StoredCounts,
) -> Result<PutFile, String> {
    let sink = CountingSink {
        storage,
        counts: RefCell::new(StoredCounts::default()),
    };
    let written = crate::blob::write_file(&sink, file, meta).map_err(|error| error.to_string())?;
    storage.sync().map_err(|error| error.to_string())?;
    *counts = sink.counts.into_inner();
    Ok(PutFile {
        file_ref: written.file_ref,
        size: written.size,
    })
}

/// Puts `file` through `client`, asking about at most `window_refs_max`
/// blobs per window (`sender.rs`).
pub fn put_remote(
    client: &mut Client,
    file: &File,
    meta: &FileMeta,
    window_refs_max: usize,
) -> Result<(PutFile, Transfer), String> {
    let outgoing = Outgoing {
        file: file.try_clone().map_err(|error| error.to_string())?,
        meta: meta.clone(),
        tag: (),
        known: None,
    };
    let mut put = None;
    let transfer = send_files(
        client,
        std::iter::once(Ok(outgoing)),
        window_refs_max,
        |_, done| {
            put = done.last().map(|sent| sent.put);
            Ok(())
        },
    )?;
    let put = put.expect("a send that succeeds hands every file back");
    Ok((put, transfer))
}

#[cfg(test)]
pub(super) mod tests;
